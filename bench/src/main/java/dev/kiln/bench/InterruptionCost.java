package dev.kiln.bench;

import dev.kiln.bench.engines.LoadedKernel;
import dev.kiln.bench.engines.NotAvailableException;
import dev.kiln.bench.engines.WasmEngine;
import java.util.List;

/**
 * What epoch interruption and fuel metering cost on the kernels: each kernel is loaded three times
 * in one process (engine ids {@code kiln}, {@code kiln-epoch} with a deadline never reached,
 * {@code kiln-fuel} with fuel never exhausted) and the three are called in turn, round after round;
 * the minimum time per call of each is kept. Interleaving and the minimum make the comparison hold
 * up on a busy machine, where JMH's averages of one configuration after the other do not.
 *
 * <p>Usage: {@code java -cp ... dev.kiln.bench.InterruptionCost [kernel,kernel,...] [rounds]}
 * (defaults: every kernel, 25 rounds). Prints one Markdown table row per kernel and the geometric
 * means. Every call's checksum is compared with the first.
 */
public final class InterruptionCost {
    private InterruptionCost() {
    }

    public static void main(String[] args) throws NotAvailableException {
        List<String> kernels = args.length > 0 && !args[0].isEmpty() ? List.of(args[0].split(","))
                : Kernel.ALL.stream().map(Kernel::name).toList();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        String[] ids = {"kiln", "kiln-epoch", "kiln-fuel"};
        double logEpoch = 0;
        double logFuel = 0;
        System.out.println("| kernel | off (ms) | epoch (ms) | epoch cost | fuel (ms) | fuel cost |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (String k : kernels) {
            byte[] wasm = KernelFiles.wasm(k);
            int n = Kernel.named(k).benchN();
            LoadedKernel[] loaded = new LoadedKernel[ids.length];
            for (int i = 0; i < ids.length; i++) {
                loaded[i] = WasmEngine.byId(ids[i]).orElseThrow().load(k, wasm);
            }
            long[] min = {Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE};
            int checksum = loaded[0].run(n);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < ids.length; i++) {
                    long t = System.nanoTime();
                    int v = loaded[i].run(n);
                    t = System.nanoTime() - t;
                    if (v != checksum) {
                        throw new IllegalStateException(k + " on " + ids[i] + " returned " + v + ", expected " + checksum);
                    }
                    min[i] = Math.min(min[i], t);
                }
            }
            for (LoadedKernel l : loaded) {
                l.close();
            }
            logEpoch += Math.log((double) min[1] / min[0]);
            logFuel += Math.log((double) min[2] / min[0]);
            System.out.printf("| %s | %.3f | %.3f | %+.1f%% | %.3f | %+.1f%% |%n", k, min[0] / 1e6, min[1] / 1e6,
                    100.0 * (min[1] - min[0]) / min[0], min[2] / 1e6, 100.0 * (min[2] - min[0]) / min[0]);
        }
        System.out.printf("| geometric mean | | | %+.1f%% | | %+.1f%% |%n",
                100 * (Math.exp(logEpoch / kernels.size()) - 1), 100 * (Math.exp(logFuel / kernels.size()) - 1));
    }
}
