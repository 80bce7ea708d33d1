package dev.kiln.compiler.opt;

import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMTableDefinition;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.FloatCond;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrPrinter;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.translate.FunctionTranslator;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * Test helpers: IR from WAT, instruction counts, and a small reference interpreter of the IR used to
 * check that a pass keeps a function's behaviour (results, traps, memory and globals).
 */
final class OptTestSupport {
    private OptTestSupport() {
    }

    /** A translated module: its functions' IR by funcidx, and the layout. */
    record Translated(WasmModule module, List<IrFunction> functions, VMContextLayout layout) {
    }

    static Translated translateAll(String wat) {
        byte[] bytes = Wat.parseModule(wat);
        WasmModule m = ModuleDecoder.decode(bytes);
        List<ValType> globals = new ArrayList<>();
        for (var g : m.globals()) {
            globals.add(g.type().valType());
        }
        VMContextLayout layout = VMContextLayout.forModule(m.importedFunctionCount(), m.functionCount(),
                m.types().size(), m.tableCount(), m.importedMemoryCount(), m.memoryCount(), m.importedGlobalCount(),
                globals, m.data().size());
        List<IrFunction> fs = new ArrayList<>();
        for (int i = 0; i < m.code().size(); i++) {
            IrFunction f = FunctionTranslator.translate(m, bytes, m.importedFunctionCount() + i, "f" + i, layout);
            Verifier.verify(f);
            fs.add(f);
        }
        return new Translated(m, fs, layout);
    }

    /** The alias facts of a translated module's VMContext, as the compiler computes them. */
    static InvariantLoads invariantLoads(Translated t) {
        boolean[] defined = new boolean[t.module().globals().size()];
        for (int i = 0; i < defined.length; i++) {
            defined[i] = t.module().globals().get(i).type().mutable();
        }
        return new InvariantLoads(t.layout(), new boolean[0], defined);
    }

    /** Function {@code funcIndex} of {@code wat}, translated and verified. */
    static IrFunction ir(String wat, int funcIndex) {
        return translateAll(wat).functions().get(funcIndex);
    }

    /** The loads and stores of {@code f}, in block order. */
    static List<dev.kiln.compiler.ir.Inst> accesses(IrFunction f) {
        List<dev.kiln.compiler.ir.Inst> out = new ArrayList<>();
        for (dev.kiln.compiler.ir.Block b : f.blocks()) {
            for (dev.kiln.compiler.ir.Inst inst : b.insts()) {
                if (inst.op() == Op.LOAD || inst.op() == Op.STORE) {
                    out.add(inst);
                }
            }
        }
        return out;
    }

    static String print(IrFunction f) {
        return IrPrinter.print(f);
    }

    /** Number of instructions with opcode {@code op}. */
    static int count(IrFunction f, Op op) {
        int n = 0;
        for (Block b : f.blocks()) {
            for (Inst i : b.insts()) {
                n += i.op() == op ? 1 : 0;
            }
        }
        return n;
    }

    /** Number of instructions. */
    static int size(IrFunction f) {
        int n = 0;
        for (Block b : f.blocks()) {
            n += b.insts().size();
        }
        return n;
    }

    // ---- interpreter ---------------------------------------------------------------------------

    /** A trap with its trap code. */
    static final class Trap extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long code;

        Trap(long code) {
            super("trap " + code, null, false, false);
            this.code = code;
        }
    }

    /** What a run produced: results or a trap code, plus the final memory and VMContext. */
    record Outcome(List<Long> results, long trap, byte[] memory, Map<Long, Long> vmctx) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Outcome x && results.equals(x.results) && trap == x.trap
                    && Arrays.equals(memory, x.memory) && vmctx.equals(x.vmctx);
        }

        @Override
        public int hashCode() {
            return results.hashCode();
        }

        @Override
        public String toString() {
            return trap != 0 ? "trap " + trap : "results " + results + " vmctx " + vmctx;
        }
    }

    static final long BASE = 0x1000_0000L;
    /** The VMContext's address, for {@code vmctx_addr} (a function record). */
    static final long VMCTX = 0x2000_0000L;

    /** The machine state shared by nested calls. */
    static final class Machine {
        final VMContextLayout layout;
        final IntFunction<IrFunction> functions;
        byte[] memory;
        final Map<Long, Long> vmctx = new HashMap<>();
        long fuel = 1_000_000;

        /**
         * The runtime structures ({@link Op#RUNTIME} loads and stores) by address: each table's
         * definition at {@code TABLES + 0x1000 * t} ({@value #TABLE_SIZE} null entries right after it).
         */
        final Map<Long, Long> runtime = new HashMap<>();
        static final long TABLES = 0x100_0000L;
        static final long TABLE_SIZE = 4;

        Machine(VMContextLayout layout, IntFunction<IrFunction> functions, int pages) {
            this.layout = layout;
            this.functions = functions;
            this.memory = new byte[pages * 65536];
            for (int t = 0; t < layout.tables(); t++) {
                long def = TABLES + 0x1000L * t;
                vmctx.put((long) layout.table(t), def);
                runtime.put(def + VMTableDefinition.BASE, def + VMTableDefinition.BYTES);
                runtime.put(def + VMTableDefinition.SIZE, TABLE_SIZE);
            }
            if (layout.memories() > 0) {
                vmctx.put((long) layout.memoryBase(0), BASE);
                vmctx.put((long) layout.memoryLength(0), (long) memory.length);
            }
        }

        Outcome run(IrFunction f, long... args) {
            List<Long> a = new ArrayList<>();
            for (long x : args) {
                a.add(x);
            }
            try {
                List<Long> r = call(f, a);
                return new Outcome(r, 0, memory.clone(), new HashMap<>(vmctx));
            } catch (Trap t) {
                return new Outcome(List.of(), t.code, memory.clone(), new HashMap<>(vmctx));
            }
        }

        private static long canon(IrType t, long v) {
            return t == IrType.I32 ? (int) v : t == IrType.F32 ? v & 0xFFFF_FFFFL : v;
        }

        List<Long> call(IrFunction f, List<Long> args) {
            Map<Value, Long> env = new HashMap<>();
            Block b = f.entry();
            List<Long> in = args;
            while (true) {
                if (--fuel < 0) {
                    throw new IllegalStateException("out of fuel");
                }
                for (int i = 0; i < b.params().size(); i++) {
                    env.put(b.params().get(i), canon(b.params().get(i).type(), in.get(i)));
                }
                BlockCall next = null;
                for (Inst inst : b.insts()) {
                    long[] x = new long[inst.args().size()];
                    for (int i = 0; i < x.length; i++) {
                        Long v = env.get(inst.arg(i));
                        if (v == null) {
                            throw new IllegalStateException("undefined " + inst.arg(i) + " in " + inst);
                        }
                        x[i] = v;
                    }
                    switch (inst.op()) {
                        case JUMP -> next = inst.targets().get(0);
                        case BRIF -> next = inst.targets().get((int) x[0] != 0 ? 0 : 1);
                        case BR_TABLE -> {
                            long idx = x[0] & 0xFFFF_FFFFL;
                            int n = inst.targets().size();
                            next = inst.targets().get(idx < n - 1 ? (int) idx : n - 1);
                        }
                        case RETURN -> {
                            List<Long> r = new ArrayList<>();
                            for (long v : x) {
                                r.add(v);
                            }
                            return r;
                        }
                        case RETURN_CALL -> {
                            List<Long> a = new ArrayList<>();
                            for (long v : x) {
                                a.add(v);
                            }
                            return call(functions.apply((int) inst.imm()), a);
                        }
                        case TRAP -> throw new Trap(inst.imm());
                        case TRAPIF -> {
                            if (inst.cond().eval(x[0], x[1], inst.arg(0).type().bits())) {
                                throw new Trap(inst.imm());
                            }
                        }
                        case CALL -> {
                            List<Long> a = new ArrayList<>();
                            for (long v : x) {
                                a.add(v);
                            }
                            List<Long> r = call(functions.apply((int) inst.imm()), a);
                            for (int i = 0; i < r.size(); i++) {
                                env.put(inst.results().get(i), r.get(i));
                            }
                        }
                        default -> {
                            long r = eval(inst, x);
                            if (!inst.results().isEmpty()) {
                                env.put(inst.result(), canon(inst.result().type(), r));
                            }
                        }
                    }
                    if (next != null) {
                        break;
                    }
                }
                List<Long> nextArgs = new ArrayList<>();
                for (Value v : next.args()) {
                    nextArgs.add(env.get(v.resolve()));
                }
                b = next.target();
                in = nextArgs;
            }
        }

        private long eval(Inst inst, long[] x) {
            Op op = inst.op();
            IrType t = inst.results().isEmpty() ? null : inst.result().type();
            switch (op) {
                case ICONST, FCONST -> {
                    return inst.imm();
                }
                case IADD, ISUB, IMUL, UMULHI, SMULHI, BAND, BOR, BXOR, ISHL, SSHR, USHR, ROTL, ROTR, SDIV, UDIV, SREM, UREM -> {
                    boolean w32 = t == IrType.I32;
                    if (op == Op.SDIV || op == Op.UDIV || op == Op.SREM || op == Op.UREM) {
                        if ((w32 ? (int) x[1] : x[1]) == 0) {
                            throw new Trap(2);
                        }
                        if (op == Op.SDIV && x[1] == -1 && (w32 ? (int) x[0] == Integer.MIN_VALUE : x[0] == Long.MIN_VALUE)) {
                            throw new Trap(3);
                        }
                    }
                    return Fold.intBinary(op, t, x[0], x[1]);
                }
                case CLZ, CTZ, POPCNT, BSWAP, UEXTEND, SEXTEND, IREDUCE, SEXTEND_LOW -> {
                    return Fold.intUnary(op, t, x[0], inst.imm());
                }
                case ICMP -> {
                    return Fold.icmp(inst.cond(), inst.arg(0).type(), x[0], x[1]);
                }
                case SELECT -> {
                    return (int) x[0] != 0 ? x[1] : x[2];
                }
                case FCMP -> {
                    return Fold.fcmp(FloatCond.values()[(int) inst.imm()], inst.arg(0).type(), x[0], x[1]);
                }
                case VMCTX_LOAD -> {
                    return vmctx.getOrDefault(inst.imm(), 0L);
                }
                case VMCTX_ADDR -> {
                    return VMCTX + inst.imm();
                }
                case VMCTX_STORE -> {
                    vmctx.put(inst.imm(), x[0]);
                    return 0;
                }
                case LOAD -> {
                    if ((inst.aux() & Op.RUNTIME) != 0) {
                        long at = x[0] + x[1] + inst.imm();
                        if (!runtime.containsKey(at) && !(at >= TABLES && at < TABLES + 0x10_0000L)) {
                            throw new IllegalStateException("runtime load of unknown address " + at + ": " + inst);
                        }
                        long v = runtime.getOrDefault(at, 0L);
                        return (inst.aux() & 0xF) == 4 ? v & 0xFFFF_FFFFL : v;
                    }
                    long addr = x[0] + x[1] + inst.imm() - BASE;
                    int width = inst.aux() & 0xF;
                    if (addr < 0 || addr + width > memory.length) {
                        throw new IllegalStateException("unchecked access out of bounds at " + addr + ": " + inst);
                    }
                    long v = 0;
                    for (int i = width - 1; i >= 0; i--) {
                        v = (v << 8) | (memory[(int) addr + i] & 0xFF);
                    }
                    if ((inst.aux() & 16) != 0 && width < 8) {
                        v = (v << (64 - width * 8)) >> (64 - width * 8);
                    }
                    return v;
                }
                case STORE -> {
                    if ((inst.aux() & Op.RUNTIME) != 0) {
                        runtime.put(x[0] + x[1] + inst.imm(), x[2]);
                        return 0;
                    }
                    long addr = x[0] + x[1] + inst.imm() - BASE;
                    int width = inst.aux() & 0xF;
                    if (addr < 0 || addr + width > memory.length) {
                        throw new IllegalStateException("unchecked access out of bounds at " + addr + ": " + inst);
                    }
                    for (int i = 0; i < width; i++) {
                        memory[(int) addr + i] = (byte) (x[2] >> (8 * i));
                    }
                    return 0;
                }
                case MEMMOVE -> {
                    long dst = x[0] - BASE;
                    long src = x[1] - BASE;
                    if (dst < 0 || src < 0 || dst + x[2] > memory.length || src + x[2] > memory.length) {
                        throw new IllegalStateException("unchecked memmove out of bounds: " + inst);
                    }
                    System.arraycopy(memory, (int) src, memory, (int) dst, (int) x[2]);
                    return 0;
                }
                case MEMSET -> {
                    long dst = x[0] - BASE;
                    if (dst < 0 || dst + x[2] > memory.length) {
                        throw new IllegalStateException("unchecked memset out of bounds: " + inst);
                    }
                    Arrays.fill(memory, (int) dst, (int) (dst + x[2]), (byte) x[1]);
                    return 0;
                }
                case LIBCALL -> {
                    if (inst.imm() == VMContextLayout.LIBCALL_TABLE_GROW) {
                        long def = vmctx.get((long) layout.table((int) x[0]));
                        long old = runtime.get(def + VMTableDefinition.SIZE);
                        runtime.put(def + VMTableDefinition.SIZE, old + (x[1] & 0xFFFF_FFFFL));
                        return old;
                    }
                    if (inst.imm() != VMContextLayout.LIBCALL_MEMORY_GROW || x[0] != 0) {
                        throw new UnsupportedOperationException("interpreter: " + inst);
                    }
                    long old = memory.length / 65536;
                    long delta = x[1] & 0xFFFF_FFFFL;
                    if (old + delta > 16) {
                        return -1;
                    }
                    memory = Arrays.copyOf(memory, (int) ((old + delta) * 65536));
                    vmctx.put((long) layout.memoryLength(0), (long) memory.length);
                    return old;
                }
                default -> {
                    Long r;
                    if (t == IrType.F32 || t == IrType.F64) {
                        if (inst.args().size() == 2 || op == Op.FSQRT || op == Op.FABS || op == Op.FNEG || op == Op.FCEIL
                                || op == Op.FFLOOR || op == Op.FTRUNC || op == Op.FNEAREST) {
                            r = Fold.floatOp(op, t, x[0], x.length > 1 ? x[1] : 0);
                            if (r == null) {
                                return t == IrType.F32 ? 0x7FC0_0000L : 0x7FF8_0000_0000_0000L; // canonical NaN
                            }
                            return r;
                        }
                    }
                    r = Fold.convert(op, inst.arg(0).type(), t, x[0]);
                    if (r == null && (op == Op.FCVT_TO_SINT || op == Op.FCVT_TO_UINT)) {
                        IrType from = inst.arg(0).type();
                        double d = from == IrType.F32 ? Float.intBitsToFloat((int) x[0]) : Double.longBitsToDouble(x[0]);
                        throw new Trap(Double.isNaN(d) ? 4 : 3);
                    }
                    if (r == null) {
                        throw new UnsupportedOperationException("interpreter: " + inst);
                    }
                    return r;
                }
            }
        }
    }

    /** Runs {@code f} on fresh state (memory of {@code pages} pages, zero globals). */
    static Outcome run(Translated t, IrFunction f, int pages, long... args) {
        return new Machine(t.layout(), i -> t.functions().get(i), pages).run(f, args);
    }

    /**
     * The buffer reader of the builtin loop tests ({@code LoopLoadForwardingTest},
     * {@code WindowSplittingTest}): the store context at {@link #SCTX}, the store data
     * {@code {u64 cursor; u64 end; u64 next}} at {@link #SDA}, the buffer read at {@link #BUFFER} (a byte
     * pattern), and the IR builders the tests make the reader with.
     */
    static final class Reader {
        /** Where the store context lies in the interpreter's memory ({@code vmctx[STORE_CONTEXT]} points here). */
        static final long SCTX = BASE + 256;
        /** The store data: {@code {u64 cursor; u64 end; u64 next}}. */
        static final long SDA = BASE + 1024;
        /** The buffer the reader reads. */
        static final long BUFFER = BASE + 4096;

        private Reader() {
        }

        /** A new block placed at the end of {@code f}. */
        static Block block(IrFunction f) {
            Block b = f.newBlock();
            f.place(b);
            return b;
        }

        /** Appends {@code load.type base, index, disp} with {@code aux} (width and flags) to {@code b}. */
        static Value load(Block b, Value base, Value index, long disp, IrType type, int aux) {
            return b.append(Op.LOAD, List.of(base, index), disp, null, null, List.of(type)).withAux(aux).result();
        }

        /** Appends {@code store base, index, value, disp} with {@code aux} (width and flags) to {@code b}. */
        static void store(Block b, Value base, Value index, long disp, Value value, int aux) {
            b.append(Op.STORE, List.of(base, index, value), disp, null, null, List.of()).withAux(aux);
        }

        /** Runs {@code fs[0]} as {@code sum(n, SDA)} with the store data {@code {cursor, end, BUFFER}} and the memory a pattern. */
        static Outcome run(IrFunction[] fs, long cursor, long end, long n) {
            var m = new Machine(VMContextLayout.forModule(0, List.of(), 0), i -> fs[i], 1);
            for (int i = 0; i < m.memory.length; i++) {
                m.memory[i] = (byte) (i * 13 + 1);
            }
            m.vmctx.put((long) VMContextLayout.STORE_CONTEXT, SCTX);
            put(m, SCTX + dev.kiln.abi.VMStoreContext.STORE_DATA, SDA);
            put(m, SDA, cursor);
            put(m, SDA + 8, end);
            put(m, SDA + 16, BUFFER);
            return m.run(fs[0], n, SDA);
        }

        /** Writes the u64 {@code value} at interpreter address {@code address}. */
        static void put(Machine m, long address, long value) {
            int at = (int) (address - BASE);
            for (int i = 0; i < 8; i++) {
                m.memory[at + i] = (byte) (value >>> (8 * i));
            }
        }
    }
}
