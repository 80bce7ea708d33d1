package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.MachBlock;
import java.util.List;

/**
 * The AVX three-operand forms over a function's MIR, before register allocation: the lowering
 * ({@link SimdLowering}, {@link FloatLowering}) writes every two-operand SSE operation as a copy into
 * a fresh destination followed by the operation in place,
 * <pre>
 *   xmov t, a           movaps  t, a
 *   op   t, b           op      t, b
 * </pre>
 * and with AVX this pass folds each such pair into one {@code dst = vsrc1 op src} instruction
 * ({@link MInst#vsrc1}), emitted as {@code vop t, a, b}: the copy disappears and the register
 * allocator may give {@code t} any register, {@code a}'s included when {@code a} dies there. The pair
 * must be adjacent in one block with {@code t} virtual and not read by the operation otherwise; the
 * operations folded are those with a single VEX instruction of that shape: {@link MOp#VPACKED} (of
 * the forms with a first source), {@link MOp#VPACKED_CONST}, {@link MOp#VPACKED_RM}, {@link MOp#VSHIFT}, {@link MOp#PINSR},
 * and the scalar {@link MOp#FALU} (add, sub, mul, div, and, or, xor), {@link MOp#FALU_CONST} and
 * {@link MOp#FALU_RM}. Stateless.
 */
final class VexForms {
    private VexForms() {
    }

    /** Folds the copy-then-operate pairs of {@code blocks} in place (see the class comment). */
    static void fold(List<MachBlock<MInst>> blocks) {
        for (MachBlock<MInst> b : blocks) {
            List<MInst> insts = b.insts;
            for (int i = 1; i < insts.size(); i++) {
                MInst copy = insts.get(i - 1);
                MInst m = insts.get(i);
                if (copy.op == MOp.XMOV && MInst.isVirtual(copy.dst) && foldable(m, copy.dst)) {
                    int t = copy.dst;
                    int a = copy.src;
                    m.vsrc1 = a;
                    for (int k = 0; k < m.uses.length; k++) {
                        if (m.uses[k] == t) {
                            m.uses[k] = a;
                        }
                    }
                    insts.remove(i - 1);
                    i--;
                }
            }
        }
    }

    /** Whether {@code m} is an in-place operation on {@code t} with a three-operand VEX form. */
    private static boolean foldable(MInst m, int t) {
        if (m.dst != t || m.vsrc1 != MInst.NONE || m.src == t || m.defs.length != 1 || m.defs[0] != t) {
            return false;
        }
        return switch (m.op) {
            case VPACKED -> !m.packedWritesOnly && !m.packed.writesOnly();
            case VPACKED_CONST, VPACKED_RM -> !m.packed.writesOnly();
            case VSHIFT, PINSR, FALU, FALU_CONST, FALU_RM -> true;
            default -> false;
        };
    }
}
