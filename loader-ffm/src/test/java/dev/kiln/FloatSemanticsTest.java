package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.TrapCode;
import java.nio.charset.StandardCharsets;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Float instructions through the runtime against Java's IEEE 754 arithmetic (the reference for
 * add/sub/mul/div/sqrt, rint for nearest, Math.min/max for the NaN and signed-zero rules). NaN
 * results are compared as "some NaN" (the spec allows any arithmetic NaN), everything else by bits.
 */
class FloatSemanticsTest {
    private final Engine engine = Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true)).build();
    private final Store store = new Store(engine);

    @AfterEach
    void close() {
        store.close();
    }

    private static final double[] VALUES = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.7, -3.7, 1e10, -1e10,
        Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NaN, 2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0, 4294967295.0,
        4294967296.0, 9.223372036854775807E18, 1.8446744073709552E19, -0.9, 0.9, 123456.789};

    private Instance instantiate(String wat) {
        return Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
    }

    private static void assertSame64(double want, double got, String what) {
        if (Double.isNaN(want)) {
            assertTrue(Double.isNaN(got), what + ": want NaN, got " + got);
        } else {
            assertEquals(Double.doubleToRawLongBits(want), Double.doubleToRawLongBits(got), what + ": want " + want + " got " + got);
        }
    }

    private static void assertSame32(float want, float got, String what) {
        if (Float.isNaN(want)) {
            assertTrue(Float.isNaN(got), what + ": want NaN, got " + got);
        } else {
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": want " + want + " got " + got);
        }
    }

    @Test
    void binaryArithmeticMatchesJava() {
        String[] ops = {"add", "sub", "mul", "div", "min", "max", "copysign"};
        DoubleBinaryOperator[] ref = {(a, b) -> a + b, (a, b) -> a - b, (a, b) -> a * b, (a, b) -> a / b, Math::min, Math::max,
            Math::copySign};
        StringBuilder wat = new StringBuilder("(module\n");
        for (String op : ops) {
            for (String t : new String[] {"f32", "f64"}) {
                wat.append("(func (export \"").append(t).append('.').append(op).append("\") (param ").append(t).append(' ')
                        .append(t).append(") (result ").append(t).append(") (").append(t).append('.').append(op)
                        .append(" (local.get 0) (local.get 1)))\n");
            }
        }
        Instance inst = instantiate(wat.append(')').toString());
        for (int k = 0; k < ops.length; k++) {
            Func f32 = inst.func("f32." + ops[k]);
            Func f64 = inst.func("f64." + ops[k]);
            for (double x : VALUES) {
                for (double y : VALUES) {
                    String what = ops[k] + "(" + x + ", " + y + ")";
                    assertSame64(ref[k].applyAsDouble(x, y), f64.call(Val.f64(x), Val.f64(y))[0].f64(), "f64." + what);
                    float fx = (float) x;
                    float fy = (float) y;
                    float want = k == 6 ? Math.copySign(fx, fy) : (float) ref[k].applyAsDouble(fx, fy);
                    assertSame32(want, f32.call(Val.f32(fx), Val.f32(fy))[0].f32(), "f32." + what);
                }
            }
        }
    }

    @Test
    void unaryOperatorsMatchJava() {
        String[] ops = {"abs", "neg", "sqrt", "ceil", "floor", "trunc", "nearest"};
        DoubleUnaryOperator[] ref = {Math::abs, a -> -a, Math::sqrt, Math::ceil, Math::floor,
            a -> a < 0 ? Math.ceil(a) : Math.floor(a), Math::rint};
        StringBuilder wat = new StringBuilder("(module\n");
        for (String op : ops) {
            for (String t : new String[] {"f32", "f64"}) {
                wat.append("(func (export \"").append(t).append('.').append(op).append("\") (param ").append(t)
                        .append(") (result ").append(t).append(") (").append(t).append('.').append(op).append(" (local.get 0)))\n");
            }
        }
        Instance inst = instantiate(wat.append(')').toString());
        for (int k = 0; k < ops.length; k++) {
            for (double x : VALUES) {
                assertSame64(ref[k].applyAsDouble(x), inst.func("f64." + ops[k]).call(Val.f64(x))[0].f64(), "f64." + ops[k] + " " + x);
                float fx = (float) x;
                float want = k == 2 ? (float) Math.sqrt(fx) : (float) ref[k].applyAsDouble(fx);
                assertSame32(want, inst.func("f32." + ops[k]).call(Val.f32(fx))[0].f32(), "f32." + ops[k] + " " + fx);
            }
        }
        // abs and neg only touch the sign bit, NaN payloads included
        long payload = 0x7FF4_0000_0000_1234L;
        assertEquals(payload | Long.MIN_VALUE, inst.func("f64.neg").call(new Val(dev.kiln.abi.ValType.F64, payload))[0].bits());
        assertEquals(payload, inst.func("f64.abs").call(new Val(dev.kiln.abi.ValType.F64, payload | Long.MIN_VALUE))[0].bits());
    }

    @Test
    void comparisonsIncludingNaN() {
        String[] ops = {"eq", "ne", "lt", "gt", "le", "ge"};
        StringBuilder wat = new StringBuilder("(module\n");
        for (String op : ops) {
            wat.append("(func (export \"").append(op).append("\") (param f64 f64) (result i32) (f64.").append(op)
                    .append(" (local.get 0) (local.get 1)))\n");
            // the same comparison fused with a branch
            wat.append("(func (export \"br_").append(op).append("\") (param f32 f32) (result i32) (if (result i32) (f32.")
                    .append(op).append(" (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 0))))\n");
        }
        Instance inst = instantiate(wat.append(')').toString());
        for (double x : VALUES) {
            for (double y : VALUES) {
                boolean[] want = {x == y, x != y, x < y, x > y, x <= y, x >= y};
                float fx = (float) x;
                float fy = (float) y;
                boolean[] want32 = {fx == fy, fx != fy, fx < fy, fx > fy, fx <= fy, fx >= fy};
                for (int k = 0; k < ops.length; k++) {
                    assertEquals(want[k] ? 1 : 0, inst.func(ops[k]).call(Val.f64(x), Val.f64(y))[0].i32(), ops[k] + " " + x + " " + y);
                    assertEquals(want32[k] ? 1 : 0, inst.func("br_" + ops[k]).call(Val.f32(fx), Val.f32(fy))[0].i32(),
                            "br_" + ops[k] + " " + fx + " " + fy);
                }
            }
        }
    }

    @Test
    void conversionsMatchTheSpec() {
        Instance inst = instantiate("""
                (module
                  (func (export "i32.trunc_f64_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
                  (func (export "i32.trunc_f64_u") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
                  (func (export "i64.trunc_f64_s") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
                  (func (export "i64.trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
                  (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
                  (func (export "i64.trunc_f32_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
                  (func (export "i32.trunc_sat_f64_s") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
                  (func (export "i32.trunc_sat_f64_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
                  (func (export "i64.trunc_sat_f64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
                  (func (export "i64.trunc_sat_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
                  (func (export "f64.convert_i64_u") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
                  (func (export "f32.convert_i64_u") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
                  (func (export "f64.convert_i32_u") (param i32) (result f64) (f64.convert_i32_u (local.get 0)))
                  (func (export "f32.convert_i32_s") (param i32) (result f32) (f32.convert_i32_s (local.get 0)))
                  (func (export "f64.promote") (param f32) (result f64) (f64.promote_f32 (local.get 0)))
                  (func (export "f32.demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
                  (func (export "bits") (param f64) (result i64) (i64.reinterpret_f64 (local.get 0)))
                  (func (export "from_bits") (param i32) (result f32) (f32.reinterpret_i32 (local.get 0))))
                """);
        java.math.BigDecimal two32 = new java.math.BigDecimal("4294967296");
        java.math.BigDecimal two64 = new java.math.BigDecimal("18446744073709551616");
        for (double x : VALUES) {
            double t = x < 0 ? Math.ceil(x) : Math.floor(x);
            // signed i32
            if (Double.isNaN(x)) {
                assertEquals(TrapCode.INVALID_CONVERSION_TO_INTEGER,
                        assertThrows(Trap.class, () -> inst.func("i32.trunc_f64_s").call(Val.f64(x))).kind());
            } else if (t < Integer.MIN_VALUE || t > Integer.MAX_VALUE) {
                assertEquals(TrapCode.INTEGER_OVERFLOW,
                        assertThrows(Trap.class, () -> inst.func("i32.trunc_f64_s").call(Val.f64(x))).kind(), "x=" + x);
            } else {
                assertEquals((int) t, inst.func("i32.trunc_f64_s").call(Val.f64(x))[0].i32(), "x=" + x);
            }
            assertEquals((int) x, inst.func("i32.trunc_sat_f64_s").call(Val.f64(x))[0].i32(), "sat x=" + x);
            assertEquals((long) x, inst.func("i64.trunc_sat_f64_s").call(Val.f64(x))[0].i64(), "sat64 x=" + x);
            // unsigned
            if (!Double.isNaN(x) && t > -1 && !Double.isInfinite(x)
                    && new java.math.BigDecimal(t).compareTo(two32) < 0) {
                assertEquals(new java.math.BigDecimal(t).longValue(), inst.func("i32.trunc_f64_u").call(Val.f64(x))[0].i32() & 0xFFFF_FFFFL);
            } else {
                assertThrows(Trap.class, () -> inst.func("i32.trunc_f64_u").call(Val.f64(x)), "x=" + x);
            }
            if (!Double.isNaN(x) && t > -1 && !Double.isInfinite(x) && new java.math.BigDecimal(t).compareTo(two64) < 0) {
                assertEquals(new java.math.BigDecimal(t).toBigInteger().longValue(), inst.func("i64.trunc_f64_u").call(Val.f64(x))[0].i64(), "x=" + x);
                assertEquals(new java.math.BigDecimal(t).toBigInteger().longValue(), inst.func("i64.trunc_sat_f64_u").call(Val.f64(x))[0].i64());
            } else {
                assertThrows(Trap.class, () -> inst.func("i64.trunc_f64_u").call(Val.f64(x)), "x=" + x);
                long sat = Double.isNaN(x) || x < 0 ? 0 : -1L;
                assertEquals(sat, inst.func("i64.trunc_sat_f64_u").call(Val.f64(x))[0].i64(), "sat u64 x=" + x);
            }
            long u32sat = Double.isNaN(x) || x <= -1 ? 0 : x >= 4294967296.0 ? 0xFFFF_FFFFL : (long) t;
            assertEquals((int) u32sat, inst.func("i32.trunc_sat_f64_u").call(Val.f64(x))[0].i32(), "sat u32 x=" + x);
            assertSame64((double) (float) x, inst.func("f64.promote").call(Val.f32((float) x))[0].f64(), "promote");
            assertSame32((float) x, inst.func("f32.demote").call(Val.f64(x))[0].f32(), "demote " + x);
            if (!Double.isNaN(x)) {
                assertEquals(Double.doubleToRawLongBits(x), inst.func("bits").call(Val.f64(x))[0].i64());
            }
        }
        assertEquals(Integer.MIN_VALUE, inst.func("i32.trunc_f32_s").call(Val.f32(-2147483648f))[0].i32());
        assertThrows(Trap.class, () -> inst.func("i32.trunc_f32_s").call(Val.f32(2147483648f)));
        assertEquals(-1L, inst.func("i64.trunc_f32_u").call(Val.f32(1.8446743E19f))[0].i64() | 0xFF_FFFF_FFFFL);
        long[] ints = {0, 1, -1, 42, Long.MAX_VALUE, Long.MIN_VALUE, 0x8000_0000_0000_0401L, 0xFFFF_FFFF_FFFF_FBFFL, 9007199254740993L};
        for (long v : ints) {
            java.math.BigInteger u = new java.math.BigInteger(Long.toUnsignedString(v));
            assertSame64(new java.math.BigDecimal(u).doubleValue(), inst.func("f64.convert_i64_u").call(Val.i64(v))[0].f64(), "u64 " + Long.toUnsignedString(v));
            assertSame32(new java.math.BigDecimal(u).floatValue(), inst.func("f32.convert_i64_u").call(Val.i64(v))[0].f32(), "u64->f32 " + Long.toUnsignedString(v));
            assertSame64((double) (v & 0xFFFF_FFFFL), inst.func("f64.convert_i32_u").call(Val.i32((int) v))[0].f64(), "u32");
            assertSame32((float) (int) v, inst.func("f32.convert_i32_s").call(Val.i32((int) v))[0].f32(), "s32");
        }
        assertEquals(0x7FC0_0001, Float.floatToRawIntBits(inst.func("from_bits").call(Val.i32(0x7FC0_0001))[0].f32()));
    }

    @Test
    void floatLocalsLoopsCallsAndSelect() {
        Instance inst = instantiate("""
                (module
                  (func $poly (param $x f64) (param $a f32) (result f64)
                    (f64.add (f64.mul (local.get $x) (local.get $x)) (f64.promote_f32 (local.get $a))))
                  (func (export "sum") (param $n i32) (result f64) (local $i i32) (local $acc f64)
                    (block $done (loop $next
                      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
                      (local.set $acc (f64.add (local.get $acc)
                        (call $poly (f64.convert_i32_s (local.get $i)) (f32.const 0.5))))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $next)))
                    (local.get $acc))
                  (func (export "many") (param f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 i32 f64) (result f64)
                    (f64.add (f64.add (f64.add (local.get 0) (f64.mul (local.get 8) (f64.const 100)))
                                      (f64.mul (local.get 9) (f64.const 1000)))
                             (f64.add (f64.convert_i32_s (local.get 10)) (f64.mul (local.get 11) (f64.const 10000)))))
                  (func (export "pick") (param f32 f32 i32) (result f32) (select (local.get 0) (local.get 1) (local.get 2))))
                """);
        double want = 0;
        for (int i = 0; i < 100; i++) {
            want += (double) i * i + 0.5;
        }
        assertEquals(want, inst.func("sum").call(Val.i32(100))[0].f64());
        Val[] args = new Val[12];
        for (int i = 0; i < 10; i++) {
            args[i] = Val.f64(i + 1);
        }
        args[10] = Val.i32(7);
        args[11] = Val.f64(3);
        assertEquals(1 + 900 + 10000 + 7 + 30000, inst.func("many").call(args)[0].f64());
        assertEquals(1.5f, inst.func("pick").call(Val.f32(1.5f), Val.f32(2.5f), Val.i32(1))[0].f32());
        assertEquals(2.5f, inst.func("pick").call(Val.f32(1.5f), Val.f32(2.5f), Val.i32(0))[0].f32());
    }
}
