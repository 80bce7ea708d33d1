package dev.kiln.bench.engines;

import java.util.List;
import java.util.Optional;

/**
 * One way to run a kernel: native code (the baseline), Kiln, or one of the peer Wasm runtimes a JVM
 * user could pick instead. Implementations are stateless and thread-safe; the instances they load are not.
 */
public interface WasmEngine {
    /** The short id used in JMH's {@code engine} parameter and in the report, e.g. {@code "kiln"}. */
    String id();

    /** A human description: product, version and mode (e.g. "Chicory 1.7.5, interpreter"). */
    String description();

    /**
     * Compiles and instantiates a kernel.
     *
     * @param name the kernel's name (for the native engine: which library to load)
     * @param wasm the kernel's Wasm binary (the same bytes for every Wasm engine)
     * @throws NotAvailableException if this engine cannot run the module, with the reason
     */
    LoadedKernel load(String name, byte[] wasm) throws NotAvailableException;

    /** Every engine, baseline first. */
    static List<WasmEngine> all() {
        return List.of(new NativeEngine(), new KilnEngine(), new ChicoryEngine(false), new ChicoryEngine(true),
                new WasmtimeEngine(), new GraalWasmEngine());
    }

    /** The ids of {@link #all()}, in order. */
    static List<String> ids() {
        return all().stream().map(WasmEngine::id).toList();
    }

    /** The engine with id {@code id}, if there is one. */
    static Optional<WasmEngine> byId(String id) {
        return all().stream().filter(e -> e.id().equals(id)).findFirst().or(() -> KilnEngine.variant(id));
    }
}
