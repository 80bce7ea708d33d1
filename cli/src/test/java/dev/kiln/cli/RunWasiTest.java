package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln run} with WASI: program arguments, {@code --env}, {@code --dir}, the exit status, the
 * process's streams (System.in/out/err, swapped here to capture them).
 */
class RunWasiTest {
    /** Prints its arguments one per line, then its environment, and exits with argc. */
    static final String ECHO = """
            (module
              (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
              ;; writes the NUL-separated strings at $buf ($size bytes) to stdout, one per line
              (func $print (param $buf i32) (param $size i32)
                (local $i i32)
                (block $done
                  (loop $next
                    (br_if $done (i32.ge_u (local.get $i) (local.get $size)))
                    (if (i32.eqz (i32.load8_u (i32.add (local.get $buf) (local.get $i))))
                      (then (i32.store8 (i32.add (local.get $buf) (local.get $i)) (i32.const 10))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $next)))
                (i32.store (i32.const 16) (local.get $buf))
                (i32.store (i32.const 20) (local.get $size))
                (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24))))
              (func (export "_start")
                (drop (call $args_sizes_get (i32.const 0) (i32.const 4)))
                (drop (call $args_get (i32.const 1024) (i32.const 4096)))
                (call $print (i32.const 4096) (i32.load (i32.const 4)))
                (drop (call $environ_sizes_get (i32.const 8) (i32.const 12)))
                (drop (call $environ_get (i32.const 2048) (i32.const 8192)))
                (call $print (i32.const 8192) (i32.load (i32.const 12)))
                (call $proc_exit (i32.load (i32.const 0)))))
            """;

    /** Opens msg.txt in the first preopen and copies it to stdout; exits with 100 + errno on failure. */
    static final String CAT = """
            (module
              (import "wasi_snapshot_preview1" "path_open"
                (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 256) "msg.txt")
              (func (export "_start")
                (local $e i32)
                (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 7)
                  (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 0)))
                (if (local.get $e) (then (call $proc_exit (i32.add (i32.const 100) (local.get $e)))))
                (i32.store (i32.const 16) (i32.const 1024))
                (i32.store (i32.const 20) (i32.const 4096))
                (drop (call $fd_read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 24)))
                (i32.store (i32.const 20) (i32.load (i32.const 24)))
                (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
            """;

    @TempDir
    Path dir;

    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private InputStream savedIn;

    @BeforeEach
    void captureStreams() {
        savedOut = System.out;
        savedErr = System.err;
        savedIn = System.in;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStreams() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setIn(savedIn);
    }

    private String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    @Test
    void argumentsAndEnvironmentReachTheProgramAndArgcIsTheExitStatus() throws Exception {
        Path wat = Files.writeString(dir.resolve("echo.wat"), ECHO);
        Cli.Result r = kiln("run", "--env", "A=1", "--env", "B=x=y", wat.toString(), "one", "two words", "--three");
        assertEquals(4, r.exit(), r::toString);
        assertEquals(wat + "\none\ntwo words\n--three\nA=1\nB=x=y\n", out());
        assertEquals("", r.out() + r.err());
    }

    @Test
    void envWithoutAValuePassesTheHostsValue() throws Exception {
        Path wat = Files.writeString(dir.resolve("echo.wat"), ECHO);
        String path = System.getenv("PATH");
        assumeTrue(path != null, "PATH is set");
        Cli.Result r = kiln("run", "--env", "PATH", "--env", "KILN_SURELY_UNSET_VARIABLE", wat.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(wat + "\nPATH=" + path + "\n", out());
    }

    @Test
    void dirPreopensADirectoryUnderItsGuestName() throws Exception {
        Path wat = Files.writeString(dir.resolve("cat.wat"), CAT);
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.writeString(data.resolve("msg.txt"), "hello from the host\n");
        Cli.Result r = kiln("run", "--dir", data + "::/data", wat.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("hello from the host\n", out());

        Cli.Result none = kiln("run", wat.toString());
        assertEquals(108, none.exit(), "no preopen: fd 3 is EBADF (8)");
    }

    @Test
    void badDirAndEnvOptionsAreUsageErrors() throws Exception {
        Path wat = Files.writeString(dir.resolve("echo.wat"), ECHO);
        Cli.Result r = kiln("run", "--dir", dir.resolve("missing").toString(), wat.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("is not a directory"), r::toString);
        r = kiln("run", "--env", "=x", wat.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--env =x"), r::toString);
        r = kiln("run", "--dir", "::guest", wat.toString());
        assertEquals(2, r.exit());
    }

    @Test
    void importsOutsideWasiAreReported() throws Exception {
        Path wat = Files.writeString(dir.resolve("env.wat"),
                "(module (import \"env\" \"f\" (func)) (func (export \"_start\") (call 0)))");
        Cli.Result r = kiln("run", wat.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("unknown import \"env\" \"f\""), r::toString);
        assertTrue(r.err().contains("wasi_snapshot_preview1"), r::toString);
    }

    @Test
    void invokeWorksWithWasiImportsToo() throws Exception {
        Path wat = Files.writeString(dir.resolve("inv.wat"), """
                (module
                  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 100) "hi\\n")
                  (func (export "greet") (param $n i32) (result i32)
                    (i32.store (i32.const 0) (i32.const 100))
                    (i32.store (i32.const 4) (i32.const 3))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (i32.mul (local.get $n) (i32.const 2)))
                  (func (export "quit") (param i32) (call $proc_exit (local.get 0))))
                """);
        Cli.Result r = kiln("run", "--invoke", "greet", wat.toString(), "21");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("42\n", r.out());
        assertEquals("hi\n", out());
        assertEquals(9, kiln("run", "--invoke", "quit", wat.toString(), "9").exit());
    }

    @Test
    void invokeOnAReactorCallsInitializeOnceFirst() throws Exception {
        Path wat = dir.resolve("reactor.wat");
        Files.writeString(wat, """
                (module
                  (global $state (mut i32) (i32.const 0))
                  (global $inits (mut i32) (i32.const 0))
                  (func (export "_initialize")
                    (global.set $inits (i32.add (global.get $inits) (i32.const 1)))
                    (global.set $state (i32.const 42)))
                  (func (export "get") (result i32)
                    (i32.add (global.get $state) (i32.mul (i32.const 1000) (i32.sub (global.get $inits) (i32.const 1))))))
                """);
        Cli.Result r = kiln("run", "--invoke", "get", wat.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("42\n", r.out(), "_initialize ran exactly once before get");
        Cli.Result init = kiln("run", "--invoke", "_initialize", wat.toString());
        assertEquals(0, init.exit(), init::toString);
        assertEquals("", init.out(), "invoking _initialize itself runs it once");
    }

    @Test
    void invokeOnACReactorReturnsTheConstructedValue() throws Exception {
        boolean clang = Files.isExecutable(Path.of("/usr/bin/clang-16")) && Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a"));
        assumeTrue(clang, "kiln run's C reactor test skipped: clang-16 and wasi-libc are not installed"
                + " (apt-get install clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)");
        Path src = Path.of("src/test/resources/wasi/reactor.c").toAbsolutePath();
        Path wasm = dir.resolve("reactor.wasm");
        Process p = new ProcessBuilder("clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-mexec-model=reactor",
                "-o", wasm.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, log);
        Cli.Result r = kiln("run", "--invoke", "constructed", wasm.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("42\n", r.out());
    }

    @Test
    void aCProgramCountsFilesInAPreopenAndStdin() throws Exception {
        boolean clang = Files.isExecutable(Path.of("/usr/bin/clang-16")) && Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a"));
        assumeTrue(clang, "kiln run's C test skipped: clang-16 and wasi-libc are not installed"
                + " (apt-get install clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)");
        Path src = Path.of("src/test/resources/wasi/wc.c").toAbsolutePath();
        Path wasm = dir.resolve("wc.wasm");
        Process p = new ProcessBuilder("clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-o", wasm.toString(),
                src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, log);
        Path work = Files.createDirectory(dir.resolve("work"));
        Files.writeString(work.resolve("a.txt"), "one two three\nfour\n");
        Files.writeString(work.resolve("b.txt"), "");
        Files.writeString(dir.resolve("outside.txt"), "secret\n");

        Cli.Result r = kiln("run", "--dir", work + "::.", wasm.toString(), "a.txt", "b.txt", "missing", "../outside.txt");
        assertEquals(2, r.exit(), r::toString);
        assertEquals(String.format("%7d %7d %7d %s%n%7d %7d %7d %s%n", 2, 4, 19, "a.txt", 0, 0, 0, "b.txt"), out());
        assertEquals(List.of("wc: missing: no such file", "wc: ../outside.txt: cannot open"),
                stderr.toString(StandardCharsets.UTF_8).lines().toList());

        stdout.reset();
        System.setIn(new ByteArrayInputStream("x y\nz\n".getBytes(StandardCharsets.UTF_8)));
        r = kiln("run", wasm.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals(String.format("%7d %7d %7d -%n", 2, 3, 6), out());
    }
}
