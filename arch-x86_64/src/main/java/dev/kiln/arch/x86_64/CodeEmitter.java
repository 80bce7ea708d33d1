package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.Label;
import dev.kiln.abi.CpuFeature;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMMemoryDefinition;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.VMTableDefinition;
import dev.kiln.compiler.CompiledCode;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.mach.BlockLayout;
import dev.kiln.compiler.mach.FrameLayout;
import dev.kiln.compiler.mach.LinearScan;
import dev.kiln.compiler.mach.MachBlock;
import dev.kiln.compiler.mach.ParallelMoves;
import dev.kiln.compiler.mach.RegClass;
import java.util.ArrayList;
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
    static final Gpr SCRATCH1 = Gpr.R11;
    private static final Xmm XSCRATCH0 = Xmm.XMM14;
    private static final Xmm XSCRATCH1 = Xmm.XMM15;
    static final Gpr VMCTX = Gpr.R14;

    private final List<MachBlock<MInst>> blocks;
    private final LinearScan<MInst> alloc;
    private Label[] labels;
    private BlockLayout<MInst> blockLayout;
    private FrameLayout frame;
    private final Assembler a = new Assembler();
    /** Frame info for backtraces ({@link dev.kiln.abi.FrameTable}); null records nothing. */
    dev.kiln.compiler.FrameSiteRecorder frames;
    /** The instruction being emitted (its IR source names the Wasm frames of a site), null in the prologue. */
    private MInst current;
    /**
     * Out-of-line trap sites not emitted yet: each goes into the first trap island its jump reaches
     * with a rel8 displacement ({@link #emitTrapIsland}), else after the function's code.
     */
    private final List<TrapCall> trapCalls = new ArrayList<>();

    /**
     * An out-of-line trap site: {@code label} calls the trap stub of {@code code} (for null, the unwind
     * stub: the code is stored already); its frame site has {@code kind} and the IR {@code source}. The
     * one jump to it starts at emission offset {@code jumpAt}.
     */
    private record TrapCall(Label label, TrapCode code, int kind, dev.kiln.compiler.ir.Inst source, int jumpAt) {
    }
    private final List<Label> tableLabels = new ArrayList<>();
    private final List<List<MachBlock<MInst>>> tables = new ArrayList<>();
    private final List<Gpr> savedRegs = new ArrayList<>();
    private final int outgoingBytes;
    private final int incomingArgBytes;
    private int frameSize;     // bytes below the saved registers
    private boolean savesVmctx;
    private int nextBlockIndex;

    // per-instruction scratch assignment for spilled virtual registers, per register class
    private final int[] scratchVreg = new int[2];
    private int scratchUsed;
    private final int[] xscratchVreg = new int[2];
    private int xscratchUsed;
    // float constants: (size, bits) -> label of a 16-byte aligned pool entry after the code
    private final Map<String, Label> constants = new java.util.LinkedHashMap<>();
    private final Map<String, Long> constantBits = new java.util.HashMap<>();

    private final VMContextLayout layout;
    private final java.util.Set<CpuFeature> features;
    private long used;

    /**
     * @param outgoingBytes    bytes of the largest stack area of a call the function makes
     * @param incomingArgBytes bytes of stack arguments the function pops on return
     */
    CodeEmitter(List<MachBlock<MInst>> blocks, LinearScan<MInst> alloc, int outgoingBytes, int incomingArgBytes,
            VMContextLayout layout, java.util.Set<CpuFeature> features) {
        this.blocks = blocks;
        this.alloc = alloc;
        this.outgoingBytes = outgoingBytes;
        this.incomingArgBytes = incomingArgBytes;
        this.layout = layout;
        this.features = features;
        a.useVex(features.contains(CpuFeature.AVX)); // every xmm instruction VEX-encoded (VexForms folded the copies)
        a.relaxBranches(); // jumps take rel8 where they reach; positions below are emission offsets until finish()
    }

    /**
     * Emits the function. In a function with loops each loop header is preceded by a pad sized at
     * {@link Assembler#finish()}: the emission records where its loop header blocks' instructions
     * fall in the layout without those pads ({@link LoopPlacement.Record}), and each pad then places
     * its header where {@link LoopPlacement} chooses in its 64-byte window. An emission whose
     * assumption of r10 at a block entry a later jump contradicts ({@link #assumeEntryState}) is
     * redone without it there, with the same placement, once more per round. Loop headers assume
     * nothing of r10 from the start: their back edges, emitted after them, contradicted the way in
     * from above often enough that 221 of the SQLite shell's 1,551 functions were emitted twice (7
     * now, for landing pads and jump tables), and the reloads this adds come to 56 bytes of its
     * 2.26 MB of code.
     */
    CompiledCode emit() {
        loopHeaders = loopHeaders();
        if (!loopHeaders.isEmpty()) {
            record = new LoopPlacement.Record(blocks.size());
            noEntryState.or(loopHeaders);
        }
        CompiledCode code = emitOnce();
        CodeEmitter last = this;
        while (last.entryStateContradicted) {
            // a way into a block arrived after its code assumed what r10 held there: emit again,
            // assuming nothing at the blocks found so far (each round adds at least one)
            CodeEmitter again = new CodeEmitter(blocks, alloc, outgoingBytes, incomingArgBytes, layout, features);
            again.placement = placement;
            again.signalTraps = signalTraps;
            // the liveness of registers the first emission computed holds for this one: it reads the
            // instructions' registers and the blocks' successor lists, which only
            // branchOnMaterializedConditions changes, at the start of the first emission (jump
            // threading retargets branches, not successor lists)
            again.liveRegisters = liveRegisters;
            again.frame = frame; // the same slots, counted over the same instructions
            again.noEntryState = noEntryState;
            again.loopHeaders = loopHeaders;
            again.frames = frames == null ? null : frames.emptyCopy();
            code = again.emitOnce();
            last = again;
        }
        return code;
    }

    /**
     * The NOP bytes before loop header block {@code header} at final offset {@code at}: its
     * {@link LoopPlacement} pad if its placement was recorded, else up to the next window.
     */
    private int headerPad(int header, int at) {
        int pad = placement.padFor(header, at);
        return pad >= 0 ? pad : -at & (LoopPlacement.WINDOW - 1);
    }

    /** The blocks (by index) some block branches back to: to itself or to a block before it. */
    private java.util.BitSet loopHeaders() {
        java.util.BitSet headers = new java.util.BitSet();
        for (int cI = 0; cI < blocks.size(); cI++) {
            MachBlock<MInst> c = blocks.get(cI);
            for (int tI = 0; tI < c.succs.size(); tI++) {
                MachBlock<MInst> t = c.succs.get(tI);
                if (t.index <= c.index) {
                    headers.set(t.index);
                }
            }
        }
        return headers;
    }

    /** The targets of back edges ({@link #loopHeaders()}), shared by the emissions of the function. */
    private java.util.BitSet loopHeaders;

    /**
     * Being filled by the first emission of a function with loops, in emission offsets; null in
     * later ones and without loops.
     */
    private LoopPlacement.Record record;
    /**
     * The first emission's record in offsets of its layout without loop header pads, which places
     * the loop headers; null until that layout is known, and without loops.
     */
    private LoopPlacement.Record placement;

    private CompiledCode emitOnce() {
        for (int bI = 0; bI < blocks.size(); bI++) {
            MachBlock<MInst> b = blocks.get(bI);
            branchOnMaterializedConditions(b);
        }
        labels = new Label[blocks.size()];
        for (int bI = 0; bI < blocks.size(); bI++) {
            MachBlock<MInst> b = blocks.get(bI);
            labels[b.index] = a.newLabel("mb", b.index);
        }
        layoutFrame();
        blockLayout = new BlockLayout<>(blocks, this::loc); // threads jumps through forwarding blocks
        excludeJumpTableTargets();
        earlyExit = earlyExit();
        prologue();
        boolean[] alignedLoop = {false};
        a.observeReferences(this::referenced);
        blockLayout.emitInOrder(k -> {
            int fallIn = a.fallsThrough() ? scratch0Holds() : UNSEEN; // what r10 holds on the way from above
            if (!a.fallsThrough() && !trapCalls.isEmpty()) {
                emitTrapIsland();
            }
            if (loopHeaders.get(k.index) && !blockLayout.forwards(k)) {
                int header = k.index;
                if (record != null) {
                    // 0 in the layout that places it, then sized there (below, before finish)
                    a.pad(at -> placement == null ? 0 : headerPad(header, at), LoopPlacement.WINDOW - 1);
                } else if (placement.padFor(header, 0) >= 0) {
                    // run once on entering the loop from above; sized where the header lands
                    a.pad(at -> placement.padFor(header, at), LoopPlacement.WINDOW - 1);
                } else {
                    a.align(LoopPlacement.WINDOW);
                }
                alignedLoop[0] = true;
            }
            a.bind(label(k));
            // not at a loop header (noEntryState); a landing pad's or a jump table's jump, emitted
            // later, is checked as it comes (an emission that finds a contradiction is redone)
            assumeEntryState(k, fallIn);
            if (record != null) {
                record.blockStarts(k.index, a.position());
            }
        }, (b, next) -> {
            nextBlockIndex = next;
            frameless = b == earlyExit;
            emitBody(b);
            if (record != null) {
                record.blockEnds(b.index, a.position());
            }
            frameless = false;
            if (pushLabel != null && b == earlyExit) {
                a.bind(pushLabel);
                pushFrame();
                if (!isNext(pushThenTo)) {
                    a.jmp(label(pushThenTo));
                }
                pushLabel = null;
            }
        });
        if (!a.fallsThrough() && !trapCalls.isEmpty()) {
            emitTrapIsland(); // the sites of the last blocks, before the slow paths and landing pads
        }
        emitEpochSlowPaths();
        emitLandingPads();
        emitTrapCalls();
        emitConstantPool();
        for (int t = 0; t < tables.size(); t++) {
            a.align(4);
            Label table = tableLabels.get(t);
            a.bind(table);
            for (MachBlock<MInst> target : tables.get(t)) {
                a.emitLabelOffset32(label(target), table);
            }
        }
        if (record != null) {
            // where everything falls with the loop header pads still 0 places the headers
            record.remap(a.provisionalOffsets());
            for (int cI = 0; cI < blocks.size(); cI++) {
                MachBlock<MInst> c = blocks.get(cI);
                for (int tI = 0; tI < c.succs.size(); tI++) {
                    MachBlock<MInst> t = c.succs.get(tI);
                    if (t.index <= c.index) {
                        record.backEdge(c.index, t.index);
                    }
                }
            }
            placement = record;
        }
        byte[] code = a.finish();
        if (a.emittedVex()) {
            used |= CpuFeature.AVX.bit();
        }
        // every offset recorded during emission is an emission offset: the code's are final ones
        java.util.function.IntUnaryOperator toFinal = a::finalOffset;
        List<dev.kiln.abi.ExceptionTables.CallSite> calls = new ArrayList<>(callSites.size());
        for (dev.kiln.abi.ExceptionTables.CallSite c : callSites) {
            calls.add(new dev.kiln.abi.ExceptionTables.CallSite(a.finalOffset(c.returnOffset()), c.frameBytes(),
                    c.popped(), c.catches(), c.landingPad() < 0 ? c.landingPad() : a.finalOffset(c.landingPad()),
                    c.callerArgBytes()));
        }
        return new CompiledCode(code, a.relocations(), used,
                frames == null ? List.of() : frames.sites(frameBytes(), toFinal), calls,
                alignedLoop[0] ? LoopPlacement.WINDOW : CompiledCode.DEFAULT_ALIGNMENT);
    }

    /** Every call instruction's return offset and frame facts, for the exception unwinder ({@code ExceptionTables}). */
    private final List<dev.kiln.abi.ExceptionTables.CallSite> callSites = new java.util.ArrayList<>();

    /** Records the call just emitted (the current position is its return address). */
    private void callSite(MInst m) {
        callSites.add(new dev.kiln.abi.ExceptionTables.CallSite(a.position(), frameBytes(), m.popped, m.inTry, -1,
                incomingArgBytes));
    }

    /** Bytes from the stack pointer in the function's body to its return-address slot. */
    private int frameBytes() {
        return frameSize + 8 * savedRegs.size();
    }

    /**
     * {@code throw_ref}: {@code throw(vmctx, exn, raSlot)} (a libcall into the runtime's unwinder), then
     * either resumes at the call site it returns with the stack pointer it left in the store context,
     * or, on 0 (nothing caught it below the entry; the trap code is set), unwinds to the entry.
     */
    private void emitThrow(MInst m) {
        a.mov(Size.S64, Gpr.RSI, reg(m.src));
        a.mov(Size.S64, Gpr.RDI, VMCTX);
        a.lea(Size.S64, Gpr.RDX, Mem.of(Gpr.RSP, frameBytes()));
        a.movImm(Size.S32, Gpr.RCX, incomingArgBytes); // what this frame pops above its return address
        a.call(Mem.of(VMCTX, VMContextLayout.libcall(VMContextLayout.LIBCALL_THROW)));
        Label caught = a.newLabel();
        a.test(Size.S64, Gpr.RAX, Gpr.RAX);
        a.jcc(Cond.NE, caught);
        // uncaught: unwind from a trap site of its own (r11, the store context, is nonzero), so the
        // backtrace starts at the throw
        a.mov(Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.jmp(trapCall(null));
        a.bind(caught);
        a.mov(Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S64, Gpr.RSP, Mem.of(SCRATCH1, VMStoreContext.RESUME_SP));
        a.jmp(Gpr.RAX);
    }

    private Label label(MachBlock<?> b) {
        return labels[b.index];
    }

    // ---- frame --------------------------------------------------------------------------------

    private void layoutFrame() {
        // one pass over the instructions: the registers written, and whether any instruction is in a
        // try block, calls, or needs the VMContext kept across a call
        boolean[] used = new boolean[16];
        boolean inTry = false;
        boolean makesCalls = false;
        savesVmctx = false;
        for (int bI = 0; bI < blocks.size(); bI++) {
            MachBlock<MInst> b = blocks.get(bI);
            for (int mI = 0; mI < b.insts.size(); mI++) {
                MInst m = b.insts.get(mI);
                for (int d : m.defs) {
                    if (MInst.isVirtual(d)) {
                        LinearScan.Interval it = alloc.interval(d);
                        if (it != null && it.assigned >= 0 && it.assigned < 16) {
                            used[it.assigned] = true;
                        }
                    }
                }
                inTry |= m.inTry;
                makesCalls |= calls(m.op);
                savesVmctx |= m.op == MOp.CALL_IMPORT || m.op == MOp.CALL_REF || m.reloadsVmctx;
            }
        }
        for (int r = 0; r < 16; r++) {
            if (used[r] && X86Registers.DESCRIPTOR.isCalleeSaved(r)) {
                savedRegs.add(Gpr.of(r)); // rbx rbp r12 r13 r15 as used (r14, the VMContext, is never allocated)
            }
        }
        if (inTry) {
            // the unwinder skips frames without restoring the callee-saved registers they saved: a
            // function that catches saves them all, so that its own epilogue gives its caller back its values
            savedRegs.clear();
            for (int r = 0; r < 16; r++) {
                if (r != VMCTX.encoding() && X86Registers.DESCRIPTOR.isCalleeSaved(r)) {
                    savedRegs.add(Gpr.of(r));
                }
            }
        }
        // one more slot keeps r14 across calls into other instances and the host
        if (frame == null) {
            frame = new FrameLayout(outgoingBytes, alloc, savesVmctx ? 1 : 0, blocks); // most used slots in disp8 reach
        }
        int bytes = frame.size();
        // at entry rsp = 8 mod 16; where the function calls, rsp must be 0 mod 16 after the pushes and the frame
        if (makesCalls && (8 + 8 * savedRegs.size() + bytes) % 16 != 0) {
            bytes += 8;
        }
        frameSize = bytes;
    }

    /**
     * Spill slot {@code index}: a stack slot, or for a rematerialized value
     * ({@link X86_64Backend#markRematerializable}) the VMContext field its definition reads.
     */
    private Mem slot(int index) {
        int v = alloc.rematerializedFrom(index);
        if (v >= 0) {
            return Mem.of(VMCTX, vmctxOffsetOf(v));
        }
        return Mem.of(Gpr.RSP, frame.slotOffset(index));
    }

    /**
     * Spill slot {@code index} as the destination of a store. A rematerialized value's slot is never
     * one: its only definition is the load it reads again (not emitted when spilled, see
     * {@link #emitWithSpills}), and the parallel moves between its pieces skip it.
     */
    private Mem spillStore(int index) {
        if (isRematSlot(index)) {
            throw new IllegalStateException("a store into the home of rematerialized " + MInst.name(alloc.rematerializedFrom(index)));
        }
        return slot(index);
    }

    /** Whether spill slot {@code index} is a rematerialized value's, which is never written. */
    private boolean isRematSlot(int index) {
        return alloc.rematerializedFrom(index) >= 0;
    }

    /** Whether {@code vreg} is spilled to a rematerialized value's slot. */
    private boolean isRematSpilled(int vreg) {
        if (!MInst.isVirtual(vreg)) {
            return false;
        }
        LinearScan.Interval it = alloc.interval(vreg);
        return it != null && it.assigned < 0 && isRematSlot(it.spillSlot);
    }

    /** By rematerializable virtual register: the VMContext offset its {@link MOp#VMCTX_LOAD} reads. */
    private java.util.Map<Integer, Integer> vmctxOffsets;

    private int vmctxOffsetOf(int vreg) {
        if (vmctxOffsets == null) {
            vmctxOffsets = new java.util.HashMap<>();
            for (int bI = 0; bI < blocks.size(); bI++) {
                MachBlock<MInst> b = blocks.get(bI);
                for (int mI = 0; mI < b.insts.size(); mI++) {
                    MInst m = b.insts.get(mI);
                    if (m.op == MOp.VMCTX_LOAD && m.invariant) {
                        vmctxOffsets.put(m.dst, (int) m.imm);
                    }
                }
            }
        }
        Integer off = vmctxOffsets.get(vreg);
        if (off == null) {
            throw new IllegalStateException("rematerialized " + MInst.name(vreg) + " has no VMContext load");
        }
        return off;
    }

    /** Reloads spilled xmm vreg {@code vreg} into {@code x}: all 16 bytes of a v128 slot, else 8. */
    private void loadSlot(Xmm x, int vreg) {
        int k = alloc.interval(vreg).spillSlot;
        xload(x, slot(k), alloc.slotBytes(k));
    }

    /** Spills {@code x} into the slot of xmm vreg {@code vreg} (16 bytes for a v128 slot, else 8). */
    private void storeSlot(int vreg, Xmm x) {
        int k = alloc.interval(vreg).spillSlot;
        xstore(spillStore(k), x, alloc.slotBytes(k));
    }

    /** Loads {@code bytes} (4, 8 or 16: a v128, unaligned) from {@code at} into {@code x}. */
    private void xload(Xmm x, Mem at, int bytes) {
        switch (bytes) {
            case 4 -> a.movss(x, at);
            case 16 -> a.movups(x, at);
            default -> a.movsd(x, at);
        }
    }

    /** Stores the low {@code bytes} (4, 8 or 16) of {@code x} at {@code at}. */
    private void xstore(Mem at, Xmm x, int bytes) {
        switch (bytes) {
            case 4 -> a.movss(at, x);
            case 16 -> a.movups(at, x);
            default -> a.movsd(at, x);
        }
    }

    /** A 16-byte pool constant (a v128: {@code lo} in bytes 0..7, {@code hi} in 8..15), 16-byte aligned. */
    private Label vectorConstant(long lo, long hi) {
        String key = "V:" + lo + ":" + hi;
        vectorConstants.put(key, new long[] {lo, hi});
        return constants.computeIfAbsent(key, k -> a.newLabel("vconst"));
    }

    private final Map<String, long[]> vectorConstants = new java.util.HashMap<>();

    private Mem vmctxSaveSlot() {
        return Mem.of(Gpr.RSP, frame.extraOffset(0));
    }

    private void jccTrap(Cond cond, TrapCode code) {
        a.jcc(cond, trapCall(code));
    }

    /**
     * The label of a new out-of-line trap site: a {@code call} to the trap stub of {@code code} (or,
     * for {@code null}, straight to the unwind stub, the trap code being stored already), so that the
     * return address on the stack tells the backtrace which check failed. Its frame site is recorded
     * with the instruction being emitted (a prologue check is a {@link dev.kiln.abi.FrameTable#TRAP_AT_ENTRY}).
     */
    private Label trapCall(TrapCode code) {
        Label l = a.newLabel();
        int jumpAt = a.position(); // the caller's jump to it comes next
        trapCalls.add(current == null ? new TrapCall(l, code, dev.kiln.abi.FrameTable.TRAP_AT_ENTRY, null, jumpAt)
                : new TrapCall(l, code, dev.kiln.abi.FrameTable.TRAP, current.source, jumpAt));
        return l;
    }

    /**
     * Whether a trap site with a trap code is a {@code ud1} carrying the code (3 bytes) that the
     * guard-page signal handler turns into the trap, instead of a call to the module's trap stub (5
     * bytes); see {@link dev.kiln.compiler.FunctionEnvironment#signalTraps}. The handler pushes the
     * address after the {@code ud1} as a call would its return address, so the frame site is the same.
     */
    boolean signalTraps;

    /**
     * The instruction of a trap site of {@code code}, after which its frame site is recorded: a
     * {@code ud1} whose ModRM byte {@code SignalHandlerStub} reads the code from ({@link #signalTraps}),
     * or a call to the module's stub of the code ({@link X86_64Backend#compileTrapStub}).
     */
    private void trapSite(TrapCode code) {
        if (signalTraps) {
            a.ud1(code.code());
        } else {
            a.callRel32(Relocation.trapStub(code));
        }
    }

    private void emitTrapCalls() {
        for (TrapCall t : trapCalls) {
            emitTrapCall(t);
        }
        trapCalls.clear();
    }

    private void emitTrapCall(TrapCall t) {
        a.bind(t.label());
        if (t.code() == null) {
            a.callRel32(Relocation.UNWIND_STUB); // r11 holds the store context: a trap site
        } else {
            trapSite(t.code());
        }
        recordSite(t.kind(), t.source());
    }

    /**
     * Emits, where the code does not fall through (after an unconditional jump, a return or a trap),
     * the pending trap sites whose jumps reach them there with a rel8 displacement: their jumps take 2
     * bytes instead of 6 (a {@code jcc}) or 5 (a {@code jmp}). The others wait for a later island or
     * the function's end. Sites are placed in the order they were made, so frame sites stay ascending.
     *
     * <p>Reach is judged on emission offsets, where every jump still has its rel32 form and every pad
     * its largest size: relaxation only shortens the code between a jump and its site, and a
     * {@code jcc} that turns short shortens by 4 bytes, so a site at emission offset {@code t} whose
     * {@code jcc} starts at {@code j} is reached when {@code t - j - 6 <= 127}. (A {@code jmp} shortens
     * by 3: one whose site lands a byte out of reach keeps its rel32, as relaxation finds.)
     */
    private void emitTrapIsland() {
        // The sites are pending in the order of their jumps, which are 5 or 6 bytes apart or more,
        // and each site takes at most 5: if one is reached, so is every later one after it. The
        // reached ones are the last few; the others stay, in order, for a later island or the end.
        int at = a.position();
        int from = trapCalls.size();
        while (from > 0 && at - trapCalls.get(from - 1).jumpAt() - 6 <= 127) {
            from--;
        }
        List<TrapCall> reached = trapCalls.subList(from, trapCalls.size());
        for (TrapCall t : reached) {
            emitTrapCall(t);
        }
        reached.clear();
    }

    /** Records a frame site at the current position (a return address, or the address after a trap call). */
    private void recordSite(int kind, dev.kiln.compiler.ir.Inst source) {
        if (frames != null) {
            frames.add(a.position(), kind, source);
        }
    }

    // ---- interruption (DESIGN §3 "Containing a guest") --------------------------------------------

    /** Per epoch check: the out-of-line slow path's label and where it resumes. */
    private final List<Label[]> epochSlowPaths = new ArrayList<>();
    /** Per epoch check: the IR instruction it comes from (for its frame site). */
    private final List<dev.kiln.compiler.ir.Inst> epochSources = new ArrayList<>();

    /**
     * Epoch check: a set interrupt flag in the VMContext branches to an out-of-line slow path: a
     * compare with memory and a branch not taken; only the flags are touched.
     */
    private void epochCheck(MInst m) {
        a.aluImm(AluOp.CMP, Size.S32, Mem.of(VMCTX, VMContextLayout.INTERRUPT), 0);
        Label slow = a.newLabel();
        Label resume = a.newLabel();
        a.jcc(Cond.NE, slow);
        a.bind(resume);
        epochSlowPaths.add(new Label[] {slow, resume});
        epochSources.add(current == null ? null : current.source);
    }

    /** Caller-saved general registers of System V AMD64 that Wasm code may hold values in. */
    private static final Gpr[] EPOCH_SAVED = {Gpr.RAX, Gpr.RCX, Gpr.RDX, Gpr.RSI, Gpr.RDI, Gpr.R8, Gpr.R9};

    /**
     * The epoch checks' slow paths, after the function's code: each calls the function's one epoch
     * stub and jumps back. The stub saves every caller-saved register (all vector registers in
     * full), aligns the stack, calls the store's epoch libcall with the store context, unwinds when
     * it left a trap code, and otherwise restores everything and returns.
     */
    private void emitEpochSlowPaths() {
        if (epochSlowPaths.isEmpty()) {
            return;
        }
        Label stub = a.newLabel();
        for (int i = 0; i < epochSlowPaths.size(); i++) {
            Label[] p = epochSlowPaths.get(i);
            a.bind(p[0]);
            a.call(stub);
            recordSite(dev.kiln.abi.FrameTable.TRAP, epochSources.get(i));
            a.jmp(p[1]);
        }
        int xmmBytes = 16 * Xmm.values().length;
        int frameBytes = xmmBytes + ((8 * EPOCH_SAVED.length + 15) & -16);
        a.bind(stub);
        a.push(Gpr.RBP);
        a.mov(Size.S64, Gpr.RBP, Gpr.RSP);
        a.aluImm(AluOp.AND, Size.S64, Gpr.RSP, -16);
        a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, frameBytes);
        for (int i = 0; i < EPOCH_SAVED.length; i++) {
            a.mov(Size.S64, Mem.of(Gpr.RSP, xmmBytes + 8 * i), EPOCH_SAVED[i]);
        }
        for (Xmm x : Xmm.values()) {
            a.movups(Mem.of(Gpr.RSP, 16 * x.ordinal()), x);
        }
        a.mov(Size.S64, Gpr.RDI, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.call(Mem.of(Gpr.RDI, VMStoreContext.EPOCH_LIBCALL));
        Label ok = a.newLabel();
        a.mov(Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
        a.aluImm(AluOp.CMP, Size.S32, Mem.of(SCRATCH1, VMStoreContext.TRAP_CODE), 0);
        a.jcc(Cond.E, ok);
        // unwind from the check: [rsp] is then the return address of the slow path's call, a trap site
        a.mov(Size.S64, Gpr.RSP, Gpr.RBP);
        a.pop(Gpr.RBP);
        a.jmpRel32(Relocation.UNWIND_STUB);
        a.bind(ok);
        for (Xmm x : Xmm.values()) {
            a.movups(x, Mem.of(Gpr.RSP, 16 * x.ordinal()));
        }
        for (int i = 0; i < EPOCH_SAVED.length; i++) {
            a.mov(Size.S64, EPOCH_SAVED[i], Mem.of(Gpr.RSP, xmmBytes + 8 * i));
        }
        a.mov(Size.S64, Gpr.RSP, Gpr.RBP);
        a.pop(Gpr.RBP);
        a.ret();
    }

    /**
     * The stack check, then the frame. The check compares the stack pointer with the store's stack
     * limit; a frame larger than {@link VMStoreContext#FRAME_SLACK} compares its lowest address, and a
     * leaf function (no calls, libcalls, epoch checks or throws) whose frame is no larger has no check:
     * its caller's check leaves it room (see {@link VMStoreContext#STACK_LIMIT}).
     */
    private void prologue() {
        int total = frameSize + 8 * savedRegs.size();
        boolean small = total <= VMStoreContext.FRAME_SLACK;
        if (small && isLeaf()) {
            if (earlyExit == null) {
                pushFrame();
            }
            return;
        }
        a.mov(Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
        if (small) {
            a.alu(AluOp.CMP, Size.S64, Gpr.RSP, Mem.of(SCRATCH1, VMStoreContext.STACK_LIMIT));
        } else {
            a.lea(Size.S64, SCRATCH0, Mem.of(Gpr.RSP, -total));
            a.alu(AluOp.CMP, Size.S64, SCRATCH0, Mem.of(SCRATCH1, VMStoreContext.STACK_LIMIT));
        }
        jccTrap(Cond.B, TrapCode.STACK_OVERFLOW);
        if (earlyExit == null) {
            pushFrame(); // else on the entry block's edge to the rest of the function (see earlyExit)
        }
    }

    /**
     * Shrink-wrapping of the frame (Chow, "Minimizing register usage penalty at procedure calls",
     * PLDI 1988), for the common case of an early return: the block {@link #earlyExit()} found, or
     * {@code null}. When set, the entry block runs before the callee-saved registers are pushed and the
     * frame allocated; its branch goes to the early exit as it is, and on its other edge pushes the
     * frame first; the early exit returns with a plain {@code ret}.
     */
    private MachBlock<MInst> earlyExit;
    /** Whether the block being emitted is {@link #earlyExit}, which returns without an epilogue. */
    private boolean frameless;
    /** Where the entry block's other edge pushes the frame when the early exit follows the entry block, or null. */
    private Label pushLabel;
    /** Where that edge goes after the push. */
    private MachBlock<MInst> pushThenTo;

    /**
     * An early return that needs no frame: the entry block (no predecessors) ends in a conditional
     * branch, one of whose targets has the entry as its only predecessor and returns ({@link #returns});
     * both blocks use only registers the function does not save, no spill slot, no stack argument,
     * and nothing that can trap, call or need a frame (simple integer instructions only). A
     * function without saved registers or frame has nothing to wrap.
     */
    private MachBlock<MInst> earlyExit() {
        if (frameSize + 8 * savedRegs.size() == 0 || blocks.isEmpty()) {
            return null;
        }
        MachBlock<MInst> entry = blocks.get(0);
        if (entry.insts.isEmpty() || entry.last().op != MOp.JCC || entry.last().target == entry.last().target2) {
            return null;
        }
        if (!frameFree(entry)) {
            return null;
        }
        // who can reach the entry block or one of its two successors, the entry block aside
        MachBlock<MInst> t1 = entry.last().target;
        MachBlock<MInst> t2 = entry.last().target2;
        int[] reached = branchReferences(entry);
        boolean entryReached = reached[entry.index] > 0;
        boolean t1Reached = reached[t1.index] > 0;
        boolean t2Reached = reached[t2.index] > 0;
        if (entryReached) {
            return null;
        }
        return exitsEarly(t1, entry, t1Reached) ? t1 : exitsEarly(t2, entry, t2Reached) ? t2 : null;
    }

    /** Whether {@code r}, a successor of {@code entry} no other block branches to, can run before the frame exists and return. */
    private boolean exitsEarly(MachBlock<MInst> r, MachBlock<MInst> entry, boolean reachedElsewhere) {
        return r != null && r != entry && !reachedElsewhere && !r.insts.isEmpty() && !blockLayout.forwards(r)
                && returns(r) && frameFree(r);
    }

    /**
     * Whether {@code b} ends in {@code ret}, or in a jump to the function's shared exit: a block of
     * frame-free instructions (the result's move) ending in {@code ret}, which the early exit then
     * runs as its own copy.
     */
    private boolean returns(MachBlock<MInst> b) {
        MInst last = b.last();
        if (last.op == MOp.RET) {
            return true;
        }
        MachBlock<MInst> x = last.op == MOp.JMP ? last.target : null;
        return x != null && x != b && !x.insts.isEmpty() && x.last().op == MOp.RET && frameFree(x);
    }

    /** Whether every instruction of {@code b} can run before the frame exists (see {@link #earlyExit()}). */
    private boolean frameFree(MachBlock<MInst> b) {
        for (MInst m : b.insts) {
            switch (m.op) {
                case MOV_RR, MOV_RI, ALU_RR, ALU_RI, LEA, CMP_RR, CMP_RI, TEST_RR, TEST_RI, SHIFT_RI, SETCC, CMOV, ZEXT32,
                        MOVSX, NEG, PMOVE, JCC, JMP, RET -> {
                }
                default -> {
                    return false;
                }
            }
            for (int[] regs : new int[][] {m.uses, m.defs}) {
                for (int r : regs) {
                    if (isSpilled(r) || (MInst.isVirtual(r) ? alloc.classOf(r) == RegClass.FLOAT : X86Registers.isXmm(r))
                            || savedRegs.contains(reg(r))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private void pushFrame() {
        for (Gpr g : savedRegs) {
            a.push(g);
        }
        if (frameSize > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, frameSize);
        }
    }

    /** Whether {@code op} calls from this function's frame: a call, libcall or throw. */
    private static boolean calls(MOp op) {
        return switch (op) {
            case CALL, CALL_IMPORT, CALL_REF, LIBCALL, THROW -> true;
            default -> false;
        };
    }

    /** Whether the function calls nothing: no call ({@link #calls}), tail call, or epoch check (its slow path calls). */
    private boolean isLeaf() {
        return blocks.stream().noneMatch(b -> b.insts.stream().anyMatch(m -> calls(m.op) || m.op == MOp.EPOCH_CHECK
                || m.op == MOp.RETURN_CALL || m.op == MOp.RETURN_CALL_IMPORT || m.op == MOp.RETURN_CALL_REF));
    }

    private void epilogue() {
        if (frameSize > 0) {
            a.aluImm(AluOp.ADD, Size.S64, Gpr.RSP, frameSize);
        }
        for (int i = savedRegs.size() - 1; i >= 0; i--) {
            a.pop(savedRegs.get(i));
        }
        a.ret(incomingArgBytes); // the callee pops its stack arguments
    }

    // ---- operands -----------------------------------------------------------------------------

    private void emitWithSpills(MInst m) {
        if (m.op == MOp.VMCTX_LOAD && isRematSpilled(m.dst)) {
            return; // the value's home is the field it reads: read where it is used
        }
        if (m.op == MOp.PMOVE) {
            int cached = scratch0Holds();
            wroteScratch0 = false;
            parallelMove(m);
            keepScratch0(wroteScratch0 || contains(m.pdst, cached) ? MInst.NONE : cached);
            return;
        }
        if (m.op == MOp.HEAP_LOAD || m.op == MOp.HEAP_STORE || m.op == MOp.CMP_RM || m.op == MOp.ALU_RM
                || m.op == MOp.CMP_MI || m.op == MOp.FALU_RM || m.op == MOp.VPACKED_RM) {
            int cached = scratch0Holds();
            addressIn = cached;
            heapAccess(m);
            // r10 is written only by address(): with the spilled base or index, or their sum; a
            // definition of the value it holds goes through r11 to the slot
            keepScratch0(addressIn == ADDRESS_SUM || contains(m.defs, addressIn) ? MInst.NONE : addressIn);
            return;
        }
        if ((m.op == MOp.JCC || m.op == MOp.JMP) && !frameless) {
            // only jumps (see emitInst): r10 keeps what it held, on every way out
            int cached = scratch0Holds();
            transferState = cached;
            emitInst(m);
            transferState = UNSEEN;
            keepScratch0(cached);
            return;
        }
        scratchUsed = 0;
        xscratchUsed = 0;
        sharedDef = MInst.NONE;
        xsharedDef = MInst.NONE;
        int cached = scratch0Holds();
        scratch0Holds = MInst.NONE;
        // a spilled use r10 already holds is read from r10 (below), not folded as a memory operand
        if (!contains(m.uses, cached) && emitWithSpillSlotOperand(m)) {
            if (!defInScratch0(m)) {
                keepScratch0(cached); // the folded forms write only their destination (or its slot)
            }
            return;
        }
        if (cached != MInst.NONE) {
            for (int u : m.uses) {
                if (u == cached) {
                    scratchVreg[0] = u; // r10 has held it since the instruction before: no reload
                    scratchUsed = 1;
                    break;
                }
            }
        }
        for (int u : m.uses) {
            if (isSpilled(u) && !hasScratch(u)) {
                if (isFloatVreg(u)) {
                    loadSlot(takeXmmScratch(u), u);
                } else {
                    a.mov(Size.S64, takeScratch(u), slot(alloc.interval(u).spillSlot));
                }
            }
        }
        for (int d : m.defs) {
            if (isSpilled(d) && !hasScratch(d)) {
                if (isFloatVreg(d) && xscratchUsed == 2 && m.vsrc1 != MInst.NONE) {
                    xsharedDef = d; // one VEX instruction reads both sources before it writes
                } else if (isFloatVreg(d)) {
                    takeXmmScratch(d);
                } else if (scratchUsed == 2) {
                    sharedDef = d;
                } else {
                    takeScratch(d);
                }
            }
        }
        emitInst(m);
        for (int d : m.defs) {
            if (isSpilled(d)) {
                if (isFloatVreg(d)) {
                    storeSlot(d, xmm(d));
                } else {
                    a.mov(Size.S64, spillStore(alloc.interval(d).spillSlot), reg(d));
                }
            }
        }
        if (sharedDef == MInst.NONE && !defInScratch0(m) && KEEPS_SCRATCH0.contains(m.op)) {
            // r10 holds scratchVreg[0], a spilled use (which the instruction did not write) or a spilled
            // definition just stored, whose slot holds the same value; or, untouched, what it held before
            keepScratch0(scratchUsed > 0 ? scratchVreg[0] : cached);
        }
    }

    /** Whether a definition of {@code m} is written to r10: a dead one (see {@link #reg}), or r10 itself. */
    private boolean defInScratch0(MInst m) {
        for (int d : m.defs) {
            if (MInst.isVirtual(d) ? alloc.interval(d) == null : d == SCRATCH0.encoding()) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(int[] regs, int r) {
        if (r == MInst.NONE || regs == null) {
            return false;
        }
        for (int x : regs) {
            if (x == r) {
                return true;
            }
        }
        return false;
    }

    /** Whether the parallel move being emitted has written r10 (a slot-to-slot move, a wide constant into a slot). */
    private boolean wroteScratch0;

    /** Notes that r10 holds spilled value {@code vreg} (NONE: nothing known) as of the code emitted so far. */
    private void keepScratch0(int vreg) {
        scratch0Holds = vreg;
        scratch0At = a.position();
        scratch0Labels = a.boundLabels();
    }

    /**
     * The instructions whose emission writes r10 only as the scratch register of a spilled operand
     * ({@link #reg}): straight-line, with no sequence of their own that uses r10.
     */
    private static final java.util.Set<MOp> KEEPS_SCRATCH0 = java.util.EnumSet.of(MOp.MOV_RR, MOp.ZEXT32,
            MOp.MOV_RI, MOp.ALU_RR, MOp.ALU_RI, MOp.LEA, MOp.CMP_RR, MOp.CMP_RI, MOp.TEST_RR, MOp.TEST_RI,
            MOp.IMUL_RR, MOp.IMUL_RRI, MOp.SHIFT_RI, MOp.SHIFTX, MOp.SETCC, MOp.CMOV, MOp.MOVSX, MOp.NEG,
            MOp.BSWAP, MOp.VMCTX_LOAD, MOp.VMCTX_STORE, MOp.VMCTX_ADDR, MOp.TRAP_IF);

    /**
     * The spilled integer value r10 holds, as the scratch register of the instruction emitted last
     * (its slot holds the same value), or NONE; set by {@link #emitWithSpills} after one of
     * {@link #KEEPS_SCRATCH0}, and good only while nothing else has been emitted or bound.
     */
    private int scratch0Holds = MInst.NONE;
    private int scratch0At = -1;
    private int scratch0Labels = -1;

    // ---- r10 at block entries ----------------------------------------------------------------
    //
    // A block's code may assume r10 holds spilled value v on entry when every way into it carries v
    // in r10: the fall-through from the code above, and each jump, seen as the assembler emits it
    // (Assembler#observeReferences). Jumps emitted before the label is bound are known when it is
    // bound; one emitted later that carries something else (a back edge, a landing pad's jump to
    // its handler, a jump table's entry) contradicts the assumption, and the function is emitted
    // again without it at that block (see emit); that emission may still find one where its own
    // assumptions differ (one more emission).

    /** "No way in seen yet" in {@link #refState} (MInst.NONE: ways in that disagree, or unknown). */
    private static final int UNSEEN = Integer.MIN_VALUE;

    /** Blocks (by index) whose code assumes nothing of r10 on entry; shared by the emissions of the function. */
    private java.util.BitSet noEntryState = new java.util.BitSet();
    /** Whether a jump contradicted an entry state assumed by this emission, whose code is then wrong. */
    private boolean entryStateContradicted;
    /** By label id: what the jumps to it emitted so far carried in r10 (UNSEEN, NONE or a spilled value). */
    private int[] refState = new int[0];
    /** By label id: the value a bound block label's code assumes r10 holds on entry, or NONE. */
    private int[] entryState = new int[0];
    /** While a branch instruction emits its jumps: what r10 holds at each of them; else UNSEEN. */
    private int transferState = UNSEEN;

    private static int meet(int x, int y) {
        return x == UNSEEN ? y : y == UNSEEN || x == y ? x : MInst.NONE;
    }

    private void growLabelStates(int id) {
        if (id >= refState.length) {
            int n = Math.max(id + 1, 2 * refState.length);
            int old = refState.length;
            refState = java.util.Arrays.copyOf(refState, n);
            entryState = java.util.Arrays.copyOf(entryState, n);
            java.util.Arrays.fill(refState, old, n, UNSEEN);
            java.util.Arrays.fill(entryState, old, n, MInst.NONE);
        }
    }

    /** The assembler's report of a reference to {@code l} (see {@link dev.kiln.compiler.mach.CodeBuffer.ReferenceObserver}). */
    private void referenced(Label l, boolean transfersHere) {
        int carried = !transfersHere ? MInst.NONE : transferState != UNSEEN ? transferState : scratch0Holds();
        growLabelStates(l.id());
        if (!l.isBound()) {
            refState[l.id()] = meet(refState[l.id()], carried);
        } else if (entryState[l.id()] != MInst.NONE && entryState[l.id()] != carried) {
            entryStateContradicted = true;
            for (MachBlock<MInst> b : blocks) {
                if (labels[b.index] == l) {
                    noEntryState.set(b.index);
                }
            }
        }
    }

    /**
     * Right after binding block {@code k}'s label: notes that r10 holds the spilled value every way
     * into it seen so far carries ({@code fallIn} from above, UNSEEN if control cannot fall in), if
     * there is one and the block is not excluded.
     */
    private void assumeEntryState(MachBlock<MInst> k, int fallIn) {
        Label l = label(k);
        growLabelStates(l.id());
        int entry = meet(fallIn, refState[l.id()]);
        if (entry >= 0 && !noEntryState.get(k.index)) {
            entryState[l.id()] = entry;
            keepScratch0(entry);
        }
    }

    /**
     * Adds to {@link #noEntryState} the blocks a jump table (of a {@code br_table}, threaded by the
     * block layout) branches to, its default excepted. The tables are emitted after every block, and
     * an entry carries nothing in r10, so such a block's code may never assume r10 holds a value: one
     * that did would be contradicted when its table is emitted, and the function emitted again. Known
     * before the first emission, these targets cost no second one. Without this, 6.5% of
     * {@code llvm.core.wasm}'s blocks were emitted again, 19% of those of its functions with bodies of
     * 8 KiB or more (135 second or third emissions of 902 functions), almost all for jump tables.
     */
    private void excludeJumpTableTargets() {
        for (int bI = 0; bI < blocks.size(); bI++) {
            List<MInst> insts = blocks.get(bI).insts;
            MInst last = insts.isEmpty() ? null : insts.get(insts.size() - 1);
            if (last != null && last.op == MOp.BR_TABLE) {
                List<MachBlock<MInst>> targets = last.tableTargets;
                for (int t = 0; t < targets.size() - 1; t++) {
                    noEntryState.set(targets.get(t).index);
                }
            }
        }
    }

    /** {@link #scratch0Holds} if nothing was emitted and no label bound since it was set; else NONE. */
    private int scratch0Holds() {
        return scratch0Holds != MInst.NONE && a.position() == scratch0At && a.boundLabels() == scratch0Labels
                ? scratch0Holds : MInst.NONE;
    }

    /**
     * Folds a spilled operand into the instruction as a memory operand instead of reloading it into a
     * scratch register first: {@code mov r, [slot]}, {@code mov [slot], r} (64-bit only: a spilled
     * i32 must be stored zero-extended), {@code op r, [slot]} for ALU operations, compares, tests and
     * {@code imul}, and a three-register {@code lea} with a spilled operand as {@code mov} + {@code add}
     * when the flags are dead. Returns false (nothing emitted) for every other shape.
     */
    private boolean emitWithSpillSlotOperand(MInst m) {
        switch (m.op) {
            case MOV_RR, ZEXT32 -> {
                boolean srcSpilled = isSpilled(m.src);
                boolean dstSpilled = isSpilled(m.dst);
                if (srcSpilled && !dstSpilled) {
                    a.mov(m.op == MOp.ZEXT32 ? Size.S32 : m.size, reg(m.dst), spillSlotOf(m.src));
                    return true;
                }
                if (dstSpilled && !srcSpilled && m.op == MOp.MOV_RR && m.size == Size.S64) {
                    a.mov(Size.S64, spillStore(alloc.interval(m.dst).spillSlot), reg(m.src));
                    return true;
                }
                return false;
            }
            case ALU_RR, IMUL_RR, CMP_RR, TEST_RR -> {
                if (isSpilled(m.dst) || !isSpilled(m.src)) {
                    if (m.op == MOp.CMP_RR && isSpilled(m.dst) && !isSpilled(m.src)) {
                        a.alu(AluOp.CMP, m.size, spillSlotOf(m.dst), reg(m.src));
                        return true;
                    }
                    return false;
                }
                Gpr d = reg(m.dst);
                Mem src = spillSlotOf(m.src);
                switch (m.op) {
                    case ALU_RR -> a.alu(m.alu, m.size, d, src);
                    case IMUL_RR -> a.imul(m.size, d, src);
                    case CMP_RR -> a.alu(AluOp.CMP, m.size, d, src);
                    default -> a.test(m.size, src, d);
                }
                return true;
            }
            case LEA -> {
                if (m.src == MInst.NONE || m.src2 == MInst.NONE || m.imm != 0 || m.scale != 1 || flagsLive || isSpilled(m.dst)
                        || (!isSpilled(m.src) && !isSpilled(m.src2))) {
                    return false;
                }
                Gpr d = reg(m.dst);
                int x = m.src;
                int y = m.src2;
                if (!isSpilled(x) && reg(x) == d) {
                    a.alu(AluOp.ADD, m.size, d, spillSlotOf(y));
                } else if (!isSpilled(y) && reg(y) == d) {
                    a.alu(AluOp.ADD, m.size, d, spillSlotOf(x));
                } else {
                    if (isSpilled(x)) {
                        a.mov(m.size, d, spillSlotOf(x));
                    } else {
                        a.mov(m.size, d, reg(x));
                    }
                    if (isSpilled(y)) {
                        a.alu(AluOp.ADD, m.size, d, spillSlotOf(y));
                    } else {
                        a.alu(AluOp.ADD, m.size, d, reg(y));
                    }
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private Mem spillSlotOf(int vreg) {
        return slot(alloc.interval(vreg).spillSlot);
    }

    private boolean hasScratch(int vreg) {
        for (int i = 0; i < scratchUsed; i++) {
            if (scratchVreg[i] == vreg) {
                return true;
            }
        }
        for (int i = 0; i < xscratchUsed; i++) {
            if (xscratchVreg[i] == vreg) {
                return true;
            }
        }
        return false;
    }

    private Xmm takeXmmScratch(int vreg) {
        if (xscratchUsed == 2) {
            throw new IllegalStateException("more than two spilled xmm operands in one instruction");
        }
        xscratchVreg[xscratchUsed] = vreg;
        return xscratchUsed++ == 0 ? XSCRATCH0 : XSCRATCH1;
    }

    /** A spilled xmm destination sharing XSCRATCH0 with a source of a three-operand form, or NONE. */
    private int xsharedDef = MInst.NONE;

    /** The xmm register holding {@code r} in the current instruction. */
    private Xmm xmm(int r) {
        if (!MInst.isVirtual(r)) {
            return Xmm.of(r - MInst.XMM_BASE);
        }
        if (r == xsharedDef) {
            return XSCRATCH0;
        }
        LinearScan.Interval it = alloc.interval(r);
        if (it != null && it.assigned >= 0) {
            return Xmm.of(it.assigned - MInst.XMM_BASE);
        }
        for (int i = 0; i < xscratchUsed; i++) {
            if (xscratchVreg[i] == r) {
                return i == 0 ? XSCRATCH0 : XSCRATCH1;
            }
        }
        if (it == null) {
            return XSCRATCH0; // never live (a dead definition)
        }
        throw new IllegalStateException("spilled " + MInst.name(r) + " has no scratch register");
    }

    /** A scalar pool constant: 4 bytes for S32 (movss, ucomiss, addss ...), 8 for S64. */
    private Label constant(Size size, long bits) {
        String key = size + ":" + bits;
        constantBits.put(key, bits);
        return constants.computeIfAbsent(key, k -> a.newLabel("const"));
    }

    /** A 16-byte, 16-aligned pool constant ({@code bits} then zeros), as {@code andps}/{@code xorps} read. */
    private Label maskConstant(Size size, long bits) {
        String key = "X" + size + ":" + bits;
        constantBits.put(key, bits);
        return constants.computeIfAbsent(key, k -> a.newLabel("mask"));
    }

    private Label scalarConstant(MInst m) {
        return constant(m.size, m.size == Size.S32 ? m.imm & 0xFFFF_FFFFL : m.imm);
    }

    /** The pool after the code: 16-byte masks, then 8-byte and 4-byte scalars, each group aligned. */
    private void emitConstantPool() {
        boolean vAligned = false;
        for (Map.Entry<String, Label> c : constants.entrySet()) {
            long[] v = vectorConstants.get(c.getKey());
            if (v != null) {
                if (!vAligned) {
                    a.align(16);
                    vAligned = true;
                }
                a.bind(c.getValue());
                a.emitInt64(v[0]);
                a.emitInt64(v[1]);
            }
        }
        for (String group : new String[] {"X", "S64", "S32"}) {
            boolean aligned = false;
            for (Map.Entry<String, Label> c : constants.entrySet()) {
                String key = c.getKey();
                if (!key.startsWith(group + (group.equals("X") ? "" : ":"))) {
                    continue;
                }
                if (!aligned) {
                    a.align(group.equals("X") ? 16 : group.equals("S64") ? 8 : 4);
                    aligned = true;
                }
                a.bind(c.getValue());
                long bits = constantBits.get(key);
                if (group.equals("S32")) {
                    a.emitInt32((int) bits);
                } else {
                    a.emitInt64(bits);
                    if (group.equals("X")) {
                        a.emitInt64(0);
                    }
                }
            }
        }
    }

    private Mem floatConst(int floatBits, double value) {
        return floatBits == 32
                ? Mem.rip(constant(Size.S32, Float.floatToRawIntBits((float) value) & 0xFFFF_FFFFL))
                : Mem.rip(constant(Size.S64, Double.doubleToRawLongBits(value)));
    }

    /** The register the previous instruction wrote with a 32-bit operation (upper half zero), or null. */
    private Gpr zeroExtended;

    /** The general-purpose register {@code m} leaves zero-extended from 32 bits, or null. */
    private Gpr writes32(MInst m) {
        if (m.dst == MInst.NONE || !MInst.isVirtual(m.dst) || isFloatVreg(m.dst) || isSpilled(m.dst)) {
            return null;
        }
        boolean full32 = switch (m.op) {
            case MOV_RI, ALU_RR, ALU_RI, ALU_RM, LEA, IMUL_RR, IMUL_RRI, SHIFT_CL, SHIFT_RI, SHIFTX, BITCOUNT, ZEXT32, BSWAP -> m.size == Size.S32;
            case SETCC, FCMP_SET -> true;
            case MOV_RR -> m.size == Size.S32 && (isSpilled(m.src) || reg(m.dst) != reg(m.src));
            default -> false;
        };
        return full32 ? reg(m.dst) : null;
    }

    private boolean isFloatVreg(int vreg) {
        return alloc.classOf(vreg) == RegClass.FLOAT;
    }

    private boolean isXmmOperand(int r) {
        return alloc.classOf(r) == RegClass.FLOAT;
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
        if (sharedDef == vreg && vreg != MInst.NONE) {
            return 0;
        }
        return -1;
    }

    /**
     * A spilled definition that shares r10 with a spilled use: every instruction reads its operands
     * before it writes its result, so three spilled operands (a three-address lea) fit in two scratches.
     */
    private int sharedDef = MInst.NONE;

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

    /** Whether {@code m} may be duplicated into a loop's back edge (loop rotation, {@link BlockLayout}). */
    private static boolean duplicable(MInst m) {
        return switch (m.op) {
            case CMP_RR, CMP_RI, TEST_RR, TEST_RI, JCC, MOV_RR, MOV_RI, ALU_RR, ALU_RI, LEA, ZEXT32 -> true;
            default -> false;
        };
    }

    /**
     * Emits the instructions of {@code b}; a final jump back to a rotatable loop header is replaced by
     * the header's own instructions (which end in a conditional branch, so this does not recurse).
     */
    private void emitBody(MachBlock<MInst> b) {
        if (hoisted.get(b.index)) {
            return; // its moves run before its predecessor's branch (see hoistBackEdgeMoves)
        }
        zeroExtended = null;
        boolean[] live = flagsLiveAfter(b);
        int pendingTest = -1; // after a catching call with a landing pad: its pending-exception test
        for (int k = 0; k < b.insts.size(); k++) {
            MInst m = b.insts.get(k);
            if (k == pendingTest) {
                // the test and branch run only in the landing pad: here the call returned normally
                MInst branch = b.last();
                MachBlock<MInst> normal = branch.cond == Cond.NE ? branch.target2 : branch.target;
                if (!isNext(normal)) {
                    a.jmp(label(normal));
                }
                return;
            }
            if (k == b.insts.size() - 1 && rotatedInto(b) != null) {
                emitBody(m.target);
                return;
            }
            if (k == b.insts.size() - 1 && m.op == MOp.JCC && earlyExit != null && b == blocks.get(0)) {
                // the early exit is taken before the frame exists; the other edge pushes it
                boolean toTarget = m.target == earlyExit;
                MachBlock<MInst> rest = toTarget ? m.target2 : m.target;
                if (isNext(earlyExit)) {
                    // the exit falls through; the frame is pushed right after its ret
                    pushThenTo = rest;
                    pushLabel = a.newLabel();
                    a.jcc(toTarget ? m.cond.negate() : m.cond, pushLabel);
                    return;
                }
                a.jcc(toTarget ? m.cond : m.cond.negate(), label(earlyExit));
                pushFrame();
                if (!isNext(rest)) {
                    a.jmp(label(rest));
                }
                return;
            }
            if (k == b.insts.size() - 1 && m.op == MOp.JCC && hoistBackEdgeMoves(b, m)) {
                return;
            }
            flagsLive = live[k];
            current = m;
            if (record != null) {
                record.instructionStarts(a.position());
            }
            if (repeatsTheComparisonBefore(b, k)) {
                continue; // the flags are those of the same compare, two instructions back
            }
            if (addSetsTheTestedFlags(b, k, live)) {
                a.aluImm(m.imm < 0 && m.imm != Integer.MIN_VALUE ? AluOp.SUB : AluOp.ADD, m.size, reg(m.dst),
                        (int) (m.imm < 0 && m.imm != Integer.MIN_VALUE ? -m.imm : m.imm));
                zeroExtended = writes32(m);
                k++; // the test of the sum: add has set ZF as it would
                continue;
            }
            int fused = threeOperandForm(b, k);
            if (fused > 0) {
                k += fused - 1;
                continue;
            }
            emitWithSpills(m);
            zeroExtended = writes32(m);
            if (m.inTry && (m.op == MOp.CALL || m.op == MOp.CALL_IMPORT || m.op == MOp.CALL_REF)) {
                pendingTest = landingPad(b, k);
            }
        }
    }

    /** The catching calls' landing pads, emitted after the function's code. */
    private final List<dev.kiln.compiler.mach.LandingPad<MInst>> landingPads = new ArrayList<>();

    /**
     * For the catching call at {@code k} of {@code b}, just emitted: when the block ends in the
     * translator's test for a pending exception ({@code EXN_PENDING}, a zero test of it, a branch on
     * (not) equal), gives the call a landing pad and returns the index of the {@code EXN_PENDING}, from
     * which the block then emits only the jump to the normal successor; else -1 (the test stays).
     * The pad replays what follows the call up to the {@code EXN_PENDING} (the result's copies and
     * reloads), exactly what resuming at the return address ran, then branches to the handlers: the
     * normal path pays nothing for the handler.
     */
    private int landingPad(MachBlock<MInst> b, int k) {
        int n = b.insts.size();
        int p = k + 1;
        while (p < n && b.insts.get(p).op != MOp.EXN_PENDING) {
            MInst x = b.insts.get(p);
            if (calls(x.op) || x.op == MOp.JCC || x.op == MOp.JMP || x.op == MOp.TRAP_IF) {
                return -1;
            }
            p++;
        }
        if (p + 3 != n) {
            return -1;
        }
        MInst pending = b.insts.get(p);
        MInst test = b.insts.get(p + 1);
        MInst branch = b.insts.get(p + 2);
        if (!isZeroTest(test) || test.dst != pending.dst || branch.op != MOp.JCC
                || branch.cond != Cond.NE && branch.cond != Cond.E) {
            return -1;
        }
        MachBlock<MInst> handler = branch.cond == Cond.NE ? branch.target : branch.target2;
        landingPads.add(new dev.kiln.compiler.mach.LandingPad<>(a.newLabel(), b, k, p, handler, callSites.size() - 1));
        return p;
    }

    /** The landing pads, out of line; then each catching call's site names its pad. */
    private void emitLandingPads() {
        for (dev.kiln.compiler.mach.LandingPad<MInst> pad : landingPads) {
            a.bind(pad.label());
            MInst call = pad.block().insts.get(pad.call());
            current = call;
            zeroExtended = null;
            repush(call);
            a.mov(Size.S64, VMCTX, vmctxSaveSlot()); // the thrower's r14 is not this function's VMContext
            for (int i = pad.call() + 1; i <= pad.pending(); i++) {
                current = pad.block().insts.get(i);
                emitWithSpills(current);
            }
            a.jmp(label(pad.handler()));
            callSites.set(pad.site(), pad.placed(callSites.get(pad.site())));
        }
    }

    /** Records {@code feature} as used and {@code d} as written at {@code size}; returns {@code count}. */
    private int bmiEmitted(CpuFeature feature, Size size, Gpr d, int count) {
        used |= feature.bit();
        zeroExtended = size == Size.S32 ? d : null;
        return count;
    }

    /** Whether {@code m} is {@code xor r, -1} (a bitwise not) of a register, 32 or 64 bits. */
    private boolean isNot(MInst m) {
        return m.op == MOp.ALU_RI && m.alu == AluOp.XOR && (m.size == Size.S32 || m.size == Size.S64)
                && (m.size == Size.S32 ? (int) m.imm : m.imm) == -1 && !isSpilled(m.dst);
    }

    /** Whether {@code t} is {@code and d, r} of registers, {@code d} being register {@code d} at size {@code size}, {@code r} another. */
    private boolean isAndInto(MInst t, Gpr d, Size size) {
        return t != null && t.op == MOp.ALU_RR && t.alu == AluOp.AND && t.size == size && !isSpilled(t.dst)
                && !isSpilled(t.src) && reg(t.dst) == d && reg(t.src) != d;
    }

    /** The index of the first instruction of {@code b} from {@code k} that emits code (skipping moves of a register to itself), or -1. */
    private int emitting(MachBlock<MInst> b, int k) {
        for (; k < b.insts.size(); k++) {
            MInst m = b.insts.get(k);
            if (m.op != MOp.MOV_RR || isSpilled(m.dst) || isSpilled(m.src) || reg(m.dst) != reg(m.src)) {
                return k;
            }
        }
        return -1;
    }

    /**
     * BMI forms for copies that two-address x86 needs: {@code mov d, s; rol/ror d, k} is
     * {@code rorx d, s, k'} (BMI2), and {@code mov d, a; xor d, -1; and d, b} (the {@code ~a & b} of
     * hash and cipher rounds) is {@code andn d, a, b}, and without the copy {@code andn d, d, b} (BMI1,
     * which sets the flags as {@code and} does; no Wasm operation reads a rotate's flags). Moves of a
     * register to itself (no code) may come between. Emits it and returns how many instructions of
     * {@code b} from {@code k} it stands for, or 0 when the CPU features allow none or the pattern
     * does not hold (registers only, same size, 32 or 64 bits).
     */
    private int threeOperandForm(MachBlock<MInst> b, int k) {
        MInst m = b.insts.get(k);
        if (isNot(m) && features.contains(CpuFeature.BMI1)) {
            Gpr d = reg(m.dst);
            int j = emitting(b, k + 1);
            if (j > 0 && isAndInto(b.insts.get(j), d, m.size)) {
                a.andn(m.size, d, d, reg(b.insts.get(j).src));
                return bmiEmitted(CpuFeature.BMI1, m.size, d, j - k + 1);
            }
            return 0;
        }
        if (m.op != MOp.MOV_RR || (m.size != Size.S32 && m.size != Size.S64) || isSpilled(m.dst) || isSpilled(m.src)
                || reg(m.dst) == reg(m.src)) {
            return 0;
        }
        Gpr d = reg(m.dst);
        int j = emitting(b, k + 1);
        if (j < 0) {
            return 0;
        }
        MInst n = b.insts.get(j);
        if ((n.op != MOp.SHIFT_RI && n.op != MOp.ALU_RI) || n.size != m.size || isSpilled(n.dst) || reg(n.dst) != d) {
            return 0;
        }
        int width = m.size == Size.S32 ? 32 : 64;
        if (n.op == MOp.SHIFT_RI && (n.shift == ShiftOp.ROL || n.shift == ShiftOp.ROR)
                && features.contains(CpuFeature.BMI2)) {
            int right = (int) (n.shift == ShiftOp.ROR ? n.imm : width - n.imm) & (width - 1);
            a.rorx(m.size, d, reg(m.src), right);
            return bmiEmitted(CpuFeature.BMI2, m.size, d, j - k + 1);
        }
        if (isNot(n) && features.contains(CpuFeature.BMI1)) {
            int i = emitting(b, j + 1);
            if (i > 0 && isAndInto(b.insts.get(i), d, m.size)) {
                a.andn(m.size, d, reg(m.src), reg(b.insts.get(i).src));
                return bmiEmitted(CpuFeature.BMI1, m.size, d, i - k + 1);
            }
        }
        return 0;
    }

    /**
     * Whether instruction {@code k} of {@code b} is a register compare ({@code cmp r, r} or
     * {@code cmp r, imm}) identical to instruction {@code k - 2}, with only a trap branch between
     * them: the flags are still those of the first compare (a bounds check followed by the Spectre
     * guard's {@code cmov} on the same comparison). Neither compare may touch a spill slot.
     */
    private boolean repeatsTheComparisonBefore(MachBlock<MInst> b, int k) {
        if (k < 2) {
            return false;
        }
        MInst m = b.insts.get(k);
        MInst p = b.insts.get(k - 2);
        if (b.insts.get(k - 1).op != MOp.TRAP_IF || m.op != p.op || m.size != p.size
                || (m.op != MOp.CMP_RR && m.op != MOp.CMP_RI)) {
            return false;
        }
        if (isSpilled(m.dst) || isSpilled(p.dst) || reg(m.dst) != reg(p.dst)) {
            return false;
        }
        return m.op == MOp.CMP_RI ? m.imm == p.imm
                : !isSpilled(m.src) && !isSpilled(p.src) && reg(m.src) == reg(p.src);
    }

    /**
     * A comparison materialized as a value ({@code setle al; movzx eax, al}, for a use elsewhere) and
     * tested against zero right away by a branch of the same block: the flags of the comparison are
     * still there (neither {@code setcc}, {@code movzx} nor moves change them), so the test goes and
     * every reader of its flags, which must ask for (not) equal, takes the comparison's condition
     * (negated for equal-to-zero) instead. A rewrite of the allocated code before any of it is
     * emitted, so a block emitted twice (loop rotation) reads the same instructions both times.
     */
    private static void branchOnMaterializedConditions(MachBlock<MInst> b) {
        boolean[] live = null; // the flags' liveness, once a setcc and a test of its register are found
        for (int k = 0; k + 2 < b.insts.size(); k++) {
            MInst m = b.insts.get(k);
            MInst t = b.insts.get(k + 1);
            if (m.op != MOp.SETCC || !isZeroTest(t) || t.dst != m.dst) {
                continue;
            }
            if (live == null) {
                live = flagsLiveAfter(b);
            }
            List<MInst> readers = zeroTestReaders(b, k + 1, live);
            if (readers == null) {
                continue;
            }
            for (MInst u : readers) {
                u.cond = u.cond == Cond.NE ? m.cond : m.cond.negate();
            }
            b.insts.remove(k + 1);
            live = flagsLiveAfter(b);
        }
    }

    /**
     * Whether instruction {@code k} of {@code b} is {@code lea r, [r + imm]} followed by a test of
     * {@code r} against zero whose only readers, right after it, ask for (not) equal: then
     * {@code add r, imm} (or {@code sub}) computes the sum and sets ZF as the test would, and the
     * test goes (a counted loop's {@code lea ecx, [rcx - 1]; test ecx, ecx; jne} becomes
     * {@code sub ecx, 1; jne}). The flags must be dead across the {@code lea}, and nothing of the
     * three may touch a spill slot.
     */
    private boolean addSetsTheTestedFlags(MachBlock<MInst> b, int k, boolean[] live) {
        MInst m = b.insts.get(k);
        if (m.op != MOp.LEA || m.src2 != MInst.NONE || live[k] || k + 2 >= b.insts.size()
                || isSpilled(m.dst) || isSpilled(m.src) || reg(m.dst) != reg(m.src)) {
            return false;
        }
        MInst t = b.insts.get(k + 1);
        if (!isZeroTest(t) || t.size != m.size || isSpilled(t.dst) || reg(t.dst) != reg(m.dst)) {
            return false;
        }
        return zeroTestReaders(b, k + 1, live) != null;
    }

    /** Whether {@code t} sets the flags of its dst register compared with zero ({@code test r, r}, {@code cmp r, 0}). */
    private static boolean isZeroTest(MInst t) {
        return t.op == MOp.TEST_RR && t.src == t.dst || t.op == MOp.CMP_RI && t.imm == 0;
    }

    /**
     * The instructions that read the flags set by instruction {@code test} of {@code b}, up to where
     * the flags die ({@code live}: {@link #flagsLiveAfter}), if all of them ask only for (not) equal;
     * otherwise, or if nothing reads them, {@code null}.
     */
    private static List<MInst> zeroTestReaders(MachBlock<MInst> b, int test, boolean[] live) {
        if (!live[test]) {
            return null;
        }
        List<MInst> readers = new ArrayList<>();
        for (int j = test + 1; j < b.insts.size(); j++) {
            MInst u = b.insts.get(j);
            if (readsFlags(u.op)) {
                if (u.cond != Cond.E && u.cond != Cond.NE) {
                    return null;
                }
                readers.add(u);
            }
            if (!live[j]) {
                return readers;
            }
        }
        return null;
    }

    /** Whether an instruction of {@code op} reads the flags (its {@link MInst#cond}). */
    private static boolean readsFlags(MOp op) {
        return switch (op) {
            case JCC, SETCC, CMOV, XCMOV, TRAP_IF -> true;
            default -> false;
        };
    }

    /** Per block index: the registers live on entry (see {@link #registersLiveIn}); computed on first use. */
    private long[] liveRegisters;

    /**
     * The physical registers (bit r for register r, below {@link MInst#VREG_BASE}) that block {@code b}
     * or a block after it reads before writing: backward dataflow over the allocated code, every
     * instruction's {@code uses} and {@code defs} (physical registers included) mapped to their
     * locations, split-resolution moves included; spill slots are not followed. The scratch registers
     * of spill code are never live across instructions.
     */
    private long registersLiveIn(MachBlock<MInst> b) {
        if (liveRegisters == null) {
            // each block's instructions summarized once as in = gen | (out & ~kill) (kill: every
            // register defined; gen: those used before any definition in the block), then only those
            // words iterated to the fixed point
            int n = blocks.size();
            long[] gen = new long[n];
            long[] kill = new long[n];
            long[] in = new long[n];
            for (int i = 0; i < n; i++) {
                long g = 0;
                long k = 0;
                List<MInst> insts = blocks.get(i).insts;
                for (int j = insts.size() - 1; j >= 0; j--) {
                    MInst m = insts.get(j);
                    for (int d : m.defs()) {
                        int l = locationOf(d);
                        if (l >= 0 && l < MInst.VREG_BASE) {
                            g &= ~(1L << l);
                            k |= 1L << l;
                        }
                    }
                    for (int u : m.uses()) {
                        int l = locationOf(u);
                        if (l >= 0 && l < MInst.VREG_BASE) {
                            g |= 1L << l;
                        }
                    }
                }
                gen[i] = g;
                kill[i] = k;
                in[i] = g;
            }
            // a worklist: a block is looked at again only when the live-in set of a successor grew;
            // the worklist a ring of block indexes, each queued at most once
            MachBlock.Predecessors predecessors = MachBlock.Predecessors.of(blocks);
            int[] predStart = predecessors.start();
            int[] preds = predecessors.of();
            int[] work = new int[Math.max(1, n)];
            int head = 0;
            int queuedCount = 0;
            boolean[] queued = new boolean[n];
            for (int i = n - 1; i >= 0; i--) {
                work[queuedCount++] = i; // latest first: most successors come after their predecessors
                queued[i] = true;
            }
            while (queuedCount > 0) {
                int i = work[head];
                head = head + 1 == work.length ? 0 : head + 1;
                queuedCount--;
                queued[i] = false;
                long out = 0;
                List<MachBlock<MInst>> succs = blocks.get(i).succs;
                for (int sI = 0; sI < succs.size(); sI++) {
                    out |= in[succs.get(sI).index];
                }
                long live = gen[i] | out & ~kill[i];
                if (live != in[i]) {
                    in[i] = live;
                    for (int k = predStart[i]; k < predStart[i + 1]; k++) {
                        int p = preds[k];
                        if (!queued[p]) {
                            queued[p] = true;
                            int tail = head + queuedCount;
                            work[tail >= work.length ? tail - work.length : tail] = p;
                            queuedCount++;
                        }
                    }
                }
            }
            liveRegisters = in;
        }
        return liveRegisters[b.index];
    }

    /** The location of register {@code r}: a physical register is itself, a virtual one where it was allocated (-1: never live). */
    private int locationOf(int r) {
        return r < 0 ? -1 : MInst.isVirtual(r) ? loc(r) : r;
    }

    /**
     * The loop header whose instructions replace the final jump of block {@code c} (loop rotation, see
     * {@link BlockLayout#isRotatableLoopHeader}), or null when {@code c} does not end in such a jump.
     */
    private MachBlock<MInst> rotatedInto(MachBlock<MInst> c) {
        MInst last = c.insts.isEmpty() ? null : c.last();
        return last != null && last.op == MOp.JMP
                && blockLayout.isRotatableLoopHeader(c, last.target, CodeEmitter::duplicable) ? last.target : null;
    }

    /** Blocks that loop rotation copies into a jump to them (see {@link #emitBody}); computed on first use. */
    private java.util.BitSet rotatedCopies;

    private java.util.BitSet rotatedCopies() {
        if (rotatedCopies == null) {
            rotatedCopies = new java.util.BitSet();
            for (MachBlock<MInst> c : blocks) {
                MachBlock<MInst> header = rotatedInto(c);
                if (header != null) {
                    rotatedCopies.set(header.index);
                }
            }
        }
        return rotatedCopies;
    }

    /** Edge blocks whose moves {@link #hoistBackEdgeMoves} emitted in their predecessor: not emitted again. */
    private final java.util.BitSet hoisted = new java.util.BitSet();

    /**
     * How many branch references each block has (by layout index) from the blocks that are emitted,
     * {@code skip} aside (null: none), after jump threading: a branch's targets and a jump table's
     * entries.
     */
    private int[] branchReferences(MachBlock<MInst> skip) {
        int[] refs = new int[blocks.size()];
        for (int bI = 0; bI < blocks.size(); bI++) {
            MachBlock<MInst> c = blocks.get(bI);
            if (c == skip || blockLayout.forwards(c)) {
                continue; // a forwarding block is not emitted: every branch to it goes to its target
            }
            for (int mI = 0; mI < c.insts.size(); mI++) {
                MInst m = c.insts.get(mI);
                if (m.target != null) {
                    refs[m.target.index]++;
                }
                if (m.target2 != null) {
                    refs[m.target2.index]++;
                }
                for (int t = 0; m.tableTargets != null && t < m.tableTargets.size(); t++) {
                    refs[m.tableTargets.get(t).index]++;
                }
            }
        }
        return refs;
    }

    /** {@link #branchReferences(MachBlock)} from every emitted block, for {@link #hoistBackEdgeMoves}; computed on first use. */
    private int[] allBranchReferences;

    /**
     * A conditional branch whose fall-through (or taken) side is an edge block of moves and a jump back
     * to a loop header, the other side reading none of the locations those moves write: the moves run
     * before the branch ({@code mov} and {@code xchg} keep the flags of the compare), and the branch goes
     * straight to the header. The loop's back edge loses its {@code jmp} ({@code cmp; je exit; mov;
     * jmp header} becomes {@code cmp; mov; jne header}); the exit side may gain one. Only for moves
     * between registers (spill stores and reloads would run on every exit), not for a header the layout
     * rotates into the back edge instead, nor out of a block that rotation copies elsewhere, nor when
     * another block also branches to the edge block (a block of the IR whose jump passes arguments
     * may have several predecessors: they must still find its moves). Returns whether it emitted the
     * branch.
     */
    private boolean hoistBackEdgeMoves(MachBlock<MInst> b, MInst jcc) {
        MachBlock<MInst> e = isNext(jcc.target2) ? jcc.target2 : isNext(jcc.target) ? jcc.target : null;
        if (e == null || jcc.target == jcc.target2 || e.insts.size() < 2) {
            return false;
        }
        MachBlock<MInst> x = e == jcc.target2 ? jcc.target : jcc.target2;
        if (rotatedCopies().get(b.index)) {
            return false; // a copy of b elsewhere still branches to e, which must stay where it is
        }
        if (allBranchReferences == null) {
            allBranchReferences = branchReferences(null);
        }
        if (allBranchReferences[e.index] != 1) {
            return false; // e is not emitted once hoisted: no other block may branch to it
        }
        MInst jmp = e.last();
        if (jmp.op != MOp.JMP || jmp.target == x || jmp.target.index > b.index || rotatedInto(e) != null) {
            return false;
        }
        for (int i = 0; i < e.insts.size() - 1; i++) {
            MInst m = e.insts.get(i);
            int[] dsts = m.op == MOp.PMOVE ? m.pdst : m.op == MOp.MOV_RR ? new int[] {m.dst} : null;
            int[] srcs = m.op == MOp.PMOVE ? m.psrc : m.op == MOp.MOV_RR ? new int[] {m.src} : null;
            if (dsts == null) {
                return false;
            }
            for (int k = 0; k < dsts.length; k++) {
                int l = locationOf(dsts[k]);
                int from = srcs[k] == MInst.NONE ? -1 : locationOf(srcs[k]);
                if (l < 0 || from == l) {
                    continue; // dead, or already in place: writes nothing
                }
                if (l >= MInst.VREG_BASE || from >= MInst.VREG_BASE || liveIn(x, l)) {
                    return false; // spill code stays on the back edge: the exit would pay for it every time
                }
            }
        }

        flagsLive = true;
        for (int i = 0; i < e.insts.size() - 1; i++) {
            current = e.insts.get(i);
            emitWithSpills(current);
        }
        a.jcc(e == jcc.target ? jcc.cond : jcc.cond.negate(), label(jmp.target));
        int after = blockLayout.nextEmitted(e.index);
        if (after >= blocks.size() || blocks.get(after) != x) {
            a.jmp(label(x));
        }
        hoisted.set(e.index);
        return true;
    }

    /**
     * Whether register {@code l} is live on entry to {@code x}: what {@link #registersLiveIn} says,
     * answered from {@code x}'s own instructions when one of them reads or writes {@code l} (a read
     * before any write: live; a write first: not), so that most functions never need the whole
     * function's liveness.
     */
    private boolean liveIn(MachBlock<MInst> x, int l) {
        List<MInst> insts = x.insts;
        for (int i = 0; i < insts.size(); i++) {
            MInst m = insts.get(i);
            for (int u : m.uses()) {
                if (locationOf(u) == l) {
                    return true;
                }
            }
            for (int d : m.defs()) {
                if (locationOf(d) == l) {
                    return false;
                }
            }
        }
        return (registersLiveIn(x) & 1L << l) != 0;
    }

    /** Whether the flags are read after the instruction being emitted, before being written again. */
    private boolean flagsLive;

    /**
     * Flags liveness over one block, backwards: an instruction that consumes a condition set by an
     * earlier one ({@code jcc setcc cmov} and the conditional traps and float selects) makes the flags
     * live up to the compare that sets them. Flags are never live across blocks (every compare is
     * emitted in the block of the branch that reads it). Instructions not known to write flags keep
     * them live, so the answer errs on the side of "live".
     */
    private static boolean[] flagsLiveAfter(MachBlock<MInst> b) {
        boolean[] after = new boolean[b.insts.size()];
        boolean live = false;
        for (int i = b.insts.size() - 1; i >= 0; i--) {
            MInst m = b.insts.get(i);
            after[i] = live;
            switch (m.op) {
                case CMP_RR, CMP_RM, CMP_MI, CMP_RI, TEST_RR, TEST_RI, FCMP_FLAGS -> live = false;
                default -> live |= readsFlags(m.op);
            }
        }
        return after;
    }

    /** {@code mov reg, imm}, or the shorter {@code xor reg32, reg32} for 0 when the flags are dead. */
    private void movImmOrZero(Size size, Gpr d, long imm) {
        if (imm == 0 && !flagsLive) {
            a.alu(AluOp.XOR, Size.S32, d, d); // also clears bits 63..32
        } else {
            a.movImm(size, d, size == Size.S32 ? (int) imm : imm);
        }
    }

    private boolean isNext(MachBlock<MInst> b) {
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
            case ZEXT32 -> {
                Gpr d = reg(m.dst);
                Gpr s = reg(m.src);
                // a 32-bit operation has just written s, which clears its upper half already
                if (d != s || s != zeroExtended || isSpilled(m.src)) {
                    a.mov(Size.S32, d, s);
                }
            }
            case MOV_RI -> movImmOrZero(m.size, reg(m.dst), m.imm);
            case ALU_RR -> a.alu(m.alu, m.size, reg(m.dst), reg(m.src));
            case ALU_RI -> {
                if (isNot(m) && !flagsLive) {
                    a.not(m.size, reg(m.dst)); // one byte shorter than xor r, -1, and no flags to set
                } else {
                    a.aluImm(m.alu, m.size, reg(m.dst), (int) m.imm);
                }
            }
            case LEA -> a.lea(m.size, reg(m.dst), m.src2 == MInst.NONE ? Mem.of(reg(m.src), (int) m.imm)
                    : Mem.of(m.src == MInst.NONE ? null : reg(m.src), reg(m.src2), m.scale, (int) m.imm));
            case CMP_RR -> a.alu(AluOp.CMP, m.size, reg(m.dst), reg(m.src));
            case CMP_RI -> {
                if (m.imm != 0) {
                    a.aluImm(AluOp.CMP, m.size, reg(m.dst), (int) m.imm);
                } else if (!a.flagsAreTestOf(m.size, reg(m.dst))) {
                    a.test(m.size, reg(m.dst), reg(m.dst)); // same flags for every condition, shorter
                }
            }
            case TEST_RR -> {
                // after an and/or/xor into the register, the flags are already those of the test
                if (reg(m.dst) != reg(m.src) || !a.flagsAreTestOf(m.size, reg(m.dst))) {
                    a.test(m.size, reg(m.dst), reg(m.src));
                }
            }
            case TEST_RI -> a.testImm(m.size, reg(m.dst), (int) m.imm);
            case IMUL_RR -> a.imul(m.size, reg(m.dst), reg(m.src));
            case IMUL_RRI -> a.imulImm(m.size, reg(m.dst), reg(m.src), (int) m.imm);
            case SHIFT_CL -> a.shift(m.shift, m.size, reg(m.dst));
            case SHIFTX -> {
                a.shiftx(m.shift, m.size, reg(m.dst), reg(m.src), reg(m.src2));
                used |= CpuFeature.BMI2.bit();
            }
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
            case NEG -> a.neg(m.size, reg(m.dst));
            case BSWAP -> a.bswap(m.size, reg(m.dst));
            case MULHI -> {
                if (m.signed) {
                    a.imulWide(Size.S64, reg(m.src));
                } else {
                    a.mul(Size.S64, reg(m.src));
                }
            }
            case BITCOUNT -> bitCount(m);
            case CALL -> {
                if (m.reloadsVmctx) {
                    a.mov(Size.S64, vmctxSaveSlot(), VMCTX);
                }
                a.callRel32((int) m.imm);
                recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS, m.source);
                callSite(m);
                repush(m);
                if (m.reloadsVmctx) {
                    a.mov(Size.S64, VMCTX, vmctxSaveSlot());
                }
            }
            case RETURN_CALL, RETURN_CALL_IMPORT, RETURN_CALL_REF -> new TailCall(a, layout, frameSize, savedRegs,
                    incomingArgBytes).emit(m, m.op == MOp.RETURN_CALL_REF ? reg(m.src) : null);
            case CALL_REF -> {
                // the upcall goes to r10, which must not be the record (a spilled record is reloaded there)
                Gpr record = reg(m.src);
                if (record == SCRATCH0) {
                    a.mov(Size.S64, SCRATCH1, record);
                    record = SCRATCH1;
                }
                a.mov(Size.S64, vmctxSaveSlot(), VMCTX);
                a.mov(Size.S64, SCRATCH0, Mem.of(record, VMContextLayout.FUNCTION_RECORD_UPCALL));
                a.mov(Size.S64, VMCTX, Mem.of(record, VMContextLayout.FUNCTION_RECORD_VMCTX));
                a.call(Mem.of(record, VMContextLayout.FUNCTION_RECORD_CODE));
                recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS, m.source);
                callSite(m);
                repush(m);
                a.mov(Size.S64, VMCTX, vmctxSaveSlot());
            }
            case VMCTX_ADDR -> a.lea(Size.S64, reg(m.dst), Mem.of(VMCTX, (int) m.imm));
            case LIBCALL -> {
                a.mov(Size.S64, Gpr.RDI, VMCTX);
                a.call(Mem.of(VMCTX, VMContextLayout.libcall((int) m.imm)));
                a.mov(Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
                a.aluImm(AluOp.CMP, Size.S32, Mem.of(SCRATCH1, VMStoreContext.TRAP_CODE), 0);
                a.jcc(Cond.NE, trapCall(null));
            }
            case CALL_IMPORT -> {
                int k = (int) m.imm;
                a.mov(Size.S64, vmctxSaveSlot(), VMCTX);
                X86_64Backend.callImport(a, layout, k);
                recordSite(dev.kiln.abi.FrameTable.RETURN_ADDRESS, m.source);
                callSite(m);
                repush(m);
                a.mov(Size.S64, VMCTX, vmctxSaveSlot());
            }
            case EPOCH_CHECK -> epochCheck(m);
            case RET -> {
                if (frameless) {
                    a.ret(incomingArgBytes); // the early exit: no frame was pushed (see earlyExit)
                } else {
                    epilogue();
                }
            }
            case JMP -> {
                if (frameless) {
                    // the early exit's jump to the shared exit: its own copy of it, without the frame
                    for (MInst x : m.target.insts) {
                        emitWithSpills(x);
                        zeroExtended = writes32(x);
                    }
                } else if (!isNext(m.target)) {
                    a.jmp(label(m.target));
                }
            }
            case JCC -> {
                if (isNext(m.target)) {
                    a.jcc(m.cond.negate(), label(m.target2));
                } else {
                    a.jcc(m.cond, label(m.target));
                    if (!isNext(m.target2)) {
                        a.jmp(label(m.target2));
                    }
                }
            }
            case BR_TABLE -> brTable(m);
            case LOAD_STACK_PARAM -> {
                int above = frameSize + 8 * savedRegs.size() + 8; // frame, saved registers, return address
                Mem at = Mem.of(Gpr.RSP, above + (int) m.imm);
                if (isFloatVreg(m.dst)) {
                    xload(xmm(m.dst), at, m.width == 16 ? 16 : 8);
                } else {
                    a.mov(Size.S64, reg(m.dst), at);
                }
            }
            case STORE_RESULT -> {
                int above = frameSize + 8 * savedRegs.size() + 8;
                Mem at = Mem.of(Gpr.RSP, above + (int) m.imm);
                if (MInst.isVirtual(m.src) && isFloatVreg(m.src)) {
                    xstore(at, xmm(m.src), m.width == 16 ? 16 : 8);
                } else {
                    a.mov(Size.S64, at, reg(m.src));
                }
            }
            case LOAD_RESULT -> {
                Mem at = Mem.of(Gpr.RSP, (int) m.imm);
                if (isFloatVreg(m.dst)) {
                    xload(xmm(m.dst), at, m.width == 16 ? 16 : 8);
                } else {
                    a.mov(Size.S64, reg(m.dst), at);
                }
            }
            case STORE_STACK_ARG -> {
                Mem at = Mem.of(Gpr.RSP, (int) m.imm);
                if (MInst.isVirtual(m.src) && isFloatVreg(m.src)) {
                    xstore(at, xmm(m.src), m.width == 16 ? 16 : 8);
                } else {
                    a.mov(Size.S64, at, reg(m.src));
                }
            }
            case XMOV -> {
                Xmm d = xmm(m.dst);
                Xmm s = xmm(m.src);
                if (d != s) {
                    a.movaps(d, s);
                }
            }
            case XCONST -> {
                Xmm d = xmm(m.dst);
                if (m.imm == 0) {
                    a.xorps(d, d);
                } else if (m.size == Size.S32) {
                    a.movss(d, Mem.rip(constant(Size.S32, m.imm & 0xFFFF_FFFFL)));
                } else {
                    a.movsd(d, Mem.rip(constant(Size.S64, m.imm)));
                }
            }
            case FALU -> {
                if (m.vsrc1 != MInst.NONE) {
                    a.vpacked(scalarOp(m.fop, m.size == Size.S32), xmm(m.dst), xmm(m.vsrc1), xmm(m.src));
                } else {
                    falu(m.fop, m.size == Size.S32, xmm(m.dst), xmm(m.src));
                }
            }
            case FALU_CONST -> {
                Xmm d = xmm(m.dst);
                boolean single = m.size == Size.S32;
                if (m.vsrc1 != MInst.NONE) {
                    Label c = m.fop == MInst.FloatOp.AND || m.fop == MInst.FloatOp.XOR ? maskConstant(m.size, m.imm)
                            : scalarConstant(m);
                    a.vpacked(scalarOp(m.fop, single), d, xmm(m.vsrc1), Mem.rip(c));
                    break;
                }
                switch (m.fop) {
                    case AND -> a.andps(d, Mem.rip(maskConstant(m.size, m.imm)));
                    case XOR -> a.xorps(d, Mem.rip(maskConstant(m.size, m.imm)));
                    case ADD, SUB, MUL, DIV -> faluMemory(m.fop, single, d, Mem.rip(scalarConstant(m)));
                    default -> throw new IllegalStateException("no pool form for " + m.fop);
                }
            }
            case FMINMAX -> minmax(m.imm == 1, m.size == Size.S32, xmm(m.dst), xmm(m.src));
            case FSQRT -> {
                if (m.size == Size.S32) {
                    a.sqrtss(xmm(m.dst), xmm(m.src));
                } else {
                    a.sqrtsd(xmm(m.dst), xmm(m.src));
                }
            }
            case FROUND -> {
                require(CpuFeature.SSE4_1, "ceil/floor/trunc/nearest");
                if (m.size == Size.S32) {
                    a.roundss(xmm(m.dst), xmm(m.src), (int) m.imm);
                } else {
                    a.roundsd(xmm(m.dst), xmm(m.src), (int) m.imm);
                }
            }
            case FCVT -> {
                if (m.size == Size.S64) {
                    a.cvtss2sd(xmm(m.dst), xmm(m.src));
                } else {
                    a.cvtsd2ss(xmm(m.dst), xmm(m.src));
                }
            }
            case FCMP_SET -> fcmpSet(m);
            case FCMP_FLAGS -> ucomis(m.size == Size.S32, xmm(m.dst), xmm(m.src));
            case XCMOV -> {
                Label skip = a.newLabel();
                a.jcc(m.cond.negate(), skip);
                a.movaps(xmm(m.dst), xmm(m.src));
                a.bind(skip);
            }
            case CVT_I2F -> convertToFloat(m);
            case CVT_F2I -> convertToInt(m);
            case BITCAST_I2F -> {
                if (m.size == Size.S32) {
                    a.movd(xmm(m.dst), reg(m.src));
                } else {
                    a.movq(xmm(m.dst), reg(m.src));
                }
            }
            case BITCAST_F2I -> {
                if (m.size == Size.S32) {
                    a.movd(reg(m.dst), xmm(m.src));
                } else {
                    a.movq(reg(m.dst), xmm(m.src));
                }
            }
            case VPACKED, VPACKED_CONST, VCONST, VSHIFT, PEXTR, PINSR, VMOVMSK -> vector(m);
            case TRAP -> {
                // in line: the call that an out-of-line trap site holds (see trapCall), without a jump to it
                trapSite(TrapCode.fromCode((int) m.imm));
                recordSite(dev.kiln.abi.FrameTable.TRAP, current.source);
            }
            case PMOVE, HEAP_LOAD, HEAP_STORE, CMP_RM, CMP_MI, ALU_RM, FALU_RM, VPACKED_RM -> throw new IllegalStateException("handled before emitInst");
            case THROW -> emitThrow(m);
            case EXN_PENDING -> {
                a.mov(Size.S64, reg(m.dst), Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
                a.mov(Size.S64, reg(m.dst), Mem.of(reg(m.dst), VMStoreContext.PENDING_EXCEPTION));
            }
            case EXN_CLEAR -> {
                a.mov(Size.S64, SCRATCH1, Mem.of(VMCTX, VMContextLayout.STORE_CONTEXT));
                a.movImm(Size.S64, Mem.of(SCRATCH1, VMStoreContext.PENDING_EXCEPTION), 0);
            }
            case TRAP_IF -> jccTrap(m.cond, TrapCode.fromCode((int) m.imm));
            case VMCTX_LOAD -> {
                Mem at = Mem.of(VMCTX, (int) m.imm);
                if (isFloatVreg(m.dst)) {
                    if (m.width == 16) {
                        a.movups(xmm(m.dst), at);
                    } else if (m.size == Size.S32) {
                        a.movss(xmm(m.dst), at);
                    } else {
                        a.movsd(xmm(m.dst), at);
                    }
                } else {
                    a.mov(m.size, reg(m.dst), at);
                }
            }
            case VMCTX_STORE -> {
                Mem at = Mem.of(VMCTX, (int) m.imm);
                if (MInst.isVirtual(m.src) && isFloatVreg(m.src)) {
                    if (m.width == 16) {
                        a.movups(at, xmm(m.src));
                    } else if (m.size == Size.S32) {
                        a.movss(at, xmm(m.src));
                    } else {
                        a.movsd(at, xmm(m.src));
                    }
                } else {
                    a.mov(m.size, at, reg(m.src));
                }
            }
            case MEMSET -> a.emitBytes(new byte[] {(byte) 0xF3, (byte) 0xAA}); // rep stosb
            case MEMMOVE -> {
                Label forward = a.newLabel();
                Label done = a.newLabel();
                a.alu(AluOp.CMP, Size.S64, Gpr.RDI, Gpr.RSI);
                a.jcc(Cond.BE, forward);
                // destination above the source: copy from the end down so overlapping bytes are read first
                a.lea(Size.S64, Gpr.RDI, Mem.of(Gpr.RDI, Gpr.RCX, 1, -1));
                a.lea(Size.S64, Gpr.RSI, Mem.of(Gpr.RSI, Gpr.RCX, 1, -1));
                a.emitBytes(new byte[] {(byte) 0xFD, (byte) 0xF3, (byte) 0xA4, (byte) 0xFC}); // std; rep movsb; cld
                a.jmp(done);
                a.bind(forward);
                a.emitBytes(new byte[] {(byte) 0xF3, (byte) 0xA4}); // rep movsb
                a.bind(done);
            }
        }
    }

    /**
     * After a call whose callee popped its stack arguments: moves the stack pointer back down, so the
     * frame (and the outgoing area, where several results are) is where it was.
     */
    private void repush(MInst call) {
        if (call.popped > 0) {
            a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, call.popped);
        }
    }

    /**
     * A heap load or store, or a comparison or ALU operation with a memory operand (a folded load; a
     * guard-page one records its trap site as the load would): the address {@code base + index *
     * scale + disp} with at most one scratch register for spilled base/index ({@code add r10, [slot]}
     * when both are), the value, compared or updated register in the other.
     */
    private void heapAccess(MInst m) {
        Mem addr;
        if ((m.op == MOp.CMP_RM || m.op == MOp.ALU_RM || m.op == MOp.CMP_MI) && m.src == MInst.NONE) {
            addr = Mem.of(VMCTX, (int) m.imm);
        } else {
            addr = address(m);
        }
        faultSource = m.source != null && (m.source.aux() & dev.kiln.compiler.ir.Op.GUARD_PAGE) != 0
                && (m.source.op() == dev.kiln.compiler.ir.Op.LOAD || m.source.op() == dev.kiln.compiler.ir.Op.STORE)
                ? m.source : null;
        if (m.op == MOp.CMP_MI) {
            faultHere(); // the folded load's access comes next
            a.aluImm(AluOp.CMP, m.size, addr, (int) m.imm2);
            return;
        }
        if (m.op == MOp.VPACKED_RM) {
            // VEX only: vop d, s1, [m] with s1 the first source (dst itself unless a copy was folded)
            int first = m.vsrc1 != MInst.NONE ? m.vsrc1 : m.dst;
            boolean dSpilled = isSpilled(m.dst);
            Xmm d = dSpilled ? XSCRATCH0 : xmmOf(m.dst);
            Xmm s1 = isSpilled(first) ? XSCRATCH1 : xmmOf(first);
            if (isSpilled(first)) {
                loadSlot(s1, first);
            }
            faultHere(); // the folded load's access comes next
            if (m.packed.hasImm8()) {
                a.vpacked(m.packed, d, s1, addr, (int) m.imm);
            } else {
                a.vpacked(m.packed, d, s1, addr);
            }
            if (dSpilled) {
                storeSlot(m.dst, d);
            }
            return;
        }
        if (m.op == MOp.FALU_RM && m.vsrc1 != MInst.NONE) {
            boolean dSpilled = isSpilled(m.dst);
            Xmm d = dSpilled ? XSCRATCH0 : xmmOf(m.dst);
            Xmm s1 = isSpilled(m.vsrc1) ? XSCRATCH1 : xmmOf(m.vsrc1);
            if (isSpilled(m.vsrc1)) {
                loadSlot(s1, m.vsrc1);
            }
            faultHere(); // the folded load's access comes next
            a.vpacked(scalarOp(m.fop, m.size == Size.S32), d, s1, addr);
            if (dSpilled) {
                storeSlot(m.dst, d);
            }
            return;
        }
        if (m.op == MOp.FALU_RM) {
            boolean dSpilled = isSpilled(m.dst);
            Xmm d = dSpilled ? XSCRATCH0 : xmmOf(m.dst);
            if (dSpilled) {
                loadSlot(d, m.dst);
            }
            faultHere(); // the folded load's access comes next
            faluMemory(m.fop, m.size == Size.S32, d, addr);
            if (dSpilled) {
                storeSlot(m.dst, d);
            }
            return;
        }
        if (m.op == MOp.CMP_RM || m.op == MOp.ALU_RM) {
            boolean dSpilled = isSpilled(m.dst);
            Gpr d = dSpilled ? SCRATCH1 : reg(m.dst);
            if (dSpilled) {
                a.mov(Size.S64, d, slot(alloc.interval(m.dst).spillSlot));
            }
            faultHere(); // the folded load's access comes next
            a.alu(m.op == MOp.CMP_RM ? AluOp.CMP : m.alu, m.size, d, addr);
            if (dSpilled && m.op == MOp.ALU_RM) {
                a.mov(Size.S64, spillStore(alloc.interval(m.dst).spillSlot), d);
            }
            return;
        }
        heapLoadOrStore(m, addr);
    }

    /**
     * For {@link #address}: on entry the spilled value r10 holds (or NONE), on exit what it holds after
     * the address ({@link #ADDRESS_SUM}: a base plus index of two spilled values).
     */
    private int addressIn = MInst.NONE;
    private static final int ADDRESS_SUM = -2;

    /**
     * The memory operand {@code [src + src2 * scale + imm]} of {@code m}, a spilled base or index loaded
     * into SCRATCH0 (unless it holds it already, {@link #addressIn}).
     */
    private Mem address(MInst m) {
        Mem addr;
        boolean bSpilled = isSpilled(m.src);
        boolean iSpilled = m.src2 != MInst.NONE && isSpilled(m.src2);
        Gpr base = bSpilled ? null : reg(m.src);
        Gpr index = iSpilled || m.src2 == MInst.NONE ? null : reg(m.src2);
        if (bSpilled && iSpilled) {
            a.mov(Size.S64, SCRATCH0, slot(alloc.interval(m.src2).spillSlot));
            if (m.scale > 1) {
                a.shiftImm(ShiftOp.SHL, Size.S64, SCRATCH0, Integer.numberOfTrailingZeros(m.scale));
            }
            a.alu(AluOp.ADD, Size.S64, SCRATCH0, slot(alloc.interval(m.src).spillSlot));
            addr = Mem.of(SCRATCH0, (int) m.imm);
            addressIn = ADDRESS_SUM;
        } else {
            int spilled = bSpilled ? m.src : iSpilled ? m.src2 : MInst.NONE;
            if (spilled != MInst.NONE) {
                if (addressIn != spilled) {
                    a.mov(Size.S64, SCRATCH0, slot(alloc.interval(spilled).spillSlot));
                }
                addressIn = spilled;
                if (bSpilled) {
                    base = SCRATCH0;
                } else {
                    index = SCRATCH0;
                }
            }
            addr = Mem.of(base, index, m.scale, (int) m.imm);
        }
        return addr;
    }

    /** A {@link MOp#HEAP_LOAD} or {@link MOp#HEAP_STORE} at {@code addr}. */
    private void heapLoadOrStore(MInst m, Mem addr) {
        boolean fp = m.op == MOp.HEAP_LOAD ? isXmmOperand(m.dst) : m.src3 != MInst.NONE && isXmmOperand(m.src3);
        if (m.op == MOp.HEAP_LOAD) {
            faultHere(); // the load comes next
            boolean dSpilled = isSpilled(m.dst);
            if (fp) {
                Xmm d = dSpilled ? XSCRATCH0 : xmmOf(m.dst);
                xload(d, addr, m.width);
                if (dSpilled) {
                    storeSlot(m.dst, d);
                }
            } else {
                Gpr d = dSpilled ? SCRATCH1 : reg(m.dst);
                if (m.width == 8 || (m.width == 4 && !m.signed)) {
                    a.mov(m.width == 8 ? Size.S64 : Size.S32, d, addr);
                } else if (m.width == 4) {
                    a.movsxd(d, addr);
                } else if (m.signed) {
                    a.movsx(m.size, d, m.width == 1 ? Size.S8 : Size.S16, addr);
                } else {
                    a.movzx(Size.S32, d, m.width == 1 ? Size.S8 : Size.S16, addr);
                }
                if (dSpilled) {
                    a.mov(Size.S64, spillStore(alloc.interval(m.dst).spillSlot), d);
                }
            }
            return;
        }
        if (m.src3 == MInst.NONE) { // a constant (MemoryLowering put it in imm2)
            faultHere();
            a.movImm(storeSize(m.width), addr, (int) m.imm2);
            return;
        }
        boolean vSpilled = isSpilled(m.src3);
        if (fp) {
            Xmm v = vSpilled ? XSCRATCH0 : xmmOf(m.src3);
            if (vSpilled) {
                loadSlot(v, m.src3);
            }
            faultHere();
            xstore(addr, v, m.width);
        } else {
            Gpr v = vSpilled ? SCRATCH1 : reg(m.src3);
            if (vSpilled) {
                a.mov(Size.S64, v, slot(alloc.interval(m.src3).spillSlot));
            }
            faultHere();
            a.mov(storeSize(m.width), addr, v);
        }
    }

    /** The operand size of an integer store of {@code width} bytes (1, 2, 4, 8). */
    private static Size storeSize(int width) {
        return switch (width) {
            case 1 -> Size.S8;
            case 2 -> Size.S16;
            case 4 -> Size.S32;
            default -> Size.S64;
        };
    }

    /** The IR access of the heap access being emitted if it relies on guard pages, else null. */
    private dev.kiln.compiler.ir.Inst faultSource;

    /**
     * Records the guard-page access whose instruction comes next as a trap site: its address is
     * what the signal handler pushes when it faults.
     */
    private void faultHere() {
        if (faultSource != null) {
            recordSite(dev.kiln.abi.FrameTable.TRAP, faultSource);
            faultSource = null;
        }
    }

    private Xmm xmmOf(int r) {
        return xmm(r);
    }

    /** {@code d = d op [at]} for a scalar f32 ({@code single}) or f64: add, sub, mul or div. */
    private void faluMemory(MInst.FloatOp op, boolean single, Xmm d, Mem at) {
        switch (op) {
            case ADD -> {
                if (single) {
                    a.addss(d, at);
                } else {
                    a.addsd(d, at);
                }
            }
            case SUB -> {
                if (single) {
                    a.subss(d, at);
                } else {
                    a.subsd(d, at);
                }
            }
            case MUL -> {
                if (single) {
                    a.mulss(d, at);
                } else {
                    a.mulsd(d, at);
                }
            }
            case DIV -> {
                if (single) {
                    a.divss(d, at);
                } else {
                    a.divsd(d, at);
                }
            }
            default -> throw new IllegalStateException("no memory form for " + op);
        }
    }

    /** The scalar (add, sub, mul, div) or bitwise (and, or, xor: packed single) form of {@code op}. */
    private static PackedOp scalarOp(MInst.FloatOp op, boolean single) {
        return switch (op) {
            case ADD -> single ? PackedOp.ADDSS : PackedOp.ADDSD;
            case SUB -> single ? PackedOp.SUBSS : PackedOp.SUBSD;
            case MUL -> single ? PackedOp.MULSS : PackedOp.MULSD;
            case DIV -> single ? PackedOp.DIVSS : PackedOp.DIVSD;
            case AND -> PackedOp.ANDPS;
            case OR -> PackedOp.ORPS;
            case XOR -> PackedOp.XORPS;
        };
    }

    private void falu(MInst.FloatOp op, boolean single, Xmm d, Xmm s) {
        switch (op) {
            case ADD -> {
                if (single) {
                    a.addss(d, s);
                } else {
                    a.addsd(d, s);
                }
            }
            case SUB -> {
                if (single) {
                    a.subss(d, s);
                } else {
                    a.subsd(d, s);
                }
            }
            case MUL -> {
                if (single) {
                    a.mulss(d, s);
                } else {
                    a.mulsd(d, s);
                }
            }
            case DIV -> {
                if (single) {
                    a.divss(d, s);
                } else {
                    a.divsd(d, s);
                }
            }
            case AND -> a.andps(d, s);
            case OR -> a.orps(d, s);
            case XOR -> a.xorps(d, s);
        }
    }

    private void ucomis(boolean single, Xmm x, Xmm y) {
        if (single) {
            a.ucomiss(x, y);
        } else {
            a.ucomisd(x, y);
        }
    }

    private void ucomis(boolean single, Xmm x, Mem y) {
        if (single) {
            a.ucomiss(x, y);
        } else {
            a.ucomisd(x, y);
        }
    }

    /**
     * Wasm {@code min}/{@code max} (spec §4.3.3 fmin/fmax): minss/maxss alone get NaNs and signed zeros
     * wrong, so equal operands (which includes -0 vs +0) are combined bitwise (or for min: -0 wins;
     * and for max: +0 wins) and unordered ones are added, which yields a quiet NaN.
     */
    private void minmax(boolean max, boolean single, Xmm d, Xmm s) {
        Label nan = a.newLabel();
        Label notEqual = a.newLabel();
        Label done = a.newLabel();
        ucomis(single, d, s);
        a.jcc(Cond.P, nan);
        a.jcc(Cond.NE, notEqual);
        if (max) {
            a.andps(d, s);
        } else {
            a.orps(d, s);
        }
        a.jmp(done);
        a.bind(notEqual);
        if (max) {
            if (single) {
                a.maxss(d, s);
            } else {
                a.maxsd(d, s);
            }
        } else {
            if (single) {
                a.minss(d, s);
            } else {
                a.minsd(d, s);
            }
        }
        a.jmp(done);
        a.bind(nan);
        falu(MInst.FloatOp.ADD, single, d, s);
        a.bind(done);
    }

    private void fcmpSet(MInst m) {
        boolean single = m.size == Size.S32;
        Gpr d = reg(m.dst);
        Xmm x = xmm(m.src);
        Xmm y = xmm(m.src2);
        switch (dev.kiln.compiler.ir.FloatCond.values()[(int) m.imm]) {
            case EQ -> {
                ucomis(single, x, y);
                a.setcc(Cond.NP, SCRATCH1);
                a.setcc(Cond.E, d);
                a.alu(AluOp.AND, Size.S8, d, SCRATCH1);
            }
            case NE -> {
                ucomis(single, x, y);
                a.setcc(Cond.P, SCRATCH1);
                a.setcc(Cond.NE, d);
                a.alu(AluOp.OR, Size.S8, d, SCRATCH1);
            }
            case LT -> {
                ucomis(single, y, x);
                a.setcc(Cond.A, d);
            }
            case GT -> {
                ucomis(single, x, y);
                a.setcc(Cond.A, d);
            }
            case LE -> {
                ucomis(single, y, x);
                a.setcc(Cond.AE, d);
            }
            case GE -> {
                ucomis(single, x, y);
                a.setcc(Cond.AE, d);
            }
        }
        a.movzx(Size.S32, d, Size.S8, d);
    }

    private void cvtsi2s(boolean single, Size intSize, Xmm d, Gpr g) {
        if (single) {
            a.cvtsi2ss(intSize, d, g);
        } else {
            a.cvtsi2sd(intSize, d, g);
        }
    }

    private void cvtts2si(int floatBits, Size intSize, Gpr d, Xmm x) {
        if (floatBits == 32) {
            a.cvttss2si(intSize, d, x);
        } else {
            a.cvttsd2si(intSize, d, x);
        }
    }

    private void convertToFloat(MInst m) {
        boolean single = m.size == Size.S32;
        Xmm d = xmm(m.dst);
        Gpr g = reg(m.src);
        a.xorps(d, d); // cvtsi2s* only writes the low lane: break the dependency on d's old value
        if (m.signed) {
            cvtsi2s(single, m.imm == 32 ? Size.S32 : Size.S64, d, g);
        } else if (m.imm == 32) {
            a.mov(Size.S32, SCRATCH1, g); // zero-extends: the u32 is a non-negative i64
            cvtsi2s(single, Size.S64, d, SCRATCH1);
        } else {
            // u64 >= 2^63: halve with the lost bit kept as a sticky bit (round to odd), convert, double
            Label big = a.newLabel();
            Label done = a.newLabel();
            a.test(Size.S64, g, g);
            a.jcc(Cond.S, big);
            cvtsi2s(single, Size.S64, d, g);
            a.jmp(done);
            a.bind(big);
            Label even = a.newLabel();
            a.mov(Size.S64, SCRATCH1, g);
            a.shiftImm(ShiftOp.SHR, Size.S64, SCRATCH1, 1);
            a.jcc(Cond.AE, even);
            a.aluImm(AluOp.OR, Size.S64, SCRATCH1, 1);
            a.bind(even);
            cvtsi2s(single, Size.S64, d, SCRATCH1);
            falu(MInst.FloatOp.ADD, single, d, d);
            a.bind(done);
        }
    }

    /** Float to integer truncation, trapping (spec §4.3.3 trunc) or saturating (trunc_sat). */
    private void convertToInt(MInst m) {
        int fb = (int) m.imm;
        boolean single = fb == 32;
        Size is = m.size;
        Gpr d = reg(m.dst);
        Xmm x = xmm(m.src);
        Label done = a.newLabel();
        if (m.signed) {
            cvtts2si(fb, is, d, x);
            a.aluImm(AluOp.CMP, is, d, 1); // overflows only for the "integer indefinite" MIN result
            a.jcc(Cond.NO, done);
            if (!m.saturating) {
                ucomis(single, x, x);
                jccTrap(Cond.P, TrapCode.INVALID_CONVERSION_TO_INTEGER);
                if (fb == 64 && is == Size.S32) {
                    // MIN is right for (-2^31 - 1, -2^31]
                    ucomis(false, x, floatConst(64, -2147483649.0));
                    jccTrap(Cond.BE, TrapCode.INTEGER_OVERFLOW);
                    ucomis(false, x, floatConst(64, -2147483648.0));
                    jccTrap(Cond.A, TrapCode.INTEGER_OVERFLOW);
                } else {
                    // the only float that truncates to MIN is -2^(N-1) itself
                    ucomis(single, x, floatConst(fb, is == Size.S32 ? -2147483648.0 : -9223372036854775808.0));
                    jccTrap(Cond.NE, TrapCode.INTEGER_OVERFLOW);
                }
            } else {
                Label nan = a.newLabel();
                ucomis(single, x, x);
                a.jcc(Cond.P, nan);
                ucomis(single, x, floatConst(fb, 0.0));
                a.jcc(Cond.BE, done); // negative overflow: MIN is the saturated value
                a.movImm(is, d, is == Size.S32 ? Integer.MAX_VALUE : Long.MAX_VALUE);
                a.jmp(done);
                a.bind(nan);
                a.alu(AluOp.XOR, Size.S32, d, d);
            }
            a.bind(done);
            return;
        }
        Label zero = a.newLabel();
        Label max = a.newLabel();
        if (!m.saturating) {
            ucomis(single, x, x);
            jccTrap(Cond.P, TrapCode.INVALID_CONVERSION_TO_INTEGER);
            ucomis(single, x, floatConst(fb, -1.0));
            jccTrap(Cond.BE, TrapCode.INTEGER_OVERFLOW);
            ucomis(single, x, floatConst(fb, is == Size.S32 ? 4294967296.0 : 18446744073709551616.0));
            jccTrap(Cond.AE, TrapCode.INTEGER_OVERFLOW);
        } else {
            ucomis(single, x, floatConst(fb, -1.0));
            a.jcc(Cond.BE, zero); // also taken for NaN (unordered sets CF and ZF)
            ucomis(single, x, floatConst(fb, is == Size.S32 ? 4294967296.0 : 18446744073709551616.0));
            a.jcc(Cond.AE, max);
        }
        if (is == Size.S32) {
            cvtts2si(fb, Size.S64, d, x); // in [0, 2^32): exact in 64 bits
        } else {
            Label big = a.newLabel();
            ucomis(single, x, floatConst(fb, 9223372036854775808.0));
            a.jcc(Cond.AE, big);
            cvtts2si(fb, Size.S64, d, x);
            a.jmp(done);
            a.bind(big);
            a.movaps(XSCRATCH1, x);
            if (single) {
                a.subss(XSCRATCH1, floatConst(32, 9223372036854775808.0));
            } else {
                a.subsd(XSCRATCH1, floatConst(64, 9223372036854775808.0));
            }
            cvtts2si(fb, Size.S64, d, XSCRATCH1);
            a.movImm(Size.S64, SCRATCH1, Long.MIN_VALUE);
            a.alu(AluOp.XOR, Size.S64, d, SCRATCH1);
        }
        a.jmp(done);
        if (m.saturating) {
            a.bind(max);
            a.movImm(is, d, -1);
            a.jmp(done);
            a.bind(zero);
            a.alu(AluOp.XOR, Size.S32, d, d);
        }
        a.bind(done);
    }

    /**
     * The 128-bit vector instructions (SSE4.1 is the baseline of {@code SimdLowering}; an SSE4.1 CPU
     * has SSSE3 too, so requiring SSE4.1 covers pshufb, palignr, pabs*, pmulhrsw and pmaddubsw).
     */
    private void vector(MInst m) {
        require(CpuFeature.SSE4_1, "128-bit SIMD");
        if (m.packed != null && m.packed.needsAvx2()) {
            require(CpuFeature.AVX2, m.packed.vexMnemonic());
        }
        switch (m.op) {
            case VPACKED -> {
                if (m.vsrc1 != MInst.NONE && m.packed.hasImm8()) {
                    a.vpacked(m.packed, xmm(m.dst), xmm(m.vsrc1), xmm(m.src), (int) m.imm);
                } else if (m.vsrc1 != MInst.NONE) {
                    a.vpacked(m.packed, xmm(m.dst), xmm(m.vsrc1), xmm(m.src));
                } else if (m.packed.hasImm8()) {
                    a.packed(m.packed, xmm(m.dst), xmm(m.src), (int) m.imm);
                } else {
                    a.packed(m.packed, xmm(m.dst), xmm(m.src));
                }
            }
            case VPACKED_CONST -> {
                Mem c = Mem.rip(vectorConstant(m.imm, m.imm2));
                if (m.vsrc1 != MInst.NONE && m.packed.hasImm8()) {
                    a.vpacked(m.packed, xmm(m.dst), xmm(m.vsrc1), c, (int) m.imm);
                } else if (m.vsrc1 != MInst.NONE) {
                    a.vpacked(m.packed, xmm(m.dst), xmm(m.vsrc1), c);
                } else if (m.packed.hasImm8()) {
                    a.packed(m.packed, xmm(m.dst), c, (int) m.imm);
                } else {
                    a.packed(m.packed, xmm(m.dst), c);
                }
            }
            case VCONST -> {
                Xmm d = xmm(m.dst);
                if (m.imm == 0 && m.imm2 == 0) {
                    a.packed(PackedOp.PXOR, d, d);
                } else if (m.imm == -1 && m.imm2 == -1) {
                    a.packed(PackedOp.PCMPEQD, d, d);
                } else {
                    a.movups(d, Mem.rip(vectorConstant(m.imm, m.imm2)));
                }
            }
            case VSHIFT -> {
                if (m.vsrc1 != MInst.NONE) {
                    a.packedShift(m.pshift, xmm(m.dst), xmm(m.vsrc1), (int) m.imm);
                } else {
                    a.packedShift(m.pshift, xmm(m.dst), (int) m.imm);
                }
            }
            case PEXTR -> a.pextr(m.width, reg(m.dst), xmm(m.src), (int) m.imm);
            case PINSR -> a.pinsr(m.width, xmm(m.dst), m.vsrc1 != MInst.NONE ? xmm(m.vsrc1) : xmm(m.dst), reg(m.src),
                    (int) m.imm);
            case VMOVMSK -> {
                switch (m.width) {
                    case 1 -> a.pmovmskb(reg(m.dst), xmm(m.src));
                    case 4 -> a.movmskps(reg(m.dst), xmm(m.src));
                    default -> a.movmskpd(reg(m.dst), xmm(m.src));
                }
            }
            default -> throw new IllegalStateException("not a vector instruction: " + m);
        }
    }

    private void require(CpuFeature f, String what) {
        if (!features.contains(f)) {
            throw new dev.kiln.abi.CompileException(what + " needs a CPU with " + f
                    + ", which this machine does not report; compiling without it is not supported yet");
        }
        used |= f.bit();
    }

    /**
     * clz/ctz/popcnt: lzcnt/tzcnt/popcnt when the CPU has them (recorded in the artifact), else
     * bsr/bsf, which leave the destination undefined for 0: that case is patched with a cmov.
     */
    private void bitCount(MInst m) {
        Size s = m.size;
        Gpr d = reg(m.dst);
        Gpr x = reg(m.src);
        int bits = s == Size.S32 ? 32 : 64;
        switch ((int) m.imm) {
            case 0 -> {
                if (features.contains(CpuFeature.LZCNT)) {
                    used |= CpuFeature.LZCNT.bit();
                    a.lzcnt(s, d, x);
                } else {
                    a.bsr(s, d, x);
                    a.movImm(Size.S32, SCRATCH1, 2 * bits - 1);
                    a.cmov(Cond.E, s, d, SCRATCH1);
                    a.aluImm(AluOp.XOR, s, d, bits - 1);
                }
            }
            case 1 -> {
                if (features.contains(CpuFeature.BMI1)) {
                    used |= CpuFeature.BMI1.bit();
                    a.tzcnt(s, d, x);
                } else {
                    a.bsf(s, d, x);
                    a.movImm(Size.S32, SCRATCH1, bits);
                    a.cmov(Cond.E, s, d, SCRATCH1);
                }
            }
            default -> {
                require(CpuFeature.POPCNT, "popcnt");
                a.popcnt(s, d, x);
            }
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
        List<MachBlock<MInst>> targets = m.tableTargets;
        int cases = targets.size() - 1;
        MachBlock<MInst> dflt = targets.get(cases);
        if (isSpilled(m.src)) {
            a.mov(Size.S32, SCRATCH1, idx); // reloaded into a scratch register the table address needs
            idx = SCRATCH1;
        }
        // an i32 in a register is zero-extended (see Lowering), so it indexes the table as it is
        a.aluImm(AluOp.CMP, Size.S32, idx, cases);
        a.jcc(Cond.AE, label(dflt));
        Label table = a.newLabel();
        a.lea(Size.S64, SCRATCH0, Mem.rip(table));
        a.movsxd(SCRATCH1, Mem.of(SCRATCH0, idx, 4, 0));
        a.alu(AluOp.ADD, Size.S64, SCRATCH0, SCRATCH1);
        a.jmp(SCRATCH0);
        tableLabels.add(table);
        tables.add(targets.subList(0, cases));
    }

    // ---- parallel moves -------------------------------------------------------------------------

    /** A location: a register or a spill slot ({@code SLOT_BASE + slot}), see {@link LinearScan#location}. */
    private static final int SLOT_BASE = LinearScan.SLOT_BASE;

    private int loc(int vreg) {
        LinearScan.Interval it = alloc.interval(vreg);
        if (it == null) {
            return -1; // never live: the move is dead
        }
        return LinearScan.location(it);
    }

    private void parallelMove(MInst m) {
        int n = m.pdst.length;
        List<int[]> moves = new ArrayList<>(); // {dst, src}
        List<long[]> consts = new ArrayList<>(); // {dst, value}
        for (int i = 0; i < n; i++) {
            int dst = loc(m.pdst[i]);
            if (dst < 0 || dst >= SLOT_BASE && isRematSlot(dst - SLOT_BASE)) {
                continue; // never live, or a rematerialized value's home: nothing to write
            }
            if (m.psrc[i] == MInst.NONE) {
                // an i32 constant stays zero-extended in its register (Lowering's invariant)
                consts.add(new long[] {dst, m.psize[i] == Size.S32 ? m.pconst[i] & 0xFFFF_FFFFL : m.pconst[i]});
            } else {
                int src = loc(m.psrc[i]);
                if (src >= 0) {
                    moves.add(new int[] {dst, src});
                }
            }
        }
        // a cycle parks one value in a scratch register of its class
        ParallelMoves.sequentialize(moves,
                mv -> isXmmMove(mv) ? MInst.XMM_BASE + XSCRATCH1.encoding() : SCRATCH1.encoding(), this::moveLoc);
        for (long[] c : consts) {
            int dst = (int) c[0];
            if (dst >= SLOT_BASE) {
                Mem slot = spillStore(dst - SLOT_BASE);
                if (c[1] == (int) c[1]) {
                    a.movImm(Size.S64, slot, (int) c[1]);
                } else {
                    a.movImm(Size.S64, SCRATCH0, c[1]);
                    a.mov(Size.S64, slot, SCRATCH0);
                    wroteScratch0 = true;
                }
            } else if (dst >= MInst.XMM_BASE) {
                Xmm x = Xmm.of(dst - MInst.XMM_BASE);
                if (c[1] == 0) {
                    a.xorps(x, x);
                } else {
                    a.movsd(x, Mem.rip(constant(Size.S64, c[1]))); // f32 bits are zero-extended: movsd loads them too
                }
            } else {
                movImmOrZero(Size.S64, Gpr.of(dst), c[1]);
            }
        }
    }

    private static boolean isXmmLoc(int loc) {
        return loc >= MInst.XMM_BASE && loc < SLOT_BASE;
    }

    private static boolean isXmmMove(int[] mv) {
        return isXmmLoc(mv[0]) || isXmmLoc(mv[1]);
    }

    /**
     * Copies a value between registers of one class and spill slots (a float's bits are its value; 8
     * bytes, all 16 from or to a v128's slot).
     */
    private void moveLoc(int dst, int src) {
        if (dst == src) {
            return;
        }
        boolean dSlot = dst >= SLOT_BASE;
        boolean sSlot = src >= SLOT_BASE;
        if (dSlot && sSlot && alloc.slotBytes(src - SLOT_BASE) == 16) {
            a.movups(XSCRATCH0, slot(src - SLOT_BASE));
            a.movups(spillStore(dst - SLOT_BASE), XSCRATCH0);
        } else if (dSlot && sSlot) {
            a.mov(Size.S64, SCRATCH0, slot(src - SLOT_BASE));
            a.mov(Size.S64, spillStore(dst - SLOT_BASE), SCRATCH0);
            wroteScratch0 = true;
        } else if (dSlot) {
            if (isXmmLoc(src)) {
                xstore(spillStore(dst - SLOT_BASE), Xmm.of(src - MInst.XMM_BASE), alloc.slotBytes(dst - SLOT_BASE));
            } else {
                a.mov(Size.S64, spillStore(dst - SLOT_BASE), Gpr.of(src));
            }
        } else if (sSlot) {
            if (isXmmLoc(dst)) {
                xload(Xmm.of(dst - MInst.XMM_BASE), slot(src - SLOT_BASE), alloc.slotBytes(src - SLOT_BASE));
            } else {
                a.mov(Size.S64, Gpr.of(dst), slot(src - SLOT_BASE));
            }
        } else if (isXmmLoc(dst)) {
            a.movaps(Xmm.of(dst - MInst.XMM_BASE), Xmm.of(src - MInst.XMM_BASE));
        } else {
            a.mov(Size.S64, Gpr.of(dst), Gpr.of(src));
        }
    }
}
