package dev.kiln.arch.aarch64;

import java.util.Locale;

/**
 * The Advanced SIMD (NEON) instructions the AArch64 backend emits, one table of their encodings (Arm
 * ARM C4.1.95 "Data Processing -- Scalar Floating-Point and Advanced SIMD"): each constant names its
 * encoding class ({@link Form}), its {@code U} bit and {@code opcode} field, and how the {@code size}
 * field is formed (from the {@link Arrangement}, fixed for the bitwise operations, or {@code hi:sz} for
 * the floating-point ones, whose arrangement is {@code 2S}, {@code 4S} or {@code 2D}).
 * {@link Assembler#neon} encodes every form; the {@code 2} variants ({@code smull2}, {@code sqxtn2},
 * {@code sshll2}, {@code fcvtn2}, ...) are the {@code Q = 1} arrangements of the same constant.
 */
public enum NeonOp {
    // three registers of one arrangement: Vd.T, Vn.T, Vm.T
    ADD(Form.THREE_SAME, 0, 0b10000),
    SUB(Form.THREE_SAME, 1, 0b10000),
    MUL(Form.THREE_SAME, 0, 0b10011),
    SQADD(Form.THREE_SAME, 0, 0b00001),
    UQADD(Form.THREE_SAME, 1, 0b00001),
    SQSUB(Form.THREE_SAME, 0, 0b00101),
    UQSUB(Form.THREE_SAME, 1, 0b00101),
    SMAX(Form.THREE_SAME, 0, 0b01100),
    UMAX(Form.THREE_SAME, 1, 0b01100),
    SMIN(Form.THREE_SAME, 0, 0b01101),
    UMIN(Form.THREE_SAME, 1, 0b01101),
    URHADD(Form.THREE_SAME, 1, 0b00010),
    CMEQ(Form.THREE_SAME, 1, 0b10001),
    CMGT(Form.THREE_SAME, 0, 0b00110),
    CMGE(Form.THREE_SAME, 0, 0b00111),
    CMHI(Form.THREE_SAME, 1, 0b00110),
    CMHS(Form.THREE_SAME, 1, 0b00111),
    SSHL(Form.THREE_SAME, 0, 0b01000),
    USHL(Form.THREE_SAME, 1, 0b01000),
    SQRDMULH(Form.THREE_SAME, 1, 0b10110),
    ADDP(Form.THREE_SAME, 0, 0b10111),
    UMAXP(Form.THREE_SAME, 1, 0b10100),
    FADD(Form.THREE_SAME, 0, 0b11010, Fp.LO),
    FSUB(Form.THREE_SAME, 0, 0b11010, Fp.HI),
    FMUL(Form.THREE_SAME, 1, 0b11011, Fp.LO),
    FDIV(Form.THREE_SAME, 1, 0b11111, Fp.LO),
    FMAX(Form.THREE_SAME, 0, 0b11110, Fp.LO),
    FMIN(Form.THREE_SAME, 0, 0b11110, Fp.HI),
    FCMEQ(Form.THREE_SAME, 0, 0b11100, Fp.LO),
    FCMGE(Form.THREE_SAME, 1, 0b11100, Fp.LO),
    FCMGT(Form.THREE_SAME, 1, 0b11100, Fp.HI),
    /** Fused multiply-add into the destination (reads it). */
    FMLA(Form.THREE_SAME, 0, 0b11001, Fp.LO),
    /** Fused multiply-subtract from the destination (reads it). */
    FMLS(Form.THREE_SAME, 0, 0b11001, Fp.HI),
    AND(Form.THREE_SAME, 0, 0b00011, 0),
    BIC(Form.THREE_SAME, 0, 0b00011, 1),
    ORR(Form.THREE_SAME, 0, 0b00011, 2),
    EOR(Form.THREE_SAME, 1, 0b00011, 0),
    /** Bitwise select: {@code Vd = (Vd & Vn) | (~Vd & Vm)}; reads the destination (the mask). */
    BSL(Form.THREE_SAME, 1, 0b00011, 1),
    // permutes: Vd.T, Vn.T, Vm.T
    UZP1(Form.PERMUTE, 0, 0b001),
    TRN1(Form.PERMUTE, 0, 0b010),
    ZIP1(Form.PERMUTE, 0, 0b011),
    UZP2(Form.PERMUTE, 0, 0b101),
    TRN2(Form.PERMUTE, 0, 0b110),
    ZIP2(Form.PERMUTE, 0, 0b111),
    // two registers of one arrangement: Vd.T, Vn.T
    CNT(Form.TWO_MISC, 0, 0b00101),
    NOT(Form.TWO_MISC, 1, 0b00101),
    ABS(Form.TWO_MISC, 0, 0b01011),
    NEG(Form.TWO_MISC, 1, 0b01011),
    /** Compare equal to zero: {@code cmeq Vd.T, Vn.T, #0}. */
    CMEQ_ZERO(Form.TWO_MISC, 0, 0b01001),
    FABS(Form.TWO_MISC, 0, 0b01111, Fp.HI),
    FNEG(Form.TWO_MISC, 1, 0b01111, Fp.HI),
    FSQRT(Form.TWO_MISC, 1, 0b11111, Fp.HI),
    FRINTN(Form.TWO_MISC, 0, 0b11000, Fp.LO),
    FRINTM(Form.TWO_MISC, 0, 0b11001, Fp.LO),
    FRINTP(Form.TWO_MISC, 0, 0b11000, Fp.HI),
    FRINTZ(Form.TWO_MISC, 0, 0b11001, Fp.HI),
    SCVTF(Form.TWO_MISC, 0, 0b11101, Fp.LO),
    UCVTF(Form.TWO_MISC, 1, 0b11101, Fp.LO),
    /** Float to signed integer toward zero, saturating (NaN gives 0). */
    FCVTZS(Form.TWO_MISC, 0, 0b11011, Fp.HI),
    /** Float to unsigned integer toward zero, saturating (NaN gives 0). */
    FCVTZU(Form.TWO_MISC, 1, 0b11011, Fp.HI),
    // pairwise add long: Vd.(2x element), Vn.T
    SADDLP(Form.LONG_MISC, 0, 0b00010),
    UADDLP(Form.LONG_MISC, 1, 0b00010),
    // narrowing, T the destination (the 2 forms write the high half and read the destination): Vd.T, Vn.(2x element)
    XTN(Form.NARROW, 0, 0b10010),
    SQXTN(Form.NARROW, 0, 0b10100),
    UQXTN(Form.NARROW, 1, 0b10100),
    SQXTUN(Form.NARROW, 1, 0b10010),
    /** f64 to f32, T = 2S (fcvtn) or 4S (fcvtn2): Vd.T, Vn.2D. */
    FCVTN(Form.NARROW, 0, 0b10110, Fp.LO),
    /** f32 to f64, T = 2S (fcvtl) or 4S (fcvtl2) the source: Vd.2D, Vn.T. */
    FCVTL(Form.LONG_MISC, 0, 0b10111, Fp.LO),
    // across lanes: Bd/Hd/Sd, Vn.T
    ADDV(Form.ACROSS, 0, 0b11011),
    UMAXV(Form.ACROSS, 1, 0b01010),
    UMINV(Form.ACROSS, 1, 0b11010),
    // three different, T the sources: Vd.(2x element), Vn.T, Vm.T
    SMULL(Form.LONG, 0, 0b1100),
    UMULL(Form.LONG, 1, 0b1100),
    // shift by immediate: Vd.T, Vn.T, #shift
    SSHR(Form.SHIFT, 0, 0b00000),
    USHR(Form.SHIFT, 1, 0b00000),
    SHL(Form.SHIFT, 0, 0b01010),
    // shift left long, T the source: Vd.(2x element), Vn.T, #shift (shift 0: sxtl/uxtl)
    SSHLL(Form.SHIFT_LONG, 0, 0b10100),
    USHLL(Form.SHIFT_LONG, 1, 0b10100),
    /** Extract: Vd.T = bytes index.. of Vn:Vm (T 8B or 16B). */
    EXT(Form.EXT, 1, 0),
    /** Table lookup in one register: Vd.T = Vn.16B[Vm.T], 0 for an index of 16 or more. */
    TBL(Form.TBL, 0, 0),
    /** Vd.T = every element Vn.Ts[index]. */
    DUP_ELEMENT(Form.COPY, 0, 0b0000),
    /** Vd.T = every element the low bits of Wn or Xn (Xn for 2D). */
    DUP_GENERAL(Form.COPY, 0, 0b0001),
    /** Wd = Vn.Ts[index] sign-extended (B and H elements). */
    SMOV(Form.COPY, 0, 0b0101),
    /** Wd or Xd (D elements) = Vn.Ts[index] zero-extended. */
    UMOV(Form.COPY, 0, 0b0111),
    /** Vd.Ts[index] = Wn or Xn; the other elements kept (reads the destination). */
    INS_GENERAL(Form.COPY, 0, 0b0011),
    /** Vd.Ts[index] = Vn.Ts[0]; the other elements kept (reads the destination). */
    INS_ELEMENT(Form.COPY, 1, 0),
    /** Scalar Sd/Dd = Vn.Ts[index], the rest zeroed (DUP, scalar). */
    DUP_SCALAR(Form.COPY, 0, 0),
    /** Scalar Dd = Vn.D[0] + Vn.D[1] (ADDP, scalar; T = 2D). */
    ADDP_SCALAR(Form.SCALAR_PAIR, 0, 0b11011);

    /** The encoding classes. */
    public enum Form {
        /** Advanced SIMD three same. */ THREE_SAME,
        /** Advanced SIMD permute. */ PERMUTE,
        /** Advanced SIMD two-register miscellaneous. */ TWO_MISC,
        /** Two-register miscellaneous whose destination elements are twice the source's. */ LONG_MISC,
        /** Two-register miscellaneous whose destination elements are half the source's. */ NARROW,
        /** Advanced SIMD across lanes. */ ACROSS,
        /** Advanced SIMD three different (long). */ LONG,
        /** Advanced SIMD shift by immediate. */ SHIFT,
        /** Shift by immediate, long. */ SHIFT_LONG,
        /** Advanced SIMD extract. */ EXT,
        /** Advanced SIMD table lookup. */ TBL,
        /** Advanced SIMD copy (and its scalar DUP). */ COPY,
        /** Advanced SIMD scalar pairwise. */ SCALAR_PAIR
    }

    /** {@code size} from the arrangement. */
    static final int FROM_ARRANGEMENT = -1;

    /** The size rules of floating-point operations: {@code size = hi:sz}. */
    private static final class Fp {
        static final int LO = 4;
        static final int HI = 5;
    }

    private final Form form;
    private final int u;
    private final int opcode;
    private final int sizeRule;

    NeonOp(Form form, int u, int opcode) {
        this(form, u, opcode, FROM_ARRANGEMENT);
    }

    NeonOp(Form form, int u, int opcode, int sizeRule) {
        this.form = form;
        this.u = u;
        this.opcode = opcode;
        this.sizeRule = sizeRule;
    }

    /** The encoding class. */
    public Form form() {
        return form;
    }

    /** The {@code U} bit (the {@code op} bit of the copy class). */
    int u() {
        return u;
    }

    /** The {@code opcode} field ({@code imm4} of the copy class). */
    int opcode() {
        return opcode;
    }

    /** Whether this is a floating-point operation (arrangement 2S, 4S or 2D). */
    public boolean isFloat() {
        return sizeRule >= Fp.LO;
    }

    /** Whether this operation reads its destination register (bsl, fmla, fmls, ins, the narrowing 2 forms). */
    public boolean readsDestination(Arrangement t) {
        return switch (this) {
            case BSL, FMLA, FMLS, INS_GENERAL, INS_ELEMENT -> true;
            default -> form == Form.NARROW && t.q() == 1;
        };
    }

    /** The {@code size} field (bits 23:22) for arrangement {@code t}. */
    int size(Arrangement t) {
        if (sizeRule == FROM_ARRANGEMENT) {
            return t.size();
        }
        if (sizeRule < Fp.LO) {
            return sizeRule;
        }
        // hi:sz; fcvtn/fcvtl name the f32 side, whose partner is f64 (sz = 1)
        int sz = this == FCVTN || this == FCVTL || t.size() == 3 ? 1 : 0;
        return (sizeRule - Fp.LO) << 1 | sz;
    }

    /** The assembler mnemonic for arrangement {@code t} ({@code smull2} for a 128-bit source of a long op). */
    public String mnemonic(Arrangement t) {
        String base = switch (this) {
            case CMEQ_ZERO -> "cmeq";
            case DUP_ELEMENT, DUP_GENERAL -> "dup";
            case INS_GENERAL, INS_ELEMENT, DUP_SCALAR -> "mov";
            case ADDP_SCALAR -> "addp";
            default -> name().toLowerCase(Locale.ROOT);
        };
        boolean two = t.q() == 1 && (form == Form.LONG || form == Form.SHIFT_LONG || form == Form.NARROW
                || form == Form.LONG_MISC && this == FCVTL);
        return two ? base + "2" : base;
    }
}
