package dev.kiln.compiler.translate;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMMemoryDefinition;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.VMTableDefinition;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.abi.ExceptionTables;
import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.ExceptionOpcodes;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.Opcode;
import dev.kiln.compiler.wasm.WasmModule;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates one validated Wasm function body into SSA IR (DESIGN §2 step 3).
 *
 * <p>Wasm's structured control maps onto blocks directly: a {@code block} or {@code if} gets a
 * continuation block whose parameters are the block's results; a {@code loop} gets a header block
 * whose parameters are the loop's parameters; branches pass the operand-stack values as block
 * arguments. Locals go through {@link SsaBuilder} (Braun et al. 2013): each block is sealed as soon
 * as all its predecessors are known (a loop header at the loop's {@code end}). Code after an
 * unconditional branch is skipped. Operations that may trap in Wasm become IR operations that trap
 * ({@link Op#SDIV}, ...) or an explicit {@link Op#TRAP}.
 *
 * <p>The input must already be valid: the translator trusts the validator for types and stack
 * heights. Instructions the backend does not handle yet fail with a {@link CompileException} naming
 * the function index, byte offset and instruction. Not thread-safe; use one instance per function.
 */
public final class FunctionTranslator {
    private final WasmModule module;
    private final byte[] bytes;
    private final int funcIndex;
    private final FuncType type;
    private final IrFunction function;
    private final VMContextLayout layout;
    private final java.util.function.IntFunction<CallLowering> intrinsics;
    private final List<Value> stack = new ArrayList<>();
    private final List<Frame> frames = new ArrayList<>();
    private SsaBuilder ssa;
    private Block cur;
    /** Epoch interruption: an {@link Op#EPOCH_CHECK} at the entry and at every loop header. */
    private boolean epochChecks;
    /** The store context (defined in the entry block when epoch checks or fuel need it), else null. */
    private Value storeContext;
    /** Fuel metering: a charge at the start of every basic block (see {@link #fuelCost} and {@link #translate}). */
    private boolean fuel;
    /**
     * The SSA variable (after the Wasm locals) holding the store's fuel consumed while the function
     * runs; it lives in memory ({@code VMStoreContext.FUEL_CONSUMED}) only across calls and returns.
     */
    private int fuelVar = -1;
    /** Guard-page bounds checks: loads and stores of 32-bit memories whose reservation covers them go unchecked. */
    private boolean guardPages;
    /** Whether the last {@link #checkedAddress} relied on guard pages instead of emitting a check. */
    private boolean lastAccessGuardPage;
    private final SimdTranslator simd = new SimdTranslator(this);
    /**
     * The open charge of the current basic block: its cost constant (patched when the block ends),
     * the trap that checks it, and the cost so far.
     */
    private Block fuelBlock;
    private Inst fuelCost;
    private Inst fuelCheck;
    private long fuelCount;
    /** The call the current Wasm instruction emitted, if it emitted one (for its exception check). */
    private Inst lastCall;

    /** A Wasm control frame (spec §3.3.5 "Control Instructions", validation algorithm ctrl frame). */
    private static final class Frame {
        final Opcode kind; // BLOCK, LOOP, IF, ELSE; null for the function body
        final FuncType blockType;
        final int height;
        final Block label;  // where br goes: the loop header, else the continuation
        final Block end;    // the continuation; null for a loop (it falls through)
        final boolean reachable;
        Block elseBlock;
        List<Value> ifParams;
        boolean sawElse;
        /** The handler of a {@code try_table} or legacy {@code try}, else null. */
        TryScope tryScope;

        Frame(Opcode kind, FuncType blockType, int height, Block label, Block end, boolean reachable) {
            this.kind = kind;
            this.blockType = blockType;
            this.height = height;
            this.label = label;
            this.end = end;
            this.reachable = reachable;
        }

        int branchArity() {
            return kind == Opcode.LOOP ? blockType.params().size() : blockType.results().size();
        }
    }

    private FunctionTranslator(WasmModule module, byte[] bytes, int funcIndex, String name, VMContextLayout layout,
            java.util.function.IntFunction<CallLowering> intrinsics) {
        this.module = module;
        this.intrinsics = intrinsics;
        this.layout = layout;
        this.bytes = bytes;
        this.funcIndex = funcIndex;
        this.type = module.functionType(funcIndex);
        this.function = new IrFunction(funcIndex, name, type);
    }

    /**
     * Translates defined function {@code funcIndex} (a funcidx of the whole index space, so imports
     * come first) of {@code module}, whose binary is {@code bytes}.
     *
     * @param name   display name for the IR function, e.g. {@code wasm[3]::fac}
     * @param layout the module's VMContext layout (where memories, globals and data segments are)
     * @throws CompileException if the body uses an instruction not supported yet
     */
    public static IrFunction translate(WasmModule module, byte[] bytes, int funcIndex, String name,
            VMContextLayout layout) {
        return translate(module, bytes, funcIndex, name, layout, f -> null);
    }

    /**
     * Like {@link #translate(WasmModule, byte[], int, String, VMContextLayout)}, but every direct
     * {@code call} of a funcidx for which {@code intrinsics} gives a {@link CallLowering} is replaced
     * in place by what that lowering emits (the unsafe intrinsics of DESIGN §4).
     *
     * @param intrinsics the lowering of calls to a funcidx, or {@code null} for an ordinary call
     * @throws CompileException if the body uses an instruction not supported yet
     */
    public static IrFunction translate(WasmModule module, byte[] bytes, int funcIndex, String name,
            VMContextLayout layout, java.util.function.IntFunction<CallLowering> intrinsics) {
        return translate(module, bytes, funcIndex, name, layout, intrinsics, false, false);
    }

    /**
     * Like {@link #translate(WasmModule, byte[], int, String, VMContextLayout, java.util.function.IntFunction)},
     * with the checks that contain a guest (DESIGN §3) built in as IR, so the optimizer sees them and
     * keeps them where they are (both have side effects).
     *
     * <p>Epoch interruption puts an {@link Op#EPOCH_CHECK} at the function entry and at the top of
     * every loop header (so every back edge passes one). Fuel metering charges every basic block the
     * Wasm structure creates (the function entry, a loop header, the arms of an {@code if}, the
     * continuation after {@code end} and the fall-through of {@code br_if}) at its start: it adds the
     * block's cost to an SSA variable holding the store's fuel consumed (the negated fuel left) and
     * traps with {@code all fuel consumed} once that is positive. The variable is loaded from the store
     * context at the function entry and after every call, and stored back before every call, return,
     * tail call and throw, so a check is an add and a branch on a register (Wasmtime's scheme); a
     * trap other than running out of fuel leaves the fuel its frames consumed since their last call
     * uncharged. The cost is the number of Wasm instructions of the block, each costing
     * 1 except {@code nop}, {@code drop}, {@code block}, {@code loop}, {@code unreachable},
     * {@code return}, {@code else} and {@code end}, which cost 0 (Wasmtime's table). A block is
     * charged in full on entry, before any of its instructions runs, so a trap or call inside it
     * does not change what was charged and the fuel used by a call is the same on every run. (The
     * optimizer may hoist a loop-invariant trap above a loop header's charge and check, so a call
     * that traps there may be charged one block less; a call that returns is charged exactly.)
     *
     * @param epochChecks compile epoch checks in
     * @param fuel        compile fuel charges in
     */
    public static IrFunction translate(WasmModule module, byte[] bytes, int funcIndex, String name,
            VMContextLayout layout, java.util.function.IntFunction<CallLowering> intrinsics, boolean epochChecks,
            boolean fuel) {
        FunctionTranslator t = new FunctionTranslator(module, bytes, funcIndex, name, layout, intrinsics);
        t.epochChecks = epochChecks;
        t.fuel = fuel;
        t.run();
        return t.function;
    }

    /**
     * Like {@link #translate(WasmModule, byte[], int, String, VMContextLayout, java.util.function.IntFunction,
     * boolean, boolean)}, with loads and stores of 32-bit memories bounds-checked as {@code boundsChecks}
     * says: {@link dev.kiln.abi.BoundsChecks#GUARD} emits no check where the memory's reservation covers
     * the access ({@link dev.kiln.abi.GuardHandlerLayout#MAX_UNCHECKED_OFFSET_PLUS_SIZE}); the backend
     * must then have a guard-page signal handler. Bulk memory instructions and 64-bit memories keep
     * their explicit checks.
     */
    public static IrFunction translate(WasmModule module, byte[] bytes, int funcIndex, String name,
            VMContextLayout layout, java.util.function.IntFunction<CallLowering> intrinsics, boolean epochChecks,
            boolean fuel, dev.kiln.abi.BoundsChecks boundsChecks) {
        FunctionTranslator t = new FunctionTranslator(module, bytes, funcIndex, name, layout, intrinsics);
        t.epochChecks = epochChecks;
        t.fuel = fuel;
        t.guardPages = boundsChecks == dev.kiln.abi.BoundsChecks.GUARD;
        t.run();
        return t.function;
    }

    /** The fuel a Wasm instruction costs (Wasmtime's table: control bookkeeping is free). */
    static int fuelCost(Opcode op) {
        return switch (op) {
            case NOP, DROP, BLOCK, LOOP, UNREACHABLE, RETURN, ELSE, END -> 0;
            default -> 1;
        };
    }

    /** At the start of a basic block: the epoch check (entry and loop headers) and the fuel charge. */
    private void enterBlock(boolean epochCheck) {
        if (epochChecks && epochCheck) {
            cur.append(Op.EPOCH_CHECK, List.of(), 0, null, null, List.of());
        }
        if (fuel) {
            closeFuelCharge();
            fuelBlock = cur;
            fuelCount = 0;
            fuelCost = cur.append(Op.ICONST, List.of(), 0, null, null, List.of(IrType.I64)); // patched at the end
            Value consumed = cur.append1(Op.IADD, IrType.I64, 0, ssa.read(fuelVar, cur), fuelCost.result());
            fuelCheck = cur.append(Op.TRAPIF, List.of(consumed, cur.append1(Op.ICONST, IrType.I64, 0)),
                    TrapCode.OUT_OF_FUEL.code(), Cond.SGT, null, List.of());
            ssa.write(fuelVar, cur, consumed);
        }
    }

    /**
     * Gives the open charge its final cost, or drops its check when its block had nothing to pay
     * for (the add of 0 then folds away).
     */
    private void closeFuelCharge() {
        if (fuelCost == null) {
            return;
        }
        ArrayList<Inst> insts = fuelBlock.insts();
        if (fuelCount == 0) {
            insts.remove(fuelCheck);
        } else {
            Value cost = fuelBlock.replace(insts.indexOf(fuelCost), Op.ICONST, List.of(), fuelCount, null,
                    List.of(IrType.I64)).result();
            fuelCost.result().aliasTo(cost);
        }
        fuelCost = null;
        fuelCheck = null;
    }

    /** Before a call, return, tail call or throw: the fuel consumed goes to the store context, where the callee or host reads it. */
    private void flushFuel(Block b) {
        if (fuel) {
            b.append(Op.STORE, List.of(storeContext, b.append1(Op.ICONST, IrType.I64, 0), ssa.read(fuelVar, b)),
                    VMStoreContext.FUEL_CONSUMED, null, null, List.of()).withAux(8 | Op.RUNTIME);
        }
    }

    /** At the entry and after a call: the fuel consumed, as the callee or host left it. */
    private void reloadFuel() {
        if (fuel) {
            ssa.write(fuelVar, cur, runtimeLoad(storeContext, VMStoreContext.FUEL_CONSUMED, IrType.I64, 8));
        }
    }

    private CompileException unsupported(Opcode op, int offset) {
        return new CompileException("instruction " + op.mnemonic() + " is not supported yet (in function "
                + funcIndex + ", at byte offset " + offset + ")");
    }

    private void run() {
        FunctionBody body = module.code().get(funcIndex - module.importedFunctionCount());
        List<IrType> varTypes = new ArrayList<>();
        for (ValType p : type.params()) {
            varTypes.add(IrType.of(p));
        }
        for (FunctionBody.LocalDecl decl : body.localDecls()) {
            for (long i = 0; i < decl.count(); i++) {
                varTypes.add(IrType.of(decl.type()));
            }
        }
        if (fuel) {
            fuelVar = varTypes.size();
            varTypes.add(IrType.I64);
        }
        ssa = new SsaBuilder(function, varTypes.toArray(new IrType[0]));

        Block entry = function.newBlock();
        function.place(entry);
        for (ValType p : type.params()) {
            entry.addParam(IrType.of(p));
        }
        ssa.declareBlock(entry);
        ssa.seal(entry);
        for (int i = 0; i < type.params().size(); i++) {
            ssa.write(i, entry, entry.params().get(i));
        }
        for (int i = type.params().size(); i < varTypes.size(); i++) {
            if (i != fuelVar) {
                ssa.write(i, entry, SsaBuilder.zero(entry, varTypes.get(i)));
            }
        }
        cur = entry;
        if (fuel) {
            storeContext = cur.append1(Op.VMCTX_LOAD, IrType.I64, VMContextLayout.STORE_CONTEXT);
        }
        if (fuel) {
            reloadFuel();
        }
        enterBlock(true);

        Block ret = function.newBlock();
        for (ValType r : type.results()) {
            ret.addParam(IrType.of(r));
        }
        ssa.declareBlock(ret);
        frames.add(new Frame(null, new FuncType(List.of(), type.results()), 0, ret, ret, true));

        CodeReader r = new CodeReader(bytes, body.codeStart(), body.codeEnd());
        function.setBodyOffset(body.codeStart());
        while (r.hasNext()) {
            function.setSourceOffset(r.position()); // where the instruction read next starts
            int offset = r.offset();
            Opcode op = r.next();
            Block before = cur;
            if (cur == null) {
                skipUnreachable(op, r);
            } else {
                if (fuel) {
                    fuelCount += fuelCost(op);
                }
                lastCall = null;
                translate(op, r, offset);
                if (cur != null && (op == Opcode.CALL || op == Opcode.CALL_INDIRECT || op == Opcode.CALL_REF)) {
                    checkPendingException();
                }
            }
            if (cur != null && cur != before && op != Opcode.LOOP) {
                enterBlock(false); // a new basic block: if arm, else arm, continuation, br_if fall-through
            }
            if (frames.isEmpty()) {
                break;
            }
        }
        closeFuelCharge();
        function.setSourceOffset(-1);
        ssa.finish();
    }

    // ---- typed function references (Wasm 3.0) -------------------------------------------------

    /** {@code ref.as_non_null}: traps with {@code null reference} on null; the operand stays. */
    private void refAsNonNull() {
        Value ref = stack.get(stack.size() - 1);
        cur.append(Op.TRAPIF, List.of(ref, cur.append1(Op.ICONST, IrType.I64, 0)),
                TrapCode.NULL_REFERENCE.code(), Cond.EQ, null, List.of());
    }

    /** {@code br_on_null l}: branches to {@code l} (without the reference) if it is null, else keeps it. */
    private void brOnNull(int depth) {
        Value ref = pop();
        Frame f = frameAt(depth);
        Value isNull = cur.append(Op.ICMP, List.of(ref, cur.append1(Op.ICONST, IrType.I64, 0)), 0, Cond.EQ, null,
                List.of(IrType.I32)).result();
        branchIf(isNull, f, peekN(f.branchArity()));
        push(ref);
    }

    /** {@code br_on_non_null l}: branches to {@code l} with the reference if it is not null, else drops it. */
    private void brOnNonNull(int depth) {
        Value ref = pop();
        Frame f = frameAt(depth);
        Value nonNull = cur.append(Op.ICMP, List.of(ref, cur.append1(Op.ICONST, IrType.I64, 0)), 0, Cond.NE, null,
                List.of(IrType.I32)).result();
        List<Value> args = peekN(f.branchArity() - 1);
        args.add(ref);
        branchIf(nonNull, f, args);
    }

    /** Branches to frame {@code f}'s label with {@code args} when {@code c} is non-zero, else falls through. */
    private void branchIf(Value c, Frame f, List<Value> args) {
        branchIf(c, f.label, args);
    }

    /** Branches to {@code target} with {@code args} when {@code c} is non-zero, else falls through. */
    private void branchIf(Value c, Block target, List<Value> args) {
        Block cont = newBlockWithParams(List.of());
        BlockCall taken = ssa.branch(cur, target, args);
        BlockCall fall = ssa.branch(cur, cont, List.of());
        cur.append(Op.BRIF, List.of(c), 0, null, List.of(taken, fall), List.of());
        ssa.seal(cont);
        cur = cont;
        function.place(cur);
    }

    /**
     * {@code call_ref typeidx}: traps with {@code null function reference} on null, then calls through
     * the function record (validation guarantees its type is {@code typeidx}).
     */
    private void callRef(int typeIndex) {
        FuncType ct = module.types().get(typeIndex);
        Value ref = pop();
        cur.append(Op.TRAPIF, List.of(ref, cur.append1(Op.ICONST, IrType.I64, 0)),
                TrapCode.NULL_FUNCTION_REFERENCE.code(), Cond.EQ, null, List.of());
        List<Value> args = popN(ct.params().size());
        args.add(ref);
        List<IrType> results = new ArrayList<>();
        for (ValType t : ct.results()) {
            results.add(IrType.of(t));
        }
        flushFuel(cur);
        Inst call = lastCall = cur.append(Op.CALL_REF, args, typeIndex, null, null, results);
        reloadFuel();
        stack.addAll(call.results());
    }

    /**
     * {@code return_call_ref typeidx}: the null check of {@link #callRef}, then a tail call through the
     * function record ({@link Op#RETURN_CALL_REF}), which ends the block.
     */
    private void returnCallRef(int typeIndex) {
        FuncType ct = module.types().get(typeIndex);
        Value ref = pop();
        cur.append(Op.TRAPIF, List.of(ref, cur.append1(Op.ICONST, IrType.I64, 0)),
                TrapCode.NULL_FUNCTION_REFERENCE.code(), Cond.EQ, null, List.of());
        List<Value> args = popN(ct.params().size());
        args.add(ref);
        flushFuel(cur);
        cur.append(Op.RETURN_CALL_REF, args, typeIndex, null, null, List.of());
        cur = null;
    }

    // ---- exception handling (Wasm 3.0 §3.3.8, §4.4.8; the legacy try/catch/delegate encoding) ----------
    //
    // An exception is a runtime object at a host address (an exnref): u64 tag identity at
    // ExceptionTables.EXN_TAG, the payload in 8-byte slots from ExceptionTables.EXN_PAYLOAD. A throw
    // allocates it (libcall exn_new) and stores the payload. A throw inside a try_table of this function
    // branches to the handler's dispatch block; anywhere else it is a throw_ref terminator, which the
    // runtime unwinds from. A call inside a try_table is marked IN_TRY: the runtime resumes right after
    // it with the exception in the store context, and the check after the call branches to the dispatch.

    /**
     * The handler of one {@code try_table} (its catch clauses) or legacy {@code try}: its dispatch block
     * (created at the first throw or call that may reach it; parameter: the exception's address)
     * compares the exception's tag with each clause's in order.
     */
    private static final class TryScope {
        final int frameIndex;
        final boolean legacy;
        final List<int[]> clauses = new ArrayList<>(); // {kind, tagidx}
        final List<Frame> targets = new ArrayList<>();
        Block dispatch;
        /** Legacy {@code try}: where the next handler's tag check goes (null once catch_all took it all). */
        Block miss;
        /** Whether {@link #miss} has been placed in the function (the dispatch block itself is). */
        boolean missPlaced;
        /** Legacy {@code try}: the exception the handler being translated caught ({@code rethrow}). */
        Value caught;

        TryScope(int frameIndex, boolean legacy) {
            this.frameIndex = frameIndex;
            this.legacy = legacy;
        }
    }

    /** Handlers whose try body is being translated, innermost last. */
    private final List<TryScope> tries = new ArrayList<>();

    /** The innermost handler among the first {@code limit} of {@link #tries} that can catch, or null. */
    private TryScope catchingScope(int limit) {
        for (int i = limit - 1; i >= 0; i--) {
            TryScope s = tries.get(i);
            if (s.legacy || !s.clauses.isEmpty()) {
                return s;
            }
        }
        return null;
    }

    private Block dispatchOf(TryScope s) {
        if (s.dispatch == null) {
            s.dispatch = function.newBlock();
            s.dispatch.addParam(IrType.I64);
            ssa.declareBlock(s.dispatch);
        }
        return s.dispatch;
    }

    /** Throws {@code exn} to the innermost catching handler among the first {@code limit} scopes, or out of the function. */
    private void throwTo(Value exn, int limit) {
        TryScope s = catchingScope(limit);
        if (s != null) {
            jump(dispatchOf(s), List.of(exn));
        } else {
            flushFuel(cur);
            cur.append(Op.THROW_REF, List.of(exn), 0, null, null, List.of());
        }
        cur = null;
    }

    /** {@code throw tagidx}: allocates the exception, stores the payload and throws it. */
    private void throwTag(int tagidx) {
        FuncType tt = module.types().get(module.tagTypeIndex(tagidx));
        List<Value> payload = popN(tt.params().size());
        if (catchDirectly(tagidx, payload)) {
            return;
        }
        Value exn = cur.append(Op.LIBCALL, List.of(iconst32(tagidx)), VMContextLayout.LIBCALL_EXN_NEW, null, null,
                List.of(IrType.I64)).result();
        Value zero = cur.append1(Op.ICONST, IrType.I64, 0);
        for (int i = 0; i < payload.size(); i++) {
            Value v = payload.get(i);
            cur.append(Op.STORE, List.of(exn, zero, v), ExceptionTables.payloadOffset(i), null, null, List.of())
                    .withAux(payloadWidth(tt.params().get(i), tagidx) | Op.RUNTIME);
        }
        throwTo(exn, tries.size());
    }

    /**
     * A throw whose innermost handler is a {@code try_table} of this function with a clause that
     * surely catches it and takes only the payload ({@code catch} of the same tag, or {@code catch_all}),
     * with no {@code catch_ref}/{@code catch_all_ref} before it: a branch to the label with the payload,
     * no exception object. A {@code catch} of another tag before it is skipped when both tags are
     * defined (distinct identities) and compared at run time when both are imported (they may be the
     * same tag). Returns false, having emitted nothing, when the exception object is needed.
     */
    private boolean catchDirectly(int tagidx, List<Value> payload) {
        TryScope s = catchingScope(tries.size());
        if (s == null || s.legacy) {
            return false;
        }
        int sure = -1;
        for (int i = 0; i < s.clauses.size() && sure < 0; i++) {
            int kind = s.clauses.get(i)[0];
            int tag = s.clauses.get(i)[1];
            if (kind == ExceptionOpcodes.CATCH_REF || kind == ExceptionOpcodes.CATCH_ALL_REF) {
                return false;
            }
            if (kind == ExceptionOpcodes.CATCH_ALL || tag == tagidx) {
                sure = i;
            }
        }
        if (sure < 0) {
            return false;
        }
        int imported = module.importedTagCount();
        for (int i = 0; i < sure; i++) {
            int tag = s.clauses.get(i)[1];
            if (tag >= imported || tagidx >= imported) {
                continue; // a defined tag is distinct from every other tag
            }
            Block[] hm = branchOnEqual(tagIdentity(tag), tagIdentity(tagidx));
            cur = hm[0];
            function.place(cur);
            jump(s.targets.get(i).label, payload);
            cur = hm[1];
            function.place(cur);
        }
        boolean all = s.clauses.get(sure)[0] == ExceptionOpcodes.CATCH_ALL;
        jump(s.targets.get(sure).label, all ? List.of() : payload);
        cur = null;
        return true;
    }

    private int payloadWidth(ValType t, int tagidx) {
        if (t == ValType.V128) {
            throw new CompileException("function " + funcIndex + ": exceptions with a v128 payload (tag " + tagidx
                    + ") are not supported yet");
        }
        return t == ValType.I32 || t == ValType.F32 ? 4 : 8;
    }

    /** After a call inside a handler's scope: mark it and branch to the dispatch when the runtime resumed here with an exception. */
    private void checkPendingException() {
        TryScope s = catchingScope(tries.size());
        Inst call = lastCall;
        if (s == null || call == null) {
            return; // no handler, or an intrinsic lowered in place
        }
        call.withAux(call.aux() | Op.IN_TRY);
        Value exn = cur.append1(Op.EXN_PENDING, IrType.I64, 0);
        Value thrown = cur.append(Op.ICMP, List.of(exn, cur.append1(Op.ICONST, IrType.I64, 0)), 0, Cond.NE, null,
                List.of(IrType.I32)).result();
        branchIf(thrown, dispatchOf(s), List.of(exn));
    }

    /** {@code try_table blocktype catch*}: a block whose catch clauses branch to labels outside it. */
    private void tryTable(CodeReader r) {
        FuncType bt = blockType(r);
        TryScope s = new TryScope(frames.size(), false);
        for (int i = 0; i < r.catchCount(); i++) {
            s.clauses.add(new int[] {r.catchKind(i), r.catchTag(i)});
            s.targets.add(frameAt(r.catchLabel(i)));
        }
        Block end = newBlockWithParams(bt.results());
        Frame f = new Frame(Opcode.TRY_TABLE, bt, stack.size() - bt.params().size(), end, end, true);
        f.tryScope = s;
        frames.add(f);
        tries.add(s);
    }

    /** The u64 identity of tag {@code tagidx} (an imported tag has its exporter's). */
    private Value tagIdentity(int tagidx) {
        Value tags = cur.append1(Op.VMCTX_LOAD, IrType.I64, VMContextLayout.TAGS);
        return runtimeLoad(tags, 8L * tagidx, IrType.I64, 8);
    }

    /** Places the dispatch block of {@code s} (which must have been reached) and clears the pending exception. */
    private Value openDispatch(TryScope s) {
        ssa.seal(s.dispatch);
        cur = s.dispatch;
        function.place(cur);
        cur.append(Op.EXN_CLEAR, List.of(), 0, null, null, List.of());
        return s.dispatch.params().get(0);
    }

    /**
     * In the dispatch: when the exception's tag is {@code tagidx}, branches to a new block (returned as
     * {@code [hit, miss]}); the caller continues in either.
     */
    private Block[] tagCheck(Value exn, int tagidx) {
        Value tag = runtimeLoad(exn, ExceptionTables.EXN_TAG, IrType.I64, 8);
        return branchOnEqual(tag, tagIdentity(tagidx));
    }

    /** Ends the current block with a branch on {@code a == b} (i64) to two new sealed blocks: {hit, miss}. */
    private Block[] branchOnEqual(Value a, Value b) {
        Value eq = cur.append(Op.ICMP, List.of(a, b), 0, Cond.EQ, null, List.of(IrType.I32)).result();
        Block hit = newBlockWithParams(List.of());
        Block miss = newBlockWithParams(List.of());
        BlockCall t = ssa.branch(cur, hit, List.of());
        BlockCall m = ssa.branch(cur, miss, List.of());
        cur.append(Op.BRIF, List.of(eq), 0, null, List.of(t, m), List.of());
        ssa.seal(hit);
        ssa.seal(miss);
        return new Block[] {hit, miss};
    }

    private List<Value> loadPayload(Value exn, int tagidx) {
        FuncType tt = module.types().get(module.tagTypeIndex(tagidx));
        List<Value> vals = new ArrayList<>();
        for (int i = 0; i < tt.params().size(); i++) {
            ValType t = tt.params().get(i);
            vals.add(runtimeLoad(exn, ExceptionTables.payloadOffset(i), IrType.of(t), payloadWidth(t, tagidx)));
        }
        return vals;
    }

    /** The end of a try_table or legacy try: its dispatch, if reached, tries the clauses in order and rethrows outward. */
    private void endTryScope(Frame f) {
        TryScope s = f.tryScope;
        tries.remove(s);
        Block saved = cur;
        if (s.legacy) {
            if (s.dispatch != null && s.miss == null && s.caught == null) {
                // a try without handlers: everything it catches goes on outward
                Value exn = openDispatch(s);
                throwTo(exn, tries.size());
            } else if (s.miss != null) {
                cur = s.miss;
                if (!s.missPlaced) {
                    function.place(cur);
                }
                throwTo(s.caught, tries.size());
            }
            cur = saved;
            return;
        }
        if (s.dispatch == null) {
            return;
        }
        Value exn = openDispatch(s);
        for (int i = 0; i < s.clauses.size() && cur != null; i++) {
            int kind = s.clauses.get(i)[0];
            int tagidx = s.clauses.get(i)[1];
            Frame target = s.targets.get(i);
            boolean ref = kind == ExceptionOpcodes.CATCH_REF || kind == ExceptionOpcodes.CATCH_ALL_REF;
            if (kind == ExceptionOpcodes.CATCH_ALL || kind == ExceptionOpcodes.CATCH_ALL_REF) {
                jump(target.label, ref ? List.of(exn) : List.of());
                cur = null;
                break;
            }
            Block[] hm = tagCheck(exn, tagidx);
            cur = hm[0];
            function.place(cur);
            List<Value> args = loadPayload(exn, tagidx);
            if (ref) {
                args.add(exn);
            }
            jump(target.label, args);
            cur = hm[1];
            function.place(cur);
        }
        if (cur != null) {
            throwTo(exn, tries.size());
        }
        cur = saved;
    }

    /** Legacy {@code catch tagidx} ({@code tagidx} -1: {@code catch_all}) of the try frame {@code f}. */
    private void legacyCatch(Frame f, int tagidx) {
        TryScope s = f.tryScope;
        if (cur != null) {
            jump(f.end, popN(f.blockType.results().size()));
        }
        stack.subList(Math.min(f.height, stack.size()), stack.size()).clear();
        cur = null;
        if (tries.remove(s)) {
            // the first handler: the try body is over
            if (s.dispatch != null) {
                s.caught = openDispatch(s);
                s.miss = cur;
                s.missPlaced = true;
            }
        }
        if (s.miss == null) {
            cur = null; // nothing reaches this handler
            return;
        }
        cur = s.miss;
        if (!s.missPlaced) {
            function.place(cur);
        }
        if (tagidx < 0) {
            s.miss = null;
            return;
        }
        Block[] hm = tagCheck(s.caught, tagidx);
        s.miss = hm[1];
        s.missPlaced = false;
        cur = hm[0];
        function.place(cur);
        stack.addAll(loadPayload(s.caught, tagidx));
    }

    /** Legacy {@code delegate l}: ends the try frame {@code f}; what it catches goes to the handler around label l. */
    private void legacyDelegate(Frame f, int depth) {
        TryScope s = f.tryScope;
        tries.remove(s);
        f.tryScope = null;
        Block saved = cur;
        if (s.dispatch != null) {
            Value exn = openDispatch(s);
            // label l counts from the frames around the try; scopes of those frames up to it can catch
            int targetFrame = frames.size() - 2 - depth;
            int limit = 0;
            while (limit < tries.size() && tries.get(limit).frameIndex <= targetFrame) {
                limit++;
            }
            throwTo(exn, limit);
        }
        cur = saved;
        endFrame();
    }

    // ---- control ------------------------------------------------------------------------------

    private FuncType blockType(CodeReader r) {
        int bt = r.blockType();
        if (bt == -64) {
            return new FuncType(List.of(), List.of());
        }
        if (bt < 0) {
            return new FuncType(List.of(), List.of(CodeReader.blockValType(bt)));
        }
        return module.types().get(bt);
    }

    private Block newBlockWithParams(List<ValType> types) {
        Block b = function.newBlock();
        for (ValType t : types) {
            b.addParam(IrType.of(t));
        }
        ssa.declareBlock(b);
        return b;
    }

    private List<Value> popN(int n) {
        List<Value> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return top;
    }

    private List<Value> peekN(int n) {
        return new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
    }

    private Frame frameAt(int depth) {
        return frames.get(frames.size() - 1 - depth);
    }

    private void jump(Block target, List<Value> args) {
        BlockCall bc = ssa.branch(cur, target, args);
        cur.append(Op.JUMP, List.of(), 0, null, List.of(bc), List.of());
    }

    private void skipUnreachable(Opcode op, CodeReader r) {
        switch (op) {
            case BLOCK, LOOP, IF, TRY_TABLE, TRY -> frames.add(new Frame(op, blockType(r), stack.size(), null, null, false));
            case CATCH, CATCH_ALL -> {
                Frame f = frameAt(0);
                if (f.reachable && f.kind == Opcode.TRY) {
                    legacyCatch(f, op == Opcode.CATCH ? r.index() : -1);
                }
            }
            case DELEGATE -> {
                Frame f = frameAt(0);
                if (f.reachable) {
                    legacyDelegate(f, r.index());
                } else {
                    frames.remove(frames.size() - 1);
                }
            }
            case ELSE -> {
                Frame f = frameAt(0);
                if (f.reachable && f.kind == Opcode.IF) {
                    enterElse(f);
                }
            }
            case END -> endFrame();
            default -> {
            }
        }
    }

    private void enterElse(Frame f) {
        f.sawElse = true;
        stack.subList(f.height, stack.size()).clear();
        stack.addAll(f.ifParams);
        cur = f.elseBlock;
        function.place(cur);
    }

    private void endFrame() {
        Frame f = frames.remove(frames.size() - 1);
        if (!f.reachable) {
            return; // the whole construct was dead code: cur stays null
        }
        if (f.tryScope != null) {
            endTryScope(f);
        }
        if (f.kind == Opcode.LOOP) {
            ssa.seal(f.label);
            if (cur != null) {
                return; // falls through with the results on the stack
            }
            stack.subList(Math.min(f.height, stack.size()), stack.size()).clear();
            return;
        }
        if (cur != null) {
            jump(f.end, popN(f.blockType.results().size()));
        }
        if (f.kind == Opcode.IF && !f.sawElse) {
            // An if without else passes its parameters through as results (validation ensures the types match).
            cur = f.elseBlock;
            function.place(cur);
            jump(f.end, f.ifParams);
        }
        stack.subList(Math.min(f.height, stack.size()), stack.size()).clear();
        ssa.seal(f.end);
        if (f.kind == null) {
            // The function body: the continuation returns its parameters.
            if (ssa.predecessorCount(f.end) > 0) {
                function.place(f.end);
                flushFuel(f.end);
                f.end.append(Op.RETURN, new ArrayList<>(f.end.params()), 0, null, null, List.of());
            }
            cur = null;
            return;
        }
        if (ssa.predecessorCount(f.end) == 0) {
            cur = null;
            return;
        }
        cur = f.end;
        function.place(cur);
        stack.addAll(cur.params().subList(0, f.blockType.results().size()));
    }

    private void translate(Opcode op, CodeReader r, int offset) {
        switch (op) {
            case NOP -> {
            }
            case UNREACHABLE -> {
                cur.append(Op.TRAP, List.of(), TrapCode.UNREACHABLE.code(), null, null, List.of());
                cur = null;
            }
            case BLOCK -> {
                FuncType bt = blockType(r);
                int height = stack.size() - bt.params().size();
                Block end = newBlockWithParams(bt.results());
                frames.add(new Frame(op, bt, height, end, end, true));
            }
            case LOOP -> {
                FuncType bt = blockType(r);
                int n = bt.params().size();
                int height = stack.size() - n;
                Block header = newBlockWithParams(bt.params());
                jump(header, popN(n));
                cur = header;
                function.place(cur);
                enterBlock(true);
                stack.addAll(header.params());
                frames.add(new Frame(op, bt, height, header, null, true));
            }
            case IF -> {
                FuncType bt = blockType(r);
                Value c = pop();
                int n = bt.params().size();
                int height = stack.size() - n;
                Block end = newBlockWithParams(bt.results());
                Block thenBlock = newBlockWithParams(List.of());
                Block elseBlock = newBlockWithParams(List.of());
                BlockCall t = ssa.branch(cur, thenBlock, List.of());
                BlockCall e = ssa.branch(cur, elseBlock, List.of());
                cur.append(Op.BRIF, List.of(c), 0, null, List.of(t, e), List.of());
                ssa.seal(thenBlock);
                ssa.seal(elseBlock);
                Frame f = new Frame(op, bt, height, end, end, true);
                f.elseBlock = elseBlock;
                f.ifParams = peekN(n);
                frames.add(f);
                cur = thenBlock;
                function.place(cur);
            }
            case ELSE -> {
                Frame f = frameAt(0);
                jump(f.end, popN(f.blockType.results().size()));
                enterElse(f);
            }
            case END -> endFrame();
            case TRY_TABLE -> tryTable(r);
            case TRY -> {
                FuncType bt = blockType(r);
                Block end = newBlockWithParams(bt.results());
                Frame f = new Frame(op, bt, stack.size() - bt.params().size(), end, end, true);
                f.tryScope = new TryScope(frames.size(), true);
                frames.add(f);
                tries.add(f.tryScope);
            }
            case CATCH, CATCH_ALL -> legacyCatch(frameAt(0), op == Opcode.CATCH ? r.index() : -1);
            case DELEGATE -> legacyDelegate(frameAt(0), r.index());
            case RETHROW -> {
                throwTo(frameAt(r.index()).tryScope.caught, tries.size());
            }
            case THROW -> throwTag(r.index());
            case THROW_REF -> {
                Value exn = pop();
                cur.append(Op.TRAPIF, List.of(exn, cur.append1(Op.ICONST, IrType.I64, 0)),
                        TrapCode.NULL_REFERENCE.code(), Cond.EQ, null, List.of());
                throwTo(exn, tries.size());
            }
            case BR -> {
                Frame f = frameAt(r.index());
                jump(f.label, popN(f.branchArity()));
                cur = null;
            }
            case BR_IF -> {
                Value c = pop();
                Frame f = frameAt(r.index());
                Block cont = newBlockWithParams(List.of());
                BlockCall taken = ssa.branch(cur, f.label, peekN(f.branchArity()));
                BlockCall fall = ssa.branch(cur, cont, List.of());
                cur.append(Op.BRIF, List.of(c), 0, null, List.of(taken, fall), List.of());
                ssa.seal(cont);
                cur = cont;
                function.place(cur);
            }
            case BR_TABLE -> {
                Value index = pop();
                int[] labels = new int[r.targetCount() + 1];
                for (int i = 0; i < r.targetCount(); i++) {
                    labels[i] = r.target(i);
                }
                labels[labels.length - 1] = r.defaultTarget();
                List<BlockCall> targets = new ArrayList<>(labels.length);
                for (int depth : labels) {
                    Frame f = frameAt(depth);
                    targets.add(ssa.branch(cur, f.label, peekN(f.branchArity())));
                }
                cur.append(Op.BR_TABLE, List.of(index), 0, null, targets, List.of());
                cur = null;
            }
            case RETURN -> {
                flushFuel(cur);
                cur.append(Op.RETURN, popN(type.results().size()), 0, null, null, List.of());
                cur = null;
            }
            case CALL -> {
                int callee = r.index();
                FuncType ct = module.functionType(callee);
                List<Value> args = popN(ct.params().size());
                CallLowering lowering = intrinsics.apply(callee);
                if (lowering != null) {
                    stack.addAll(lowering.lower(cur, args));
                    break;
                }
                List<IrType> results = new ArrayList<>();
                for (ValType t : ct.results()) {
                    results.add(IrType.of(t));
                }
                flushFuel(cur);
                Inst call = lastCall = cur.append(Op.CALL, args, callee, null, null, results);
                reloadFuel();
                stack.addAll(call.results());
            }
            case RETURN_CALL -> {
                int callee = r.index();
                List<Value> args = popN(module.functionType(callee).params().size());
                CallLowering lowering = intrinsics.apply(callee);
                if (lowering != null) {
                    // an intrinsic is lowered in place: its results are returned
                    List<Value> results = lowering.lower(cur, args);
                    flushFuel(cur);
                    cur.append(Op.RETURN, results, 0, null, null, List.of());
                } else {
                    flushFuel(cur);
                    cur.append(Op.RETURN_CALL, args, callee, null, null, List.of());
                }
                cur = null;
            }
            case RETURN_CALL_INDIRECT -> {
                Value ref = indirectCallee(r.index2(), pop(), r.index());
                List<Value> args = popN(module.types().get(r.index()).params().size());
                args.add(ref);
                flushFuel(cur);
                cur.append(Op.RETURN_CALL_REF, args, r.index(), null, null, List.of());
                cur = null;
            }
            case DROP -> pop();
            case SELECT, SELECT_T -> {
                Value c = pop();
                Value b = pop();
                Value a = pop();
                push(cur.append1(Op.SELECT, a.type(), 0, c, a, b));
            }
            case LOCAL_GET -> push(ssa.read(r.index(), cur));
            case LOCAL_SET -> ssa.write(r.index(), cur, pop());
            case LOCAL_TEE -> ssa.write(r.index(), cur, stack.get(stack.size() - 1));
            case I32_CONST -> push(cur.append1(Op.ICONST, IrType.I32, (int) r.i64()));
            case I64_CONST -> push(cur.append1(Op.ICONST, IrType.I64, r.i64()));

            case I32_EQZ -> compareWithZero(IrType.I32);
            case I64_EQZ -> compareWithZero(IrType.I64);
            case I32_EQ, I64_EQ -> compare(Cond.EQ);
            case I32_NE, I64_NE -> compare(Cond.NE);
            case I32_LT_S, I64_LT_S -> compare(Cond.SLT);
            case I32_LT_U, I64_LT_U -> compare(Cond.ULT);
            case I32_GT_S, I64_GT_S -> compare(Cond.SGT);
            case I32_GT_U, I64_GT_U -> compare(Cond.UGT);
            case I32_LE_S, I64_LE_S -> compare(Cond.SLE);
            case I32_LE_U, I64_LE_U -> compare(Cond.ULE);
            case I32_GE_S, I64_GE_S -> compare(Cond.SGE);
            case I32_GE_U, I64_GE_U -> compare(Cond.UGE);

            case I32_ADD, I64_ADD -> binary(Op.IADD);
            case I32_SUB, I64_SUB -> binary(Op.ISUB);
            case I32_MUL, I64_MUL -> binary(Op.IMUL);
            case I32_DIV_S, I64_DIV_S -> binary(Op.SDIV);
            case I32_DIV_U, I64_DIV_U -> binary(Op.UDIV);
            case I32_REM_S, I64_REM_S -> binary(Op.SREM);
            case I32_REM_U, I64_REM_U -> binary(Op.UREM);
            case I32_AND, I64_AND -> binary(Op.BAND);
            case I32_OR, I64_OR -> binary(Op.BOR);
            case I32_XOR, I64_XOR -> binary(Op.BXOR);
            case I32_SHL, I64_SHL -> binary(Op.ISHL);
            case I32_SHR_S, I64_SHR_S -> binary(Op.SSHR);
            case I32_SHR_U, I64_SHR_U -> binary(Op.USHR);
            case I32_ROTL, I64_ROTL -> binary(Op.ROTL);
            case I32_ROTR, I64_ROTR -> binary(Op.ROTR);

            case I32_CLZ, I64_CLZ -> unary(Op.CLZ);
            case I32_CTZ, I64_CTZ -> unary(Op.CTZ);
            case I32_POPCNT, I64_POPCNT -> unary(Op.POPCNT);
            case I32_WRAP_I64 -> push(cur.append1(Op.IREDUCE, IrType.I32, 0, pop()));
            case I64_EXTEND_I32_S -> push(cur.append1(Op.SEXTEND, IrType.I64, 0, pop()));
            case I64_EXTEND_I32_U -> push(cur.append1(Op.UEXTEND, IrType.I64, 0, pop()));
            case I32_EXTEND8_S -> push(cur.append1(Op.SEXTEND_LOW, IrType.I32, 8, pop()));
            case I32_EXTEND16_S -> push(cur.append1(Op.SEXTEND_LOW, IrType.I32, 16, pop()));
            case I64_EXTEND8_S -> push(cur.append1(Op.SEXTEND_LOW, IrType.I64, 8, pop()));
            case I64_EXTEND16_S -> push(cur.append1(Op.SEXTEND_LOW, IrType.I64, 16, pop()));
            case I64_EXTEND32_S -> push(cur.append1(Op.SEXTEND_LOW, IrType.I64, 32, pop()));

            case F32_CONST -> push(cur.append1(Op.FCONST, IrType.F32, r.i64() & 0xFFFF_FFFFL));
            case F64_CONST -> push(cur.append1(Op.FCONST, IrType.F64, r.i64()));
            case F32_ADD, F64_ADD -> binary(Op.FADD);
            case F32_SUB, F64_SUB -> binary(Op.FSUB);
            case F32_MUL, F64_MUL -> binary(Op.FMUL);
            case F32_DIV, F64_DIV -> binary(Op.FDIV);
            case F32_MIN, F64_MIN -> binary(Op.FMIN);
            case F32_MAX, F64_MAX -> binary(Op.FMAX);
            case F32_COPYSIGN, F64_COPYSIGN -> binary(Op.FCOPYSIGN);
            case F32_SQRT, F64_SQRT -> unary(Op.FSQRT);
            case F32_ABS, F64_ABS -> unary(Op.FABS);
            case F32_NEG, F64_NEG -> unary(Op.FNEG);
            case F32_CEIL, F64_CEIL -> unary(Op.FCEIL);
            case F32_FLOOR, F64_FLOOR -> unary(Op.FFLOOR);
            case F32_TRUNC, F64_TRUNC -> unary(Op.FTRUNC);
            case F32_NEAREST, F64_NEAREST -> unary(Op.FNEAREST);
            case F32_EQ, F64_EQ -> floatCompare(FloatCond.EQ);
            case F32_NE, F64_NE -> floatCompare(FloatCond.NE);
            case F32_LT, F64_LT -> floatCompare(FloatCond.LT);
            case F32_GT, F64_GT -> floatCompare(FloatCond.GT);
            case F32_LE, F64_LE -> floatCompare(FloatCond.LE);
            case F32_GE, F64_GE -> floatCompare(FloatCond.GE);
            case F64_PROMOTE_F32 -> convert(Op.FPROMOTE, IrType.F64);
            case F32_DEMOTE_F64 -> convert(Op.FDEMOTE, IrType.F32);
            case F32_CONVERT_I32_S, F32_CONVERT_I64_S -> convert(Op.FCVT_FROM_SINT, IrType.F32);
            case F64_CONVERT_I32_S, F64_CONVERT_I64_S -> convert(Op.FCVT_FROM_SINT, IrType.F64);
            case F32_CONVERT_I32_U, F32_CONVERT_I64_U -> convert(Op.FCVT_FROM_UINT, IrType.F32);
            case F64_CONVERT_I32_U, F64_CONVERT_I64_U -> convert(Op.FCVT_FROM_UINT, IrType.F64);
            case I32_TRUNC_F32_S, I32_TRUNC_F64_S -> convert(Op.FCVT_TO_SINT, IrType.I32);
            case I64_TRUNC_F32_S, I64_TRUNC_F64_S -> convert(Op.FCVT_TO_SINT, IrType.I64);
            case I32_TRUNC_F32_U, I32_TRUNC_F64_U -> convert(Op.FCVT_TO_UINT, IrType.I32);
            case I64_TRUNC_F32_U, I64_TRUNC_F64_U -> convert(Op.FCVT_TO_UINT, IrType.I64);
            case I32_TRUNC_SAT_F32_S, I32_TRUNC_SAT_F64_S -> convert(Op.FCVT_TO_SINT_SAT, IrType.I32);
            case I64_TRUNC_SAT_F32_S, I64_TRUNC_SAT_F64_S -> convert(Op.FCVT_TO_SINT_SAT, IrType.I64);
            case I32_TRUNC_SAT_F32_U, I32_TRUNC_SAT_F64_U -> convert(Op.FCVT_TO_UINT_SAT, IrType.I32);
            case I64_TRUNC_SAT_F32_U, I64_TRUNC_SAT_F64_U -> convert(Op.FCVT_TO_UINT_SAT, IrType.I64);
            case I32_REINTERPRET_F32 -> convert(Op.BITCAST, IrType.I32);
            case I64_REINTERPRET_F64 -> convert(Op.BITCAST, IrType.I64);
            case F32_REINTERPRET_I32 -> convert(Op.BITCAST, IrType.F32);
            case F64_REINTERPRET_I64 -> convert(Op.BITCAST, IrType.F64);

            case GLOBAL_GET -> {
                IrType t = IrType.of(module.globalType(r.index()).valType());
                int imported = module.importedGlobalCount();
                if (r.index() < imported) {
                    Value[] slot = importedGlobalSlot(r.index());
                    push(cur.append(Op.LOAD, List.of(slot[0], slot[1]), 0, null, null, List.of(t)).withAux(width(t)).result());
                } else {
                    push(cur.append1(Op.VMCTX_LOAD, t, layout.global(r.index() - imported)));
                }
            }
            case GLOBAL_SET -> {
                int imported = module.importedGlobalCount();
                Value v = pop();
                if (r.index() < imported) {
                    Value[] slot = importedGlobalSlot(r.index());
                    cur.append(Op.STORE, List.of(slot[0], slot[1], v), 0, null, null, List.of()).withAux(width(v.type()));
                } else {
                    cur.append(Op.VMCTX_STORE, List.of(v), layout.global(r.index() - imported), null, null, List.of());
                }
            }
            case I32_LOAD, I64_LOAD, F32_LOAD, F64_LOAD, I32_LOAD8_S, I32_LOAD8_U, I32_LOAD16_S, I32_LOAD16_U,
                    I64_LOAD8_S, I64_LOAD8_U, I64_LOAD16_S, I64_LOAD16_U, I64_LOAD32_S, I64_LOAD32_U -> {
                int width = op.memoryAccessBytes();
                boolean signed = switch (op) {
                    case I32_LOAD8_S, I32_LOAD16_S, I64_LOAD8_S, I64_LOAD16_S, I64_LOAD32_S -> true;
                    default -> false;
                };
                IrType t = IrType.of(op.resultTypes().get(0));
                Value index = pop();
                Value[] addr = checkedAddress(r.memIndex(), index, r.memOffset(), width, op, offset);
                push(cur.append(Op.LOAD, List.of(addr[0], addr[1]), r.memOffset(), null, null, List.of(t))
                        .withAux(width | (signed ? 16 : 0) | (lastAccessGuardPage ? Op.GUARD_PAGE : 0)).result());
            }
            case I32_STORE, I64_STORE, F32_STORE, F64_STORE, I32_STORE8, I32_STORE16, I64_STORE8, I64_STORE16,
                    I64_STORE32 -> {
                int width = op.memoryAccessBytes();
                Value value = pop();
                Value index = pop();
                Value[] addr = checkedAddress(r.memIndex(), index, r.memOffset(), width, op, offset);
                cur.append(Op.STORE, List.of(addr[0], addr[1], value), r.memOffset(), null, null, List.of())
                        .withAux(width | (lastAccessGuardPage ? Op.GUARD_PAGE : 0));
            }
            case MEMORY_SIZE -> {
                int mem = r.index();
                requireMemory(op, offset);
                Value len = memoryField(mem, VMMemoryDefinition.LENGTH);
                Value pages = cur.append1(Op.USHR, IrType.I64, 0, len, cur.append1(Op.ICONST, IrType.I64, 16));
                push(memory64(mem) ? pages : cur.append1(Op.IREDUCE, IrType.I32, 0, pages));
            }
            case MEMORY_GROW -> {
                int mem = r.index();
                requireMemory(op, offset);
                // the runtime grows the memory (the limits, the resource limiter, committing pages)
                Value delta = pop();
                Value old = libcall(VMContextLayout.LIBCALL_MEMORY_GROW, true, iconst32(mem), delta);
                push(memory64(mem) ? cur.append1(Op.SEXTEND, IrType.I64, 0, old) : old);
            }
            case MEMORY_FILL -> {
                int mem = r.index();
                requireMemory(op, offset);
                Value n = address64(mem, pop());
                Value value = pop();
                Value d = address64(mem, pop());
                checkRange(d, n, memoryField(mem, VMMemoryDefinition.LENGTH), memory64(mem));
                Value dst = cur.append1(Op.IADD, IrType.I64, 0, memoryField(mem, VMMemoryDefinition.BASE), d);
                cur.append(Op.MEMSET, List.of(dst, value, n), 0, null, null, List.of());
            }
            case MEMORY_COPY -> {
                int dstMem = r.index();
                int srcMem = r.index2();
                requireMemory(op, offset);
                // the length is i64 only when both memories are 64-bit (Wasm 3.0 memory64)
                Value n = pop();
                n = n.type() == IrType.I64 ? n : cur.append1(Op.UEXTEND, IrType.I64, 0, n);
                Value s64 = address64(srcMem, pop());
                Value d64 = address64(dstMem, pop());
                checkRange(d64, n, memoryField(dstMem, VMMemoryDefinition.LENGTH), memory64(dstMem));
                checkRange(s64, n, memoryField(srcMem, VMMemoryDefinition.LENGTH), memory64(srcMem));
                Value dst = cur.append1(Op.IADD, IrType.I64, 0, memoryField(dstMem, VMMemoryDefinition.BASE), d64);
                Value src = cur.append1(Op.IADD, IrType.I64, 0, memoryField(srcMem, VMMemoryDefinition.BASE), s64);
                cur.append(Op.MEMMOVE, List.of(dst, src, n), 0, null, null, List.of());
            }
            case MEMORY_INIT -> {
                int seg = r.index();
                int mem = r.index2();
                requireMemory(op, offset);
                Value n = cur.append1(Op.UEXTEND, IrType.I64, 0, pop());
                Value s64 = cur.append1(Op.UEXTEND, IrType.I64, 0, pop());
                Value d64 = address64(mem, pop());
                checkRange(s64, n, cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.dataSegmentLength(seg)), false);
                checkRange(d64, n, memoryField(mem, VMMemoryDefinition.LENGTH), memory64(mem));
                Value dst = cur.append1(Op.IADD, IrType.I64, 0, memoryField(mem, VMMemoryDefinition.BASE), d64);
                Value src = cur.append1(Op.IADD, IrType.I64, 0,
                        cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.dataSegmentBase(seg)), s64);
                cur.append(Op.MEMMOVE, List.of(dst, src, n), 0, null, null, List.of());
            }
            case DATA_DROP -> {
                Value zero = cur.append1(Op.ICONST, IrType.I64, 0);
                cur.append(Op.VMCTX_STORE, List.of(zero), layout.dataSegmentLength(r.index()), null, null, List.of());
            }

            case REF_NULL -> push(cur.append1(Op.ICONST, IrType.I64, 0));
            case REF_IS_NULL -> {
                Value ref = pop();
                Value zero = cur.append1(Op.ICONST, IrType.I64, 0);
                push(cur.append(Op.ICMP, List.of(ref, zero), 0, Cond.EQ, null, List.of(IrType.I32)).result());
            }
            case REF_FUNC -> push(cur.append1(Op.VMCTX_ADDR, IrType.I64, layout.functionRecord(r.index())));
            case REF_AS_NON_NULL -> refAsNonNull();
            case BR_ON_NULL -> brOnNull(r.index());
            case BR_ON_NON_NULL -> brOnNonNull(r.index());
            case CALL_REF -> callRef(r.index());
            case RETURN_CALL_REF -> returnCallRef(r.index());
            case CALL_INDIRECT -> {
                int typeidx = r.index();
                FuncType ct = module.types().get(typeidx);
                Value index = pop();
                List<Value> args = popN(ct.params().size());
                args.add(indirectCallee(r.index2(), index, typeidx));
                List<IrType> results = new ArrayList<>();
                for (ValType t : ct.results()) {
                    results.add(IrType.of(t));
                }
                flushFuel(cur);
                Inst call = lastCall = cur.append(Op.CALL_REF, args, typeidx, null, null, results);
                reloadFuel();
                stack.addAll(call.results());
            }
            case TABLE_GET -> push(tableEntry(r.index(), pop(), TrapCode.TABLE_OUT_OF_BOUNDS));
            case TABLE_SET -> {
                Value ref = pop();
                Value[] at = tableEntryAddress(r.index(), pop(), TrapCode.TABLE_OUT_OF_BOUNDS);
                cur.append(Op.STORE, List.of(at[0], at[1], ref), 0, null, null, List.of()).withAux(8 | Op.RUNTIME);
            }
            case TABLE_SIZE -> push(tableSize(r.index()));
            case TABLE_GROW -> {
                boolean t64 = table64(r.index());
                Value n = pop();
                if (t64) {
                    // a delta of 2^32 or more cannot succeed: ask for 2^32-1, which fails the same way
                    Value big = cur.append(Op.ICMP, List.of(n, cur.append1(Op.ICONST, IrType.I64, 0xFFFF_FFFFL)), 0,
                            Cond.UGT, null, List.of(IrType.I32)).result();
                    Value low = cur.append1(Op.IREDUCE, IrType.I32, 0, n);
                    n = cur.append1(Op.SELECT, IrType.I32, 0, big, iconst32(-1), low);
                }
                Value init = pop();
                Value old = libcall(VMContextLayout.LIBCALL_TABLE_GROW, true, iconst32(r.index()), n, init);
                push(t64 ? cur.append1(Op.SEXTEND, IrType.I64, 0, old) : old);
            }
            case TABLE_FILL -> {
                Value n = tableIndex32(pop());
                Value ref = pop();
                Value i = tableIndex32(pop());
                libcall(VMContextLayout.LIBCALL_TABLE_FILL, false, iconst32(r.index()), i, ref, n);
            }
            case TABLE_COPY -> {
                Value n = tableIndex32(pop());
                Value s = tableIndex32(pop());
                Value d = tableIndex32(pop());
                libcall(VMContextLayout.LIBCALL_TABLE_COPY, false, iconst32(r.index()), iconst32(r.index2()), d, s, n);
            }
            case TABLE_INIT -> {
                Value n = pop();
                Value s = pop();
                Value d = tableIndex32(pop());
                libcall(VMContextLayout.LIBCALL_TABLE_INIT, false, iconst32(r.index2()), iconst32(r.index()), d, s, n);
            }
            case ELEM_DROP -> libcall(VMContextLayout.LIBCALL_ELEM_DROP, false, iconst32(r.index()));

            default -> {
                if (op.prefix() == 0xFD) {
                    simd.translate(op, r, offset);
                } else {
                    throw unsupported(op, offset);
                }
            }
        }
    }

    // ---- for SimdTranslator -----------------------------------------------------------------

    /** The block being filled. */
    Block currentBlock() {
        return cur;
    }

    Value popValue() {
        return pop();
    }

    void pushValue(Value v) {
        push(v);
    }

    /**
     * A {@link Op#LOAD} of {@code width} bytes (0: a whole v128) of memarg {@code r} at Wasm address
     * {@code index}, bounds-checked, widened to {@code t} ({@code signed}: sign-extended).
     */
    Value checkedLoad(CodeReader r, Value index, int width, boolean signed, IrType t, Opcode op, int offset) {
        Value[] addr = checkedAddress(r.memIndex(), index, r.memOffset(), width == 0 ? 16 : width, op, offset);
        return cur.append(Op.LOAD, List.of(addr[0], addr[1]), r.memOffset(), null, null, List.of(t))
                .withAux(width | (signed ? 16 : 0) | (lastAccessGuardPage ? Op.GUARD_PAGE : 0)).result();
    }

    /** A {@link Op#STORE} of the low {@code width} bytes (0: a whole v128) of {@code value}, bounds-checked. */
    void checkedStore(CodeReader r, Value index, Value value, int width, Opcode op, int offset) {
        Value[] addr = checkedAddress(r.memIndex(), index, r.memOffset(), width == 0 ? 16 : width, op, offset);
        cur.append(Op.STORE, List.of(addr[0], addr[1], value), r.memOffset(), null, null, List.of()).withAux(width);
    }

    private Value iconst32(int v) {
        return cur.append1(Op.ICONST, IrType.I32, v);
    }

    private Value libcall(int id, boolean result, Value... args) {
        Inst call = cur.append(Op.LIBCALL, List.of(args), id, null, null, result ? List.of(IrType.I32) : List.of());
        return result ? call.result() : null;
    }

    /**
     * A table operand of a 64-bit table (an i64) as the i32 the table operations take: a value beyond
     * 32 bits is beyond every table (their size is below 2^32), so it traps {@code out of bounds table
     * access}, as the operation itself would. An i32 operand is returned as it is.
     */
    private Value tableIndex32(Value v) {
        if (v.type() != IrType.I64) {
            return v;
        }
        cur.append(Op.TRAPIF, List.of(v, cur.append1(Op.ICONST, IrType.I64, 0xFFFF_FFFFL)),
                TrapCode.TABLE_OUT_OF_BOUNDS.code(), Cond.UGT, null, List.of());
        return cur.append1(Op.IREDUCE, IrType.I32, 0, v);
    }

    /**
     * Loads a {@code width}-byte field at {@code offset} of the runtime structure at host address
     * {@code base} (a table or memory definition, a table's entries, a function record): an
     * {@link Op#RUNTIME} load, which Wasm stores to linear memory do not change.
     */
    private Value runtimeLoad(Value base, long offset, IrType t, int width) {
        return runtimeLoad(base, cur.append1(Op.ICONST, IrType.I64, 0), offset, t, width);
    }

    private Value runtimeLoad(Value base, Value index, long offset, IrType t, int width) {
        return cur.append(Op.LOAD, List.of(base, index), offset, null, null, List.of(t))
                .withAux(width | Op.RUNTIME).result();
    }

    /**
     * A u64 field of table {@code table}'s {@link VMTableDefinition}, reached through the address in
     * the VMContext (set at instantiation, so that load is invariant; the fields change with
     * {@code table.grow}).
     */
    private Value tableField(int table, int field) {
        Value def = cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.table(table));
        return runtimeLoad(def, field, IrType.I64, 8);
    }

    /**
     * The current size of table {@code table} in entries: an i64 for a 64-bit table, else an i32 (a
     * 32-bit table's size is below 2^32, so the low half of the u64 field, little-endian, is all of it).
     */
    private Value tableSize(int table) {
        if (table64(table)) {
            return tableField(table, VMTableDefinition.SIZE);
        }
        Value def = cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.table(table));
        return runtimeLoad(def, VMTableDefinition.SIZE, IrType.I32, 4);
    }

    /**
     * {@code {entries, index * 8}} of entry {@code index} (i32, or i64 for a 64-bit table) of table
     * {@code table}, after the bounds check {@code index < size} (in the table's index type) that traps
     * with {@code code}.
     */
    private Value[] tableEntryAddress(int table, Value index, TrapCode code) {
        cur.append(Op.TRAPIF, List.of(index, tableSize(table)), code.code(), Cond.UGE, null, List.of());
        Value idx = index.type() == IrType.I64 ? index : cur.append1(Op.UEXTEND, IrType.I64, 0, index);
        Value entries = tableField(table, VMTableDefinition.BASE);
        Value offset = cur.append1(Op.ISHL, IrType.I64, 0, idx, cur.append1(Op.ICONST, IrType.I64, 3));
        return new Value[] {entries, offset};
    }

    /**
     * The checks of {@code call_indirect} (spec §4.4.8): the function record of entry {@code index} of
     * table {@code table}, after traps {@code undefined element} (index out of bounds),
     * {@code uninitialized element} (a null entry) and {@code indirect call type mismatch} (the
     * record's canonical type id is not type {@code typeidx}'s); a {@link Op#CALL_REF} of it follows.
     */
    private Value indirectCallee(int table, Value index, int typeidx) {
        Value ref = tableEntry(table, index, TrapCode.UNDEFINED_ELEMENT);
        cur.append(Op.TRAPIF, List.of(ref, cur.append1(Op.ICONST, IrType.I64, 0)),
                TrapCode.UNINITIALIZED_ELEMENT.code(), Cond.EQ, null, List.of());
        Value actual = runtimeLoad(ref, VMContextLayout.FUNCTION_RECORD_TYPE_ID, IrType.I32, 4);
        Value expected = cur.append1(Op.VMCTX_LOAD, IrType.I32, layout.typeId(typeidx));
        cur.append(Op.TRAPIF, List.of(actual, expected), TrapCode.INDIRECT_CALL_TYPE_MISMATCH.code(), Cond.NE,
                null, List.of());
        return ref;
    }

    /** Entry {@code index} of table {@code table} (an i64 reference), bounds-checked (see {@link #tableEntryAddress}). */
    private Value tableEntry(int table, Value index, TrapCode code) {
        Value[] at = tableEntryAddress(table, index, code);
        return runtimeLoad(at[0], at[1], 0, IrType.I64, 8);
    }

    private boolean table64(int table) {
        return module.tableType(table).table64();
    }

    private boolean memory64(int mem) {
        return module.memoryType(mem).memory64();
    }

    /** An address or length operand of memory {@code mem} as an i64: a 32-bit memory's i32 zero-extended. */
    private Value address64(int mem, Value v) {
        return memory64(mem) ? v : cur.append1(Op.UEXTEND, IrType.I64, 0, v);
    }

    /**
     * The bounds check of a bulk memory operation: traps {@code out of bounds memory access} unless
     * {@code [start, start + n)} lies within {@code length} bytes (all i64). When both operands are
     * zero-extended i32s ({@code wide} false) their sum cannot wrap and one check does; an operand of
     * a 64-bit memory needs {@code n <= length} first, then {@code start <= length - n}.
     */
    private void checkRange(Value start, Value n, Value length, boolean wide) {
        int code = TrapCode.MEMORY_OUT_OF_BOUNDS.code();
        if (!wide) {
            Value end = cur.append1(Op.IADD, IrType.I64, 0, start, n);
            cur.append(Op.TRAPIF, List.of(end, length), code, Cond.UGT, null, List.of());
            return;
        }
        cur.append(Op.TRAPIF, List.of(n, length), code, Cond.UGT, null, List.of());
        Value room = cur.append1(Op.ISUB, IrType.I64, 0, length, n);
        cur.append(Op.TRAPIF, List.of(start, room), code, Cond.UGT, null, List.of());
    }

    private void requireMemory(Opcode op, int offset) {
        if (layout.memories() == 0) {
            throw new CompileException(op.mnemonic() + " without a memory (in function " + funcIndex
                    + ", at byte offset " + offset + ")");
        }
    }

    /**
     * A u64 field of memory {@code mem}'s definition ({@link VMMemoryDefinition}): inline in the
     * VMContext for a defined memory, behind a pointer for an imported one.
     */
    private Value memoryField(int mem, int field) {
        if (!layout.memoryImported(mem)) {
            return cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.memoryBase(mem) + field);
        }
        Value def = cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.memoryImport(mem));
        return runtimeLoad(def, field, IrType.I64, 8);
    }

    /** {@code {address of the slot, 0}} of imported global {@code i}, for LOAD/STORE. */
    private Value[] importedGlobalSlot(int i) {
        Value slot = cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.globalImport(i));
        return new Value[] {slot, cur.append1(Op.ICONST, IrType.I64, 0)};
    }

    private static int width(IrType t) {
        if (t.isVector()) {
            return 0; // Op.LOAD/STORE: the whole 16 bytes
        }
        return t == IrType.I32 || t == IrType.F32 ? 4 : 8;
    }

    /**
     * The explicit bounds check of an access to memory {@code mem} (DESIGN §3): {@code index + offset +
     * width} must not exceed the memory's current length. For a 32-bit memory this is one check in
     * 64-bit arithmetic on {@code zext(index)}, which cannot overflow. For a 64-bit memory the index is
     * any u64: a first check {@code index <= length} keeps the sum below 2^63 (lengths are below 2^48
     * and a static offset of 2^62 or more always traps), then the same check as for 32 bits. Returns
     * {@code {base, index as i64}}.
     */
    private Value[] checkedAddress(int mem, Value index, long memOffset, int width, Opcode op, int offset) {
        requireMemory(op, offset);
        if (guardPages && !memory64(mem)
                && memOffset + width <= dev.kiln.abi.GuardHandlerLayout.MAX_UNCHECKED_OFFSET_PLUS_SIZE) {
            // guard pages: past the memory's length the reservation is inaccessible, so the access faults
            lastAccessGuardPage = true;
            return new Value[] {memoryField(mem, VMMemoryDefinition.BASE), cur.append1(Op.UEXTEND, IrType.I64, 0, index)};
        }
        lastAccessGuardPage = false;
        Value len = memoryField(mem, VMMemoryDefinition.LENGTH);
        Value idx;
        long c = memOffset + width;
        if (memory64(mem)) {
            idx = index;
            cur.append(Op.TRAPIF, List.of(idx, len), TrapCode.MEMORY_OUT_OF_BOUNDS.code(), Cond.UGT, null, List.of());
            if (memOffset < 0 || c < 0 || c >= 1L << 62) {
                // beyond any memory: always out of bounds
                cur.append(Op.TRAPIF, List.of(cur.append1(Op.ICONST, IrType.I64, 1L << 62), len),
                        TrapCode.MEMORY_OUT_OF_BOUNDS.code(), Cond.UGT, null, List.of());
                c = 0;
            }
        } else {
            idx = cur.append1(Op.UEXTEND, IrType.I64, 0, index);
        }
        Value end = cur.append1(Op.IADD, IrType.I64, 0, idx, cur.append1(Op.ICONST, IrType.I64, c));
        cur.append(Op.TRAPIF, List.of(end, len), TrapCode.MEMORY_OUT_OF_BOUNDS.code(), Cond.UGT, null, List.of());
        Value base = memoryField(mem, VMMemoryDefinition.BASE);
        return new Value[] {base, idx};
    }

    private Value pop() {
        return stack.remove(stack.size() - 1);
    }

    private void push(Value v) {
        stack.add(v);
    }

    private void binary(Op op) {
        Value b = pop();
        Value a = pop();
        push(cur.append1(op, a.type(), 0, a, b));
    }

    private void unary(Op op) {
        Value a = pop();
        push(cur.append1(op, a.type(), 0, a));
    }

    private void convert(Op op, IrType to) {
        push(cur.append1(op, to, 0, pop()));
    }

    private void floatCompare(FloatCond cond) {
        Value b = pop();
        Value a = pop();
        push(cur.append1(Op.FCMP, IrType.I32, cond.ordinal(), a, b));
    }

    private void compare(Cond cond) {
        Value b = pop();
        Value a = pop();
        push(cur.append(Op.ICMP, List.of(a, b), 0, cond, null, List.of(IrType.I32)).result());
    }

    private void compareWithZero(IrType t) {
        Value a = pop();
        Value zero = cur.append1(Op.ICONST, t, 0);
        push(cur.append(Op.ICMP, List.of(a, zero), 0, Cond.EQ, null, List.of(IrType.I32)).result());
    }
}
