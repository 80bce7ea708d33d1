package dev.kiln.bench;

import dev.kiln.bench.engines.LoadedKernel;
import dev.kiln.bench.engines.NotAvailableException;
import dev.kiln.bench.engines.WasmEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs every kernel once on every engine and checks the checksums against native code: what the smoke
 * test asserts and what {@link Report} uses to decide which (engine, kernel) pairs to benchmark and
 * which to show as {@code n/a} with a reason.
 *
 * <p>Usage: {@code java ... dev.kiln.bench.Probe [smoke|bench]} prints the table.
 */
public final class Probe {
    private Probe() {
    }

    /**
     * The outcome of one (engine, kernel) pair.
     *
     * @param engine   the engine id
     * @param kernel   the kernel name
     * @param n        the argument passed to {@code run}
     * @param checksum what {@code run(n)} returned, or {@code null} when it did not run
     * @param reason   why the pair is {@code n/a} (cannot load, trapped, or wrong checksum), or {@code null}
     * @param nanos    wall time of loading plus the one call, in nanoseconds
     */
    public record Outcome(String engine, String kernel, int n, Integer checksum, String reason, long nanos) {
        /** Whether the engine ran the kernel and agreed with native code. */
        public boolean ok() {
            return reason == null;
        }
    }

    /**
     * Runs each kernel of {@code kernels} with {@code smoke ? smokeN : benchN} on each engine; the first
     * engine must be native, whose checksum is the reference.
     *
     * @return one outcome per pair, engine-major
     */
    public static List<Outcome> run(List<WasmEngine> engines, List<Kernel> kernels, boolean smoke) {
        List<Outcome> out = new ArrayList<>();
        Integer[] reference = new Integer[kernels.size()];
        for (WasmEngine engine : engines) {
            for (int i = 0; i < kernels.size(); i++) {
                Kernel k = kernels.get(i);
                Outcome o = runOne(engine, k, smoke ? k.smokeN() : k.benchN(), reference[i]);
                if (engine.id().equals("native") && o.checksum() != null) {
                    reference[i] = o.checksum();
                }
                out.add(o);
            }
        }
        return out;
    }

    /**
     * Loads {@code kernel} on {@code engine} and calls {@code run(n)} once.
     *
     * @param reference the native checksum to compare with, or {@code null} for none
     */
    public static Outcome runOne(WasmEngine engine, Kernel kernel, int n, Integer reference) {
        long t0 = System.nanoTime();
        byte[] wasm = KernelFiles.wasm(kernel.name());
        try (LoadedKernel loaded = engine.load(kernel.name(), wasm)) {
            int c = loaded.run(n);
            long t = System.nanoTime() - t0;
            String reason = reference != null && c != reference
                    ? String.format(Locale.ROOT, "wrong checksum 0x%08x (native: 0x%08x)", c, reference) : null;
            return new Outcome(engine.id(), kernel.name(), n, c, reason, t);
        } catch (NotAvailableException e) {
            return new Outcome(engine.id(), kernel.name(), n, null, e.getMessage(), System.nanoTime() - t0);
        } catch (RuntimeException | StackOverflowError e) {
            return new Outcome(engine.id(), kernel.name(), n, null, "failed while running: "
                    + NotAvailableException.reasonOf(e), System.nanoTime() - t0);
        }
    }

    /** Prints the probe table for {@code smoke} (default) or {@code bench} sizes. */
    public static void main(String[] args) {
        boolean smoke = args.length == 0 || !args[0].equals("bench");
        KernelFiles.unavailableReason().ifPresent(r -> {
            System.out.println("kernels unavailable: " + r);
            System.exit(0);
        });
        for (Outcome o : run(WasmEngine.all(), Kernel.ALL, smoke)) {
            System.out.printf(Locale.ROOT, "%-17s %-17s n=%-9d %10.2f ms  %s%n", o.engine(), o.kernel(), o.n(),
                    o.nanos() / 1e6, o.ok() ? String.format(Locale.ROOT, "0x%08x", o.checksum()) : "n/a: " + o.reason());
        }
    }
}
