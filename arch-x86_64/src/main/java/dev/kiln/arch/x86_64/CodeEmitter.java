package dev.kiln.arch.x86_64;

import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.TrapSite;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns allocated MIR into machine code (DESIGN §2 step 7): prologue with the stack-limit check,
 * callee-saved register saves and the frame; each instruction with spilled operands reloaded into
 * the scratch registers {@code r10}/{@code r11}; parallel moves sequentialized (cycles broken through
 * {@code r11}); out-of-line trap stubs; jump tables after the code. Not thread-safe.
 *
 * <p>Frame, from high to low addresses: incoming stack arguments, return address, saved callee-saved
 * registers, spill slots, outgoing stack arguments (at {@code rsp}). {@code rsp} is 16-byte aligned
 * at every call.
 */
final class CodeEmitter {
    private static final Gpr SCRATCH0 = Gpr.R10;
    private static final Gpr SCRATCH1 = Gpr.R11;
    static final Gpr VMCTX = Gpr.R14;

    private final List<MBlock> blocks;
    private final LinearScan alloc;
    private final Assembler a = new Assembler();
    private final Map<TrapCode, Label> trapStubs = new EnumMap<>(TrapCode.class);
    private final List<TrapSite> trapSites = new ArrayList<>();
    private final List<Label> tableLabels = new ArrayList<>();
    private final List<List<MBlock>> tables = new ArrayList<>();
    private final List<Gpr> savedRegs = new ArrayList<>();
    private final int outArgs;
    private int frameSize;     // bytes below the saved registers
    private int nextBlockIndex;

    // per-instruction scratch assignment for spilled virtual registers
    private final int[] scratchVreg = new int[2];
    private int scratchUsed;

    CodeEmitter(List<MBlock> blocks, LinearScan alloc, int outgoingStackArgs) {
        this.blocks = blocks;
        this.alloc = alloc;
        this.outArgs = outgoingStackArgs;
    }

    CompiledCode emit() {
        for (MBlock b : blocks) {
            b.label = a.newLabel(b.toString());
        }
        layoutFrame();
        prologue();
        for (int i = 0; i < blocks.size(); i++) {
            MBlock b = blocks.get(i);
            nextBlockIndex = i + 1;
            a.bind(b.label);
            for (MInst m : b.insts) {
                emitWithSpills(m);
            }
        }
        for (Map.Entry<TrapCode, Label> e : trapStubs.entrySet()) {
            a.bind(e.getValue());
            a.movImm(Size.S32, Mem.of(VMCTX, VMContextLayout.TRAP_CODE), e.getKey().code());
            a.jmpRel32(Relocation.UNWIND_STUB);
        }
        for (int t = 0; t < tables.size(); t++) {
            a.align(4);
            Label table = tableLabels.get(t);
            a.bind(table);
            for (MBlock target : tables.get(t)) {
                a.emitLabelOffset32(target.label, table);
            }
        }
        byte[] code = a.finish();
        List<Relocation> relocs = new ArrayList<>();
        for (Reloc r : a.relocations()) {
            relocs.add(new Relocation(r.offset(), r.symbol(), r.addend()));
        }
        return new CompiledCode(code, relocs, trapSites);
    }

    // ---- frame --------------------------------------------------------------------------------

    private void layoutFrame() {
        boolean[] used = new boolean[16];
        for (MBlock b : blocks) {
            for (MInst m : b.insts) {
                for (int d : m.defs) {
                    if (MInst.isVirtual(d)) {
                        LinearScan.Interval it = alloc.interval(d);
                        if (it != null && it.assigned >= 0) {
                            used[it.assigned] = true;
                        }
                    }
                }
            }
        }
        for (Gpr g : new Gpr[] {Gpr.RBX, Gpr.RBP, Gpr.R12, Gpr.R13, Gpr.R15}) {
            if (used[g.encoding()]) {
                savedRegs.add(g);
            }
        }
        int bytes = 8 * (outArgs + alloc.spillSlots());
        boolean makesCalls = blocks.stream().anyMatch(b -> b.insts.stream().anyMatch(m -> m.op == MOp.CALL));
        // at entry rsp = 8 mod 16; where the function calls, rsp must be 0 mod 16 after the pushes and the frame
        if (makesCalls && (8 + 8 * savedRegs.size() + bytes) % 16 != 0) {
            bytes += 8;
        }
        frameSize = bytes;
    }

    private Mem slot(int index) {
        return Mem.of(Gpr.RSP, 8 * (outArgs + index));
    }

    private Label trapStub(TrapCode code) {
        return trapStubs.computeIfAbsent(code, c -> a.newLabel());
    }

    private void jccTrap(Cond cond, TrapCode code) {
        trapSites.add(new TrapSite(a.position(), code));
        a.jcc(cond, trapStub(code));
    }

    private void prologue() {
        int total = frameSize + 8 * savedRegs.size();
        if (total == 0) {
            a.alu(AluOp.CMP, Size.S64, Gpr.RSP, Mem.of(VMCTX, VMContextLayout.STACK_LIMIT));
        } else {
            a.lea(Size.S64, SCRATCH1, Mem.of(Gpr.RSP, -total));
            a.alu(AluOp.CMP, Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STACK_LIMIT));
        }
        jccTrap(Cond.B, TrapCode.STACK_OVERFLOW);
        for (Gpr g : savedRegs) {
            a.push(g);
        }
        if (frameSize > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, frameSize);
        }
    }

    private void epilogue() {
        if (frameSize > 0) {
            a.aluImm(AluOp.ADD, Size.S64, Gpr.RSP, frameSize);
        }
        for (int i = savedRegs.size() - 1; i >= 0; i--) {
            a.pop(savedRegs.get(i));
        }
        a.ret();
    }

    // ---- operands -----------------------------------------------------------------------------

    private void emitWithSpills(MInst m) {
        if (m.op == MOp.PMOVE) {
            parallelMove(m);
            return;
        }
        scratchUsed = 0;
        for (int u : m.uses) {
            if (isSpilled(u) && scratchIndex(u) < 0) {
                Gpr s = takeScratch(u);
                a.mov(Size.S64, s, slot(alloc.interval(u).spillSlot));
            }
        }
        for (int d : m.defs) {
            if (isSpilled(d) && scratchIndex(d) < 0) {
                takeScratch(d);
            }
        }
        emitInst(m);
        for (int d : m.defs) {
            if (isSpilled(d)) {
                a.mov(Size.S64, slot(alloc.interval(d).spillSlot), reg(d));
            }
        }
    }

    private boolean isSpilled(int r) {
        if (!MInst.isVirtual(r)) {
            return false;
        }
        LinearScan.Interval it = alloc.interval(r);
        return it != null && it.assigned < 0;
    }

    private int scratchIndex(int vreg) {
        for (int i = 0; i < scratchUsed; i++) {
            if (scratchVreg[i] == vreg) {
                return i;
            }
        }
        return -1;
    }

    private Gpr takeScratch(int vreg) {
        if (scratchUsed == 2) {
            throw new IllegalStateException("more than two spilled operands in one instruction");
        }
        scratchVreg[scratchUsed] = vreg;
        return scratchUsed++ == 0 ? SCRATCH0 : SCRATCH1;
    }

    private Gpr reg(int r) {
        if (!MInst.isVirtual(r)) {
            return Gpr.of(r);
        }
        LinearScan.Interval it = alloc.interval(r);
        if (it != null && it.assigned >= 0) {
            return Gpr.of(it.assigned);
        }
        int i = scratchIndex(r);
        if (i < 0) {
            if (it == null) {
                // never live (a dead definition): any scratch will do
                return SCRATCH0;
            }
            throw new IllegalStateException("spilled " + MInst.name(r) + " has no scratch register");
        }
        return i == 0 ? SCRATCH0 : SCRATCH1;
    }

    // ---- instructions -------------------------------------------------------------------------

    private boolean isNext(MBlock b) {
        return nextBlockIndex < blocks.size() && blocks.get(nextBlockIndex) == b;
    }

    private void emitInst(MInst m) {
        switch (m.op) {
            case MOV_RR -> {
                Gpr d = reg(m.dst);
                Gpr s = reg(m.src);
                if (d != s) {
                    a.mov(m.size, d, s);
                }
            }
            case ZEXT32 -> a.mov(Size.S32, reg(m.dst), reg(m.src));
            case MOV_RI -> a.movImm(m.size, reg(m.dst), m.size == Size.S32 ? (int) m.imm : m.imm);
            case ALU_RR -> a.alu(m.alu, m.size, reg(m.dst), reg(m.src));
            case ALU_RI -> a.aluImm(m.alu, m.size, reg(m.dst), (int) m.imm);
            case CMP_RR -> a.alu(AluOp.CMP, m.size, reg(m.dst), reg(m.src));
            case CMP_RI -> a.aluImm(AluOp.CMP, m.size, reg(m.dst), (int) m.imm);
            case TEST_RR -> a.test(m.size, reg(m.dst), reg(m.src));
            case IMUL_RR -> a.imul(m.size, reg(m.dst), reg(m.src));
            case IMUL_RRI -> a.imulImm(m.size, reg(m.dst), reg(m.src), (int) m.imm);
            case SHIFT_CL -> a.shift(m.shift, m.size, reg(m.dst));
            case SHIFT_RI -> a.shiftImm(m.shift, m.size, reg(m.dst), (int) m.imm);
            case SETCC -> {
                Gpr d = reg(m.dst);
                a.setcc(m.cond, d);
                a.movzx(Size.S32, d, Size.S8, d);
            }
            case CMOV -> a.cmov(m.cond, m.size, reg(m.dst), reg(m.src));
            case MOVSX -> {
                if (m.imm == 32) {
                    a.movsxd(reg(m.dst), reg(m.src));
                } else {
                    a.movsx(m.size, reg(m.dst), m.imm == 8 ? Size.S8 : Size.S16, reg(m.src));
                }
            }
            case DIVREM -> divrem(m);
            case CALL -> a.callRel32((int) m.imm);
            case RET -> epilogue();
            case JMP -> {
                if (!isNext(m.target)) {
                    a.jmp(m.target.label);
                }
            }
            case JCC -> {
                if (isNext(m.target)) {
                    a.jcc(m.cond.negate(), m.target2.label);
                } else {
                    a.jcc(m.cond, m.target.label);
                    if (!isNext(m.target2)) {
                        a.jmp(m.target2.label);
                    }
                }
            }
            case BR_TABLE -> brTable(m);
            case LOAD_STACK_PARAM -> {
                int above = frameSize + 8 * savedRegs.size() + 8; // frame, saved registers, return address
                a.mov(Size.S64, reg(m.dst), Mem.of(Gpr.RSP, above + 8 * (int) m.imm));
            }
            case STORE_STACK_ARG -> a.mov(Size.S64, Mem.of(Gpr.RSP, 8 * (int) m.imm), reg(m.src));
            case TRAP -> {
                TrapCode code = TrapCode.fromCode((int) m.imm);
                trapSites.add(new TrapSite(a.position(), code));
                a.jmp(trapStub(code));
            }
            case PMOVE -> throw new IllegalStateException("handled by parallelMove");
        }
    }

    private void divrem(MInst m) {
        Gpr d = reg(m.src);
        Size s = m.size;
        a.test(s, d, d);
        jccTrap(Cond.E, TrapCode.INTEGER_DIVIDE_BY_ZERO);
        if (!m.signed) {
            a.alu(AluOp.XOR, Size.S32, Gpr.RDX, Gpr.RDX);
            a.div(s, d);
            return;
        }
        Label normal = a.newLabel();
        Label done = a.newLabel();
        a.aluImm(AluOp.CMP, s, d, -1);
        a.jcc(Cond.NE, normal);
        if (m.remainder) {
            a.alu(AluOp.XOR, Size.S32, Gpr.RDX, Gpr.RDX); // x rem -1 = 0 (and MIN rem -1 must not fault)
            a.jmp(done);
        } else {
            if (s == Size.S32) {
                a.aluImm(AluOp.CMP, Size.S32, Gpr.RAX, Integer.MIN_VALUE);
            } else {
                a.movImm(Size.S64, Gpr.RDX, Long.MIN_VALUE);
                a.alu(AluOp.CMP, Size.S64, Gpr.RAX, Gpr.RDX);
            }
            jccTrap(Cond.E, TrapCode.INTEGER_OVERFLOW);
        }
        a.bind(normal);
        if (s == Size.S32) {
            a.cdq();
        } else {
            a.cqo();
        }
        a.idiv(s, d);
        a.bind(done);
    }

    private void brTable(MInst m) {
        Gpr idx = reg(m.src);
        List<MBlock> targets = m.tableTargets;
        int cases = targets.size() - 1;
        MBlock dflt = targets.get(cases);
        a.mov(Size.S32, SCRATCH1, idx);
        a.aluImm(AluOp.CMP, Size.S32, SCRATCH1, cases);
        a.jcc(Cond.AE, dflt.label);
        Label table = a.newLabel();
        a.lea(Size.S64, SCRATCH0, Mem.rip(table));
        a.movsxd(SCRATCH1, Mem.of(SCRATCH0, SCRATCH1, 4, 0));
        a.alu(AluOp.ADD, Size.S64, SCRATCH0, SCRATCH1);
        a.jmp(SCRATCH0);
        tableLabels.add(table);
        tables.add(targets.subList(0, cases));
    }

    // ---- parallel moves -------------------------------------------------------------------------

    /** A location: a register (0..15) or a spill slot ({@code SLOT_BASE + slot}). */
    private static final int SLOT_BASE = 1000;

    private int loc(int vreg) {
        LinearScan.Interval it = alloc.interval(vreg);
        if (it == null) {
            return -1; // never live: the move is dead
        }
        return it.assigned >= 0 ? it.assigned : SLOT_BASE + it.spillSlot;
    }

    private void parallelMove(MInst m) {
        int n = m.pdst.length;
        List<int[]> moves = new ArrayList<>(); // {dst, src}
        List<long[]> consts = new ArrayList<>(); // {dst, value}
        for (int i = 0; i < n; i++) {
            int dst = loc(m.pdst[i]);
            if (dst < 0) {
                continue;
            }
            if (m.psrc[i] == MInst.NONE) {
                consts.add(new long[] {dst, m.pconst[i]});
            } else {
                int src = loc(m.psrc[i]);
                if (src != dst && src >= 0) {
                    moves.add(new int[] {dst, src});
                }
            }
        }
        while (!moves.isEmpty()) {
            int ready = -1;
            for (int i = 0; i < moves.size() && ready < 0; i++) {
                int dst = moves.get(i)[0];
                boolean blocked = false;
                for (int[] o : moves) {
                    if (o != moves.get(i) && o[1] == dst) {
                        blocked = true;
                        break;
                    }
                }
                if (!blocked) {
                    ready = i;
                }
            }
            if (ready >= 0) {
                int[] mv = moves.remove(ready);
                moveLoc(mv[0], mv[1]);
                continue;
            }
            // a cycle: park the value of one destination in r11 and redirect its readers there
            int[] mv = moves.get(0);
            int parked = mv[0];
            moveLoc(SCRATCH1.encoding(), parked);
            for (int[] o : moves) {
                if (o[1] == parked) {
                    o[1] = SCRATCH1.encoding();
                }
            }
        }
        for (long[] c : consts) {
            int dst = (int) c[0];
            if (dst >= SLOT_BASE) {
                Mem slot = slot(dst - SLOT_BASE);
                if (c[1] == (int) c[1]) {
                    a.movImm(Size.S64, slot, (int) c[1]);
                } else {
                    a.movImm(Size.S64, SCRATCH0, c[1]);
                    a.mov(Size.S64, slot, SCRATCH0);
                }
            } else {
                a.movImm(Size.S64, Gpr.of(dst), c[1]);
            }
        }
    }

    private void moveLoc(int dst, int src) {
        if (dst == src) {
            return;
        }
        boolean dSlot = dst >= SLOT_BASE;
        boolean sSlot = src >= SLOT_BASE;
        if (dSlot && sSlot) {
            a.mov(Size.S64, SCRATCH0, slot(src - SLOT_BASE));
            a.mov(Size.S64, slot(dst - SLOT_BASE), SCRATCH0);
        } else if (dSlot) {
            a.mov(Size.S64, slot(dst - SLOT_BASE), Gpr.of(src));
        } else if (sSlot) {
            a.mov(Size.S64, Gpr.of(dst), slot(src - SLOT_BASE));
        } else {
            a.mov(Size.S64, Gpr.of(dst), Gpr.of(src));
        }
    }
}
