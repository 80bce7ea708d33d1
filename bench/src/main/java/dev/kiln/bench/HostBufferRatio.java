package dev.kiln.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * A fresh-process harness for ratios that JMH's separate runs measure badly on a shared machine:
 * {@link HostBufferBenchmark#zeroCopyIncrement()} against {@link HostBufferBenchmark#plainWasmIncrement()},
 * then {@link HostBufferBenchmark#builtin()}, {@link HostBufferBenchmark#builtinWithoutSpectreGuard()} and
 * {@link HostBufferBenchmark#slowPathBuiltin()} against {@link HostBufferBenchmark#plainWasm()}, each pair
 * called alternately (order swapped every round) in one process, so that load from other processes
 * falls on both about equally. Each round times one call of each (1 MiB, microseconds);
 * the report gives, per benchmark, the minimum and the 10th percentile and median of the rounds, and
 * the median of the per-round ratios, which cancels most interference since the two calls of a round
 * run within a millisecond of each other.
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.kiln.bench.HostBufferRatio [rounds]}
 * (default 3000 per pair, after 500 rounds of warm-up).
 */
public final class HostBufferRatio {
    private HostBufferRatio() {
    }

    /** One benchmark call. */
    private interface Call {
        void run() throws Throwable;
    }

    /** Runs the rounds for both pairs and prints one line per benchmark and the ratios. */
    public static void main(String[] args) throws Throwable {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        HostBufferBenchmark b = new HostBufferBenchmark();
        b.setup();
        try {
            pair("zeroCopyIncrement", b::zeroCopyIncrement, "plainWasmIncrement", b::plainWasmIncrement, rounds);
            pair("builtin", b::builtin, "plainWasm", b::plainWasm, rounds);
            pair("builtinWithoutSpectreGuard", b::builtinWithoutSpectreGuard, "plainWasm", b::plainWasm, rounds);
            pair("slowPathBuiltin", b::slowPathBuiltin, "plainWasm", b::plainWasm, rounds);
        } finally {
            b.tearDown();
        }
    }

    private static void pair(String aName, Call a, String bName, Call b, int rounds) throws Throwable {
        for (int i = 0; i < 500; i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            boolean aFirst = (r & 1) == 0;
            long t0 = System.nanoTime();
            (aFirst ? a : b).run();
            long t1 = System.nanoTime();
            (aFirst ? b : a).run();
            long t2 = System.nanoTime();
            ta[r] = (aFirst ? t1 - t0 : t2 - t1) / 1e3;
            tb[r] = (aFirst ? t2 - t1 : t1 - t0) / 1e3;
            ratio[r] = ta[r] / tb[r];
        }
        print(aName, ta);
        print(bName, tb);
        Arrays.sort(ratio);
        System.out.printf(Locale.ROOT, "ratio %s / %s: median of rounds %.3f, of minima %.3f (%d rounds)%n", aName,
                bName, ratio[rounds / 2], min(ta) / min(tb), rounds);
    }

    private static double min(double[] x) {
        return Arrays.stream(x).min().orElseThrow();
    }

    private static void print(String name, double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        System.out.printf(Locale.ROOT, "%-26s min %8.1f  p10 %8.1f  median %8.1f us%n", name, s[0], s[s.length / 10],
                s[s.length / 2]);
    }
}
