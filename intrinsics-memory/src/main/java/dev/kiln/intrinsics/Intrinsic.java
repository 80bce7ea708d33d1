package dev.kiln.intrinsics;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.translate.CallLowering;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The catalog of unsafe native-memory intrinsics (DESIGN §4) and their lowering to IR. A module
 * allowed to (a compile-time builtin, or the module itself in raw mode) imports them as functions
 * from the namespace given to {@code exposeUnsafeIntrinsics}, by their kebab-case {@link #wasmName()}
 * and with exactly their {@link #type()}:
 *
 * <table>
 * <caption>Intrinsics (u8/u16/u32 are i32 in Wasm, u64 is i64; addresses, offsets and lengths are i64 bytes)</caption>
 * <tr><th>name</th><th>type</th><th>meaning</th></tr>
 * <tr><td>{@code store-data-address}</td><td>{@code () -> i64}</td><td>the address of the store's data
 *     (the native segment the embedder gave the store), 0 if none</td></tr>
 * <tr><td>{@code uN-native-load}</td><td>{@code (addr i64) -> i32} (u64: {@code -> i64})</td><td>reads N bits
 *     at {@code addr}, zero-extended</td></tr>
 * <tr><td>{@code uN-native-store}</td><td>{@code (addr i64, value i32)} (u64: {@code value i64})</td><td>writes
 *     the low N bits of {@code value} at {@code addr}</td></tr>
 * <tr><td>{@code uN-checked-native-load}</td><td>{@code (base i64, offset i64, length i64) -> i32/i64}</td><td>reads
 *     N bits at {@code base + offset}; traps with {@code out of bounds memory access} when
 *     {@code offset + N/8 > length} or that sum overflows 64 bits</td></tr>
 * <tr><td>{@code uN-checked-native-store}</td><td>{@code (base, offset, length i64, value)}</td><td>the checked
 *     store</td></tr>
 * </table>
 * Native byte order (little-endian on x86-64 and AArch64), no alignment requirement.
 *
 * <p>Lowering (always in place, never a call): {@code store-data-address} is two loads (the
 * VMStoreContext pointer at VMContext offset {@link VMContextLayout#STORE_CONTEXT}, then its
 * {@link VMStoreContext#STORE_DATA} field); a raw load or store is one {@link Op#LOAD}/{@link Op#STORE}
 * marked {@link Op#NATIVE}; a checked form traps unless {@code offset + N/8 <= length} without
 * wrapping, decided by one unsigned compare of {@code offset} with a limit computed from
 * {@code length} alone (see {@code checkedAddress}), and, as a Spectre guard, selects the address 0
 * (index {@code -base}) instead of {@code base + offset} on the failing side of that same compare (a {@code cmov} on x86-64),
 * so a mispredicted branch never reads or writes out of bounds.
 *
 * <p>Unsafe: these read and write any address of the process. Immutable and thread-safe.
 */
public enum Intrinsic {
    /** {@code store-data-address: () -> i64}. */
    STORE_DATA_ADDRESS("store-data-address", Kind.STORE_DATA, 0),
    /** {@code u8-native-load: (i64) -> i32}. */
    U8_NATIVE_LOAD("u8-native-load", Kind.LOAD, 1),
    /** {@code u16-native-load: (i64) -> i32}. */
    U16_NATIVE_LOAD("u16-native-load", Kind.LOAD, 2),
    /** {@code u32-native-load: (i64) -> i32}. */
    U32_NATIVE_LOAD("u32-native-load", Kind.LOAD, 4),
    /** {@code u64-native-load: (i64) -> i64}. */
    U64_NATIVE_LOAD("u64-native-load", Kind.LOAD, 8),
    /** {@code u8-native-store: (i64, i32)}. */
    U8_NATIVE_STORE("u8-native-store", Kind.STORE, 1),
    /** {@code u16-native-store: (i64, i32)}. */
    U16_NATIVE_STORE("u16-native-store", Kind.STORE, 2),
    /** {@code u32-native-store: (i64, i32)}. */
    U32_NATIVE_STORE("u32-native-store", Kind.STORE, 4),
    /** {@code u64-native-store: (i64, i64)}. */
    U64_NATIVE_STORE("u64-native-store", Kind.STORE, 8),
    /** {@code u8-checked-native-load: (base i64, offset i64, length i64) -> i32}. */
    U8_CHECKED_NATIVE_LOAD("u8-checked-native-load", Kind.CHECKED_LOAD, 1),
    /** {@code u16-checked-native-load: (i64, i64, i64) -> i32}. */
    U16_CHECKED_NATIVE_LOAD("u16-checked-native-load", Kind.CHECKED_LOAD, 2),
    /** {@code u32-checked-native-load: (i64, i64, i64) -> i32}. */
    U32_CHECKED_NATIVE_LOAD("u32-checked-native-load", Kind.CHECKED_LOAD, 4),
    /** {@code u64-checked-native-load: (i64, i64, i64) -> i64}. */
    U64_CHECKED_NATIVE_LOAD("u64-checked-native-load", Kind.CHECKED_LOAD, 8),
    /** {@code u8-checked-native-store: (base i64, offset i64, length i64, value i32)}. */
    U8_CHECKED_NATIVE_STORE("u8-checked-native-store", Kind.CHECKED_STORE, 1),
    /** {@code u16-checked-native-store: (i64, i64, i64, i32)}. */
    U16_CHECKED_NATIVE_STORE("u16-checked-native-store", Kind.CHECKED_STORE, 2),
    /** {@code u32-checked-native-store: (i64, i64, i64, i32)}. */
    U32_CHECKED_NATIVE_STORE("u32-checked-native-store", Kind.CHECKED_STORE, 4),
    /** {@code u64-checked-native-store: (i64, i64, i64, i64)}. */
    U64_CHECKED_NATIVE_STORE("u64-checked-native-store", Kind.CHECKED_STORE, 8);

    /** What an intrinsic does. */
    public enum Kind {
        /** Returns the store-data address. */
        STORE_DATA,
        /** An unchecked load. */
        LOAD,
        /** An unchecked store. */
        STORE,
        /** A bounds-checked load. */
        CHECKED_LOAD,
        /** A bounds-checked store. */
        CHECKED_STORE
    }

    private static final Map<String, Intrinsic> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(Intrinsic::wasmName, Function.identity()));

    private final String wasmName;
    private final Kind kind;
    private final int width;
    private final FuncType type;

    Intrinsic(String wasmName, Kind kind, int width) {
        this.wasmName = wasmName;
        this.kind = kind;
        this.width = width;
        ValType value = width == 8 ? ValType.I64 : ValType.I32;
        ValType i64 = ValType.I64;
        this.type = switch (kind) {
            case STORE_DATA -> new FuncType(List.of(), List.of(i64));
            case LOAD -> new FuncType(List.of(i64), List.of(value));
            case STORE -> new FuncType(List.of(i64, value), List.of());
            case CHECKED_LOAD -> new FuncType(List.of(i64, i64, i64), List.of(value));
            case CHECKED_STORE -> new FuncType(List.of(i64, i64, i64, value), List.of());
        };
    }

    /** The import field name, e.g. {@code u8-native-load}. */
    public String wasmName() {
        return wasmName;
    }

    /** What it does. */
    public Kind kind() {
        return kind;
    }

    /** Bytes accessed: 1, 2, 4 or 8; 0 for {@code store-data-address}. */
    public int width() {
        return width;
    }

    /** The exact Wasm function type an import of it must have. */
    public FuncType type() {
        return type;
    }

    /** The intrinsic named {@code wasmName}, or {@code null}. */
    public static Intrinsic byWasmName(String wasmName) {
        return BY_NAME.get(wasmName);
    }

    /** The names of all intrinsics, in catalog order, comma-separated (for error messages). */
    public static String allNames() {
        return Arrays.stream(values()).map(Intrinsic::wasmName).collect(Collectors.joining(", "));
    }

    /** How a call to this intrinsic is lowered in place (see the class comment), Spectre guard on. Thread-safe. */
    public CallLowering lowering() {
        return lowering(true);
    }

    /**
     * How a call to this intrinsic is lowered in place (see the class comment). Thread-safe.
     *
     * @param spectreGuard whether a checked access also nulls its address on the out-of-bounds side
     *                     (see {@link #checkedIndex}); off only for trusted code
     *                     ({@code CompileOptions#spectreGuard()})
     */
    public CallLowering lowering(boolean spectreGuard) {
        return (b, args) -> lower(b, args, spectreGuard);
    }

    private List<Value> lower(Block b, List<Value> args, boolean spectreGuard) {
        int aux = width | Op.NATIVE;
        IrType valueType = width == 8 ? IrType.I64 : IrType.I32;
        switch (kind) {
            case STORE_DATA -> {
                // neither the store context pointer nor the store data address changes while a call is
                // active (Store.setData refuses then): both loads are invariant, so GVN and LICM may
                // merge and hoist them across calls and stores
                Value sctx = b.append(Op.VMCTX_LOAD, List.of(), VMContextLayout.STORE_CONTEXT, null, null,
                        List.of(IrType.I64)).withAux(Op.INVARIANT).result();
                Value zero = b.append1(Op.ICONST, IrType.I64, 0);
                Value data = b.append(Op.LOAD, List.of(sctx, zero), VMStoreContext.STORE_DATA, null, null,
                        List.of(IrType.I64)).withAux(8 | Op.NATIVE | Op.INVARIANT).result();
                return List.of(data);
            }
            case LOAD -> {
                Value zero = b.append1(Op.ICONST, IrType.I64, 0);
                return List.of(b.append(Op.LOAD, List.of(args.get(0), zero), 0, null, null, List.of(valueType))
                        .withAux(aux).result());
            }
            case STORE -> {
                Value zero = b.append1(Op.ICONST, IrType.I64, 0);
                b.append(Op.STORE, List.of(args.get(0), zero, args.get(1)), 0, null, null, List.of()).withAux(aux);
                return List.of();
            }
            case CHECKED_LOAD -> {
                Value index = checkedIndex(b, args.get(0), args.get(1), args.get(2), spectreGuard);
                return List.of(b.append(Op.LOAD, List.of(args.get(0), index), 0, null, null, List.of(valueType))
                        .withAux(aux).result());
            }
            case CHECKED_STORE -> {
                Value index = checkedIndex(b, args.get(0), args.get(1), args.get(2), spectreGuard);
                b.append(Op.STORE, List.of(args.get(0), index, args.get(3)), 0, null, null, List.of()).withAux(aux);
                return List.of();
            }
            default -> throw new AssertionError(kind);
        }
    }

    /**
     * The bounds check and Spectre guard of a checked access. With {@code limit = length - (width - 1)}
     * when {@code length >= width}, else 0 (a {@code select}; {@code length} itself for width 1), the
     * access is in bounds exactly when {@code offset < limit}: then {@code offset + width <= length}
     * without wrapping, and for {@code length < width} no offset is. So one unsigned compare per access
     * decides both the trap ({@code trapif.uge offset, limit}) and the guard: the index returned is
     * {@code offset >= limit ? -base : offset}, so {@code base + index} is the null address on the
     * out-of-bounds side; {@code limit} and {@code -base} depend on the operands that are
     * loop-invariant in a typical loop, so they are computed once, before it. Without the guard
     * (trusted code) the index is the offset itself.
     */
    private Value checkedIndex(Block b, Value base, Value offset, Value length, boolean spectreGuard) {
        Value limit = length;
        if (width > 1) {
            Value minus = b.append1(Op.ISUB, IrType.I64, 0, length, b.append1(Op.ICONST, IrType.I64, width - 1));
            Value tooShort = b.append(Op.ICMP, List.of(length, b.append1(Op.ICONST, IrType.I64, width)), 0, Cond.ULT, null,
                    List.of(IrType.I32)).result();
            limit = b.append1(Op.SELECT, IrType.I64, 0, tooShort, b.append1(Op.ICONST, IrType.I64, 0), minus);
        }
        b.append(Op.TRAPIF, List.of(offset, limit), TrapCode.MEMORY_OUT_OF_BOUNDS.code(), Cond.UGE, null, List.of());
        if (!spectreGuard) {
            return offset;
        }
        Value oob = b.append(Op.ICMP, List.of(offset, limit), 0, Cond.UGE, null, List.of(IrType.I32)).result();
        // base + (0 - base) = the null address: the guard selects the index, so the access keeps the
        // [base + index] addressing mode and the negation (loop-invariant) is computed once
        Value minusBase = b.append1(Op.ISUB, IrType.I64, 0, b.append1(Op.ICONST, IrType.I64, 0), base);
        return b.append1(Op.SELECT, IrType.I64, 0, oob, minusBase, offset);
    }
}
