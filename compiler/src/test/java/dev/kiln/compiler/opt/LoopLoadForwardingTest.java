package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.Reader.BUFFER;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.SCTX;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.SDA;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.block;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.load;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.put;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.run;
import static dev.kiln.compiler.opt.OptTestSupport.Reader.store;

import static dev.kiln.compiler.opt.LoopInvariantCodeMotionTest.inLoop;
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
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import dev.kiln.compiler.ir.Verifier;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@link LoopLoadForwarding}: Wasm globals and linear memory from WAT, and native loads of the store
 * data built by hand in the shape inlined builtins produce (the reader builtin with a cold slow path
 * that calls a refill function). Each function is checked for its new shape and run on the reference
 * interpreter of {@link OptTestSupport} before and after: results, traps, the final memory and
 * VMContext must be the same, also when a store through another pointer does write the location.
 */
class LoopLoadForwardingTest {
    private static final int NATIVE = Op.NATIVE;
    /** Bytes the refill function makes available at a time. */
    private static final long WINDOW = 5;

    // ---- WAT: globals and linear memory --------------------------------------------------------

    private static OptTestSupport.Translated t;

    /** Function 0 of {@code wat} after the passes that run before this one, then this one; asserts whether it changed. */
    private static IrFunction forwarded(String wat, boolean expectChange) {
        t = OptTestSupport.translateAll(wat);
        IrFunction f = OptTestSupport.translateAll(wat).functions().get(0);
        OptTestSupport.invariantLoads(t).mark(f);
        Simplifier.run(f);
        GlobalValueNumbering.run(f);
        LoopInvariantCodeMotion.run(f);
        DeadCodeElimination.run(f);
        String before = print(f);
        assertEquals(expectChange, LoopLoadForwarding.run(f), before);
        Verifier.verify(f);
        DeadCodeElimination.run(f);
        Verifier.verify(f);
        return f;
    }

    private static int inLoops(IrFunction f, Predicate<Inst> which) {
        int n = 0;
        for (Block b : f.blocks()) {
            if (inLoop(b)) {
                n += (int) b.insts().stream().filter(which).count();
            }
        }
        return n;
    }

    private static void sameBehaviour(IrFunction after, long[]... inputs) {
        IrFunction before = t.functions().get(0);
        for (long[] in : inputs) {
            assertEquals(OptTestSupport.run(t, before, 1, in), OptTestSupport.run(t, after, 1, in),
                    java.util.Arrays.toString(in) + "\n" + print(after));
        }
    }

    private static final String GLOBAL_LOOP = """
            (module (global $g (mut i32) (i32.const 3)) (memory 1)
              (func (param $n i32) (result i32)
                (block $done (loop $next
                  (br_if $done (i32.eqz (local.get $n)))
                  (global.set $g (i32.add (global.get $g) (local.get $n)))
                  %s
                  (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                  (br $next)))
                (global.get $g))
              (func $double (global.set $g (i32.mul (global.get $g) (i32.const 2)))))
            """;

    @Test
    void aGlobalCounterIsReadOnceBeforeTheLoop() {
        IrFunction f = forwarded(GLOBAL_LOOP.formatted(""), true);
        assertEquals(0, inLoops(f, i -> i.op() == Op.VMCTX_LOAD), print(f));
        assertEquals(1, inLoops(f, i -> i.op() == Op.VMCTX_STORE), print(f)); // the store stays
        sameBehaviour(f, new long[] {0}, new long[] {1}, new long[] {10});
    }

    @Test
    void aCallInTheLoopIsFollowedByAReloadOnItsPathOnly() {
        // the callee doubles $g on every third iteration; the other paths carry the stored value
        IrFunction f = forwarded(GLOBAL_LOOP.formatted("(if (i32.eqz (i32.rem_u (local.get $n) (i32.const 3))) (then (call $double)))"), true);
        List<Block> reloads = f.blocks().stream().filter(b -> inLoop(b) && b.insts().stream().anyMatch(i -> i.op() == Op.VMCTX_LOAD)).toList();
        assertEquals(1, reloads.size(), print(f));
        Block slow = reloads.get(0);
        int call = indexOf(slow, Op.CALL);
        assertTrue(call >= 0 && call < indexOf(slow, Op.VMCTX_LOAD), print(f)); // after the call, in its block
        assertEquals(1, inLoops(f, i -> i.op() == Op.VMCTX_LOAD), print(f));
        sameBehaviour(f, new long[] {0}, new long[] {3}, new long[] {10});
    }

    @Test
    void disjointLoopsAndNestedLoopsAreEachPromoted() {
        // two loops one after the other (promoted in one round), the second inside an outer loop that
        // counts in another global (promoted in a later round, once the inner loop has its new shape)
        IrFunction f = forwarded("""
                (module (global $a (mut i32) (i32.const 3)) (global $b (mut i32) (i32.const 5))
                  (global $c (mut i32) (i32.const 7)) (memory 1)
                  (func (param $n i32) (result i32) (local $i i32) (local $j i32)
                    (local.set $i (local.get $n))
                    (block $done (loop $next
                      (br_if $done (i32.eqz (local.get $i)))
                      (global.set $a (i32.add (global.get $a) (local.get $i)))
                      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                      (br $next)))
                    (local.set $i (local.get $n))
                    (block $outerDone (loop $outer
                      (br_if $outerDone (i32.eqz (local.get $i)))
                      (global.set $c (i32.xor (global.get $c) (local.get $i)))
                      (local.set $j (local.get $i))
                      (block $innerDone (loop $inner
                        (br_if $innerDone (i32.eqz (local.get $j)))
                        (global.set $b (i32.add (global.get $b) (i32.mul (local.get $j) (local.get $i))))
                        (local.set $j (i32.sub (local.get $j) (i32.const 1)))
                        (br $inner)))
                      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
                      (br $outer)))
                    (i32.add (global.get $a) (i32.add (global.get $b) (global.get $c)))))
                """, true);
        // every global is read once before the loop that counts in it: $a and $c before theirs, $b once
        // per outer iteration before the inner loop (which writes it), not in the inner loop
        assertEquals(1, inLoops(f, i -> i.op() == Op.VMCTX_LOAD), print(f));
        Inst bLoad = f.blocks().stream().filter(LoopInvariantCodeMotionTest::inLoop).flatMap(b -> b.insts().stream())
                .filter(i -> i.op() == Op.VMCTX_LOAD).findFirst().orElseThrow();
        // its block jumps to the inner loop's header, and the inner loop cycles without it
        Block inner = bLoad.block().terminator().targets().get(0).target();
        java.util.Set<Block> seen = new java.util.HashSet<>(List.of(bLoad.block()));
        java.util.ArrayDeque<Block> work = new java.util.ArrayDeque<>(inner.successors());
        boolean cycles = false;
        while (!work.isEmpty()) {
            Block x = work.poll();
            cycles |= x == inner;
            if (seen.add(x)) {
                work.addAll(x.successors());
            }
        }
        assertTrue(cycles, print(f));
        assertEquals(3, inLoops(f, i -> i.op() == Op.VMCTX_STORE), print(f));
        sameBehaviour(f, new long[] {0}, new long[] {1}, new long[] {4}, new long[] {9});
    }

    @Test
    void aLoopThatCallsOutOnMostPathsIsLeftAlone() {
        // three calls on three paths: a load after each and a parameter at each join would outweigh
        // the one load removed
        forwarded(GLOBAL_LOOP.formatted("""
                (if (i32.eq (local.get $n) (i32.const 1)) (then (call $double))
                  (else (if (i32.eq (local.get $n) (i32.const 2)) (then (call $double))
                    (else (if (i32.eq (local.get $n) (i32.const 3)) (then (call $double)))))))"""), false);
    }

    @Test
    void aLoopOfMoreThanTheInstructionLimitIsLeftAlone() {
        // the same loop with 10 and with 2100 stores to linear memory (which cannot write $g)
        String store = "(i32.store (i32.const 64) (local.get $n))\n";
        IrFunction small = forwarded(GLOBAL_LOOP.formatted(store.repeat(10)), true);
        assertEquals(0, inLoops(small, i -> i.op() == Op.VMCTX_LOAD), print(small));
        IrFunction large = forwarded(GLOBAL_LOOP.formatted(store.repeat(2100)), false);
        assertTrue(inLoops(large, i -> true) > LoopLoadForwarding.MAX_LOOP_INSTRUCTIONS);
    }

    private static int indexOf(Block b, Op op) {
        for (int i = 0; i < b.insts().size(); i++) {
            if (b.insts().get(i).op() == op) {
                return i;
            }
        }
        return -1;
    }

    /** A loop whose body is its header (the exit test at the end), so the header's bounds checks leave it. */
    private static final String MEMORY_LOOP = """
            (module (memory 1)
              (func (param $n i32) (param $p i32) (param $q i32) (result i32)
                (block $done
                  (br_if $done (i32.eqz (local.get $n)))
                  (loop $next
                    %s
                    (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
                (i32.load (local.get $p))))
            """;

    @Test
    void aLinearMemoryCellWithALoopInvariantAddressIsCarried() {
        // *p += n, and a store to p + 4: the same base, bytes that do not overlap
        IrFunction f = forwarded(MEMORY_LOOP.formatted("""
                (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $n)))
                (i32.store offset=4 (local.get $p) (local.get $n))"""), true);
        assertEquals(0, inLoops(f, i -> i.op() == Op.LOAD), print(f));
        assertEquals(2, inLoops(f, i -> i.op() == Op.STORE), print(f));
        sameBehaviour(f, new long[] {0, 16, 0}, new long[] {7, 16, 0}, new long[] {7, 65532, 0}, new long[] {7, 65536, 0});
    }

    @Test
    void aStoreThroughAnotherPointerThatMayAliasKeepsTheLoad() {
        // q may equal p (and does in the second and third runs): *p must be read again every iteration
        IrFunction f = forwarded(MEMORY_LOOP.formatted("""
                (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $n)))
                (i32.store (local.get $q) (i32.const 100))"""), false);
        assertEquals(1, inLoops(f, i -> i.op() == Op.LOAD), print(f));
        sameBehaviour(f, new long[] {5, 16, 32}, new long[] {5, 16, 16}, new long[] {5, 16, 14});
    }

    @Test
    void aWriteOfPartOfTheLocationKeepsTheLoad() {
        // a byte store into the word read: not the whole location, so its value is not known
        IrFunction f = forwarded(MEMORY_LOOP.formatted("""
                (i32.store (local.get $p) (i32.add (i32.load (local.get $p)) (local.get $n)))
                (i32.store8 offset=1 (local.get $p) (local.get $n))"""), false);
        assertEquals(1, inLoops(f, i -> i.op() == Op.LOAD), print(f));
        sameBehaviour(f, new long[] {5, 16, 0});
    }

    @Test
    void anAddressThatChangesEveryIterationIsNotForwarded() {
        IrFunction f = forwarded(MEMORY_LOOP.formatted("""
                (i32.store (local.get $q) (i32.add (i32.load (local.get $q)) (local.get $n)))
                (local.set $q (i32.add (local.get $q) (i32.const 4)))"""), false);
        assertEquals(1, inLoops(f, i -> i.op() == Op.LOAD), print(f));
        sameBehaviour(f, new long[] {5, 0, 16});
    }

    // ---- native loads: the reader builtin ------------------------------------------------------

    /**
     * The guest loop of the reader builtin after inlining ({@code builtins} golden
     * {@code cold-slow-path.wat}): {@code sum(n)} adds {@code n} bytes, each read at the cursor of the
     * store data while {@code cursor < end}, else from {@code refill(sda)} (funcidx 1), which moves the
     * window on. {@code storeData} picks how the address is found: the store-data address intrinsic
     * (true), or a function argument that is merely a pointer (false). {@code first} adds to the
     * fast path before the cursor's store, {@code extra} after it.
     */
    private static IrFunction[] reader(boolean storeData, FastPath first, FastPath extra) {
        IrFunction f = new IrFunction(0, "sum", new FuncType(List.of(ValType.I32, ValType.I64), List.of(ValType.I32)));
        Block entry = block(f);
        Value n = entry.addParam(IrType.I32);
        Value pointer = entry.addParam(IrType.I64);
        Block pre = block(f);
        Block h = block(f);
        Value k = h.addParam(IrType.I32);
        Value sum = h.addParam(IrType.I32);
        Block fast = block(f);
        Block slow = block(f);
        Block latch = block(f);
        Value x = latch.addParam(IrType.I32);
        Block exit = block(f);
        Block done = block(f);
        Value zero = entry.append1(Op.ICONST, IrType.I64, 0);
        Value sda = pointer;
        if (storeData) {
            Value sctx = entry.append(Op.VMCTX_LOAD, List.of(), VMContextLayout.STORE_CONTEXT, null, null, List.of(IrType.I64))
                    .withAux(Op.INVARIANT).result();
            sda = entry.append(Op.LOAD, List.of(sctx, zero), VMStoreContext.STORE_DATA, null, null, List.of(IrType.I64))
                    .withAux(8 | NATIVE | Op.INVARIANT).result();
        }
        Value zero32 = entry.append1(Op.ICONST, IrType.I32, 0);
        entry.append(Op.BRIF, List.of(n), 0, null, List.of(new BlockCall(pre, List.of()), new BlockCall(done, List.of())), List.of());
        pre.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(h, List.of(n, zero32))), List.of());
        Value cursor = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
        Value end = load(h, sda, zero, 8, IrType.I64, 8 | NATIVE);
        Value more = h.append(Op.ICMP, List.of(cursor, end), 0, Cond.ULT, null, List.of(IrType.I32)).result();
        h.append(Op.BRIF, List.of(more), 0, null, List.of(new BlockCall(fast, List.of()), new BlockCall(slow, List.of())), List.of());
        first.build(fast, sda, cursor, zero);
        store(fast, sda, zero, 0, fast.append1(Op.IADD, IrType.I64, 0, cursor, fast.append1(Op.ICONST, IrType.I64, 1)), 8 | NATIVE);
        Value b = load(fast, cursor, zero, 0, IrType.I32, 1 | NATIVE);
        extra.build(fast, sda, cursor, zero);
        fast.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(latch, List.of(b))), List.of());
        Value r = slow.append(Op.CALL, List.of(sda), 1, null, null, List.of(IrType.I32)).result();
        slow.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(latch, List.of(r))), List.of());
        Value sum2 = latch.append1(Op.IADD, IrType.I32, 0, sum, x);
        Value k2 = latch.append1(Op.ISUB, IrType.I32, 0, k, latch.append1(Op.ICONST, IrType.I32, 1));
        latch.append(Op.BRIF, List.of(k2), 0, null, List.of(new BlockCall(h, List.of(k2, sum2)), new BlockCall(exit, List.of())), List.of());
        exit.append(Op.RETURN, List.of(sum2), 0, null, null, List.of());
        done.append(Op.RETURN, List.of(zero32), 0, null, null, List.of());
        Verifier.verify(f);
        return new IrFunction[] {f, refill()};
    }

    /** Code added to the reader's fast path. */
    private interface FastPath {
        void build(Block fast, Value sda, Value cursor, Value zero);
    }

    /** {@code refill(sda) -> i32}: the byte at {@code next}; cursor = next + 1, end = next = next + WINDOW. */
    private static IrFunction refill() {
        IrFunction f = new IrFunction(1, "refill", new FuncType(List.of(ValType.I64), List.of(ValType.I32)));
        Block b = block(f);
        Value sda = b.addParam(IrType.I64);
        Value zero = b.append1(Op.ICONST, IrType.I64, 0);
        Value start = load(b, sda, zero, 16, IrType.I64, 8 | NATIVE);
        store(b, sda, zero, 0, b.append1(Op.IADD, IrType.I64, 0, start, b.append1(Op.ICONST, IrType.I64, 1)), 8 | NATIVE);
        Value next = b.append1(Op.IADD, IrType.I64, 0, start, b.append1(Op.ICONST, IrType.I64, WINDOW));
        store(b, sda, zero, 8, next, 8 | NATIVE);
        store(b, sda, zero, 16, next, 8 | NATIVE);
        Value r = load(b, start, zero, 0, IrType.I32, 1 | NATIVE);
        b.append(Op.RETURN, List.of(r), 0, null, null, List.of());
        Verifier.verify(f);
        return f;
    }

    /** Runs the reader before and after the pass (asserting whether it changed) on each {cursor, end, n}; returns the function after. */
    private static IrFunction readerForwarded(boolean storeData, FastPath first, FastPath extra, boolean expectChange,
            long[]... cases) {
        IrFunction[] before = reader(storeData, first, extra);
        IrFunction[] after = reader(storeData, first, extra);
        String ir = print(after[0]);
        assertEquals(expectChange, LoopLoadForwarding.run(after[0]), ir);
        Verifier.verify(after[0]);
        for (long[] c : cases) {
            assertEquals(run(before, c[0], c[1], (int) c[2]), run(after, c[0], c[1], (int) c[2]),
                    "case " + java.util.Arrays.toString(c) + "\nbefore:\n" + ir + "after:\n" + print(after[0]));
        }
        return after[0];
    }

    private static long nativeLoads(Block b, int width) {
        return b.insts().stream().filter(i -> i.op() == Op.LOAD && (i.aux() & 0xF) == width && !OptUtil.isInvariantLoad(i)).count();
    }

    private static final FastPath NOTHING = (fast, sda, cursor, zero) -> {
    };

    @Test
    void theReadersCursorAndEndStayInRegistersAndAreReadAgainAfterTheColdCallOnly() {
        IrFunction f = readerForwarded(true, NOTHING, NOTHING, true,
                new long[] {0, 0, 23},                  // refills at once, then every WINDOW bytes
                new long[] {BUFFER + 100, BUFFER + 103, 9}, // three bytes of a first window, then refills
                new long[] {0, 0, 1},
                new long[] {0, 0, 0});
        Block header = f.blocks().stream().filter(b -> b.successors().size() == 2 && inLoop(b)
                && b.insts().stream().anyMatch(i -> i.op() == Op.ICMP && i.cond() == Cond.ULT)).findFirst().orElseThrow();
        assertEquals(0, nativeLoads(header, 8), print(f));
        Block slow = f.blocks().stream().filter(b -> indexOf(b, Op.CALL) >= 0).findFirst().orElseThrow();
        assertEquals(2, nativeLoads(slow, 8), print(f)); // cursor and end, after the call
        assertTrue(indexOf(slow, Op.CALL) < indexOf(slow, Op.LOAD), print(f));
        long loopLoads = f.blocks().stream().filter(LoopInvariantCodeMotionTest::inLoop).mapToLong(b -> nativeLoads(b, 8)).sum();
        assertEquals(2, loopLoads, print(f)); // only those two; the byte load stays
        assertEquals(1, f.blocks().stream().filter(LoopInvariantCodeMotionTest::inLoop)
                .mapToLong(b -> b.insts().stream().filter(i -> i.op() == Op.STORE).count()).sum(), print(f));
    }

    @Test
    void aStoreThroughTheBufferPointerMayOverwriteTheStoreData() {
        // *cursor = 0x55 after the cursor's store: the buffer may be the store data (and is, in the last cases)
        FastPath overwrite = (fast, sda, cursor, zero) -> store(fast, cursor, zero, 0, fast.append1(Op.ICONST, IrType.I32, 0x55), 1 | NATIVE);
        IrFunction f = readerForwarded(true, NOTHING, overwrite, false,
                new long[] {0, 0, 12},
                new long[] {SDA, SDA + 24, 6},      // reads and writes its own cursor
                new long[] {SDA + 8, SDA + 24, 6}); // writes the end's low byte
        Block header = f.blocks().stream().filter(b -> b.successors().size() == 2 && inLoop(b)).findFirst().orElseThrow();
        assertEquals(2, nativeLoads(header, 8), print(f));
    }

    @Test
    void aStoreThatMayAliasBeforeTheCursorsStoreLeavesTheCursorKnown() {
        // *(end - 1) = 0x55 before the cursor's store: the stored cursor is known after it, the end is
        // not (the poke overwrites the cursor's low byte in the second case, the end's in the third)
        FastPath poke = (fast, sda, cursor, zero) -> {
            Value end = fast.append1(Op.IADD, IrType.I64, 0, endOf(fast), fast.append1(Op.ICONST, IrType.I64, -1));
            store(fast, end, zero, 0, fast.append1(Op.ICONST, IrType.I32, 0x55), 1 | NATIVE);
        };
        IrFunction f = readerForwarded(true, poke, NOTHING, true,
                new long[] {0, 0, 17},
                new long[] {SDA - 8, SDA + 1, 9},
                new long[] {SDA - 8, SDA + 9, 9});
        Block header = f.blocks().stream().filter(b -> b.successors().size() == 2 && inLoop(b)).findFirst().orElseThrow();
        assertEquals(1, nativeLoads(header, 8), print(f)); // the end, read every iteration
    }

    /** The end read in the reader's header (the second load there). */
    private static Value endOf(Block fast) {
        Block header = fast.function().blocks().get(2);
        return header.insts().stream().filter(i -> i.op() == Op.LOAD && i.imm() == 8).findFirst().orElseThrow().result();
    }

    @Test
    void aNativePointerOutsideTheStoreDataIsNotReadAgainAfterACall() {
        // the call may free the memory a plain pointer points to: the value stays unknown after it, down
        // to the back edge, and no back edge carries a known value (both paths meet before the latch)
        IrFunction f = readerForwarded(false, NOTHING, NOTHING, false, new long[] {0, 0, 23});
        Block header = f.blocks().stream().filter(b -> b.successors().size() == 2 && inLoop(b)).findFirst().orElseThrow();
        assertEquals(2, nativeLoads(header, 8), print(f));
    }

    @Test
    void aBackEdgeAfterACallReadsThePointerAgainOnTheEdge() {
        // two latches: the fast path's carries the stored cursor, the slow path's (after a call that
        // may free a plain pointer's memory) reads it again on its edge to the header, in a block of
        // its own since the latch also leaves the loop
        IrFunction[] fs = reader(false, NOTHING, NOTHING);
        IrFunction[] before = reader(false, NOTHING, NOTHING);
        splitLatch(fs[0]);
        splitLatch(before[0]);
        int blocks = fs[0].blocks().size();
        assertTrue(LoopLoadForwarding.run(fs[0]), print(fs[0]));
        Verifier.verify(fs[0]);
        // one block on the edge, where both locations are read again
        assertEquals(blocks + 1, fs[0].blocks().size(), print(fs[0]));
        Block edge = fs[0].blocks().stream().filter(b -> b.insts().size() > 1 && b.terminator().op() == Op.JUMP
                && nativeLoads(b, 8) == 2).findFirst().orElseThrow(() -> new AssertionError(print(fs[0])));
        assertEquals(1, edge.successors().size());
        Block slow = fs[0].blocks().stream().filter(b -> indexOf(b, Op.CALL) >= 0).findFirst().orElseThrow();
        assertEquals(0, nativeLoads(slow, 8), print(fs[0]));
        for (long[] c : new long[][] {{0, 0, 23}, {BUFFER + 100, BUFFER + 103, 9}}) {
            assertEquals(run(before, c[0], c[1], (int) c[2]), run(fs, c[0], c[1], (int) c[2]),
                    java.util.Arrays.toString(c) + "\n" + print(fs[0]));
        }
    }

    /** Gives the slow path of the reader a latch of its own (a copy of the shared latch). */
    private static void splitLatch(IrFunction f) {
        Block slow = f.blocks().stream().filter(b -> indexOf(b, Op.CALL) >= 0).findFirst().orElseThrow();
        BlockCall toLatch = slow.terminator().targets().get(0);
        Block latch = toLatch.target();
        Block copy = f.newBlock();
        f.blocks().add(f.blocks().indexOf(latch) + 1, copy);
        Value x = copy.addParam(IrType.I32);
        Inst add = latch.insts().get(0);
        Inst sub = latch.insts().get(2);
        Value sum = add.arg(0);
        Value k = sub.arg(0);
        Value sum2 = copy.append1(Op.IADD, IrType.I32, 0, sum, x);
        Value k2 = copy.append1(Op.ISUB, IrType.I32, 0, k, copy.append1(Op.ICONST, IrType.I32, 1));
        Inst brif = latch.terminator();
        Block exit = brif.targets().get(1).target();
        Block header = brif.targets().get(0).target();
        Block exit2 = f.newBlock();
        f.place(exit2);
        exit2.append(Op.RETURN, List.of(sum2), 0, null, null, List.of());
        copy.append(Op.BRIF, List.of(k2), 0, null, List.of(new BlockCall(header, List.of(k2, sum2)), new BlockCall(exit2, List.of())), List.of());
        toLatch.setTarget(copy);
        Verifier.verify(f);
        assertTrue(exit.params().isEmpty());
    }
}
