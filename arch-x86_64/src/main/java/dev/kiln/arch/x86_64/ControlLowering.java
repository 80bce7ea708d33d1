package dev.kiln.arch.x86_64;

import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.mach.MachBlock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Instruction selection for control flow and traps: jumps with block arguments as parallel moves,
 * conditional branches fused with their comparison, critical edges that carry arguments split into
 * blocks of their own, jump tables, traps and conditional traps, and the interruption checks
 * (epoch, fuel). Not thread-safe: part of one function's {@link Lowering}.
 */
final class ControlLowering extends LoweringRules {
    ControlLowering(Lowering l) {
        super(l);
    }

    @Override
    void lower(Inst inst) {
        switch (inst.op()) {
            case JUMP -> {
                BlockCall bc = inst.target(0);
                parallelMove(bc);
                jmp(l.machBlock(bc.target()));
            }
            case BRIF -> brif(inst);
            case BR_TABLE -> brTable(inst);
            case TRAP -> {
                MInst m = new MInst(MOp.TRAP);
                m.imm = inst.imm();
                emit(m);
            }
            case TRAPIF -> {
                Cond c = compare(inst.arg(0), inst.arg(1), inst.cond());
                MInst m = new MInst(MOp.TRAP_IF);
                m.cond = c;
                m.imm = inst.imm();
                emit(m);
            }
            case EPOCH_CHECK -> {
                emit(new MInst(MOp.EPOCH_CHECK));
            }
            default -> throw new IllegalStateException("not a branch or trap: " + inst.op());
        }
    }

    private void parallelMove(BlockCall bc) {
        List<Value> params = bc.target().params();
        int n = params.size();
        if (n == 0) {
            return;
        }
        MInst m = new MInst(MOp.PMOVE);
        m.pdst = new int[n];
        m.psrc = new int[n];
        m.pconst = new long[n];
        m.psize = new Size[n];
        List<Integer> uses = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Value a = bc.args().get(i).resolve();
            m.pdst[i] = vreg(params.get(i));
            m.psize[i] = sizeOf(a.type());
            if (isAnyConst(a)) {
                m.psrc[i] = MInst.NONE;
                m.pconst[i] = a.definingInst().imm();
            } else {
                m.psrc[i] = vreg(a);
                uses.add(m.psrc[i]);
            }
        }
        m.uses(uses.stream().mapToInt(Integer::intValue).toArray()).defs(m.pdst.clone());
        emit(m);
    }

    private void jmp(MachBlock<MInst> target) {
        MInst m = new MInst(MOp.JMP);
        m.target = target;
        emit(m);
        l.currentBlock().succs.add(target);
    }

    /** The block to branch to for {@code bc}: the target itself, or a new edge block doing the moves. */
    private MachBlock<MInst> edge(BlockCall bc) {
        MachBlock<MInst> target = l.machBlock(bc.target());
        if (bc.target().params().isEmpty()) {
            return target;
        }
        return l.inNewBlock(() -> {
            parallelMove(bc);
            jmp(target);
        });
    }

    private void brif(Inst inst) {
        Value c = inst.arg(0);
        Cond cond;
        if (fusible(c, inst)) {
            cond = emitCompare(c.definingInst());
        } else if (fusibleFloat(c, inst)) {
            cond = emitFloatCompare(c.definingInst());
        } else {
            testCondition(c);
            cond = Cond.NE;
        }
        MInst m = new MInst(MOp.JCC);
        m.cond = cond;
        emit(m);
        m.target = edge(inst.target(0));
        m.target2 = edge(inst.target(1));
        l.currentBlock().succs.add(m.target);
        l.currentBlock().succs.add(m.target2);
    }

    private void brTable(Inst inst) {
        int idx = use(inst.arg(0));
        MInst m = new MInst(MOp.BR_TABLE);
        m.src = idx;
        m.size = Size.S32;
        emit(m.uses(idx));
        Map<BlockCall, MachBlock<MInst>> edges = new HashMap<>();
        List<MachBlock<MInst>> targets = new ArrayList<>();
        for (BlockCall bc : inst.targets()) {
            MachBlock<MInst> t = edges.computeIfAbsent(bc, this::edge);
            targets.add(t);
            if (!l.currentBlock().succs.contains(t)) {
                l.currentBlock().succs.add(t);
            }
        }
        m.tableTargets = targets;
    }
}
