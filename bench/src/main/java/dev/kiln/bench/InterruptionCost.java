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
 * <p>Usage: {@code java -cp ... dev.kiln.bench.InterruptionCost [kernel,kernel,...] [rounds] [engine,engine,...]}
 * (defaults: every kernel, 25 rounds, {@code kiln,kiln-epoch,kiln-fuel}). Prints one Markdown table row
 * per kernel and the geometric means of each engine's cost against the first. Every call's checksum is
 * compared with the first. Other engine lists compare other variants the same way, e.g.
 * {@code kiln-sse,kiln}: the SSE4.1 code against the host's (AVX/AVX2 VEX forms).
 */
public final class InterruptionCost {
    private InterruptionCost() {
    }

    public static void main(String[] args) throws NotAvailableException {
        List<String> kernels = args.length > 0 && !args[0].isEmpty() ? List.of(args[0].split(","))
                : Kernel.ALL.stream().map(Kernel::name).toList();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        String[] ids = args.length > 2 ? args[2].split(",") : new String[] {"kiln", "kiln-epoch", "kiln-fuel"};
        double[] logCost = new double[ids.length];
        boolean interruption = args.length <= 2; // the default list: columns off, epoch, fuel
        StringBuilder header = new StringBuilder("| kernel |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int i = 0; i < ids.length; i++) {
            String name = interruption ? label(ids[i]) : ids[i];
            header.append(' ').append(name).append(" (ms) |").append(i == 0 ? "" : " " + name + " cost |");
            rule.append(i == 0 ? "---:|" : "---:|---:|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (String k : kernels) {
            byte[] wasm = KernelFiles.wasm(k);
            int n = Kernel.named(k).benchN();
            LoadedKernel[] loaded = new LoadedKernel[ids.length];
            for (int i = 0; i < ids.length; i++) {
                String id = ids[i];
                loaded[i] = WasmEngine.byId(id).orElseThrow(() -> new IllegalArgumentException("no engine " + id))
                        .load(k, wasm);
            }
            long[] min = new long[ids.length];
            java.util.Arrays.fill(min, Long.MAX_VALUE);
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
            StringBuilder row = new StringBuilder("| " + k + " |");
            for (int i = 0; i < ids.length; i++) {
                row.append(String.format(" %.3f |", min[i] / 1e6));
                if (i > 0) {
                    logCost[i] += Math.log((double) min[i] / min[0]);
                    row.append(String.format(" %+.1f%% |", 100.0 * (min[i] - min[0]) / min[0]));
                }
            }
            System.out.println(row);
        }
        StringBuilder mean = new StringBuilder("| geometric mean | |");
        for (int i = 1; i < ids.length; i++) {
            mean.append(String.format(" | %+.1f%% |", 100 * (Math.exp(logCost[i] / kernels.size()) - 1)));
        }
        System.out.println(mean);
    }

    /** The column name of engine {@code id} in the default comparison: off, epoch, fuel. */
    private static String label(String id) {
        return switch (id) {
            case "kiln" -> "off";
            case "kiln-epoch" -> "epoch";
            case "kiln-fuel" -> "fuel";
            default -> id;
        };
    }
}
