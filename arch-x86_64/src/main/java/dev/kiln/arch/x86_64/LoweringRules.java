package dev.kiln.arch.x86_64;

import dev.kiln.abi.CompileException;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * The base of the x86-64 lowering rules: each subclass selects instructions for the IR operations
 * of one concern ({@link IntegerLowering}, {@link FloatLowering}, {@link MemoryLowering},
 * {@link CallLowering}, {@link ControlLowering}) into the MIR of one function's {@link Lowering},
 * which owns the state (virtual registers, use counts, the block being filled). This base gives the
 * rules what they share: operands ({@link #use}: constants rematerialized at each use), moves and
 * extensions, and comparisons, which are fused with the {@code brif}, {@code select} or
 * {@code trapif} that uses them. Not thread-safe.
 */
abstract class LoweringRules {
    /** The function's lowering, whose state every rule works on. */
    final Lowering l;

    LoweringRules(Lowering l) {
        this.l = l;
    }

    /** Appends the MIR of {@code inst}, one of this concern's IR operations, to the current block. */
    abstract void lower(Inst inst);

    // ---- the function's state ----------------------------------------------------------------

    /** The register holding {@code v} here; constants are rematerialized into a fresh register. */
    int use(Value v) {
        return l.use(v);
    }

    /** The virtual register of {@code v} (created on first use). */
    int vreg(Value v) {
        return l.vreg(v);
    }

    MInst emit(MInst m) {
        return l.emit(m);
    }

    void mov(Size s, int dst, int src) {
        l.mov(s, dst, src);
    }

    int newVreg() {
        return l.newVreg();
    }

    int newXmmVreg() {
        return l.newXmmVreg();
    }

    /** How many instructions and branch arguments of the function use {@code v}. */
    int useCount(Value v) {
        return l.useCount(v);
    }

    /** The IR block being lowered. */
    Block curIr() {
        return l.currentIrBlock();
    }

    // ---- values and immediates -----------------------------------------------------------------

    /** Whether values of type {@code t} live in xmm registers: f32, f64 and the vector types. */
    static boolean isFloat(IrType t) {
        return t == IrType.F32 || t == IrType.F64 || t.isVector();
    }

    static Size sizeOf(IrType t) {
        return switch (t) {
            case I32, F32 -> Size.S32;
            case I64, F64 -> Size.S64;
            case V128, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2 -> Size.S64; // xmm moves (movaps) copy all 128 bits whatever the size
            default -> throw new CompileException("values of type " + t + " are not supported by the x86-64 backend yet");
        };
    }

    /** An integer constant (folded into immediates or rematerialized at each use). */
    static boolean isConst(Value v) {
        Inst d = v.definingInst();
        return d != null && d.op() == Op.ICONST;
    }

    /** An integer or float constant (rematerialized at each use). */
    static boolean isAnyConst(Value v) {
        Inst d = v.definingInst();
        return d != null && (d.op() == Op.ICONST || d.op() == Op.FCONST);
    }

    static boolean fitsImm32(Value v) {
        if (!isConst(v)) {
            return false;
        }
        long c = v.definingInst().imm();
        return v.type() == IrType.I32 || c == (int) c;
    }

    static int imm32(Value v) {
        return (int) v.definingInst().imm();
    }

    /** The registers among {@code regs} that exist (NONE for an absent index is left out). */
    static int[] operands(int... regs) {
        int n = 0;
        for (int r : regs) {
            if (r != MInst.NONE) {
                n++;
            }
        }
        if (n == regs.length) {
            return regs;
        }
        int[] out = new int[n];
        n = 0;
        for (int r : regs) {
            if (r != MInst.NONE) {
                out[n++] = r;
            }
        }
        return out;
    }

    /**
     * Whether a commutative two-address operation should copy {@code x} (not {@code y}) into its
     * destination: x is used only here while y is used again, so x's register can be reused in place
     * (the allocator's move hint) and y's value survives without an extra copy.
     */
    boolean preferAsDestination(Value x, Value y) {
        return !isAnyConst(x) && !isAnyConst(y) && useCount(x) == 1 && useCount(y) > 1;
    }

    /** {@code dst = the low 32 bits of src, zero-extended} (wrap, and i32 values that arrive with an undefined upper half). */
    void zext32(int dst, int src) {
        MInst m = new MInst(MOp.ZEXT32);
        m.size = Size.S32;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    /** {@code dst = sign-extend the low bits (8, 16, 32) of src} to {@code size}. */
    void movsx(Size size, int bits, int dst, int src) {
        MInst m = new MInst(MOp.MOVSX);
        m.size = size;
        m.imm = bits;
        m.dst = dst;
        m.src = src;
        emit(m.uses(src).defs(dst));
    }

    /** {@code test r32, r32}: sets ZF when the i32 in {@code reg} is zero (a condition used as a value). */
    void testZero(int reg) {
        MInst t = new MInst(MOp.TEST_RR);
        t.size = Size.S32;
        t.dst = reg;
        t.src = reg;
        emit(t.uses(reg, reg));
    }

    // ---- comparisons ---------------------------------------------------------------------------

    /** Emits {@code cmp a, b} (or with an immediate) and returns the x86 condition for {@code a cond b}. */
    Cond compare(Value a, Value b, dev.kiln.compiler.ir.Cond c) {
        if (isConst(a) && l.isFoldedLoad(b)) {
            Value t = a;
            a = b;
            b = t;
            c = c.swap();
        }
        if (isConst(b) && l.isFoldedLoad(a)) {
            return compareMemoryWithImmediate(a.definingInst(), b.definingInst().imm(), c);
        }
        if (fitsImm32(a) && !fitsImm32(b)) {
            Value t = a;
            a = b;
            b = t;
            c = c.swap();
        }
        if (l.isFoldedLoad(a)) {
            Value t = a;
            a = b;
            b = t;
            c = c.swap();
        }
        Size s = sizeOf(a.type());
        if (l.isTestedAnd(a)) {
            test(s, a.definingInst()); // (x & y) ==/!= 0 (see Lowering#isTestedAnd); b is the zero
            return x86(c);
        }
        if (l.isFoldedLoad(b)) {
            compareWithMemory(s, use(a), b.definingInst());
        } else {
            flagsOf(MOp.CMP_RI, MOp.CMP_RR, s, a, b, fitsImm32(b));
        }
        return x86(c);
    }

    /** {@code op a, imm} ({@code ri}, when {@code immediate}) or {@code op a, b} ({@code rr}): an instruction that only sets the flags. */
    private void flagsOf(MOp ri, MOp rr, Size s, Value a, Value b, boolean immediate) {
        int ra = use(a);
        MInst m = new MInst(immediate ? ri : rr);
        m.size = s;
        m.dst = ra;
        if (immediate) {
            m.imm = imm32(b);
            emit(m.uses(ra));
        } else {
            m.src = use(b);
            emit(m.uses(ra, m.src));
        }
    }

    /**
     * Sets ZF when condition {@code c} (an i32 used as a boolean) is zero: {@code test} of the
     * operands of a {@code band} that is computed only for this ({@link Lowering#isTestedAnd}), else
     * {@code test c, c}.
     */
    void testCondition(Value c) {
        if (l.isFoldedLoad(c)) {
            compareMemoryWithImmediate(c.definingInst(), 0, dev.kiln.compiler.ir.Cond.NE);
        } else if (l.isTestedAnd(c)) {
            test(sizeOf(c.type()), c.definingInst());
        } else {
            testZero(use(c));
        }
    }

    /** {@code test x, y} or {@code test x, imm}: the flags of {@code band}, which is not computed. */
    private void test(Size s, Inst band) {
        Value x = band.arg(0);
        Value y = band.arg(1);
        if (isConst(x)) {
            Value t = x;
            x = y;
            y = t;
        }
        flagsOf(MOp.TEST_RI, MOp.TEST_RR, s, x, y, isConst(y));
    }

    /**
     * {@code cmp size [the address load reads], imm}: a load compared with constant {@code k} without
     * being loaded ({@link Lowering#isFoldedLoad}; its width and extension allow it, see
     * {@code Lowering.comparableWithImmediate}); {@code size} is the loaded width. Returns the condition
     * for {@code load c k}: a narrower zero-extending load compares unsigned.
     */
    private Cond compareMemoryWithImmediate(Inst load, long k, dev.kiln.compiler.ir.Cond c) {
        Size s = load.op() == Op.LOAD ? switch (load.aux() & 0xF) {
            case 1 -> Size.S8;
            case 2 -> Size.S16;
            case 4 -> Size.S32;
            default -> Size.S64;
        } : sizeOf(load.result().type());
        MInst m = new MInst(MOp.CMP_MI);
        m.size = s;
        m.imm2 = switch (s) {
            case S8 -> (byte) k;
            case S16 -> (short) k;
            default -> (int) k;
        };
        emitWithMemoryOperand(m, load, false); // no register operand: m.dst is NONE
        boolean zeroExtended = load.op() == Op.LOAD && 8 * s.bytes() < load.result().type().bits()
                && (load.aux() & 16) == 0;
        return zeroExtended ? x86(c.unsigned()) : x86(c);
    }

    /** {@code cmp reg, [the address load reads]}: a load folded into its comparison ({@link Lowering#isFoldedLoad}). */
    private void compareWithMemory(Size s, int reg, Inst load) {
        MInst m = new MInst(MOp.CMP_RM);
        m.size = s;
        m.dst = reg;
        emitWithMemoryOperand(m, load, false);
    }

    /**
     * Emits {@code m} (whose dst register, unless NONE, is read, and written when {@code writesDst})
     * with the memory operand that {@code load} reads: a VMContext field, or the load's heap address.
     */
    void emitWithMemoryOperand(MInst m, Inst load, boolean writesDst) {
        int reg = m.dst;
        if (load.op() == Op.VMCTX_LOAD) {
            m.imm = load.imm();
            m.uses(operands(reg));
        } else {
            int[] addr = l.heapAddress(load);
            m.src = addr[0];
            m.src2 = addr[1];
            m.imm = addr[2];
            m.scale = addr[3];
            m.source = load; // a guard-page fault here is the load's
            m.uses(operands(reg, addr[0], addr[1]));
        }
        emit(writesDst ? m.defs(reg) : m);
    }

    /** {@code op dst, [the address load reads]}: a load folded into its ALU operation ({@link Lowering#isFoldedLoad}). */
    void aluWithMemory(AluOp op, Size s, int dst, Inst load) {
        MInst m = new MInst(MOp.ALU_RM);
        m.size = s;
        m.alu = op;
        m.dst = dst;
        emitWithMemoryOperand(m, load, true);
    }

    /** Emits the comparison for a (fused) ICMP and returns the x86 condition that holds when it is true. */
    Cond emitCompare(Inst icmp) {
        return compare(icmp.arg(0), icmp.arg(1), icmp.cond());
    }

    static Cond x86(dev.kiln.compiler.ir.Cond c) {
        return switch (c) {
            case EQ -> Cond.E;
            case NE -> Cond.NE;
            case SLT -> Cond.L;
            case ULT -> Cond.B;
            case SGT -> Cond.G;
            case UGT -> Cond.A;
            case SLE -> Cond.LE;
            case ULE -> Cond.BE;
            case SGE -> Cond.GE;
            case UGE -> Cond.AE;
        };
    }

    boolean fusible(Value cond, Inst user) {
        Inst d = cond.definingInst();
        return d != null && d.op() == Op.ICMP && d.block() == curIr() && useCount(cond) == 1
                && (user.op() == Op.BRIF || user.op() == Op.SELECT);
    }

    boolean singleUseIsFusible(Inst icmp) {
        // the single use must be the brif/select of this block (searched from the end: it is late)
        Value r = icmp.result();
        ArrayList<Inst> insts = curIr().insts();
        for (int i = insts.size() - 1; i >= 0; i--) {
            Inst u = insts.get(i);
            if (u == icmp) {
                return false;
            }
            if ((u.op() == Op.BRIF || u.op() == Op.SELECT) && u.arg(0) == r) {
                // the comparison's operands are read at the use: fine in SSA. Other uses don't exist.
                return true;
            }
        }
        return false;
    }

    /** A float comparison that maps to one x86 condition (not eq/ne, which need the parity flag too). */
    boolean fusibleFloat(Value cond, Inst user) {
        Inst d = cond.definingInst();
        if (d == null || d.op() != Op.FCMP || d.block() != curIr() || useCount(cond) != 1 || user.op() != Op.BRIF) {
            return false;
        }
        FloatCond fc = FloatCond.values()[(int) d.imm()];
        return fc != FloatCond.EQ && fc != FloatCond.NE;
    }

    boolean singleUseIsFusibleFloat(Inst fcmp) {
        Value r = fcmp.result();
        Inst t = curIr().terminator();
        if (t == null || t.op() != Op.BRIF || t.arg(0) != r) {
            return false;
        }
        FloatCond fc = FloatCond.values()[(int) fcmp.imm()];
        return fc != FloatCond.EQ && fc != FloatCond.NE;
    }

    /** ucomis for a fused lt/gt/le/ge; returns the condition (unordered is false: CF=ZF=PF=1). */
    Cond emitFloatCompare(Inst fcmp) {
        FloatCond fc = FloatCond.values()[(int) fcmp.imm()];
        boolean swap = fc == FloatCond.LT || fc == FloatCond.LE;
        int a = use(fcmp.arg(swap ? 1 : 0));
        int b = use(fcmp.arg(swap ? 0 : 1));
        MInst m = new MInst(MOp.FCMP_FLAGS);
        m.size = sizeOf(fcmp.arg(0).type());
        m.dst = a;
        m.src = b;
        emit(m.uses(a, b));
        return fc == FloatCond.GT || fc == FloatCond.LT ? Cond.A : Cond.AE;
    }
}
