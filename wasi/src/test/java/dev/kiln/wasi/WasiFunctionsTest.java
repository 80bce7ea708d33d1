package dev.kiln.wasi;

import static dev.kiln.wasi.Harness.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The non-file-system functions of WASI preview1, called directly over a host memory. */
class WasiFunctionsTest {
    private static Harness harness() {
        return new Harness(WasiContext.builder().stdout(new ByteArrayOutputStream()).stderr(new ByteArrayOutputStream())
                .stdin(new ByteArrayInputStream(new byte[0])));
    }

    @Test
    void everyPreview1FunctionIsDefined() {
        try (Harness h = harness()) {
            assertEquals(46, Preview1.FUNCTIONS.size());
            for (String f : Preview1.FUNCTIONS) {
                assertNotNull(h.linker.get(WasiContext.MODULE, f), f);
            }
        }
    }

    @Test
    void argsAndEnvironAreNulTerminatedUtf8WithPointerArrays() {
        try (Harness h = new Harness(WasiContext.builder().args("prog", "héllo", "").env("A", "1").env("B", "x=y"))) {
            int count = h.alloc(4);
            int size = h.alloc(4);
            assertEquals(0, h.call("args_sizes_get", count, size));
            assertEquals(3, h.i32(count));
            int expectedSize = "prog".length() + 1 + "héllo".getBytes(StandardCharsets.UTF_8).length + 1 + 1;
            assertEquals(expectedSize, h.i32(size));
            int argv = h.alloc(12);
            int buf = h.alloc(expectedSize);
            assertEquals(0, h.call("args_get", argv, buf));
            assertEquals(buf, h.i32(argv));
            assertEquals("prog\0héllo\0\0", h.string(buf, expectedSize));
            assertEquals(buf + 5, h.i32(argv + 4));
            assertEquals(buf + expectedSize - 1, h.i32(argv + 8));

            assertEquals(0, h.call("environ_sizes_get", count, size));
            assertEquals(2, h.i32(count));
            assertEquals(4 + 6, h.i32(size));
            int envp = h.alloc(8);
            int ebuf = h.alloc(10);
            assertEquals(0, h.call("environ_get", envp, ebuf));
            assertEquals("A=1\0B=x=y\0", h.string(ebuf, 10));
            assertEquals(ebuf + 4, h.i32(envp + 4));
        }
    }

    @Test
    void clocksGiveNanosecondsAndRejectUnknownIds() throws Exception {
        try (Harness h = harness()) {
            int t = h.alloc(8);
            long before = System.currentTimeMillis();
            assertEquals(0, h.call("clock_time_get", 0, 1L, t));
            long realtimeMillis = h.i64(t) / 1_000_000;
            assertTrue(Math.abs(realtimeMillis - before) < 1000, realtimeMillis + " vs " + before);

            assertEquals(0, h.call("clock_time_get", 1, 1L, t));
            long m1 = h.i64(t);
            Thread.sleep(20);
            assertEquals(0, h.call("clock_time_get", 1, 1L, t));
            long m2 = h.i64(t);
            assertTrue(m2 - m1 >= 20_000_000L, "monotonic advanced " + (m2 - m1) + " ns over a 20 ms sleep");

            for (int id = 0; id < 4; id++) {
                assertEquals(0, h.call("clock_res_get", id, t), "clock " + id);
                assertTrue(h.i64(t) > 0 && h.i64(t) <= 1_000_000, "resolution of clock " + id);
                assertEquals(0, h.call("clock_time_get", id, 0L, t));
                assertTrue(h.i64(t) > 0);
            }
            assertEquals(Errno.INVAL, h.call("clock_res_get", 4, t));
            assertEquals(Errno.INVAL, h.call("clock_time_get", -1, 0L, t));
            assertEquals(Errno.FAULT, h.call("clock_time_get", 0, 0L, (int) h.memory.byteSize() - 4));
        }
    }

    @Test
    void randomGetFillsTheBufferFromTheConfiguredSource() {
        try (Harness h = new Harness(WasiContext.builder().random(new Random(42)))) {
            int buf = h.alloc(100_000);
            assertEquals(0, h.call("random_get", buf, 100_000));
            byte[] expected = new byte[65536];
            Random r = new Random(42);
            r.nextBytes(expected);
            assertArrayEquals(expected, h.bytes(buf, 65536));
            byte[] rest = new byte[100_000 - 65536];
            r.nextBytes(rest);
            assertArrayEquals(rest, h.bytes(buf + 65536, rest.length));
            assertEquals(Errno.FAULT, h.call("random_get", (int) h.memory.byteSize() - 10, 11));
            assertEquals(0, h.call("random_get", (int) h.memory.byteSize() - 10, 10));
        }
    }

    @Test
    void stdoutAndStderrGatherIovecsIntoTheEmbeddersStreams() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (Harness h = new Harness(WasiContext.builder().stdout(out).stderr(err))) {
            int n = h.alloc(4);
            int iovs = h.iovsOf("hello, ".getBytes(), new byte[0], "world\n".getBytes());
            assertEquals(0, h.call("fd_write", 1, iovs, 3, n));
            assertEquals(13, h.i32(n));
            assertEquals(0, h.write(2, "oops"));
            assertEquals("hello, world\n", out.toString());
            assertEquals("oops", err.toString());
            assertEquals(Errno.BADF, h.write(0, "x"), "stdin is not writable");
            assertEquals(Errno.BADF, h.write(7, "x"));
            assertEquals(Errno.FAULT, h.call("fd_write", 1, (int) h.memory.byteSize(), 1, n));
            int bad = h.alloc(8);
            h.setI32(bad, (int) h.memory.byteSize() - 2);
            h.setI32(bad + 4, 3);
            assertEquals(Errno.FAULT, h.call("fd_write", 1, bad, 1, n));
        }
    }

    @Test
    void stdinReadsFromTheEmbeddersStreamUntilEndOfFile() {
        byte[] data = "line one\nline two\n".getBytes();
        try (Harness h = new Harness(WasiContext.builder().stdin(new ByteArrayInputStream(data)))) {
            int iovs = h.iovs(4, 100);
            int n = h.alloc(4);
            assertEquals(0, h.call("fd_read", 0, iovs, 2, n));
            assertEquals(data.length, h.i32(n));
            assertEquals("line", h.string(h.i32(iovs), 4));
            assertEquals(" one\nline two\n", h.string(h.i32(iovs + 8), data.length - 4));
            assertEquals(0, h.call("fd_read", 0, iovs, 2, n));
            assertEquals(0, h.i32(n), "end of file reads 0 bytes");
            assertEquals(Errno.BADF, h.call("fd_read", 1, iovs, 1, n), "stdout is not readable");
        }
    }

    @Test
    void standardStreamsAreNotSeekableAndReportTheirType() {
        try (Harness h = harness()) {
            int st = h.alloc(24);
            for (int fd = 0; fd < 3; fd++) {
                assertEquals(0, h.call("fd_fdstat_get", fd, st));
                assertEquals(0, h.u8(st), "embedder streams are of unknown type (like pipes)");
                long seekTell = (1L << 2) | (1L << 5);
                assertEquals(0, h.i64(st + 8) & seekTell, "no seek/tell rights");
                int r = h.alloc(8);
                assertEquals(Errno.SPIPE, h.call("fd_seek", fd, 0L, 0, r));
                assertEquals(Errno.SPIPE, h.call("fd_tell", fd, r));
                int fst = h.alloc(64);
                assertEquals(0, h.call("fd_filestat_get", fd, fst));
            }
            assertEquals(Errno.BADF, h.call("fd_fdstat_get", 3, st));
            assertEquals(Errno.BADF, h.call("fd_prestat_get", 1, st));
        }
    }

    @Test
    void procExitThrowsWasiExitWithTheStatus() {
        try (Harness h = harness()) {
            WasiExit e = assertThrows(WasiExit.class, () -> h.call("proc_exit", 42));
            assertEquals(42, e.status());
            assertEquals(-1, assertThrows(WasiExit.class, () -> h.call("proc_exit", -1)).status());
        }
    }

    @Test
    void signalsAndSocketsAnswerWithErrnos() {
        try (Harness h = harness()) {
            assertEquals(Errno.NOSYS, h.call("proc_raise", 6));
            assertEquals(Errno.INVAL, h.call("proc_raise", 99));
            assertEquals(0, h.call("sched_yield"));
            int p = h.alloc(16);
            int iovs = h.iovs(8);
            assertEquals(Errno.NOTSOCK, h.call("sock_accept", 1, 0, p));
            assertEquals(Errno.NOTSOCK, h.call("sock_recv", 0, iovs, 1, 0, p, p + 4));
            assertEquals(Errno.NOTSOCK, h.call("sock_send", 1, iovs, 1, 0, p));
            assertEquals(Errno.NOTSOCK, h.call("sock_shutdown", 2, 3));
            assertEquals(Errno.BADF, h.call("sock_accept", 9, 0, p));
            assertEquals(Errno.BADF, h.call("sock_recv", 9, iovs, 1, 0, p, p + 4));
            assertEquals(Errno.BADF, h.call("sock_send", 9, iovs, 1, 0, p));
            assertEquals(Errno.BADF, h.call("sock_shutdown", 9, 3));
        }
    }

    /** Writes a witx subscription (48 bytes) at {@code at}. */
    private static void subscription(Harness h, int at, long userdata, int tag, int fdOrClock, long timeout, int flags) {
        h.setI64(at, userdata);
        h.mem().set(java.lang.foreign.ValueLayout.JAVA_BYTE, at + 8, (byte) tag);
        h.setI32(at + 16, fdOrClock);
        h.setI64(at + 24, timeout);
        h.setI64(at + 32, 0);
        h.mem().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, at + 40, (short) flags);
    }

    @Test
    void pollOneoffWaitsForTheEarliestClockAndReportsReadyDescriptors() {
        try (Harness h = harness()) {
            int in = h.alloc(48 * 3);
            int out = h.alloc(32 * 3);
            int n = h.alloc(4);
            subscription(h, in, 7, 0, 1, 30_000_000L, 0);
            subscription(h, in + 48, 8, 0, 1, 5_000_000_000L, 0);
            long t0 = System.nanoTime();
            assertEquals(0, h.call("poll_oneoff", in, out, 2, n));
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= 30_000_000L && waited < 4_000_000_000L, "waited " + waited + " ns");
            assertEquals(1, h.i32(n));
            assertEquals(7, h.i64(out));
            assertEquals(0, h.u8(out + 10), "clock event");
            assertEquals(0, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 8));

            // absolute deadline already past: fires at once
            int t = h.alloc(8);
            h.call("clock_time_get", 1, 0L, t);
            subscription(h, in, 9, 0, 1, h.i64(t) - 1, 1);
            assertEquals(0, h.call("poll_oneoff", in, out, 1, n));
            assertEquals(1, h.i32(n));
            assertEquals(9, h.i64(out));

            // a writable stdout, a bad descriptor and a long clock: the descriptors answer at once
            subscription(h, in, 1, 2, 1, 0, 0);
            subscription(h, in + 48, 2, 1, 77, 0, 0);
            subscription(h, in + 96, 3, 0, 1, 60_000_000_000L, 0);
            t0 = System.nanoTime();
            assertEquals(0, h.call("poll_oneoff", in, out, 3, n));
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
            assertEquals(2, h.i32(n));
            assertEquals(1, h.i64(out));
            assertEquals(2, h.u8(out + 10), "fd_write event");
            assertEquals(0, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 8));
            assertEquals(2, h.i64(out + 32));
            assertEquals(Errno.BADF, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 32 + 8));

            subscription(h, in, 4, 0, 9, 0, 0);
            assertEquals(0, h.call("poll_oneoff", in, out, 1, n));
            assertEquals(Errno.INVAL, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 8),
                    "unknown clock");
            assertEquals(Errno.INVAL, h.call("poll_oneoff", in, out, 0, n));
        }
    }

    private static short errno(Harness h, int event) {
        return h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, event + 8);
    }

    /** stdin is waited on together with the clocks: whichever comes first ends poll_oneoff. */
    @Test
    void pollOneoffWaitsOnStdinAndClocksTogether() throws Exception {
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try (Harness h = new Harness(WasiContext.builder().stdout(new ByteArrayOutputStream())
                .stdin(java.nio.channels.Channels.newInputStream(pipe.source())))) {
            int in = h.alloc(48 * 2);
            int out = h.alloc(32 * 2);
            int n = h.alloc(4);
            // nothing on stdin: the clock fires
            subscription(h, in, 1, 0, 1, 50_000_000L, 0);
            subscription(h, in + 48, 2, 1, 0, 0, 0);
            long t0 = System.nanoTime();
            assertEquals(0, h.call("poll_oneoff", in, out, 2, n));
            assertTrue(System.nanoTime() - t0 >= 50_000_000L, "waited for the clock");
            assertEquals(1, h.i32(n));
            assertEquals(1, h.i64(out), "the clock's event");
            assertEquals(0, h.u8(out + 10));

            // input arrives before a long clock: stdin's event, with the bytes it can read
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(100);
                    pipe.sink().write(java.nio.ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            subscription(h, in, 1, 0, 1, 60_000_000_000L, 0);
            assertEquals(0, h.call("poll_oneoff", in, out, 2, n));
            writer.join();
            assertEquals(1, h.i32(n));
            assertEquals(2, h.i64(out), "stdin's event");
            assertEquals(1, h.u8(out + 10), "fd_read");
            assertEquals(0, errno(h, out));
            assertEquals(5, h.i64(out + 16), "nbytes");
            // the bytes read while polling are what fd_read returns
            assertEquals("hel", h.read(0, 3));
            assertEquals(0, h.call("poll_oneoff", in + 48, out, 1, n), "ready at once: input is waiting");
            assertEquals(2, h.i64(out + 16));
            assertEquals("lo", h.read(0, 10));

            // stdin alone, then its end: ready with the hang-up flag, and fd_read reads 0 bytes
            Thread closer = new Thread(() -> {
                try {
                    Thread.sleep(50);
                    pipe.sink().close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            closer.start();
            assertEquals(0, h.call("poll_oneoff", in + 48, out, 1, n));
            closer.join();
            assertEquals(1, h.i32(n));
            assertEquals(0, errno(h, out));
            assertEquals(0, h.i64(out + 16));
            assertEquals(1, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 24), "hangup");
            assertEquals("", h.read(0, 10));

            // stdout cannot be read, stdin not written
            subscription(h, in, 5, 1, 1, 0, 0);
            subscription(h, in + 48, 6, 2, 0, 0, 0);
            assertEquals(0, h.call("poll_oneoff", in, out, 2, n));
            assertEquals(2, h.i32(n));
            assertEquals(Errno.BADF, errno(h, out));
            assertEquals(Errno.BADF, errno(h, out + 32));
        }
    }

    @Test
    void errnoNamesFollowWitx() {
        assertEquals("success", Errno.name(Errno.SUCCESS));
        assertEquals("2big", Errno.name(Errno.E2BIG));
        assertEquals("notcapable", Errno.name(76));
        assertEquals("errno 77", Errno.name(77));
    }
}
