package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.Reader.BUFFER;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.SCTX;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.SDA;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.block;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.load;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.put;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.run;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.store;

import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.BlockCall;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link WindowSplitting} on the guest loop of a reader builtin after inlining (the {@code builtins}
 * golden {@code cold-slow-path.wat}), built by hand: {@code sum(n)} adds {@code n} values, each read
 * at the cursor of the store data {@code {u64 cursor; u64 end; u64 next}} while
 * {@code cursor < end} (the cursor then moves on by the step), else from {@code refill(sda)}
 * (funcidx 1), which opens the next window of the buffer. Each function is optimized by
 * {@link LoopLoadForwarding} and this pass and run on the reference interpreter of
 * {@link OptTestSupport} against the unoptimized one: results, traps and the final memory (which holds
 * the store data) must be the same, also where the buffer overlaps the store data.
 */
class WindowSplittingTest {
    private static final int NATIVE = Op.NATIVE;

    /** How the reader loop is built. */
    private record Shape(IrType counter, long step, long window, int loadWidth, FastPath extra, boolean coldCall,
            boolean counterStep1, boolean wrapTest) {
        static Shape plain() {
            return new Shape(IrType.I32, 1, 5, 1, NOTHING, true, true, false);
        }

        /** An i64 counter whose latch tests its low 32 bits ({@code br_if (i32.wrap_i64 n)}). */
        Shape wrapped() {
            return new Shape(IrType.I64, step, window, loadWidth, extra, coldCall, counterStep1, true);
        }

        Shape counter(IrType t) {
            return new Shape(t, step, window, loadWidth, extra, coldCall, counterStep1, wrapTest);
        }

        Shape step(long s) {
            return new Shape(counter, s, window, loadWidth, extra, coldCall, counterStep1, wrapTest);
        }

        Shape window(long w) {
            return new Shape(counter, step, w, loadWidth, extra, coldCall, counterStep1, wrapTest);
        }

        Shape width(int w) {
            return new Shape(counter, step, window, w, extra, coldCall, counterStep1, wrapTest);
        }

        Shape extra(FastPath e) {
            return new Shape(counter, step, window, loadWidth, e, coldCall, counterStep1, wrapTest);
        }

        Shape noCall() {
            return new Shape(counter, step, window, loadWidth, extra, false, counterStep1, wrapTest);
        }

        Shape countByTwo() {
            return new Shape(counter, step, window, loadWidth, extra, coldCall, false, wrapTest);
        }
    }

    /** Code added to the fast path after the cursor's store and the load. */
    private interface FastPath {
        void build(Block fast, Value sda, Value cursor, Value zero);
    }

    private static final FastPath NOTHING = (fast, sda, cursor, zero) -> {
    };

    /** {@code [sum, refill]}. */
    private static IrFunction[] reader(Shape s) {
        IrType kt = s.counter();
        ValType kv = kt == IrType.I32 ? ValType.I32 : ValType.I64;
        IrFunction f = new IrFunction(0, "sum", new FuncType(List.of(kv, ValType.I64), List.of(ValType.I32)));
        Block entry = block(f);
        Value n = entry.addParam(kt);
        entry.addParam(IrType.I64);
        Block pre = block(f);
        Block h = block(f);
        Value k = h.addParam(kt);
        Value sum = h.addParam(IrType.I32);
        Block fast = block(f);
        Block slow = block(f);
        Block latch = block(f);
        Value x = latch.addParam(IrType.I32);
        Block exit = block(f);
        Block done = block(f);
        Value zero = entry.append1(Op.ICONST, IrType.I64, 0);
        Value sctx = entry.append(Op.VMCTX_LOAD, List.of(), VMContextLayout.STORE_CONTEXT, null, null, List.of(IrType.I64))
                .withAux(Op.INVARIANT).result();
        Value sda = entry.append(Op.LOAD, List.of(sctx, zero), VMStoreContext.STORE_DATA, null, null, List.of(IrType.I64))
                .withAux(8 | NATIVE | Op.INVARIANT).result();
        Value zero32 = entry.append1(Op.ICONST, IrType.I32, 0);
        Value nz = kt == IrType.I32 ? n
                : entry.append(Op.ICMP, List.of(n, entry.append1(Op.ICONST, IrType.I64, 0)), 0, Cond.NE, null, List.of(IrType.I32)).result();
        entry.append(Op.BRIF, List.of(nz), 0, null, List.of(new BlockCall(pre, List.of()), new BlockCall(done, List.of())), List.of());
        pre.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(h, List.of(n, zero32))), List.of());
        Value cursor = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
        Value end = load(h, sda, zero, 8, IrType.I64, 8 | NATIVE);
        Value more = h.append(Op.ICMP, List.of(cursor, end), 0, Cond.ULT, null, List.of(IrType.I32)).result();
        h.append(Op.BRIF, List.of(more), 0, null, List.of(new BlockCall(fast, List.of()), new BlockCall(slow, List.of())), List.of());
        store(fast, sda, zero, 0, fast.append1(Op.IADD, IrType.I64, 0, cursor, fast.append1(Op.ICONST, IrType.I64, s.step())), 8 | NATIVE);
        Value b = load(fast, cursor, zero, 0, IrType.I32, s.loadWidth() | NATIVE);
        s.extra().build(fast, sda, cursor, zero);
        fast.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(latch, List.of(b))), List.of());
        Value r;
        if (s.coldCall()) {
            r = slow.append(Op.CALL, List.of(sda), 1, null, null, List.of(IrType.I32)).result();
        } else {
            // a slow path without a call: starts the window again at the buffer
            store(slow, sda, zero, 0, slow.append1(Op.ICONST, IrType.I64, BUFFER), 8 | NATIVE);
            r = slow.append1(Op.ICONST, IrType.I32, 7);
        }
        slow.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(latch, List.of(r))), List.of());
        Value sum2 = latch.append1(Op.IADD, IrType.I32, 0, sum, x);
        Value k2 = latch.append1(Op.ISUB, kt, 0, k, latch.append1(Op.ICONST, kt, s.counterStep1() ? 1 : 2));
        Value k2nz = kt == IrType.I32 ? k2
                : s.wrapTest() ? latch.append1(Op.IREDUCE, IrType.I32, 0, k2)
                : latch.append(Op.ICMP, List.of(k2, latch.append1(Op.ICONST, IrType.I64, 0)), 0, Cond.NE, null, List.of(IrType.I32)).result();
        latch.append(Op.BRIF, List.of(k2nz), 0, null, List.of(new BlockCall(h, List.of(k2, sum2)), new BlockCall(exit, List.of())), List.of());
        exit.append(Op.RETURN, List.of(sum2), 0, null, null, List.of());
        done.append(Op.RETURN, List.of(zero32), 0, null, null, List.of());
        Verifier.verify(f);
        return new IrFunction[] {f, refill(s)};
    }

    /** {@code refill(sda) -> i32}: the value at {@code next}; cursor = next + step, end = next = next + window. */
    private static IrFunction refill(Shape s) {
        IrFunction f = new IrFunction(1, "refill", new FuncType(List.of(ValType.I64), List.of(ValType.I32)));
        Block b = block(f);
        Value sda = b.addParam(IrType.I64);
        Value zero = b.append1(Op.ICONST, IrType.I64, 0);
        Value start = load(b, sda, zero, 16, IrType.I64, 8 | NATIVE);
        store(b, sda, zero, 0, b.append1(Op.IADD, IrType.I64, 0, start, b.append1(Op.ICONST, IrType.I64, s.step())), 8 | NATIVE);
        Value next = b.append1(Op.IADD, IrType.I64, 0, start, b.append1(Op.ICONST, IrType.I64, s.window()));
        store(b, sda, zero, 8, next, 8 | NATIVE);
        store(b, sda, zero, 16, next, 8 | NATIVE);
        Value r = load(b, start, zero, 0, IrType.I32, s.loadWidth() | NATIVE);
        b.append(Op.RETURN, List.of(r), 0, null, null, List.of());
        Verifier.verify(f);
        return f;
    }

    /**
     * Builds the reader twice, optimizes one with {@link LoopLoadForwarding} and this pass (asserting
     * whether this pass changed it), and compares both runs on each {@code {cursor, end, n}}; also
     * with {@link Simplifier} and {@link DeadCodeElimination} after it. Returns that cleaned function.
     */
    private static IrFunction split(Shape s, boolean expectChange, long[]... cases) {
        IrFunction[] before = reader(s);
        IrFunction[] after = reader(s);
        LoopLoadForwarding.run(after[0]);
        Verifier.verify(after[0]);
        String ir = print(after[0]);
        assertEquals(expectChange, WindowSplitting.run(after[0]), ir);
        Verifier.verify(after[0]);
        if (expectChange) {
            assertFalse(WindowSplitting.run(after[0]), "split twice:\n" + print(after[0]));
        }
        String opt = print(after[0]);
        // the rest of the pipeline's clean-up must keep the behaviour too
        IrFunction[] cleaned = reader(s);
        LoopLoadForwarding.run(cleaned[0]);
        WindowSplitting.run(cleaned[0]);
        Simplifier.run(cleaned[0]);
        DeadCodeElimination.run(cleaned[0]);
        Verifier.verify(cleaned[0]);
        cleaned[1] = after[1];
        for (long[] c : cases) {
            OptTestSupport.Outcome want = run(before, c[0], c[1], c[2]);
            assertEquals(want, run(after, c[0], c[1], c[2]), "case " + Arrays.toString(c) + "\nbefore:\n" + ir + "after:\n" + opt);
            assertEquals(want, run(cleaned, c[0], c[1], c[2]), "case " + Arrays.toString(c) + "\ncleaned:\n" + print(cleaned[0]));
        }
        return cleaned[0];
    }

    /** The blocks of the innermost loops of {@code f} that contain no call. */
    private static List<List<Block>> callFreeInnerLoops(IrFunction f) {
        DominatorTree dom = DominatorTree.compute(f);
        var loops = LoopInvariantCodeMotion.findLoops(f, dom, OptUtil.predecessors(f), dom.reversePostorder());
        List<List<Block>> out = new ArrayList<>();
        for (var l : loops) {
            boolean innermost = loops.stream().noneMatch(o -> o != l && l.body.get(o.header.id()));
            boolean calls = l.blocks.stream().anyMatch(b -> b.insts().stream().anyMatch(i -> i.op() == Op.CALL));
            if (innermost && !calls) {
                out.add(l.blocks);
            }
        }
        return out;
    }

    private static long countIn(List<Block> blocks, java.util.function.Predicate<Inst> p) {
        return blocks.stream().mapToLong(b -> b.insts().stream().filter(p).count()).sum();
    }

    /** The cases every shape runs: refills at once, a first window, a first window the counter does not use up, n = 1. */
    private static final long[][] COMMON = {
        {0, 0, 23},
        {BUFFER + 100, BUFFER + 103, 9},
        {BUFFER + 100, BUFFER + 1100, 9},  // the counter runs out inside the window
        {BUFFER + 100, BUFFER + 1100, 1},
        {BUFFER + 100, BUFFER + 1100, 2},
        {BUFFER + 100, BUFFER + 100, 4},   // a window of size 0
        {BUFFER + 100, BUFFER + 101, 4},   // a window of size 1
        {BUFFER + 100, BUFFER + 102, 4},   // of size 2
        {BUFFER + 100, BUFFER + 103, 9},   // of size 3: fewer than MIN_ITERATIONS, the original loop runs it
        {BUFFER + 100, BUFFER + 104, 9},   // of size 4: the inner loop runs it
        {BUFFER + 100, BUFFER + 1100, 4},  // three inner iterations left by the counter: the original loop
        {BUFFER + 100, BUFFER + 1100, 5},  // four
        {BUFFER + 100, BUFFER + 106, 6},   // window and counter end together
        {BUFFER + 100, BUFFER + 106, 7},
        {BUFFER + 100, BUFFER + 106, 5},
    };

    @Test
    void theFastPathRunsInAnInnerLoopWithoutTheRangeCheckTheStoreOrTheCall() {
        IrFunction f = split(Shape.plain(), true, COMMON);
        List<List<Block>> inner = callFreeInnerLoops(f);
        assertEquals(2, inner.size(), print(f)); // the promoted loop, and the one for a failed window check
        List<Block> loop = inner.stream().filter(l -> countIn(l, i -> i.op() == Op.STORE) == 0).findFirst()
                .orElseThrow(() -> new AssertionError(print(f)));
        List<Block> keep = inner.stream().filter(l -> l != loop).findFirst().orElseThrow();
        for (List<Block> l : inner) {
            assertEquals(0, countIn(l, i -> i.op() == Op.CALL), print(f));
            assertEquals(0, countIn(l, i -> i.op() == Op.ICMP && (i.cond() == Cond.ULT || i.cond() == Cond.UGT)
                    && i.arg(0).type() == IrType.I64), print(f));
            assertEquals(1, countIn(l, i -> i.op() == Op.LOAD), print(f)); // the byte
        }
        assertEquals(1, countIn(keep, i -> i.op() == Op.STORE), print(f));
        // the original fast path's store, the store once per window after the promoted loop, the kept one
        assertEquals(3, f.blocks().stream().mapToLong(b -> b.insts().stream().filter(i -> i.op() == Op.STORE).count()).sum(),
                print(f));
    }

    @Test
    void windowsOfRefilledSizesZeroOneAndTwo() {
        // refill gives windows of (window - 1) bytes after the one it returns
        for (long w : new long[] {1, 2, 3}) {
            split(Shape.plain().window(w), true, COMMON);
        }
    }

    @Test
    void aBufferOverlappingTheStoreDataFailsTheWindowCheck() {
        // the bytes read include the cursor and the end themselves: the promoted loop must not run
        split(Shape.plain(), true,
                new long[] {SDA - 8, SDA + 24, 20},
                new long[] {SDA - 3, SDA + 2, 9},
                new long[] {SDA + 7, SDA + 40, 30},
                new long[] {SDA + 15, SDA + 17, 5},
                new long[] {SDA + 16, SDA + 40, 30}); // past cursor and end: the window check passes
        split(Shape.plain().width(4), true,
                new long[] {SDA - 4, SDA + 24, 20}, // a 4-byte load at SDA - 4 + 3 reaches the cursor
                new long[] {SDA - 12, SDA - 4, 20},
                new long[] {SDA - 12, SDA - 3, 20});
    }

    @Test
    void anI64Counter() {
        IrFunction f = split(Shape.plain().counter(IrType.I64), true, COMMON);
        assertEquals(2, callFreeInnerLoops(f).size(), print(f));
    }

    @Test
    void anI64CounterWhoseLowHalfIsTested() {
        IrFunction f = split(Shape.plain().wrapped(), true, COMMON);
        assertEquals(2, callFreeInnerLoops(f).size(), print(f));
        // 2^32 + 3 counts as 3: the loop ends after three values
        split(Shape.plain().wrapped(), true, new long[] {BUFFER + 100, BUFFER + 1100, (1L << 32) + 3},
                new long[] {BUFFER + 100, BUFFER + 102, (1L << 32) + 3},
                new long[] {BUFFER + 100, BUFFER + 1100, 1L << 33 | 1});
    }

    @Test
    void aStepOfFourAndOfThree() {
        long[][] cases = {
            {0, 0, 23},
            {BUFFER + 100, BUFFER + 120, 9},
            {BUFFER + 100, BUFFER + 121, 40},
            {BUFFER + 100, BUFFER + 103, 3},
            {SDA - 12, SDA + 40, 20},
        };
        split(Shape.plain().step(4).width(4).window(18), true, cases);
        split(Shape.plain().step(3).width(2).window(10), true, cases);
    }

    @Test
    void randomInputs() {
        Random r = new Random(20);
        for (Shape s : List.of(Shape.plain(), Shape.plain().step(2).width(4).window(7), Shape.plain().counter(IrType.I64).window(3),
                Shape.plain().wrapped().window(4))) {
            List<long[]> cases = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long base = r.nextBoolean() ? BUFFER : SDA - 16;
                long c = base + r.nextInt(40);
                long e = c + r.nextInt(40) - 5;
                cases.add(new long[] {c, e, r.nextInt(50)});
            }
            split(s, true, cases.toArray(long[][]::new));
        }
    }

    @Test
    void aStoreThroughTheBufferPointerPreventsTheSplit() {
        FastPath overwrite = (fast, sda, cursor, zero) -> store(fast, cursor, zero, 0, fast.append1(Op.ICONST, IrType.I32, 0x55), 1 | NATIVE);
        split(Shape.plain().extra(overwrite), false, new long[] {0, 0, 12}, new long[] {SDA, SDA + 24, 6});
    }

    @Test
    void aLoadThatMayReadThePromotedLocationPreventsTheSplit() {
        // reads through the pointer at next (not the cursor, not disjoint from nothing known)
        FastPath peek = (fast, sda, cursor, zero) -> {
            Value p = load(fast, sda, zero, 16, IrType.I64, 8 | NATIVE);
            load(fast, p, zero, 0, IrType.I32, 1 | NATIVE);
        };
        split(Shape.plain().extra(peek), false, new long[] {0, 0, 12});
    }

    @Test
    void aSlowPathWithoutACallIsNotCold() {
        split(Shape.plain().noCall(), false, new long[] {BUFFER, BUFFER + 3, 12});
    }

    @Test
    void aCounterThatStepsByTwoIsNotRecognized() {
        split(Shape.plain().countByTwo(), false, new long[] {BUFFER, BUFFER + 3, 12});
    }

    @Test
    void aLoopWithoutTheRangeCheckIsLeftAlone() {
        String wat = """
                (module (memory 1) (func $g (param i32) (result i32) (local.get 0))
                  (func (param $n i32) (result i32) (local $s i32)
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $n)))
                      (local.set $s (i32.add (local.get $s) (call $g (local.get $n))))
                      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                      (br $next)))
                    (local.get $s)))
                """;
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(1);
        Simplifier.run(f);
        assertFalse(WindowSplitting.run(f), print(f));
    }

    @Test
    void theWholePipelineSplitsTheReader() {
        IrFunction[] fs = reader(Shape.plain());
        IrFunction[] before = reader(Shape.plain());
        List<Pipeline.PassResult> passes = Pipeline.optimize(fs[0], (java.util.function.IntFunction<IrFunction>) null, true);
        assertTrue(passes.stream().anyMatch(p -> p.pass().equals("window") && p.changed()), print(fs[0]));
        for (long[] c : COMMON) {
            assertEquals(run(before, c[0], c[1], c[2]), run(fs, c[0], c[1], c[2]), Arrays.toString(c) + "\n" + print(fs[0]));
        }
    }
}
