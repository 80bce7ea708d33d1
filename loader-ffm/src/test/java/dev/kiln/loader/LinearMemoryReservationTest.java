package dev.kiln.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LinearMemoryReservationTest {
    static final long PAGE = LinearMemoryReservation.WASM_PAGE_SIZE;

    @BeforeAll
    static void onlyOnLinux() {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "LinearMemoryReservation uses Linux mmap");
    }

    @Test
    void growAndAccessAtTheEnd() throws Exception {
        try (LinearMemoryReservation mem = LinearMemoryReservation.forMemory32(1)) {
            assertEquals(8L << 30, mem.reservedBytes());
            assertEquals(PAGE, mem.committedBytes());
            MemorySegment s = mem.segment();
            assertEquals(PAGE, s.byteSize());
            assertEquals(mem.base(), s.address());
            assertEquals(0, s.get(ValueLayout.JAVA_LONG, PAGE - 8));
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, PAGE - 8, 0x0123456789abcdefL);
            assertThrows(IndexOutOfBoundsException.class, () -> s.get(ValueLayout.JAVA_BYTE, PAGE));

            assertEquals("rw-p", ProcMaps.containing(mem.base()).perms());
            assertEquals("---p", ProcMaps.containing(mem.base() + PAGE).perms());
            assertEquals("---p", ProcMaps.containing(mem.base() + mem.reservedBytes() - 1).perms());

            long base = mem.base();
            mem.commit(3 * PAGE);
            assertEquals(base, mem.base());
            MemorySegment grown = mem.segment();
            assertEquals(3 * PAGE, grown.byteSize());
            assertEquals(0x0123456789abcdefL, grown.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE - 8));
            assertEquals(0, grown.get(ValueLayout.JAVA_INT, 3 * PAGE - 4)); // fresh pages are zero
            grown.set(ValueLayout.JAVA_INT, 3 * PAGE - 4, 77);
            assertEquals(77, grown.get(ValueLayout.JAVA_INT, 3 * PAGE - 4));
            assertEquals("rw-p", ProcMaps.containing(mem.base() + 3 * PAGE - 1).perms());
            assertEquals("---p", ProcMaps.containing(mem.base() + 3 * PAGE).perms());
            // the old view still covers its prefix
            assertEquals(0x0123456789abcdefL, s.get(ValueLayout.JAVA_LONG_UNALIGNED, PAGE - 8));

            assertThrows(IllegalArgumentException.class, () -> mem.commit(PAGE)); // never shrinks
            assertThrows(IllegalArgumentException.class, () -> mem.commit(mem.reservedBytes() + 1));
            mem.commit(3 * PAGE); // no-op
            assertEquals(3 * PAGE, mem.committedBytes());
        }
    }

    @Test
    void fullSizeMemory32CanBeCommitted() {
        // 65536 pages = 4 GiB committed lazily: pages cost nothing until touched
        try (LinearMemoryReservation mem = LinearMemoryReservation.forMemory32(0)) {
            assertEquals(0, mem.segment().byteSize());
            mem.commit(65536 * PAGE);
            MemorySegment s = mem.segment();
            s.set(ValueLayout.JAVA_BYTE, (4L << 30) - 1, (byte) 5);
            assertEquals(5, s.get(ValueLayout.JAVA_BYTE, (4L << 30) - 1));
        } catch (NativeException e) {
            Assumptions.abort("this machine's overcommit policy refuses a 4 GiB commit: " + e.getMessage());
        }
    }

    @Test
    void closeUnmapsAndInvalidatesViews() throws Exception {
        LinearMemoryReservation mem = LinearMemoryReservation.reserve(1 << 20, 4096);
        MemorySegment s = mem.segment();
        long base = mem.base();
        long size = mem.reservedBytes();
        mem.close();
        mem.close(); // idempotent
        assertTrue(mem.isClosed());
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, mem::segment);
        assertThrows(IllegalStateException.class, () -> mem.commit(8192));
        assertTrue(ProcMaps.overlapping(base, base + size).isEmpty());
    }

    @Test
    void aClosedMemory32IsPooledZeroedAndReusedWithOnlyItsNewPrefixAccessible() throws Exception {
        Assumptions.assumeTrue(LinearMemoryReservation.POOL_CAPACITY > 0, "pooling is turned off");
        // small: zeroed with stores; large (above KEEP_RESIDENT_BYTES): released with madvise
        for (long pages : new long[] {4, LinearMemoryReservation.KEEP_RESIDENT_BYTES / PAGE + 8}) {
            long base;
            try (LinearMemoryReservation mem = LinearMemoryReservation.forMemory32(1)) {
                mem.commit(pages * PAGE);
                MemorySegment s = mem.segment();
                s.fill((byte) 0x5a);
                base = mem.base();
            }
            assertTrue(ProcMaps.containing(base) != null, "a pooled reservation stays mapped");
            try (LinearMemoryReservation again = LinearMemoryReservation.forMemory32(2)) {
                assertEquals(base, again.base(), "the pool hands back the reservation closed last");
                assertEquals(2 * PAGE, again.committedBytes());
                MemorySegment s = again.segment();
                assertEquals(-1, s.mismatch(MemorySegment.ofArray(new byte[(int) (2 * PAGE)])), "pooled memory kept data");
                assertEquals("rw-p", ProcMaps.containing(base + 2 * PAGE - 1).perms());
                assertEquals("---p", ProcMaps.containing(base + 2 * PAGE).perms());
                again.commit(pages * PAGE);
                MemorySegment grown = again.segment();
                assertEquals(0, grown.get(ValueLayout.JAVA_LONG, pages * PAGE - 8), "grown pooled pages are zero");
            }
        }
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> LinearMemoryReservation.reserve(0, 0));
        assertThrows(IllegalArgumentException.class, () -> LinearMemoryReservation.reserve(4096, 8192));
        assertThrows(IllegalArgumentException.class, () -> LinearMemoryReservation.forMemory32(65537));
    }
}
