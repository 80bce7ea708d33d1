package dev.kiln.arch.x86_64;

import java.util.ArrayList;
import java.util.List;

/** A MIR basic block: machine instructions ending in a jump, branch, return or trap. */
final class MBlock {
    int index;
    final List<MInst> insts = new ArrayList<>();
    final List<MBlock> succs = new ArrayList<>(2);
    /** Bound by the emitter (labels belong to one assembler). */
    Label label;
    /** Instruction positions (see {@link LinearScan}): first instruction number and one past the last. */
    int firstInst;
    int endInst;

    MBlock(int index) {
        this.index = index;
    }

    MInst add(MInst inst) {
        insts.add(inst);
        return inst;
    }

    @Override
    public String toString() {
        return "mb" + index;
    }
}
