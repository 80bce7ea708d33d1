package dev.kiln.bench;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileProgress;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.compiler.KilnCompilerService;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The compiler's own cost on one module, for comparing two builds of Kiln on a busy machine: the
 * module is compiled {@code rounds} times in one process on one worker (for the host, with its CPU
 * features), and each function's least time over the rounds after the first is kept. The sum of those
 * minimums over the functions stands for the compile: a round that another process slowed loses only
 * the functions it slowed. Prints that sum, the part of it in functions whose body has at least 10,000
 * bytes and the largest single function's, the bytes allocated by one compile (the thread's
 * allocation counter, the same in every round), and the sum by size class of body with its time per
 * byte of body.
 *
 * <p>Each time runs from one function's completion to the next's ({@link CompileProgress}), so it
 * includes the collector's pauses that fall in it. The per-round parts outside functions (decoding,
 * validation, artifact assembly) are not in the sum: the first function to complete is left out
 * (counted as 0 ns), as its time would include the decoding and validation before it (3.1 s of
 * {@code llvm.core.wasm}'s). Times are wall-clock nanoseconds ({@link System#nanoTime()}), rounded to
 * milliseconds.
 *
 * <p>Usage: {@code java -cp <a build's jars> dev.kiln.bench.CompileCost MODULE [rounds]} (default 6
 * rounds, at least 2). Run the builds to compare in alternation, each several times: a whole process
 * can run slower on a shared machine. Not thread-safe; a command-line tool.
 */
public final class CompileCost {
    private CompileCost() {
    }

    /** Bodies of at least this many bytes are counted apart (a module's few large functions). */
    static final int LARGE_BODY_BYTES = 10_000;

    /**
     * The size classes of bodies the time is also summed by: a class holds the bodies of at least its
     * bound and less than the next one's, in bytes (a compile's cost per byte grows with the body:
     * {@code bench/results/2026-12-06-compile-by-size.md}).
     */
    static final int[] SIZE_CLASSES = {0, 1 << 10, 8 << 10, 64 << 10};

    /**
     * @param args the module's path (binary or text), then optionally the number of rounds
     * @throws IOException if the module cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: CompileCost MODULE [rounds]");
            System.exit(2);
        }
        byte[] module = Files.readAllBytes(Path.of(args[0]));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        Result r = measure(module, args[0], rounds);
        System.out.printf("%s: %d functions, %d rounds: sum of least times %d ms (bodies of %d bytes or more %d ms,"
                        + " the largest %d ms); %d MB allocated per compile%n", args[0], r.functions(), rounds,
                r.sumNanos() / 1_000_000, LARGE_BODY_BYTES, r.largeNanos() / 1_000_000, r.largestNanos() / 1_000_000,
                r.allocatedBytes() >> 20);
        for (int c = 0; c < SIZE_CLASSES.length; c++) {
            long bytes = r.classBytes()[c];
            if (bytes > 0) {
                System.out.printf("  bodies of %s: %d bytes, %d ms, %d ns per byte%n", c + 1 < SIZE_CLASSES.length
                        ? SIZE_CLASSES[c] + "-" + (SIZE_CLASSES[c + 1] - 1) + " bytes" : SIZE_CLASSES[c] + " bytes or more",
                        bytes, r.classNanos()[c] / 1_000_000, r.classNanos()[c] / bytes);
            }
        }
    }

    /**
     * What {@link #measure} found.
     *
     * @param functions      defined functions of the module
     * @param sumNanos       the sum over the functions of each one's least time, in nanoseconds
     * @param largeNanos     the part of {@code sumNanos} in bodies of at least {@link #LARGE_BODY_BYTES} bytes
     * @param largestNanos   the largest single function's least time, in nanoseconds
     * @param allocatedBytes bytes allocated by the compiling thread in the last compile
     * @param classBytes     by {@link #SIZE_CLASSES size class}: the bytes of the bodies in it
     * @param classNanos     by size class: the part of {@code sumNanos} in its bodies, in nanoseconds
     * @param leastNanos     each function's least time, in the order the functions complete (the same in
     *                       every round); the first is 0, left out
     */
    public record Result(int functions, long sumNanos, long largeNanos, long largestNanos, long allocatedBytes,
            long[] classBytes, long[] classNanos, long[] leastNanos) {
    }

    /**
     * Compiles {@code module} {@code rounds} times on one worker and keeps each function's least time
     * over the rounds after the first. On one worker the functions complete in the same order in every
     * round (the schedule depends only on the module), so the n-th completion is the same function.
     *
     * @param name for error messages
     * @throws IllegalArgumentException if {@code rounds < 2}
     * @throws dev.kiln.abi.CompileException if the module does not compile
     */
    public static Result measure(byte[] module, String name, int rounds) {
        if (rounds < 2) {
            throw new IllegalArgumentException("rounds must be at least 2 (the first only warms up), got " + rounds);
        }
        CompileOptions options = new CompileOptions(false, 1, -1);
        Recorder recorder = new Recorder();
        KilnCompilerService compiler = new KilnCompilerService();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocated = 0;
        for (int round = 0; round < rounds; round++) {
            recorder.startRound(round > 0);
            long before = threads.getCurrentThreadAllocatedBytes();
            compiler.compile(module, name, options, CompileTimeBuiltins.none(), recorder);
            allocated = threads.getCurrentThreadAllocatedBytes() - before;
        }
        long sum = 0;
        long large = 0;
        long largest = 0;
        long[] classBytes = new long[SIZE_CLASSES.length];
        long[] classNanos = new long[SIZE_CLASSES.length];
        for (int i = 0; i < recorder.least.length; i++) {
            sum += recorder.least[i];
            if (recorder.bodyBytes[i] >= LARGE_BODY_BYTES) {
                large += recorder.least[i];
            }
            largest = Math.max(largest, recorder.least[i]);
            int c = SIZE_CLASSES.length - 1;
            while (recorder.bodyBytes[i] < SIZE_CLASSES[c]) {
                c--;
            }
            classBytes[c] += recorder.bodyBytes[i];
            classNanos[c] += recorder.least[i];
        }
        return new Result(recorder.least.length, sum, large, largest, allocated, classBytes, classNanos,
                recorder.least.clone());
    }

    /** Each function's least time, from the progress of a compile on one worker (functions finish one at a time). */
    private static final class Recorder implements CompileProgress {
        long[] least = new long[0];
        long[] bodyBytes = new long[0];
        private long last;
        private long lastBytes;
        private boolean measure;

        void startRound(boolean measure) {
            this.measure = measure;
            last = System.nanoTime();
            lastBytes = 0;
        }

        @Override
        public void functionsCompiled(int done, int total, long bytesDone, long bytesTotal) {
            long now = System.nanoTime();
            if (least.length != total) {
                least = new long[total];
                Arrays.fill(least, Long.MAX_VALUE);
                bodyBytes = new long[total];
            }
            bodyBytes[done - 1] = bytesDone - lastBytes;
            if (measure) {
                // the first completion's time includes the decoding and validation before the functions
                least[done - 1] = done == 1 ? 0 : Math.min(least[done - 1], now - last);
            }
            last = now;
            lastBytes = bytesDone;
        }
    }
}
