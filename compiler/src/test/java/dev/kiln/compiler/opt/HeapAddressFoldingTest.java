package dev.kiln.compiler.opt;

import static dev.kiln.compiler.opt.OptTestSupport.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kiln.abi.BoundsChecks;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Verifier;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.translate.FunctionTranslator;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link HeapAddressFolding}: i32 address arithmetic that provably cannot wrap moves into the access's
 * scaled index and static offset; arithmetic that might wrap, and indices a bounds check also reads,
 * stay as they are. Each function is translated with guard-page bounds checks (or explicit ones where
 * the test says so), run on the reference interpreter before and after the whole pipeline on in-bounds
 * inputs, and its accesses inspected.
 */
class HeapAddressFoldingTest {
    private static final String WAT = """
            (module
              (memory 1)
              ;; table[(x & 0xff)] of i32 at 1024: the CRC-32 and hash-table lookup
              (func (param i32) (result i32)
                (i32.load offset=16
                  (i32.add (i32.shl (i32.and (local.get 0) (i32.const 255)) (i32.const 2)) (i32.const 1024))))
              ;; bytes of a 4 KiB buffer at 2048, index from a urem
              (func (param i32) (result i32)
                (i32.load8_u (i32.add (i32.const 2048) (i32.rem_u (local.get 0) (i32.const 4096)))))
              ;; x + 1024 with x unbounded may wrap: unchanged
              (func (param i32) (result i32)
                (i32.load (i32.add (local.get 0) (i32.const 1024))))
              ;; (x & 0x3fffffff) << 3 may wrap: unchanged (the shift stays i32)
              (func (param i32) (result i64)
                (i64.load (i32.shl (i32.and (local.get 0) (i32.const 0x3fffffff)) (i32.const 3))))
              ;; a store through a byte loaded from memory: (load8_u p) * 8 + 512
              (func (param i32 i64)
                (i64.store (i32.add (i32.shl (i32.load8_u (local.get 0)) (i32.const 3)) (i32.const 512))
                  (local.get 1)))
            )
            """;

    private static List<IrFunction> translate(String wat, BoundsChecks checks) {
        byte[] bytes = Wat.parseModule(wat);
        WasmModule m = ModuleDecoder.decode(bytes);
        var layout = OptTestSupport.translateAll(wat).layout();
        List<IrFunction> fs = new ArrayList<>();
        for (int i = 0; i < m.code().size(); i++) {
            IrFunction f = FunctionTranslator.translate(m, bytes, i, "f" + i, layout, k -> null, false, false, checks);
            Verifier.verify(f);
            fs.add(f);
        }
        return fs;
    }

    private static List<Inst> accesses(IrFunction f) {
        return OptTestSupport.accesses(f);
    }

    /** Optimizes function {@code k} of {@link #WAT}, checking it gives the same outcome as before on {@code inputs}. */
    private static IrFunction optimized(int k, long[][] inputs) {
        return optimized(WAT, k, inputs);
    }

    /** Optimizes function {@code k} of {@code wat}, checking it gives the same outcome as before on {@code inputs}. */
    private static IrFunction optimized(String wat, int k, long[][] inputs) {
        List<IrFunction> fs = translate(wat, BoundsChecks.GUARD);
        var t = new OptTestSupport.Translated(null, fs, OptTestSupport.translateAll(wat).layout());
        IrFunction f = fs.get(k);
        List<OptTestSupport.Outcome> before = new ArrayList<>();
        for (long[] in : inputs) {
            before.add(run(t, f, in));
        }
        String ir = print(f);
        Pipeline.optimize(f, (java.util.function.IntFunction<IrFunction>) null, true);
        for (int n = 0; n < inputs.length; n++) {
            assertEquals(before.get(n), run(t, f, inputs[n]), "before:\n" + ir + "after:\n" + print(f));
        }
        return f;
    }

    private static OptTestSupport.Outcome run(OptTestSupport.Translated t, IrFunction f, long[] in) {
        var m = new OptTestSupport.Machine(t.layout(), t.functions()::get, 1);
        new Random(11).nextBytes(m.memory);
        return m.run(f, in);
    }

    private static long[][] inputs(int n, long... extra) {
        Random r = new Random(3);
        long[][] out = new long[n + extra.length][];
        for (int i = 0; i < n; i++) {
            out[i] = new long[] {r.nextInt() & 0xFFFF_FFFFL, r.nextLong()};
        }
        for (int i = 0; i < extra.length; i++) {
            out[n + i] = new long[] {extra[i], 7};
        }
        return out;
    }

    @Test
    void aMaskedShiftedTableIndexBecomesScaledIndexAndOffset() {
        IrFunction f = optimized(0, inputs(20, 0, 255, 0xFFFF_FFFFL, 0x8000_0000L));
        Inst load = accesses(f).get(0);
        assertEquals(16 + 1024, load.imm(), print(f));
        Inst shl = load.arg(1).definingInst();
        assertEquals(Op.ISHL, shl.op(), print(f));
        assertEquals(2, OptUtil.iconst(shl.arg(1)), print(f));
        Inst ext = shl.arg(0).definingInst();
        assertEquals(Op.UEXTEND, ext.op(), print(f));
        assertEquals(Op.BAND, ext.arg(0).definingInst().op(), print(f));
    }

    @Test
    void aRemainderBoundsItsIndex() {
        IrFunction f = optimized(1, inputs(20, 0, 4095, 4096, 0xFFFF_FFFFL));
        Inst load = accesses(f).get(0);
        assertEquals(2048, load.imm(), print(f));
        // the remainder by 4096 is an and with 4095 by then
        assertEquals(Op.BAND, load.arg(1).definingInst().arg(0).definingInst().op(), print(f));
    }

    @Test
    void additionsThatMayWrapStay() {
        // only x = 0 is in bounds for the interpreter's one page: the shape is what matters
        IrFunction f = optimized(2, new long[][] {{0, 0}, {100, 0}});
        Inst load = accesses(f).get(0);
        assertEquals(0, load.imm(), print(f));
        assertEquals(Op.UEXTEND, load.arg(1).definingInst().op(), print(f));
        assertEquals(Op.IADD, load.arg(1).definingInst().arg(0).definingInst().op(), print(f));

        IrFunction g = optimized(3, new long[][] {{0, 0}, {1000, 0}});
        Inst wide = accesses(g).get(0);
        assertEquals(Op.UEXTEND, wide.arg(1).definingInst().op(), print(g));
        assertEquals(Op.ISHL, wide.arg(1).definingInst().arg(0).definingInst().op(), print(g));
    }

    @Test
    void aStoreIndexedByALoadedByte() {
        long[][] in = new long[20][];
        for (int i = 0; i < in.length; i++) {
            in[i] = new long[] {i * 3000, 0x0123_4567_89ab_cdefL + i}; // in bounds: p < 64 KiB
        }
        IrFunction f = optimized(4, in);
        Inst store = accesses(f).get(1);
        assertEquals(Op.STORE, store.op(), print(f));
        assertEquals(512, store.imm(), print(f));
        assertEquals(Op.ISHL, store.arg(1).definingInst().op(), print(f));
    }

    @Test
    void anIndexABoundsCheckReadsStays() {
        List<IrFunction> fs = translate(WAT, BoundsChecks.EXPLICIT);
        IrFunction f = fs.get(0);
        Pipeline.optimize(f, (java.util.function.IntFunction<IrFunction>) null, true);
        Inst load = accesses(f).get(0);
        assertEquals(16, load.imm(), print(f));
        Inst ext = load.arg(1).definingInst();
        assertEquals(Op.UEXTEND, ext.op(), print(f));
        assertSame(Op.IADD, ext.arg(0).definingInst().op(), print(f));
    }

    private static final String LOOPS = """
            (module
              (memory 1)
              ;; linear probing over 1024 i32 slots at 1024: s = (s + 1) & 1023 on the back edge
              (func (param i32 i32) (result i32) (local $s i32)
                (local.set $s (i32.shr_u (i32.mul (local.get 0) (i32.const 0x9e3779b9)) (i32.const 22)))
                (block $found
                  (loop $probe
                    (br_if $found (i32.eq (i32.load offset=1024 (i32.shl (local.get $s) (i32.const 2))) (local.get 0)))
                    (local.set $s (i32.and (i32.add (local.get $s) (i32.const 1)) (i32.const 1023)))
                    (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
                    (br_if $probe (local.get 1))))
                (local.get $s))
              ;; the same with s = s + 1: unbounded, so its shifted index may wrap
              (func (param i32 i32) (result i32) (local $s i32)
                (local.set $s (i32.shr_u (local.get 0) (i32.const 22)))
                (block $found
                  (loop $probe
                    (br_if $found (i32.eq (i32.load offset=1024 (i32.shl (local.get $s) (i32.const 2))) (local.get 0)))
                    (local.set $s (i32.add (local.get $s) (i32.const 1)))
                    (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
                    (br_if $probe (local.get 1))))
                (local.get $s))
            )
            """;

    @Test
    void aLoopVariableMaskedOnEveryBackEdgeIsBounded() {
        Random r = new Random(5);
        long[][] in = new long[20][];
        for (int i = 0; i < in.length; i++) {
            in[i] = new long[] {r.nextInt() & 0xFFFF_FFFFL, 1 + r.nextInt(3000)};
        }
        IrFunction f = optimized(LOOPS, 0, in);
        Inst load = accesses(f).get(0);
        assertEquals(1024, load.imm(), print(f));
        Inst shl = load.arg(1).definingInst();
        assertEquals(Op.ISHL, shl.op(), print(f)); // a 64-bit scaled index of the extended loop variable
        assertEquals(Op.UEXTEND, shl.arg(0).definingInst().op(), print(f));

        long[][] small = new long[20][];
        for (int i = 0; i < small.length; i++) {
            small[i] = new long[] {r.nextInt() & 0xFFFF_FFFFL, 1 + r.nextInt(3000)}; // s < 1024 + 3000: in bounds
        }
        IrFunction g = optimized(LOOPS, 1, small);
        Inst unbounded = accesses(g).get(0);
        assertEquals(Op.UEXTEND, unbounded.arg(1).definingInst().op(), print(g)); // the i32 shift stays
        assertEquals(Op.ISHL, unbounded.arg(1).definingInst().arg(0).definingInst().op(), print(g));
    }

    private static final String COUNTERS = """
            (module
              (memory 1)
              ;; i = 0, 4, ..., 252: i += 4 until i == 256 (a rotated counted loop)
              (func (param i32 i64) (result i32) (local $i i32) (local $s i32)
                (loop $l
                  (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $i) (i32.const 1024)))))
                  (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 4))) (i32.const 256))))
                (local.get $s))
              ;; i += 3 until i == 256: never equal, so i wraps around; unchanged
              (func (param i32 i64) (result i32) (local $i i32) (local $s i32)
                (loop $l
                  (local.set $s (i32.add (local.get $s) (i32.load8_u (i32.add (local.get $i) (i32.const 1024)))))
                  (local.set $i (i32.add (local.get $i) (i32.const 3)))
                  (br_if $l (i32.lt_u (local.get $s) (i32.const 2000))))
                (local.get $s))
              ;; the loop goes on while i < 1000
              (func (param i32 i64) (result i32) (local $i i32) (local $s i32)
                (loop $l
                  (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $i) (i32.const 2048)))))
                  (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 8))) (i32.const 1000))))
                (local.get $s))
            )
            """;

    @Test
    void countersBoundedByTheirExitTestFoldTheirOffsets() {
        long[][] in = inputs(3);
        IrFunction f = optimized(COUNTERS, 0, in);
        Inst ne = accesses(f).get(0);
        assertEquals(1024, ne.imm(), "i != 256 with i = 0, 4, ...: i + 1024 cannot wrap\n" + print(f));
        assertEquals(Op.UEXTEND, ne.arg(1).definingInst().op());
        Inst wraps = accesses(optimized(COUNTERS, 1, in)).get(0);
        assertEquals(0, wraps.imm(), "a counter without an exit test on it may wrap");
        Inst ult = accesses(optimized(COUNTERS, 2, in)).get(0);
        assertEquals(2048, ult.imm(), "i < 1000 on the back edge bounds i");
    }

    @Test
    void umaxOfCommonShapes() {
        IrFunction f = translate("""
                (module (memory 1)
                  (func (param i32) (result i32)
                    (i32.add (i32.or (i32.and (local.get 0) (i32.const 0x0f)) (i32.const 0x30))
                             (i32.shr_u (local.get 0) (i32.const 28)))))
                """, BoundsChecks.GUARD).get(0);
        Inst sum = f.blocks().stream().flatMap(b -> b.insts().stream()).filter(i -> i.op() == Op.IADD)
                .findFirst().orElseThrow();
        // (x & 0xf | 0x30) <= 0x3f, x >> 28 <= 15
        assertEquals(0x3f + 15, HeapAddressFolding.umax(sum.result(), 6), print(f));
        // the shift's operand, the parameter, is unbounded
        Inst shr = sum.arg(1).definingInst();
        assertEquals(Op.USHR, shr.op(), print(f));
        assertEquals(0xFFFF_FFFFL, HeapAddressFolding.umax(shr.arg(0), 6), print(f));
    }
}
