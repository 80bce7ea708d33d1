package dev.kiln.arch.x86_64;

import dev.kiln.compiler.RelocKind;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.mach.CodeBuffer;
import dev.kiln.compiler.mach.Label;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An x86-64 machine-code encoder writing into a growable byte buffer, following the instruction
 * formats of the Intel 64 and IA-32 Architectures Software Developer's Manual, Vol. 2 (legacy
 * prefixes, REX, opcode, ModRM, SIB, displacement, immediate; §2.1-§2.2 and the instruction pages).
 *
 * <p>Each method appends exactly one instruction (or the named data) at {@link #position()}. The
 * shortest correct form is chosen automatically (disp8 vs disp32, imm8 vs imm16/32, rel8 vs rel32 for
 * backward jumps) and, wherever two encodings are equivalent, the one GNU {@code as} 2.40 picks
 * without {@code -O} (e.g. the store form {@code 89 /r} for register moves, the accumulator short
 * forms of ALU/test/xchg, {@code D1 /n} for shifts by 1), so the output compares byte for byte with
 * it. Exceptions to that rule: {@link #movImm(Size, Gpr, long)} with {@link Size#S64} uses
 * {@code mov r32, imm32} for values in 0..2^32-1 (GNU as needs {@code -O} for that).
 *
 * <p>The xmm instructions have their legacy SSE encodings by default and their VEX.128 (AVX)
 * encodings after {@link #useVex useVex(true)} (§2.3), with the same meaning; the three-operand VEX
 * forms ({@link #vpacked}) exist only then.
 *
 * <p>Positions are byte offsets from the start of the buffer. By default there is no branch
 * relaxation: {@link #position()} after an instruction is final; jumps to labels bound earlier use rel8
 * when the displacement fits, jumps to labels not bound yet always use rel32 and are patched by
 * {@link #finish()}. After {@link #relaxBranches()}, every jump to a label takes the short form
 * (rel8) where its final displacement fits, forward or backward, as GNU {@code as} does: positions
 * during emission are then <em>emission offsets</em>, which {@link #finalOffset(int)} maps to offsets
 * in the code {@link #finish()} returns.
 *
 * <p>Operand conventions: the destination comes first, as in Intel syntax. Register operands of
 * {@link Size#S8} name the low byte registers (al, cl, ..., spl, bpl, sil, dil, r8b..r15b; a REX
 * prefix is emitted when spl/bpl/sil/dil are used); the legacy high-byte registers ah..bh are never
 * produced. Immediates are signed ints unless said otherwise; for 8/16-bit operations they must lie
 * in the signed or unsigned range of that size.
 *
 * <p>Errors: operand combinations the hardware cannot encode throw {@link IllegalArgumentException}
 * naming the instruction; null operands throw {@link NullPointerException}. Not thread-safe: one
 * assembler is used by one thread at a time.
 */
public final class Assembler extends CodeBuffer {

    private static final int REX_W = 8;

    private final List<Fixup> fixups = new ArrayList<>();
    private final List<Relocation> relocs = new ArrayList<>();

    /** A pending label reference: rel8/rel32 relative to {@code pcBase}, or a 32-bit label difference. */
    private record Fixup(int offset, Label target, int kind, int pcBase, Label base, int addend) {
        static final int REL32 = 0;
        static final int DIFF32 = 1;
    }

    /**
     * What {@link #relaxBranches()} defers to {@link #finish()}, in emission order (so in ascending
     * emission offset, each offset distinct): jumps to labels, alignments and computed pads. Null
     * without relaxation.
     */
    private Relaxation relaxation;
    /** The relocations in final offsets, once {@link #finish()} has relaxed; else null. */
    private List<Relocation> finalRelocs;

    /** Creates an empty assembler with a small initial buffer. */
    public Assembler() {
        this(256);
    }

    /** Creates an empty assembler whose buffer starts with room for {@code capacity} bytes (grows as needed). */
    public Assembler(int capacity) {
        super(capacity);
    }

    // ------------------------------------------------------------------------------------------
    // Buffer, labels, finishing

    /**
     * Resolves all label references and returns a copy of the code bytes {@code [0, position())}.
     * May be called more than once (later calls see later instructions). External symbol references
     * are not resolved; see {@link #relocations()}.
     *
     * @throws IllegalStateException if an instruction or datum refers to a label that is not bound,
     *     naming the label and the offset of the reference
     */
    public byte[] finish() {
        if (relaxation != null) {
            return relaxation.finish();
        }
        byte[] out = Arrays.copyOf(buf, pos);
        resolveFixups(out, x -> x);
        return out;
    }

    /**
     * The external-symbol relocations recorded so far, in emission order (an unmodifiable view); after
     * {@link #relaxBranches()}, those of the last {@link #finish()}, at final offsets.
     *
     * @throws IllegalStateException if the assembler relaxes and {@link #finish()} has not run
     */
    public List<Relocation> relocations() {
        if (relaxation != null) {
            if (finalRelocs == null) {
                throw new IllegalStateException("relocations of a relaxing assembler are known after finish()");
            }
            return finalRelocs;
        }
        return java.util.Collections.unmodifiableList(relocs);
    }

    /**
     * Turns on branch relaxation for everything emitted from here on: {@link #jmp(Label)} and
     * {@link #jcc(Cond, Label)} take the 2-byte rel8 form wherever the displacement in the final code
     * fits in a signed byte (else rel32), {@link #align(int)} and {@link #pad} pad the final positions,
     * and every other reference to a label (calls, RIP-relative operands, jump-table entries) is
     * resolved by {@link #finish()} at final offsets. The choice is the least one: starting with every
     * jump short, {@link #finish()} lengthens the jumps whose displacement does not fit until none is
     * left (with only jumps and fixed-size code between, exactly GNU {@code as}'s result).
     *
     * <p>Until {@link #finish()}, {@link #position()} and label positions are emission offsets, in
     * which each jump takes its long form and each alignment or pad its largest size; map them with
     * {@link #finalOffset(int)}.
     *
     * @throws IllegalStateException if anything has been emitted already
     */
    public void relaxBranches() {
        if (pos != 0 || !fixups.isEmpty()) {
            throw new IllegalStateException("relaxBranches() must come before the first instruction");
        }
        relaxation = new Relaxation();
    }

    /**
     * The offset in the code of the last {@link #finish()} of emission offset {@code offset}: a
     * position taken with {@link #position()} or a label's position. A position at the start of a
     * jump, alignment or pad stays before it; any later one moves with the code after it. Without
     * relaxation, {@code offset} itself.
     *
     * @throws IllegalStateException if the assembler relaxes and {@link #finish()} has not run
     */
    public int finalOffset(int offset) {
        return relaxation == null ? offset : relaxation.map(offset);
    }

    /**
     * The offsets {@link #finish()} would give if called now, with every {@link #pad} computed now,
     * as a map from emission offsets (as {@link #finalOffset(int)} maps them after finish()). A pad
     * whose size depends on this layout (one that returns 0 until it is known) can then be sized
     * without emitting the code twice. Without relaxation, the identity.
     */
    public java.util.function.IntUnaryOperator provisionalOffsets() {
        return relaxation == null ? x -> x : relaxation.provisional();
    }

    /**
     * Pads with {@code padAt.applyAsInt(p)} NOPs, where {@code p} is the final offset of the pad: a
     * placement that depends on where the code lands (e.g. a loop header placed in its fetch window).
     * Without {@link #relaxBranches()} the pad is computed at once from {@link #position()}.
     *
     * @param padAt the pad in bytes, 0 to {@code max}, for a final offset
     * @param max   the largest pad {@code padAt} returns, at least 1
     * @throws IllegalArgumentException if {@code max < 1}, or (by {@link #finish()} when relaxing) if
     *     {@code padAt} returns a value outside 0..{@code max}
     */
    public void pad(java.util.function.IntUnaryOperator padAt, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("pad: max must be >= 1, got " + max);
        }
        if (relaxation == null) {
            int n = padAt.applyAsInt(pos);
            if (n < 0 || n > max) {
                throw new IllegalArgumentException("pad: " + n + " bytes is outside 0.." + max);
            }
            nop(n);
            return;
        }
        relaxation.add(Relaxation.PAD, null, padAt, max);
        nop(max); // emission bytes only; finish() writes the final pad
    }

    /**
     * Overwrites the 4 bytes at {@code offset} with {@code value} (little-endian), e.g. to patch a
     * frame size emitted as an imm32 placeholder.
     *
     * @throws IllegalArgumentException unless {@code 0 <= offset && offset + 4 <= position()}
     */
    public void patchInt32(int offset, int value) {
        if (offset < 0 || offset > pos - 4) {
            throw new IllegalArgumentException("patch offset " + offset + " outside [0, " + (pos - 4) + "]");
        }
        putInt32(offset, value);
    }

    /** Appends the bytes of {@code bytes} verbatim (constant pools, jump tables). */
    public void emitBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
    }

    /** Appends one byte (the low 8 bits of {@code value}). */
    public void emitInt8(int value) {
        emit(value);
    }

    /** Appends a little-endian 32-bit value. */
    public void emitInt32(int value) {
        emit32(value);
    }

    /** Appends a little-endian 64-bit value. */
    public void emitInt64(long value) {
        emit32((int) value);
        emit32((int) (value >>> 32));
    }

    /**
     * Appends the 32-bit signed difference {@code target - base} of two label positions (a relative
     * jump-table entry), resolved by {@link #finish()}.
     */
    public void emitLabelOffset32(Label target, Label base) {
        checkReference(target, false);
        checkReference(base, false);
        fixups.add(new Fixup(pos, target, Fixup.DIFF32, 0, base, 0));
        emit32(0);
    }

    // ------------------------------------------------------------------------------------------
    // Data movement

    /** {@code mov dst, src} (88/89 /r, store form as GNU as). */
    public void mov(Size size, Gpr dst, Gpr src) {
        rr(size, 0, size == Size.S8 ? 0x88 : 0x89, src.encoding(), dst.encoding(), byteRex(size, src, dst));
    }

    /** {@code mov dst, [mem]} (8A/8B /r): a load of {@code size} bytes; 32-bit loads zero-extend. */
    public void mov(Size size, Gpr dst, Mem src) {
        rm(size, 0, size == Size.S8 ? 0x8A : 0x8B, dst.encoding(), src, byteRex(size, dst), 0);
    }

    /** {@code mov [mem], src} (88/89 /r): a store of the low {@code size} bytes of {@code src}. */
    public void mov(Size size, Mem dst, Gpr src) {
        rm(size, 0, size == Size.S8 ? 0x88 : 0x89, src.encoding(), dst, byteRex(size, src), 0);
    }

    /**
     * {@code mov dst, imm}, shortest correct form: S8 {@code B0+r ib}; S16 {@code 66 B8+r iw};
     * S32 {@code B8+r id}; S64: {@code B8+r id} (32-bit move, zero-extends) when {@code 0 <= imm <
     * 2^32}, else {@code REX.W C7 /0 id} (sign-extended) when it fits in an int, else
     * {@code REX.W B8+r io} ({@code movabs}). Never changes flags (see {@link #zero(Gpr)}).
     *
     * @throws IllegalArgumentException if {@code imm} is outside the signed/unsigned range of {@code size}
     */
    public void movImm(Size size, Gpr dst, long imm) {
        int r = dst.encoding();
        switch (size) {
            case S8 -> {
                checkImm(size, imm, "mov");
                rex(false, 0, 0, r, byteRex(size, dst));
                emit(0xB0 + (r & 7));
                emit((int) imm);
            }
            case S16 -> {
                checkImm(size, imm, "mov");
                emit(0x66);
                rex(false, 0, 0, r, false);
                emit(0xB8 + (r & 7));
                emit16((int) imm);
            }
            case S32 -> {
                checkImm(size, imm, "mov");
                rex(false, 0, 0, r, false);
                emit(0xB8 + (r & 7));
                emit32((int) imm);
            }
            case S64 -> {
                if (imm >= 0 && imm <= 0xFFFF_FFFFL) {
                    rex(false, 0, 0, r, false);
                    emit(0xB8 + (r & 7));
                    emit32((int) imm);
                } else if (imm == (int) imm) {
                    rr(Size.S64, 0, 0xC7, 0, r, false);
                    emit32((int) imm);
                } else {
                    rex(true, 0, 0, r, false);
                    emit(0xB8 + (r & 7));
                    emitInt64(imm);
                }
            }
        }
    }

    /**
     * {@code mov [mem], imm} (C6 /0 ib, 66 C7 /0 iw, C7 /0 id, REX.W C7 /0 id sign-extended to 64 bits).
     *
     * @throws IllegalArgumentException if {@code imm} is outside the range of an 8/16-bit {@code size}
     */
    public void movImm(Size size, Mem dst, int imm) {
        checkImm(size, imm, "mov");
        rm(size, 0, size == Size.S8 ? 0xC6 : 0xC7, 0, dst, false, immBytes(size, false));
        emitImm(size, imm);
    }

    /** {@code xor r32, r32} (31 /r): sets {@code reg} to 0 (all 64 bits) and <em>clobbers the flags</em>. */
    public void zero(Gpr reg) {
        rr(Size.S32, 0, 0x31, reg.encoding(), reg.encoding(), false);
    }

    /**
     * {@code lea dst, [mem]} (8D /r): the effective address truncated to {@code size} (S16, S32, S64).
     *
     * @throws IllegalArgumentException for {@link Size#S8}
     */
    public void lea(Size size, Gpr dst, Mem src) {
        notByte(size, "lea");
        rm(size, 0, 0x8D, dst.encoding(), src, false, 0);
    }

    /**
     * {@code movzx dst, src} (0F B6 / 0F B7 /r): zero-extends the low {@code srcSize} bytes of
     * {@code src} to {@code dstSize}. For a 32-to-64-bit zero extension use {@code mov(S32, ...)}.
     *
     * @throws IllegalArgumentException unless {@code srcSize} is S8 or S16 and narrower than {@code dstSize}
     */
    public void movzx(Size dstSize, Gpr dst, Size srcSize, Gpr src) {
        checkExtend(dstSize, srcSize, "movzx");
        rr(dstSize, 0, srcSize == Size.S8 ? 0x0FB6 : 0x0FB7, dst.encoding(), src.encoding(), byteRex(srcSize, src));
    }

    /** {@code movzx dst, byte/word [mem]}; see {@link #movzx(Size, Gpr, Size, Gpr)}. */
    public void movzx(Size dstSize, Gpr dst, Size srcSize, Mem src) {
        checkExtend(dstSize, srcSize, "movzx");
        rm(dstSize, 0, srcSize == Size.S8 ? 0x0FB6 : 0x0FB7, dst.encoding(), src, false, 0);
    }

    /**
     * {@code movsx dst, src} (0F BE / 0F BF /r): sign-extends the low {@code srcSize} bytes. For 32 to
     * 64 bits use {@link #movsxd(Gpr, Gpr)}.
     *
     * @throws IllegalArgumentException unless {@code srcSize} is S8 or S16 and narrower than {@code dstSize}
     */
    public void movsx(Size dstSize, Gpr dst, Size srcSize, Gpr src) {
        checkExtend(dstSize, srcSize, "movsx");
        rr(dstSize, 0, srcSize == Size.S8 ? 0x0FBE : 0x0FBF, dst.encoding(), src.encoding(), byteRex(srcSize, src));
    }

    /** {@code movsx dst, byte/word [mem]}; see {@link #movsx(Size, Gpr, Size, Gpr)}. */
    public void movsx(Size dstSize, Gpr dst, Size srcSize, Mem src) {
        checkExtend(dstSize, srcSize, "movsx");
        rm(dstSize, 0, srcSize == Size.S8 ? 0x0FBE : 0x0FBF, dst.encoding(), src, false, 0);
    }

    /** {@code movsxd r64, r32} (REX.W 63 /r): sign-extends the low 32 bits of {@code src}. */
    public void movsxd(Gpr dst, Gpr src) {
        rr(Size.S64, 0, 0x63, dst.encoding(), src.encoding(), false);
    }

    /** {@code movsxd r64, dword [mem]} (REX.W 63 /r). */
    public void movsxd(Gpr dst, Mem src) {
        rm(Size.S64, 0, 0x63, dst.encoding(), src, false, 0);
    }

    /**
     * {@code xchg a, b}: {@code 90+r} when one operand is the accumulator (except {@code xchg eax,eax},
     * which must zero-extend and uses {@code 87 C0}; {@code xchg rax,rax} / {@code ax,ax} are the
     * plain NOPs {@code 90} / {@code 66 90}), else {@code 86/87 /r} with {@code b} in ModRM.reg.
     */
    public void xchg(Size size, Gpr a, Gpr b) {
        if (size != Size.S8 && (a == Gpr.RAX || b == Gpr.RAX)) {
            Gpr other = a == Gpr.RAX ? b : a;
            if (other == Gpr.RAX) {
                if (size == Size.S32) {
                    rr(size, 0, 0x87, 0, 0, false);
                    return;
                }
                if (size == Size.S16) {
                    emit(0x66);
                }
                emit(0x90);
                return;
            }
            if (size == Size.S16) {
                emit(0x66);
            }
            rex(size == Size.S64, 0, 0, other.encoding(), false);
            emit(0x90 + other.low3());
            return;
        }
        rr(size, 0, size == Size.S8 ? 0x86 : 0x87, b.encoding(), a.encoding(), byteRex(size, a, b));
    }

    /** {@code push r64} (50+r). */
    public void push(Gpr reg) {
        rex(false, 0, 0, reg.encoding(), false);
        emit(0x50 + reg.low3());
    }

    /** {@code pop r64} (58+r). */
    public void pop(Gpr reg) {
        rex(false, 0, 0, reg.encoding(), false);
        emit(0x58 + reg.low3());
    }

    /** {@code push imm} (6A ib or 68 id), pushing the value sign-extended to 64 bits. */
    public void pushImm(int imm) {
        if (fits8(imm)) {
            emit(0x6A);
            emit(imm);
        } else {
            emit(0x68);
            emit32(imm);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Integer arithmetic

    /** {@code op dst, src} (opcode {@code op*8 + 0/1}, store form as GNU as). */
    public void alu(AluOp op, Size size, Gpr dst, Gpr src) {
        rr(size, 0, op.code() * 8 + (size == Size.S8 ? 0 : 1), src.encoding(), dst.encoding(), byteRex(size, src, dst));
        logicFlags(op, size, dst);
    }

    /** {@code op dst, [mem]} (opcode {@code op*8 + 2/3}). */
    public void alu(AluOp op, Size size, Gpr dst, Mem src) {
        rm(size, 0, op.code() * 8 + (size == Size.S8 ? 2 : 3), dst.encoding(), src, byteRex(size, dst), 0);
        logicFlags(op, size, dst);
    }

    /** Where the last {@code and}, {@code or} or {@code xor} into a register ended; -1 before any. */
    private int logicFlagsAt = -1;
    /** {@link #boundLabels()} right after it, its register and size. */
    private int logicFlagsLabels;
    private Gpr logicFlagsReg;
    private Size logicFlagsSize;

    private void logicFlags(AluOp op, Size size, Gpr dst) {
        if (op == AluOp.AND || op == AluOp.OR || op == AluOp.XOR) {
            logicFlagsAt = pos;
            logicFlagsLabels = boundLabels();
            logicFlagsReg = dst;
            logicFlagsSize = size;
        }
    }

    /**
     * Whether the flags at the current position are those {@code test r, r} of {@code size} would set:
     * the instruction just emitted, with no label bound since, is an {@code and}, {@code or} or
     * {@code xor} of that size into {@code r}, which sets ZF, SF and PF from its result and clears CF
     * and OF as the test does (Intel SDM Vol. 2, AND/OR/XOR and TEST: "The OF and CF flags are
     * cleared; the SF, ZF, and PF flags are set according to the result").
     */
    public boolean flagsAreTestOf(Size size, Gpr r) {
        return logicFlagsAt == pos && boundLabels() == logicFlagsLabels && r == logicFlagsReg && size == logicFlagsSize;
    }

    /** {@code op [mem], src} (opcode {@code op*8 + 0/1}). */
    public void alu(AluOp op, Size size, Mem dst, Gpr src) {
        rm(size, 0, op.code() * 8 + (size == Size.S8 ? 0 : 1), src.encoding(), dst, byteRex(size, src), 0);
    }

    /**
     * {@code op dst, imm}: {@code 83 /op ib} when the immediate fits in a sign-extended byte, else the
     * accumulator short form ({@code op*8 + 4/5}) for al/ax/eax/rax, else {@code 80/81 /op}. For S64
     * the int is sign-extended to 64 bits.
     *
     * @throws IllegalArgumentException if {@code imm} is outside the range of an 8/16-bit {@code size}
     */
    public void aluImm(AluOp op, Size size, Gpr dst, int imm) {
        checkImm(size, imm, op.mnemonic());
        if (size == Size.S8) {
            if (dst == Gpr.RAX) {
                emit(op.code() * 8 + 4);
            } else {
                rr(size, 0, 0x80, op.code(), dst.encoding(), byteRex(size, dst));
            }
            emit(imm);
        } else if (fits8(size == Size.S16 ? (short) imm : imm)) {
            rr(size, 0, 0x83, op.code(), dst.encoding(), false);
            emit(imm);
        } else {
            if (dst == Gpr.RAX) {
                prefixes(size, 0);
                rex(size == Size.S64, 0, 0, 0, false);
                emit(op.code() * 8 + 5);
            } else {
                rr(size, 0, 0x81, op.code(), dst.encoding(), false);
            }
            emitImm(size, imm);
        }
        logicFlags(op, size, dst);
    }

    /** {@code op size [mem], imm} (80 /op ib, 83 /op ib, 81 /op iw/id); see {@link #aluImm(AluOp, Size, Gpr, int)}. */
    public void aluImm(AluOp op, Size size, Mem dst, int imm) {
        checkImm(size, imm, op.mnemonic());
        if (size == Size.S8) {
            rm(size, 0, 0x80, op.code(), dst, false, 1);
            emit(imm);
        } else if (fits8(size == Size.S16 ? (short) imm : imm)) {
            rm(size, 0, 0x83, op.code(), dst, false, 1);
            emit(imm);
        } else {
            rm(size, 0, 0x81, op.code(), dst, false, immBytes(size, false));
            emitImm(size, imm);
        }
    }

    /** {@code test a, b} (84/85 /r, {@code b} in ModRM.reg): flags of {@code a & b}. */
    public void test(Size size, Gpr a, Gpr b) {
        rr(size, 0, size == Size.S8 ? 0x84 : 0x85, b.encoding(), a.encoding(), byteRex(size, a, b));
    }

    /** {@code test [mem], b} (84/85 /r). */
    public void test(Size size, Mem a, Gpr b) {
        rm(size, 0, size == Size.S8 ? 0x84 : 0x85, b.encoding(), a, byteRex(size, b), 0);
    }

    /**
     * {@code test a, imm}: A8/A9 for the accumulator, else F6/F7 /0; there is no imm8 form for wider
     * sizes (S64 sign-extends an imm32).
     *
     * @throws IllegalArgumentException if {@code imm} is outside the range of an 8/16-bit {@code size}
     */
    public void testImm(Size size, Gpr a, int imm) {
        checkImm(size, imm, "test");
        if (a == Gpr.RAX) {
            prefixes(size, 0);
            rex(size == Size.S64, 0, 0, 0, false);
            emit(size == Size.S8 ? 0xA8 : 0xA9);
        } else {
            rr(size, 0, size == Size.S8 ? 0xF6 : 0xF7, 0, a.encoding(), byteRex(size, a));
        }
        emitImm(size, imm);
    }

    /** {@code test size [mem], imm} (F6/F7 /0). */
    public void testImm(Size size, Mem a, int imm) {
        checkImm(size, imm, "test");
        rm(size, 0, size == Size.S8 ? 0xF6 : 0xF7, 0, a, false, immBytes(size, false));
        emitImm(size, imm);
    }

    /** {@code imul dst, src} (0F AF /r): truncated signed = unsigned product; S16, S32, S64. */
    public void imul(Size size, Gpr dst, Gpr src) {
        notByte(size, "imul");
        rr(size, 0, 0x0FAF, dst.encoding(), src.encoding(), false);
    }

    /** {@code imul dst, [mem]} (0F AF /r). */
    public void imul(Size size, Gpr dst, Mem src) {
        notByte(size, "imul");
        rm(size, 0, 0x0FAF, dst.encoding(), src, false, 0);
    }

    /** {@code imul dst, src, imm} (6B /r ib or 69 /r iw/id); S16, S32, S64. */
    public void imulImm(Size size, Gpr dst, Gpr src, int imm) {
        notByte(size, "imul");
        checkImm(size, imm, "imul");
        boolean short8 = fits8(size == Size.S16 ? (short) imm : imm);
        rr(size, 0, short8 ? 0x6B : 0x69, dst.encoding(), src.encoding(), false);
        if (short8) {
            emit(imm);
        } else {
            emitImm(size, imm);
        }
    }

    /** {@code imul dst, [mem], imm} (6B /r ib or 69 /r iw/id). */
    public void imulImm(Size size, Gpr dst, Mem src, int imm) {
        notByte(size, "imul");
        checkImm(size, imm, "imul");
        boolean short8 = fits8(size == Size.S16 ? (short) imm : imm);
        rm(size, 0, short8 ? 0x6B : 0x69, dst.encoding(), src, false, short8 ? 1 : immBytes(size, false));
        if (short8) {
            emit(imm);
        } else {
            emitImm(size, imm);
        }
    }

    /** {@code op reg, cl} (D2/D3 /op): shift or rotate by the count in cl (masked to 5 or 6 bits). */
    public void shift(ShiftOp op, Size size, Gpr reg) {
        rr(size, 0, size == Size.S8 ? 0xD2 : 0xD3, op.code(), reg.encoding(), byteRex(size, reg));
    }

    /**
     * {@code op reg, count}: D0/D1 /op for a count of 1 (as GNU as), else C0/C1 /op ib.
     *
     * @throws IllegalArgumentException unless {@code 0 <= count <= 255}
     */
    public void shiftImm(ShiftOp op, Size size, Gpr reg, int count) {
        if (count < 0 || count > 255) {
            throw new IllegalArgumentException(op.mnemonic() + ": shift count must be 0..255, got " + count);
        }
        boolean s8 = size == Size.S8;
        if (count == 1) {
            rr(size, 0, s8 ? 0xD0 : 0xD1, op.code(), reg.encoding(), byteRex(size, reg));
        } else {
            rr(size, 0, s8 ? 0xC0 : 0xC1, op.code(), reg.encoding(), byteRex(size, reg));
            emit(count);
        }
    }

    /** {@code not reg} (F6/F7 /2). */
    public void not(Size size, Gpr reg) {
        group3(size, 2, reg);
    }

    /** {@code neg reg} (F6/F7 /3). */
    public void neg(Size size, Gpr reg) {
        group3(size, 3, reg);
    }

    /** {@code mul reg} (F6/F7 /4): unsigned rdx:rax = rax * reg (ax = al * reg for S8). */
    public void mul(Size size, Gpr reg) {
        group3(size, 4, reg);
    }

    /** One-operand {@code imul reg} (F6/F7 /5): signed rdx:rax = rax * reg. */
    public void imulWide(Size size, Gpr reg) {
        group3(size, 5, reg);
    }

    /** {@code div reg} (F6/F7 /6): unsigned rdx:rax / reg; raises #DE on a zero divisor or overflow. */
    public void div(Size size, Gpr reg) {
        group3(size, 6, reg);
    }

    /** {@code idiv reg} (F6/F7 /7): signed rdx:rax / reg; raises #DE on zero or on MIN / -1. */
    public void idiv(Size size, Gpr reg) {
        group3(size, 7, reg);
    }

    /** {@code div size [mem]} (F6/F7 /6). */
    public void div(Size size, Mem m) {
        rm(size, 0, size == Size.S8 ? 0xF6 : 0xF7, 6, m, false, 0);
    }

    /** {@code idiv size [mem]} (F6/F7 /7). */
    public void idiv(Size size, Mem m) {
        rm(size, 0, size == Size.S8 ? 0xF6 : 0xF7, 7, m, false, 0);
    }

    /** {@code cdq} (99): sign-extends eax into edx:eax. */
    public void cdq() {
        emit(0x99);
    }

    /** {@code cqo} (REX.W 99): sign-extends rax into rdx:rax. */
    public void cqo() {
        emit(0x48);
        emit(0x99);
    }

    /** {@code cdqe} (REX.W 98): sign-extends eax into rax. */
    public void cdqe() {
        emit(0x48);
        emit(0x98);
    }

    /** {@code set<cc> reg8} (0F 90+cc /0): the low byte of {@code reg} becomes 1 or 0; upper bits unchanged. */
    public void setcc(Cond cond, Gpr reg) {
        rr(Size.S32, 0, 0x0F90 + cond.code(), 0, reg.encoding(), byteRex(Size.S8, reg));
    }

    /** {@code cmov<cc> dst, src} (0F 40+cc /r); S16, S32 (zero-extends even when not taken), S64. */
    public void cmov(Cond cond, Size size, Gpr dst, Gpr src) {
        notByte(size, "cmov");
        rr(size, 0, 0x0F40 + cond.code(), dst.encoding(), src.encoding(), false);
    }

    /** {@code cmov<cc> dst, [mem]} (0F 40+cc /r); the load happens (and may fault) either way. */
    public void cmov(Cond cond, Size size, Gpr dst, Mem src) {
        notByte(size, "cmov");
        rm(size, 0, 0x0F40 + cond.code(), dst.encoding(), src, false, 0);
    }

    /** {@code lzcnt dst, src} (F3 0F BD /r, requires the LZCNT/ABM feature); S16, S32, S64. */
    public void lzcnt(Size size, Gpr dst, Gpr src) {
        bitScan(size, 0xF3, 0x0FBD, dst, src, "lzcnt");
    }

    /** {@code tzcnt dst, src} (F3 0F BC /r, requires BMI1); S16, S32, S64. */
    public void tzcnt(Size size, Gpr dst, Gpr src) {
        bitScan(size, 0xF3, 0x0FBC, dst, src, "tzcnt");
    }

    /** {@code popcnt dst, src} (F3 0F B8 /r, requires POPCNT); S16, S32, S64. */
    public void popcnt(Size size, Gpr dst, Gpr src) {
        bitScan(size, 0xF3, 0x0FB8, dst, src, "popcnt");
    }

    /** {@code bsr dst, src} (0F BD /r): index of the highest set bit; dst undefined and ZF=1 if src is 0. */
    public void bsr(Size size, Gpr dst, Gpr src) {
        bitScan(size, 0, 0x0FBD, dst, src, "bsr");
    }

    /** {@code bsf dst, src} (0F BC /r): index of the lowest set bit; dst undefined and ZF=1 if src is 0. */
    public void bsf(Size size, Gpr dst, Gpr src) {
        bitScan(size, 0, 0x0FBC, dst, src, "bsf");
    }

    /**
     * {@code bswap reg} (0F C8+r): reverses the byte order; S32 or S64.
     *
     * @throws IllegalArgumentException for S8 or S16 (undefined in hardware)
     */
    public void bswap(Size size, Gpr reg) {
        if (size != Size.S32 && size != Size.S64) {
            throw new IllegalArgumentException("bswap: size must be S32 or S64, got " + size);
        }
        rex(size == Size.S64, 0, 0, reg.encoding(), false);
        emit(0x0F);
        emit(0xC8 + reg.low3());
    }

    // ------------------------------------------------------------------------------------------
    // BMI1/BMI2 (VEX-encoded general-purpose instructions; none of them reads flags, andn writes them
    // as and does, rorx/shlx/shrx/sarx leave them alone)

    /** {@code andn dst, src1, src2} (VEX.LZ.0F38 F2 /r, BMI1): {@code dst = ~src1 & src2}; S32 or S64. */
    public void andn(Size size, Gpr dst, Gpr src1, Gpr src2) {
        vexRr(size, 0b00, 0b00010, 0xF2, dst, src1.encoding(), src2, "andn");
    }

    /** {@code rorx dst, src, imm8} (VEX.LZ.F2.0F3A F0 /r ib, BMI2): dst = src rotated right by imm8; S32 or S64. */
    public void rorx(Size size, Gpr dst, Gpr src, int imm8) {
        if (imm8 < 0 || imm8 > 255) {
            throw new IllegalArgumentException("rorx: the count must be an imm8 0..255, got " + imm8);
        }
        vexRr(size, 0b11, 0b00011, 0xF0, dst, 0, src, "rorx");
        emit(imm8);
    }

    /**
     * {@code shlx}/{@code shrx}/{@code sarx dst, src, count} (VEX.LZ.66/F2/F3.0F38 F7 /r, BMI2): dst =
     * src shifted by count (modulo the width), count in any register; S32 or S64.
     *
     * @param shift {@link ShiftOp#SHL}, {@link ShiftOp#SHR} or {@link ShiftOp#SAR}
     */
    public void shiftx(ShiftOp shift, Size size, Gpr dst, Gpr src, Gpr count) {
        int pp = switch (shift) {
            case SHL -> 0b01;
            case SHR -> 0b11;
            case SAR -> 0b10;
            default -> throw new IllegalArgumentException("shiftx: shl, shr or sar only, got " + shift);
        };
        vexRr(size, pp, 0b00010, 0xF7, dst, count.encoding(), src, shift.mnemonic() + "x");
    }

    /**
     * A three-byte VEX instruction with a register-direct ModRM: C4, [R X B mmmmm], [W vvvv L=0 pp],
     * opcode, ModRM(11, reg, rm); {@code vvvv} is the (not yet inverted) register it names.
     */
    private void vexRr(Size size, int pp, int map, int opcode, Gpr reg, int vvvv, Gpr rm, String name) {
        if (size != Size.S32 && size != Size.S64) {
            throw new IllegalArgumentException(name + ": S32 or S64 only, got " + size);
        }
        emit(0xC4);
        emit((~reg.encoding() >> 3 & 1) << 7 | 1 << 6 | (~rm.encoding() >> 3 & 1) << 5 | map);
        emit((size == Size.S64 ? 0x80 : 0) | (~vvvv & 15) << 3 | pp);
        emit(opcode);
        emit(0xC0 | (reg.encoding() & 7) << 3 | (rm.encoding() & 7));
    }

    // ------------------------------------------------------------------------------------------
    // Control flow

    /** {@code ret} (C3). */
    public void ret() {
        emit(0xC3);
        noFallthrough();
    }

    /** The position right after the last unconditional transfer (jmp, ret, ud2); -1 before any. */
    private int noFallthroughAt = -1;
    /** {@link #boundLabels()} right after it. */
    private int noFallthroughLabels;

    private void noFallthrough() {
        noFallthroughAt = pos;
        noFallthroughLabels = boundLabels();
    }

    /**
     * Whether control may reach the current position from the code before it: false right after an
     * unconditional {@code jmp}, {@code ret} or {@code ud2} with no label bound since (a label
     * bound there is a way in), true otherwise (also at the start).
     */
    public boolean fallsThrough() {
        return pos != noFallthroughAt || boundLabels() != noFallthroughLabels;
    }

    /** {@code ret imm16} (C2 iw): returns and pops {@code bytes} more (the callee's stack arguments). */
    public void ret(int bytes) {
        if (bytes == 0) {
            ret();
            return;
        }
        if (bytes < 0 || bytes > 0xFFFF) {
            throw new IllegalArgumentException("ret pops 0..65535 bytes, not " + bytes);
        }
        emit(0xC2);
        emit(bytes & 0xFF);
        emit(bytes >>> 8);
        noFallthrough();
    }

    /** {@code call rel32} (E8) to a label of this assembler. */
    public void call(Label target) {
        checkReference(target, true);
        emit(0xE8);
        rel32(target);
    }

    /** {@code call reg} (FF /2), an indirect call through a register. */
    public void call(Gpr target) {
        rr(Size.S32, 0, 0xFF, 2, target.encoding(), false);
    }

    /** {@code call qword [mem]} (FF /2). */
    public void call(Mem target) {
        rm(Size.S32, 0, 0xFF, 2, target, false, 0);
    }

    /**
     * {@code call rel32} (E8) to an external symbol: emits a zero displacement and records
     * {@code Relocation(X86_PC32, offset of the field, symbol, -4)}.
     */
    public void callRel32(int symbol) {
        emit(0xE8);
        relocs.add(new Relocation(RelocKind.X86_PC32, pos, symbol, -4));
        emit32(0);
    }

    /** {@code jmp rel32} (E9) to an external symbol (a tail call); records a relocation like {@link #callRel32(int)}. */
    public void jmpRel32(int symbol) {
        emit(0xE9);
        relocs.add(new Relocation(RelocKind.X86_PC32, pos, symbol, -4));
        emit32(0);
        noFallthrough();
    }

    /** {@code jmp target}: EB rel8 for a bound label within reach, else E9 rel32. */
    public void jmp(Label target) {
        checkReference(target, true);
        if (relaxation != null) {
            relaxation.add(Relaxation.JMP, target, null, 5);
            emit(0xE9);
            emit32(0);
        } else if (target.offsetOrUnbound() >= 0 && fits8(target.offsetOrUnbound() - (pos + 2))) {
            emit(0xEB);
            emit(target.offsetOrUnbound() - pos - 1);
        } else {
            emit(0xE9);
            rel32(target);
        }
        noFallthrough();
    }

    /** {@code jmp reg} (FF /4). */
    public void jmp(Gpr target) {
        rr(Size.S32, 0, 0xFF, 4, target.encoding(), false);
        noFallthrough();
    }

    /** {@code jmp qword [mem]} (FF /4). */
    public void jmp(Mem target) {
        rm(Size.S32, 0, 0xFF, 4, target, false, 0);
        noFallthrough();
    }

    /** {@code j<cc> target}: 70+cc rel8 for a bound label within reach, else 0F 80+cc rel32. */
    public void jcc(Cond cond, Label target) {
        checkReference(target, true);
        if (relaxation != null) {
            relaxation.add(Relaxation.JCC + cond.code(), target, null, 6);
            emit(0x0F);
            emit(0x80 + cond.code());
            emit32(0);
        } else if (target.offsetOrUnbound() >= 0 && fits8(target.offsetOrUnbound() - (pos + 2))) {
            emit(0x70 + cond.code());
            emit(target.offsetOrUnbound() - pos - 1);
        } else {
            emit(0x0F);
            emit(0x80 + cond.code());
            rel32(target);
        }
    }

    /** {@code ud2} (0F 0B): raises #UD (an invalid-opcode trap). */
    public void ud2() {
        emit(0x0F);
        emit(0x0B);
        noFallthrough();
    }

    /**
     * {@code ud1 r32, r32} with ModRM {@code 0xC0 | payload} (0F B9 /r, 3 bytes): raises #UD like
     * {@code ud2}, and carries 6 bits in its ModRM byte that a signal handler reads at the faulting
     * address plus 2 (a trap site's code, see {@code SignalHandlerStub}).
     *
     * @param payload 0 to 63
     * @throws IllegalArgumentException if {@code payload} is outside 0 to 63
     */
    public void ud1(int payload) {
        if (payload < 0 || payload > 63) {
            throw new IllegalArgumentException("ud1 payload " + payload + " is not 0 to 63");
        }
        emit(0x0F);
        emit(0xB9);
        emit(0xC0 | payload);
        noFallthrough();
    }

    /** {@code int3} (CC): a breakpoint trap. */
    public void int3() {
        emit(0xCC);
    }

    /**
     * Emits {@code bytes} bytes of NOPs using the recommended multi-byte NOP sequences (Intel SDM
     * Vol. 2, NOP, Table 4-12): 9-byte NOPs followed by one shorter NOP for the rest (the same bytes
     * as GNU as {@code .nops n, 9} for short runs; GNU as jumps over long runs, this never does).
     *
     * @throws IllegalArgumentException if {@code bytes < 0}
     */
    public void nop(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("nop: byte count must be >= 0, got " + bytes);
        }
        ensure(bytes);
        writeNops(buf, pos, bytes);
        pos += bytes;
    }

    /** Writes {@code n} bytes of NOPs at {@code out[at]}: 9-byte NOPs, then one shorter for the rest. */
    private static void writeNops(byte[] out, int at, int n) {
        for (int done = 0; done < n; done += 9) {
            byte[] nop = NOPS[Math.min(9, n - done)];
            System.arraycopy(nop, 0, out, at + done, nop.length);
        }
    }

    /**
     * Pads with NOPs (see {@link #nop(int)}) until {@link #position()} is a multiple of {@code alignment}.
     *
     * @throws IllegalArgumentException unless {@code alignment} is a positive power of two
     */
    public void align(int alignment) {
        if (alignment <= 0 || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment must be a positive power of two, got " + alignment);
        }
        if (relaxation != null) {
            if (alignment > 1) {
                relaxation.add(Relaxation.ALIGN, null, null, alignment - 1);
                nop(alignment - 1); // emission bytes only; finish() writes the final padding
            }
            return;
        }
        nop((alignment - (pos & (alignment - 1))) & (alignment - 1));
    }

    /**
     * Branch relaxation (see {@link #relaxBranches()}): the jumps, alignments and pads in emission
     * order, and after {@link #finish()} the map from emission offsets to final ones.
     *
     * <p>The layout is the least fixed point of "a jump is long if its displacement does not fit in
     * rel8": every jump starts short; each round lays out the code (alignments and pads computed at
     * their final offsets) and lengthens every short jump that does not reach; jumps only ever
     * lengthen, so the rounds end, and in the last one every short jump reaches (usually 2 to 4 rounds).
     */
    private final class Relaxation {
        static final int JMP = -1;
        static final int ALIGN = -2;
        static final int PAD = -3;
        /** {@code JCC + cond.code()}: a conditional jump. */
        static final int JCC = 0;

        private int count;
        /** Emission offset of each event (ascending, distinct). */
        private int[] at = new int[64];
        /** Bytes each takes in the emission: 5 or 6 for a jump, the largest padding otherwise. */
        private int[] reserved = new int[64];
        private int[] kind = new int[64];
        private Label[] target = new Label[64];
        private final List<java.util.function.IntUnaryOperator> pads = new ArrayList<>();
        private int[] padIndex = new int[64];
        /** Per event, in the last layout: final size in bytes, and final minus emission offset after it. */
        private int[] size = new int[64];
        private int[] shiftAfter = new int[64];
        private boolean laidOut;

        void add(int k, Label t, java.util.function.IntUnaryOperator padAt, int bytes) {
            if (count == at.length) {
                int n = count * 2;
                at = Arrays.copyOf(at, n);
                reserved = Arrays.copyOf(reserved, n);
                kind = Arrays.copyOf(kind, n);
                target = Arrays.copyOf(target, n);
                padIndex = Arrays.copyOf(padIndex, n);
                size = Arrays.copyOf(size, n);
                shiftAfter = Arrays.copyOf(shiftAfter, n);
            }
            at[count] = pos;
            reserved[count] = bytes;
            kind[count] = k;
            target[count] = t;
            if (padAt != null) {
                padIndex[count] = pads.size();
                pads.add(padAt);
            }
            count++;
            laidOut = false;
        }

        /** Final minus emission offset for emission offset {@code x}: the shift after the last event before it. */
        private int shift(int x) {
            int lo = 0;
            int hi = count; // first event at or after x
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (at[mid] < x) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo == 0 ? 0 : shiftAfter[lo - 1];
        }

        int map(int x) {
            if (!laidOut) {
                throw new IllegalStateException("final offsets are known after finish()");
            }
            return x + shift(x);
        }

        private int targetOf(int i) {
            Label t = target[i];
            if (t.offsetOrUnbound() < 0) {
                throw new IllegalStateException("label " + t.name() + " is used at offset " + at[i] + " but never bound");
            }
            return t.offsetOrUnbound() + shift(t.offsetOrUnbound());
        }

        /** One layout with the jumps whose {@code size} is 5 or 6 long and the others short. */
        private void layout() {
            int shift = 0;
            for (int i = 0; i < count; i++) {
                int start = at[i] + shift;
                int k = kind[i];
                int n;
                if (k == ALIGN) {
                    int alignment = reserved[i] + 1;
                    n = -start & (alignment - 1);
                } else if (k == PAD) {
                    n = pads.get(padIndex[i]).applyAsInt(start);
                    if (n < 0 || n > reserved[i]) {
                        throw new IllegalArgumentException("pad: " + n + " bytes at offset " + start
                                + " is outside 0.." + reserved[i]);
                    }
                } else {
                    n = size[i];
                }
                size[i] = n;
                shift += n - reserved[i];
                shiftAfter[i] = shift;
            }
            laidOut = true;
        }

        /**
         * The map from emission offsets to the offsets of a layout of the events so far, pads computed
         * now; the next {@link #finish()} lays out again.
         */
        java.util.function.IntUnaryOperator provisional() {
            relax();
            int[] events = Arrays.copyOf(at, count);
            int[] shifts = Arrays.copyOf(shiftAfter, count);
            laidOut = false;
            // offsets are mostly asked for in ascending order (a block's instructions): a cursor walks
            // the events forward, and a binary search serves the others and an offset that is an event's
            int[] cursor = new int[1]; // events before the offset asked for last
            return x -> {
                int c = cursor[0];
                if (c > 0 && events[c - 1] >= x) {
                    c = 0;
                }
                int stop = Math.min(count, c + 64);
                while (c < stop && events[c] < x) {
                    c++;
                }
                int before;
                if (c < count && events[c] <= x) { // the walk stopped short, or x is an event's offset
                    int i = Arrays.binarySearch(events, x);
                    before = i >= 0 ? i : -i - 1; // events strictly before x
                    c = before;
                } else {
                    before = c;
                }
                cursor[0] = c;
                return x + (before == 0 ? 0 : shifts[before - 1]);
            };
        }

        /** Relaxes the jumps: the least fixed point, every jump starting short (see the class comment). */
        private void relax() {
            for (int i = 0; i < count; i++) {
                if (kind[i] >= JCC || kind[i] == JMP) {
                    size[i] = 2;
                }
            }
            boolean grew = true;
            while (grew) {
                layout();
                grew = false;
                for (int i = 0; i < count; i++) {
                    if (size[i] == 2 && (kind[i] >= JCC || kind[i] == JMP)) {
                        int end = at[i] + (i == 0 ? 0 : shiftAfter[i - 1]) + 2;
                        if (!fits8(targetOf(i) - end)) {
                            size[i] = reserved[i];
                            grew = true;
                        }
                    }
                }
            }
        }

        byte[] finish() {
            relax();
            int finalLength = pos + (count == 0 ? 0 : shiftAfter[count - 1]);
            byte[] out = new byte[finalLength];
            int from = 0;
            int to = 0;
            for (int i = 0; i < count; i++) {
                int len = at[i] - from;
                System.arraycopy(buf, from, out, to, len);
                to += len;
                int k = kind[i];
                int n = size[i];
                if (k == ALIGN || k == PAD) {
                    writeNops(out, to, n);
                } else {
                    int end = to + n;
                    int disp = targetOf(i) - end;
                    if (n == 2) {
                        out[to] = (byte) (k == JMP ? 0xEB : 0x70 + k);
                        out[to + 1] = (byte) disp;
                    } else if (k == JMP) {
                        out[to] = (byte) 0xE9;
                        putInt32(out, to + 1, disp);
                    } else {
                        out[to] = 0x0F;
                        out[to + 1] = (byte) (0x80 + k);
                        putInt32(out, to + 2, disp);
                    }
                }
                to += n;
                from = at[i] + reserved[i];
            }
            System.arraycopy(buf, from, out, to, pos - from);
            resolveFixups(out, this::map);
            List<Relocation> moved = new ArrayList<>(relocs.size());
            for (Relocation r : relocs) {
                moved.add(new Relocation(r.kind(), map(r.offset()), r.symbol(), r.addend()));
            }
            finalRelocs = java.util.Collections.unmodifiableList(moved);
            return out;
        }
    }

    /**
     * Writes every label reference into {@code out}, the code with each emission offset {@code x} at
     * {@code toFinal.applyAsInt(x)} (the identity without relaxation).
     *
     * @throws IllegalStateException if a reference names a label that is not bound
     */
    private void resolveFixups(byte[] out, java.util.function.IntUnaryOperator toFinal) {
        for (Fixup f : fixups) {
            long value;
            if (f.kind == Fixup.DIFF32) {
                value = (long) toFinal.applyAsInt(bound(f.target, f)) - toFinal.applyAsInt(bound(f.base, f)) + f.addend;
            } else {
                value = (long) toFinal.applyAsInt(bound(f.target, f)) - toFinal.applyAsInt(f.pcBase) + f.addend;
            }
            putInt32(out, toFinal.applyAsInt(f.offset), (int) value);
        }
    }

    /** The emission offset of {@code label}, which {@code f} refers to. */
    private static int bound(Label label, Fixup f) {
        if (label.offsetOrUnbound() < 0) {
            throw new IllegalStateException("label " + label.name() + " is used at offset " + f.offset + " but never bound");
        }
        return label.offsetOrUnbound();
    }

    private static void putInt32(byte[] out, int at, int value) {
        out[at] = (byte) value;
        out[at + 1] = (byte) (value >>> 8);
        out[at + 2] = (byte) (value >>> 16);
        out[at + 3] = (byte) (value >>> 24);
    }

    private static final byte[][] NOPS = {
        {},
        {(byte) 0x90},
        {0x66, (byte) 0x90},
        {0x0F, 0x1F, 0x00},
        {0x0F, 0x1F, 0x40, 0x00},
        {0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x0F, 0x1F, (byte) 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0F, 0x1F, (byte) 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, (byte) 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };

    // ------------------------------------------------------------------------------------------
    // SSE/SSE2/SSE4.1 scalar floating point (Intel SDM Vol. 2 instruction pages; legacy SSE
    // encodings, or in VEX mode their VEX.128 forms with the destination as first source). Scalar forms write only the low lane of the destination; packed
    // bitwise forms with a memory operand need a 16-byte aligned operand (else #GP).

    /** {@code movss dst, src} (F3 0F 10 /r): copies the low 32 bits, upper lanes of dst unchanged. */
    public void movss(Xmm dst, Xmm src) {
        moveRr(0xF3, 0x0F10, 0x0F11, dst, src, true);
    }

    /** {@code movss dst, dword [mem]} (F3 0F 10 /r): loads an f32 and zeroes the upper lanes. */
    public void movss(Xmm dst, Mem src) {
        sseMove(0xF3, 0x0F10, dst, src);
    }

    /** {@code movss dword [mem], src} (F3 0F 11 /r): stores the low f32. */
    public void movss(Mem dst, Xmm src) {
        sseMove(0xF3, 0x0F11, src, dst);
    }

    /** {@code movsd dst, src} (F2 0F 10 /r): copies the low 64 bits, upper lane of dst unchanged. */
    public void movsd(Xmm dst, Xmm src) {
        moveRr(0xF2, 0x0F10, 0x0F11, dst, src, true);
    }

    /** {@code movsd dst, qword [mem]} (F2 0F 10 /r): loads an f64 and zeroes the upper lane. */
    public void movsd(Xmm dst, Mem src) {
        sseMove(0xF2, 0x0F10, dst, src);
    }

    /** {@code movsd qword [mem], src} (F2 0F 11 /r): stores the low f64. */
    public void movsd(Mem dst, Xmm src) {
        sseMove(0xF2, 0x0F11, src, dst);
    }

    /** {@code movaps dst, src} (0F 28 /r): copies all 128 bits (the preferred register-to-register move). */
    public void movaps(Xmm dst, Xmm src) {
        moveRr(0, 0x0F28, 0x0F29, dst, src, false);
    }

    /** {@code movapd dst, src} (66 0F 28 /r): copies all 128 bits. */
    public void movapd(Xmm dst, Xmm src) {
        moveRr(0x66, 0x0F28, 0x0F29, dst, src, false);
    }

    /** {@code movups dst, xmmword [mem]} (0F 10 /r): unaligned 128-bit load. */
    public void movups(Xmm dst, Mem src) {
        sseMove(0, 0x0F10, dst, src);
    }

    /** {@code movups xmmword [mem], src} (0F 11 /r): unaligned 128-bit store. */
    public void movups(Mem dst, Xmm src) {
        sseMove(0, 0x0F11, src, dst);
    }

    /** {@code movd dst, src32} (66 0F 6E /r): moves 32 bits from a GPR, zeroing the upper lanes. */
    public void movd(Xmm dst, Gpr src) {
        xrr(false, 0x66, 0x0F6E, dst.encoding(), 0, src.encoding());
    }

    /** {@code movd dst32, src} (66 0F 7E /r): the low 32 bits of {@code src}, zero-extended into the GPR. */
    public void movd(Gpr dst, Xmm src) {
        xrr(false, 0x66, 0x0F7E, src.encoding(), 0, dst.encoding());
    }

    /** {@code movq dst, src64} (66 REX.W 0F 6E /r): moves 64 bits from a GPR, zeroing the upper lane. */
    public void movq(Xmm dst, Gpr src) {
        xrr(true, 0x66, 0x0F6E, dst.encoding(), 0, src.encoding());
    }

    /** {@code movq dst64, src} (66 REX.W 0F 7E /r): the low 64 bits of {@code src}. */
    public void movq(Gpr dst, Xmm src) {
        xrr(true, 0x66, 0x0F7E, src.encoding(), 0, dst.encoding());
    }

    /** {@code addss dst, src} (F3 0F 58 /r). */
    public void addss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F58, dst, src);
    }

    /** {@code addss dst, dword [mem]} (F3 0F 58 /r). */
    public void addss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F58, dst, src);
    }

    /** {@code addsd dst, src} (F2 0F 58 /r). */
    public void addsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F58, dst, src);
    }

    /** {@code addsd dst, qword [mem]} (F2 0F 58 /r). */
    public void addsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F58, dst, src);
    }

    /** {@code subss dst, src} (F3 0F 5C /r): dst = dst - src. */
    public void subss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F5C, dst, src);
    }

    /** {@code subss dst, dword [mem]} (F3 0F 5C /r). */
    public void subss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F5C, dst, src);
    }

    /** {@code subsd dst, src} (F2 0F 5C /r): dst = dst - src. */
    public void subsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F5C, dst, src);
    }

    /** {@code subsd dst, qword [mem]} (F2 0F 5C /r). */
    public void subsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F5C, dst, src);
    }

    /** {@code mulss dst, src} (F3 0F 59 /r). */
    public void mulss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F59, dst, src);
    }

    /** {@code mulss dst, dword [mem]} (F3 0F 59 /r). */
    public void mulss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F59, dst, src);
    }

    /** {@code mulsd dst, src} (F2 0F 59 /r). */
    public void mulsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F59, dst, src);
    }

    /** {@code mulsd dst, qword [mem]} (F2 0F 59 /r). */
    public void mulsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F59, dst, src);
    }

    /** {@code divss dst, src} (F3 0F 5E /r): dst = dst / src. */
    public void divss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F5E, dst, src);
    }

    /** {@code divss dst, dword [mem]} (F3 0F 5E /r). */
    public void divss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F5E, dst, src);
    }

    /** {@code divsd dst, src} (F2 0F 5E /r): dst = dst / src. */
    public void divsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F5E, dst, src);
    }

    /** {@code divsd dst, qword [mem]} (F2 0F 5E /r). */
    public void divsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F5E, dst, src);
    }

    /** {@code sqrtss dst, src} (F3 0F 51 /r). */
    public void sqrtss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F51, dst, src);
    }

    /** {@code sqrtss dst, dword [mem]} (F3 0F 51 /r). */
    public void sqrtss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F51, dst, src);
    }

    /** {@code sqrtsd dst, src} (F2 0F 51 /r). */
    public void sqrtsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F51, dst, src);
    }

    /** {@code sqrtsd dst, qword [mem]} (F2 0F 51 /r). */
    public void sqrtsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F51, dst, src);
    }

    /**
     * {@code minss dst, src} (F3 0F 5D /r): not IEEE/Wasm {@code fmin}: returns {@code src} when either
     * is NaN or both are zeros of any sign.
     */
    public void minss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F5D, dst, src);
    }

    /** {@code minss dst, dword [mem]} (F3 0F 5D /r). */
    public void minss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F5D, dst, src);
    }

    /** {@code minsd dst, src} (F2 0F 5D /r); same NaN/zero caveat as {@link #minss(Xmm, Xmm)}. */
    public void minsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F5D, dst, src);
    }

    /** {@code minsd dst, qword [mem]} (F2 0F 5D /r). */
    public void minsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F5D, dst, src);
    }

    /** {@code maxss dst, src} (F3 0F 5F /r); same NaN/zero caveat as {@link #minss(Xmm, Xmm)}. */
    public void maxss(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F5F, dst, src);
    }

    /** {@code maxss dst, dword [mem]} (F3 0F 5F /r). */
    public void maxss(Xmm dst, Mem src) {
        sse(0xF3, 0x0F5F, dst, src);
    }

    /** {@code maxsd dst, src} (F2 0F 5F /r). */
    public void maxsd(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F5F, dst, src);
    }

    /** {@code maxsd dst, qword [mem]} (F2 0F 5F /r). */
    public void maxsd(Xmm dst, Mem src) {
        sse(0xF2, 0x0F5F, dst, src);
    }

    /**
     * {@code ucomiss a, b} (0F 2E /r): compares f32 and sets ZF/PF/CF like an unsigned compare
     * ({@link Cond#B}, {@link Cond#A}, ...); unordered (NaN) sets ZF=PF=CF=1. Quiet on QNaN.
     */
    public void ucomiss(Xmm a, Xmm b) {
        sseMove(0, 0x0F2E, a, b);
    }

    /** {@code ucomiss a, dword [mem]} (0F 2E /r). */
    public void ucomiss(Xmm a, Mem b) {
        sseMove(0, 0x0F2E, a, b);
    }

    /** {@code ucomisd a, b} (66 0F 2E /r); see {@link #ucomiss(Xmm, Xmm)}. */
    public void ucomisd(Xmm a, Xmm b) {
        sseMove(0x66, 0x0F2E, a, b);
    }

    /** {@code ucomisd a, qword [mem]} (66 0F 2E /r). */
    public void ucomisd(Xmm a, Mem b) {
        sseMove(0x66, 0x0F2E, a, b);
    }

    /** {@code comiss a, b} (0F 2F /r): like {@link #ucomiss(Xmm, Xmm)} but signals invalid on QNaN too. */
    public void comiss(Xmm a, Xmm b) {
        sseMove(0, 0x0F2F, a, b);
    }

    /** {@code comiss a, dword [mem]} (0F 2F /r). */
    public void comiss(Xmm a, Mem b) {
        sseMove(0, 0x0F2F, a, b);
    }

    /** {@code comisd a, b} (66 0F 2F /r). */
    public void comisd(Xmm a, Xmm b) {
        sseMove(0x66, 0x0F2F, a, b);
    }

    /** {@code comisd a, qword [mem]} (66 0F 2F /r). */
    public void comisd(Xmm a, Mem b) {
        sseMove(0x66, 0x0F2F, a, b);
    }

    /** {@code andps dst, src} (0F 54 /r): 128-bit bitwise and. */
    public void andps(Xmm dst, Xmm src) {
        sse(0, 0x0F54, dst, src);
    }

    /** {@code andps dst, xmmword [mem]} (0F 54 /r); mem must be 16-byte aligned. */
    public void andps(Xmm dst, Mem src) {
        sse(0, 0x0F54, dst, src);
    }

    /** {@code andpd dst, src} (66 0F 54 /r). */
    public void andpd(Xmm dst, Xmm src) {
        sse(0x66, 0x0F54, dst, src);
    }

    /** {@code andpd dst, xmmword [mem]} (66 0F 54 /r); mem must be 16-byte aligned. */
    public void andpd(Xmm dst, Mem src) {
        sse(0x66, 0x0F54, dst, src);
    }

    /** {@code andnps dst, src} (0F 55 /r): dst = ~dst &amp; src. */
    public void andnps(Xmm dst, Xmm src) {
        sse(0, 0x0F55, dst, src);
    }

    /** {@code andnps dst, xmmword [mem]} (0F 55 /r); mem must be 16-byte aligned. */
    public void andnps(Xmm dst, Mem src) {
        sse(0, 0x0F55, dst, src);
    }

    /** {@code andnpd dst, src} (66 0F 55 /r): dst = ~dst &amp; src. */
    public void andnpd(Xmm dst, Xmm src) {
        sse(0x66, 0x0F55, dst, src);
    }

    /** {@code andnpd dst, xmmword [mem]} (66 0F 55 /r); mem must be 16-byte aligned. */
    public void andnpd(Xmm dst, Mem src) {
        sse(0x66, 0x0F55, dst, src);
    }

    /** {@code orps dst, src} (0F 56 /r). */
    public void orps(Xmm dst, Xmm src) {
        sse(0, 0x0F56, dst, src);
    }

    /** {@code orps dst, xmmword [mem]} (0F 56 /r); mem must be 16-byte aligned. */
    public void orps(Xmm dst, Mem src) {
        sse(0, 0x0F56, dst, src);
    }

    /** {@code orpd dst, src} (66 0F 56 /r). */
    public void orpd(Xmm dst, Xmm src) {
        sse(0x66, 0x0F56, dst, src);
    }

    /** {@code orpd dst, xmmword [mem]} (66 0F 56 /r); mem must be 16-byte aligned. */
    public void orpd(Xmm dst, Mem src) {
        sse(0x66, 0x0F56, dst, src);
    }

    /** {@code xorps dst, src} (0F 57 /r); {@code xorps x, x} zeroes x. */
    public void xorps(Xmm dst, Xmm src) {
        sse(0, 0x0F57, dst, src);
    }

    /** {@code xorps dst, xmmword [mem]} (0F 57 /r); mem must be 16-byte aligned. */
    public void xorps(Xmm dst, Mem src) {
        sse(0, 0x0F57, dst, src);
    }

    /** {@code xorpd dst, src} (66 0F 57 /r). */
    public void xorpd(Xmm dst, Xmm src) {
        sse(0x66, 0x0F57, dst, src);
    }

    /** {@code xorpd dst, xmmword [mem]} (66 0F 57 /r); mem must be 16-byte aligned. */
    public void xorpd(Xmm dst, Mem src) {
        sse(0x66, 0x0F57, dst, src);
    }

    /**
     * {@code cvtsi2ss dst, src} (F3 [REX.W] 0F 2A /r): converts the signed S32 or S64 integer to f32
     * (rounding per MXCSR); only the low lane of dst is written (a false dependency on dst).
     *
     * @throws IllegalArgumentException unless {@code srcSize} is S32 or S64
     */
    public void cvtsi2ss(Size srcSize, Xmm dst, Gpr src) {
        xrr(sizeW(srcSize, "cvtsi2ss") == Size.S64, 0xF3, 0x0F2A, dst.encoding(), dst.encoding(), src.encoding());
    }

    /** {@code cvtsi2ss dst, dword/qword [mem]}; see {@link #cvtsi2ss(Size, Xmm, Gpr)}. */
    public void cvtsi2ss(Size srcSize, Xmm dst, Mem src) {
        xrm(sizeW(srcSize, "cvtsi2ss") == Size.S64, 0xF3, 0x0F2A, dst.encoding(), dst.encoding(), src, 0);
    }

    /** {@code cvtsi2sd dst, src} (F2 [REX.W] 0F 2A /r): signed S32/S64 integer to f64. */
    public void cvtsi2sd(Size srcSize, Xmm dst, Gpr src) {
        xrr(sizeW(srcSize, "cvtsi2sd") == Size.S64, 0xF2, 0x0F2A, dst.encoding(), dst.encoding(), src.encoding());
    }

    /** {@code cvtsi2sd dst, dword/qword [mem]}; see {@link #cvtsi2sd(Size, Xmm, Gpr)}. */
    public void cvtsi2sd(Size srcSize, Xmm dst, Mem src) {
        xrm(sizeW(srcSize, "cvtsi2sd") == Size.S64, 0xF2, 0x0F2A, dst.encoding(), dst.encoding(), src, 0);
    }

    /**
     * {@code cvttss2si dst, src} (F3 [REX.W] 0F 2C /r): f32 to signed S32/S64 integer, truncating;
     * NaN and out-of-range values give the "integer indefinite" value {@code MIN_VALUE}.
     *
     * @throws IllegalArgumentException unless {@code dstSize} is S32 or S64
     */
    public void cvttss2si(Size dstSize, Gpr dst, Xmm src) {
        xrr(sizeW(dstSize, "cvttss2si") == Size.S64, 0xF3, 0x0F2C, dst.encoding(), 0, src.encoding());
    }

    /** {@code cvttss2si dst, dword [mem]}. */
    public void cvttss2si(Size dstSize, Gpr dst, Mem src) {
        xrm(sizeW(dstSize, "cvttss2si") == Size.S64, 0xF3, 0x0F2C, dst.encoding(), 0, src, 0);
    }

    /** {@code cvttsd2si dst, src} (F2 [REX.W] 0F 2C /r): f64 to signed integer, truncating; see {@link #cvttss2si}. */
    public void cvttsd2si(Size dstSize, Gpr dst, Xmm src) {
        xrr(sizeW(dstSize, "cvttsd2si") == Size.S64, 0xF2, 0x0F2C, dst.encoding(), 0, src.encoding());
    }

    /** {@code cvttsd2si dst, qword [mem]}. */
    public void cvttsd2si(Size dstSize, Gpr dst, Mem src) {
        xrm(sizeW(dstSize, "cvttsd2si") == Size.S64, 0xF2, 0x0F2C, dst.encoding(), 0, src, 0);
    }

    /** {@code cvtss2sd dst, src} (F3 0F 5A /r): f32 to f64 (exact). */
    public void cvtss2sd(Xmm dst, Xmm src) {
        sse(0xF3, 0x0F5A, dst, src);
    }

    /** {@code cvtss2sd dst, dword [mem]} (F3 0F 5A /r). */
    public void cvtss2sd(Xmm dst, Mem src) {
        sse(0xF3, 0x0F5A, dst, src);
    }

    /** {@code cvtsd2ss dst, src} (F2 0F 5A /r): f64 to f32, rounding per MXCSR. */
    public void cvtsd2ss(Xmm dst, Xmm src) {
        sse(0xF2, 0x0F5A, dst, src);
    }

    /** {@code cvtsd2ss dst, qword [mem]} (F2 0F 5A /r). */
    public void cvtsd2ss(Xmm dst, Mem src) {
        sse(0xF2, 0x0F5A, dst, src);
    }

    /**
     * {@code roundss dst, src, mode} (66 0F 3A 0A /r ib, SSE4.1). {@code mode} bits 1..0: 0 nearest
     * even, 1 down (floor), 2 up (ceil), 3 toward zero (trunc); bit 2: use MXCSR instead; bit 3:
     * suppress the precision exception. Wasm's {@code f32.nearest} is mode 8, {@code floor} 9,
     * {@code ceil} 10, {@code trunc} 11.
     *
     * @throws IllegalArgumentException unless {@code 0 <= mode <= 255}
     */
    public void roundss(Xmm dst, Xmm src, int mode) {
        checkRoundMode(mode);
        sse(0x66, 0x0F3A0A, dst, src);
        emit(mode);
    }

    /** {@code roundss dst, dword [mem], mode}; see {@link #roundss(Xmm, Xmm, int)}. */
    public void roundss(Xmm dst, Mem src, int mode) {
        checkRoundMode(mode);
        xrm(false, 0x66, 0x0F3A0A, dst.encoding(), dst.encoding(), src, 1);
        emit(mode);
    }

    /** {@code roundsd dst, src, mode} (66 0F 3A 0B /r ib, SSE4.1); modes as {@link #roundss(Xmm, Xmm, int)}. */
    public void roundsd(Xmm dst, Xmm src, int mode) {
        checkRoundMode(mode);
        sse(0x66, 0x0F3A0B, dst, src);
        emit(mode);
    }

    /** {@code roundsd dst, qword [mem], mode}; see {@link #roundss(Xmm, Xmm, int)}. */
    public void roundsd(Xmm dst, Mem src, int mode) {
        checkRoundMode(mode);
        xrm(false, 0x66, 0x0F3A0B, dst.encoding(), dst.encoding(), src, 1);
        emit(mode);
    }

    // ------------------------------------------------------------------------------------------
    // Packed SSE2/SSSE3/SSE4.1 (128-bit integer and float lanes): legacy encodings, or their VEX.128
    // forms in VEX mode (useVex), where the vpacked methods also give the three-operand forms

    /**
     * {@code op dst, src} for a {@link PackedOp} without an imm8 (in VEX mode {@code vop dst, dst, src},
     * or {@code vop dst, src} for the forms that only write dst).
     *
     * @throws IllegalArgumentException if {@code op} takes an imm8
     * @throws IllegalStateException if {@code op} has only a VEX form and VEX mode is off
     */
    public void packed(PackedOp op, Xmm dst, Xmm src) {
        noImm8(op);
        packedRr(op, dst, firstSource(op, dst), src);
    }

    /** {@code op dst, xmmword [mem]} for a {@link PackedOp} without an imm8 (VEX mode as {@link #packed(PackedOp, Xmm, Xmm)}). */
    public void packed(PackedOp op, Xmm dst, Mem src) {
        noImm8(op);
        packedRm(op, dst, firstSource(op, dst), src, 0);
    }

    /**
     * {@code op dst, src, imm8} for a {@link PackedOp} with an imm8.
     *
     * @throws IllegalArgumentException if {@code op} takes no imm8 or {@code imm8} is not in 0..255
     */
    public void packed(PackedOp op, Xmm dst, Xmm src, int imm8) {
        imm8(op, imm8);
        packedRr(op, dst, firstSource(op, dst), src);
        emit(imm8);
    }

    /** {@code op dst, xmmword [mem], imm8} for a {@link PackedOp} with an imm8. */
    public void packed(PackedOp op, Xmm dst, Mem src, int imm8) {
        imm8(op, imm8);
        packedRm(op, dst, firstSource(op, dst), src, 1);
        emit(imm8);
    }

    /**
     * The VEX.128 three-operand form {@code vop dst, src1, src2} (AVX, Intel SDM Vol. 2 §2.3): dst =
     * src1 op src2, dst not read, bits 255:128 of its ymm register zeroed. For the scalar forms
     * ({@code addss} ...) bits 127:32 (or 127:64) of dst come from src1.
     *
     * @throws IllegalStateException if VEX mode is off
     * @throws IllegalArgumentException if {@code op} takes an imm8 or has no first source ({@link PackedOp#writesOnly()})
     */
    public void vpacked(PackedOp op, Xmm dst, Xmm src1, Xmm src2) {
        threeOperand(op);
        noImm8(op);
        packedRr(op, dst, src1.encoding(), src2);
    }

    /** {@code vop dst, src1, [mem]}: {@link #vpacked(PackedOp, Xmm, Xmm, Xmm)} with a memory second source. */
    public void vpacked(PackedOp op, Xmm dst, Xmm src1, Mem src2) {
        threeOperand(op);
        noImm8(op);
        packedRm(op, dst, src1.encoding(), src2, 0);
    }

    /** {@code vop dst, src1, src2, imm8}: {@link #vpacked(PackedOp, Xmm, Xmm, Xmm)} for a form with an imm8. */
    public void vpacked(PackedOp op, Xmm dst, Xmm src1, Xmm src2, int imm8) {
        threeOperand(op);
        imm8(op, imm8);
        packedRr(op, dst, src1.encoding(), src2);
        emit(imm8);
    }

    /** {@code vop dst, src1, [mem], imm8}. */
    public void vpacked(PackedOp op, Xmm dst, Xmm src1, Mem src2, int imm8) {
        threeOperand(op);
        imm8(op, imm8);
        packedRm(op, dst, src1.encoding(), src2, 1);
        emit(imm8);
    }

    /**
     * The blend by a mask register's sign bits, four operands (VEX.128.66.0F3A.W0 4A/4B/4C /r /is4,
     * AVX): {@code vblendvps} (lane width 4), {@code vblendvpd} (8) or {@code vpblendvb} (1): each
     * lane of dst is src2's where the mask lane's top bit is set, else src1's. Unlike SSE4.1's
     * {@code blendvps}/{@code pblendvb} the mask is any register, not implicitly xmm0.
     *
     * @throws IllegalStateException if VEX mode is off
     * @throws IllegalArgumentException for another lane width
     */
    public void blendv(int laneWidth, Xmm dst, Xmm src1, Xmm src2, Xmm mask) {
        int opcode = switch (laneWidth) {
            case 1 -> 0x0F3A4C;
            case 4 -> 0x0F3A4A;
            case 8 -> 0x0F3A4B;
            default -> throw new IllegalArgumentException("blendv: lane width 1, 4 or 8 bytes, got " + laneWidth);
        };
        if (!vex) {
            throw new IllegalStateException("blendv with a mask register is a VEX form: VEX mode is off");
        }
        xrr(false, 0x66, opcode, dst.encoding(), src1.encoding(), src2.encoding());
        emit(mask.encoding() << 4);
    }

    private int firstSource(PackedOp op, Xmm dst) {
        return op.writesOnly() ? 0 : dst.encoding();
    }

    private void threeOperand(PackedOp op) {
        if (!vex) {
            throw new IllegalStateException(op.vexMnemonic() + " dst, src1, src2 is a VEX form: VEX mode is off");
        }
        if (op.writesOnly()) {
            throw new IllegalArgumentException(op.vexMnemonic() + " has no first source operand");
        }
    }

    private void packedRr(PackedOp op, Xmm dst, int vvvv, Xmm src) {
        vexOnly(op);
        if (vex && (op == PackedOp.MOVDQA || op == PackedOp.MOVDQU)) {
            moveRr(op.prefix(), 0x0F6F, 0x0F7F, dst, src, false);
            return;
        }
        xrr(op.vexW(), op.prefix(), op.opcode(), dst.encoding(), vvvv, src.encoding());
    }

    private void packedRm(PackedOp op, Xmm dst, int vvvv, Mem src, int immBytes) {
        vexOnly(op);
        xrm(op.vexW(), op.prefix(), op.opcode(), dst.encoding(), vvvv, src, immBytes);
    }

    private void vexOnly(PackedOp op) {
        if (op.vexOnly() && !vex) {
            throw new IllegalStateException(op.vexMnemonic() + " has only a VEX encoding: VEX mode is off");
        }
    }

    private static void noImm8(PackedOp op) {
        if (op.hasImm8()) {
            throw new IllegalArgumentException(op.mnemonic() + " takes an imm8");
        }
    }

    private static void imm8(PackedOp op, int imm8) {
        if (!op.hasImm8()) {
            throw new IllegalArgumentException(op.mnemonic() + " takes no imm8");
        }
        if (imm8 < 0 || imm8 > 255) {
            throw new IllegalArgumentException(op.mnemonic() + ": imm8 must be 0..255, got " + imm8);
        }
    }

    /** Packed shifts by an immediate count: {@code 66 0F 71/72/73 /digit ib} (SSE2). */
    public enum PackedShift {
        /** {@code psrlw} (66 0F 71 /2 ib). */ PSRLW(0x0F71, 2),
        /** {@code psraw} (66 0F 71 /4 ib). */ PSRAW(0x0F71, 4),
        /** {@code psllw} (66 0F 71 /6 ib). */ PSLLW(0x0F71, 6),
        /** {@code psrld} (66 0F 72 /2 ib). */ PSRLD(0x0F72, 2),
        /** {@code psrad} (66 0F 72 /4 ib). */ PSRAD(0x0F72, 4),
        /** {@code pslld} (66 0F 72 /6 ib). */ PSLLD(0x0F72, 6),
        /** {@code psrlq} (66 0F 73 /2 ib). */ PSRLQ(0x0F73, 2),
        /** {@code psrldq} (66 0F 73 /3 ib): shifts the whole register right by imm8 bytes. */ PSRLDQ(0x0F73, 3),
        /** {@code psllq} (66 0F 73 /6 ib). */ PSLLQ(0x0F73, 6),
        /** {@code pslldq} (66 0F 73 /7 ib): shifts the whole register left by imm8 bytes. */ PSLLDQ(0x0F73, 7);

        final int opcode;
        final int digit;

        PackedShift(int opcode, int digit) {
            this.opcode = opcode;
            this.digit = digit;
        }
    }

    /**
     * {@code shift dst, imm8} (in VEX mode {@code vshift dst, dst, imm8}).
     *
     * @throws IllegalArgumentException unless {@code 0 <= imm8 <= 255}
     */
    public void packedShift(PackedShift shift, Xmm dst, int imm8) {
        packedShift(shift, dst, dst, imm8, false);
    }

    /**
     * {@code vshift dst, src, imm8} (VEX.128.66.0F 71/72/73 /digit ib, AVX; the destination is VEX.vvvv):
     * dst = src shifted, src unchanged.
     *
     * @throws IllegalStateException if VEX mode is off
     * @throws IllegalArgumentException unless {@code 0 <= imm8 <= 255}
     */
    public void packedShift(PackedShift shift, Xmm dst, Xmm src, int imm8) {
        packedShift(shift, dst, src, imm8, true);
    }

    private void packedShift(PackedShift shift, Xmm dst, Xmm src, int imm8, boolean threeOperand) {
        if (imm8 < 0 || imm8 > 255) {
            throw new IllegalArgumentException(shift + ": imm8 must be 0..255, got " + imm8);
        }
        if (threeOperand && !vex) {
            throw new IllegalStateException("v" + shift.name().toLowerCase(Locale.ROOT) + " dst, src, imm8 is a VEX form: VEX mode is off");
        }
        xrr(false, 0x66, shift.opcode, shift.digit, dst.encoding(), src.encoding());
        emit(imm8);
    }

    /**
     * {@code pextrb/pextrw/pextrd/pextrq dst, src, lane} by lane {@code width} (1, 2, 4, 8 bytes):
     * lane {@code lane} of {@code src}, zero-extended into {@code dst} (32-bit forms clear its upper
     * half). pextrw is the SSE2 form {@code 66 0F C5 /r ib}; the others SSE4.1 {@code 66 0F 3A 14/16};
     * in VEX mode their VEX.128 forms.
     *
     * @throws IllegalArgumentException for another width or a lane out of 0..16/width-1
     */
    public void pextr(int width, Gpr dst, Xmm src, int lane) {
        checkLane(width, lane);
        switch (width) {
            case 1 -> xrr(false, 0x66, 0x0F3A14, src.encoding(), 0, dst.encoding());
            case 2 -> xrr(false, 0x66, 0x0FC5, dst.encoding(), 0, src.encoding());
            case 4 -> xrr(false, 0x66, 0x0F3A16, src.encoding(), 0, dst.encoding());
            default -> xrr(true, 0x66, 0x0F3A16, src.encoding(), 0, dst.encoding());
        }
        emit(lane);
    }

    /**
     * {@code pinsrb/pinsrw/pinsrd/pinsrq dst, src, lane} by lane {@code width}: writes the low
     * {@code width} bytes of {@code src} into lane {@code lane} of {@code dst}. pinsrw is the SSE2 form
     * {@code 66 0F C4 /r ib}; the others SSE4.1 {@code 66 0F 3A 20/22}; in VEX mode
     * {@code vpinsr* dst, dst, src, lane}.
     *
     * @throws IllegalArgumentException for another width or a lane out of range
     */
    public void pinsr(int width, Xmm dst, Gpr src, int lane) {
        pinsr(width, dst, dst, src, lane);
    }

    /**
     * {@code vpinsrb/w/d/q dst, src1, src, lane} (VEX.128, AVX): dst = src1 with lane {@code lane}
     * replaced by the low {@code width} bytes of {@code src}. Outside VEX mode only {@code src1 == dst}.
     *
     * @throws IllegalStateException if VEX mode is off and {@code src1 != dst}
     * @throws IllegalArgumentException for another width or a lane out of range
     */
    public void pinsr(int width, Xmm dst, Xmm src1, Gpr src, int lane) {
        checkLane(width, lane);
        if (!vex && src1 != dst) {
            throw new IllegalStateException("vpinsr with a separate first source is a VEX form: VEX mode is off");
        }
        int d = dst.encoding();
        int v = src1.encoding();
        switch (width) {
            case 1 -> xrr(false, 0x66, 0x0F3A20, d, v, src.encoding());
            case 2 -> xrr(false, 0x66, 0x0FC4, d, v, src.encoding());
            case 4 -> xrr(false, 0x66, 0x0F3A22, d, v, src.encoding());
            default -> xrr(true, 0x66, 0x0F3A22, d, v, src.encoding());
        }
        emit(lane);
    }

    private static void checkLane(int width, int lane) {
        if (width != 1 && width != 2 && width != 4 && width != 8) {
            throw new IllegalArgumentException("lane width must be 1, 2, 4 or 8 bytes, got " + width);
        }
        if (lane < 0 || lane >= 16 / width) {
            throw new IllegalArgumentException("lane " + lane + " out of range for " + width + "-byte lanes");
        }
    }

    /** {@code pmovmskb dst, src} (66 0F D7 /r): the 16 byte sign bits of {@code src} into {@code dst}. */
    public void pmovmskb(Gpr dst, Xmm src) {
        xrr(false, 0x66, 0x0FD7, dst.encoding(), 0, src.encoding());
    }

    /** {@code movmskps dst, src} (0F 50 /r): the 4 f32 sign bits. */
    public void movmskps(Gpr dst, Xmm src) {
        xrr(false, 0, 0x0F50, dst.encoding(), 0, src.encoding());
    }

    /** {@code movmskpd dst, src} (66 0F 50 /r): the 2 f64 sign bits. */
    public void movmskpd(Gpr dst, Xmm src) {
        xrr(false, 0x66, 0x0F50, dst.encoding(), 0, src.encoding());
    }

    // ------------------------------------------------------------------------------------------
    // VEX mode: the xmm instructions above as VEX.128 encodings (AVX, Intel SDM Vol. 2 §2.3.5)

    /**
     * Switches every xmm instruction of this assembler to its VEX.128 encoding (AVX): the two-operand
     * methods keep their meaning ({@code addss d, s} is {@code vaddss d, d, s}; a form that only
     * writes its destination leaves VEX.vvvv at 1111), and the three-operand methods
     * ({@link #vpacked}, {@link #packedShift(PackedShift, Xmm, Xmm, int)}, {@link #pinsr(int, Xmm, Xmm, Gpr, int)},
     * {@link #blendv}) become available. Code emitted this way holds no legacy-SSE instruction, so no
     * SSE/AVX transition can occur in it; the VEX.128 forms zero bits 255:128 of their destination. The
     * prefix is the two-byte {@code C5} form whenever the instruction allows it, and register-to-register
     * moves put an extended source in ModRM.reg (the store opcode) to get it, as GNU {@code as} does.
     */
    public void useVex(boolean on) {
        vex = on;
    }

    /** Whether VEX mode is on ({@link #useVex}). */
    public boolean usesVex() {
        return vex;
    }

    /** Whether any VEX-encoded instruction has been emitted (the code needs a CPU with AVX). */
    public boolean emittedVex() {
        return vexEmitted;
    }

    private boolean vex;
    private boolean vexEmitted;

    /** A scalar form whose VEX encoding has a first source (NDS = dst): {@code dst = dst op src}. */
    private void sse(int mandatory, int opcode, Xmm reg, Xmm rm) {
        xrr(false, mandatory, opcode, reg.encoding(), reg.encoding(), rm.encoding());
    }

    private void sse(int mandatory, int opcode, Xmm reg, Mem rm) {
        xrm(false, mandatory, opcode, reg.encoding(), reg.encoding(), rm, 0);
    }

    /** A form without a first source (VEX.vvvv = 1111): loads, stores, compares into flags. */
    private void sseMove(int mandatory, int opcode, Xmm reg, Xmm rm) {
        xrr(false, mandatory, opcode, reg.encoding(), 0, rm.encoding());
    }

    private void sseMove(int mandatory, int opcode, Xmm reg, Mem rm) {
        xrm(false, mandatory, opcode, reg.encoding(), 0, rm, 0);
    }

    /**
     * A register-to-register move with a load ({@code dst <- ModRM.rm}) and a store opcode: in VEX mode
     * an extended source with a low destination takes the store opcode, so the two-byte prefix fits.
     * {@code merges}: movss/movsd, whose VEX form has a first source (dst, for the upper lanes).
     */
    private void moveRr(int mandatory, int load, int store, Xmm dst, Xmm src, boolean merges) {
        int d = dst.encoding();
        int s = src.encoding();
        int v = merges ? d : 0;
        if (vex && s >= 8 && d < 8) {
            xrr(false, mandatory, store, s, v, d);
        } else {
            xrr(false, mandatory, load, d, v, s);
        }
    }

    /**
     * Register-direct xmm form: the legacy encoding ({@code w}: REX.W; {@code vvvv} ignored: the
     * legacy form's destination is its first source), or in VEX mode the VEX.128 one with
     * {@code vvvv} as VEX.vvvv (0 gives 1111, "no operand").
     */
    private void xrr(boolean w, int mandatory, int opcode, int reg, int vvvv, int rm) {
        if (!vex) {
            rr(w ? Size.S64 : Size.S32, mandatory, opcode, reg, rm, false);
            return;
        }
        vexPrefix(w, mandatory, opcode, reg, vvvv, 0, rm);
        emit(0xC0 | (reg & 7) << 3 | (rm & 7));
    }

    /** Memory xmm form, as {@link #xrr}. */
    private void xrm(boolean w, int mandatory, int opcode, int reg, int vvvv, Mem m, int immBytes) {
        if (!vex) {
            rm(w ? Size.S64 : Size.S32, mandatory, opcode, reg, m, false, immBytes);
            return;
        }
        Objects.requireNonNull(m, "memory operand");
        int base = m.base() == null ? 0 : m.base().encoding();
        int index = m.index() == null ? 0 : m.index().encoding();
        vexPrefix(w, mandatory, opcode, reg, vvvv, index, base);
        modrmMem(reg, m, immBytes);
    }

    /**
     * The VEX prefix (L = 0: 128 bits) and the opcode's last byte: two bytes {@code C5 [R vvvv L pp]}
     * for map 0F without W, X or B, else three {@code C4 [R X B mmmmm] [W vvvv L pp]}.
     */
    private void vexPrefix(boolean w, int mandatory, int opcode, int reg, int vvvv, int index, int base) {
        int pp = switch (mandatory) {
            case 0 -> 0;
            case 0x66 -> 1;
            case 0xF3 -> 2;
            case 0xF2 -> 3;
            default -> throw new IllegalArgumentException("no VEX pp for prefix " + Integer.toHexString(mandatory));
        };
        int map = opcode <= 0xFFFF ? 1 : (opcode >> 8 & 0xFF) == 0x38 ? 2 : 3;
        int r = ~reg >> 3 & 1;
        int tail = (~vvvv & 15) << 3 | pp;
        if (map == 1 && !w && index < 8 && base < 8) {
            emit(0xC5);
            emit(r << 7 | tail);
        } else {
            emit(0xC4);
            emit(r << 7 | (~index >> 3 & 1) << 6 | (~base >> 3 & 1) << 5 | map);
            emit((w ? 0x80 : 0) | tail);
        }
        emit(opcode & 0xFF);
        vexEmitted = true;
    }

    private static Size sizeW(Size size, String name) {
        if (size != Size.S32 && size != Size.S64) {
            throw new IllegalArgumentException(name + ": integer size must be S32 or S64, got " + size);
        }
        return size;
    }

    private static void checkRoundMode(int mode) {
        if (mode < 0 || mode > 255) {
            throw new IllegalArgumentException("round: mode must be an imm8 0..255, got " + mode);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Encoding helpers

    private void group3(Size size, int digit, Gpr reg) {
        rr(size, 0, size == Size.S8 ? 0xF6 : 0xF7, digit, reg.encoding(), byteRex(size, reg));
    }

    private void bitScan(Size size, int mandatory, int opcode, Gpr dst, Gpr src, String name) {
        notByte(size, name);
        rr(size, mandatory, opcode, dst.encoding(), src.encoding(), false);
    }

    /** Operand-size prefix for S16, then the mandatory prefix (66/F2/F3) if any. */
    private void prefixes(Size size, int mandatory) {
        if (size == Size.S16) {
            emit(0x66);
        }
        if (mandatory != 0) {
            emit(mandatory);
        }
    }

    private void rex(boolean w, int reg, int index, int base, boolean force) {
        int v = (w ? REX_W : 0) | ((reg >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 | ((base >> 3) & 1);
        if (v != 0 || force) {
            emit(0x40 | v);
        }
    }

    private void opcode(int opcode) {
        if (opcode > 0xFFFF) {
            emit(opcode >> 16);
        }
        if (opcode > 0xFF) {
            emit(opcode >> 8);
        }
        emit(opcode);
    }

    /** Register-direct form: prefixes, REX, opcode, ModRM(mod=11, reg, rm). */
    private void rr(Size size, int mandatory, int opcode, int reg, int rm, boolean forceRex) {
        prefixes(size, mandatory);
        rex(size == Size.S64, reg, 0, rm, forceRex);
        opcode(opcode);
        emit(0xC0 | (reg & 7) << 3 | (rm & 7));
    }

    /**
     * Memory form: prefixes, REX, opcode, ModRM, SIB, displacement. {@code immBytes} is the number of
     * immediate bytes the caller emits afterwards (needed for RIP-relative displacements, which are
     * relative to the end of the instruction).
     */
    private void rm(Size size, int mandatory, int opcode, int reg, Mem m, boolean forceRex, int immBytes) {
        Objects.requireNonNull(m, "memory operand");
        prefixes(size, mandatory);
        int base = m.base() == null ? 0 : m.base().encoding();
        int index = m.index() == null ? 0 : m.index().encoding();
        rex(size == Size.S64, reg, index, base, forceRex);
        opcode(opcode);
        modrmMem(reg, m, immBytes);
    }

    private void modrmMem(int reg, Mem m, int immBytes) {
        int r = (reg & 7) << 3;
        int disp = m.disp();
        if (m.ripTarget() != null) {
            Label target = m.ripTarget();
            checkReference(target, false);
            emit(0x05 | r);
            int field = pos;
            int pcBase = field + 4 + immBytes;
            if (target.offsetOrUnbound() >= 0 && relaxation == null) {
                emit32((int) ((long) target.offsetOrUnbound() - pcBase + disp));
            } else {
                fixups.add(new Fixup(field, target, Fixup.REL32, pcBase, null, disp));
                emit32(0);
            }
            return;
        }
        Gpr base = m.base();
        Gpr index = m.index();
        int ss = Integer.numberOfTrailingZeros(m.scale());
        if (base == null) {
            emit(0x04 | r);
            emit(ss << 6 | (index == null ? 4 : index.low3()) << 3 | 5);
            emit32(disp);
            return;
        }
        int mod = disp == 0 && base.low3() != 5 ? 0 : fits8(disp) ? 1 : 2;
        if (index != null || base.low3() == 4) {
            emit(mod << 6 | r | 4);
            emit(ss << 6 | (index == null ? 4 : index.low3()) << 3 | base.low3());
        } else {
            emit(mod << 6 | r | base.low3());
        }
        if (mod == 1) {
            emit(disp);
        } else if (mod == 2) {
            emit32(disp);
        }
    }

    private void rel32(Label target) {
        checkOwner(target);
        int field = pos;
        if (target.offsetOrUnbound() >= 0 && relaxation == null) {
            emit32(target.offsetOrUnbound() - (field + 4));
        } else {
            fixups.add(new Fixup(field, target, Fixup.REL32, field + 4, null, 0));
            emit32(0);
        }
    }

    /** Whether an 8-bit operation on these registers needs a REX prefix to mean spl/bpl/sil/dil. */
    private static boolean byteRex(Size size, Gpr a) {
        return size == Size.S8 && a.encoding() >= 4 && a.encoding() <= 7;
    }

    private static boolean byteRex(Size size, Gpr a, Gpr b) {
        return byteRex(size, a) || byteRex(size, b);
    }

    private static int immBytes(Size size, boolean imm8) {
        if (imm8) {
            return 1;
        }
        return switch (size) {
            case S8 -> 1;
            case S16 -> 2;
            default -> 4;
        };
    }

    private void emitImm(Size size, int imm) {
        switch (size) {
            case S8 -> emit(imm);
            case S16 -> emit16(imm);
            default -> emit32(imm);
        }
    }

    private static void checkImm(Size size, long imm, String name) {
        long lo;
        long hi;
        switch (size) {
            case S8 -> { lo = -0x80; hi = 0xFF; }
            case S16 -> { lo = -0x8000; hi = 0xFFFF; }
            case S32 -> { lo = Integer.MIN_VALUE; hi = 0xFFFF_FFFFL; }
            default -> { return; }
        }
        if (imm < lo || imm > hi) {
            throw new IllegalArgumentException(name + ": immediate " + imm + " does not fit in " + size.bits() + " bits");
        }
    }

    private static void notByte(Size size, String name) {
        if (size == Size.S8) {
            throw new IllegalArgumentException(name + ": 8-bit operand size is not encodable");
        }
    }

    private static void checkExtend(Size dstSize, Size srcSize, String name) {
        if ((srcSize != Size.S8 && srcSize != Size.S16) || dstSize.bytes() <= srcSize.bytes()) {
            throw new IllegalArgumentException(name + ": cannot extend " + srcSize + " to " + dstSize
                    + " (source must be S8 or S16 and narrower than the destination)");
        }
    }

    private static boolean fits8(long v) {
        return v >= -128 && v <= 127;
    }

    private void emit(int b) {
        if (pos == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[pos++] = (byte) b;
    }

    private void emit16(int v) {
        emit(v);
        emit(v >> 8);
    }

    private void emit32(int v) {
        ensure(4);
        putInt32(pos, v);
        pos += 4;
    }

    private void putInt32(int at, int v) {
        putInt32(buf, at, v);
    }
}
