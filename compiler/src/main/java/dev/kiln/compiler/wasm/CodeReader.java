package dev.kiln.compiler.wasm;

import dev.kiln.abi.HeapType;
import dev.kiln.abi.RefType;
import dev.kiln.abi.ValType;
import dev.kiln.abi.ValueType;

/**
 * Streams the instructions of one expression (a function body or a constant expression) of a
 * binary module, without allocating per instruction (spec §5.4 "Instructions").
 *
 * <p>Usage: {@code var r = new CodeReader(bytes, body.codeStart(), body.codeEnd());
 * while (r.hasNext()) { Opcode op = r.next(); switch (op) { case LOCAL_GET -> use(r.index()); ... } }}.
 * {@link #next()} decodes the opcode and its immediates into the accessors below; their values stay
 * until the next call. The reader checks the encoding of each instruction (opcodes, LEB128 widths,
 * reserved zero bytes) but not block structure or typing: that is the {@link Validator}'s job (the
 * {@link ModuleDecoder} additionally checks the {@code end}/{@code else} nesting).
 *
 * <p>Which accessor holds what, by {@link Opcode.Immediate}:
 * <ul>
 *   <li>{@code BLOCKTYPE}: {@link #blockType()}: -64 for the empty type ({@code 0x40}), the negative
 *       s7 form of a single result valtype (-1 i32, -2 i64, -3 f32, -4 f64, -5 v128, -16 funcref,
 *       -17 externref; see {@link #blockValType(int)}), or a non-negative typeidx (clamped to
 *       {@link Integer#MAX_VALUE} when it does not fit an int);</li>
 *   <li>{@code LABEL, FUNCIDX, LOCALIDX, GLOBALIDX, TABLEIDX, ELEMIDX, DATAIDX}: {@link #index()};</li>
 *   <li>{@code CALL_INDIRECT}, {@code RETURN_CALL_INDIRECT}: {@link #index()} = typeidx, {@link #index2()} = tableidx;</li>
 *   <li>{@code BR_TABLE}: {@link #targetCount()} labels {@link #target(int)} then
 *       {@link #defaultTarget()};</li>
 *   <li>{@code MEMARG}: {@link #memAlign()} (log2 of the alignment in bytes), {@link #memIndex()}
 *       (Wasm 3.0 multi-memory: present when bit 6 of the alignment field is set, else 0) and
 *       {@link #memOffset()} (a u64 in bytes; Wasm 2.0: a u32); {@code MEMARG_LANE} adds {@link #lane()};</li>
 *   <li>{@code MEMIDX} ({@code memory.size/grow}), {@code MEMORY_FILL}: {@link #index()} = memidx
 *       (Wasm 2.0: a reserved byte, which must be 0);</li>
 *   <li>{@code MEMORY_INIT}: {@link #index()} = dataidx, {@link #index2()} = memidx;
 *       {@code MEMORY_COPY}: {@link #index()} = destination memidx, {@link #index2()} = source;</li>
 *   <li>{@code TABLE_INIT}: {@link #index()} = elemidx, {@link #index2()} = tableidx;
 *       {@code TABLE_COPY}: {@link #index()} = destination tableidx, {@link #index2()} = source;</li>
 *   <li>{@code I32}: {@link #i64()} sign-extended; {@code I64}: {@link #i64()}; {@code F32}: the
 *       raw bits, zero-extended ({@code Float.intBitsToFloat((int) r.i64())}); {@code F64}: raw bits;</li>
 *   <li>{@code SELECT_T}: {@link #selectTypeCount()} and {@link #selectType(int)};</li>
 *   <li>{@code REF_NULL}: {@link #refType()};</li>
 *   <li>{@code V128_CONST} and {@code SHUFFLE}: the 16 immediate bytes in {@link #v128()};</li>
 *   <li>{@code LANE}: {@link #lane()} (0..255; bounds are checked by the validator).</li>
 * </ul>
 * Indices are {@code u32}s stored in an int: a value of 2^31 or more reads as negative and is always
 * out of range.
 *
 * <p>Errors: a malformed instruction throws {@link MalformedModuleException} naming the offset in the
 * module ({@code illegal opcode}, {@code zero byte expected}, {@code integer too large},
 * {@code integer representation too long}, {@code malformed memop flags},
 * {@code malformed reference type}, {@code malformed value type}, {@code length out of bounds},
 * {@code unexpected end of section or function}). Not thread-safe: one reader per thread.
 */
public final class CodeReader extends BinaryInput {
    private int offset;
    private int index;
    private int index2;
    private long i64;
    private int blockType;
    private int memAlign;
    private int memIndex;
    private long memOffset;
    private boolean wasm2;
    private int lane;
    private final byte[] v128 = new byte[16];
    private int[] targets = new int[8];
    private int targetCount;
    private ValType[] selectTypes = new ValType[1];
    private int selectTypeCount;
    private HeapType heapType;
    private RefType blockRefType;
    private ValueType[] selectValueTypes = new ValueType[1];

    /**
     * A reader over {@code bytes[start, end)}.
     *
     * @param bytes the whole module (offsets reported are indices into it)
     * @param start offset of the first instruction
     * @param end   exclusive limit; reading past it is {@code unexpected end of section or function}
     * @throws IllegalArgumentException if the range is not within {@code bytes}
     */
    public CodeReader(byte[] bytes, int start, int end) {
        super(bytes, start, end);
        if (start < 0 || end > bytes.length || start > end) {
            throw new IllegalArgumentException("range [" + start + ", " + end + ") not in " + bytes.length + " bytes");
        }
    }

    /**
     * Reads memory immediates as Wasm 2.0 encodes them (reserved zero bytes instead of memidx, a u32
     * memarg offset, no memidx bit) when {@code version} is {@link WasmVersion#WASM_2_0}.
     */
    public void setVersion(WasmVersion version) {
        this.wasm2 = version == WasmVersion.WASM_2_0;
    }

    /** Restarts this reader on another range of the same bytes, keeping its buffers. */
    public void reset(int start, int end) {
        if (start < 0 || end > bytes.length || start > end) {
            throw new IllegalArgumentException("range [" + start + ", " + end + ") not in " + bytes.length + " bytes");
        }
        this.pos = start;
        this.end = end;
    }

    /** Whether bytes remain before the end of the range. */
    public boolean hasNext() {
        return pos < end;
    }

    /** Offset in the module of the next byte to read (after the current instruction). */
    public int position() {
        return pos;
    }

    /** Exclusive end of the range. */
    public int end() {
        return end;
    }

    /** Offset in the module of the current instruction's first byte. */
    public int offset() {
        return offset;
    }

    /**
     * Decodes the next instruction and its immediates.
     *
     * @return the instruction's opcode
     * @throws MalformedModuleException on an unknown opcode, a malformed immediate or the end of the
     *                                  range
     */
    public Opcode next() {
        offset = pos;
        int b = readByte();
        Opcode op;
        if (b == 0xFC || b == 0xFD) {
            int sub = readU32();
            op = Opcode.decode(b, sub);
            if (wasm2 && op != null && b == 0xFD && sub > 0xFF) {
                op = null; // relaxed SIMD is Wasm 3.0
            }
        } else {
            op = Opcode.decode(0, b);
        }
        if (op == null || wasm2 && ExceptionOpcodes.isException(op)) {
            throw malformed("illegal opcode " + Integer.toHexString(b), offset);
        }
        switch (op.immediate()) {
            case NONE -> {
            }
            case BLOCKTYPE -> readBlockType();
            case LABEL, FUNCIDX, LOCALIDX, GLOBALIDX, TABLEIDX, ELEMIDX, DATAIDX, TYPEIDX -> index = readU32();
            case BR_TABLE -> readBrTable();
            case TAGIDX -> index = readU32();
            case TRY_TABLE -> {
                readBlockType();
                readCatchClauses();
            }
            case CALL_INDIRECT, TABLE_INIT, TABLE_COPY -> {
                index = readU32();
                index2 = readU32();
            }
            case MEMARG -> readMemarg();
            case MEMARG_LANE -> {
                readMemarg();
                lane = readByte();
            }
            case MEMIDX, MEMORY_FILL -> index = memidx();
            case MEMORY_INIT -> {
                index = readU32();
                index2 = memidx();
            }
            case MEMORY_COPY -> {
                index = memidx();
                index2 = memidx();
            }
            case I32 -> i64 = readS32();
            case I64 -> i64 = readS64();
            case F32 -> i64 = readFixed32() & 0xFFFF_FFFFL;
            case F64 -> i64 = readFixed64();
            case SELECT_T -> readSelectTypes();
            case REF_NULL -> heapType = readHeapType();
            case V128_CONST, SHUFFLE -> {
                if (end - pos < 16) {
                    pos = end;
                    throw eos();
                }
                System.arraycopy(bytes, pos, v128, 0, 16);
                pos += 16;
            }
            case LANE -> lane = readByte();
            default -> throw new AssertionError(op);
        }
        return op;
    }


    private int memidx() {
        if (!wasm2) {
            return readU32();
        }
        int at = pos;
        if (readByte() != 0) {
            throw malformed("zero byte expected", at);
        }
        return 0;
    }

    private void readBlockType() {
        blockRefType = null;
        int b = peekByte();
        if (b == 0x40) {
            pos++;
            blockType = -64;
        } else if (ValType.fromCode(b) != null) {
            pos++;
            blockType = b - 0x80;
            blockRefType = ValType.fromCode(b).isReference() ? (RefType) ValType.fromCode(b).normalized() : null;
        } else if (!wasm2 && (b == 0x63 || b == 0x64 || HeapType.fromCode(b) != null)) {
            RefType t = (RefType) readValueType();
            blockRefType = t;
            blockType = t.machineType().code() - 0x80;
        } else {
            int at = pos;
            long v = readSigned(33);
            if (v < 0) {
                throw malformed("malformed value type", at);
            }
            blockType = (int) Math.min(v, Integer.MAX_VALUE);
        }
    }

    private int[] catchKinds = new int[4];
    private int[] catchTags = new int[4];
    private int[] catchLabels = new int[4];
    private int catchCount;

    private void readCatchClauses() {
        int n = readLength();
        if (catchKinds.length < n) {
            int m = Math.max(n, catchKinds.length * 2);
            catchKinds = new int[m];
            catchTags = new int[m];
            catchLabels = new int[m];
        }
        for (int i = 0; i < n; i++) {
            int at = pos;
            int kind = readByte();
            if (kind > 3) {
                throw malformed("malformed catch clause", at);
            }
            catchKinds[i] = kind;
            catchTags[i] = kind < 2 ? readU32() : -1;
            catchLabels[i] = readU32();
        }
        catchCount = n;
    }

    /** {@code try_table}: the number of catch clauses. */
    public int catchCount() {
        return catchCount;
    }

    /**
     * {@code try_table}: the kind of catch clause {@code i}: 0 {@code catch}, 1 {@code catch_ref},
     * 2 {@code catch_all}, 3 {@code catch_all_ref} (binary §5.4.1).
     */
    public int catchKind(int i) {
        return catchKinds[i];
    }

    /** {@code try_table}: the tagidx of catch clause {@code i}, -1 for {@code catch_all(_ref)}. */
    public int catchTag(int i) {
        return catchTags[i];
    }

    /** {@code try_table}: the labelidx catch clause {@code i} branches to. */
    public int catchLabel(int i) {
        return catchLabels[i];
    }

    private void readBrTable() {
        int n = readLength();
        if (targets.length < n + 1) {
            targets = new int[Math.max(n + 1, targets.length * 2)];
        }
        for (int i = 0; i < n; i++) {
            targets[i] = readU32();
        }
        targets[n] = readU32();
        targetCount = n;
    }

    private void readMemarg() {
        int at = pos;
        int align = readU32();
        if (wasm2) {
            if (align < 0 || align >= 32) {
                throw malformed("malformed memop flags", at);
            }
            memAlign = align;
            memIndex = 0;
            memOffset = readU32AsLong();
            return;
        }
        // Wasm 3.0: bit 6 says a memidx follows; the alignment exponent is below it
        if (align < 0 || align >= 128) {
            throw malformed("malformed memop flags", at);
        }
        memAlign = align & 63;
        memIndex = (align & 64) != 0 ? readU32() : 0;
        memOffset = readUnsigned(64);
    }

    private void readSelectTypes() {
        int n = readLength();
        if (selectTypes.length < n) {
            selectTypes = new ValType[Math.max(n, selectTypes.length * 2)];
            selectValueTypes = new ValueType[selectTypes.length];
        }
        for (int i = 0; i < n; i++) {
            ValueType t = readValueType();
            selectValueTypes[i] = t;
            selectTypes[i] = t.machineType();
        }
        selectTypeCount = n;
    }

    /**
     * The first index immediate: labelidx, funcidx, localidx, globalidx, tableidx, elemidx, dataidx,
     * call_indirect's typeidx, table.init's elemidx, table.copy's destination, memory.init's dataidx.
     */
    public int index() {
        return index;
    }

    /** The second index immediate: call_indirect's / table.init's tableidx, table.copy's source, memidx. */
    public int index2() {
        return index2;
    }

    /** The numeric constant: i32 (sign-extended), i64, or the raw bits of f32 (zero-extended) / f64. */
    public long i64() {
        return i64;
    }

    /** {@code f32.const}'s value. */
    public float f32() {
        return Float.intBitsToFloat((int) i64);
    }

    /** {@code f64.const}'s value. */
    public double f64() {
        return Double.longBitsToDouble(i64);
    }

    /** The blocktype, encoded as described in the class comment. */
    public int blockType() {
        return blockType;
    }

    /**
     * The single result type of a value blocktype, {@code null} for the empty blocktype (-64) or a
     * typeidx (non-negative).
     */
    public static ValType blockValType(int blockType) {
        return blockType < 0 && blockType != -64 ? ValType.fromCode(blockType + 0x80) : null;
    }

    /** The memarg's alignment exponent: log2 of the alignment in bytes (0..31). */
    public int memAlign() {
        return memAlign;
    }

    /** The memarg's memidx: 0 unless bit 6 of the alignment field was set (Wasm 3.0 multi-memory). */
    public int memIndex() {
        return memIndex;
    }

    /** The memarg's offset in bytes: a {@code u64} (Wasm 2.0: a {@code u32}) as a long, unsigned. */
    public long memOffset() {
        return memOffset;
    }

    /** The lane index byte (0..255) of a lane instruction. */
    public int lane() {
        return lane;
    }

    /**
     * The 16 immediate bytes of {@code v128.const} (little-endian lane order) or the 16 lane indices
     * of {@code i8x16.shuffle}. The array is reused by the next instruction: copy it to keep it.
     */
    public byte[] v128() {
        return v128;
    }

    /** The number of br_table labels before the default. */
    public int targetCount() {
        return targetCount;
    }

    /** The {@code i}-th br_table label (0 &lt;= i &lt; {@link #targetCount()}). */
    public int target(int i) {
        if (i < 0 || i >= targetCount) {
            throw new IndexOutOfBoundsException(i);
        }
        return targets[i];
    }

    /** The br_table default label. */
    public int defaultTarget() {
        return targets[targetCount];
    }

    /** The number of value types of a typed {@code select}. */
    public int selectTypeCount() {
        return selectTypeCount;
    }

    /** The {@code i}-th value type of a typed {@code select}. */
    public ValType selectType(int i) {
        if (i < 0 || i >= selectTypeCount) {
            throw new IndexOutOfBoundsException(i);
        }
        return selectTypes[i];
    }

    /** The reference type of {@code ref.null}. */
    public ValType refType() {
        return heapType.top() == HeapType.Kind.EXTERN ? ValType.EXTERNREF : ValType.FUNCREF;
    }

    /** {@code ref.null}'s heap type (Wasm 3.0: any heap type, e.g. a concrete typeidx). */
    public HeapType heapType() {
        return heapType;
    }

    /**
     * The precise result type of the last blocktype read when it is a single reference type (e.g.
     * {@code (ref null $t)}), else {@code null}; {@link #blockType()} then holds its machine type as for
     * {@code funcref} or {@code externref}.
     */
    public RefType blockRefType() {
        return blockRefType;
    }

    /** The precise {@code i}-th type of {@code select t*}. */
    public ValueType selectValueType(int i) {
        if (i < 0 || i >= selectTypeCount) {
            throw new IndexOutOfBoundsException(i);
        }
        return selectValueTypes[i];
    }

    /**
     * Reads a value type (binary §5.3.5): a number, vector or abstract reference shorthand byte, or
     * {@code 0x63 ht} / {@code 0x64 ht} (nullable / non-nullable reference, Wasm 3.0).
     *
     * @throws MalformedModuleException {@code malformed value type} or {@code malformed reference type}
     */
    public ValueType readValueType() {
        int at = pos;
        int b = typeByte();
        if (!wasm2 && (b == 0x63 || b == 0x64)) {
            return new RefType(b == 0x63, readHeapType());
        }
        ValType t = ValType.fromCode(b);
        if (t != null) {
            return t.normalized();
        }
        HeapType h = wasm2 ? null : HeapType.fromCode(b);
        if (h != null) {
            return new RefType(true, h);
        }
        throw malformed("malformed value type", at);
    }

    /**
     * Reads a heap type (binary §5.3.3): an abstract heap type byte or a non-negative s33 typeidx.
     *
     * @throws MalformedModuleException {@code malformed heap type} (2.0: {@code malformed reference type})
     */
    public HeapType readHeapType() {
        int at = pos;
        int b = peekByte();
        HeapType h = HeapType.fromCode(b);
        if (h != null && (!wasm2 || b == 0x70 || b == 0x6F)) {
            pos++;
            return h;
        }
        if (wasm2) {
            pos++;
            throw malformed("malformed reference type", at);
        }
        long v = readSigned(33);
        if (v < 0) {
            throw malformed("malformed heap type", at);
        }
        return HeapType.concrete((int) Math.min(v, Integer.MAX_VALUE));
    }
}
