package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.VMContextLayout;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * {@link LoopVersioning}: loops built by hand in the shapes inlined builtins produce (native loads of
 * store-data fields, a byte store through the buffer pointer read from them), checked for their new
 * shape, and run on the reference interpreter of {@link OptTestSupport} before and after: results,
 * traps and the final memory must be the same, also when the stores do overwrite the store data at
 * run time. Which copy ran is observed by planting a trap with a code of its own at the head of the
 * original copy in a second clone of the versioned function.
 */
class LoopVersioningTest {
    private static final int NATIVE = Op.NATIVE;
    /** Where the store data lies in the interpreter's memory (its address is the function's first argument). */
    private static final long SDA = OptTestSupport.BASE + 1024;
    /** The trap code planted at the head of the original (slow) copy. */
    private static final long SLOW = 99;
    private static final long UNREACHABLE = 1;

    /** {@code f(sda: i64, n: i32) -> i32}: entry, a guard {@code n != 0}, the loop, the exit returning {@code ret}. */
    private record Shape(IrFunction f, Block entry, Block header, Block exit) {
    }

    private interface Body {
        /** Fills the header (given {@code sda}, {@code n} and the induction variable {@code i}); returns {@code i + 1}. */
        Value build(Block h, Value sda, Value n, Value i);
    }

    /**
     * A loop over {@code i} from 0 while {@code i + 1 <u n} (entered when {@code n != 0}), one block,
     * the body from {@code body}; returns the last {@code i + 1} (a value of the loop used after it).
     */
    private static IrFunction loop(Body body) {
        IrFunction f = new IrFunction(0, "t", new FuncType(List.of(ValType.I64, ValType.I32), List.of(ValType.I32)));
        Block entry = f.newBlock();
        f.place(entry);
        Value sda = entry.addParam(IrType.I64);
        Value n = entry.addParam(IrType.I32);
        Block pre = f.newBlock();
        f.place(pre);
        Block h = f.newBlock();
        f.place(h);
        Value i = h.addParam(IrType.I32);
        Block exit = f.newBlock();
        f.place(exit);
        Block done = f.newBlock();
        f.place(done);
        Value zero = entry.append1(Op.ICONST, IrType.I32, 0);
        entry.append(Op.BRIF, List.of(n), 0, null, List.of(new BlockCall(pre, List.of()), new BlockCall(done, List.of())), List.of());
        pre.append(Op.JUMP, List.of(), 0, null, List.of(new BlockCall(h, List.of(zero))), List.of());
        Value next = body.build(h, sda, n, i);
        Value more = h.append(Op.ICMP, List.of(next, n), 0, Cond.ULT, null, List.of(IrType.I32)).result();
        h.append(Op.BRIF, List.of(more), 0, null, List.of(new BlockCall(h, List.of(next)), new BlockCall(exit, List.of())), List.of());
        exit.append(Op.RETURN, List.of(next), 0, null, null, List.of()); // i + 1 used after the loop
        done.append(Op.RETURN, List.of(zero), 0, null, null, List.of());
        Verifier.verify(f);
        return f;
    }

    private static Value load(Block b, Value base, Value index, long disp, IrType type, int aux) {
        return b.append(Op.LOAD, List.of(base, index), disp, null, null, List.of(type)).withAux(aux).result();
    }

    private static void store(Block b, Value base, Value index, Value value, int aux) {
        b.append(Op.STORE, List.of(base, index, value), 0, null, null, List.of()).withAux(aux);
    }

    private static Value c64(Block b, long c) {
        return b.append1(Op.ICONST, IrType.I64, c);
    }

    private static Value c32(Block b, long c) {
        return b.append1(Op.ICONST, IrType.I32, c);
    }

    /**
     * Wasmtime's zero-copy example after inlining: {@code len = u32 [sda + 8]; if i >= len trap;
     * base = u64 [sda]; [base + i] += 1}.
     */
    private static Value zeroCopy(Block h, Value sda, Value n, Value i) {
        Value zero = c64(h, 0);
        Value len = load(h, sda, zero, 8, IrType.I32, 4 | NATIVE);
        h.append(Op.TRAPIF, List.of(i, len), UNREACHABLE, Cond.UGE, null, List.of());
        Value base = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
        Value x = h.append1(Op.UEXTEND, IrType.I64, 0, i);
        Value v = load(h, base, x, 0, IrType.I32, 1 | NATIVE);
        store(h, base, x, h.append1(Op.IADD, IrType.I32, 0, v, c32(h, 1)), 1 | NATIVE);
        return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
    }

    /** One run: the store data {@code {address, length}} at {@link #SDA}, then {@code f(SDA, n)}. */
    private static OptTestSupport.Outcome run(IrFunction f, long address, long length, int n) {
        var m = new OptTestSupport.Machine(VMContextLayout.forModule(0, List.of(), 0), i -> null, 1);
        for (int k = 0; k < m.memory.length; k++) {
            m.memory[k] = (byte) (k * 7);
        }
        int at = (int) (SDA - OptTestSupport.BASE);
        for (int k = 0; k < 8; k++) {
            m.memory[at + k] = (byte) (address >>> (8 * k));
            m.memory[at + 8 + k] = (byte) (length >>> (8 * k));
        }
        return m.run(f, SDA, n);
    }

    /** The function versioned (asserted), verified, with the same outcome as before on every case. */
    private static IrFunction versioned(Body body, Consumer<IrFunction> check, long[]... cases) {
        IrFunction before = loop(body);
        IrFunction after = loop(body);
        String ir = print(after);
        assertTrue(LoopVersioning.run(after), ir);
        Verifier.verify(after);
        check.accept(after);
        for (long[] c : cases) {
            assertEquals(run(before, c[0], c[1], (int) c[2]), run(after, c[0], c[1], (int) c[2]),
                    "case " + java.util.Arrays.toString(c) + "\nbefore:\n" + ir + "after:\n" + print(after));
        }
        return after;
    }

    /**
     * Whether the original (slow) copy runs for the case: a copy of the versioned function with a
     * trap of code {@link #SLOW} at the head of the blocks the pass added after the function's others.
     */
    private static boolean slowCopyRuns(Body body, long address, long length, int n) {
        IrFunction f = loop(body);
        Set<Block> old = new HashSet<>(f.blocks());
        assertTrue(LoopVersioning.run(f));
        for (Block b : f.blocks()) {
            if (!old.contains(b) && f.blocks().indexOf(b) > f.blocks().indexOf(f.blocks().stream().filter(old::contains)
                    .reduce((x, y) -> y).orElseThrow())) {
                Value one = OptUtil.insertIconst(b, 0, IrType.I32, 1);
                OptUtil.insert(b, 1, Op.TRAPIF, List.of(one, one), SLOW, Cond.EQ, null);
            }
        }
        Verifier.verify(f);
        return run(f, address, length, n).trap() == SLOW;
    }

    private static long loadsIn(Block b) {
        return b.insts().stream().filter(x -> x.op() == Op.LOAD).count();
    }

    /** The blocks of the versioned loop's checked copy: those that branch to themselves, first in layout. */
    private static Block checkedHeader(IrFunction f) {
        for (Block b : f.blocks()) {
            if (b.successors().contains(b)) {
                return b;
            }
        }
        throw new AssertionError("no loop:\n" + print(f));
    }

    @Test
    void theZeroCopyLoopReadsOneByteAndWritesOneByteAnIteration() {
        long buffer = OptTestSupport.BASE + 4096;
        versioned(LoopVersioningTest::zeroCopy, f -> {
            Block h = checkedHeader(f);
            assertEquals(1, loadsIn(h), print(f)); // only the byte; the address and length are read once
            assertEquals(1, h.insts().stream().filter(x -> x.op() == Op.STORE).count(), print(f));
            assertEquals(2, f.blocks().stream().filter(b -> b.successors().contains(b)).count(), print(f));
        },
                new long[] {buffer, 100, 100},  // the whole buffer
                new long[] {buffer, 100, 40},   // part of it
                new long[] {buffer, 10, 40},    // traps at i = 10 (unreachable)
                new long[] {buffer, 0, 5},      // traps in the first iteration
                new long[] {buffer, 100, 0});   // not entered
        assertFalse(slowCopyRuns(LoopVersioningTest::zeroCopy, buffer, 100, 100));
        assertFalse(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA + 16, 100, 100)); // just after the store data
        assertFalse(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA - 100, 100, 100)); // just before it
    }

    @Test
    void storesThatOverwriteTheStoreDataRunTheOriginalLoop() {
        // the buffer is the store data itself, or overlaps the first or last byte read from it: each increment may change
        // the buffer's address or length that the next iteration reads (at {SDA, 2, 2} the second
        // iteration writes SDA + 2, not SDA + 1: the first moved the buffer)
        versioned(LoopVersioningTest::zeroCopy, f -> {
        },
                new long[] {SDA, 2, 2},
                new long[] {SDA + 8, 8, 8},
                new long[] {SDA - 8, 9, 9},
                new long[] {SDA + 11, 4, 4},    // the last byte of the u32 length
                new long[] {SDA + 12, 4, 4},    // bytes of the length field that are never read
                new long[] {SDA - 100, 101, 101},
                new long[] {SDA - 100, 101, 50}); // overlaps by the length, not reached by n: still the original loop
        assertTrue(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA, 2, 2));
        assertTrue(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA + 8, 8, 8));
        assertTrue(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA - 8, 9, 9));
        assertTrue(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA + 11, 4, 4));
        assertFalse(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA + 12, 4, 4));
        assertTrue(slowCopyRuns(LoopVersioningTest::zeroCopy, SDA - 100, 101, 101));
        assertTrue(slowCopyRuns(LoopVersioningTest::zeroCopy, OptTestSupport.BASE, 0, 3)); // traps at once
    }

    /**
     * No guard: the buffer's address is a store-data field, the index the induction variable, bounded
     * by the loop's exit test ({@code i + 1 <u n}); the store writes the low byte of the length field.
     */
    private static Value inductionBounded(Block h, Value sda, Value n, Value i) {
        Value zero = c64(h, 0);
        Value base = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
        Value len = load(h, sda, zero, 8, IrType.I32, 4 | NATIVE);
        Value x = h.append1(Op.UEXTEND, IrType.I64, 0, i);
        store(h, base, x, len, 1 | NATIVE);
        return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
    }

    @Test
    void anInductionVariableIsBoundedByTheExitTest() {
        long buffer = OptTestSupport.BASE + 4096;
        versioned(LoopVersioningTest::inductionBounded, f -> assertEquals(0, loadsIn(checkedHeader(f)), print(f)),
                new long[] {buffer, 7, 50},
                new long[] {SDA - 20, 7, 20},   // ends just below the store data
                new long[] {SDA - 20, 7, 29},   // reaches the length field: the original loop
                new long[] {SDA, 3, 1});        // writes the address field once, in the first iteration
        assertFalse(slowCopyRuns(LoopVersioningTest::inductionBounded, SDA - 20, 7, 20));
        assertTrue(slowCopyRuns(LoopVersioningTest::inductionBounded, SDA - 20, 7, 21));
    }

    @Test
    void aWasmStoreIsBoundedByItsI32Address() {
        // a Wasm store to heap + zext(addr) (addr any i32: 4 GiB) and a store-data field read each iteration;
        // the interpreter's heap and store data share one memory, so the ranges overlap: the check sends
        // the run to the original loop, which must behave as before
        Body body = (h, sda, n, i) -> {
            Value zero = c64(h, 0);
            Value v = load(h, sda, zero, 8, IrType.I32, 4 | NATIVE);
            Value heap = c64(h, OptTestSupport.BASE);
            store(h, heap, h.append1(Op.UEXTEND, IrType.I64, 0, h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 2048))), v, 4);
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        };
        versioned(body, f -> {
        }, new long[] {0, 5, 10});
        assertTrue(slowCopyRuns(body, 0, 5, 10));
    }

    @Test
    void unboundedOrUnknownWritersAreNotVersioned() {
        // an i64 index with no bound (a sign-extended i32 may be just below 2^64)
        IrFunction f = loop((h, sda, n, i) -> {
            Value zero = c64(h, 0);
            Value base = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
            store(h, base, h.append1(Op.SEXTEND, IrType.I64, 0, i), c32(h, 1), 1 | NATIVE);
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        });
        assertFalse(LoopVersioning.run(f), print(f));
        // a call in the loop
        f = loop((h, sda, n, i) -> {
            Value next = zeroCopy(h, sda, n, i);
            h.append(Op.CALL, List.of(), 0, null, null, List.of());
            return next;
        });
        assertFalse(LoopVersioning.run(f), print(f));
        // an epoch check (the host may write the store data)
        f = loop((h, sda, n, i) -> {
            h.append(Op.EPOCH_CHECK, List.of(), 0, null, null, List.of());
            return zeroCopy(h, sda, n, i);
        });
        assertFalse(LoopVersioning.run(f), print(f));
        // the loads come after the store: nothing to read before the loop
        f = loop((h, sda, n, i) -> {
            Value zero = c64(h, 0);
            store(h, sda, h.append1(Op.UEXTEND, IrType.I64, 0, i), c32(h, 1), 1 | NATIVE);
            Value base = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
            store(h, base, zero, c32(h, 1), 1 | NATIVE);
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        });
        assertFalse(LoopVersioning.run(f), print(f));
        // more store ranges than one check compares (MAX_PAIRS): distinct constant offsets from the buffer
        f = loop((h, sda, n, i) -> {
            Value zero = c64(h, 0);
            Value base = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
            Value x = h.append1(Op.UEXTEND, IrType.I64, 0, h.append1(Op.BAND, IrType.I32, 0, i, c32(h, 7)));
            for (int k = 0; k <= LoopVersioning.MAX_PAIRS; k++) {
                store(h, h.append1(Op.IADD, IrType.I64, 0, base, c64(h, 64L * k)), x, c32(h, k), 1 | NATIVE);
            }
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        });
        assertFalse(LoopVersioning.run(f), print(f));
        // no native load at all
        f = loop((h, sda, n, i) -> {
            store(h, sda, h.append1(Op.UEXTEND, IrType.I64, 0, i), c32(h, 1), 1 | NATIVE);
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        });
        assertFalse(LoopVersioning.run(f), print(f));
    }

    @Test
    void aGuardedLoadIsReadBeforeTheLoopOnlyWhenTheFirstIterationPassesTheGuard() {
        // p = u64 [sda]; if (p == 0) trap; p[i & 7] = u8 [p + 8]: with a null pointer the load through it must
        // never run (the interpreter refuses an access outside its memory), and the trap must come first
        Body body = (h, sda, n, i) -> {
            Value zero = c64(h, 0);
            Value p = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
            h.append(Op.TRAPIF, List.of(p, zero), UNREACHABLE, Cond.EQ, null, List.of());
            Value x = load(h, p, zero, 8, IrType.I32, 1 | NATIVE);
            store(h, p, h.append1(Op.UEXTEND, IrType.I64, 0, h.append1(Op.BAND, IrType.I32, 0, i, c32(h, 7))),
                    x, 1 | NATIVE);
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        };
        IrFunction f = versioned(body, g -> assertEquals(0, loadsIn(checkedHeader(g)), print(g)),
                new long[] {0, 0, 10},
                new long[] {OptTestSupport.BASE + 4096, 0, 10},
                new long[] {SDA - 8, 0, 10});
        OptTestSupport.Outcome nullPointer = run(f, 0, 0, 10);
        assertEquals(UNREACHABLE, nullPointer.trap());
        assertFalse(slowCopyRuns(body, OptTestSupport.BASE + 4096, 0, 10));
        assertTrue(slowCopyRuns(body, SDA - 4, 0, 10));
    }

    @Test
    void storesWithTheSameRangeAreComparedOnce() {
        // get(i) + set(i) + set(i) again: two stores, one range, so one overlap test before the loop
        Body body = (h, sda, n, i) -> {
            Value zero = c64(h, 0);
            Value len = load(h, sda, zero, 8, IrType.I32, 4 | NATIVE);
            h.append(Op.TRAPIF, List.of(i, len), UNREACHABLE, Cond.UGE, null, List.of());
            Value base = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE);
            Value x = h.append1(Op.UEXTEND, IrType.I64, 0, i);
            Value v = load(h, base, x, 0, IrType.I32, 1 | NATIVE);
            store(h, base, x, h.append1(Op.IADD, IrType.I32, 0, v, c32(h, 1)), 1 | NATIVE);
            Value base2 = load(h, sda, zero, 0, IrType.I64, 8 | NATIVE); // after the store: not merged by GVN
            store(h, base2, h.append1(Op.UEXTEND, IrType.I64, 0, i), c32(h, 5), 1 | NATIVE);
            return h.append1(Op.IADD, IrType.I32, 0, i, c32(h, 1));
        };
        long buffer = OptTestSupport.BASE + 4096;
        versioned(body, g -> {
            // the load after the first store reads a hoisted location: replaced too
            assertEquals(1, loadsIn(checkedHeader(g)), print(g));
            long overlapTests = g.blocks().stream().flatMap(b -> b.insts().stream()).filter(x -> x.op() == Op.BOR).count();
            assertEquals(1, overlapTests, print(g));
        }, new long[] {buffer, 64, 64}, new long[] {SDA, 2, 2}, new long[] {buffer, 3, 9});
        assertFalse(slowCopyRuns(body, buffer, 64, 64));
    }

    @Test
    void theCheckedCopyKeepsTheLoopsValuesForTheCodeAfterIt() {
        IrFunction f = versioned(LoopVersioningTest::zeroCopy, g -> {
            // the exit returns i + 1 from either copy: a new parameter merges them
            Block exit = g.blocks().stream().filter(b -> b.terminator().op() == Op.RETURN && !b.params().isEmpty())
                    .findFirst().orElseThrow(() -> new AssertionError(print(g)));
            assertEquals(1, exit.params().size(), print(g));
        }, new long[] {OptTestSupport.BASE + 4096, 30, 30}, new long[] {SDA, 2, 2});
        List<Long> fast = run(f, OptTestSupport.BASE + 4096, 30, 30).results();
        assertEquals(List.of(30L), fast);
        assertNotEquals(0, print(f).length());
    }
}
