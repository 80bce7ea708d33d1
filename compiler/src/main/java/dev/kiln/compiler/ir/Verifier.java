package dev.kiln.compiler.ir;

import dev.kiln.abi.ValType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks the IR invariants: every block ends in exactly one terminator; branch arguments match the
 * target's parameters in number and type; every operand is defined before use on every path (its
 * definition dominates the use); operand and result types fit the opcode; the entry's parameters and
 * every {@code return} match the signature; every block in the layout is reachable.
 *
 * <p>Runs after every pass in tests. Stateless and thread-safe.
 */
public final class Verifier {
    private Verifier() {
    }

    /** Thrown when the IR breaks an invariant; the message names the function, block and instruction. */
    public static final class VerifyException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        VerifyException(String message) {
            super(message);
        }
    }

    /** @throws VerifyException at the first broken invariant */
    public static void verify(IrFunction f) {
        new Check(f).run();
    }

    private static final class Check {
        private final IrFunction f;
        private final DominatorTree dom;
        private final Map<Value, Block> defBlock = new HashMap<>();
        private final Map<Value, Integer> defIndex = new HashMap<>();

        Check(IrFunction f) {
            this.f = f;
            this.dom = DominatorTree.compute(f);
        }

        private VerifyException fail(Block b, Inst i, String msg) {
            return new VerifyException(f.name() + ": " + (b == null ? "" : b + ": ")
                    + (i == null ? "" : "'" + i + "': ") + msg + "\n" + IrPrinter.print(f));
        }

        void run() {
            if (f.blocks().isEmpty()) {
                throw fail(null, null, "no blocks");
            }
            Block entry = f.entry();
            List<ValType> sigParams = f.signature().params();
            if (entry.params().size() != sigParams.size()) {
                throw fail(entry, null, "entry has " + entry.params().size() + " params, signature " + sigParams.size());
            }
            for (int i = 0; i < sigParams.size(); i++) {
                if (entry.params().get(i).type() != IrType.of(sigParams.get(i))) {
                    throw fail(entry, null, "entry param " + i + " has the wrong type");
                }
            }
            Set<Block> placed = new HashSet<>(f.blocks());
            for (Block b : f.blocks()) {
                if (!dom.isReachable(b)) {
                    throw fail(b, null, "block is unreachable from the entry");
                }
                for (Value p : b.params()) {
                    if (p.isAlias()) {
                        throw fail(b, null, p + " is an aliased parameter still in the block");
                    }
                    defBlock.put(p, b);
                    defIndex.put(p, -1);
                }
                ArrayList<Inst> insts = b.insts();
                if (insts.isEmpty() || !insts.get(insts.size() - 1).op().isTerminator()) {
                    throw fail(b, null, "block does not end in a terminator");
                }
                for (int i = 0; i < insts.size(); i++) {
                    Inst inst = insts.get(i);
                    if (inst.block() != b) {
                        throw fail(b, inst, "instruction's block link is wrong");
                    }
                    if (inst.op().isTerminator() && i != insts.size() - 1) {
                        throw fail(b, inst, "terminator in the middle of a block");
                    }
                    for (Value r : inst.results()) {
                        if (defBlock.put(r, b) != null) {
                            throw fail(b, inst, r + " is defined twice");
                        }
                        defIndex.put(r, i);
                    }
                    for (BlockCall bc : inst.targets()) {
                        if (!placed.contains(bc.target())) {
                            throw fail(b, inst, "branch to " + bc.target() + " which is not in the layout");
                        }
                    }
                }
            }
            for (Block b : f.blocks()) {
                ArrayList<Inst> insts = b.insts();
                for (int i = 0; i < insts.size(); i++) {
                    Inst inst = insts.get(i);
                    for (int a = 0; a < inst.args().size(); a++) {
                        checkUse(b, i, inst, inst.arg(a));
                    }
                    for (BlockCall bc : inst.targets()) {
                        List<Value> params = bc.target().params();
                        if (bc.args().size() != params.size()) {
                            throw fail(b, inst, "passes " + bc.args().size() + " args to " + bc.target()
                                    + " which has " + params.size() + " params");
                        }
                        for (int a = 0; a < params.size(); a++) {
                            Value v = bc.args().get(a).resolve();
                            checkUse(b, i, inst, v);
                            if (!IrType.compatible(v.type(), params.get(a).type())) {
                                throw fail(b, inst, "arg " + a + " to " + bc.target() + " has type " + v.type()
                                        + ", param " + params.get(a).type());
                            }
                        }
                    }
                    checkTypes(b, inst);
                }
            }
        }

        private void checkUse(Block b, int index, Inst inst, Value v) {
            Block d = defBlock.get(v);
            if (d == null) {
                throw fail(b, inst, v + " is not defined in this function's layout");
            }
            if (d == b) {
                if (defIndex.get(v) >= index) {
                    throw fail(b, inst, v + " is used before its definition");
                }
            } else if (!dom.dominates(d, b)) {
                throw fail(b, inst, v + " (defined in " + d + ") does not dominate this use");
            }
        }

        private void expectArgs(Block b, Inst inst, int n) {
            if (inst.args().size() != n) {
                throw fail(b, inst, "expects " + n + " operands");
            }
        }

        private void checkTypes(Block b, Inst inst) {
            if (LaneOps.isLaneOp(inst)) {
                checkLaneOp(b, inst);
                return;
            }
            switch (inst.op()) {
                case ICONST -> {
                    expectArgs(b, inst, 0);
                    intResult(b, inst);
                }
                case IADD, ISUB, IMUL, UMULHI, SMULHI, BAND, BOR, BXOR, ISHL, SSHR, USHR, ROTL, ROTR, SDIV, UDIV, SREM, UREM -> {
                    expectArgs(b, inst, 2);
                    IrType t = intResult(b, inst);
                    if (inst.arg(0).type() != t || inst.arg(1).type() != t) {
                        throw fail(b, inst, "operand types differ from the result type " + t);
                    }
                }
                case ICMP -> {
                    expectArgs(b, inst, 2);
                    if (inst.result().type() != IrType.I32 || !inst.arg(0).type().isInt()
                            || inst.arg(0).type() != inst.arg(1).type()) {
                        throw fail(b, inst, "icmp takes two integers of one type and gives i32");
                    }
                }
                case SELECT -> {
                    expectArgs(b, inst, 3);
                    // any value type: integers and floats
                    if (inst.arg(0).type() != IrType.I32 || !IrType.compatible(inst.arg(1).type(), inst.result().type())
                            || !IrType.compatible(inst.arg(2).type(), inst.result().type())) {
                        throw fail(b, inst, "select takes an i32 condition and two values of the result type");
                    }
                }
                case CLZ, CTZ, POPCNT, BSWAP -> {
                    expectArgs(b, inst, 1);
                    IrType t = intResult(b, inst);
                    if (inst.arg(0).type() != t) {
                        throw fail(b, inst, "operand type differs from the result type " + t);
                    }
                }
                case UEXTEND, SEXTEND -> {
                    expectArgs(b, inst, 1);
                    if (inst.arg(0).type() != IrType.I32 || inst.result().type() != IrType.I64) {
                        throw fail(b, inst, "extends take i32 and give i64");
                    }
                }
                case IREDUCE -> {
                    expectArgs(b, inst, 1);
                    if (inst.arg(0).type() != IrType.I64 || inst.result().type() != IrType.I32) {
                        throw fail(b, inst, "ireduce takes i64 and gives i32");
                    }
                }
                case SEXTEND_LOW -> {
                    expectArgs(b, inst, 1);
                    IrType t = intResult(b, inst);
                    if (inst.arg(0).type() != t || !(inst.imm() == 8 || inst.imm() == 16 || inst.imm() == 32 && t == IrType.I64)) {
                        throw fail(b, inst, "sextend_low needs a width of 8, 16 or 32 (i64 only) bits");
                    }
                }
                case BRIF -> {
                    expectArgs(b, inst, 1);
                    if (inst.arg(0).type() != IrType.I32 || inst.targets().size() != 2) {
                        throw fail(b, inst, "brif takes an i32 condition and two targets");
                    }
                }
                case BR_TABLE -> {
                    expectArgs(b, inst, 1);
                    if (inst.arg(0).type() != IrType.I32 || inst.targets().isEmpty()) {
                        throw fail(b, inst, "br_table takes an i32 index and at least a default target");
                    }
                }
                case JUMP -> {
                    expectArgs(b, inst, 0);
                    if (inst.targets().size() != 1) {
                        throw fail(b, inst, "jump has one target");
                    }
                }
                case RETURN -> {
                    List<ValType> results = f.signature().results();
                    expectArgs(b, inst, results.size());
                    for (int i = 0; i < results.size(); i++) {
                        if (!IrType.compatible(inst.arg(i).type(), IrType.of(results.get(i)))) {
                            throw fail(b, inst, "return value " + i + " has the wrong type");
                        }
                    }
                }
                case FCONST -> {
                    expectArgs(b, inst, 0);
                    floatResult(b, inst);
                }
                case FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FCOPYSIGN -> {
                    expectArgs(b, inst, 2);
                    IrType t = floatResult(b, inst);
                    if (inst.arg(0).type() != t || inst.arg(1).type() != t) {
                        throw fail(b, inst, "operand types differ from the result type " + t);
                    }
                }
                case FSQRT, FABS, FNEG, FCEIL, FFLOOR, FTRUNC, FNEAREST -> {
                    expectArgs(b, inst, 1);
                    IrType t = floatResult(b, inst);
                    if (inst.arg(0).type() != t) {
                        throw fail(b, inst, "operand type differs from the result type " + t);
                    }
                }
                case FCMP -> {
                    expectArgs(b, inst, 2);
                    if (inst.result().type() != IrType.I32 || !isFloat(inst.arg(0).type())
                            || inst.arg(0).type() != inst.arg(1).type() || inst.imm() < 0
                            || inst.imm() >= FloatCond.values().length) {
                        throw fail(b, inst, "fcmp takes two floats of one type and a condition, and gives i32");
                    }
                }
                case FPROMOTE, FDEMOTE -> {
                    expectArgs(b, inst, 1);
                    IrType from = inst.op() == Op.FPROMOTE ? IrType.F32 : IrType.F64;
                    IrType to = inst.op() == Op.FPROMOTE ? IrType.F64 : IrType.F32;
                    if (inst.arg(0).type() != from || inst.result().type() != to) {
                        throw fail(b, inst, inst.op() + " converts " + from + " to " + to);
                    }
                }
                case FCVT_FROM_SINT, FCVT_FROM_UINT -> {
                    expectArgs(b, inst, 1);
                    floatResult(b, inst);
                    if (!inst.arg(0).type().isInt()) {
                        throw fail(b, inst, "converts an integer");
                    }
                }
                case FCVT_TO_SINT, FCVT_TO_UINT, FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> {
                    expectArgs(b, inst, 1);
                    intResult(b, inst);
                    if (!isFloat(inst.arg(0).type())) {
                        throw fail(b, inst, "converts a float");
                    }
                }
                case BITCAST -> {
                    expectArgs(b, inst, 1);
                    IrType from = inst.arg(0).type();
                    IrType to = inst.result().type();
                    if (from.bits() != to.bits() || from.isInt() == to.isInt()) {
                        throw fail(b, inst, "bitcast changes between an integer and a float of the same width");
                    }
                }
                case VMCTX_LOAD -> expectArgs(b, inst, 0);
                case VMCTX_STORE -> expectArgs(b, inst, 1);
                case LOAD -> {
                    expectArgs(b, inst, 2);
                    checkAddress(b, inst);
                    int width = inst.aux() & 0xF;
                    if (width * 8 > inst.result().type().bits()) {
                        throw fail(b, inst, "loads " + width + " bytes into a " + inst.result().type());
                    }
                }
                case STORE -> {
                    expectArgs(b, inst, 3);
                    checkAddress(b, inst);
                    if ((inst.aux() & 0xF) * 8 > inst.arg(2).type().bits()) {
                        throw fail(b, inst, "stores more bytes than the value has");
                    }
                }
                case TRAPIF -> {
                    expectArgs(b, inst, 2);
                    if (inst.cond() == null || !inst.arg(0).type().isInt() || inst.arg(0).type() != inst.arg(1).type()) {
                        throw fail(b, inst, "trapif compares two integers of one type");
                    }
                }
                case MEMMOVE, MEMSET -> {
                    expectArgs(b, inst, 3);
                    IrType second = inst.op() == Op.MEMSET ? IrType.I32 : IrType.I64;
                    if (inst.arg(0).type() != IrType.I64 || inst.arg(1).type() != second
                            || inst.arg(2).type() != IrType.I64) {
                        throw fail(b, inst, inst.op() + " takes an i64 destination address, "
                                + (inst.op() == Op.MEMSET ? "an i32 byte" : "an i64 source address") + " and an i64 length");
                    }
                }
                case VMCTX_ADDR -> {
                    expectArgs(b, inst, 0);
                    if (inst.result().type() != IrType.I64) {
                        throw fail(b, inst, "vmctx_addr gives an i64 address");
                    }
                }
                case CALL_REF -> {
                    if (inst.args().isEmpty() || inst.arg(inst.args().size() - 1).type() != IrType.I64) {
                        throw fail(b, inst, "call_ref's last operand is the i64 address of a function record");
                    }
                }
                case TRAP, CALL, LIBCALL -> {
                }
                case THROW_REF -> {
                    expectArgs(b, inst, 1);
                    if (inst.arg(0).type() != IrType.I64) {
                        throw fail(b, inst, "throw_ref takes the i64 address of an exception");
                    }
                }
                case EXN_PENDING -> {
                    expectArgs(b, inst, 0);
                    if (inst.result().type() != IrType.I64) {
                        throw fail(b, inst, "exn_pending gives an i64 address");
                    }
                }
                case EXN_CLEAR -> expectArgs(b, inst, 0);
                case RETURN_CALL -> {
                    if (!inst.results().isEmpty()) {
                        throw fail(b, inst, "return_call has no results (the callee's are the function's)");
                    }
                }
                case RETURN_CALL_REF -> {
                    if (!inst.results().isEmpty() || inst.args().isEmpty()
                            || inst.arg(inst.args().size() - 1).type() != IrType.I64) {
                        throw fail(b, inst, "return_call_ref has no results and its last operand is the i64 function record");
                    }
                }
                case EPOCH_CHECK -> expectArgs(b, inst, 0);
            }
        }

        /**
         * A lane-wise operation ({@link LaneOps}): one the table names for its result type, with vector
         * operands (a shift's count an i32).
         */
        private void checkLaneOp(Block b, Inst inst) {
            try {
                LaneOps.opcode(inst);
            } catch (IllegalArgumentException e) {
                throw fail(b, inst, "no lane-wise " + inst.op() + " gives a " + inst.result().type());
            }
            boolean shift = inst.op() == Op.ISHL || inst.op() == Op.SSHR || inst.op() == Op.USHR;
            int arity = switch (inst.op()) {
                case POPCNT, FSQRT, FABS, FNEG, FCEIL, FFLOOR, FTRUNC, FNEAREST, FCVT_FROM_SINT, FCVT_FROM_UINT,
                        FCVT_TO_SINT_SAT, FCVT_TO_UINT_SAT -> 1;
                default -> 2;
            };
            expectArgs(b, inst, arity);
            for (int a = 0; a < arity; a++) {
                boolean ok = shift && a == 1 ? inst.arg(a).type() == IrType.I32 : inst.arg(a).type().isVector();
                if (!ok) {
                    throw fail(b, inst, "operand " + a + " of a lane-wise " + inst.op() + " has type " + inst.arg(a).type());
                }
            }
        }

        private void checkAddress(Block b, Inst inst) {
            if (inst.arg(0).type() != IrType.I64 || inst.arg(1).type() != IrType.I64) {
                throw fail(b, inst, "base and index of a memory access are i64");
            }
            int width = inst.aux() & 0xF;
            IrType value = inst.op() == Op.LOAD ? inst.result().type() : inst.arg(2).type();
            if (width == 0 && value.isVector()) {
                return; // width field 0: the 16 bytes of a v128
            }
            if (width != 1 && width != 2 && width != 4 && width != 8) {
                throw fail(b, inst, "access width must be 1, 2, 4 or 8 bytes (0 for a whole v128)");
            }
        }

        private static boolean isFloat(IrType t) {
            return t == IrType.F32 || t == IrType.F64;
        }

        private IrType floatResult(Block b, Inst inst) {
            IrType t = inst.result().type();
            if (!isFloat(t)) {
                throw fail(b, inst, "needs a float result type");
            }
            return t;
        }

        private IrType intResult(Block b, Inst inst) {
            IrType t = inst.result().type();
            if (!t.isInt()) {
                throw fail(b, inst, "needs an integer result type");
            }
            return t;
        }
    }
}
