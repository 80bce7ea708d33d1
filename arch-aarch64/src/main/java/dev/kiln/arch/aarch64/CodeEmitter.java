package dev.kiln.arch.aarch64;

import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.mach.BlockLayout;
import dev.kiln.compiler.mach.FrameLayout;
import dev.kiln.compiler.mach.Label;
import dev.kiln.compiler.mach.LinearScan;
import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.ParallelMoves;
import dev.kiln.compiler.mach.RegClass;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns allocated AArch64 MIR into machine code (DESIGN §2 step 7): the prologue with the stack-limit
 * check, {@code stp} of the frame record and the callee-saved registers the function uses, each
 * instruction with its spilled operands reloaded into the scratch registers ({@code x16}/{@code x17},
 * {@code v30}/{@code v31}), parallel moves sequentialized (cycles broken through {@code x17}/{@code v31}),
 * out-of-line trap stubs, then the literal pool and jump tables. {@code x30} (the link register, saved
 * by every prologue and reloaded by its epilogue) is a third integer temporary between calls: far
 * frame and VMContext offsets, wide immediates. Not thread-safe.
 *
 * <p>Frame, from high to low addresses: incoming stack arguments (the caller's outgoing area, popped
 * by this function on return), the frame record {@code x29, x30} ({@code x29} points at it), the
 * callee-saved registers in pairs, the spill slots and extra slots, the outgoing area at {@code sp}.
 * {@code sp} stays 16-byte aligned throughout (AArch64 faults on a misaligned {@code sp} access), so
 * every area is a multiple of 16 bytes.
 */
final class CodeEmitter {
    static final XReg VMCTX = XReg.X21;
    private static final XReg S0 = XReg.X16;
    private static final XReg S1 = XReg.X17;
    /** The link register, dead between the prologue and the epilogue except across calls. */
    private static final XReg T = XReg.X30;
    private static final VReg V_S0 = VReg.V30;
    private static final VReg V_S1 = VReg.V31;

    /** Whether single-bit branch tests may use {@code tbz}/{@code tbnz} (false after a first attempt ran out of their reach). */
    private final boolean testBranches;
    private boolean emittedTestBranch;
    private final List<MachBlock<MInst>> blocks;
    private final LinearScan<MInst> alloc;
    private final Assembler a = new Assembler();
    private final VMContextLayout layout;
    private final int outgoingBytes;
    private final int incomingArgBytes;
    private Label[] labels;
    private BlockLayout<MInst> blockLayout;
    private FrameLayout frame;
    private int frameSize;
    private final List<Integer> savedX = new ArrayList<>();
    private final List<Integer> savedV = new ArrayList<>();
    private int savedBytes;
    private int nextBlockIndex;
    private final Map<TrapCode, Label> trapStubs = new EnumMap<>(TrapCode.class);
    /** Frame info for backtraces ({@link dev.kiln.abi.FrameTable}); null records nothing. */
    dev.kiln.compiler.FrameSiteRecorder frames;
    /** The instruction being emitted (its IR source names the Wasm frames of a site), null in the prologue. */
    private MInst current;
    private final List<Label> tableLabels = new ArrayList<>();
    private final List<List<MachBlock<MInst>>> tables = new ArrayList<>();
    private final Map<Long, Label> pool = new LinkedHashMap<>();
    /** 16-byte constants (v128), keyed by their two halves. */
    private final Map<List<Long>, Label> vectorPool = new LinkedHashMap<>();
    /** Whether the function has v128 values: 16-byte moves, and the epoch stub saves whole q registers. */
    private final boolean vectors;
    /** The function's virtual registers (their spill-slot sizes tell v128s apart). */
    private final dev.kiln.compiler.mach.VirtualRegisters vregs;
    private final List<Label[]> epochSlowPaths = new ArrayList<>();

    // per-instruction scratch assignment for spilled virtual registers
    private final int[] scratchVreg = new int[2];
    private int scratchUsed;
    private final int[] vscratchVreg = new int[2];
    private int vscratchUsed;
    private int sharedDef = MInst.NONE;
    private int sharedVDef = MInst.NONE;

    CodeEmitter(List<MachBlock<MInst>> blocks, LinearScan<MInst> alloc, int outgoingBytes, int incomingArgBytes,
            VMContextLayout layout, boolean testBranches, dev.kiln.compiler.mach.VirtualRegisters vregs, boolean vectors) {
        this.testBranches = testBranches;
        this.vregs = vregs;
        this.vectors = vectors;
        this.blocks = blocks;
        this.alloc = alloc;
        this.outgoingBytes = outgoingBytes;
        this.incomingArgBytes = incomingArgBytes;
        this.layout = layout;
    }

    CompiledCode emit() {
        labels = new Label[blocks.size()];
        for (MachBlock<MInst> b : blocks) {
            labels[b.index] = a.newLabel("mb", b.index);
        }
        layoutFrame();
        blockLayout = new BlockLayout<>(blocks, this::loc);
        prologue();
        blockLayout.emitInOrder(k -> a.bind(label(k)), (b, next) -> {
            nextBlockIndex = next;
            emitBody(b);
        });
        emitEpochSlowPaths();
        emitLandingPads();
        // each trap site's out-of-line entry names the site in x17 (the unwind stub's backtrace reads it),
        // then the code's shared stub stores the trap code (clobbering only x9 and x16) and unwinds
        for (Map.Entry<TrapCode, Label> e : trapStubs.entrySet()) {
            List<Label[]> entries = trapSiteEntries.stream().filter(site -> site[2] == e.getValue()).toList();
            for (int k = 0; k < entries.size(); k++) {
                a.bind(entries.get(k)[0]);
                a.adr(S1, entries.get(k)[1]);
                if (k < entries.size() - 1) {
                    a.b(e.getValue()); // the last entry falls through into the stub
                }
            }
            a.bind(e.getValue());
            a.ldr(Size.X, S0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
            a.movImm(Size.W, XReg.X9, e.getKey().code());
            a.str(Size.W, XReg.X9, Address.offset(S0, VMStoreContext.TRAP_CODE));
            a.bSymbol(Relocation.UNWIND_STUB);
        }
        if (!vectorPool.isEmpty()) {
            a.align(16);
            for (Map.Entry<List<Long>, Label> c : vectorPool.entrySet()) {
                a.bind(c.getValue());
                a.emit64(c.getKey().get(0));
                a.emit64(c.getKey().get(1));
            }
        }
        if (!pool.isEmpty()) {
            a.align(8);
            for (Map.Entry<Long, Label> c : pool.entrySet()) {
                a.bind(c.getValue());
                a.emit64(c.getKey());
            }
        }
        for (int t = 0; t < tables.size(); t++) {
            a.align(4);
            Label table = tableLabels.get(t);
            a.bind(table);
            for (MachBlock<MInst> target : tables.get(t)) {
                a.emitLabelOffset32(label(target), table);
            }
        }
        byte[] code = a.finish();
        return new CompiledCode(code, a.relocations(), 0,
                frames == null ? List.of() : frames.sites(incomingBase()), callSites);
    }

    /** Every call instruction's return offset and frame facts, for the exception unwinder ({@code ExceptionTables}). */
    private final List<dev.kiln.abi.ExceptionTables.CallSite> callSites = new ArrayList<>();

    /** Records the call to Wasm code just emitted (the current position is its return address). */
    private void callSite(MInst m) {
        callSites.add(new dev.kiln.abi.ExceptionTables.CallSite(a.position(), frameBytes(), m.popped, m.inTry));
    }

    /**
     * Bytes from sp in the function's body to its return-address slot, the {@code x30} half of its frame
     * record: the frame, the callee-saved registers and the {@code x29} half. The unwinder follows the
     * frame records from callee to caller and resumes a catching call site with {@code x29} from the
     * chain and sp = {@code x29 + 8} minus these bytes.
     */
    private int frameBytes() {
        return frameSize + savedBytes + 8;
    }

    /**
     * {@code throw_ref}: {@code throw(vmctx, exn, raSlot)} (a libcall into the runtime's unwinder) with
     * this frame record's return-address slot, then either resumes at the call site it returns with the
     * {@code sp} and {@code x29} it left in the store context, or, when nothing below the entry caught
     * it (the trap code is set), unwinds to the entry from here, the libcall's return address being a
     * trap site so that the backtrace starts at the throw.
     */
    private void emitThrow(MInst m) {
        a.mov(Size.X, XReg.X1, reg(m.src));
        a.mov(Size.X, XReg.X0, VMCTX);
        a.addImm(Size.X, XReg.X2, XReg.FP, 8, T);
        a.ldr(Size.X, S0, at(VMCTX, VMContextLayout.libcall(VMContextLayout.LIBCALL_THROW), 8));
        a.blr(S0);
        recordSite(dev.kiln.abi.FrameTable.TRAP);
        unwindIfTrapped(true);
        resumeCatchingFrame(a, S0, S1);
    }

    /**
     * The jump to the catching call site the throw libcall returned in x0: {@code sp} and {@code x29}
     * from the store context ({@code RESUME_SP}, {@code RESUME_FP}); clobbers {@code t0} and {@code t1}.
     */
    static void resumeCatchingFrame(Assembler a, XReg t0, XReg t1) {
        a.ldr(Size.X, t0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.X, t1, Address.offset(t0, VMStoreContext.RESUME_SP));
        a.mov(Size.X, XReg.SP, t1);
        a.ldr(Size.X, XReg.FP, Address.offset(t0, VMStoreContext.RESUME_FP));
        a.br(XReg.X0);
    }

    private Label label(MachBlock<?> b) {
        return labels[b.index];
    }

    // ---- frame ------------------------------------------------------------------------------------

    private void layoutFrame() {
        // one pass over the instructions: the registers written, and whether any instruction is in a
        // try block, needs the VMContext kept across a call, or uses x30
        boolean[] used = new boolean[Aarch64Registers.VREG_BASE];
        boolean catches = false;
        boolean savesVmctx = false;
        boolean usesLinkRegister = false;
        for (MachBlock<MInst> b : blocks) {
            for (MInst m : b.insts) {
                for (int d : m.defs) {
                    if (MInst.isVirtual(d)) {
                        LinearScan.Interval it = alloc.interval(d);
                        if (it != null && it.assigned >= 0) {
                            used[it.assigned] = true;
                        }
                    }
                }
                catches |= m.inTry;
                savesVmctx |= m.op == MOp.CALL_IMPORT || m.op == MOp.CALL_REF || m.reloadsVmctx;
                usesLinkRegister |= needsLinkRegister(m);
            }
        }
        // the unwinder skips frames without restoring the callee-saved registers they saved: a function
        // that catches saves them all (x19..x28 but x21, the low halves of v8..v15), so that its own
        // epilogue gives its caller back its values (x29 and x30 come from its frame record, x21 from its slot)
        for (int r = 0; r < Aarch64Registers.VREG_BASE; r++) {
            if ((used[r] || catches && r != Aarch64Registers.VMCTX && r != XReg.FP.encoding())
                    && Aarch64Registers.DESCRIPTOR.isCalleeSaved(r)) {
                (Aarch64Registers.isV(r) ? savedV : savedX).add(r);
            }
        }
        savedBytes = 16 * ((savedX.size() + 1) / 2 + (savedV.size() + 1) / 2);
        frame = new FrameLayout(outgoingBytes, alloc, savesVmctx ? 1 : 0);
        frameSize = (frame.size() + 15) & -16;
        frameRecord = frameSize > 0 || savedBytes > 0 || usesLinkRegister;
    }

    /**
     * Whether the function saves its frame record: always, except in a leaf that needs no stack at all
     * (no frame, no callee-saved register, no call, nothing using x30 as a temporary), which then also
     * needs no stack-limit check.
     */
    private boolean frameRecord;

    /** Whether {@code m} calls (overwriting x30) or may use x30 as a temporary. */
    private static boolean needsLinkRegister(MInst m) {
        return switch (m.op) {
            case CALL, CALL_IMPORT, CALL_REF, LIBCALL, EPOCH_CHECK, THROW -> true;
            // a tail call restores the callee-saved registers and x30 from the frame record through x29
            case RETURN_CALL, RETURN_CALL_IMPORT, RETURN_CALL_REF -> true;
            case BR_TABLE -> !Assembler.isAddSubImmediate(m.tableTargets.size() - 1);
            case VMCTX_LOAD, VMCTX_STORE -> Address.offsetForm(m.imm, 8) == OffsetForm.NEEDS_REGISTER
                    || Address.offsetForm(m.imm, 4) == OffsetForm.NEEDS_REGISTER
                    || m.q && Address.offsetForm(m.imm, 16) == OffsetForm.NEEDS_REGISTER;
            case VMCTX_ADDR -> m.imm >= 1 << 24;
            case LOAD_STACK_PARAM, STORE_RESULT -> Address.offsetForm(m.imm, 8) == OffsetForm.NEEDS_REGISTER
                    || m.q && Address.offsetForm(m.imm, 16) == OffsetForm.NEEDS_REGISTER;
            default -> false;
        };
    }

    /** Bytes from sp (after the prologue) to the incoming stack arguments. */
    private int incomingBase() {
        return frameRecord ? frameSize + savedBytes + 16 : 0;
    }

    private void prologue() {
        if (!frameRecord) {
            return;
        }
        int total = frameSize + savedBytes + 16;
        a.ldr(Size.X, S0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.X, S0, Address.offset(S0, VMStoreContext.STACK_LIMIT));
        a.addImm(Size.X, S1, XReg.SP, -total, T);
        a.cmp(Size.X, S1, S0);
        trapIf(Cond.LO, TrapCode.STACK_OVERFLOW);
        a.stp(Size.X, XReg.FP, XReg.LR, Address.preIndex(XReg.SP, -16));
        a.mov(Size.X, XReg.FP, XReg.SP);
        forPairs(savedX, (r1, r2) -> {
            if (r2 < 0) {
                a.str(Size.X, Aarch64Registers.x(r1), Address.preIndex(XReg.SP, -16));
            } else {
                a.stp(Size.X, Aarch64Registers.x(r1), Aarch64Registers.x(r2), Address.preIndex(XReg.SP, -16));
            }
        });
        forPairs(savedV, (r1, r2) -> {
            if (r2 < 0) {
                a.str(FpSize.D, Aarch64Registers.v(r1), Address.preIndex(XReg.SP, -16));
            } else {
                a.stp(FpSize.D, Aarch64Registers.v(r1), Aarch64Registers.v(r2), Address.preIndex(XReg.SP, -16));
            }
        });
        if (frameSize > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, -frameSize, T);
        }
    }

    private void epilogue() {
        if (frameSize > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, frameSize, T);
        }
        List<int[]> v = pairs(savedV);
        for (int i = v.size() - 1; i >= 0; i--) {
            loadSaved(a, v.get(i), true, Address.postIndex(XReg.SP, 16));
        }
        List<int[]> x = pairs(savedX);
        for (int i = x.size() - 1; i >= 0; i--) {
            loadSaved(a, x.get(i), false, Address.postIndex(XReg.SP, 16));
        }
        if (frameRecord) {
            a.ldp(Size.X, XReg.FP, XReg.LR, Address.postIndex(XReg.SP, 16));
        }
        if (incomingArgBytes > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, incomingArgBytes, T); // the callee pops its stack arguments
        }
        a.ret();
    }

    /**
     * Reloads a pair of callee-saved registers the prologue stored ({@code pair[1]} -1: a single one) from
     * {@code at}: x registers, or the low 64 bits of v registers.
     */
    static void loadSaved(Assembler a, int[] pair, boolean vector, Address at) {
        if (vector) {
            if (pair[1] < 0) {
                a.ldr(FpSize.D, Aarch64Registers.v(pair[0]), at);
            } else {
                a.ldp(FpSize.D, Aarch64Registers.v(pair[0]), Aarch64Registers.v(pair[1]), at);
            }
        } else if (pair[1] < 0) {
            a.ldr(Size.X, Aarch64Registers.x(pair[0]), at);
        } else {
            a.ldp(Size.X, Aarch64Registers.x(pair[0]), Aarch64Registers.x(pair[1]), at);
        }
    }

    private interface PairSink {
        void pair(int r1, int r2);
    }

    private static List<int[]> pairs(List<Integer> regs) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < regs.size(); i += 2) {
            out.add(new int[] {regs.get(i), i + 1 < regs.size() ? regs.get(i + 1) : -1});
        }
        return out;
    }

    private static void forPairs(List<Integer> regs, PairSink sink) {
        for (int[] p : pairs(regs)) {
            sink.pair(p[0], p[1]);
        }
    }

    /** {@code [base, #offset]} for an access of {@code bytes}, through x30 when no single instruction reaches it. */
    private Address at(XReg base, long offset, int bytes) {
        return a.address(base, offset, bytes, T);
    }

    private Address slot(int index) {
        return at(XReg.SP, frame.slotOffset(index), 8);
    }

    private Address vmctxSaveSlot() {
        return at(XReg.SP, frame.extraOffset(0), 8);
    }

    private Label trapStub(TrapCode code) {
        return trapStubs.computeIfAbsent(code, c -> a.newLabel("trap_" + c.name().toLowerCase(java.util.Locale.ROOT)));
    }

    /**
     * Out-of-line entries of trap sites: {entry, the site's branch, the code's stub}. The entry is
     * {@code adr x17, site; b stub}, so the unwind stub knows which site trapped without touching
     * x30 (a frameless function's return address, or the caller's in a prologue).
     */
    private final List<Label[]> trapSiteEntries = new ArrayList<>();

    /**
     * Binds a label at the current position (a trap site's branch) and returns the site's out-of-line
     * entry, which the branch targets.
     */
    private Label trapSiteEntry(TrapCode code) {
        Label site = a.newLabel();
        a.bind(site);
        Label entry = a.newLabel();
        trapSiteEntries.add(new Label[] {entry, site, trapStub(code)});
        return entry;
    }

    /**
     * Records a frame site at the current position: a call's return address, or the branch of a trap
     * site (which the trap path passes to the backtrace libcall in x17).
     */
    private void recordSite(int kind) {
        if (frames != null) {
            boolean entry = current == null && kind != dev.kiln.abi.FrameTable.RETURN_ADDRESS;
            frames.add(a.position(), entry ? dev.kiln.abi.FrameTable.TRAP_AT_ENTRY : kind,
                    current == null ? null : current.source);
        }
    }

    private void trapIf(Cond cond, TrapCode code) {
        recordSite(dev.kiln.abi.FrameTable.TRAP);
        a.b(cond, trapSiteEntry(code));
    }

    private void trapIfZero(Size size, XReg r, TrapCode code) {
        recordSite(dev.kiln.abi.FrameTable.TRAP);
        a.cbz(size, r, trapSiteEntry(code));
    }

    private void trapIfNonZero(Size size, XReg r, TrapCode code) {
        recordSite(dev.kiln.abi.FrameTable.TRAP);
        a.cbnz(size, r, trapSiteEntry(code));
    }

    /**
     * Loads the 32-bit trap code of the store context into w16 and unwinds to the entry when it is set.
     * For the backtrace, x17 tells the unwind stub where the frames start: with {@code afterCall}, x30
     * is the return address of the call just made (recorded as a trap site by the libcall);
     * otherwise 0: x29's frame record holds the return address of a Wasm call.
     */
    private void unwindIfTrapped(boolean afterCall) {
        Label ok = a.newLabel();
        a.ldr(Size.X, S0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.W, S0, Address.offset(S0, VMStoreContext.TRAP_CODE));
        a.cbz(Size.W, S0, ok);
        if (afterCall) {
            a.mov(Size.X, S1, XReg.LR);
        } else {
            a.movImm(Size.X, S1, 0);
        }
        a.bSymbol(Relocation.UNWIND_STUB);
        a.bind(ok);
    }

    // ---- operands ---------------------------------------------------------------------------------

    private boolean isFloat(int r) {
        return alloc.classOf(r) == RegClass.FLOAT;
    }

    private boolean isSpilled(int r) {
        if (!MInst.isVirtual(r)) {
            return false;
        }
        LinearScan.Interval it = alloc.interval(r);
        return it != null && it.assigned < 0;
    }

    private Address spillSlotOf(int vreg) {
        int k = alloc.interval(vreg).spillSlot;
        return alloc.slotBytes(k) == 16 ? at(XReg.SP, frame.slotOffset(k), 16) : slot(k);
    }

    /** Whether spilled {@code vreg} has a 16-byte slot (a v128). */
    private boolean wideSlot(int vreg) {
        return alloc.slotBytes(alloc.interval(vreg).spillSlot) == 16;
    }

    /** Reloads spilled float or vector {@code vreg} into {@code v}: all 16 bytes of a v128 slot, else 8. */
    private void reloadV(VReg v, int vreg) {
        if (wideSlot(vreg)) {
            a.ldrQ(v, spillSlotOf(vreg));
        } else {
            a.ldr(FpSize.D, v, spillSlotOf(vreg));
        }
    }

    /** Spills {@code v} into the slot of float or vector {@code vreg} (16 bytes for a v128 slot, else 8). */
    private void spillV(VReg v, int vreg) {
        if (wideSlot(vreg)) {
            a.strQ(v, spillSlotOf(vreg));
        } else {
            a.str(FpSize.D, v, spillSlotOf(vreg));
        }
    }

    private int loc(int vreg) {
        LinearScan.Interval it = alloc.interval(vreg);
        return it == null ? -1 : LinearScan.location(it);
    }

    private XReg reg(int r) {
        if (!MInst.isVirtual(r)) {
            return Aarch64Registers.x(r);
        }
        LinearScan.Interval it = alloc.interval(r);
        if (it != null && it.assigned >= 0) {
            return Aarch64Registers.x(it.assigned);
        }
        for (int i = 0; i < scratchUsed; i++) {
            if (scratchVreg[i] == r) {
                return i == 0 ? S0 : S1;
            }
        }
        if (sharedDef == r) {
            return S0;
        }
        if (it == null) {
            return S0; // never live: a dead definition
        }
        throw new IllegalStateException("spilled " + Aarch64Registers.DESCRIPTOR.describe(r) + " has no scratch register");
    }

    private VReg vreg(int r) {
        if (!MInst.isVirtual(r)) {
            return Aarch64Registers.v(r);
        }
        LinearScan.Interval it = alloc.interval(r);
        if (it != null && it.assigned >= 0) {
            return Aarch64Registers.v(it.assigned);
        }
        for (int i = 0; i < vscratchUsed; i++) {
            if (vscratchVreg[i] == r) {
                return i == 0 ? V_S0 : V_S1;
            }
        }
        if (sharedVDef == r || it == null) {
            return V_S0; // a result sharing v30 with an operand, or never live (a dead definition)
        }
        throw new IllegalStateException("spilled " + Aarch64Registers.DESCRIPTOR.describe(r) + " has no scratch register");
    }

    private boolean hasScratch(int r) {
        for (int i = 0; i < scratchUsed; i++) {
            if (scratchVreg[i] == r) {
                return true;
            }
        }
        for (int i = 0; i < vscratchUsed; i++) {
            if (vscratchVreg[i] == r) {
                return true;
            }
        }
        return false;
    }

    private void emitWithSpills(MInst m) {
        switch (m.op) {
            case PMOVE -> {
                parallelMove(m);
                return;
            }
            case HEAP_LOAD, HEAP_STORE -> {
                heapAccess(m);
                return;
            }
            case BR_TABLE -> {
                brTable(m);
                return;
            }
            case MADD -> {
                if (isSpilled(m.src) && isSpilled(m.src2) && isSpilled(m.src3)) {
                    spilledMadd(m);
                    return;
                }
            }
            default -> {
            }
        }
        scratchUsed = 0;
        vscratchUsed = 0;
        sharedDef = MInst.NONE;
        sharedVDef = MInst.NONE;
        for (int u : m.uses) {
            if (isSpilled(u) && !hasScratch(u)) {
                if (isFloat(u)) {
                    if (vscratchUsed == 2) {
                        throw new IllegalStateException("more than two spilled float operands in " + m);
                    }
                    vscratchVreg[vscratchUsed] = u;
                    reloadV(vscratchUsed++ == 0 ? V_S0 : V_S1, u);
                } else {
                    if (scratchUsed == 2) {
                        throw new IllegalStateException("more than two spilled integer operands in " + m);
                    }
                    scratchVreg[scratchUsed] = u;
                    a.ldr(Size.X, scratchUsed++ == 0 ? S0 : S1, spillSlotOf(u));
                }
            }
        }
        for (int d : m.defs) {
            if (isSpilled(d) && !hasScratch(d)) {
                if (isFloat(d)) {
                    if (vscratchUsed == 2) {
                        sharedVDef = d; // operands are read before the result is written
                    } else {
                        vscratchVreg[vscratchUsed++] = d;
                    }
                } else if (scratchUsed == 2) {
                    sharedDef = d; // operands are read before the result is written
                } else {
                    scratchVreg[scratchUsed++] = d;
                }
            }
        }
        emitInst(m);
        for (int d : m.defs) {
            if (isSpilled(d)) {
                if (isFloat(d)) {
                    spillV(vreg(d), d);
                } else {
                    a.str(Size.X, reg(d), spillSlotOf(d));
                }
            }
        }
    }

    /** {@code madd}/{@code msub} with all three operands spilled: the product first, through x16 and x17. */
    private void spilledMadd(MInst m) {
        a.ldr(Size.X, S0, spillSlotOf(m.src));
        a.ldr(Size.X, S1, spillSlotOf(m.src2));
        a.mul(m.size, S0, S0, S1);
        a.ldr(Size.X, S1, spillSlotOf(m.src3));
        if (m.negate) {
            a.sub(m.size, S0, S1, S0);
        } else {
            a.add(m.size, S0, S1, S0);
        }
        if (isSpilled(m.dst)) {
            a.str(Size.X, S0, spillSlotOf(m.dst));
        } else {
            a.mov(Size.X, regOrScratch(m.dst), S0);
        }
    }

    private XReg regOrScratch(int r) {
        LinearScan.Interval it = alloc.interval(r);
        return it != null && it.assigned >= 0 ? Aarch64Registers.x(it.assigned) : S0;
    }

    // ---- blocks -----------------------------------------------------------------------------------

    private static boolean duplicable(MInst m) {
        return switch (m.op) {
            case CMP_RR, CMP_RI, BCOND, CBNZ, TBNZ, MOV, MOV_IMM, ALU_RR, ALU_RI -> true;
            default -> false;
        };
    }

    private void emitBody(MachBlock<MInst> b) {
        int pendingTest = -1; // after a catching call with a landing pad: its pending-exception test
        for (int k = 0; k < b.insts.size(); k++) {
            MInst m = b.insts.get(k);
            if (k == pendingTest) {
                // the test and branch run only in the landing pad: here the call returned normally
                MachBlock<MInst> normal = normalSuccessor(b.last());
                if (!isNext(normal)) {
                    a.b(label(normal));
                }
                return;
            }
            if (k == b.insts.size() - 1 && m.op == MOp.JMP
                    && blockLayout.isRotatableLoopHeader(b, m.target, CodeEmitter::duplicable)) {
                emitBody(m.target);
                return;
            }
            current = m;
            emitWithSpills(m);
            if (m.inTry && (m.op == MOp.CALL || m.op == MOp.CALL_IMPORT || m.op == MOp.CALL_REF)) {
                pendingTest = landingPad(b, k);
            }
        }
    }

    /** The catching calls' landing pads, emitted after the function's code. */
    private final List<dev.kiln.compiler.mach.LandingPad<MInst>> landingPads = new ArrayList<>();

    /** Where the pending-exception branch {@code branch} goes without an exception. */
    private static MachBlock<MInst> normalSuccessor(MInst branch) {
        boolean toHandler = branch.op == MOp.CBNZ || branch.cond == Cond.NE;
        return toHandler ? branch.target2 : branch.target;
    }

    /**
     * For the catching call at {@code k} of {@code b}, just emitted: when the block ends in the
     * translator's test for a pending exception ({@code EXN_PENDING}, then {@code cbnz}, or a compare
     * with zero and {@code b.ne}/{@code b.eq}), gives the call a landing pad and returns the index of the
     * {@code EXN_PENDING}, from which the block emits only the branch to the normal successor; else -1.
     * The pad replays what follows the call up to the {@code EXN_PENDING}, exactly what resuming at the
     * return address ran, then branches to the handlers.
     */
    private int landingPad(MachBlock<MInst> b, int k) {
        int n = b.insts.size();
        int p = k + 1;
        while (p < n && b.insts.get(p).op != MOp.EXN_PENDING) {
            MInst x = b.insts.get(p);
            if (x.op == MOp.CALL || x.op == MOp.CALL_IMPORT || x.op == MOp.CALL_REF || x.op == MOp.LIBCALL
                    || x.op == MOp.THROW || x.op == MOp.JMP || x.op == MOp.BCOND || x.op == MOp.CBNZ
                    || x.op == MOp.TBNZ || x.op == MOp.TRAP_IF || x.op == MOp.TRAP_IF_ZERO) {
                return -1;
            }
            p++;
        }
        if (p >= n) {
            return -1;
        }
        MInst pending = b.insts.get(p);
        MInst branch = b.last();
        boolean cbnz = p + 2 == n && branch.op == MOp.CBNZ && branch.src == pending.dst;
        boolean cmp = p + 3 == n && b.insts.get(p + 1).op == MOp.CMP_RI && b.insts.get(p + 1).imm == 0
                && b.insts.get(p + 1).src == pending.dst && branch.op == MOp.BCOND
                && (branch.cond == Cond.NE || branch.cond == Cond.EQ);
        if (!cbnz && !cmp) {
            return -1;
        }
        MachBlock<MInst> handler = normalSuccessor(branch) == branch.target ? branch.target2 : branch.target;
        landingPads.add(new dev.kiln.compiler.mach.LandingPad<>(a.newLabel(), b, k, p, handler, callSites.size() - 1));
        return p;
    }

    /** The landing pads, out of line; then each catching call's site names its pad. */
    private void emitLandingPads() {
        for (dev.kiln.compiler.mach.LandingPad<MInst> pad : landingPads) {
            a.bind(pad.label());
            MInst call = pad.block().insts.get(pad.call());
            current = call;
            repush(call);
            a.ldr(Size.X, VMCTX, vmctxSaveSlot()); // the thrower's x21 is not this function's VMContext
            for (int i = pad.call() + 1; i <= pad.pending(); i++) {
                current = pad.block().insts.get(i);
                emitWithSpills(current);
            }
            a.b(label(pad.handler()));
            callSites.set(pad.site(), pad.placed(callSites.get(pad.site())));
        }
    }

    private void testBranch(boolean whenSet, XReg r, int bit, Label target) {
        if (whenSet) {
            a.tbnz(r, bit, target);
        } else {
            a.tbz(r, bit, target);
        }
    }

    /**
     * Whether a {@code tbz}/{@code tbnz} was emitted: when {@link #emit} then fails because a label is out
     * of their +-32 KiB reach, the function is emitted again without them.
     */
    boolean emittedTestBranch() {
        return emittedTestBranch;
    }

    private boolean isNext(MachBlock<MInst> b) {
        return nextBlockIndex < blocks.size() && blocks.get(nextBlockIndex) == b;
    }

    // ---- instructions -----------------------------------------------------------------------------

    private void emitInst(MInst m) {
        switch (m.op) {
            case MOV -> {
                if (isFloat(m.dst) || (!MInst.isVirtual(m.dst) && Aarch64Registers.isV(m.dst))) {
                    VReg d = vreg(m.dst);
                    VReg s = vreg(m.src);
                    if (d != s && m.q) {
                        a.movQ(d, s);
                    } else if (d != s) {
                        a.fmov(FpSize.D, d, s);
                    }
                } else {
                    XReg d = reg(m.dst);
                    XReg s = reg(m.src);
                    if (d != s) {
                        a.mov(m.size, d, s);
                    }
                }
            }
            case MOV_IMM -> a.movImm(m.size, reg(m.dst), m.imm);
            case ALU_RR -> aluRR(m);
            case ALU_RI -> aluRI(m);
            case MADD -> {
                if (m.negate) {
                    a.msub(m.size, reg(m.dst), reg(m.src), reg(m.src2), reg(m.src3));
                } else {
                    a.madd(m.size, reg(m.dst), reg(m.src), reg(m.src2), reg(m.src3));
                }
            }
            case NEG -> a.neg(m.size, reg(m.dst), reg(m.src));
            case CMP_RR -> {
                if (m.shift != null) {
                    a.cmp(m.size, reg(m.src), reg(m.src2), m.shift, m.shiftAmount);
                } else {
                    a.cmp(m.size, reg(m.src), reg(m.src2));
                }
            }
            case CMP_RI -> {
                if (m.imm < 0) {
                    a.cmn(m.size, reg(m.src), -m.imm);
                } else {
                    a.cmp(m.size, reg(m.src), m.imm);
                }
            }
            case CSET -> {
                if (m.negate) {
                    a.csetm(Size.X, reg(m.dst), m.cond);
                } else {
                    a.cset(Size.W, reg(m.dst), m.cond);
                }
            }
            case CSEL -> {
                if (isFloat(m.dst)) {
                    a.fcsel(m.fsize, vreg(m.dst), vreg(m.src), vreg(m.src2), m.cond);
                } else {
                    a.csel(m.size, reg(m.dst), reg(m.src), reg(m.src2), m.cond);
                }
            }
            case BITCOUNT -> bitCount(m);
            case REV -> a.rev(m.size, reg(m.dst), reg(m.src));
            case EXTEND -> {
                XReg d = reg(m.dst);
                XReg s = reg(m.src);
                if (!m.signed) {
                    a.mov(Size.W, d, s); // writing a W register clears bits 63..32
                } else if (m.imm == 8) {
                    a.sxtb(m.size, d, s);
                } else if (m.imm == 16) {
                    a.sxth(m.size, d, s);
                } else {
                    a.sxtw(d, s);
                }
            }
            case MULHI -> {
                XReg d = reg(m.dst);
                if (m.size == Size.X) {
                    if (m.signed) {
                        a.smulh(d, reg(m.src), reg(m.src2));
                    } else {
                        a.umulh(d, reg(m.src), reg(m.src2));
                    }
                } else {
                    // the exact 64-bit product of two i32; its bits 63..32, zero-extended
                    if (m.signed) {
                        a.smull(d, reg(m.src), reg(m.src2));
                    } else {
                        a.umull(d, reg(m.src), reg(m.src2));
                    }
                    a.lsr(Size.X, d, d, 32);
                }
            }
            case DIV -> {
                XReg x = reg(m.src);
                XReg y = reg(m.src2);
                trapIfZero(m.size, y, TrapCode.INTEGER_DIVIDE_BY_ZERO);
                if (m.checkOverflow) {
                    // V is set exactly when y == -1 and x == MIN (x - 1 overflows only for MIN)
                    a.cmn(m.size, y, 1);
                    a.ccmp(m.size, x, 1, 0, Cond.EQ);
                    trapIf(Cond.VS, TrapCode.INTEGER_OVERFLOW);
                }
                if (m.signed) {
                    a.sdiv(m.size, reg(m.dst), x, y);
                } else {
                    a.udiv(m.size, reg(m.dst), x, y);
                }
            }
            case CALL -> {
                if (m.reloadsVmctx) {
                    a.str(Size.X, VMCTX, vmctxSaveSlot());
                }
                a.blSymbol((int) m.imm);
                recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS);
                callSite(m);
                repush(m);
                if (m.reloadsVmctx) {
                    a.ldr(Size.X, VMCTX, vmctxSaveSlot());
                }
            }
            case RETURN_CALL, RETURN_CALL_IMPORT, RETURN_CALL_REF -> new TailCall(a, layout, pairs(savedX),
                    pairs(savedV), incomingArgBytes).emit(m, m.op == MOp.RETURN_CALL_REF ? reg(m.src) : null);
            case CALL_IMPORT -> {
                a.str(Size.X, VMCTX, vmctxSaveSlot());
                Aarch64Backend.callImport(a, layout, (int) m.imm);
                recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS);
                callSite(m);
                repush(m);
                a.ldr(Size.X, VMCTX, vmctxSaveSlot());
            }
            case CALL_REF -> {
                a.mov(Size.X, S1, reg(m.src));
                callRecord(m);
            }
            case MEMSET -> memset();
            case MEMMOVE -> memmove();
            case VMCTX_ADDR -> a.addImm(Size.X, reg(m.dst), VMCTX, m.imm, T);
            case LIBCALL -> {
                a.mov(Size.X, XReg.X0, VMCTX);
                a.ldr(Size.X, S0, at(VMCTX, VMContextLayout.libcall((int) m.imm), 8));
                a.blr(S0);
                recordSite(dev.kiln.abi.FrameTable.TRAP); // the libcall's return address, as the trap path passes it
                unwindIfTrapped(true);
            }
            case EPOCH_CHECK -> epochCheck(m);
            case THROW -> emitThrow(m);
            case EXN_PENDING -> {
                a.ldr(Size.X, reg(m.dst), Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
                a.ldr(Size.X, reg(m.dst), Address.offset(reg(m.dst), VMStoreContext.PENDING_EXCEPTION));
            }
            case EXN_CLEAR -> {
                a.ldr(Size.X, S0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
                a.str(Size.X, XReg.XZR, Address.offset(S0, VMStoreContext.PENDING_EXCEPTION));
            }
            case RET -> epilogue();
            case JMP -> {
                if (!isNext(m.target)) {
                    a.b(label(m.target));
                }
            }
            case BCOND -> {
                if (isNext(m.target)) {
                    a.b(m.cond.invert(), label(m.target2));
                } else {
                    a.b(m.cond, label(m.target));
                    if (!isNext(m.target2)) {
                        a.b(label(m.target2));
                    }
                }
            }
            case TBNZ -> {
                XReg r = reg(m.src);
                int bit = (int) m.imm;
                boolean whenSet = !m.negate;
                if (!testBranches) {
                    // tbz/tbnz reach +-32 KiB only: a function too large for them tests with tst + b.cond
                    a.tst(m.size, r, 1L << bit);
                    Cond c = whenSet ? Cond.NE : Cond.EQ;
                    if (isNext(m.target)) {
                        a.b(c.invert(), label(m.target2));
                    } else {
                        a.b(c, label(m.target));
                        if (!isNext(m.target2)) {
                            a.b(label(m.target2));
                        }
                    }
                } else {
                    emittedTestBranch = true;
                    if (isNext(m.target)) {
                        testBranch(!whenSet, r, bit, label(m.target2));
                    } else {
                        testBranch(whenSet, r, bit, label(m.target));
                        if (!isNext(m.target2)) {
                            a.b(label(m.target2));
                        }
                    }
                }
            }
            case CBNZ -> {
                XReg r = reg(m.src);
                if (isNext(m.target)) {
                    a.cbz(m.size, r, label(m.target2));
                } else {
                    a.cbnz(m.size, r, label(m.target));
                    if (!isNext(m.target2)) {
                        a.b(label(m.target2));
                    }
                }
            }
            case LOAD_STACK_PARAM -> loadSlot(m.dst, at(XReg.SP, incomingBase() + m.imm, m.q ? 16 : 8), m.q);
            case STORE_RESULT -> storeSlot(m.src, at(XReg.SP, incomingBase() + m.imm, m.q ? 16 : 8), m.q);
            case LOAD_RESULT -> loadSlot(m.dst, at(XReg.SP, m.imm, m.q ? 16 : 8), m.q);
            case STORE_STACK_ARG -> storeSlot(m.src, at(XReg.SP, m.imm, m.q ? 16 : 8), m.q);
            case TRAP -> {
                // in line: what a check's out-of-line entry holds (see trapSiteEntries), without a branch to it
                TrapCode code = TrapCode.fromCode((int) m.imm);
                recordSite(dev.kiln.abi.FrameTable.TRAP);
                Label site = a.newLabel();
                a.bind(site);
                a.adr(S1, site);
                a.b(trapStub(code));
            }
            case TRAP_IF -> trapIf(m.cond, TrapCode.fromCode((int) m.imm));
            case TRAP_IF_ZERO -> {
                TrapCode code = TrapCode.fromCode((int) m.imm);
                if (m.negate) {
                    trapIfNonZero(m.size, reg(m.src), code);
                } else {
                    trapIfZero(m.size, reg(m.src), code);
                }
            }
            case VMCTX_LOAD -> {
                if (m.q) {
                    a.ldrQ(vreg(m.dst), at(VMCTX, m.imm, 16));
                } else if (isFloat(m.dst)) {
                    a.ldr(m.fsize, vreg(m.dst), at(VMCTX, m.imm, m.fsize.bytes()));
                } else {
                    a.ldr(m.size, reg(m.dst), at(VMCTX, m.imm, m.size.bytes()));
                }
            }
            case VMCTX_STORE -> {
                if (m.q) {
                    a.strQ(vreg(m.src), at(VMCTX, m.imm, 16));
                } else if (isFloat(m.src)) {
                    a.str(m.fsize, vreg(m.src), at(VMCTX, m.imm, m.fsize.bytes()));
                } else {
                    a.str(m.size, reg(m.src), at(VMCTX, m.imm, m.size.bytes()));
                }
            }
            case FCONST -> fconst(vreg(m.dst), m.fsize, m.imm);
            case VCONST -> vconst(vreg(m.dst), m.imm, m.imm2);
            case VOP -> vop(m);
            case FALU -> {
                VReg d = vreg(m.dst);
                VReg x = vreg(m.src);
                VReg y = vreg(m.src2);
                switch (m.falu) {
                    case ADD -> a.fadd(m.fsize, d, x, y);
                    case SUB -> a.fsub(m.fsize, d, x, y);
                    case MUL -> a.fmul(m.fsize, d, x, y);
                    case DIV -> a.fdiv(m.fsize, d, x, y);
                    // A64 fmin/fmax: NaN if either operand is NaN, -0 < +0 (Arm ARM FPMin/FPMax): Wasm's semantics
                    case MIN -> a.fmin(m.fsize, d, x, y);
                    case MAX -> a.fmax(m.fsize, d, x, y);
                }
            }
            case FUNARY -> {
                VReg d = vreg(m.dst);
                VReg x = vreg(m.src);
                switch (m.funary) {
                    case ABS -> a.fabs(m.fsize, d, x);
                    case NEG -> a.fneg(m.fsize, d, x);
                    case SQRT -> a.fsqrt(m.fsize, d, x);
                    case NEAREST -> a.frintn(m.fsize, d, x);
                    case FLOOR -> a.frintm(m.fsize, d, x);
                    case CEIL -> a.frintp(m.fsize, d, x);
                    case TRUNC -> a.frintz(m.fsize, d, x);
                    case CVT -> a.fcvt(m.fsize, d, m.fsize == FpSize.S ? FpSize.D : FpSize.S, x);
                }
            }
            case FCOPYSIGN -> {
                // the magnitude's bits in x16 get the sign's top bit inserted
                Size s = m.fsize.intSize();
                int top = s.bits() - 1;
                a.fmov(s, S0, vreg(m.src));
                a.fmov(s, S1, vreg(m.src2));
                a.lsr(s, S1, S1, top);
                a.bfi(s, S0, S1, top, 1);
                a.fmov(m.fsize, vreg(m.dst), S0);
            }
            case FCMP -> a.fcmp(m.fsize, vreg(m.src), vreg(m.src2));
            case CVT_I2F -> {
                if (m.signed) {
                    a.scvtf(m.fsize, vreg(m.dst), m.size, reg(m.src));
                } else {
                    a.ucvtf(m.fsize, vreg(m.dst), m.size, reg(m.src));
                }
            }
            case CVT_F2I -> convertToInt(m);
            case BITCAST_I2F -> a.fmov(m.fsize, vreg(m.dst), reg(m.src));
            case BITCAST_F2I -> a.fmov(m.size, reg(m.dst), vreg(m.src));
            case PMOVE, HEAP_LOAD, HEAP_STORE, BR_TABLE -> throw new IllegalStateException("handled before emitInst");
        }
    }

    private void aluRR(MInst m) {
        XReg d = reg(m.dst);
        XReg x = reg(m.src);
        XReg y = reg(m.src2);
        Size s = m.size;
        Shift sh = m.shift != null ? m.shift : Shift.LSL;
        int k = m.shift != null ? m.shiftAmount : 0;
        switch (m.alu) {
            case ADD -> a.add(s, d, x, y, sh, k);
            case SUB -> a.sub(s, d, x, y, sh, k);
            case AND -> a.and(s, d, x, y, sh, k);
            case ORR -> a.orr(s, d, x, y, sh, k);
            case EOR -> a.eor(s, d, x, y, sh, k);
            case BIC -> a.bic(s, d, x, y, sh, k);
            case LSL -> a.lslv(s, d, x, y);
            case LSR -> a.lsrv(s, d, x, y);
            case ASR -> a.asrv(s, d, x, y);
            case ROR -> a.rorv(s, d, x, y);
            case MUL -> a.mul(s, d, x, y);
        }
    }

    private void aluRI(MInst m) {
        XReg d = reg(m.dst);
        XReg x = reg(m.src);
        Size s = m.size;
        switch (m.alu) {
            // one add/sub (immediate), or two for an offset below 2^24 (the high and low 12 bits)
            case ADD -> a.addImm(s, d, x, m.imm, T);
            case SUB -> a.addImm(s, d, x, -m.imm, T);
            case AND -> a.and(s, d, x, m.imm);
            case ORR -> a.orr(s, d, x, m.imm);
            case EOR -> a.eor(s, d, x, m.imm);
            case LSL -> a.lsl(s, d, x, (int) m.imm);
            case LSR -> a.lsr(s, d, x, (int) m.imm);
            case ASR -> a.asr(s, d, x, (int) m.imm);
            case ROR -> a.ror(s, d, x, (int) m.imm);
            default -> throw new IllegalStateException("no immediate form for " + m.alu);
        }
    }

    private void bitCount(MInst m) {
        XReg d = reg(m.dst);
        XReg x = reg(m.src);
        switch ((int) m.imm) {
            case 0 -> a.clz(m.size, d, x);
            case 1 -> {
                a.rbit(m.size, d, x);
                a.clz(m.size, d, d);
            }
            default -> {
                // i32 values are zero-extended, so the 64-bit count is the 32-bit one
                a.fmov(FpSize.D, V_S1, x);
                a.cnt8b(V_S1, V_S1);
                a.addv8b(V_S1, V_S1);
                a.fmov(Size.W, d, V_S1);
            }
        }
    }

    /**
     * Float to integer truncation (spec §4.3.3 trunc and trunc_sat). A64's {@code fcvtzs}/{@code fcvtzu}
     * saturate and give 0 for NaN, which is exactly {@code trunc_sat}. The trapping forms check NaN
     * ({@code invalid conversion to integer}) and then the range ({@code integer overflow}): to a 32-bit
     * integer by converting to 64 bits (exact for every in-range value) and checking that the result
     * is a sign- or zero-extended 32-bit value; to a 64-bit integer by comparing with the bounds.
     */
    private void convertToInt(MInst m) {
        VReg x = vreg(m.src);
        XReg d = reg(m.dst);
        FpSize fs = m.fsize;
        if (m.saturating) {
            if (m.signed) {
                a.fcvtzs(m.size, d, fs, x);
            } else {
                a.fcvtzu(m.size, d, fs, x);
            }
            return;
        }
        a.fcmp(fs, x, x);
        trapIf(Cond.VS, TrapCode.INVALID_CONVERSION_TO_INTEGER);
        if (m.size == Size.W) {
            a.fcvtzs(Size.X, S1, fs, x);
            a.cmp(Size.X, S1, S1, m.signed ? Extend.SXTW : Extend.UXTW, 0);
            trapIf(Cond.NE, TrapCode.INTEGER_OVERFLOW);
            a.mov(Size.W, d, S1);
            return;
        }
        double upper = m.signed ? 0x1p63 : 0x1p64;
        fconst(V_S1, fs, bitsOf(fs, upper));
        a.fcmp(fs, x, V_S1);
        trapIf(Cond.GE, TrapCode.INTEGER_OVERFLOW);
        if (m.signed) {
            fconst(V_S1, fs, bitsOf(fs, -0x1p63));
            a.fcmp(fs, x, V_S1);
            trapIf(Cond.MI, TrapCode.INTEGER_OVERFLOW);
            a.fcvtzs(Size.X, d, fs, x);
        } else {
            a.fmov(fs, V_S1, -1.0);
            a.fcmp(fs, x, V_S1);
            trapIf(Cond.LS, TrapCode.INTEGER_OVERFLOW);
            a.fcvtzu(Size.X, d, fs, x);
        }
    }

    private static long bitsOf(FpSize fs, double v) {
        return fs == FpSize.S ? Float.floatToRawIntBits((float) v) & 0xFFFF_FFFFL : Double.doubleToRawLongBits(v);
    }

    /** {@code d = } the float with bits {@code bits}: {@code movi} for +0, {@code fmov #imm} when encodable, else a literal. */
    private void fconst(VReg d, FpSize fs, long bits) {
        double value = fs == FpSize.S ? Float.intBitsToFloat((int) bits) : Double.longBitsToDouble(bits);
        if (bits == 0) {
            a.moviZero(d);
        } else if (Assembler.isFpImmediate(value) && bitsOf(fs, value) == (fs == FpSize.S ? bits & 0xFFFF_FFFFL : bits)) {
            a.fmov(fs, d, value);
        } else {
            long key = fs == FpSize.S ? bits & 0xFFFF_FFFFL : bits;
            a.ldr(fs, d, pool.computeIfAbsent(key, k -> a.newLabel("const")));
        }
    }

    private void loadSlot(int dst, Address at, boolean q) {
        if (q) {
            a.ldrQ(vreg(dst), at);
        } else if (isFloat(dst)) {
            a.ldr(FpSize.D, vreg(dst), at);
        } else {
            a.ldr(Size.X, reg(dst), at);
        }
    }

    private void storeSlot(int src, Address at, boolean q) {
        if (q) {
            a.strQ(vreg(src), at);
        } else if (MInst.isVirtual(src) ? isFloat(src) : Aarch64Registers.isV(src)) {
            a.str(FpSize.D, vreg(src), at);
        } else {
            a.str(Size.X, reg(src), at);
        }
    }

    /** {@code d = } the v128 {@code (lo, hi)}: {@code movi} when every byte is 00 or ff and both halves agree, else a literal. */
    private void vconst(VReg d, long lo, long hi) {
        if (lo == hi && Assembler.isMovi2d(lo)) {
            a.movi2d(d, lo);
        } else {
            a.ldrQ(d, vectorPool.computeIfAbsent(List.of(lo, hi), k -> a.newLabel("vconst")));
        }
    }

    /** One NEON instruction ({@link MOp#VOP}): vector operands in v registers, the general one of a copy in an x register. */
    private void vop(MInst m) {
        NeonOp op = m.neon;
        Arrangement t = m.arr;
        int lane = (int) m.imm;
        switch (op.form()) {
            case THREE_SAME, PERMUTE, LONG, TBL -> a.neon(op, t, vreg(m.dst), vreg(m.src), vreg(m.src2));
            case TWO_MISC, LONG_MISC, NARROW, ACROSS, SCALAR_PAIR -> a.neon(op, t, vreg(m.dst), vreg(m.src));
            case SHIFT, SHIFT_LONG -> a.neonShift(op, t, vreg(m.dst), vreg(m.src), lane);
            case EXT -> a.ext(t, vreg(m.dst), vreg(m.src), vreg(m.src2), lane);
            case COPY -> {
                switch (op) {
                    case DUP_GENERAL, INS_GENERAL -> a.copy(op, t, vreg(m.dst), reg(m.src), lane);
                    case UMOV, SMOV -> a.copy(op, t, vreg(m.src), reg(m.dst), lane);
                    default -> a.copy(op, t, vreg(m.dst), vreg(m.src), lane);
                }
            }
        }
    }

    /** After a call whose callee popped its stack arguments: sp back down to the frame. */
    private void repush(MInst call) {
        if (call.popped > 0) {
            a.addImm(Size.X, XReg.SP, XReg.SP, -call.popped, T);
        }
    }

    /** Calls through the function record in x17 like an import: code, VMContext, upcall; x21 saved and restored. */
    private void callRecord(MInst m) {
        a.str(Size.X, VMCTX, vmctxSaveSlot());
        a.ldr(Size.X, S0, Address.offset(S1, 0));
        a.ldr(Size.X, VMCTX, Address.offset(S1, 8));
        a.ldr(Size.X, S1, Address.offset(S1, 16));
        a.blr(S0);
        recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS);
        callSite(m);
        repush(m);
        a.ldr(Size.X, VMCTX, vmctxSaveSlot());
    }

    /**
     * memset(x0, byte x1, length x2): 8 bytes at a time with the byte replicated by a multiplication,
     * then the tail byte by byte.
     */
    private void memset() {
        XReg d = XReg.X0;
        XReg v = XReg.X1;
        XReg n = XReg.X2;
        Label done = a.newLabel();
        Label tail = a.newLabel();
        Label wide = a.newLabel();
        a.cbz(Size.X, n, done);
        a.and(Size.W, v, v, 0xFF);
        a.cmp(Size.X, n, 8);
        a.b(Cond.LO, tail);
        a.movImm(Size.X, S0, 0x0101_0101_0101_0101L);
        a.mul(Size.X, S0, v, S0);
        a.bind(wide);
        a.str(Size.X, S0, Address.postIndex(d, 8));
        a.sub(Size.X, n, n, 8);
        a.cmp(Size.X, n, 8);
        a.b(Cond.HS, wide);
        a.cbz(Size.X, n, done);
        a.bind(tail);
        a.strb(v, Address.postIndex(d, 1));
        a.subs(Size.X, n, n, 1);
        a.b(Cond.NE, tail);
        a.bind(done);
    }

    /**
     * memmove(x0, x1, length x2): forwards when the destination is not inside {@code (src, src + len)}
     * (one unsigned compare of {@code dst - src} with the length), else backwards from the end; 8 bytes
     * at a time, then byte by byte. Every chunk is read before it is written, so overlap is safe.
     */
    private void memmove() {
        XReg d = XReg.X0;
        XReg s = XReg.X1;
        XReg n = XReg.X2;
        Label done = a.newLabel();
        Label forward = a.newLabel();
        a.cbz(Size.X, n, done);
        a.sub(Size.X, S0, d, s);
        a.cmp(Size.X, S0, n);
        a.b(Cond.HS, forward);
        a.add(Size.X, d, d, n);
        a.add(Size.X, s, s, n);
        copyLoop(d, s, n, -1, done);
        a.bind(forward);
        copyLoop(d, s, n, 1, done);
        a.bind(done);
    }

    /** Copies x2 bytes upwards ({@code dir} 1, post-increment) or downwards (-1, pre-decrement), then branches to {@code done}. */
    private void copyLoop(XReg d, XReg s, XReg n, int dir, Label done) {
        Label wide = a.newLabel();
        Label bytes = a.newLabel();
        Label tail = a.newLabel();
        a.bind(wide);
        a.cmp(Size.X, n, 8);
        a.b(Cond.LO, bytes);
        a.ldr(Size.X, S0, dir > 0 ? Address.postIndex(s, 8) : Address.preIndex(s, -8));
        a.str(Size.X, S0, dir > 0 ? Address.postIndex(d, 8) : Address.preIndex(d, -8));
        a.sub(Size.X, n, n, 8);
        a.b(wide);
        a.bind(bytes);
        a.cbz(Size.X, n, done);
        a.bind(tail);
        a.ldrb(S0, dir > 0 ? Address.postIndex(s, 1) : Address.preIndex(s, -1));
        a.strb(S0, dir > 0 ? Address.postIndex(d, 1) : Address.preIndex(d, -1));
        a.subs(Size.X, n, n, 1);
        a.b(Cond.NE, tail);
        a.b(done);
    }

    /**
     * A heap load or store at {@code base + index + imm}: spilled base and index come through x16/x17
     * (added into x16 when both are), a spilled value or result through x30 or v30.
     */
    private void heapAccess(MInst m) {
        XReg base = isSpilled(m.src) ? null : reg(m.src);
        XReg index = m.src2 == MInst.NONE || isSpilled(m.src2) ? null : reg(m.src2);
        if (base == null) {
            a.ldr(Size.X, S0, spillSlotOf(m.src));
            base = S0;
        }
        if (m.src2 != MInst.NONE && index == null) {
            a.ldr(Size.X, S1, spillSlotOf(m.src2));
            index = S1;
        }
        Address addr;
        int scale = Integer.numberOfTrailingZeros(m.width);
        Extend extend = m.extendIndex ? Extend.UXTW : Extend.UXTX;
        if (index == null) {
            addr = Address.offset(base, m.imm);
        } else if (m.imm == 0) {
            addr = Address.index(base, index, extend, m.scaledIndex);
        } else {
            if (m.extendIndex) {
                a.add(Size.X, S0, base, index, extend, m.scaledIndex ? scale : 0);
            } else if (m.scaledIndex) {
                a.add(Size.X, S0, base, index, Shift.LSL, scale);
            } else {
                a.add(Size.X, S0, base, index);
            }
            addr = Address.offset(S0, m.imm);
        }
        // a guard-page access: the load or store instruction itself is the trap site the signal handler
        // names in x17 when it faults (SignalHandlerStub)
        boolean guard = m.source != null && (m.source.aux() & dev.kiln.compiler.ir.Op.GUARD_PAGE) != 0;
        if (m.op == MOp.HEAP_LOAD) {
            faultSiteIf(guard);
            boolean spilled = isSpilled(m.dst);
            if (isFloat(m.dst)) {
                VReg d = spilled ? V_S0 : vreg(m.dst);
                if (m.q) {
                    a.ldrQ(d, addr);
                } else {
                    a.ldr(m.fsize, d, addr);
                }
                if (spilled) {
                    spillV(d, m.dst);
                }
                return;
            }
            XReg d = spilled ? T : reg(m.dst);
            switch (m.width) {
                case 1 -> {
                    if (m.signed) {
                        a.ldrsb(m.size, d, addr);
                    } else {
                        a.ldrb(d, addr);
                    }
                }
                case 2 -> {
                    if (m.signed) {
                        a.ldrsh(m.size, d, addr);
                    } else {
                        a.ldrh(d, addr);
                    }
                }
                case 4 -> {
                    if (m.signed) {
                        a.ldrsw(d, addr);
                    } else {
                        a.ldr(Size.W, d, addr);
                    }
                }
                default -> a.ldr(Size.X, d, addr);
            }
            if (spilled) {
                a.str(Size.X, d, spillSlotOf(m.dst));
            }
            return;
        }
        if (m.src3 == MInst.NONE) { // a zero: from wzr/xzr
            probeIf(guard, addr, m);
            switch (m.width) {
                case 1 -> a.strb(XReg.XZR, addr);
                case 2 -> a.strh(XReg.XZR, addr);
                case 4 -> a.str(Size.W, XReg.XZR, addr);
                default -> a.str(Size.X, XReg.XZR, addr);
            }
            return;
        }
        boolean spilled = isSpilled(m.src3);
        if (MInst.isVirtual(m.src3) && isFloat(m.src3)) {
            VReg v = spilled ? V_S0 : vreg(m.src3);
            if (spilled) {
                reloadV(v, m.src3);
            }
            probeIf(guard, addr, m);
            if (m.q) {
                a.strQ(v, addr);
            } else {
                a.str(m.fsize, v, addr);
            }
            return;
        }
        XReg v = spilled ? T : reg(m.src3);
        if (spilled) {
            a.ldr(Size.X, v, spillSlotOf(m.src3));
        }
        probeIf(guard, addr, m);
        switch (m.width) {
            case 1 -> a.strb(v, addr);
            case 2 -> a.strh(v, addr);
            case 4 -> a.str(Size.W, v, addr);
            default -> a.str(Size.X, v, addr);
        }
    }

    /** Records a {@link dev.kiln.abi.FrameTable#TRAP} frame site at the next instruction if {@code guard}. */
    private void faultSiteIf(boolean guard) {
        if (guard) {
            recordSite(dev.kiln.abi.FrameTable.TRAP);
        }
    }

    /**
     * Before a guard-page store of more than one byte: a load of the same bytes into the zero register
     * (v31 for 16 bytes), which is then the trap site. An unaligned store that straddles the end of the
     * accessible pages may, on some Arm cores, write its in-bounds bytes before it faults (the Arm
     * architecture allows it; Wasmtime issue 7237, WebAssembly/spec issue 1250), while Wasm requires a
     * trapping store to write nothing; the load faults first, with nothing written. Wasmer does the
     * same; V8 keeps explicit checks for stores instead. No probe when an earlier load or store of the
     * block covered the same bytes ({@link MInst#inBounds}: {@code a[i] += x}).
     */
    private void probeIf(boolean guard, Address addr, MInst m) {
        if (!guard) {
            return;
        }
        recordSite(dev.kiln.abi.FrameTable.TRAP);
        if (m.inBounds) {
            return; // the same bytes were accessed before in this block: the store cannot fault
        }
        int width = m.q ? 16 : m.width;
        switch (width) {
            case 2 -> a.ldrh(XReg.XZR, addr);
            case 4 -> a.ldr(Size.W, XReg.XZR, addr);
            case 8 -> a.ldr(Size.X, XReg.XZR, addr);
            case 16 -> a.ldrQ(V_S1, addr);
            default -> { } // a single byte is written whole or not at all
        }
    }

    /** br_table: a bounds check to the default, then a table of 32-bit offsets read with {@code ldrsw}. */
    private void brTable(MInst m) {
        List<MachBlock<MInst>> targets = m.tableTargets;
        int cases = targets.size() - 1;
        XReg idx;
        if (isSpilled(m.src)) {
            a.ldr(Size.X, S1, spillSlotOf(m.src));
            idx = S1;
        } else {
            idx = reg(m.src);
        }
        if (Assembler.isAddSubImmediate(cases)) {
            a.cmp(Size.W, idx, cases);
        } else {
            a.movImm(Size.W, T, cases);
            a.cmp(Size.W, idx, T);
        }
        a.b(Cond.HS, label(targets.get(cases)));
        Label table = a.newLabel("table");
        a.adr(S0, table);
        // an i32 in a register is zero-extended, so it indexes the table as it is
        a.ldrsw(S1, Address.index(S0, idx, Extend.UXTX, true));
        a.add(Size.X, S0, S0, S1);
        a.br(S0);
        tableLabels.add(table);
        tables.add(targets.subList(0, cases));
    }

    // ---- interruption -----------------------------------------------------------------------------

    /**
     * Epoch check: a set interrupt flag in the VMContext branches to the out-of-line slow path: a
     * load and a {@code cbnz}. x30 is free here (the slow
     * path's {@code bl} needs it saved anyway).
     */
    private void epochCheck(MInst m) {
        a.ldr(Size.W, XReg.LR, Address.offset(VMCTX, VMContextLayout.INTERRUPT));
        Label slow = a.newLabel();
        Label resume = a.newLabel();
        a.cbnz(Size.W, XReg.LR, slow);
        a.bind(resume);
        epochSlowPaths.add(new Label[] {slow, resume});
        epochSources.add(current);
    }

    /** The epoch check of each slow path, whose source the slow path's call site records. */
    private final List<MInst> epochSources = new ArrayList<>();

    /**
     * Caller-saved registers Wasm code may hold values in: x0..x15, and the low halves of v0..v7, v16..v29
     * (in a function with v128 values all 128 bits of v0..v29, see {@link #SAVED_Q}).
     */
    private static final int SAVED_X = 16;
    private static final int[] SAVED_D = {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29};
    /**
     * The v registers the epoch stub saves whole in a function with v128 values: those of
     * {@link #SAVED_D} and v8..v15, whose high halves the epoch libcall (Java) need not preserve.
     */
    private static final int[] SAVED_Q = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
        22, 23, 24, 25, 26, 27, 28, 29};

    /**
     * The epoch checks' slow paths, after the function's code: each calls the function's one epoch
     * stub and branches back. The stub saves every caller-saved register, calls the store's epoch
     * libcall with the store context, unwinds when it left a trap code, else restores and returns.
     */
    private void emitEpochSlowPaths() {
        if (epochSlowPaths.isEmpty()) {
            return;
        }
        Label stub = a.newLabel("epoch");
        MInst body = current;
        for (int k = 0; k < epochSlowPaths.size(); k++) {
            Label[] p = epochSlowPaths.get(k);
            a.bind(p[0]);
            a.bl(stub);
            current = epochSources.get(k);
            recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS); // the stub's frame record holds this address
            a.b(p[1]);
        }
        current = body;
        int vbytes = vectors ? 16 : 8; // whole q registers where v128 values may live
        int[] stubV = vectors ? SAVED_Q : SAVED_D;
        int bytes = 8 * SAVED_X + vbytes * stubV.length;
        a.bind(stub);
        a.stp(Size.X, XReg.FP, XReg.LR, Address.preIndex(XReg.SP, -16));
        a.mov(Size.X, XReg.FP, XReg.SP);
        a.sub(Size.X, XReg.SP, XReg.SP, bytes);
        for (int i = 0; i < SAVED_X; i += 2) {
            a.stp(Size.X, XReg.x(i), XReg.x(i + 1), Address.offset(XReg.SP, 8 * i));
        }
        for (int i = 0; i < stubV.length; i += 2) {
            Address at = Address.offset(XReg.SP, 8 * SAVED_X + vbytes * i);
            if (vectors) {
                a.stpQ(VReg.v(stubV[i]), VReg.v(stubV[i + 1]), at);
            } else {
                a.stp(FpSize.D, VReg.v(stubV[i]), VReg.v(stubV[i + 1]), at);
            }
        }
        a.ldr(Size.X, XReg.X0, Address.offset(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.ldr(Size.X, S0, Address.offset(XReg.X0, VMStoreContext.EPOCH_LIBCALL));
        a.blr(S0);
        unwindIfTrapped(false);
        for (int i = 0; i < SAVED_X; i += 2) {
            a.ldp(Size.X, XReg.x(i), XReg.x(i + 1), Address.offset(XReg.SP, 8 * i));
        }
        for (int i = 0; i < stubV.length; i += 2) {
            Address at = Address.offset(XReg.SP, 8 * SAVED_X + vbytes * i);
            if (vectors) {
                a.ldpQ(VReg.v(stubV[i]), VReg.v(stubV[i + 1]), at);
            } else {
                a.ldp(FpSize.D, VReg.v(stubV[i]), VReg.v(stubV[i + 1]), at);
            }
        }
        a.mov(Size.X, XReg.SP, XReg.FP);
        a.ldp(Size.X, XReg.FP, XReg.LR, Address.postIndex(XReg.SP, 16));
        a.ret();
    }

    // ---- parallel moves ---------------------------------------------------------------------------

    private static final int SLOT_BASE = LinearScan.SLOT_BASE;

    private void parallelMove(MInst m) {
        List<int[]> moves = new ArrayList<>();
        List<long[]> consts = new ArrayList<>();
        for (int i = 0; i < m.pdst.length; i++) {
            int dst = loc(m.pdst[i]);
            if (dst < 0) {
                continue;
            }
            if (m.psrc[i] == MInst.NONE) {
                consts.add(new long[] {dst, m.pconst[i]});
            } else {
                int src = loc(m.psrc[i]);
                if (src >= 0) {
                    moves.add(new int[] {dst, src});
                }
            }
        }
        wideMoves = false;
        for (int i = 0; i < m.pdst.length && vectors; i++) {
            wideMoves |= MInst.isVirtual(m.pdst[i]) && isWideVreg(m.pdst[i]);
        }
        ParallelMoves.sequentialize(moves, mv -> isVLoc(mv[0]) || isVLoc(mv[1]) || isWideSlotLoc(mv[0])
                ? Aarch64Registers.V0 + 31 : 17, this::moveLoc);
        for (long[] c : consts) {
            int dst = (int) c[0];
            if (dst >= SLOT_BASE) {
                if (c[1] == 0) {
                    a.str(Size.X, XReg.XZR, slot(dst - SLOT_BASE));
                } else {
                    a.movImm(Size.X, S0, c[1]);
                    a.str(Size.X, S0, slot(dst - SLOT_BASE));
                }
            } else if (Aarch64Registers.isV(dst)) {
                VReg v = Aarch64Registers.v(dst);
                if (c[1] == 0) {
                    a.moviZero(v);
                } else {
                    a.movImm(Size.X, S0, c[1]); // f32 bits zero-extended: the low 32 bits are the value
                    a.fmov(FpSize.D, v, S0);
                }
            } else {
                a.movImm(Size.X, Aarch64Registers.x(dst), c[1]);
            }
        }
    }

    private static boolean isVLoc(int loc) {
        return loc < SLOT_BASE && Aarch64Registers.isV(loc);
    }

    /** Whether the parallel move being emitted moves a v128 (its register moves then copy all 128 bits). */
    private boolean wideMoves;

    private boolean isWideSlotLoc(int loc) {
        return loc >= SLOT_BASE && alloc.slotBytes(loc - SLOT_BASE) == 16;
    }

    private boolean isWideVreg(int vreg) {
        return vregs.slotBytes(vreg) == 16;
    }

    /**
     * Copies a value between registers of one class and spill slots: 8 bytes (a float's bits are its
     * value), or all 16 of a v128 slot, and all 128 bits between v registers in a move of v128s.
     */
    private void moveLoc(int dst, int src) {
        if (dst == src) {
            return;
        }
        boolean dSlot = dst >= SLOT_BASE;
        boolean sSlot = src >= SLOT_BASE;
        if (dSlot && isWideSlotLoc(dst) || sSlot && isWideSlotLoc(src)) {
            VReg via = dSlot && sSlot ? V_S0 : null;
            if (sSlot) {
                VReg r = via != null ? via : Aarch64Registers.v(dst);
                a.ldrQ(r, at(XReg.SP, frame.slotOffset(src - SLOT_BASE), 16));
                if (via == null) {
                    return;
                }
            }
            a.strQ(via != null ? via : Aarch64Registers.v(src), at(XReg.SP, frame.slotOffset(dst - SLOT_BASE), 16));
            return;
        }
        if (dSlot && sSlot) {
            a.ldr(Size.X, S0, slot(src - SLOT_BASE));
            a.str(Size.X, S0, slot(dst - SLOT_BASE));
        } else if (dSlot) {
            if (isVLoc(src)) {
                a.str(FpSize.D, Aarch64Registers.v(src), slot(dst - SLOT_BASE));
            } else {
                a.str(Size.X, Aarch64Registers.x(src), slot(dst - SLOT_BASE));
            }
        } else if (sSlot) {
            if (isVLoc(dst)) {
                a.ldr(FpSize.D, Aarch64Registers.v(dst), slot(src - SLOT_BASE));
            } else {
                a.ldr(Size.X, Aarch64Registers.x(dst), slot(src - SLOT_BASE));
            }
        } else if (isVLoc(dst) && wideMoves) {
            a.movQ(Aarch64Registers.v(dst), Aarch64Registers.v(src));
        } else if (isVLoc(dst)) {
            a.fmov(FpSize.D, Aarch64Registers.v(dst), Aarch64Registers.v(src));
        } else {
            a.mov(Size.X, Aarch64Registers.x(dst), Aarch64Registers.x(src));
        }
    }
}
