package dev.kiln.arch.x86_64;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;

/**
 * Instruction selection for memory: VMContext fields ({@code [r14 + imm]}), loads and stores of
 * linear memory, runtime structures and native memory as one addressing mode {@code [base + index
 * * scale + disp]} (a constant index folds into the displacement, an index {@code x << 1..3} into the
 * scale), and the bulk copy and fill primitives ({@code rep movsb}, {@code rep stosb}) on
 * addresses the IR has checked. Not thread-safe: part of one function's {@link Lowering}.
 */
final class MemoryLowering extends LoweringRules {
    MemoryLowering(Lowering l) {
        super(l);
    }

    @Override
    void lower(Inst inst) {
        switch (inst.op()) {
            case VMCTX_LOAD -> {
                if (l.isFoldedLoad(inst.result())) {
                    return; // read by the comparison that uses it
                }
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.VMCTX_LOAD);
                m.size = sizeOf(inst.result().type());
                m.width = inst.result().type().isVector() ? 16 : 0;
                m.dst = dst;
                m.imm = inst.imm();
                m.invariant = (inst.aux() & dev.kiln.compiler.ir.Op.INVARIANT) != 0;
                emit(m.defs(dst));
            }
            case VMCTX_STORE -> {
                int v = use(inst.arg(0));
                MInst m = new MInst(MOp.VMCTX_STORE);
                m.size = sizeOf(inst.arg(0).type());
                m.width = inst.arg(0).type().isVector() ? 16 : 0;
                m.src = v;
                m.imm = inst.imm();
                emit(m.uses(v));
            }
            case VMCTX_ADDR -> {
                int dst = vreg(inst.result());
                MInst m = new MInst(MOp.VMCTX_ADDR);
                m.dst = dst;
                m.imm = inst.imm();
                emit(m.defs(dst));
            }
            case LOAD -> {
                if (l.isFoldedLoad(inst.result())) {
                    return; // read by the comparison that uses it
                }
                int dst = vreg(inst.result());
                int[] addr = heapAddress(inst);
                MInst m = new MInst(MOp.HEAP_LOAD);
                m.size = sizeOf(inst.result().type());
                m.width = inst.result().type().isVector() ? 16 : inst.aux() & 0xF;
                m.signed = (inst.aux() & 16) != 0;
                m.dst = dst;
                m.src = addr[0];
                m.src2 = addr[1];
                m.imm = addr[2];
                m.scale = addr[3];
                emit(m.uses(operands(addr[0], addr[1])).defs(dst));
            }
            case STORE -> {
                int[] addr = heapAddress(inst);
                Value value = inst.arg(2);
                int width = value.type().isVector() ? 16 : inst.aux() & 0xF;
                // an integer constant that fits the access (a narrow store keeps the low bytes, a
                // 64-bit one takes a sign-extended imm32) is stored as an immediate: no register
                boolean immediate = isConst(value) && (width < 8 || fitsImm32(value));
                int v = immediate ? MInst.NONE : use(value);
                MInst m = new MInst(MOp.HEAP_STORE);
                m.size = sizeOf(value.type());
                m.width = width;
                m.src = addr[0];
                m.src2 = addr[1];
                m.src3 = v;
                m.imm = addr[2];
                m.scale = addr[3];
                if (immediate) {
                    long c = value.definingInst().imm();
                    m.imm2 = switch (width) {
                        case 1 -> (byte) c;
                        case 2 -> (short) c;
                        default -> (int) c;
                    };
                }
                emit(m.uses(immediate ? operands(addr[0], addr[1]) : operands(addr[0], addr[1], v)));
            }
            case MEMMOVE, MEMSET -> {
                int a0 = use(inst.arg(0));
                int a1 = use(inst.arg(1));
                int a2 = use(inst.arg(2));
                int rdi = Gpr.RDI.encoding();
                int second = inst.op() == Op.MEMSET ? Gpr.RAX.encoding() : Gpr.RSI.encoding();
                int rcx = Gpr.RCX.encoding();
                mov(Size.S64, rdi, a0);
                mov(Size.S64, second, a1);
                mov(Size.S64, rcx, a2);
                MInst m = new MInst(inst.op() == Op.MEMSET ? MOp.MEMSET : MOp.MEMMOVE);
                emit(m.uses(rdi, second, rcx).defs(rdi, second, rcx));
            }
            default -> throw new IllegalStateException("not a memory operation: " + inst.op());
        }
    }

    /**
     * {@code {base, index, disp, scale}} of a LOAD/STORE; a static offset beyond a 32-bit displacement
     * is added to the index; an index {@code x << 1..3} (see {@link #shlFolded}) is {@code x} scaled.
     */
    int[] heapAddress(Inst inst) {
        int base = use(inst.arg(0));
        long off = inst.imm();
        if (isConst(inst.arg(1))) {
            // a constant index folds into the displacement: [base + disp]
            long total = off + inst.arg(1).definingInst().imm();
            if (total == (int) total) {
                return new int[] {base, MInst.NONE, (int) total, 1};
            }
        }
        if (l.isFoldedShift(inst.arg(1))) {
            Inst shl = inst.arg(1).definingInst();
            return new int[] {base, use(shl.arg(0)), (int) off, 1 << l.scaledIndexShift(inst.arg(1), curIr())};
        }
        int index = use(inst.arg(1));
        if (off != (int) off) {
            int sum = newVreg();
            mov(Size.S64, sum, index);
            MInst add = new MInst(MOp.MOV_RI);
            int k = newVreg();
            add.size = Size.S64;
            add.dst = k;
            add.imm = off;
            emit(add.defs(k));
            MInst m = new MInst(MOp.ALU_RR);
            m.size = Size.S64;
            m.alu = AluOp.ADD;
            m.dst = sum;
            m.src = k;
            emit(m.uses(sum, k).defs(sum));
            return new int[] {base, sum, 0, 1};
        }
        return new int[] {base, index, (int) off, 1};
    }
}
