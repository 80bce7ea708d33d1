package dev.kiln.compiler.translate;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMMemoryDefinition;
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
import dev.kiln.compiler.wasm.CodeReader;
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
    /** Fuel metering: a {@link Op#FUEL} charge at the start of every basic block (see {@link #fuelCost}). */
    private boolean fuel;
    /** The block whose charge {@link #fuelCharge} is (the current basic block), and its cost so far. */
    private Block fuelBlock;
    private Inst fuelCharge;
    private long fuelCount;

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
     * every loop header (so every back edge passes one). Fuel metering puts a {@link Op#FUEL} charge
     * at the start of every basic block the Wasm structure creates (the function entry, a loop
     * header, the arms of an {@code if}, the continuation after {@code end} and the fall-through of
     * {@code br_if}); its immediate is the number of Wasm instructions of that block, each costing
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
            fuelCharge = cur.append(Op.FUEL, List.of(), 0, null, null, List.of());
        }
    }

    /** Gives the open charge its final cost, or drops it when its block had nothing to pay for. */
    private void closeFuelCharge() {
        if (fuelCharge == null) {
            return;
        }
        List<Inst> insts = fuelBlock.insts();
        int at = insts.indexOf(fuelCharge);
        if (fuelCount == 0) {
            insts.remove(at);
        } else {
            fuelBlock.replace(at, Op.FUEL, List.of(), fuelCount, null, List.of());
        }
        fuelCharge = null;
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
            ssa.write(i, entry, SsaBuilder.zero(entry, varTypes.get(i)));
        }
        cur = entry;
        enterBlock(true);

        Block ret = function.newBlock();
        for (ValType r : type.results()) {
            ret.addParam(IrType.of(r));
        }
        ssa.declareBlock(ret);
        frames.add(new Frame(null, new FuncType(List.of(), type.results()), 0, ret, ret, true));

        CodeReader r = new CodeReader(bytes, body.codeStart(), body.codeEnd());
        while (r.hasNext()) {
            int offset = r.offset();
            Opcode op = r.next();
            Block before = cur;
            if (cur == null) {
                skipUnreachable(op, r);
            } else {
                if (fuel) {
                    fuelCount += fuelCost(op);
                }
                translate(op, r, offset);
            }
            if (cur != null && cur != before && op != Opcode.LOOP) {
                enterBlock(false); // a new basic block: if arm, else arm, continuation, br_if fall-through
            }
            if (frames.isEmpty()) {
                break;
            }
        }
        closeFuelCharge();
        ssa.finish();
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
            case BLOCK, LOOP, IF -> frames.add(new Frame(op, blockType(r), stack.size(), null, null, false));
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
                Inst call = cur.append(Op.CALL, args, callee, null, null, results);
                stack.addAll(call.results());
            }
            case RETURN_CALL -> {
                int callee = r.index();
                List<Value> args = popN(module.functionType(callee).params().size());
                CallLowering lowering = intrinsics.apply(callee);
                if (lowering != null) {
                    // an intrinsic is lowered in place: its results are returned
                    cur.append(Op.RETURN, lowering.lower(cur, args), 0, null, null, List.of());
                } else {
                    cur.append(Op.RETURN_CALL, args, callee, null, null, List.of());
                }
                cur = null;
            }
            case RETURN_CALL_INDIRECT -> {
                Value ref = checkedTableFuncref(r.index(), r.index2(), pop());
                List<Value> args = popN(module.types().get(r.index()).params().size());
                args.add(ref);
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
                boolean signed = op.mnemonic().endsWith("_s");
                IrType t = IrType.of(op.resultTypes().get(0));
                Value index = pop();
                Value[] addr = checkedAddress(r.memIndex(), index, r.memOffset(), width, op, offset);
                push(cur.append(Op.LOAD, List.of(addr[0], addr[1]), r.memOffset(), null, null, List.of(t))
                        .withAux(width | (signed ? 16 : 0)).result());
            }
            case I32_STORE, I64_STORE, F32_STORE, F64_STORE, I32_STORE8, I32_STORE16, I64_STORE8, I64_STORE16,
                    I64_STORE32 -> {
                int width = op.memoryAccessBytes();
                Value value = pop();
                Value index = pop();
                Value[] addr = checkedAddress(r.memIndex(), index, r.memOffset(), width, op, offset);
                cur.append(Op.STORE, List.of(addr[0], addr[1], value), r.memOffset(), null, null, List.of())
                        .withAux(width);
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
                if (inlineBulk(mem)) {
                    push(cur.append1(Op.MEMORY_GROW, IrType.I32, 0, pop()));
                } else {
                    Value old = libcall(VMContextLayout.LIBCALL_MEMORY_GROW, true, iconst32(mem), pop());
                    push(memory64(mem) ? cur.append1(Op.SEXTEND, IrType.I64, 0, old) : old);
                }
            }
            case MEMORY_FILL -> {
                int mem = r.index();
                requireMemory(op, offset);
                Value n = pop();
                Value b = pop();
                Value a = pop();
                if (inlineBulk(mem)) {
                    cur.append(Op.MEMORY_FILL, List.of(a, b, n), 0, null, null, List.of());
                } else {
                    libcall(VMContextLayout.LIBCALL_MEMORY_FILL, false, iconst32(mem), a, b, n);
                }
            }
            case MEMORY_COPY -> {
                int dstMem = r.index();
                int srcMem = r.index2();
                requireMemory(op, offset);
                Value n = pop();
                Value b = pop();
                Value a = pop();
                if (dstMem == srcMem && inlineBulk(dstMem)) {
                    cur.append(Op.MEMORY_COPY, List.of(a, b, n), 0, null, null, List.of());
                } else {
                    libcall(VMContextLayout.LIBCALL_MEMORY_COPY, false, iconst32(dstMem), iconst32(srcMem), a, b, n);
                }
            }
            case MEMORY_INIT -> {
                int mem = r.index2();
                requireMemory(op, offset);
                Value n = pop();
                Value src = pop();
                Value dst = pop();
                if (inlineBulk(mem)) {
                    cur.append(Op.MEMORY_INIT, List.of(dst, src, n), r.index(), null, null, List.of());
                } else {
                    libcall(VMContextLayout.LIBCALL_MEMORY_INIT, false, iconst32(mem), iconst32(r.index()), dst, src, n);
                }
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
            case CALL_INDIRECT -> {
                FuncType ct = module.types().get(r.index());
                Value index = pop();
                if (index.type() == IrType.I64) {
                    // a 64-bit table: an index beyond 32 bits is beyond every table
                    cur.append(Op.TRAPIF, List.of(index, cur.append1(Op.ICONST, IrType.I64, 0xFFFF_FFFFL)),
                            TrapCode.UNDEFINED_ELEMENT.code(), Cond.UGT, null, List.of());
                    index = cur.append1(Op.IREDUCE, IrType.I32, 0, index);
                }
                List<Value> args = popN(ct.params().size());
                args.add(index);
                List<IrType> results = new ArrayList<>();
                for (ValType t : ct.results()) {
                    results.add(IrType.of(t));
                }
                Inst call = cur.append(Op.CALL_INDIRECT, args, r.index(), null, null, results).withAux(r.index2());
                stack.addAll(call.results());
            }
            case TABLE_GET -> push(cur.append1(Op.TABLE_GET, IrType.I64, r.index(), tableIndex32(pop())));
            case TABLE_SET -> {
                Value ref = pop();
                Value index = tableIndex32(pop());
                cur.append(Op.TABLE_SET, List.of(index, ref), r.index(), null, null, List.of());
            }
            case TABLE_SIZE -> {
                Value size = cur.append1(Op.TABLE_SIZE, IrType.I32, r.index());
                push(table64(r.index()) ? cur.append1(Op.UEXTEND, IrType.I64, 0, size) : size);
            }
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

            default -> throw unsupported(op, offset);
        }
    }

    /** Byte offset of the u32 type id in a function record ({@code VMContextLayout}'s record layout). */
    private static final int FUNCTION_RECORD_TYPE_ID = 24;

    /**
     * The checks of an indirect call through table {@code table} at {@code index} (an i32, or an i64
     * for a 64-bit table) to a function of type {@code typeIndex}, as IR: an index at or beyond the
     * table's size traps {@code undefined element}, a null entry {@code uninitialized element}, an
     * entry whose canonical type id differs from the module's id of {@code typeIndex} {@code indirect
     * call type mismatch} (spec §4.4.8 {@code call_indirect}). Returns the entry: the i64 address of
     * the callee's function record.
     */
    private Value checkedTableFuncref(int typeIndex, int table, Value index) {
        Value i64 = index.type() == IrType.I64 ? index : cur.append1(Op.UEXTEND, IrType.I64, 0, index);
        Value zero = cur.append1(Op.ICONST, IrType.I64, 0);
        Value def = cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.table(table));
        Value size = cur.append(Op.LOAD, List.of(def, zero), dev.kiln.abi.VMTableDefinition.SIZE, null, null,
                List.of(IrType.I64)).withAux(8).result();
        cur.append(Op.TRAPIF, List.of(i64, size), TrapCode.UNDEFINED_ELEMENT.code(), Cond.UGE, null, List.of());
        Value base = cur.append(Op.LOAD, List.of(def, zero), dev.kiln.abi.VMTableDefinition.BASE, null, null,
                List.of(IrType.I64)).withAux(8).result();
        Value offset = cur.append1(Op.ISHL, IrType.I64, 0, i64, cur.append1(Op.ICONST, IrType.I64, 3));
        Value ref = cur.append(Op.LOAD, List.of(base, offset), 0, null, null, List.of(IrType.I64)).withAux(8).result();
        cur.append(Op.TRAPIF, List.of(ref, zero), TrapCode.UNINITIALIZED_ELEMENT.code(), Cond.EQ, null, List.of());
        Value actual = cur.append(Op.LOAD, List.of(ref, zero), FUNCTION_RECORD_TYPE_ID, null, null,
                List.of(IrType.I32)).withAux(4).result();
        Value expected = cur.append1(Op.VMCTX_LOAD, IrType.I32, layout.typeId(typeIndex));
        cur.append(Op.TRAPIF, List.of(actual, expected), TrapCode.INDIRECT_CALL_TYPE_MISMATCH.code(), Cond.NE, null,
                List.of());
        return ref;
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

    private boolean table64(int table) {
        return module.tableType(table).table64();
    }

    private boolean memory64(int mem) {
        return module.memoryType(mem).memory64();
    }

    /**
     * Whether the backend's inline {@code memory.grow/fill/copy/init} serve memory {@code mem}: they
     * know memory 0 and 32-bit operands only; every other memory goes through a libcall.
     */
    private boolean inlineBulk(int mem) {
        return mem == 0 && !memory64(0);
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
        Value zero = cur.append1(Op.ICONST, IrType.I64, 0);
        return cur.append(Op.LOAD, List.of(def, zero), field, null, null, List.of(IrType.I64)).withAux(8).result();
    }

    /** {@code {address of the slot, 0}} of imported global {@code i}, for LOAD/STORE. */
    private Value[] importedGlobalSlot(int i) {
        Value slot = cur.append1(Op.VMCTX_LOAD, IrType.I64, layout.globalImport(i));
        return new Value[] {slot, cur.append1(Op.ICONST, IrType.I64, 0)};
    }

    private static int width(IrType t) {
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
