package dev.kiln;

import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A WebAssembly global (spec §2.5.6): one value of a fixed type, mutable or not, stored in the
 * instance's VMContext where Wasm code reads it directly.
 *
 * <pre>{@code
 * Global counter = instance.global("counter");
 * counter.set(Val.i32(counter.get().i32() + 1));
 * }</pre>
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Global implements Extern {
    private final Store store;
    private final MemorySegment vmctx;
    private final long offset;
    private final ValType type;
    private final boolean mutable;
    private final dev.kiln.abi.ValueType valueType;

    Global(Store store, MemorySegment vmctx, long offset, ValType type, boolean mutable) {
        this(store, vmctx, offset, type, mutable, dev.kiln.abi.ValueType.of(type));
    }

    Global(Store store, MemorySegment vmctx, long offset, ValType type, boolean mutable, dev.kiln.abi.ValueType valueType) {
        // vmctx: the segment holding the value (an instance's VMContext)
        this.valueType = valueType;
        this.store = store;
        this.vmctx = vmctx;
        this.offset = offset;
        this.type = type;
        this.mutable = mutable;
    }

    /**
     * A global created by the host, for modules to import (like the spec's {@code spectest.global_i32}).
     *
     * @throws IllegalArgumentException if {@code init} is not of type {@code type}
     */
    public static Global create(Store store, ValType type, boolean mutable, Val init) {
        if (init.type() != type) {
            throw new IllegalArgumentException("initial value is " + init.type() + ", the global is " + type);
        }
        MemorySegment slot = store.allocate(16, 16);
        write(slot, 0, new Val(type, store.toBits(init)));
        return new Global(store, slot, 0, type, mutable);
    }

    Store store() {
        return store;
    }

    /** The address of the value slot (what importers point to). */
    long address() {
        return vmctx.address() + offset;
    }

    /** The value type (machine level: {@code funcref} or {@code externref} for every reference type). */
    public ValType type() {
        return type;
    }

    /**
     * The precise value type (Wasm 3.0, e.g. {@code (ref $t)}), whose machine type is {@link #type()};
     * a concrete heap type is in canonical form (see {@link Func#type()}). A host-created global has
     * the precise form of its {@link ValType}.
     */
    public dev.kiln.abi.ValueType valueType() {
        return valueType;
    }

    /** Whether {@link #set} is allowed. */
    public boolean isMutable() {
        return mutable;
    }

    /** The current value. @throws IllegalStateException if the store is closed */
    public Val get() {
        store.ensureOpen();
        return switch (type) {
            case I32 -> Val.i32(vmctx.get(ValueLayout.JAVA_INT, offset));
            case F32 -> new Val(ValType.F32, vmctx.get(ValueLayout.JAVA_INT, offset) & 0xFFFF_FFFFL);
            case I64, F64, FUNCREF, EXTERNREF -> store.fromBits(type, vmctx.get(ValueLayout.JAVA_LONG, offset));
            case V128 -> Val.v128(vmctx.get(ValueLayout.JAVA_LONG, offset), vmctx.get(ValueLayout.JAVA_LONG, offset + 8));
            default -> throw new UnsupportedOperationException(type + " globals are not supported yet");
        };
    }

    /**
     * Sets the value.
     *
     * @throws IllegalStateException    if the global is immutable or the store is closed
     * @throws IllegalArgumentException if {@code v} has another type
     */
    public void set(Val v) {
        store.ensureOpen();
        if (!mutable) {
            throw new IllegalStateException("global is immutable");
        }
        if (v.type() != type) {
            throw new IllegalArgumentException("global is " + type + ", value is " + v.type());
        }
        write(vmctx, offset, v.type() == ValType.V128 ? Val.v128(v.v128Low(), v.v128High()) : new Val(v.type(), store.toBits(v)));
    }

    static void write(MemorySegment vmctx, long offset, Val v) {
        switch (v.type()) {
            case I32, F32 -> vmctx.set(ValueLayout.JAVA_INT, offset, (int) v.bits());
            case I64, F64, FUNCREF, EXTERNREF -> vmctx.set(ValueLayout.JAVA_LONG, offset, v.bits());
            case V128 -> {
                vmctx.set(ValueLayout.JAVA_LONG, offset, v.v128Low());
                vmctx.set(ValueLayout.JAVA_LONG, offset + 8, v.v128High());
            }
            default -> throw new UnsupportedOperationException(v.type() + " globals are not supported yet");
        }
    }
}
