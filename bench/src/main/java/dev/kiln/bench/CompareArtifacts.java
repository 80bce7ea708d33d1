package dev.kiln.bench;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Store;
import dev.kiln.Val;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The code two builds of Kiln's compiler made for the kernels, run side by side: for each kernel with
 * an artifact {@code <kernel>.kiln} in both directories (made by each build's {@code kiln compile}), both
 * artifacts are loaded into one process by this build's loader and their {@code run(benchN)} called in
 * turn, round after round, keeping each one's least time per call. Interleaving and the minimum make
 * a comparison hold up on a busy machine, where two processes one after the other do not (as
 * {@link InterruptionCost} does for variants of one build). Every call's checksum must equal the
 * first artifact's first.
 *
 * <p>Only kernels whose artifacts differ byte for byte are run (the others are listed as the same).
 * Prints one Markdown table row per kernel run, and the geometric mean of the changes. Times are
 * milliseconds per call ({@link System#nanoTime()}).
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.kiln.bench.CompareArtifacts
 * DIR_BEFORE DIR_AFTER [rounds] [kernel,kernel,...]} (default 30 rounds, every kernel found in both).
 * Not thread-safe; a command-line tool.
 */
public final class CompareArtifacts {
    private CompareArtifacts() {
    }

    /**
     * @param args the two directories, then optionally the rounds and a comma-separated list of kernels
     * @throws IOException if an artifact cannot be read
     * @throws IllegalStateException if a call's checksum differs from the first
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: CompareArtifacts DIR_BEFORE DIR_AFTER [rounds] [kernel,kernel,...]");
            System.exit(2);
        }
        List<String> kernels = args.length > 3 ? List.of(args[3].split(","))
                : Kernel.ALL.stream().map(Kernel::name).toList();
        Result r;
        try {
            int rounds = 30;
            if (args.length > 2) {
                try {
                    rounds = Integer.parseInt(args[2]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("rounds must be a whole number, got \"" + args[2] + "\"");
                }
            }
            boolean[] header = {false};
            r = compare(Path.of(args[0]), Path.of(args[1]), rounds, kernels, row -> {
                if (!header[0]) {
                    System.out.println("| kernel | before (ms) | after (ms) | change |");
                    System.out.println("|---|---:|---:|---:|");
                    header[0] = true;
                }
                System.out.printf("| %s | %.3f | %.3f | %+.1f%% |%n", row.kernel(), row.beforeNanos() / 1e6,
                        row.afterNanos() / 1e6, 100 * (row.ratio() - 1));
            });
        } catch (IllegalArgumentException e) { // a malformed or too small round count, or an unknown kernel
            System.err.println("CompareArtifacts: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (!r.rows().isEmpty()) {
            System.out.printf("| geometric mean | | | %+.1f%% |%n", 100 * (r.geometricMeanRatio() - 1));
        }
        System.out.println();
        System.out.println("the same byte for byte (not run): " + (r.same().isEmpty() ? "none" : String.join(", ", r.same())));
        if (!r.missing().isEmpty()) {
            System.out.println("without an artifact in both directories: " + String.join(", ", r.missing()));
        }
    }

    /**
     * One kernel's least times per call, in nanoseconds.
     *
     * @param kernel      its name ({@link Kernel#name()})
     * @param beforeNanos the least time of the first directory's artifact
     * @param afterNanos  the least time of the second's
     */
    public record Row(String kernel, long beforeNanos, long afterNanos) {
        /** {@code afterNanos / beforeNanos}: below 1 when the second artifact is faster. */
        public double ratio() {
            return (double) afterNanos / beforeNanos;
        }
    }

    /**
     * What {@link #compare} found.
     *
     * @param rows    the kernels run, in the order asked
     * @param same    kernels whose two artifacts are the same byte for byte (not run)
     * @param missing kernels without an artifact in one of the directories
     */
    public record Result(List<Row> rows, List<String> same, List<String> missing) {
        /** The geometric mean of the rows' {@link Row#ratio()}s; 1 without rows. */
        public double geometricMeanRatio() {
            double log = 0;
            for (Row r : rows) {
                log += Math.log(r.ratio());
            }
            return rows.isEmpty() ? 1 : Math.exp(log / rows.size());
        }
    }

    /**
     * Runs each of {@code kernels} whose artifacts in {@code before} and {@code after} differ, both in
     * this process, in turn for {@code rounds} rounds (see the class comment).
     *
     * @param each called with each row as it is measured
     * @throws IllegalArgumentException if {@code rounds < 1} or a kernel is unknown
     * @throws IOException              if an artifact cannot be read
     * @throws IllegalStateException    if a call's checksum differs from the first call's
     * @throws dev.kiln.abi.ArtifactFormatException if an artifact is not one this loader can load
     */
    public static Result compare(Path before, Path after, int rounds, List<String> kernels,
            java.util.function.Consumer<Row> each) throws IOException {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
        for (String k : kernels) {
            Kernel.named(k); // every name known before anything runs
        }
        List<Row> rows = new ArrayList<>();
        List<String> same = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Engine engine = Engine.builder().build();
        for (String k : kernels) {
            int n = Kernel.named(k).benchN();
            Path a = before.resolve(k + ".kiln");
            Path b = after.resolve(k + ".kiln");
            if (!Files.isRegularFile(a) || !Files.isRegularFile(b)) {
                missing.add(k);
                continue;
            }
            if (Files.mismatch(a, b) < 0) {
                same.add(k);
                continue;
            }
            Func[] run = {load(engine, a), load(engine, b)};
            long[] least = {Long.MAX_VALUE, Long.MAX_VALUE};
            int checksum = run[0].call(Val.i32(n))[0].i32();
            for (int r = 0; r < rounds; r++) {
                for (int s = 0; s < 2; s++) {
                    long t = System.nanoTime();
                    int v = run[s].call(Val.i32(n))[0].i32();
                    t = System.nanoTime() - t;
                    if (v != checksum) {
                        throw new IllegalStateException(k + ": " + (s == 0 ? a : b) + " returned " + v
                                + ", expected " + checksum + " (as " + a + " did first)");
                    }
                    least[s] = Math.min(least[s], t);
                }
            }
            Row row = new Row(k, least[0], least[1]);
            rows.add(row);
            each.accept(row);
        }
        return new Result(List.copyOf(rows), List.copyOf(same), List.copyOf(missing));
    }

    private static Func load(Engine engine, Path artifact) throws IOException {
        dev.kiln.Module module = dev.kiln.Module.load(engine, artifact);
        return Instance.create(new Store(engine), module).func("run");
    }
}
