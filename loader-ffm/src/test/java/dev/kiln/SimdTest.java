package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code v128} end to end on the host's backend (x86-64 here; AArch64 in the emulated stage of
 * {@code .ci/aarch64-stage}): values live across calls and in spill slots (more v128 values live than
 * vector registers, more v128 arguments than argument registers, several results on the stack),
 * globals, and the host boundary ({@link Val#v128}, wrong shapes refused, host functions with v128
 * parameters and results).
 */
class SimdTest extends StoreFixture {
    private static final int N = 20;

    /** {@code f(x)}: N vectors {@code x + i} live at once, passed 10 at a time to {@code g}, which sums them lane-wise times its index. */
    private static String wat() {
        StringBuilder sb = new StringBuilder("(module\n");
        sb.append("  (func $g (param v128 v128 v128 v128 v128 v128 v128 v128 v128 v128) (result v128)\n    ");
        String e = "(local.get 0)";
        for (int i = 1; i < 10; i++) {
            e = "(i32x4.add " + e + " (i32x4.mul (local.get " + i + ") (i32x4.splat (i32.const " + (i + 1) + "))))";
        }
        sb.append(e).append(")\n");
        sb.append("  (func (export \"f\") (param $x v128) (result v128)\n");
        for (int i = 0; i < N; i++) {
            sb.append("    (local $v").append(i).append(" v128)\n");
        }
        for (int i = 0; i < N; i++) {
            sb.append("    (local.set $v").append(i).append(" (i32x4.add (local.get $x) (v128.const i32x4 ").append(i)
                    .append(' ').append(2 * i).append(' ').append(3 * i).append(' ').append(-i).append(")))\n");
        }
        StringBuilder call1 = new StringBuilder("(call $g");
        StringBuilder call2 = new StringBuilder("(call $g");
        for (int i = 0; i < 10; i++) {
            call1.append(" (local.get $v").append(i).append(')');
            call2.append(" (local.get $v").append(N - 1 - i).append(')');
        }
        sb.append("    (i32x4.sub ").append(call1).append(") ").append(call2).append(")))\n");
        sb.append("""
                  (func (export "three") (param $a v128) (param $k i32) (result v128 i32 v128)
                    (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $a) (local.get $a))
                    (i32.add (local.get $k) (i32x4.extract_lane 2 (local.get $a)))
                    (f32x4.splat (f32.convert_i32_s (local.get $k))))
                  (func (export "many") (param v128 i32 v128 f64 v128 v128 v128 v128 v128 v128 v128 v128 i64 v128)
                    (result v128)
                    (i32x4.add (i32x4.add (local.get 0) (local.get 13))
                      (i32x4.add (i32x4.splat (i32.add (local.get 1) (i32.wrap_i64 (local.get 12))))
                                 (i32x4.add (local.get 11) (i32x4.splat (i32.trunc_f64_s (local.get 3)))))))
                  (global $g (export "g") (mut v128) (v128.const i64x2 0x0102030405060708 -1))
                  (func (export "bump") (result v128)
                    (global.set $g (i64x2.add (global.get $g) (v128.const i64x2 1 1)))
                    (global.get $g))
                )""");
        return sb.toString();
    }

    private static int[] lanes(Val v) {
        long lo = v.v128Low();
        long hi = v.v128High();
        return new int[] {(int) lo, (int) (lo >>> 32), (int) hi, (int) (hi >>> 32)};
    }

    private static Val v(int... l) {
        return Val.v128((l[0] & 0xFFFF_FFFFL) | (long) l[1] << 32, (l[2] & 0xFFFF_FFFFL) | (long) l[3] << 32);
    }

    /** 24 v128 values live around a loop whose header checks the epoch, mixed each iteration; an i64 digest. */
    private static String epochLoop() {
        int n = 24;
        StringBuilder sb = new StringBuilder("(module (func (export \"mix\") (param $n i32) (result i64)\n");
        for (int k = 0; k < n; k++) {
            sb.append("  (local $a").append(k).append(" v128)\n");
        }
        sb.append("  (local $i i32) (local $d v128)\n");
        for (int k = 0; k < n; k++) {
            sb.append("  (local.set $a").append(k).append(" (v128.const i32x4 ").append(k * 7919 + 1).append(' ')
                    .append(k * 31 + 2).append(' ').append(k * 131 + 3).append(' ').append(-k).append("))\n");
        }
        sb.append("  (loop $l\n");
        for (int k = 0; k < n; k++) {
            sb.append("    (local.set $a").append(k).append(" (i32x4.add (i32x4.mul (local.get $a").append(k)
                    .append(") (i32x4.splat (i32.const 3))) (local.get $a").append((k + 1) % n).append(")))\n");
        }
        sb.append("    (local.set $i (i32.add (local.get $i) (i32.const 1)))\n");
        sb.append("    (br_if $l (i32.lt_u (local.get $i) (local.get $n))))\n");
        sb.append("  (local.set $d (local.get $a0))\n");
        for (int k = 1; k < n; k++) {
            sb.append("  (local.set $d (v128.xor (i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 0 (local.get $d)")
                    .append(" (local.get $d)) (local.get $a").append(k).append(")))\n");
        }
        sb.append("  (i64.add (i64x2.extract_lane 0 (local.get $d))")
                .append(" (i64.mul (i64x2.extract_lane 1 (local.get $d)) (i64.const 31)))))");
        return sb.toString();
    }

    /** The epoch check's slow path (a call into Java at every loop header) keeps all 128 bits of every live vector. */
    @Test
    void vectorsSurviveTheEpochSlowPath() {
        long expected;
        try (Store plain = new Store(Engine.create())) {
            expected = Instance.create(plain, Module.compile(plain.engine(), epochLoop().getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .func("mix").call(Val.i32(300))[0].i64();
        }
        Engine epochs = Engine.builder().epochInterruption(true).build();
        try (Store interrupted = new Store(epochs)) {
            Instance i = Instance.create(interrupted, Module.compile(epochs, epochLoop().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            interrupted.epochDeadlineCallback(st -> {
                calls.incrementAndGet();
                return 0; // call back at every loop header
            });
            interrupted.setEpochDeadline(0);
            assertTrue(expected != 0, "the digest of the vectors: " + expected);
            assertEquals(expected, i.func("mix").call(Val.i32(300))[0].i64());
            assertTrue(calls.get() >= 300, "epoch callbacks: " + calls.get());
        }
    }

    @Test
    void vectorsAcrossCallsAndSpills() {
        Instance inst = Instance.create(store, compile(wat()));
        int[] x = {7, -3, 1 << 30, 12345};
        int[] want = new int[4];
        for (int lane = 0; lane < 4; lane++) {
            int[] vs = new int[N];
            for (int i = 0; i < N; i++) {
                int add = switch (lane) {
                    case 0 -> i;
                    case 1 -> 2 * i;
                    case 2 -> 3 * i;
                    default -> -i;
                };
                vs[i] = x[lane] + add;
            }
            int s1 = vs[0];
            int s2 = vs[N - 1];
            for (int i = 1; i < 10; i++) {
                s1 += vs[i] * (i + 1);
                s2 += vs[N - 1 - i] * (i + 1);
            }
            want[lane] = s1 - s2;
        }
        assertArrayEquals(want, lanes(inst.func("f").call(v(x))[0]));
    }

    @Test
    void severalResultsAndGlobals() {
        Instance inst = Instance.create(store, compile(wat()));
        byte[] b = new byte[16];
        for (int i = 0; i < 16; i++) {
            b[i] = (byte) (i * 17);
        }
        Val[] r = inst.func("three").call(Val.v128(b), Val.i32(5));
        byte[] rev = new byte[16];
        for (int i = 0; i < 16; i++) {
            rev[i] = b[15 - i];
        }
        assertArrayEquals(rev, r[0].v128Bytes());
        assertEquals(5 + lanes(Val.v128(b))[2], r[1].i32());
        int five = Float.floatToRawIntBits(5f);
        assertArrayEquals(new int[] {five, five, five, five}, lanes(r[2]));

        Global g = inst.global("g");
        assertEquals(0x0102030405060708L, g.get().v128Low());
        assertEquals(-1L, g.get().v128High());
        Val bumped = inst.func("bump").call()[0];
        assertEquals(0x0102030405060709L, bumped.v128Low());
        assertEquals(0L, bumped.v128High());
        g.set(Val.v128(40, 41));
        Val again = inst.func("bump").call()[0];
        assertEquals(41L, again.v128Low());
        assertEquals(42L, again.v128High());
    }

    @Test
    void exportWithStackPassedVectors() {
        Instance inst = Instance.create(store, compile(wat()));
        Val[] args = new Val[14];
        for (int i = 0; i < 14; i++) {
            args[i] = v(i, 10 * i, 100 * i, -i);
        }
        args[1] = Val.i32(1000);
        args[3] = Val.f64(-7.9);
        args[12] = Val.i64(5_000_000_000L + 3); // wraps to 705032707 + 3
        int k = 1000 + (int) (5_000_000_000L + 3) - 7;
        int[] want = new int[4];
        int[] a0 = lanes(args[0]);
        int[] a11 = lanes(args[11]);
        int[] a13 = lanes(args[13]);
        for (int lane = 0; lane < 4; lane++) {
            want[lane] = a0[lane] + a13[lane] + k + a11[lane];
        }
        assertArrayEquals(want, lanes(inst.func("many").call(args)[0]));
    }

    @Test
    void vectorFunctionsImportedFromAnotherInstance() {
        Instance a = Instance.create(store, compile("""
                (module (func (export "twice") (param v128) (result v128) (i16x8.add (local.get 0) (local.get 0))))"""));
        Instance b = new Linker().instance("a", a).instantiate(store, compile("""
                (module (import "a" "twice" (func $twice (param v128) (result v128)))
                  (func (export "four") (param v128) (result v128) (call $twice (call $twice (local.get 0)))))"""));
        assertArrayEquals(new int[] {4 * 3 | (4 * 5) << 16, 0, 0, -4 & 0xFFFF}, lanes(b.func("four").call(v(3 | 5 << 16, 0, 0, 0xFFFF))[0]));
    }

    @Test
    void wrongShapesAreRefused() {
        Instance inst = Instance.create(store, compile(wat()));
        Func f = inst.func("f");
        assertThrows(IllegalArgumentException.class, () -> f.call(Val.i32(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.call(new Val(ValType.V128, 1, "not a Long")));
        assertTrue(e.getMessage().contains("argument 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Val.v128(new byte[15]));
        assertThrows(IllegalStateException.class, () -> Val.i32(1).v128Low());
        assertThrows(UnsupportedOperationException.class, f::handle);
        assertThrows(IllegalArgumentException.class, () -> inst.global("g").set(new Val(ValType.V128, 1, 2.0)));
        // a v128 with a null high half is the zero-extended low half
        assertArrayEquals(new int[] {1, 0, 0, 0}, lanes(Val.v128(1, 0)));
        assertEquals(0L, new Val(ValType.V128, 5).v128High());
    }

    /**
     * Host functions with v128 parameters and results, through the import adapter's slot area: mixed
     * with scalars, more arguments than registers (the rest on the caller's stack), several results,
     * called in a loop with vectors live across the calls; a host that throws, or returns the wrong
     * type, traps with the cause and leaves the store usable.
     */
    @Test
    void hostFunctionsWithVectors() {
        FuncType mixType = new FuncType(List.of(ValType.I32, ValType.V128, ValType.F64, ValType.V128),
                List.of(ValType.V128, ValType.I64));
        Func mix = Func.wrap(store, mixType, args -> {
            int[] a = lanes(args[1]);
            int[] b = lanes(args[3]);
            int k = args[0].i32();
            int d = (int) args[2].f64();
            return new Val[] {v(a[0] + b[3] * k, a[1] - d, a[2] ^ b[0], a[3] + 1),
                Val.i64(args[1].v128Low() ^ args[3].v128High())};
        });
        List<ValType> manyParams = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            manyParams.add(ValType.V128);
            manyParams.add(i % 2 == 0 ? ValType.I32 : ValType.F32);
        }
        Func many = Func.wrap(store, new FuncType(manyParams, List.of(ValType.V128)), args -> {
            int[] sum = new int[4];
            for (int i = 0; i < 12; i++) {
                int[] l = lanes(args[2 * i]);
                int s = i % 2 == 0 ? args[2 * i + 1].i32() : (int) args[2 * i + 1].f32();
                for (int lane = 0; lane < 4; lane++) {
                    sum[lane] += l[lane] * (i + 1) + s;
                }
            }
            return new Val[] {v(sum)};
        });
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Func flaky = Func.wrap(store, new FuncType(List.of(ValType.V128), List.of(ValType.V128)), args -> {
            int n = calls.incrementAndGet();
            if (n == 2) {
                throw new IllegalStateException("host failure " + n);
            }
            if (n == 3) {
                return new Val[] {Val.i32(7)};
            }
            return new Val[] {args[0]};
        });
        StringBuilder manyCall = new StringBuilder("(call $many");
        for (int i = 0; i < 12; i++) {
            manyCall.append(" (i32x4.add (local.get $x) (i32x4.splat (i32.const ").append(i).append(")))")
                    .append(i % 2 == 0 ? " (i32.const " + (100 * i) + ")" : " (f32.const " + (10 * i) + ")");
        }
        manyCall.append(')');
        Instance inst = new Linker().define("h", "mix", mix).define("h", "many", many).define("h", "flaky", flaky)
                .instantiate(store, compile("""
                (module
                  (import "h" "mix" (func $mix (param i32 v128 f64 v128) (result v128 i64)))
                  (import "h" "many" (func $many %s (result v128)))
                  (import "h" "flaky" (func $flaky (param v128) (result v128)))
                  (func (export "mix") (param $k i32) (param $a v128) (param $b v128) (result v128 i64)
                    (call $mix (local.get $k) (local.get $a) (f64.const 2.5) (local.get $b)))
                  (func (export "many") (param $x v128) (result v128) %s)
                  (func (export "loop") (param $x v128) (param $n i32) (result v128) (local $acc v128)
                    (loop $again
                      (local.set $acc (i32x4.add (local.get $acc)
                        (i32x4.add (local.get $x) (call $mix (local.get $n) (local.get $x) (f64.const 1)
                                                             (local.get $acc)) (drop))))
                      (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                    (local.get $acc))
                  (func (export "flaky") (param $x v128) (result v128) (call $flaky (local.get $x))))"""
                        .formatted("(param" + " v128 i32 v128 f32".repeat(6) + ")", manyCall)));

        Val[] r = inst.func("mix").call(Val.i32(3), v(1, 2, 3, 4), v(5, 6, 7, 8));
        assertArrayEquals(new int[] {1 + 8 * 3, 2 - 2, 3 ^ 5, 4 + 1}, lanes(r[0]));
        assertEquals(v(1, 2, 3, 4).v128Low() ^ v(5, 6, 7, 8).v128High(), r[1].i64());

        int[] want = new int[4];
        int[] x = {10, -20, 30, 1 << 20};
        for (int i = 0; i < 12; i++) {
            int s = i % 2 == 0 ? 100 * i : 10 * i;
            for (int lane = 0; lane < 4; lane++) {
                want[lane] += (x[lane] + i) * (i + 1) + s;
            }
        }
        assertArrayEquals(want, lanes(inst.func("many").call(v(x))[0]));

        // the same recurrence in Java: acc += x + mix(n, x, 1.0, acc)[0], for n = 5 .. 1
        int[] acc = new int[4];
        int[] xs = {1, 2, 3, 4};
        for (int n = 5; n >= 1; n--) {
            int[] m = {xs[0] + acc[3] * n, xs[1] - 1, xs[2] ^ acc[0], xs[3] + 1};
            for (int lane = 0; lane < 4; lane++) {
                acc[lane] += xs[lane] + m[lane];
            }
        }
        assertArrayEquals(acc, lanes(inst.func("loop").call(v(xs), Val.i32(5))[0]));

        Func f = inst.func("flaky");
        assertArrayEquals(new int[] {9, 8, 7, 6}, lanes(f.call(v(9, 8, 7, 6))[0]));
        // what the host threw reaches the caller of the Wasm function
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> f.call(v(1, 1, 1, 1)));
        assertEquals("host failure 2", thrown.getMessage());
        IllegalStateException wrongType = assertThrows(IllegalStateException.class, () -> f.call(v(1, 1, 1, 1)));
        assertTrue(wrongType.getMessage().startsWith("host function returned [i32"), wrongType.getMessage());
        assertArrayEquals(new int[] {-1, 0, 5, 1}, lanes(f.call(v(-1, 0, 5, 1))[0]), "the store is still usable");
    }
}
