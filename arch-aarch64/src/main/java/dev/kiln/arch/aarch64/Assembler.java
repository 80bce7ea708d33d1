package dev.kiln.arch.aarch64;

import dev.kiln.abi.CompileException;
import dev.kiln.compiler.RelocKind;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.mach.CodeBuffer;
import dev.kiln.compiler.mach.Label;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * An AArch64 (A64) machine-code encoder writing into a growable byte buffer, following the
 * instruction encodings of the Arm Architecture Reference Manual for A-profile (DDI 0487), chapter C4
 * "A64 Instruction Set Encoding" and the instruction pages of C6 (base) and C7 (SIMD and
 * floating-point). Every instruction is one little-endian 32-bit word.
 *
 * <p>Each instruction method appends exactly one instruction at {@link #position()}, except the
 * documented sequences ({@link #movImm(Size, XReg, long)}). Aliases ({@code mov}, {@code cmp},
 * {@code lsl}, {@code cset}, ...) emit the instruction the Arm ARM defines them as, and produce the same
 * word as GNU {@code as} 2.40 for the same text, against which every form is tested byte for byte.
 *
 * <p>Operand conventions: the destination comes first, as in Arm assembly. {@link Size} selects the
 * 32-bit ({@code w}) or 64-bit ({@code x}) view of the {@link XReg} operands, {@link FpSize} the single
 * ({@code s}) or double ({@code d}) view of the {@link VReg} operands. Register number 31 is the stack
 * pointer in some operands and the zero register in others: each method says which operands accept
 * {@link XReg#SP} ("sp allowed"); all other integer operands accept {@link XReg#XZR} and refuse
 * {@link XReg#SP}. Immediates are given by value (shift amounts in bits, offsets in bytes), never
 * pre-encoded.
 *
 * <p>Labels: a reference to a label bound earlier is encoded at once; a reference to a label not bound
 * yet is encoded by {@link #finish()}. There is no branch relaxation and there are no veneers: the
 * reach of each form is fixed ({@code b}/{@code bl} +-128 MiB, {@code b.cond}/{@code cbz}/{@code ldr}
 * (literal)/{@code adr} +-1 MiB, {@code tbz} +-32 KiB, {@code adrp} +-4 GiB) and a label out of reach is
 * an error. External symbols (funcidx, stubs) are referenced through {@link Relocation}s
 * ({@link #relocations()}), never resolved here.
 *
 * <p>Errors: operand combinations the hardware cannot encode, immediates out of range, or register
 * pairs the Arm ARM calls CONSTRAINED UNPREDICTABLE ({@code ldp x0, x0}, write-back into the transfer
 * register) throw {@link IllegalArgumentException} naming the instruction and the operand; null
 * operands throw {@link NullPointerException}. Not thread-safe: one assembler is used by one thread at
 * a time.
 */
public final class Assembler extends CodeBuffer {

    /** The {@code nop} instruction word (HINT #0). */
    public static final int NOP = 0xD503201F;

    /** The {@code udf #0} instruction word (all zero bits): a permanently undefined instruction, for padding. */
    public static final int UDF0 = 0;

    private static final int FIX_IMM26 = 0;
    private static final int FIX_IMM19 = 1;
    private static final int FIX_IMM14 = 2;
    private static final int FIX_ADR = 3;
    private static final int FIX_ADRP = 4;
    private static final int FIX_LO12 = 5;
    private static final int FIX_DIFF32 = 6;

    private final List<Fixup> fixups = new ArrayList<>();
    private final List<Relocation> relocs = new ArrayList<>();

    /**
     * A pending label reference at {@code offset}: a field of the instruction word there ({@code kind}
     * FIX_IMM26..FIX_LO12) or a 32-bit label difference {@code target - base} (FIX_DIFF32).
     */
    private record Fixup(int offset, Label target, int kind, Label base, String insn) {
    }

    /** Creates an empty assembler with a small initial buffer. */
    public Assembler() {
        this(256);
    }

    /** Creates an empty assembler whose buffer starts with room for {@code capacity} bytes (grows as needed). */
    public Assembler(int capacity) {
        super(capacity);
    }

    // ------------------------------------------------------------------------------------------
    // Buffer, labels, data, finishing

    /**
     * Resolves all label references and returns a copy of the code bytes {@code [0, position())}.
     * May be called more than once (later calls see later instructions). External symbol references
     * are left as zero fields; see {@link #relocations()}.
     *
     * @throws IllegalStateException if an instruction or datum refers to a label that is not bound, or
     *     a label is out of the reach of the instruction referring to it (naming the label, the
     *     instruction, its offset and the distance)
     */
    public byte[] finish() {
        for (Fixup f : fixups) {
            if (f.target.offsetOrUnbound() < 0) {
                throw new IllegalStateException("label " + f.target.name() + " is used by " + f.insn
                        + " at offset " + f.offset + " but never bound");
            }
            if (f.base != null && f.base.offsetOrUnbound() < 0) {
                throw new IllegalStateException("label " + f.base.name() + " is used by " + f.insn
                        + " at offset " + f.offset + " but never bound");
            }
            String error = rangeError(f);
            if (error != null) {
                throw new IllegalStateException(error);
            }
            putInt32(f.offset, patched(f, getInt32(f.offset)));
        }
        return Arrays.copyOf(buf, pos);
    }

    /** The external-symbol relocations recorded so far, in emission order (an unmodifiable view). */
    public List<Relocation> relocations() {
        return Collections.unmodifiableList(relocs);
    }

    /**
     * The little-endian 32-bit word at {@code offset} as emitted so far (label fields not yet
     * resolved read as zero).
     *
     * @throws IllegalArgumentException unless {@code 0 <= offset && offset + 4 <= position()}
     */
    public int wordAt(int offset) {
        checkPatch(offset);
        return getInt32(offset);
    }

    /**
     * Overwrites the 32-bit word at {@code offset} with {@code word} (little-endian), e.g. to patch an
     * instruction emitted as a placeholder once a frame size is known.
     *
     * @throws IllegalArgumentException unless {@code 0 <= offset && offset + 4 <= position()}
     */
    public void patchWord(int offset, int word) {
        checkPatch(offset);
        putInt32(offset, word);
    }

    /** Appends the bytes of {@code bytes} verbatim (constant pools); instructions then need {@link #align(int)}. */
    public void emitBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    /** Appends a little-endian 32-bit datum (a constant-pool word, or an instruction given as a raw word). */
    public void emit32(int value) {
        ensure(4);
        putInt32(pos, value);
        pos += 4;
    }

    /** Appends a little-endian 64-bit datum (two words, low word first). */
    public void emit64(long value) {
        emit32((int) value);
        emit32((int) (value >>> 32));
    }

    /**
     * Appends the 32-bit signed difference {@code target - base} of two label positions in bytes (a
     * relative jump-table entry, as read by {@code ldrsw} and added to the table's address), resolved
     * by {@link #finish()}.
     *
     * @throws IllegalArgumentException if a label belongs to another assembler
     */
    public void emitLabelOffset32(Label target, Label base) {
        checkOwner(target);
        checkOwner(base);
        fixups.add(new Fixup(pos, target, FIX_DIFF32, base, "jump-table entry"));
        emit32(0);
    }

    /**
     * Pads until {@link #position()} is a multiple of {@code alignment}: zero bytes up to the next
     * 4-byte boundary (only after unaligned data), then {@code nop} instructions.
     *
     * @throws IllegalArgumentException unless {@code alignment} is a positive power of two
     */
    public void align(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a positive power of two, got " + alignment);
        }
        while ((pos & 3) != 0 && (pos & (alignment - 1)) != 0) {
            ensure(1);
            buf[pos++] = 0;
        }
        while ((pos & (alignment - 1)) != 0) {
            emit32(NOP);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Add and subtract (C4.1.65 immediate, C4.1.67 shifted register, extended register)

    /**
     * Whether {@code value} is an add/sub immediate: {@code 0..4095}, or a multiple of 4096 up to
     * {@code 0xFFF000} (imm12 with {@code lsl #12}).
     */
    public static boolean isAddSubImmediate(long value) {
        return value >= 0 && (value <= 0xFFF || (value & 0xFFF) == 0 && value <= 0xFFF000);
    }

    /**
     * {@code add rd, rn, #imm} (ADD (immediate), class "Add/subtract (immediate)"); rd and rn: sp allowed.
     *
     * @throws IllegalArgumentException unless {@link #isAddSubImmediate(long)}
     */
    public void add(Size size, XReg rd, XReg rn, long imm) {
        addSubImm(size, 0, 0, spReg(rd, "add", "rd"), spReg(rn, "add", "rn"), imm, "add");
    }

    /** {@code adds rd, rn, #imm} (ADDS (immediate)); rn: sp allowed; rd: xzr allowed. @see #add(Size, XReg, XReg, long) */
    public void adds(Size size, XReg rd, XReg rn, long imm) {
        addSubImm(size, 0, 1, zrReg(rd, "adds", "rd"), spReg(rn, "adds", "rn"), imm, "adds");
    }

    /** {@code sub rd, rn, #imm} (SUB (immediate)); rd and rn: sp allowed. @see #add(Size, XReg, XReg, long) */
    public void sub(Size size, XReg rd, XReg rn, long imm) {
        addSubImm(size, 1, 0, spReg(rd, "sub", "rd"), spReg(rn, "sub", "rn"), imm, "sub");
    }

    /** {@code subs rd, rn, #imm} (SUBS (immediate)); rn: sp allowed; rd: xzr allowed. @see #add(Size, XReg, XReg, long) */
    public void subs(Size size, XReg rd, XReg rn, long imm) {
        addSubImm(size, 1, 1, zrReg(rd, "subs", "rd"), spReg(rn, "subs", "rn"), imm, "subs");
    }

    /** {@code cmp rn, #imm}, alias of {@code subs zr, rn, #imm}; rn: sp allowed. @see #add(Size, XReg, XReg, long) */
    public void cmp(Size size, XReg rn, long imm) {
        addSubImm(size, 1, 1, 31, spReg(rn, "cmp", "rn"), imm, "cmp");
    }

    /** {@code cmn rn, #imm}, alias of {@code adds zr, rn, #imm}; rn: sp allowed. @see #add(Size, XReg, XReg, long) */
    public void cmn(Size size, XReg rn, long imm) {
        addSubImm(size, 0, 1, 31, spReg(rn, "cmn", "rn"), imm, "cmn");
    }

    private void addSubImm(Size size, int op, int s, int rd, int rn, long imm, String name) {
        if (!isAddSubImmediate(imm)) {
            throw new IllegalArgumentException(name + ": immediate " + imm
                    + " is not 0..4095 or a multiple of 4096 up to 0xFFF000");
        }
        int field = imm <= 0xFFF ? (int) imm : (1 << 12) | (int) (imm >>> 12);
        insn(sf(size) | op << 30 | s << 29 | 0x11000000 | field << 10 | rn << 5 | rd);
    }

    /** {@code add rd, rn, rm}: see {@link #add(Size, XReg, XReg, XReg, Shift, int)} with {@code lsl #0}. */
    public void add(Size size, XReg rd, XReg rn, XReg rm) {
        add(size, rd, rn, rm, Shift.LSL, 0);
    }

    /**
     * {@code add rd, rn, rm, shift #amount} (ADD (shifted register)). When rd or rn is {@link XReg#SP}
     * (allowed only with {@code lsl #0..4}) the extended-register form with {@code uxtx}/{@code uxtw} is
     * emitted instead, as GNU as does.
     *
     * @throws IllegalArgumentException for {@link Shift#ROR}, an amount outside {@code 0..size-1}, or sp
     *     with another shift
     */
    public void add(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        addSubReg(size, 0, 0, rd, rn, rm, shift, amount, "add");
    }

    /** {@code adds rd, rn, rm}. @see #adds(Size, XReg, XReg, XReg, Shift, int) */
    public void adds(Size size, XReg rd, XReg rn, XReg rm) {
        adds(size, rd, rn, rm, Shift.LSL, 0);
    }

    /** {@code adds rd, rn, rm, shift #amount} (ADDS (shifted register)); rn: sp allowed as for {@link #add(Size, XReg, XReg, XReg, Shift, int)}. */
    public void adds(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        addSubReg(size, 0, 1, rd, rn, rm, shift, amount, "adds");
    }

    /** {@code sub rd, rn, rm}. @see #sub(Size, XReg, XReg, XReg, Shift, int) */
    public void sub(Size size, XReg rd, XReg rn, XReg rm) {
        sub(size, rd, rn, rm, Shift.LSL, 0);
    }

    /** {@code sub rd, rn, rm, shift #amount} (SUB (shifted register)); sp as for {@link #add(Size, XReg, XReg, XReg, Shift, int)}. */
    public void sub(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        addSubReg(size, 1, 0, rd, rn, rm, shift, amount, "sub");
    }

    /** {@code subs rd, rn, rm}. @see #subs(Size, XReg, XReg, XReg, Shift, int) */
    public void subs(Size size, XReg rd, XReg rn, XReg rm) {
        subs(size, rd, rn, rm, Shift.LSL, 0);
    }

    /** {@code subs rd, rn, rm, shift #amount} (SUBS (shifted register)); rn: sp allowed as for {@link #add(Size, XReg, XReg, XReg, Shift, int)}. */
    public void subs(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        addSubReg(size, 1, 1, rd, rn, rm, shift, amount, "subs");
    }

    /** {@code cmp rn, rm}, alias of {@code subs zr, rn, rm}; rn: sp allowed. */
    public void cmp(Size size, XReg rn, XReg rm) {
        addSubReg(size, 1, 1, XReg.XZR, rn, rm, Shift.LSL, 0, "cmp");
    }

    /** {@code cmp rn, rm, shift #amount}, alias of {@code subs zr, rn, rm, shift #amount}. */
    public void cmp(Size size, XReg rn, XReg rm, Shift shift, int amount) {
        addSubReg(size, 1, 1, XReg.XZR, rn, rm, shift, amount, "cmp");
    }

    /** {@code cmn rn, rm}, alias of {@code adds zr, rn, rm}; rn: sp allowed. */
    public void cmn(Size size, XReg rn, XReg rm) {
        addSubReg(size, 0, 1, XReg.XZR, rn, rm, Shift.LSL, 0, "cmn");
    }

    /** {@code cmn rn, rm, shift #amount}, alias of {@code adds zr, rn, rm, shift #amount}. */
    public void cmn(Size size, XReg rn, XReg rm, Shift shift, int amount) {
        addSubReg(size, 0, 1, XReg.XZR, rn, rm, shift, amount, "cmn");
    }

    /** {@code neg rd, rm}, alias of {@code sub rd, zr, rm}. */
    public void neg(Size size, XReg rd, XReg rm) {
        neg(size, rd, rm, Shift.LSL, 0);
    }

    /** {@code neg rd, rm, shift #amount}, alias of {@code sub rd, zr, rm, shift #amount}. */
    public void neg(Size size, XReg rd, XReg rm, Shift shift, int amount) {
        addSubReg(size, 1, 0, zrRegOnly(rd, "neg"), XReg.XZR, rm, shift, amount, "neg");
    }

    /** {@code negs rd, rm}, alias of {@code subs rd, zr, rm} (sets the flags). */
    public void negs(Size size, XReg rd, XReg rm) {
        addSubReg(size, 1, 1, rd, XReg.XZR, rm, Shift.LSL, 0, "negs");
    }

    private void addSubReg(Size size, int op, int s, XReg rd, XReg rn, XReg rm, Shift shift, int amount, String name) {
        Objects.requireNonNull(rd, "rd");
        Objects.requireNonNull(rn, "rn");
        Objects.requireNonNull(shift, "shift");
        boolean spForm = rn == XReg.SP || (s == 0 && rd == XReg.SP);
        if (spForm) {
            if (shift != Shift.LSL || amount < 0 || amount > 4) {
                throw new IllegalArgumentException(name + ": with sp as an operand the register is shifted by lsl #0..4 only, not "
                        + shift.mnemonic() + " #" + amount);
            }
            addSubExt(size, op, s, rd, rn, rm, size == Size.X ? Extend.UXTX : Extend.UXTW, amount, name);
            return;
        }
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        if (shift == Shift.ROR) {
            throw new IllegalArgumentException(name + ": ror is not a valid shift for add/sub (only lsl, lsr, asr)");
        }
        checkShiftAmount(size, amount, name);
        insn(sf(size) | op << 30 | s << 29 | 0x0B000000 | shift.code() << 22 | m << 16 | amount << 10 | n << 5 | d);
    }

    /**
     * {@code add rd, rn, rm, extend #amount} (ADD (extended register)): {@code rn + (extend(rm) << amount)};
     * rd and rn: sp allowed; rm is read as a W register unless the extend is {@link Extend#UXTX}/{@link Extend#SXTX}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= amount <= 4}
     */
    public void add(Size size, XReg rd, XReg rn, XReg rm, Extend extend, int amount) {
        addSubExt(size, 0, 0, rd, rn, rm, extend, amount, "add");
    }

    /** {@code adds rd, rn, rm, extend #amount} (ADDS (extended register)); rn: sp allowed, rd: xzr. */
    public void adds(Size size, XReg rd, XReg rn, XReg rm, Extend extend, int amount) {
        addSubExt(size, 0, 1, rd, rn, rm, extend, amount, "adds");
    }

    /** {@code sub rd, rn, rm, extend #amount} (SUB (extended register)); rd and rn: sp allowed. */
    public void sub(Size size, XReg rd, XReg rn, XReg rm, Extend extend, int amount) {
        addSubExt(size, 1, 0, rd, rn, rm, extend, amount, "sub");
    }

    /** {@code subs rd, rn, rm, extend #amount} (SUBS (extended register)); rn: sp allowed, rd: xzr. */
    public void subs(Size size, XReg rd, XReg rn, XReg rm, Extend extend, int amount) {
        addSubExt(size, 1, 1, rd, rn, rm, extend, amount, "subs");
    }

    /** {@code cmp rn, rm, extend #amount}, alias of {@code subs zr, rn, rm, extend #amount}; rn: sp allowed. */
    public void cmp(Size size, XReg rn, XReg rm, Extend extend, int amount) {
        addSubExt(size, 1, 1, XReg.XZR, rn, rm, extend, amount, "cmp");
    }

    /** {@code cmn rn, rm, extend #amount}, alias of {@code adds zr, rn, rm, extend #amount}; rn: sp allowed. */
    public void cmn(Size size, XReg rn, XReg rm, Extend extend, int amount) {
        addSubExt(size, 0, 1, XReg.XZR, rn, rm, extend, amount, "cmn");
    }

    private void addSubExt(Size size, int op, int s, XReg rd, XReg rn, XReg rm, Extend extend, int amount, String name) {
        int d = s == 1 ? zrReg(rd, name, "rd") : spReg(rd, name, "rd");
        int n = spReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        Objects.requireNonNull(extend, "extend");
        if (amount < 0 || amount > 4) {
            throw new IllegalArgumentException(name + ": extended-register shift must be 0..4, got " + amount);
        }
        insn(sf(size) | op << 30 | s << 29 | 0x0B200000 | m << 16 | extend.code() << 13 | amount << 10 | n << 5 | d);
    }

    /**
     * {@code mov rd, rn} (register): {@code add rd, rn, #0} (MOV (to/from SP)) when either is
     * {@link XReg#SP}, else {@code orr rd, zr, rn} (MOV (register)).
     */
    public void mov(Size size, XReg rd, XReg rn) {
        Objects.requireNonNull(rd, "rd");
        Objects.requireNonNull(rn, "rn");
        if (rd == XReg.SP || rn == XReg.SP) {
            addSubImm(size, 0, 0, spReg(rd, "mov", "rd"), spReg(rn, "mov", "rn"), 0, "mov");
        } else {
            logicalReg(size, 1, 0, rd, XReg.XZR, rn, Shift.LSL, 0, "mov");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Logical (C4.1.67 shifted register, C4.1.65 immediate)

    /**
     * The {@code N:immr:imms} encoding (13 bits: N at bit 12, immr at 11..6, imms at 5..0) of
     * {@code value} as an A64 logical ("bitmask") immediate, or -1 if it is not one (Arm ARM, C4.1.65
     * and the pseudocode {@code DecodeBitMasks}): a 2, 4, 8, 16, 32 or 64-bit element, replicated to the
     * register width, holding one rotated run of ones. All-zero and all-ones values are never
     * encodable. For {@code is64 == false} only the low 32 bits of {@code value} are considered and N is 0.
     */
    public static int encodeLogicalImmediate(long value, boolean is64) {
        long v = is64 ? value : (value & 0xFFFF_FFFFL) | (value << 32);
        if (v == 0 || v == -1) {
            return -1;
        }
        int e = 64;
        while (e > 2 && Long.rotateRight(v, e / 2) == v) {
            e /= 2;
        }
        long mask = e == 64 ? -1L : (1L << e) - 1;
        long elt = v & mask;
        int ones = Long.bitCount(elt);
        long run = (1L << ones) - 1;
        for (int r = 0; r < e; r++) {
            long rotated = r == 0 ? run : ((run >>> r) | (run << (e - r))) & mask;
            if (rotated == elt) {
                int imms = ((-e << 1) & 0x3F) | (ones - 1);
                int n = e == 64 ? 1 : 0;
                return n << 12 | r << 6 | imms;
            }
        }
        return -1;
    }

    /** Whether {@code value} is a logical immediate at {@code size} (see {@link #encodeLogicalImmediate(long, boolean)}). */
    public static boolean isLogicalImmediate(Size size, long value) {
        return fitsSize(size, value) && encodeLogicalImmediate(value, size == Size.X) >= 0;
    }

    /**
     * {@code and rd, rn, #imm} (AND (immediate)); rd: sp allowed (rn: xzr). For {@link Size#W},
     * {@code imm} is a 32-bit value given zero- or sign-extended.
     *
     * @throws IllegalArgumentException unless {@link #isLogicalImmediate(Size, long)}
     */
    public void and(Size size, XReg rd, XReg rn, long imm) {
        logicalImm(size, 0, spReg(rd, "and", "rd"), rn, imm, "and");
    }

    /** {@code orr rd, rn, #imm} (ORR (immediate)); rd: sp allowed. @see #and(Size, XReg, XReg, long) */
    public void orr(Size size, XReg rd, XReg rn, long imm) {
        logicalImm(size, 1, spReg(rd, "orr", "rd"), rn, imm, "orr");
    }

    /** {@code eor rd, rn, #imm} (EOR (immediate)); rd: sp allowed. @see #and(Size, XReg, XReg, long) */
    public void eor(Size size, XReg rd, XReg rn, long imm) {
        logicalImm(size, 2, spReg(rd, "eor", "rd"), rn, imm, "eor");
    }

    /** {@code ands rd, rn, #imm} (ANDS (immediate), sets N and Z). @see #and(Size, XReg, XReg, long) */
    public void ands(Size size, XReg rd, XReg rn, long imm) {
        logicalImm(size, 3, zrReg(rd, "ands", "rd"), rn, imm, "ands");
    }

    /** {@code tst rn, #imm}, alias of {@code ands zr, rn, #imm}. @see #and(Size, XReg, XReg, long) */
    public void tst(Size size, XReg rn, long imm) {
        logicalImm(size, 3, 31, rn, imm, "tst");
    }

    private void logicalImm(Size size, int opc, int rd, XReg rn, long imm, String name) {
        int n = zrReg(rn, name, "rn");
        if (!fitsSize(size, imm)) {
            throw new IllegalArgumentException(name + ": immediate " + imm + " does not fit in 32 bits");
        }
        int enc = encodeLogicalImmediate(imm, size == Size.X);
        if (enc < 0) {
            throw new IllegalArgumentException(name + ": 0x" + Long.toHexString(size == Size.X ? imm : imm & 0xFFFF_FFFFL)
                    + " is not a logical immediate (a replicated, rotated run of ones)");
        }
        insn(sf(size) | opc << 29 | 0x12000000 | enc << 10 | n << 5 | rd);
    }

    /** {@code and rd, rn, rm} (AND (shifted register)). */
    public void and(Size size, XReg rd, XReg rn, XReg rm) {
        logicalReg(size, 0, 0, rd, rn, rm, Shift.LSL, 0, "and");
    }

    /**
     * {@code and rd, rn, rm, shift #amount} (AND (shifted register)), {@code 0 <= amount < size}; the
     * same for {@link #orr}, {@link #eor}, {@link #ands}, {@link #bic}, {@link #orn}, {@link #eon},
     * {@link #bics} (opc/N of class "Logical (shifted register)"). No operand may be sp.
     */
    public void and(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 0, 0, rd, rn, rm, shift, amount, "and");
    }

    /** {@code orr rd, rn, rm} (ORR (shifted register)). */
    public void orr(Size size, XReg rd, XReg rn, XReg rm) {
        logicalReg(size, 1, 0, rd, rn, rm, Shift.LSL, 0, "orr");
    }

    /** {@code orr rd, rn, rm, shift #amount}. @see #and(Size, XReg, XReg, XReg, Shift, int) */
    public void orr(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 1, 0, rd, rn, rm, shift, amount, "orr");
    }

    /** {@code eor rd, rn, rm} (EOR (shifted register)). */
    public void eor(Size size, XReg rd, XReg rn, XReg rm) {
        logicalReg(size, 2, 0, rd, rn, rm, Shift.LSL, 0, "eor");
    }

    /** {@code eor rd, rn, rm, shift #amount}. @see #and(Size, XReg, XReg, XReg, Shift, int) */
    public void eor(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 2, 0, rd, rn, rm, shift, amount, "eor");
    }

    /** {@code ands rd, rn, rm} (ANDS (shifted register), sets N and Z, clears C and V). */
    public void ands(Size size, XReg rd, XReg rn, XReg rm) {
        logicalReg(size, 3, 0, rd, rn, rm, Shift.LSL, 0, "ands");
    }

    /** {@code ands rd, rn, rm, shift #amount}. @see #and(Size, XReg, XReg, XReg, Shift, int) */
    public void ands(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 3, 0, rd, rn, rm, shift, amount, "ands");
    }

    /** {@code tst rn, rm}, alias of {@code ands zr, rn, rm}. */
    public void tst(Size size, XReg rn, XReg rm) {
        logicalReg(size, 3, 0, XReg.XZR, rn, rm, Shift.LSL, 0, "tst");
    }

    /** {@code tst rn, rm, shift #amount}, alias of {@code ands zr, rn, rm, shift #amount}. */
    public void tst(Size size, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 3, 0, XReg.XZR, rn, rm, shift, amount, "tst");
    }

    /** {@code bic rd, rn, rm} (BIC (shifted register)): {@code rn & ~rm}. */
    public void bic(Size size, XReg rd, XReg rn, XReg rm) {
        logicalReg(size, 0, 1, rd, rn, rm, Shift.LSL, 0, "bic");
    }

    /** {@code bic rd, rn, rm, shift #amount}. @see #and(Size, XReg, XReg, XReg, Shift, int) */
    public void bic(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 0, 1, rd, rn, rm, shift, amount, "bic");
    }

    /** {@code orn rd, rn, rm} (ORN (shifted register)): {@code rn | ~rm}. */
    public void orn(Size size, XReg rd, XReg rn, XReg rm) {
        logicalReg(size, 1, 1, rd, rn, rm, Shift.LSL, 0, "orn");
    }

    /** {@code orn rd, rn, rm, shift #amount}. @see #and(Size, XReg, XReg, XReg, Shift, int) */
    public void orn(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 1, 1, rd, rn, rm, shift, amount, "orn");
    }

    /** {@code eon rd, rn, rm, shift #amount} (EON (shifted register)): {@code rn ^ ~rm}. */
    public void eon(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 2, 1, rd, rn, rm, shift, amount, "eon");
    }

    /** {@code bics rd, rn, rm, shift #amount} (BICS (shifted register)): {@code rn & ~rm}, setting N and Z. */
    public void bics(Size size, XReg rd, XReg rn, XReg rm, Shift shift, int amount) {
        logicalReg(size, 3, 1, rd, rn, rm, shift, amount, "bics");
    }

    /** {@code mvn rd, rm}, alias of {@code orn rd, zr, rm}. */
    public void mvn(Size size, XReg rd, XReg rm) {
        logicalReg(size, 1, 1, rd, XReg.XZR, rm, Shift.LSL, 0, "mvn");
    }

    /** {@code mvn rd, rm, shift #amount}, alias of {@code orn rd, zr, rm, shift #amount}. */
    public void mvn(Size size, XReg rd, XReg rm, Shift shift, int amount) {
        logicalReg(size, 1, 1, rd, XReg.XZR, rm, shift, amount, "mvn");
    }

    private void logicalReg(Size size, int opc, int n, XReg rd, XReg rn, XReg rm, Shift shift, int amount, String name) {
        int d = zrReg(rd, name, "rd");
        int r = zrReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        Objects.requireNonNull(shift, "shift");
        checkShiftAmount(size, amount, name);
        insn(sf(size) | opc << 29 | 0x0A000000 | shift.code() << 22 | n << 21 | m << 16 | amount << 10 | r << 5 | d);
    }

    // ------------------------------------------------------------------------------------------
    // Move wide (C4.1.65 "Move wide (immediate)") and constants

    /**
     * {@code movz rd, #imm16, lsl #shift} (MOVZ): {@code rd = imm16 << shift}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= imm16 <= 0xFFFF} and {@code shift} is 0 or 16
     *     ({@link Size#W}) or 0, 16, 32 or 48 ({@link Size#X})
     */
    public void movz(Size size, XReg rd, int imm16, int shift) {
        moveWide(size, 2, rd, imm16, shift, "movz");
    }

    /** {@code movn rd, #imm16, lsl #shift} (MOVN): {@code rd = ~(imm16 << shift)}. @see #movz */
    public void movn(Size size, XReg rd, int imm16, int shift) {
        moveWide(size, 0, rd, imm16, shift, "movn");
    }

    /** {@code movk rd, #imm16, lsl #shift} (MOVK): replaces bits {@code shift+15..shift} of rd. @see #movz */
    public void movk(Size size, XReg rd, int imm16, int shift) {
        moveWide(size, 3, rd, imm16, shift, "movk");
    }

    private void moveWide(Size size, int opc, XReg rd, int imm16, int shift, String name) {
        int d = zrReg(rd, name, "rd");
        if (imm16 < 0 || imm16 > 0xFFFF) {
            throw new IllegalArgumentException(name + ": immediate must be 0..0xFFFF, got " + imm16);
        }
        if (shift < 0 || shift >= size.bits() || shift % 16 != 0) {
            throw new IllegalArgumentException(name + ": shift must be " + (size == Size.W ? "0 or 16" : "0, 16, 32 or 48")
                    + ", got " + shift);
        }
        insn(sf(size) | opc << 29 | 0x12800000 | (shift / 16) << 21 | imm16 << 5 | d);
    }

    /**
     * Loads the constant {@code value} into {@code rd} with the shortest sequence: one {@code movz}, one
     * {@code movn}, one {@code orr rd, zr, #bitmask} (in that order of preference), else {@code movz}
     * or {@code movn} (whichever leaves fewer halfwords to fix) followed by one {@code movk} per
     * remaining halfword: 1 to 4 instructions ({@link Size#W}: 1 or 2). For {@link Size#W}, {@code value}
     * is a 32-bit value given zero- or sign-extended.
     *
     * @throws IllegalArgumentException if rd is sp or xzr, or for {@link Size#W} a value outside
     *     {@code [-2^31, 2^32)}
     */
    public void movImm(Size size, XReg rd, long value) {
        if (zrReg(rd, "mov", "rd") == 31) {
            throw new IllegalArgumentException("mov: a constant cannot be moved to xzr");
        }
        if (!fitsSize(size, value)) {
            throw new IllegalArgumentException("mov: immediate " + value + " does not fit in 32 bits");
        }
        long v = size == Size.X ? value : value & 0xFFFF_FFFFL;
        int halves = size.bits() / 16;
        int zeros = 0;
        int ones = 0;
        for (int i = 0; i < halves; i++) {
            int h = (int) (v >>> (16 * i)) & 0xFFFF;
            if (h == 0) {
                zeros++;
            } else if (h == 0xFFFF) {
                ones++;
            }
        }
        boolean useOrr = zeros < halves - 1 && ones < halves - 1 && encodeLogicalImmediate(v, size == Size.X) >= 0;
        if (useOrr) {
            orr(size, rd, XReg.XZR, v);
            return;
        }
        if (halves - Math.max(zeros, ones) >= 3 && orrMovk(rd, v)) {
            return;
        }
        boolean inverted = ones > zeros;
        int skip = inverted ? 0xFFFF : 0;
        boolean first = true;
        for (int i = 0; i < halves; i++) {
            int h = (int) (v >>> (16 * i)) & 0xFFFF;
            if (h == skip) {
                continue;
            }
            if (first) {
                if (inverted) {
                    movn(size, rd, ~h & 0xFFFF, 16 * i);
                } else {
                    movz(size, rd, h, 16 * i);
                }
                first = false;
            } else {
                movk(size, rd, h, 16 * i);
            }
        }
        if (first) {
            // v is 0 or all ones
            if (inverted) {
                movn(size, rd, 0, 0);
            } else {
                movz(size, rd, 0, 0);
            }
        }
    }

    /**
     * Emits {@code orr rd, xzr, #c; movk rd, #h, lsl #16*i} when replacing one halfword {@code i} of
     * the 64-bit {@code v} by another of its halfwords gives a logical immediate {@code c}; else emits
     * nothing and returns false.
     */
    private boolean orrMovk(XReg rd, long v) {
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                if (i == j) {
                    continue;
                }
                long hj = (v >>> (16 * j)) & 0xFFFF;
                long c = (v & ~(0xFFFFL << (16 * i))) | hj << (16 * i);
                if (encodeLogicalImmediate(c, true) >= 0) {
                    orr(Size.X, rd, XReg.XZR, c);
                    movk(Size.X, rd, (int) (v >>> (16 * i)) & 0xFFFF, 16 * i);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * {@code rd = rn + value} for any constant: for 0 nothing or a {@code mov}, else one
     * {@code add}/{@code sub} (immediate) when {@code |value|} is an add/sub immediate, two (the high
     * and low 12 bits) when {@code |value| < 2^24}, else {@link #movImm} into {@code scratch} and an
     * {@code add}/{@code sub} (register). rd and rn: sp allowed (frame set-up: {@code addImm(X, SP, SP,
     * -frameBytes, X16)}). For {@link Size#W} the value is a 32-bit value given sign- or zero-extended.
     *
     * @throws IllegalArgumentException if a scratch register is needed and {@code scratch} is null, sp,
     *     xzr or rn
     */
    public void addImm(Size size, XReg rd, XReg rn, long value, XReg scratch) {
        spReg(rd, "add", "rd");
        spReg(rn, "add", "rn");
        if (!fitsSize(size, value)) {
            throw new IllegalArgumentException("add: immediate " + value + " does not fit in 32 bits");
        }
        long v = size == Size.X ? value : (int) value;
        boolean negative = v < 0;
        long mag = negative ? -v : v;
        int op = negative ? 1 : 0;
        if (v == 0) {
            if (rd != rn) {
                mov(size, rd, rn);
            }
            return;
        }
        if (mag >= 0 && isAddSubImmediate(mag)) {
            addSubImm(size, op, 0, rd.encoding(), rn.encoding(), mag, negative ? "sub" : "add");
        } else if (mag > 0 && mag < 1L << 24) {
            addSubImm(size, op, 0, rd.encoding(), rn.encoding(), mag & 0xFFF000, negative ? "sub" : "add");
            addSubImm(size, op, 0, rd.encoding(), rd.encoding(), mag & 0xFFF, negative ? "sub" : "add");
        } else {
            if (scratch == null || scratch == XReg.SP || scratch == XReg.XZR || scratch == rn) {
                throw new IllegalArgumentException("add: " + value + " needs a scratch register other than " + rn
                        + ", got " + scratch);
            }
            movImm(size, scratch, v);
            add(size, rd, rn, scratch);
        }
    }

    /**
     * An address of {@code [base, #offset]} for an access of {@code accessBytes} bytes: the offset form
     * when {@link Address#offsetForm(long, int)} allows it (nothing emitted), else {@link #movImm} of the
     * offset into {@code scratch} and {@code [base, scratch]}.
     *
     * @throws IllegalArgumentException if a scratch register is needed and {@code scratch} is null, sp,
     *     xzr or the base
     */
    public Address address(XReg base, long offset, int accessBytes, XReg scratch) {
        if (Address.offsetForm(offset, accessBytes) != OffsetForm.NEEDS_REGISTER) {
            return Address.offset(base, offset);
        }
        if (scratch == null || scratch == XReg.SP || scratch == XReg.XZR || scratch == base) {
            throw new IllegalArgumentException("offset " + offset + " needs a scratch register other than " + base
                    + ", got " + scratch);
        }
        movImm(Size.X, scratch, offset);
        return Address.index(base, scratch);
    }

    // ------------------------------------------------------------------------------------------
    // Bitfield and extract (C4.1.65 "Bitfield", "Extract")

    /**
     * {@code sbfm rd, rn, #immr, #imms} (SBFM), {@code 0 <= immr, imms < size}: signed bitfield move.
     * Prefer the aliases ({@link #asr(Size, XReg, XReg, int)}, {@link #sbfx}, {@link #sbfiz}, {@link #sxtb}).
     */
    public void sbfm(Size size, XReg rd, XReg rn, int immr, int imms) {
        bitfield(size, 0, rd, rn, immr, imms, "sbfm");
    }

    /** {@code bfm rd, rn, #immr, #imms} (BFM): bitfield move keeping the other bits of rd. */
    public void bfm(Size size, XReg rd, XReg rn, int immr, int imms) {
        bitfield(size, 1, rd, rn, immr, imms, "bfm");
    }

    /** {@code ubfm rd, rn, #immr, #imms} (UBFM): unsigned bitfield move. */
    public void ubfm(Size size, XReg rd, XReg rn, int immr, int imms) {
        bitfield(size, 2, rd, rn, immr, imms, "ubfm");
    }

    private void bitfield(Size size, int opc, XReg rd, XReg rn, int immr, int imms, String name) {
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        int bits = size.bits();
        if (immr < 0 || immr >= bits || imms < 0 || imms >= bits) {
            throw new IllegalArgumentException(name + ": immr and imms must be 0.." + (bits - 1) + ", got " + immr + ", " + imms);
        }
        insn(sf(size) | opc << 29 | 0x13000000 | size.sf() << 22 | immr << 16 | imms << 10 | n << 5 | d);
    }

    /** {@code lsl rd, rn, #shift} (LSL (immediate), alias of UBFM), {@code 0 <= shift < size}. */
    public void lsl(Size size, XReg rd, XReg rn, int shift) {
        checkShiftAmount(size, shift, "lsl");
        int bits = size.bits();
        bitfield(size, 2, rd, rn, (bits - shift) % bits, bits - 1 - shift, "lsl");
    }

    /** {@code lsr rd, rn, #shift} (LSR (immediate), alias of UBFM), {@code 0 <= shift < size}. */
    public void lsr(Size size, XReg rd, XReg rn, int shift) {
        checkShiftAmount(size, shift, "lsr");
        bitfield(size, 2, rd, rn, shift, size.bits() - 1, "lsr");
    }

    /** {@code asr rd, rn, #shift} (ASR (immediate), alias of SBFM), {@code 0 <= shift < size}. */
    public void asr(Size size, XReg rd, XReg rn, int shift) {
        checkShiftAmount(size, shift, "asr");
        bitfield(size, 0, rd, rn, shift, size.bits() - 1, "asr");
    }

    /** {@code ror rd, rn, #shift} (ROR (immediate), alias of {@code extr rd, rn, rn, #shift}), {@code 0 <= shift < size}. */
    public void ror(Size size, XReg rd, XReg rn, int shift) {
        extract(size, rd, rn, rn, shift, "ror");
    }

    /**
     * {@code ubfx rd, rn, #lsb, #width} (UBFX, alias of UBFM): extracts {@code width} bits from bit
     * {@code lsb} of rn, zero-extended. {@code 0 <= lsb < size}, {@code 1 <= width <= size - lsb}.
     */
    public void ubfx(Size size, XReg rd, XReg rn, int lsb, int width) {
        checkField(size, lsb, width, "ubfx");
        bitfield(size, 2, rd, rn, lsb, lsb + width - 1, "ubfx");
    }

    /** {@code sbfx rd, rn, #lsb, #width} (SBFX, alias of SBFM): like {@link #ubfx} but sign-extended. */
    public void sbfx(Size size, XReg rd, XReg rn, int lsb, int width) {
        checkField(size, lsb, width, "sbfx");
        bitfield(size, 0, rd, rn, lsb, lsb + width - 1, "sbfx");
    }

    /** {@code ubfiz rd, rn, #lsb, #width} (UBFIZ, alias of UBFM): the low {@code width} bits of rn, zero-extended, shifted left by {@code lsb}. */
    public void ubfiz(Size size, XReg rd, XReg rn, int lsb, int width) {
        checkField(size, lsb, width, "ubfiz");
        bitfield(size, 2, rd, rn, (size.bits() - lsb) % size.bits(), width - 1, "ubfiz");
    }

    /** {@code sbfiz rd, rn, #lsb, #width} (SBFIZ, alias of SBFM): like {@link #ubfiz} but sign-extended. */
    public void sbfiz(Size size, XReg rd, XReg rn, int lsb, int width) {
        checkField(size, lsb, width, "sbfiz");
        bitfield(size, 0, rd, rn, (size.bits() - lsb) % size.bits(), width - 1, "sbfiz");
    }

    /** {@code bfi rd, rn, #lsb, #width} (BFI, alias of BFM): inserts the low {@code width} bits of rn at bit {@code lsb} of rd. */
    public void bfi(Size size, XReg rd, XReg rn, int lsb, int width) {
        checkField(size, lsb, width, "bfi");
        bitfield(size, 1, rd, rn, (size.bits() - lsb) % size.bits(), width - 1, "bfi");
    }

    /** {@code bfxil rd, rn, #lsb, #width} (BFXIL, alias of BFM): copies {@code width} bits from bit {@code lsb} of rn to the low bits of rd. */
    public void bfxil(Size size, XReg rd, XReg rn, int lsb, int width) {
        checkField(size, lsb, width, "bfxil");
        bitfield(size, 1, rd, rn, lsb, lsb + width - 1, "bfxil");
    }

    /** {@code sxtb rd, wn} (SXTB, alias of {@code sbfm rd, rn, #0, #7}): sign-extends the low byte of rn to {@code size}. */
    public void sxtb(Size size, XReg rd, XReg rn) {
        bitfield(size, 0, rd, rn, 0, 7, "sxtb");
    }

    /** {@code sxth rd, wn} (SXTH, alias of {@code sbfm rd, rn, #0, #15}): sign-extends the low halfword. */
    public void sxth(Size size, XReg rd, XReg rn) {
        bitfield(size, 0, rd, rn, 0, 15, "sxth");
    }

    /** {@code sxtw xd, wn} (SXTW, alias of {@code sbfm xd, xn, #0, #31}): sign-extends the low word to 64 bits. */
    public void sxtw(XReg rd, XReg rn) {
        bitfield(Size.X, 0, rd, rn, 0, 31, "sxtw");
    }

    /** {@code uxtb wd, wn} (UXTB, alias of {@code ubfm wd, wn, #0, #7}): zero-extends the low byte (to 64 bits, as every W write). */
    public void uxtb(XReg rd, XReg rn) {
        bitfield(Size.W, 2, rd, rn, 0, 7, "uxtb");
    }

    /** {@code uxth wd, wn} (UXTH, alias of {@code ubfm wd, wn, #0, #15}): zero-extends the low halfword. */
    public void uxth(XReg rd, XReg rn) {
        bitfield(Size.W, 2, rd, rn, 0, 15, "uxth");
    }

    /**
     * {@code extr rd, rn, rm, #lsb} (EXTR): bits {@code lsb+size-1..lsb} of the concatenation {@code rn:rm}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= lsb < size}
     */
    public void extr(Size size, XReg rd, XReg rn, XReg rm, int lsb) {
        extract(size, rd, rn, rm, lsb, "extr");
    }

    private void extract(Size size, XReg rd, XReg rn, XReg rm, int lsb, String name) {
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        checkShiftAmount(size, lsb, name);
        insn(sf(size) | 0x13800000 | size.sf() << 22 | m << 16 | lsb << 10 | n << 5 | d);
    }

    // ------------------------------------------------------------------------------------------
    // Data processing, 1 and 2 sources; multiply (C4.1.67)

    /** {@code lslv rd, rn, rm} (LSLV, "Data-processing (2 source)"): shift left by {@code rm mod size}. */
    public void lslv(Size size, XReg rd, XReg rn, XReg rm) {
        dp2(size, 0b001000, rd, rn, rm, "lslv");
    }

    /** {@code lsrv rd, rn, rm} (LSRV): logical shift right by {@code rm mod size}. */
    public void lsrv(Size size, XReg rd, XReg rn, XReg rm) {
        dp2(size, 0b001001, rd, rn, rm, "lsrv");
    }

    /** {@code asrv rd, rn, rm} (ASRV): arithmetic shift right by {@code rm mod size}. */
    public void asrv(Size size, XReg rd, XReg rn, XReg rm) {
        dp2(size, 0b001010, rd, rn, rm, "asrv");
    }

    /** {@code rorv rd, rn, rm} (RORV): rotate right by {@code rm mod size}. */
    public void rorv(Size size, XReg rd, XReg rn, XReg rm) {
        dp2(size, 0b001011, rd, rn, rm, "rorv");
    }

    /** {@code udiv rd, rn, rm} (UDIV): unsigned quotient rounded toward zero; division by zero gives 0 (no trap). */
    public void udiv(Size size, XReg rd, XReg rn, XReg rm) {
        dp2(size, 0b000010, rd, rn, rm, "udiv");
    }

    /** {@code sdiv rd, rn, rm} (SDIV): signed quotient rounded toward zero; {@code x/0 = 0}, {@code MIN/-1 = MIN} (no trap). */
    public void sdiv(Size size, XReg rd, XReg rn, XReg rm) {
        dp2(size, 0b000011, rd, rn, rm, "sdiv");
    }

    private void dp2(Size size, int opcode, XReg rd, XReg rn, XReg rm, String name) {
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        insn(sf(size) | 0x1AC00000 | m << 16 | opcode << 10 | n << 5 | d);
    }

    /** {@code rbit rd, rn} (RBIT, "Data-processing (1 source)"): reverses the bit order. */
    public void rbit(Size size, XReg rd, XReg rn) {
        dp1(size, 0b000000, rd, rn, "rbit");
    }

    /** {@code rev rd, rn} (REV): reverses the byte order of the whole register. */
    public void rev(Size size, XReg rd, XReg rn) {
        dp1(size, size == Size.X ? 0b000011 : 0b000010, rd, rn, "rev");
    }

    /** {@code rev16 rd, rn} (REV16): reverses the bytes in each halfword. */
    public void rev16(Size size, XReg rd, XReg rn) {
        dp1(size, 0b000001, rd, rn, "rev16");
    }

    /** {@code clz rd, rn} (CLZ): number of leading zero bits (size when rn is 0). */
    public void clz(Size size, XReg rd, XReg rn) {
        dp1(size, 0b000100, rd, rn, "clz");
    }

    /** {@code cls rd, rn} (CLS): number of leading bits equal to the sign bit, not counting it. */
    public void cls(Size size, XReg rd, XReg rn) {
        dp1(size, 0b000101, rd, rn, "cls");
    }

    private void dp1(Size size, int opcode, XReg rd, XReg rn, String name) {
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        insn(sf(size) | 0x5AC00000 | opcode << 10 | n << 5 | d);
    }

    /** {@code madd rd, rn, rm, ra} (MADD, "Data-processing (3 source)"): {@code ra + rn * rm}. */
    public void madd(Size size, XReg rd, XReg rn, XReg rm, XReg ra) {
        dp3(size, 0b000, 0, rd, rn, rm, ra, "madd");
    }

    /** {@code msub rd, rn, rm, ra} (MSUB): {@code ra - rn * rm}. */
    public void msub(Size size, XReg rd, XReg rn, XReg rm, XReg ra) {
        dp3(size, 0b000, 1, rd, rn, rm, ra, "msub");
    }

    /** {@code mul rd, rn, rm}, alias of {@code madd rd, rn, rm, zr}: the low {@code size} bits of the product. */
    public void mul(Size size, XReg rd, XReg rn, XReg rm) {
        dp3(size, 0b000, 0, rd, rn, rm, XReg.XZR, "mul");
    }

    /** {@code mneg rd, rn, rm}, alias of {@code msub rd, rn, rm, zr}: {@code -(rn * rm)}. */
    public void mneg(Size size, XReg rd, XReg rn, XReg rm) {
        dp3(size, 0b000, 1, rd, rn, rm, XReg.XZR, "mneg");
    }

    /** {@code smulh xd, xn, xm} (SMULH): bits 127..64 of the signed 128-bit product. */
    public void smulh(XReg rd, XReg rn, XReg rm) {
        dp3(Size.X, 0b010, 0, rd, rn, rm, XReg.XZR, "smulh");
    }

    /** {@code umulh xd, xn, xm} (UMULH): bits 127..64 of the unsigned 128-bit product. */
    public void umulh(XReg rd, XReg rn, XReg rm) {
        dp3(Size.X, 0b110, 0, rd, rn, rm, XReg.XZR, "umulh");
    }

    /** {@code smull xd, wn, wm} (SMULL, alias of SMADDL with xzr): the signed 64-bit product of two i32. */
    public void smull(XReg rd, XReg rn, XReg rm) {
        dp3(Size.X, 0b001, 0, rd, rn, rm, XReg.XZR, "smull");
    }

    /** {@code umull xd, wn, wm} (UMULL, alias of UMADDL with xzr): the unsigned 64-bit product of two u32. */
    public void umull(XReg rd, XReg rn, XReg rm) {
        dp3(Size.X, 0b101, 0, rd, rn, rm, XReg.XZR, "umull");
    }

    private void dp3(Size size, int op31, int o0, XReg rd, XReg rn, XReg rm, XReg ra, String name) {
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        int a = zrReg(ra, name, "ra");
        insn(sf(size) | 0x1B000000 | op31 << 21 | m << 16 | o0 << 15 | a << 10 | n << 5 | d);
    }

    // ------------------------------------------------------------------------------------------
    // Conditional select and compare (C4.1.67)

    /** {@code csel rd, rn, rm, cond} (CSEL): {@code cond ? rn : rm}. */
    public void csel(Size size, XReg rd, XReg rn, XReg rm, Cond cond) {
        condSelect(size, 0, 0, rd, rn, rm, cond, "csel");
    }

    /** {@code csinc rd, rn, rm, cond} (CSINC): {@code cond ? rn : rm + 1}. */
    public void csinc(Size size, XReg rd, XReg rn, XReg rm, Cond cond) {
        condSelect(size, 0, 1, rd, rn, rm, cond, "csinc");
    }

    /** {@code csinv rd, rn, rm, cond} (CSINV): {@code cond ? rn : ~rm}. */
    public void csinv(Size size, XReg rd, XReg rn, XReg rm, Cond cond) {
        condSelect(size, 1, 0, rd, rn, rm, cond, "csinv");
    }

    /** {@code csneg rd, rn, rm, cond} (CSNEG): {@code cond ? rn : -rm}. */
    public void csneg(Size size, XReg rd, XReg rn, XReg rm, Cond cond) {
        condSelect(size, 1, 1, rd, rn, rm, cond, "csneg");
    }

    /**
     * {@code cset rd, cond} (alias of {@code csinc rd, zr, zr, invert(cond)}): 1 if {@code cond} holds, else 0.
     *
     * @throws IllegalArgumentException for {@link Cond#AL}
     */
    public void cset(Size size, XReg rd, Cond cond) {
        condSelect(size, 0, 1, rd, XReg.XZR, XReg.XZR, inverted(cond, "cset"), "cset");
    }

    /** {@code csetm rd, cond} (alias of {@code csinv rd, zr, zr, invert(cond)}): all ones if {@code cond} holds, else 0. */
    public void csetm(Size size, XReg rd, Cond cond) {
        condSelect(size, 1, 0, rd, XReg.XZR, XReg.XZR, inverted(cond, "csetm"), "csetm");
    }

    /** {@code cinc rd, rn, cond} (alias of {@code csinc rd, rn, rn, invert(cond)}): {@code cond ? rn + 1 : rn}. */
    public void cinc(Size size, XReg rd, XReg rn, Cond cond) {
        condSelect(size, 0, 1, rd, rn, rn, inverted(cond, "cinc"), "cinc");
    }

    /** {@code cinv rd, rn, cond} (alias of {@code csinv rd, rn, rn, invert(cond)}): {@code cond ? ~rn : rn}. */
    public void cinv(Size size, XReg rd, XReg rn, Cond cond) {
        condSelect(size, 1, 0, rd, rn, rn, inverted(cond, "cinv"), "cinv");
    }

    /** {@code cneg rd, rn, cond} (alias of {@code csneg rd, rn, rn, invert(cond)}): {@code cond ? -rn : rn}. */
    public void cneg(Size size, XReg rd, XReg rn, Cond cond) {
        condSelect(size, 1, 1, rd, rn, rn, inverted(cond, "cneg"), "cneg");
    }

    private static Cond inverted(Cond cond, String name) {
        Objects.requireNonNull(cond, "cond");
        if (cond == Cond.AL) {
            throw new IllegalArgumentException(name + ": the condition cannot be al");
        }
        return cond.invert();
    }

    private void condSelect(Size size, int op, int op2, XReg rd, XReg rn, XReg rm, Cond cond, String name) {
        int d = zrReg(rd, name, "rd");
        int n = zrReg(rn, name, "rn");
        int m = zrReg(rm, name, "rm");
        Objects.requireNonNull(cond, "cond");
        insn(sf(size) | op << 30 | 0x1A800000 | m << 16 | cond.code() << 12 | op2 << 10 | n << 5 | d);
    }

    /**
     * {@code ccmp rn, rm, #nzcv, cond} (CCMP (register)): if {@code cond} holds, the flags of
     * {@code cmp rn, rm}, else the flags {@code nzcv} (a 4-bit value, N at bit 3).
     *
     * @throws IllegalArgumentException unless {@code 0 <= nzcv <= 15}
     */
    public void ccmp(Size size, XReg rn, XReg rm, int nzcv, Cond cond) {
        condCompare(size, 1, rn, zrReg(rm, "ccmp", "rm"), 0, nzcv, cond, "ccmp");
    }

    /**
     * {@code ccmp rn, #imm5, #nzcv, cond} (CCMP (immediate)), {@code 0 <= imm5 <= 31}.
     *
     * @throws IllegalArgumentException for an immediate or nzcv out of range
     */
    public void ccmp(Size size, XReg rn, int imm5, int nzcv, Cond cond) {
        condCompare(size, 1, rn, checkImm5(imm5, "ccmp"), 1, nzcv, cond, "ccmp");
    }

    /** {@code ccmn rn, rm, #nzcv, cond} (CCMN (register)): as {@link #ccmp(Size, XReg, XReg, int, Cond)} with {@code cmn}. */
    public void ccmn(Size size, XReg rn, XReg rm, int nzcv, Cond cond) {
        condCompare(size, 0, rn, zrReg(rm, "ccmn", "rm"), 0, nzcv, cond, "ccmn");
    }

    /** {@code ccmn rn, #imm5, #nzcv, cond} (CCMN (immediate)). */
    public void ccmn(Size size, XReg rn, int imm5, int nzcv, Cond cond) {
        condCompare(size, 0, rn, checkImm5(imm5, "ccmn"), 1, nzcv, cond, "ccmn");
    }

    private static int checkImm5(int imm5, String name) {
        if (imm5 < 0 || imm5 > 31) {
            throw new IllegalArgumentException(name + ": immediate must be 0..31, got " + imm5);
        }
        return imm5;
    }

    private void condCompare(Size size, int op, XReg rn, int rmOrImm, int imm, int nzcv, Cond cond, String name) {
        int n = zrReg(rn, name, "rn");
        Objects.requireNonNull(cond, "cond");
        if (nzcv < 0 || nzcv > 15) {
            throw new IllegalArgumentException(name + ": nzcv must be 0..15, got " + nzcv);
        }
        insn(sf(size) | op << 30 | 0x3A400000 | rmOrImm << 16 | cond.code() << 12 | imm << 11 | n << 5 | nzcv);
    }

    // ------------------------------------------------------------------------------------------
    // Loads and stores (C4.1.66 "Loads and Stores")

    /**
     * {@code ldr rt, address} (LDR (immediate / register)), loading 4 ({@link Size#W}, zero-extended)
     * or 8 bytes. An {@link Address.Mode#OFFSET} address uses the scaled unsigned-offset form when
     * it can, else {@code ldur} (see {@link Address#offsetForm(long, int)}); pre- and post-index take a
     * signed 9-bit offset. rt: xzr allowed.
     *
     * @throws IllegalArgumentException if the offset is not encodable in the address's mode, or for a
     *     write-back address whose base is rt
     */
    public void ldr(Size size, XReg rt, Address address) {
        loadStore(size == Size.X ? 3 : 2, 0, 1, gpr(rt, "ldr"), address, "ldr", rt);
    }

    /** {@code str rt, address} (STR), storing 4 or 8 bytes; forms as {@link #ldr(Size, XReg, Address)}. */
    public void str(Size size, XReg rt, Address address) {
        loadStore(size == Size.X ? 3 : 2, 0, 0, gpr(rt, "str"), address, "str", rt);
    }

    /** {@code ldrb wt, address} (LDRB): one byte, zero-extended; forms as {@link #ldr(Size, XReg, Address)}. */
    public void ldrb(XReg rt, Address address) {
        loadStore(0, 0, 1, gpr(rt, "ldrb"), address, "ldrb", rt);
    }

    /** {@code ldrh wt, address} (LDRH): two bytes, zero-extended. */
    public void ldrh(XReg rt, Address address) {
        loadStore(1, 0, 1, gpr(rt, "ldrh"), address, "ldrh", rt);
    }

    /** {@code ldrsb rt, address} (LDRSB): one byte, sign-extended to {@code size}. */
    public void ldrsb(Size size, XReg rt, Address address) {
        loadStore(0, 0, size == Size.X ? 2 : 3, gpr(rt, "ldrsb"), address, "ldrsb", rt);
    }

    /** {@code ldrsh rt, address} (LDRSH): two bytes, sign-extended to {@code size}. */
    public void ldrsh(Size size, XReg rt, Address address) {
        loadStore(1, 0, size == Size.X ? 2 : 3, gpr(rt, "ldrsh"), address, "ldrsh", rt);
    }

    /** {@code ldrsw xt, address} (LDRSW): four bytes, sign-extended to 64 bits. */
    public void ldrsw(XReg rt, Address address) {
        loadStore(2, 0, 2, gpr(rt, "ldrsw"), address, "ldrsw", rt);
    }

    /** {@code strb wt, address} (STRB): stores the low byte. */
    public void strb(XReg rt, Address address) {
        loadStore(0, 0, 0, gpr(rt, "strb"), address, "strb", rt);
    }

    /** {@code strh wt, address} (STRH): stores the low halfword. */
    public void strh(XReg rt, Address address) {
        loadStore(1, 0, 0, gpr(rt, "strh"), address, "strh", rt);
    }

    /** {@code ldr st/dt, address} (LDR (immediate / register, SIMD&amp;FP)); forms as {@link #ldr(Size, XReg, Address)}. */
    public void ldr(FpSize size, VReg rt, Address address) {
        loadStore(size == FpSize.D ? 3 : 2, 1, 1, Objects.requireNonNull(rt, "rt").encoding(), address, "ldr", null);
    }

    /** {@code str st/dt, address} (STR (SIMD&amp;FP)); forms as {@link #ldr(Size, XReg, Address)}. */
    public void str(FpSize size, VReg rt, Address address) {
        loadStore(size == FpSize.D ? 3 : 2, 1, 0, Objects.requireNonNull(rt, "rt").encoding(), address, "str", null);
    }

    private static int gpr(XReg rt, String name) {
        return zrReg(rt, name, "rt");
    }

    private void loadStore(int size, int v, int opc, int rt, Address a, String name, XReg rtReg) {
        loadStore(size, v, opc, rt, a, name, rtReg, 1 << size);
    }

    private void loadStore(int size, int v, int opc, int rt, Address a, String name, XReg rtReg, int bytes) {
        Objects.requireNonNull(a, "address");
        int rn = a.base().encoding();
        int common = size << 30 | v << 26 | opc << 22 | rn << 5 | rt;
        long off = a.offset();
        switch (a.mode()) {
            case OFFSET -> {
                switch (Address.offsetForm(off, bytes)) {
                    case SCALED_IMM12 -> insn(common | 0x39000000 | (int) (off / bytes) << 10);
                    case UNSCALED_IMM9 -> insn(common | 0x38000000 | ((int) off & 0x1FF) << 12);
                    default -> throw new IllegalArgumentException(name + ": offset " + off + " of a " + bytes
                            + "-byte access is neither a scaled 12-bit offset (0.." + 4095L * bytes + ", multiple of " + bytes
                            + ") nor an unscaled 9-bit one (-256..255): put it in a register");
                }
            }
            case PRE_INDEX, POST_INDEX -> {
                if (off < -256 || off > 255) {
                    throw new IllegalArgumentException(name + ": pre/post-index offset must be -256..255, got " + off);
                }
                if (rtReg != null && rtReg == a.base()) {
                    throw new IllegalArgumentException(name + ": write-back to the base register " + a.base()
                            + " that is also the transfer register is unpredictable");
                }
                int mode = a.mode() == Address.Mode.PRE_INDEX ? 0xC00 : 0x400;
                insn(common | 0x38000000 | ((int) off & 0x1FF) << 12 | mode);
            }
            case REGISTER -> {
                int s = a.scaled() ? 1 : 0;
                insn(common | 0x38200800 | a.index().encoding() << 16 | a.extend().code() << 13 | s << 12);
            }
        }
    }

    /**
     * {@code ldr rt, label} (LDR (literal)): loads 4 or 8 bytes at a label within +-1 MiB (a constant
     * pool entry; the label should be 4- or 8-byte aligned for an atomic load). rt: xzr allowed.
     */
    public void ldr(Size size, XReg rt, Label label) {
        literal(size == Size.X ? 1 : 0, 0, gpr(rt, "ldr"), label, "ldr (literal)");
    }

    /** {@code ldrsw xt, label} (LDRSW (literal)): four bytes at a label, sign-extended. */
    public void ldrsw(XReg rt, Label label) {
        literal(2, 0, gpr(rt, "ldrsw"), label, "ldrsw (literal)");
    }

    /** {@code ldr st/dt, label} (LDR (literal, SIMD&amp;FP)): a 4- or 8-byte float constant at a label within +-1 MiB. */
    public void ldr(FpSize size, VReg rt, Label label) {
        literal(size == FpSize.D ? 1 : 0, 1, Objects.requireNonNull(rt, "rt").encoding(), label, "ldr (literal)");
    }

    private void literal(int opc, int v, int rt, Label label, String name) {
        insnRef(opc << 30 | 0x18000000 | v << 26 | rt, label, FIX_IMM19, name);
    }

    /**
     * {@code ldp rt1, rt2, address} (LDP, "Load/store register pair"): two W or X registers from
     * consecutive words/doublewords. The address is {@link Address.Mode#OFFSET}, pre- or post-index with
     * an offset that is a multiple of the register size in {@code [-64, 63] * size}.
     *
     * @throws IllegalArgumentException for another address or offset, {@code rt1 == rt2} (unpredictable
     *     for loads), or a write-back address whose base is rt1 or rt2
     */
    public void ldp(Size size, XReg rt1, XReg rt2, Address address) {
        pair(size == Size.X ? 2 : 0, 0, 1, size.bytes(), gpr(rt1, "ldp"), gpr(rt2, "ldp"), rt1, rt2, address, "ldp");
    }

    /** {@code stp rt1, rt2, address} (STP): stores two W or X registers; forms as {@link #ldp(Size, XReg, XReg, Address)}. */
    public void stp(Size size, XReg rt1, XReg rt2, Address address) {
        pair(size == Size.X ? 2 : 0, 0, 0, size.bytes(), gpr(rt1, "stp"), gpr(rt2, "stp"), rt1, rt2, address, "stp");
    }

    /** {@code ldp st1/dt1, st2/dt2, address} (LDP (SIMD&amp;FP)); forms as {@link #ldp(Size, XReg, XReg, Address)}. */
    public void ldp(FpSize size, VReg rt1, VReg rt2, Address address) {
        if (rt1 == rt2) {
            throw new IllegalArgumentException("ldp: loading " + rt1 + " twice is unpredictable");
        }
        pair(size == FpSize.D ? 1 : 0, 1, 1, size.bytes(), rt1.encoding(), rt2.encoding(), null, null, address, "ldp");
    }

    /** {@code stp st1/dt1, st2/dt2, address} (STP (SIMD&amp;FP)); forms as {@link #ldp(Size, XReg, XReg, Address)}. */
    public void stp(FpSize size, VReg rt1, VReg rt2, Address address) {
        pair(size == FpSize.D ? 1 : 0, 1, 0, size.bytes(), Objects.requireNonNull(rt1, "rt1").encoding(),
                Objects.requireNonNull(rt2, "rt2").encoding(), null, null, address, "stp");
    }

    private void pair(int opc, int v, int load, int bytes, int rt1, int rt2, XReg r1, XReg r2, Address a, String name) {
        Objects.requireNonNull(a, "address");
        int mode = switch (a.mode()) {
            case POST_INDEX -> 1;
            case OFFSET -> 2;
            case PRE_INDEX -> 3;
            case REGISTER -> throw new IllegalArgumentException(name + ": a register pair takes no register-offset address");
        };
        long off = a.offset();
        if (off % bytes != 0 || off / bytes < -64 || off / bytes > 63) {
            throw new IllegalArgumentException(name + ": offset " + off + " is not a multiple of " + bytes + " in "
                    + (-64 * bytes) + ".." + (63 * bytes));
        }
        if (load == 1 && r1 != null && r1 == r2) {
            throw new IllegalArgumentException(name + ": loading " + r1 + " twice is unpredictable");
        }
        if (mode != 2 && r1 != null && (r1 == a.base() || r2 == a.base())) {
            throw new IllegalArgumentException(name + ": write-back to the base register " + a.base()
                    + " that is also a transfer register is unpredictable");
        }
        insn(opc << 30 | 0x28000000 | v << 26 | mode << 23 | load << 22 | ((int) (off / bytes) & 0x7F) << 15
                | rt2 << 10 | a.base().encoding() << 5 | rt1);
    }

    // ------------------------------------------------------------------------------------------
    // Branches and PC-relative addresses (C4.1.65, C4.1.67 "Branches, Exception Generating and System")

    /** {@code b label} (B): unconditional branch within +-128 MiB. */
    public void b(Label target) {
        insnRef(0x14000000, target, FIX_IMM26, "b");
    }

    /** {@code bl label} (BL): call within +-128 MiB; the return address goes to x30. */
    public void bl(Label target) {
        insnRef(0x94000000, target, FIX_IMM26, "bl");
    }

    /**
     * {@code b.cond label} (B.cond): conditional branch within +-1 MiB.
     *
     * @throws IllegalArgumentException if a bound label is out of reach
     */
    public void b(Cond cond, Label target) {
        Objects.requireNonNull(cond, "cond");
        insnRef(0x54000000 | cond.code(), target, FIX_IMM19, "b." + cond.mnemonic());
    }

    /** {@code cbz rt, label} (CBZ): branch if the W or X register rt is zero, within +-1 MiB. */
    public void cbz(Size size, XReg rt, Label target) {
        insnRef(sf(size) | 0x34000000 | zrReg(rt, "cbz", "rt"), target, FIX_IMM19, "cbz");
    }

    /** {@code cbnz rt, label} (CBNZ): branch if rt is not zero, within +-1 MiB. */
    public void cbnz(Size size, XReg rt, Label target) {
        insnRef(sf(size) | 0x35000000 | zrReg(rt, "cbnz", "rt"), target, FIX_IMM19, "cbnz");
    }

    /**
     * {@code tbz rt, #bit, label} (TBZ): branch if bit {@code bit} (0..63; below 32 the W register is
     * named) of rt is zero, within +-32 KiB.
     */
    public void tbz(XReg rt, int bit, Label target) {
        testBranch(0x36000000, rt, bit, target, "tbz");
    }

    /** {@code tbnz rt, #bit, label} (TBNZ): branch if bit {@code bit} of rt is one, within +-32 KiB. */
    public void tbnz(XReg rt, int bit, Label target) {
        testBranch(0x37000000, rt, bit, target, "tbnz");
    }

    private void testBranch(int opcode, XReg rt, int bit, Label target, String name) {
        int t = zrReg(rt, name, "rt");
        if (bit < 0 || bit > 63) {
            throw new IllegalArgumentException(name + ": bit number must be 0..63, got " + bit);
        }
        insnRef(opcode | (bit >>> 5) << 31 | (bit & 31) << 19 | t, target, FIX_IMM14, name);
    }

    /** {@code br xn} (BR): branch to the address in xn. */
    public void br(XReg rn) {
        insn(0xD61F0000 | zrReg(rn, "br", "rn") << 5);
    }

    /** {@code blr xn} (BLR): call the address in xn; the return address goes to x30. */
    public void blr(XReg rn) {
        insn(0xD63F0000 | zrReg(rn, "blr", "rn") << 5);
    }

    /** {@code ret} (RET): return to the address in x30. */
    public void ret() {
        ret(XReg.LR);
    }

    /** {@code ret xn} (RET): return to the address in xn. */
    public void ret(XReg rn) {
        insn(0xD65F0000 | zrReg(rn, "ret", "rn") << 5);
    }

    /**
     * {@code bl symbol} to an external symbol (a funcidx or a stub such as
     * {@link Relocation#UNWIND_STUB}): emits {@code bl} with a zero offset and records
     * {@code Relocation(AARCH64_CALL26, offset of the instruction, symbol, 0)}.
     */
    public void blSymbol(int symbol) {
        insn(0x94000000);
        relocs.add(new Relocation(RelocKind.AARCH64_CALL26, pos - 4, symbol, 0));
    }

    /** {@code b symbol} to an external symbol (a tail call): as {@link #blSymbol(int)} with {@code b}. */
    public void bSymbol(int symbol) {
        insn(0x14000000);
        relocs.add(new Relocation(RelocKind.AARCH64_CALL26, pos - 4, symbol, 0));
    }

    /** {@code adr xd, label} (ADR): the address of a label within +-1 MiB. xd: xzr allowed (number 31 is xzr). */
    public void adr(XReg rd, Label target) {
        insnRef(0x10000000 | zrReg(rd, "adr", "rd"), target, FIX_ADR, "adr");
    }

    /**
     * {@code adrp xd, label} (ADRP): the address of the 4 KiB page of a label, relative to the page of
     * this instruction. Exact only if this buffer is placed at a 4 KiB-aligned address; pair it with
     * {@link #addLo12(XReg, XReg, Label)}.
     */
    public void adrp(XReg rd, Label target) {
        insnRef(0x90000000 | zrReg(rd, "adrp", "rd"), target, FIX_ADRP, "adrp");
    }

    /**
     * {@code add xd, xn, #:lo12:label} (ADD (immediate) with the low 12 bits of a label's offset);
     * xd and xn: sp allowed. Exact only under the placement assumption of {@link #adrp(XReg, Label)}.
     */
    public void addLo12(XReg rd, XReg rn, Label target) {
        insnRef(0x91000000 | spReg(rn, "add", "rn") << 5 | spReg(rd, "add", "rd"), target, FIX_LO12, "add :lo12:");
    }

    /**
     * {@code adr xd, symbol + addend} to an external symbol: records
     * {@code Relocation(AARCH64_ADR_PREL_LO21, offset of the instruction, symbol, addend)}.
     */
    public void adrSymbol(XReg rd, int symbol, int addend) {
        int d = zrReg(rd, "adr", "rd");
        insn(0x10000000 | d);
        relocs.add(new Relocation(RelocKind.AARCH64_ADR_PREL_LO21, pos - 4, symbol, addend));
    }

    /**
     * {@code adrp xd, symbol + addend} to an external symbol: records
     * {@code Relocation(AARCH64_ADR_PREL_PG_HI21, offset of the instruction, symbol, addend)}; pair it with
     * {@link #addLo12Symbol(XReg, XReg, int, int)}.
     */
    public void adrpSymbol(XReg rd, int symbol, int addend) {
        int d = zrReg(rd, "adrp", "rd");
        insn(0x90000000 | d);
        relocs.add(new Relocation(RelocKind.AARCH64_ADR_PREL_PG_HI21, pos - 4, symbol, addend));
    }

    /**
     * {@code add xd, xn, #:lo12:symbol + addend}: records
     * {@code Relocation(AARCH64_ADD_ABS_LO12_NC, offset of the instruction, symbol, addend)}; xd and xn: sp allowed.
     */
    public void addLo12Symbol(XReg rd, XReg rn, int symbol, int addend) {
        int d = spReg(rd, "add", "rd");
        int n = spReg(rn, "add", "rn");
        insn(0x91000000 | n << 5 | d);
        relocs.add(new Relocation(RelocKind.AARCH64_ADD_ABS_LO12_NC, pos - 4, symbol, addend));
    }

    // ------------------------------------------------------------------------------------------
    // Scalar floating point (C4.1.96 "Data Processing -- Scalar Floating-Point and Advanced SIMD")

    /** {@code fadd rd, rn, rm} (FADD (scalar)). */
    public void fadd(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0010, rd, rn, rm);
    }

    /** {@code fsub rd, rn, rm} (FSUB (scalar)). */
    public void fsub(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0011, rd, rn, rm);
    }

    /** {@code fmul rd, rn, rm} (FMUL (scalar)). */
    public void fmul(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0000, rd, rn, rm);
    }

    /** {@code fdiv rd, rn, rm} (FDIV (scalar)). */
    public void fdiv(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0001, rd, rn, rm);
    }

    /** {@code fmax rd, rn, rm} (FMAX (scalar)): NaN if either is NaN; {@code max(-0, +0) = +0} (Wasm {@code f*.max}). */
    public void fmax(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0100, rd, rn, rm);
    }

    /** {@code fmin rd, rn, rm} (FMIN (scalar)): NaN if either is NaN; {@code min(-0, +0) = -0} (Wasm {@code f*.min}). */
    public void fmin(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0101, rd, rn, rm);
    }

    /** {@code fmaxnm rd, rn, rm} (FMAXNM (scalar)): IEEE 754 maxNum, a quiet NaN operand loses. */
    public void fmaxnm(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0110, rd, rn, rm);
    }

    /** {@code fminnm rd, rn, rm} (FMINNM (scalar)): IEEE 754 minNum, a quiet NaN operand loses. */
    public void fminnm(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b0111, rd, rn, rm);
    }

    /** {@code fnmul rd, rn, rm} (FNMUL (scalar)): {@code -(rn * rm)}. */
    public void fnmul(FpSize size, VReg rd, VReg rn, VReg rm) {
        fp2(size, 0b1000, rd, rn, rm);
    }

    private void fp2(FpSize size, int opcode, VReg rd, VReg rn, VReg rm) {
        insn(0x1E200800 | size.ftype() << 22 | rm.encoding() << 16 | opcode << 12 | rn.encoding() << 5 | rd.encoding());
    }

    /** {@code fmov rd, rn} (FMOV (register)): copies a float register. */
    public void fmov(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b000000, rd, rn);
    }

    /** {@code fabs rd, rn} (FABS (scalar)): clears the sign bit. */
    public void fabs(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b000001, rd, rn);
    }

    /** {@code fneg rd, rn} (FNEG (scalar)): flips the sign bit. */
    public void fneg(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b000010, rd, rn);
    }

    /** {@code fsqrt rd, rn} (FSQRT (scalar)). */
    public void fsqrt(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b000011, rd, rn);
    }

    /** {@code frintn rd, rn} (FRINTN (scalar)): round to integral, ties to even (Wasm {@code f*.nearest}). */
    public void frintn(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b001000, rd, rn);
    }

    /** {@code frintp rd, rn} (FRINTP (scalar)): round toward +infinity (Wasm {@code f*.ceil}). */
    public void frintp(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b001001, rd, rn);
    }

    /** {@code frintm rd, rn} (FRINTM (scalar)): round toward -infinity (Wasm {@code f*.floor}). */
    public void frintm(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b001010, rd, rn);
    }

    /** {@code frintz rd, rn} (FRINTZ (scalar)): round toward zero (Wasm {@code f*.trunc}). */
    public void frintz(FpSize size, VReg rd, VReg rn) {
        fp1(size, 0b001011, rd, rn);
    }

    /**
     * {@code fcvt rd, rn} (FCVT): converts the {@code from} value in rn to {@code to} precision in rd
     * ({@code s -> d} exactly, {@code d -> s} rounding to nearest under FPCR).
     *
     * @throws IllegalArgumentException if {@code to == from}
     */
    public void fcvt(FpSize to, VReg rd, FpSize from, VReg rn) {
        if (to == from) {
            throw new IllegalArgumentException("fcvt: source and destination precision are both " + to);
        }
        fp1(from, to == FpSize.D ? 0b000101 : 0b000100, rd, rn);
    }

    private void fp1(FpSize size, int opcode, VReg rd, VReg rn) {
        insn(0x1E204000 | size.ftype() << 22 | opcode << 15 | rn.encoding() << 5 | rd.encoding());
    }

    /** {@code fcmp rn, rm} (FCMP): sets NZCV (unordered: C and V set); quiet NaNs raise no exception. */
    public void fcmp(FpSize size, VReg rn, VReg rm) {
        insn(0x1E202000 | size.ftype() << 22 | rm.encoding() << 16 | rn.encoding() << 5);
    }

    /** {@code fcmp rn, #0.0} (FCMP with zero). */
    public void fcmpZero(FpSize size, VReg rn) {
        insn(0x1E202008 | size.ftype() << 22 | rn.encoding() << 5);
    }

    /** {@code fcsel rd, rn, rm, cond} (FCSEL): {@code cond ? rn : rm}. */
    public void fcsel(FpSize size, VReg rd, VReg rn, VReg rm, Cond cond) {
        insn(0x1E200C00 | size.ftype() << 22 | rm.encoding() << 16 | cond.code() << 12 | rn.encoding() << 5 | rd.encoding());
    }

    /** {@code scvtf rd, rn} (SCVTF (scalar, integer)): the signed W or X integer rn as a float (rounded to nearest). */
    public void scvtf(FpSize size, VReg rd, Size from, XReg rn) {
        fpInt(from, size, 0b00, 0b010, rd.encoding(), zrReg(rn, "scvtf", "rn"));
    }

    /** {@code ucvtf rd, rn} (UCVTF (scalar, integer)): the unsigned W or X integer rn as a float. */
    public void ucvtf(FpSize size, VReg rd, Size from, XReg rn) {
        fpInt(from, size, 0b00, 0b011, rd.encoding(), zrReg(rn, "ucvtf", "rn"));
    }

    /**
     * {@code fcvtzs rd, rn} (FCVTZS (scalar, integer)): the float rn truncated to a signed W or X integer,
     * saturating (NaN gives 0). No trap: Wasm's trapping conversions check the range first.
     */
    public void fcvtzs(Size size, XReg rd, FpSize from, VReg rn) {
        fpInt(size, from, 0b11, 0b000, zrReg(rd, "fcvtzs", "rd"), rn.encoding());
    }

    /** {@code fcvtzu rd, rn} (FCVTZU (scalar, integer)): truncated to an unsigned integer, saturating (NaN gives 0). */
    public void fcvtzu(Size size, XReg rd, FpSize from, VReg rn) {
        fpInt(size, from, 0b11, 0b001, zrReg(rd, "fcvtzu", "rd"), rn.encoding());
    }

    /**
     * {@code fmov wd, sn} / {@code fmov xd, dn} (FMOV (general)): copies the bits of a float register to
     * an integer register of the same width ({@link Size#W} with {@link FpSize#S}, X with D).
     */
    public void fmov(Size size, XReg rd, VReg rn) {
        fpInt(size, size == Size.W ? FpSize.S : FpSize.D, 0b00, 0b110, zrReg(rd, "fmov", "rd"), rn.encoding());
    }

    /**
     * {@code fmov sd, wn} / {@code fmov dd, xn} (FMOV (general)): copies the bits of an integer register to a
     * float register of the same width; {@code fmov dd, xzr} zeroes it. rn: xzr allowed.
     */
    public void fmov(FpSize size, VReg rd, XReg rn) {
        fpInt(size.intSize(), size, 0b00, 0b111, rd.encoding(), zrReg(rn, "fmov", "rn"));
    }

    private void fpInt(Size size, FpSize fsize, int rmode, int opcode, int rd, int rn) {
        insn(sf(size) | 0x1E200000 | fsize.ftype() << 22 | rmode << 19 | opcode << 16 | rn << 5 | rd);
    }

    /**
     * The 8-bit immediate of {@code fmov rd, #value} (Arm ARM {@code VFPExpandImm}), or -1 if
     * {@code value} is not one: {@code +-(16..31)/16 * 2^(-3..4)}, i.e. {@code +-0.125 .. +-31.0} with
     * a 4-bit fraction (0.0 is not encodable: use {@link #fmov(FpSize, VReg, XReg)} from xzr or
     * {@link #moviZero(VReg)}). Every such value is exact in both single and double precision.
     */
    public static int encodeFpImmediate(double value) {
        long bits = Double.doubleToRawLongBits(value);
        if ((bits & 0x0000_FFFF_FFFF_FFFFL) != 0) {
            return -1;
        }
        int exp = (int) (bits >>> 52) & 0x7FF;
        int top = exp >>> 2;
        if (top != 0b100000000 && top != 0b011111111) {
            return -1;
        }
        int a = (int) (bits >>> 63);
        int b = (exp >>> 8) & 1;
        return a << 7 | b << 6 | (exp & 3) << 4 | (int) (bits >>> 48) & 0xF;
    }

    /** Whether {@code value} can be loaded by {@code fmov rd, #value} (see {@link #encodeFpImmediate(double)}). */
    public static boolean isFpImmediate(double value) {
        return encodeFpImmediate(value) >= 0;
    }

    /**
     * {@code fmov rd, #value} (FMOV (scalar, immediate)).
     *
     * @throws IllegalArgumentException unless {@link #isFpImmediate(double)}
     */
    public void fmov(FpSize size, VReg rd, double value) {
        int imm8 = encodeFpImmediate(value);
        if (imm8 < 0) {
            throw new IllegalArgumentException("fmov: " + value + " is not an 8-bit float immediate (+-(16..31)/16 * 2^(-3..4))");
        }
        insn(0x1E201000 | size.ftype() << 22 | imm8 << 13 | rd.encoding());
    }

    // ---- Advanced SIMD (NEON) -------------------------------------------------------------------------

    /**
     * A NEON instruction with three vector registers: {@link NeonOp.Form#THREE_SAME} and
     * {@link NeonOp.Form#PERMUTE} ({@code op vd.T, vn.T, vm.T}), {@link NeonOp.Form#LONG} ({@code smull{2}
     * vd.2T, vn.T, vm.T}, T the sources), {@link NeonOp.Form#TBL} ({@code tbl vd.T, {vn.16b}, vm.T}).
     *
     * @throws IllegalArgumentException if {@code op} has another form or {@code t} is not one of its
     *     arrangements (e.g. a 64-bit element for {@code mul}, anything but 2S/4S/2D for a float operation)
     */
    public void neon(NeonOp op, Arrangement t, VReg rd, VReg rn, VReg rm) {
        checkArrangement(op, t);
        int regs = rm.encoding() << 16 | rn.encoding() << 5 | rd.encoding();
        int q = t.q() << 30;
        switch (op.form()) {
            case THREE_SAME -> insn(0x0E200400 | q | op.u() << 29 | op.size(t) << 22 | op.opcode() << 11 | regs);
            case PERMUTE -> insn(0x0E000800 | q | t.size() << 22 | op.opcode() << 12 | regs);
            case LONG -> insn(0x0E200000 | q | op.u() << 29 | t.size() << 22 | op.opcode() << 12 | regs);
            case TBL -> insn(0x0E000000 | q | regs);
            default -> throw new IllegalArgumentException(op + " does not take three vector registers");
        }
    }

    /**
     * A NEON instruction with two vector registers: {@link NeonOp.Form#TWO_MISC} ({@code op vd.T,
     * vn.T}), {@link NeonOp.Form#LONG_MISC} ({@code saddlp vd.2T, vn.T}, {@code fcvtl{2} vd.2d, vn.T}),
     * {@link NeonOp.Form#NARROW} ({@code sqxtn{2} vd.T, vn.2T}, T the destination), {@link NeonOp.Form#ACROSS}
     * ({@code addv bd/hd/sd, vn.T}), {@link NeonOp#ADDP_SCALAR} ({@code addp dd, vn.2d}).
     *
     * @throws IllegalArgumentException if {@code op} has another form or {@code t} is not one of its arrangements
     */
    public void neon(NeonOp op, Arrangement t, VReg rd, VReg rn) {
        checkArrangement(op, t);
        int regs = rn.encoding() << 5 | rd.encoding();
        int q = t.q() << 30;
        switch (op.form()) {
            case TWO_MISC, LONG_MISC, NARROW -> insn(0x0E200800 | q | op.u() << 29 | op.size(t) << 22 | op.opcode() << 12 | regs);
            case ACROSS -> insn(0x0E300800 | q | op.u() << 29 | t.size() << 22 | op.opcode() << 12 | regs);
            case SCALAR_PAIR -> insn(0x5E310800 | t.size() << 22 | op.opcode() << 12 | regs);
            default -> throw new IllegalArgumentException(op + " does not take two vector registers");
        }
    }

    /**
     * A NEON shift by immediate: {@code shl vd.T, vn.T, #0..esize-1}, {@code sshr/ushr vd.T, vn.T,
     * #1..esize}, {@code sshll/ushll{2} vd.2T, vn.T, #0..esize-1} (T the source; shift 0 is sxtl/uxtl).
     *
     * @throws IllegalArgumentException for another form, an out-of-range shift or arrangement
     */
    public void neonShift(NeonOp op, Arrangement t, VReg rd, VReg rn, int shift) {
        checkArrangement(op, t);
        int esize = t.elementBits();
        boolean right = op == NeonOp.SSHR || op == NeonOp.USHR;
        if (op.form() != NeonOp.Form.SHIFT && op.form() != NeonOp.Form.SHIFT_LONG
                || (right ? shift < 1 || shift > esize : shift < 0 || shift >= esize)) {
            throw new IllegalArgumentException(op + "." + t + ": shift " + shift + " out of range or not a shift");
        }
        int immhb = right ? 2 * esize - shift : esize + shift;
        insn(0x0F000400 | t.q() << 30 | op.u() << 29 | immhb << 16 | op.opcode() << 11 | rn.encoding() << 5 | rd.encoding());
    }

    /** {@code ext vd.T, vn.T, vm.T, #index} (EXT): bytes {@code index..} of {@code vn:vm} (vn low); T 8B or 16B. */
    public void ext(Arrangement t, VReg rd, VReg rn, VReg rm, int index) {
        if (t != Arrangement.B8 && t != Arrangement.B16 || index < 0 || index >= t.lanes()) {
            throw new IllegalArgumentException("ext." + t + ": index " + index + " out of range");
        }
        insn(0x2E000000 | t.q() << 30 | rm.encoding() << 16 | index << 11 | rn.encoding() << 5 | rd.encoding());
    }

    private static int imm5(Arrangement t, int index) {
        int lanes = 16 >> t.size();
        if (index < 0 || index >= lanes) {
            throw new IllegalArgumentException("lane index " + index + " of " + t.elementBits() + "-bit elements must be 0.." + (lanes - 1));
        }
        return (index << 1 | 1) << t.size();
    }

    /**
     * The NEON copy instructions ({@link NeonOp.Form#COPY}) with vector operands: {@code dup vd.T,
     * vn.Ts[index]}, {@code mov vd.Ts[index], vn.Ts[0]} (INS element), {@code mov sd/dd, vn.Ts[index]}
     * (DUP scalar; T 4S or 2D). For {@code ins} and scalar {@code dup} only the element size of {@code t} matters.
     */
    public void copy(NeonOp op, Arrangement t, VReg rd, VReg rn, int index) {
        int regs = rn.encoding() << 5 | rd.encoding();
        switch (op) {
            case DUP_ELEMENT -> insn(0x0E000400 | t.q() << 30 | imm5(t, index) << 16 | regs);
            case INS_ELEMENT -> insn(0x6E000400 | imm5(t, index) << 16 | regs);
            case DUP_SCALAR -> insn(0x5E000400 | imm5(t, index) << 16 | regs);
            default -> throw new IllegalArgumentException(op + " does not copy between vector registers");
        }
    }

    /**
     * The NEON copy instructions with a general-purpose operand: {@code dup vd.T, wn/xn} (xn for 2D),
     * {@code mov vd.Ts[index], wn/xn} (INS general), {@code umov wd/xd, vn.Ts[index]} (xd for D elements),
     * {@code smov wd, vn.Ts[index]} (B and H elements). {@code gpr} is the source or destination.
     */
    public void copy(NeonOp op, Arrangement t, VReg v, XReg gpr, int index) {
        int g = zrReg(gpr, op.mnemonic(t), "general register");
        switch (op) {
            case DUP_GENERAL -> insn(0x0E000C00 | t.q() << 30 | imm5(t, 0) << 16 | g << 5 | v.encoding());
            case INS_GENERAL -> insn(0x4E001C00 | imm5(t, index) << 16 | g << 5 | v.encoding());
            case UMOV -> insn(0x0E003C00 | (t.size() == 3 ? 1 : 0) << 30 | imm5(t, index) << 16 | v.encoding() << 5 | g);
            case SMOV -> {
                if (t.size() > 1) {
                    throw new IllegalArgumentException("smov to a w register takes B or H elements");
                }
                insn(0x0E002C00 | imm5(t, index) << 16 | v.encoding() << 5 | g);
            }
            default -> throw new IllegalArgumentException(op + " does not copy with a general register");
        }
    }

    /**
     * {@code movi vd.2d, #imm} (MOVI, 64-bit variant): both doublewords {@code value}, whose every byte is
     * 0x00 or 0xFF (0 and -1 among them).
     *
     * @throws IllegalArgumentException for another value
     */
    public void movi2d(VReg rd, long value) {
        int abcdefgh = 0;
        for (int i = 0; i < 8; i++) {
            int b = (int) (value >>> 8 * i) & 0xFF;
            if (b != 0 && b != 0xFF) {
                throw new IllegalArgumentException("movi: byte " + i + " of " + Long.toHexString(value) + " is neither 00 nor ff");
            }
            abcdefgh |= (b & 1) << i;
        }
        insn(0x6F00E400 | (abcdefgh >>> 5) << 16 | (abcdefgh & 31) << 5 | rd.encoding());
    }

    /** Whether {@link #movi2d} encodes {@code value} (every byte 0x00 or 0xFF). */
    public static boolean isMovi2d(long value) {
        for (int i = 0; i < 8; i++) {
            int b = (int) (value >>> 8 * i) & 0xFF;
            if (b != 0 && b != 0xFF) {
                return false;
            }
        }
        return true;
    }

    /** {@code mov vd.16b, vn.16b} (ORR vector): copies all 128 bits. */
    public void movQ(VReg rd, VReg rn) {
        neon(NeonOp.ORR, Arrangement.B16, rd, rn, rn);
    }

    /** {@code ldr qt, address} (LDR SIMD&amp;FP, 128-bit): 16 bytes; offsets scaled by 16 or unscaled -256..255. */
    public void ldrQ(VReg rt, Address address) {
        loadStore(0, 1, 3, rt.encoding(), address, "ldr", null, 16);
    }

    /** {@code str qt, address} (STR SIMD&amp;FP, 128-bit); forms as {@link #ldrQ(VReg, Address)}. */
    public void strQ(VReg rt, Address address) {
        loadStore(0, 1, 2, rt.encoding(), address, "str", null, 16);
    }

    /** {@code ldr qt, label} (LDR literal, 128-bit): a 16-byte constant within +-1 MiB (16-byte aligned). */
    public void ldrQ(VReg rt, Label label) {
        literal(2, 1, rt.encoding(), label, "ldr (literal)");
    }

    /** {@code ldp qt1, qt2, address} (LDP SIMD&amp;FP, 128-bit): offsets multiples of 16 in -1024..1008. */
    public void ldpQ(VReg rt1, VReg rt2, Address address) {
        if (rt1 == rt2) {
            throw new IllegalArgumentException("ldp: loading " + rt1 + " twice is unpredictable");
        }
        pair(2, 1, 1, 16, rt1.encoding(), rt2.encoding(), null, null, address, "ldp");
    }

    /** {@code stp qt1, qt2, address} (STP SIMD&amp;FP, 128-bit); forms as {@link #ldpQ}. */
    public void stpQ(VReg rt1, VReg rt2, Address address) {
        pair(2, 1, 0, 16, rt1.encoding(), rt2.encoding(), null, null, address, "stp");
    }

    private static void checkArrangement(NeonOp op, Arrangement t) {
        boolean ok = switch (op) {
            case AND, BIC, ORR, EOR, BSL, CNT, NOT, TBL -> t.size() == 0;
            case MUL, SMAX, UMAX, SMIN, UMIN, URHADD, UMAXP -> t.size() < 3;
            case SQRDMULH -> t.size() == 1 || t.size() == 2;
            case FCVTN, FCVTL -> t == Arrangement.S2 || t == Arrangement.S4;
            case SADDLP, UADDLP, SMULL, UMULL, SSHLL, USHLL -> t.size() < 3;
            case XTN, SQXTN, UQXTN, SQXTUN -> t.size() < 3;
            case ADDV, UMAXV, UMINV -> t.size() < 2 || t == Arrangement.S4;
            case ADDP_SCALAR -> t == Arrangement.D2;
            default -> op.isFloat() ? t == Arrangement.S2 || t == Arrangement.S4 || t == Arrangement.D2 : t != Arrangement.D1;
        };
        if (!ok) {
            throw new IllegalArgumentException(op.mnemonic(t) + " has no " + t + " arrangement");
        }
    }

    /** {@code movi dd, #0} (MOVI, 64-bit scalar form): zeroes the whole vector register. */
    public void moviZero(VReg rd) {
        insn(0x2F00E400 | rd.encoding());
    }

    /** {@code cnt vd.8b, vn.8b} (CNT, Advanced SIMD two-register misc): the population count of each byte. */
    public void cnt8b(VReg rd, VReg rn) {
        insn(0x0E205800 | rn.encoding() << 5 | rd.encoding());
    }

    /**
     * {@code addv bd, vn.8b} (ADDV, Advanced SIMD across lanes): the sum of the 8 low bytes, in the low
     * byte of rd (the rest zeroed). With {@link #cnt8b} and {@code fmov} this is popcount.
     */
    public void addv8b(VReg rd, VReg rn) {
        insn(0x0E31B800 | rn.encoding() << 5 | rd.encoding());
    }

    /**
     * Writes the field of relocation {@code r} once every piece of the text is placed (the work of
     * {@code Backend.applyRelocation} for AArch64): the instruction word at {@code P = pieceOffset +
     * r.offset()} of {@code text} gets the value of {@code S = symbolOffset} and {@code A = r.addend()}
     * as its {@link RelocKind} defines ({@code CALL26}: {@code (S + A - P) >> 2}; {@code ADR_PREL_LO21}:
     * {@code S + A - P}; {@code ADR_PREL_PG_HI21}: {@code Page(S + A) - Page(P)}, exact when the text is
     * loaded 4 KiB-aligned; {@code ADD_ABS_LO12_NC}: {@code (S + A) & 0xFFF}). The other bits of the word
     * are kept; the field must be zero before.
     *
     * @throws IllegalArgumentException for a relocation kind of another ISA
     * @throws CompileException if the target is out of the instruction's reach (the text is too large)
     */
    public static void applyRelocation(byte[] text, int pieceOffset, Relocation r, int symbolOffset) {
        int p = pieceOffset + r.offset();
        long sa = (long) symbolOffset + r.addend();
        long disp = sa - p;
        int word = (text[p] & 0xFF) | (text[p + 1] & 0xFF) << 8 | (text[p + 2] & 0xFF) << 16 | text[p + 3] << 24;
        switch (r.kind()) {
            case AARCH64_CALL26 -> {
                if ((disp & 3) != 0 || disp < -(1L << 27) || disp >= 1L << 27) {
                    throw new CompileException("code too large: a call at text offset " + p + " to symbol " + r.symbol()
                            + " spans " + disp + " bytes, beyond the +-128 MiB reach of bl/b");
                }
                word |= (int) (disp >> 2) & 0x3FFFFFF;
            }
            case AARCH64_ADR_PREL_LO21 -> {
                if (disp < -(1L << 20) || disp >= 1L << 20) {
                    throw new CompileException("code too large: adr at text offset " + p + " to symbol " + r.symbol()
                            + " spans " + disp + " bytes, beyond +-1 MiB");
                }
                word |= ((int) disp & 3) << 29 | ((int) (disp >> 2) & 0x7FFFF) << 5;
            }
            case AARCH64_ADR_PREL_PG_HI21 -> {
                long pages = (sa >> 12) - ((long) p >> 12);
                if (pages < -(1L << 20) || pages >= 1L << 20) {
                    throw new CompileException("code too large: adrp at text offset " + p + " to symbol " + r.symbol()
                            + " spans " + pages + " pages, beyond +-4 GiB");
                }
                word |= ((int) pages & 3) << 29 | ((int) (pages >> 2) & 0x7FFFF) << 5;
            }
            case AARCH64_ADD_ABS_LO12_NC -> word |= ((int) sa & 0xFFF) << 10;
            default -> throw new IllegalArgumentException("AArch64 cannot apply a " + r.kind() + " relocation");
        }
        text[p] = (byte) word;
        text[p + 1] = (byte) (word >>> 8);
        text[p + 2] = (byte) (word >>> 16);
        text[p + 3] = (byte) (word >>> 24);
    }

    // ------------------------------------------------------------------------------------------
    // System (C4.1.67 "Exception generation", "Hints")

    /** {@code brk #imm16} (BRK): a breakpoint exception (SIGTRAP on Linux), {@code 0 <= imm16 <= 0xFFFF}. */
    public void brk(int imm16) {
        insn(0xD4200000 | checkImm16(imm16, "brk") << 5);
    }

    /** {@code udf #imm16} (UDF): a permanently undefined instruction (SIGILL on Linux), {@code 0 <= imm16 <= 0xFFFF}. */
    public void udf(int imm16) {
        insn(checkImm16(imm16, "udf"));
    }

    /**
     * {@code svc #imm16} (SVC): a supervisor call, the Linux system call instruction (number in x8,
     * arguments in x0..x5, result in x0), {@code 0 <= imm16 <= 0xFFFF} (Linux uses 0).
     */
    public void svc(int imm16) {
        insn(0xD4000001 | checkImm16(imm16, "svc") << 5);
    }

    /**
     * {@code ldar rt, [xn]} (LDAR): a load-acquire of 4 ({@link Size#W}) or 8 bytes from the address in
     * {@code xn} (or sp); no later load or store of this thread is observed before it (Arm ARM B2.3.7).
     */
    public void ldar(Size size, XReg rt, XReg rn) {
        insn((size == Size.X ? 0xC8DFFC00 : 0x88DFFC00) | spReg(rn, "ldar", "rn") << 5 | gpr(rt, "ldar"));
    }

    /** {@code nop} (NOP). */
    public void nop() {
        insn(NOP);
    }

    private static int checkImm16(int imm16, String name) {
        if (imm16 < 0 || imm16 > 0xFFFF) {
            throw new IllegalArgumentException(name + ": immediate must be 0..0xFFFF, got " + imm16);
        }
        return imm16;
    }

    // ------------------------------------------------------------------------------------------
    // Internals

    private static int sf(Size size) {
        return size.sf() << 31;
    }

    private static boolean fitsSize(Size size, long value) {
        return size == Size.X || (value >= Integer.MIN_VALUE && value <= 0xFFFF_FFFFL);
    }

    /** Number of an operand where register 31 is the zero register: refuses sp. */
    private static int zrReg(XReg r, String insn, String operand) {
        Objects.requireNonNull(r, operand);
        if (r == XReg.SP) {
            throw new IllegalArgumentException(insn + ": operand " + operand + " cannot be sp (register 31 is xzr there)");
        }
        return r.encoding();
    }

    /** {@code r} itself, refusing sp (for aliases whose rd would otherwise select an sp form). */
    private static XReg zrRegOnly(XReg r, String insn) {
        zrReg(r, insn, "rd");
        return r;
    }

    /** Number of an operand where register 31 is the stack pointer: refuses xzr. */
    private static int spReg(XReg r, String insn, String operand) {
        Objects.requireNonNull(r, operand);
        if (r == XReg.XZR) {
            throw new IllegalArgumentException(insn + ": operand " + operand + " cannot be xzr (register 31 is sp there)");
        }
        return r.encoding();
    }

    private static void checkShiftAmount(Size size, int amount, String name) {
        if (amount < 0 || amount >= size.bits()) {
            throw new IllegalArgumentException(name + ": shift amount must be 0.." + (size.bits() - 1) + ", got " + amount);
        }
    }

    private static void checkField(Size size, int lsb, int width, String name) {
        if (lsb < 0 || lsb >= size.bits() || width < 1 || width > size.bits() - lsb) {
            throw new IllegalArgumentException(name + ": field lsb " + lsb + " width " + width + " does not fit in "
                    + size.bits() + " bits");
        }
    }

    private void insn(int word) {
        if ((pos & 3) != 0) {
            throw new IllegalStateException("instruction at offset " + pos + " is not 4-byte aligned: call align(4) after data");
        }
        emit32(word);
    }

    /**
     * Emits the instruction {@code word} whose field of {@code kind} refers to {@code label}: filled in
     * at once if the label is bound (failing before anything is emitted if it is out of reach), else
     * by {@link #finish()}.
     */
    private void insnRef(int word, Label label, int kind, String name) {
        checkOwner(label);
        Fixup f = new Fixup(pos, label, kind, null, name);
        if (label.offsetOrUnbound() >= 0) {
            String error = rangeError(f);
            if (error != null) {
                throw new IllegalArgumentException(error);
            }
            insn(patched(f, word));
        } else {
            insn(word);
            fixups.add(f);
        }
    }

    /** Why the bound label(s) of {@code f} cannot be encoded in its field, or null if they can. */
    private static String rangeError(Fixup f) {
        int at = f.offset;
        int target = f.target.offsetOrUnbound();
        long disp = (long) target - at;
        switch (f.kind) {
            case FIX_IMM26, FIX_IMM19, FIX_IMM14 -> {
                int bits = f.kind == FIX_IMM26 ? 26 : f.kind == FIX_IMM19 ? 19 : 14;
                if ((disp & 3) != 0) {
                    return f.insn + " at offset " + at + ": label " + f.target.name() + " at " + target
                            + " is not 4-byte aligned";
                }
                long words = disp >> 2;
                if (words < -(1L << (bits - 1)) || words >= 1L << (bits - 1)) {
                    return outOfReach(f, disp, 1L << (bits + 1));
                }
                return null;
            }
            case FIX_ADR -> {
                return disp < -(1L << 20) || disp >= 1L << 20 ? outOfReach(f, disp, 1L << 20) : null;
            }
            case FIX_ADRP -> {
                long pages = (target >> 12) - (at >> 12);
                return pages < -(1L << 20) || pages >= 1L << 20 ? outOfReach(f, disp, 1L << 32) : null;
            }
            default -> {
                return null;
            }
        }
    }

    /** {@code word} with the field of {@code f} set for its bound label(s) (the range is checked by {@link #rangeError}). */
    private static int patched(Fixup f, int word) {
        int at = f.offset;
        int target = f.target.offsetOrUnbound();
        int disp = target - at;
        return switch (f.kind) {
            case FIX_DIFF32 -> target - f.base.offsetOrUnbound();
            case FIX_IMM26 -> word | (disp >> 2) & 0x3FFFFFF;
            case FIX_IMM19 -> word | ((disp >> 2) & 0x7FFFF) << 5;
            case FIX_IMM14 -> word | ((disp >> 2) & 0x3FFF) << 5;
            case FIX_ADR -> word | (disp & 3) << 29 | ((disp >> 2) & 0x7FFFF) << 5;
            case FIX_ADRP -> {
                int pages = (target >> 12) - (at >> 12);
                yield word | (pages & 3) << 29 | ((pages >> 2) & 0x7FFFF) << 5;
            }
            case FIX_LO12 -> word | (target & 0xFFF) << 10;
            default -> throw new AssertionError(f.kind);
        };
    }

    private static String outOfReach(Fixup f, long disp, long reach) {
        return f.insn + " at offset " + f.offset + ": label " + f.target.name() + " at " + f.target.offsetOrUnbound()
                + " is " + disp + " bytes away, beyond the +-" + human(reach) + " reach of " + f.insn;
    }

    private static String human(long bytes) {
        return bytes >= 1L << 30 ? (bytes >> 30) + " GiB" : bytes >= 1L << 20 ? (bytes >> 20) + " MiB" : (bytes >> 10) + " KiB";
    }

    private void checkPatch(int offset) {
        if (offset < 0 || offset > pos - 4) {
            throw new IllegalArgumentException("word offset " + offset + " outside [0, " + (pos - 4) + "]");
        }
    }

    private void putInt32(int at, int value) {
        buf[at] = (byte) value;
        buf[at + 1] = (byte) (value >>> 8);
        buf[at + 2] = (byte) (value >>> 16);
        buf[at + 3] = (byte) (value >>> 24);
    }

    private int getInt32(int at) {
        return (buf[at] & 0xFF) | (buf[at + 1] & 0xFF) << 8 | (buf[at + 2] & 0xFF) << 16 | buf[at + 3] << 24;
    }
}
