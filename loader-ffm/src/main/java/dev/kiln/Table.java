package dev.kiln;

import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMTableDefinition;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A WebAssembly table (spec §2.5.4): a growable array of references, {@code funcref} or
 * {@code externref}, that {@code call_indirect} and the table instructions use. Its entries live in
 * native memory owned by the store (a {@link VMTableDefinition} and an entry array that is replaced
 * when the table grows beyond its capacity).
 *
 * <pre>{@code
 * Table t = instance.table("callbacks");
 * t.set(0, Val.nullRef(ValType.FUNCREF));
 * }</pre>
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Table implements Extern {
    /** Largest number of entries a table may have (2^32 - 1, the limit of a 32-bit index). */
    public static final long MAX_ENTRIES = 0xFFFF_FFFFL;
    /**
     * Entries a new table holds beyond its minimum before it reallocates, at most. Small on purpose:
     * the entries are zeroed native memory allocated at instantiation (a 65,536-entry reserve was a
     * 512 KiB {@code calloc}, most of a small module's instantiation time); growth doubles the
     * capacity, and compiled code reloads the entries' address after anything that may grow a table.
     */
    private static final long MAX_RESERVE = 64;

    private final Store store;
    private final ValType elemType;
    private final MemorySegment def;
    private final long max;
    private final boolean hasMax;
    private boolean table64;
    private dev.kiln.abi.RefType refType;
    private MemorySegment entries;

    /**
     * A table created by the host, for modules to import (like the spec's {@code spectest.table}).
     *
     * @param elemType {@code funcref} or {@code externref}
     * @param min      initial size in entries
     * @param max      maximum size in entries, or -1 for none
     * @throws IllegalArgumentException if the type or limits are invalid
     * @throws ResourceLimitException   if the store may create no more tables, or {@code min} is above its
     *                                  {@link StoreLimits#tableElements()}
     */
    public static Table create(Store store, ValType elemType, long min, long max) {
        if (!elemType.isReference() || min < 0 || min > MAX_ENTRIES || (max >= 0 && (max < min || max > MAX_ENTRIES))) {
            throw new IllegalArgumentException("invalid table " + elemType + " " + min + ".." + max);
        }
        checkLimit(store, min);
        store.reserve(0, 1, 0, "creating a table");
        return new Table(store, elemType, min, max);
    }

    /** @throws ResourceLimitException if a table of {@code min} elements is above the store's limit */
    static void checkLimit(Store store, long min) {
        long limit = store.limits().tableElements();
        if (limit >= 0 && min > limit) {
            throw new ResourceLimitException("a table of " + min + " elements initially is above the store's limit of "
                    + limit + " elements per table");
        }
    }

    Table(Store store, ValType elemType, long min, long max) {
        this.store = store;
        this.elemType = elemType;
        this.refType = (dev.kiln.abi.RefType) dev.kiln.abi.ValueType.of(elemType);
        this.hasMax = max >= 0;
        this.max = max < 0 ? MAX_ENTRIES : max;
        this.def = store.allocate(VMTableDefinition.BYTES, 8);
        long capacity = Math.max(min, Math.min(this.max, MAX_RESERVE));
        this.entries = store.allocate(Math.max(8, 8 * capacity), 8);
        def.set(ValueLayout.JAVA_LONG, VMTableDefinition.BASE, entries.address());
        def.set(ValueLayout.JAVA_LONG, VMTableDefinition.SIZE, min);
        def.set(ValueLayout.JAVA_LONG, VMTableDefinition.MAX, this.max);
    }

    /**
     * A table created by the host, 32-bit or 64-bit (Wasm 3.0 table64: its indices and sizes are i64;
     * Kiln's tables still hold at most {@link #MAX_ENTRIES} entries, so growing beyond fails).
     *
     * @throws IllegalArgumentException if the type or limits are invalid
     */
    public static Table create(Store store, ValType elemType, long min, long max, boolean table64) {
        Table t = create(store, elemType, min, table64 && max > MAX_ENTRIES ? MAX_ENTRIES : max);
        t.table64 = table64;
        return t;
    }

    /** Whether the table's address type is i64 (Wasm 3.0 table64). */
    public boolean is64() {
        return table64;
    }

    /** Marks a table defined by a module as 64-bit. */
    Table as64(boolean is64) {
        this.table64 = is64;
        return this;
    }

    /** The element type: {@code funcref} or {@code externref}. */
    public ValType elementType() {
        return elemType;
    }

    /**
     * The precise element type (Wasm 3.0, e.g. {@code (ref null $t)}), whose machine type is
     * {@link #elementType()}; a concrete heap type is in canonical form (see {@link Func#type()}).
     * A host-created table has {@code funcref} or {@code externref}.
     */
    public dev.kiln.abi.RefType refType() {
        return refType;
    }

    /** Gives a table defined by a module its precise element type (canonical form). */
    Table withRefType(dev.kiln.abi.RefType type) {
        this.refType = type;
        return this;
    }

    /** The current size in entries. */
    public long size() {
        store.ensureOpen();
        return def.get(ValueLayout.JAVA_LONG, VMTableDefinition.SIZE);
    }

    /** The maximum size in entries. */
    public long maxSize() {
        return max;
    }

    MemorySegment definition() {
        return def;
    }

    boolean hasMax() {
        return hasMax;
    }

    Store store() {
        return store;
    }

    long raw(long index) {
        return entries.get(ValueLayout.JAVA_LONG, 8 * index);
    }

    void setRaw(long index, long value) {
        entries.set(ValueLayout.JAVA_LONG, 8 * index, value);
    }

    /**
     * Entry {@code index}.
     *
     * @throws Trap if {@code index} is out of bounds ({@code out of bounds table access})
     */
    public Val get(long index) {
        if (index < 0 || index >= size()) {
            throw new Trap(TrapCode.TABLE_OUT_OF_BOUNDS);
        }
        long bits = raw(index);
        return elemType == ValType.EXTERNREF ? new Val(elemType, bits, store.externObject(bits)) : new Val(elemType, bits);
    }

    /**
     * Sets entry {@code index} to {@code value}.
     *
     * @throws Trap                     if {@code index} is out of bounds
     * @throws IllegalArgumentException if {@code value} is not of the element type, or is null and the
     *                                  table's {@link #refType()} is not nullable
     */
    public void set(long index, Val value) {
        checkValue(value);
        if (index < 0 || index >= size()) {
            throw new Trap(TrapCode.TABLE_OUT_OF_BOUNDS);
        }
        setRaw(index, store.toBits(value));
    }

    /**
     * Grows the table by {@code delta} entries set to {@code init} (spec §4.5.3.5 grow).
     *
     * @return the previous size, or -1 if the maximum or the store's {@link StoreLimits#tableElements()}
     *         would be exceeded
     * @throws ResourceLimitException if the store's limit would be exceeded and its limits say
     *                                {@link StoreLimits#trapOnGrowFailure()}
     * @throws IllegalArgumentException if {@code init} is not of the element type, or is null and the
     *                                  table's {@link #refType()} is not nullable
     */
    public long grow(long delta, Val init) {
        checkValue(init);
        return growRaw(delta, store.toBits(init));
    }

    /** @throws IllegalArgumentException if the table cannot hold {@code value} (wrong type, or null in a non-nullable table) */
    private void checkValue(Val value) {
        if (value.type() != elemType) {
            throw new IllegalArgumentException("table holds " + elemType + ", value is " + value.type());
        }
        if (!refType.nullable() && value.isNull()) {
            throw new IllegalArgumentException("table of " + refType + " cannot hold null");
        }
    }

    long growRaw(long delta, long initBits) {
        long old = size();
        if (delta < 0 || delta > max - old) {
            return -1;
        }
        StoreLimits limits = store.limits();
        if (delta > limits.tableEntries(max) - old) {
            if (limits.trapOnGrowFailure()) {
                throw new ResourceLimitException("growing a table of " + old + " elements by " + delta
                        + " is above the store's limit of " + limits.tableElements() + " elements per table");
            }
            return -1;
        }
        long size = old + delta;
        if (8 * size > entries.byteSize()) {
            long capacity = Math.min(max, Math.max(size, 2 * (entries.byteSize() / 8)));
            MemorySegment bigger = store.allocate(8 * capacity, 8);
            MemorySegment.copy(entries, 0, bigger, 0, 8 * old);
            entries = bigger;
            def.set(ValueLayout.JAVA_LONG, VMTableDefinition.BASE, bigger.address());
        }
        for (long i = old; i < size; i++) {
            setRaw(i, initBits);
        }
        def.set(ValueLayout.JAVA_LONG, VMTableDefinition.SIZE, size);
        return old;
    }
}
