package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Functions with more live values than any register file holds (40 f64 and 40 i64 values live at
 * once), so that instructions run with all their operands and their result in spill slots: two-operand
 * float operations, copysign, min, multiply-add. The results are checked against the same computation
 * in Java, on whatever instruction set the JVM runs (also in the emulated AArch64 JVM of {@code .ci/run}).
 */
class RegisterPressureTest extends StoreFixture {
    private static final int N = 40;

    private static String wat() {
        StringBuilder sb = new StringBuilder("(module\n  (func (export \"floats\") (param $x f64) (result f64)\n");
        for (int i = 0; i < N; i++) {
            sb.append("    (local $f").append(i).append(" f64)\n");
        }
        for (int i = 0; i < N; i++) {
            sb.append("    (local.set $f").append(i).append(" (f64.add (local.get $x) (f64.const ").append(i).append(".5)))\n");
        }
        String e = "(f64.const 0)";
        for (int i = 0; i < N; i++) {
            int j = N - 1 - i;
            e = "(f64.add (f64.mul " + e + " (f64.const 0.5)) (f64.copysign (f64.min (local.get $f" + i + ") (local.get $f"
                    + j + ")) (f64.sub (local.get $f" + j + ") (local.get $f" + i + "))))";
        }
        sb.append("    ").append(e).append(")\n  (func (export \"ints\") (param $x i64) (result i64)\n");
        for (int i = 0; i < N; i++) {
            sb.append("    (local $i").append(i).append(" i64)\n");
        }
        for (int i = 0; i < N; i++) {
            sb.append("    (local.set $i").append(i).append(" (i64.mul (local.get $x) (i64.const ").append(i + 3).append(")))\n");
        }
        e = "(i64.const 0)";
        for (int i = 0; i < N; i++) {
            e = "(i64.add (i64.mul (local.get $i" + i + ") (local.get $i" + (N - 1 - i) + ")) (i64.sub " + e
                    + " (local.get $i" + (i + 7) % N + ")))";
        }
        return sb.append("    ").append(e).append("))\n").toString();
    }

    @Test
    void allOperandsSpilled() {
        Instance inst = Instance.create(store, compile(wat()));
        for (double x : new double[] {1.25, -17.0, 1e10}) {
            double[] f = new double[N];
            for (int i = 0; i < N; i++) {
                f[i] = x + (i + 0.5);
            }
            double acc = 0;
            for (int i = 0; i < N; i++) {
                int j = N - 1 - i;
                acc = acc * 0.5 + Math.copySign(Math.min(f[i], f[j]), f[j] - f[i]);
            }
            assertEquals(Double.doubleToRawLongBits(acc),
                    Double.doubleToRawLongBits(inst.func("floats").call(Val.f64(x))[0].f64()), "floats(" + x + ")");
        }
        for (long x : new long[] {123456789L, -3L, Long.MAX_VALUE}) {
            long[] v = new long[N];
            for (int i = 0; i < N; i++) {
                v[i] = x * (i + 3);
            }
            long acc = 0;
            for (int i = 0; i < N; i++) {
                acc = v[i] * v[N - 1 - i] + (acc - v[(i + 7) % N]);
            }
            assertEquals(acc, inst.func("ints").call(Val.i64(x))[0].i64(), "ints(" + x + ")");
        }
    }
}
