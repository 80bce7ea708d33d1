package dev.kiln.bench.engines;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import dev.kiln.abi.CompileException;

/**
 * Kiln: the module compiled ahead of time for the JVM's ISA (x86-64 or AArch64) by Kiln's compiler at load time (not measured),
 * then called through Kiln's FFM entry trampolines. Whatever Kiln cannot compile yet comes back as
 * {@link NotAvailableException} carrying Kiln's own message, so the report shows it and the numbers
 * appear by themselves once Kiln supports the kernel.
 */
public final class KilnEngine implements WasmEngine {
    private final String id;

    /** Kiln with the default options. */
    public KilnEngine() {
        this("kiln");
    }

    private KilnEngine(String id) {
        this.id = id;
    }

    /**
     * Kiln with the checks that contain a guest compiled in, to measure what they cost (not part of
     * {@link WasmEngine#all()}): {@code kiln-epoch} (epoch interruption, a deadline never reached),
     * {@code kiln-fuel} (fuel metering, fuel never exhausted); {@code kiln-explicit}, explicit bounds
     * checks instead of guard pages, to measure what guard pages save; and {@code kiln-sse}, the host's
     * CPU features without AVX and AVX2 (the SSE4.1 two-operand code on x86-64), to measure what the VEX
     * forms save.
     */
    static java.util.Optional<WasmEngine> variant(String id) {
        return id.equals("kiln-epoch") || id.equals("kiln-fuel") || id.equals("kiln-explicit") || id.equals("kiln-sse")
                ? java.util.Optional.of(new KilnEngine(id)) : java.util.Optional.empty();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String description() {
        return "Kiln (this repository), compiled ahead of time for the ISA the JVM runs on, FFM downcalls" + switch (id) {
            case "kiln-epoch" -> ", epoch interruption";
            case "kiln-fuel" -> ", fuel metering";
            case "kiln-explicit" -> ", explicit bounds checks";
            case "kiln-sse" -> ", without AVX/AVX2 (SSE4.1 encodings)";
            default -> "";
        };
    }

    @Override
    public LoadedKernel load(String name, byte[] wasm) throws NotAvailableException {
        dev.kiln.abi.CompileOptions options = dev.kiln.abi.CompileOptions.defaults()
                .withBoundsChecks(id.equals("kiln-explicit") ? dev.kiln.abi.BoundsChecks.EXPLICIT
                        : dev.kiln.abi.CompileOptions.DEFAULT_BOUNDS_CHECKS);
        if (id.equals("kiln-sse")) {
            java.util.Set<dev.kiln.abi.CpuFeature> sse = java.util.EnumSet.noneOf(dev.kiln.abi.CpuFeature.class);
            sse.addAll(dev.kiln.abi.CpuFeature.host());
            sse.remove(dev.kiln.abi.CpuFeature.AVX);
            sse.remove(dev.kiln.abi.CpuFeature.AVX2);
            options = options.withCpuFeatures(sse);
        }
        Engine engine = Engine.builder().compileOptions(options)
                .epochInterruption(id.equals("kiln-epoch")).consumeFuel(id.equals("kiln-fuel")).build();
        Module module;
        try {
            module = Module.compile(engine, wasm);
        } catch (CompileException e) {
            throw new NotAvailableException(NotAvailableException.reasonOf(e), e);
        } catch (RuntimeException e) {
            throw new NotAvailableException("Kiln failed: " + NotAvailableException.reasonOf(e), e);
        }
        Store store = new Store(engine);
        if (engine.consumeFuel()) {
            store.setFuel(Long.MAX_VALUE);
        }
        try {
            Func run = Instance.create(store, module).func("run");
            return new LoadedKernel() {
                @Override
                public int run(int n) {
                    return run.call(Val.i32(n))[0].i32();
                }

                @Override
                public void close() {
                    store.close();
                }
            };
        } catch (RuntimeException e) {
            store.close();
            throw new NotAvailableException("Kiln failed to instantiate: " + NotAvailableException.reasonOf(e), e);
        }
    }
}
