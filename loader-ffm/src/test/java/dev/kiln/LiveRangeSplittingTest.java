package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.abi.CompileOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Values whose intervals the register allocator splits, run against Java recomputations: floats
 * live across calls (every xmm register is caller-saved, so such a value keeps a register only up
 * to the call), inside loops whose iterations take one of two paths (moves between the pieces of a
 * value on back edges and on edges into blocks with several predecessors), and more integer values
 * than registers live across calls in a loop (intervals evicted part-way), and an outer loop's back
 * edge that moves a value and is reached both from an inner loop's exit and from around that loop.
 */
class LiveRangeSplittingTest {
    private final Engine engine = Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true)).build();
    private final Store store = new Store(engine);

    @AfterEach
    void close() {
        store.close();
    }

    /** {@code $half(x, k)}: x halved k times, recursively (so never inlined). */
    private static final String HALF = """
            (func $half (param f64) (param i32) (result f64)
              (if (result f64) (i32.eqz (local.get 1))
                (then (local.get 0))
                (else (call $half (f64.mul (local.get 0) (f64.const 0.5)) (i32.sub (local.get 1) (i32.const 1))))))
            """;

    @Test
    void floatsLiveAcrossCallsInALoopWithTwoPaths() {
        String wat = "(module " + HALF + """
                (func (export "f") (param $x f64) (param $n i32) (result f64)
                  (local $a f64) (local $b f64) (local $c f64) (local $i i32)
                  (local.set $a (local.get $x))
                  (local.set $b (f64.const 1))
                  (block $done
                    (loop $top
                      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
                      (local.set $a (f64.add (f64.mul (local.get $a) (f64.const 1.5)) (local.get $b)))
                      (if (i32.and (local.get $i) (i32.const 1))
                        (then (local.set $b (f64.add (local.get $b) (call $half (local.get $a) (i32.const 2)))))
                        (else (local.set $c (f64.sub (local.get $c) (f64.mul (local.get $a) (local.get $x))))))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $top)))
                  (f64.add (f64.add (local.get $a) (local.get $b)) (f64.mul (local.get $c) (local.get $x)))))
                """;
        Instance inst = Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
        for (double x : new double[] {0, 1, -2.5, 0.1, 1e10, -0.0}) {
            for (int n : new int[] {0, 1, 2, 7, 40}) {
                double a = x;
                double b = 1;
                double c = 0;
                for (int i = 0; i < n; i++) {
                    a = a * 1.5 + b;
                    if ((i & 1) != 0) {
                        b = b + a * 0.5 * 0.5;
                    } else {
                        c = c - a * x;
                    }
                }
                double want = a + b + c * x;
                double got = inst.func("f").call(Val.f64(x), Val.i32(n))[0].f64();
                assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), "x=" + x + " n=" + n);
            }
        }
    }

    @Test
    void moreIntegersThanRegistersAcrossCallsInALoop() {
        // 16 accumulators, all live around the loop; odd iterations call out, even ones do not, and
        // a br_table picks which accumulator the call's result goes to
        int k = 16;
        StringBuilder wat = new StringBuilder("(module (func $mix (param i64) (param i32) (result i64)\n"
                + "  (if (result i64) (i32.eqz (local.get 1)) (then (i64.rotl (local.get 0) (i64.const 7)))\n"
                + "    (else (call $mix (i64.add (local.get 0) (i64.const 3)) (i32.sub (local.get 1) (i32.const 1))))))\n");
        wat.append("(func (export \"f\") (param $x i64) (param $n i32) (result i64) (local $i i32) (local $r i64)");
        for (int j = 0; j < k; j++) {
            wat.append(" (local $v").append(j).append(" i64)");
        }
        for (int j = 0; j < k; j++) {
            wat.append("\n (local.set $v").append(j).append(" (i64.mul (local.get $x) (i64.const ").append(2 * j + 1).append(")))");
        }
        wat.append("\n (block $done (loop $top\n  (br_if $done (i32.ge_u (local.get $i) (local.get $n)))");
        for (int j = 0; j < k; j++) {
            wat.append("\n  (local.set $v").append(j).append(" (i64.add (local.get $v").append(j).append(") (local.get $v")
                    .append((j + 1) % k).append(")))");
        }
        wat.append("\n  (if (i32.and (local.get $i) (i32.const 1)) (then\n"
                + "    (local.set $r (call $mix (local.get $v3) (i32.const 2)))\n"
                + "    (block $out (block $b2 (block $b1 (block $b0 (br_table $b0 $b1 $b2 (i32.and (local.get $i) (i32.const 3))))\n"
                + "      (local.set $v0 (i64.xor (local.get $v0) (local.get $r))) (br $out))\n"
                + "      (local.set $v5 (i64.xor (local.get $v5) (local.get $r))) (br $out))\n"
                + "    (local.set $v9 (i64.xor (local.get $v9) (local.get $r))))))\n"
                + "  (local.set $i (i32.add (local.get $i) (i32.const 1)))\n  (br $top)))\n (i64.const 0)");
        for (int j = 0; j < k; j++) {
            wat.append(" (i64.xor (i64.rotl (local.get $v").append(j).append(") (i64.const ").append(j).append(")))");
        }
        wat.append("))");
        Instance inst = Instance.create(store, Module.compile(engine, wat.toString().getBytes(StandardCharsets.UTF_8)));
        for (long x : new long[] {0, 1, -1, 3, Long.MIN_VALUE, 0x1234_5678_9ABC_DEF0L}) {
            for (int n : new int[] {0, 1, 2, 5, 13}) {
                long[] v = new long[k];
                for (int j = 0; j < k; j++) {
                    v[j] = x * (2 * j + 1);
                }
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < k; j++) {
                        v[j] = v[j] + v[(j + 1) % k];
                    }
                    if ((i & 1) != 0) {
                        long r = Long.rotateLeft(v[3] + 6, 7);
                        switch (i & 3) {
                            case 0 -> v[0] ^= r;
                            case 1 -> v[5] ^= r;
                            default -> v[9] ^= r;
                        }
                    }
                }
                long want = 0;
                for (int j = 0; j < k; j++) {
                    want ^= Long.rotateLeft(v[j], j);
                }
                assertEquals(want, inst.func("f").call(Val.i64(x), Val.i32(n))[0].i64(), "x=" + x + " n=" + n);
            }
        }
    }

    /**
     * The block that jumps back to the outer loop moves {@code $t} into {@code $a}'s register and has
     * two predecessors: the inner loop's exit, and the branch around the inner loop when {@code $p} is
     * 0. The x86-64 emitter runs such moves before the inner loop's conditional branch only when the
     * block has no other predecessor (golden {@code back-edge-moves.wat}, {@code $nested}): once it did
     * so here too, and the branch around the inner loop went to whatever code followed.
     */
    @Test
    void backEdgeBlockWithTwoPredecessorsKeepsItsMoves() {
        String wat = """
                (module
                  (global $g (mut i32) (i32.const 0))
                  (func (export "f") (param $n i32) (param $p i32) (result i32)
                    (local $i i32) (local $a i32) (local $t i32)
                    (local.set $a (i32.const 1))
                    (loop $outer
                      (global.set $g (i32.xor (global.get $g) (local.get $i)))
                      (if (i32.ge_u (local.get $i) (local.get $n))
                        (then (return (local.get $a))))
                      (local.set $t (i32.add (i32.mul (local.get $a) (i32.const 3)) (local.get $i)))
                      (global.set $g (i32.add (global.get $g) (local.get $a)))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (block $exit
                        (br_if $exit (i32.eqz (local.get $p)))
                        (loop $inner
                          (local.set $i (i32.add (local.get $i) (i32.const 1)))
                          (global.set $g (i32.sub (global.get $g) (local.get $i)))
                          (br_if $inner (i32.lt_u (local.get $i) (local.get $p)))))
                      (local.set $a (local.get $t))
                      (br $outer))
                    (unreachable)))
                """;
        Instance inst = Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
        for (int n : new int[] {0, 1, 2, 5, 17}) {
            for (int p : new int[] {0, 1, 2, 7, 100}) {
                int a = 1;
                int i = 0;
                while (Integer.compareUnsigned(i, n) < 0) {
                    int t = a * 3 + i;
                    i++;
                    if (p != 0) {
                        do {
                            i++;
                        } while (Integer.compareUnsigned(i, p) < 0);
                    }
                    a = t;
                }
                assertEquals(a, inst.func("f").call(Val.i32(n), Val.i32(p))[0].i32(), "n=" + n + " p=" + p);
            }
        }
    }
}
