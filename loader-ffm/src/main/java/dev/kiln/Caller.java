package dev.kiln;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * What a host function may see of the Wasm code that called it (Wasmtime's {@code Caller}): the
 * calling instance's exports, its memory 0 and the store's data. Host functions receive one when
 * created with {@link Func#wrap(Store, dev.kiln.abi.FuncType, HostFunction.WithCaller)}.
 *
 * <pre>{@code
 * Func log = Func.wrap(store, FuncType.of(List.of(ValType.I32, ValType.I32), List.of()), (caller, args) -> {
 *     System.out.println(caller.memory().readString(args[0].i32() & 0xFFFF_FFFFL, args[1].i32()));
 *     return new Val[0];
 * });
 * }</pre>
 *
 * <p>The calling instance is the one through whose import the call came, and is usable from the
 * start function on: during the start function (spec §4.5.4 step 16) {@link Instance#create} has not
 * returned yet, but the instance's memories, tables, globals and exports are already complete. A
 * caller is valid during the host call that received it; its objects ({@link Memory}, {@link Func},
 * ...) stay valid as long as the store. Belongs to its store and follows its thread-safety rules.
 */
public final class Caller {
    private final Store store;
    private final Instance instance;

    /** @param instance the calling instance, or null when Java called the host function directly */
    Caller(Store store, Instance instance) {
        this.store = store;
        this.instance = instance;
    }

    /**
     * The calling instance (its exports are complete; during the start function it is still being
     * created), or empty when Java called the host function directly ({@link Func#call}).
     */
    public Optional<Instance> instance() {
        return Optional.ofNullable(instance);
    }

    /**
     * The calling instance's export {@code name} (function, memory, table or global), if there is one
     * (empty when Java called the host function directly).
     */
    public Optional<Extern> getExport(String name) {
        return instance == null ? Optional.empty() : Optional.ofNullable(instance.exports().get(name));
    }

    /**
     * The calling instance's memory 0 (its own or imported, exported or not): where pointers passed
     * by the guest point.
     *
     * @throws IllegalStateException if the calling module has no memory, or Java called the host
     *                               function directly
     */
    public Memory memory() {
        if (instance == null) {
            throw new IllegalStateException("the host function was called from Java, not from a Wasm instance");
        }
        return instance.memoryAt(0);
    }

    /** The store's data ({@link Store#data()}; {@link MemorySegment#NULL} when none was set). */
    public MemorySegment data() {
        return store.data();
    }

    /** The store the call runs in. */
    public Store store() {
        return store;
    }
}
