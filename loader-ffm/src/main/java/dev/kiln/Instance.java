package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.VMContextLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An instantiated module (spec §4.5.4 "Instantiation"): its VMContext in native memory owned by a
 * {@link Store}, and its exports.
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Instance {
    private final Store store;
    private final Module module;
    private final MemorySegment vmctx;
    private final Map<String, Func> funcs = new LinkedHashMap<>();

    private Instance(Store store, Module module) {
        this.store = store;
        this.module = module;
        ArtifactMetadata meta = module.metadata();
        this.vmctx = store.allocate(meta.vmctxSize(), 16);
        vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.STACK_BUDGET, store.engine().stackBudget());
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            if (e.kind() == ArtifactMetadata.ExportInfo.FUNC) {
                funcs.put(e.name(), new Func(this, e.name(), meta.functionType(e.index()),
                        module.entryHandle(e.index(), e.trampolineOffset())));
            }
        }
    }

    /**
     * Instantiates {@code module} in {@code store}.
     *
     * @throws IllegalStateException if the store is closed
     */
    public static Instance create(Store store, Module module) {
        return new Instance(store, module);
    }

    /** The exported function {@code name}, if there is one. */
    public Optional<Func> getFunc(String name) {
        return Optional.ofNullable(funcs.get(name));
    }

    /**
     * The exported function {@code name}.
     *
     * @throws IllegalArgumentException if the module exports no function of that name
     */
    public Func func(String name) {
        Func f = funcs.get(name);
        if (f == null) {
            throw new IllegalArgumentException("the module exports no function named \"" + name + "\" (exports: "
                    + funcs.keySet() + ")");
        }
        return f;
    }

    /** The module this is an instance of. */
    public Module module() {
        return module;
    }

    Store store() {
        return store;
    }

    MemorySegment vmctx() {
        return vmctx;
    }
}
