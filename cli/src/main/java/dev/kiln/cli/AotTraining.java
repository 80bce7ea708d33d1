package dev.kiln.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The training run of the {@code kiln} launcher's ahead-of-time cache (JDK 25, JEP 483 and 514:
 * {@code java -XX:AOTCacheOutput=kiln.aot ... dev.kiln.cli.AotTraining}): runs, in one JVM, what a
 * user's commands do, so that the classes they load and link, the lambdas they spin and the method
 * profiles they gather are in the cache that later {@code kiln} processes start from.
 *
 * <p>It compiles a small WASI command (memory, data, a table and {@code call_indirect}, a global,
 * {@code fd_fdstat_get} of stdout and {@code fd_write}, as a C program's first output does) through {@code kiln run} with a fresh compile cache (the miss: parse, validate,
 * compile, store), runs it again (the hit: the cached artifact loaded and verified), twice more once
 * the file has settled (the file's identity recorded, then the entry found by it), compiles it to an
 * artifact with {@code kiln compile} and runs that with {@code --allow-precompiled --invoke}, and
 * prints the version.
 * Everything happens in a temporary directory that is deleted afterwards; the guest's output goes to
 * this process's stdout (the launcher discards it).
 */
public final class AotTraining {
    private static final String PROGRAM = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
              (memory (export "memory") 1)
              (global $calls (mut i32) (i32.const 0))
              (data (i32.const 16) "kiln training run\\n")
              (type $unary (func (param i64) (result i64)))
              (table 2 funcref)
              (elem (i32.const 0) $twice $fac)
              (func $twice (type $unary) (i64.shl (local.get 0) (i64.const 1)))
              (func $fac (export "fac") (type $unary)
                (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
                (if (result i64) (i64.le_s (local.get 0) (i64.const 1))
                  (then (i64.const 1))
                  (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
              (func (export "_start")
                ;; what a C library asks of stdout before its first write
                (drop (call $fd_fdstat_get (i32.const 1) (i32.const 64)))
                (i32.store (i32.const 0) (i32.const 16))
                (i32.store (i32.const 4) (i32.const 18))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                (if (i64.ne (call_indirect (type $unary) (i64.const 5) (i32.const 1)) (i64.const 120))
                  (then (call $proc_exit (i32.const 1))))))
            """;

    private AotTraining() {
    }

    /**
     * Runs the training commands.
     *
     * @param args ignored
     * @throws IOException if the temporary directory cannot be made
     * @throws InterruptedException if interrupted while waiting for the file to settle
     * @throws IllegalStateException if a command fails (the cache would then miss what it trains)
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kiln-aot-training");
        try {
            Path wat = Files.writeString(dir.resolve("training.wat"), PROGRAM);
            String cache = dir.resolve("cache").toString();
            String artifact = dir.resolve("training.kiln").toString();
            long written = System.currentTimeMillis();
            kiln("run", "--cache-dir", cache, wat.toString());
            kiln("run", "--cache-dir", cache, wat.toString());
            // once the file has settled, a run records it, and the next finds the entry by the record
            Thread.sleep(Math.max(0, written + dev.kiln.CompileCache.SETTLE_MILLIS + 50 - System.currentTimeMillis()));
            kiln("run", "--cache-dir", cache, wat.toString());
            kiln("run", "--cache-dir", cache, wat.toString());
            kiln("compile", "-o", artifact, wat.toString());
            kiln("run", "--allow-precompiled", "--invoke", "fac", artifact, "10");
            kiln("--version");
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void kiln(String... args) {
        CommandLine cl = Main.commandLine(args);
        cl.setOut(new PrintWriter(Writer.nullWriter()));
        int status = cl.execute(args);
        if (status != 0) {
            throw new IllegalStateException("kiln " + String.join(" ", args) + " exited with " + status);
        }
    }
}
