package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.CompileOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every integer operation of the slice against Java's own arithmetic (the reference), on edge
 * values and random values, in both operand shapes the instruction selector distinguishes: both
 * operands in registers, and the second a constant folded into an immediate.
 */
class IntegerSemanticsTest {
    private final Engine engine = Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true)).build();
    private final Store store = new Store(engine);

    @AfterEach
    void close() {
        store.close();
    }

    private record BinOp(String wasm, LongBinaryOperator i32, LongBinaryOperator i64) {
    }

    private static long b(boolean v) {
        return v ? 1 : 0;
    }

    private static final List<BinOp> OPS = List.of(
            new BinOp("add", (a, c) -> (int) a + (int) c, (a, c) -> a + c),
            new BinOp("sub", (a, c) -> (int) a - (int) c, (a, c) -> a - c),
            new BinOp("mul", (a, c) -> (int) a * (int) c, (a, c) -> a * c),
            new BinOp("and", (a, c) -> (int) a & (int) c, (a, c) -> a & c),
            new BinOp("or", (a, c) -> (int) a | (int) c, (a, c) -> a | c),
            new BinOp("xor", (a, c) -> (int) a ^ (int) c, (a, c) -> a ^ c),
            new BinOp("shl", (a, c) -> (int) a << (int) c, (a, c) -> a << c),
            new BinOp("shr_s", (a, c) -> (int) a >> (int) c, (a, c) -> a >> c),
            new BinOp("shr_u", (a, c) -> (int) a >>> (int) c, (a, c) -> a >>> c),
            new BinOp("rotl", (a, c) -> Integer.rotateLeft((int) a, (int) c), (a, c) -> Long.rotateLeft(a, (int) c)),
            new BinOp("rotr", (a, c) -> Integer.rotateRight((int) a, (int) c), (a, c) -> Long.rotateRight(a, (int) c)),
            new BinOp("eq", (a, c) -> b((int) a == (int) c), (a, c) -> b(a == c)),
            new BinOp("ne", (a, c) -> b((int) a != (int) c), (a, c) -> b(a != c)),
            new BinOp("lt_s", (a, c) -> b((int) a < (int) c), (a, c) -> b(a < c)),
            new BinOp("lt_u", (a, c) -> b(Integer.compareUnsigned((int) a, (int) c) < 0), (a, c) -> b(Long.compareUnsigned(a, c) < 0)),
            new BinOp("gt_s", (a, c) -> b((int) a > (int) c), (a, c) -> b(a > c)),
            new BinOp("gt_u", (a, c) -> b(Integer.compareUnsigned((int) a, (int) c) > 0), (a, c) -> b(Long.compareUnsigned(a, c) > 0)),
            new BinOp("le_s", (a, c) -> b((int) a <= (int) c), (a, c) -> b(a <= c)),
            new BinOp("le_u", (a, c) -> b(Integer.compareUnsigned((int) a, (int) c) <= 0), (a, c) -> b(Long.compareUnsigned(a, c) <= 0)),
            new BinOp("ge_s", (a, c) -> b((int) a >= (int) c), (a, c) -> b(a >= c)),
            new BinOp("ge_u", (a, c) -> b(Integer.compareUnsigned((int) a, (int) c) >= 0), (a, c) -> b(Long.compareUnsigned(a, c) >= 0)));

    private static final long[] EDGES = {0, 1, -1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 255, 0x7FFF_FFFFL, 0x8000_0000L,
        0xFFFF_FFFFL, Integer.MIN_VALUE, Integer.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9ABC_DEF0L};

    private static boolean isCompare(String op) {
        return op.length() <= 5 && (op.startsWith("eq") || op.startsWith("ne") || op.startsWith("lt") || op.startsWith("gt")
                || op.startsWith("le") || op.startsWith("ge"));
    }

    @Test
    void binaryOperatorsMatchJava() {
        Random rnd = new Random(42);
        List<Long> values = new ArrayList<>();
        for (long e : EDGES) {
            values.add(e);
        }
        for (int i = 0; i < 8; i++) {
            values.add(rnd.nextLong());
        }
        StringBuilder wat = new StringBuilder("(module\n");
        for (BinOp op : OPS) {
            for (String t : new String[] {"i32", "i64"}) {
                String rt = isCompare(op.wasm()) ? "i32" : t;
                wat.append("(func (export \"").append(t).append('.').append(op.wasm()).append("\") (param ").append(t)
                        .append(' ').append(t).append(") (result ").append(rt).append(") (").append(t).append('.')
                        .append(op.wasm()).append(" (local.get 0) (local.get 1)))\n");
                for (int k = 0; k < EDGES.length; k++) {
                    // the same operator with the second operand a constant (immediate forms)
                    String c = t.equals("i32") ? Integer.toString((int) EDGES[k]) : Long.toString(EDGES[k]);
                    wat.append("(func (export \"").append(t).append('.').append(op.wasm()).append("/").append(k)
                            .append("\") (param ").append(t).append(") (result ").append(rt).append(") (").append(t)
                            .append('.').append(op.wasm()).append(" (local.get 0) (").append(t).append(".const ").append(c)
                            .append(")))\n");
                }
            }
        }
        wat.append(')');
        Instance inst = Instance.create(store, Module.compile(engine, wat.toString().getBytes(StandardCharsets.UTF_8)));
        for (BinOp op : OPS) {
            Func f32 = inst.func("i32." + op.wasm());
            Func f64 = inst.func("i64." + op.wasm());
            for (long x : values) {
                for (long y : values) {
                    long want32 = isCompare(op.wasm()) ? op.i32().applyAsLong(x, y) : (int) op.i32().applyAsLong(x, y);
                    assertEquals((int) want32, f32.call(Val.i32((int) x), Val.i32((int) y))[0].i32(),
                            "i32." + op.wasm() + " " + (int) x + " " + (int) y);
                    long want64 = op.i64().applyAsLong(x, y);
                    Val r64 = f64.call(Val.i64(x), Val.i64(y))[0];
                    assertEquals(want64, isCompare(op.wasm()) ? r64.i32() : r64.i64(), "i64." + op.wasm() + " " + x + " " + y);
                }
            }
            for (int k = 0; k < EDGES.length; k++) {
                long y = EDGES[k];
                Func c32 = inst.func("i32." + op.wasm() + "/" + k);
                Func c64 = inst.func("i64." + op.wasm() + "/" + k);
                for (long x : values) {
                    assertEquals((int) op.i32().applyAsLong(x, y), c32.call(Val.i32((int) x))[0].i32(),
                            "i32." + op.wasm() + " " + (int) x + " const " + (int) y);
                    Val r64 = c64.call(Val.i64(x))[0];
                    assertEquals(op.i64().applyAsLong(x, y), isCompare(op.wasm()) ? r64.i32() : r64.i64(),
                            "i64." + op.wasm() + " " + x + " const " + y);
                }
            }
        }
    }

    /**
     * Division and remainder by constants, which the optimizer turns into multiplications by
     * reciprocals (umulhi/smulhi lowered to 64-bit imul or one-operand mul/imul): every divisor shape
     * against Java's division, and the trapping ones still trapping.
     */
    @Test
    void divisionByConstantsMatchJava() {
        long[] divisors = {1, 2, 3, 5, 6, 7, 10, 12, 25, 60, 100, 641, 1000, 6700417, 1_000_000_007, 0x7FFF_FFFF, -1, -2, -3,
            -7, -10, -1000, 8, 64, 1 << 20, -(1 << 20), 0x8000_0001L, 0xFFFF_FFFFL, 0xFFFF_FFFEL, 0x1_0000_0001L,
            10_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MIN_VALUE, Integer.MIN_VALUE, 0};
        String[] ops = {"div_s", "div_u", "rem_s", "rem_u"};
        StringBuilder wat = new StringBuilder("(module\n");
        for (String t : new String[] {"i32", "i64"}) {
            for (int k = 0; k < divisors.length; k++) {
                String c = t.equals("i32") ? Integer.toString((int) divisors[k]) : Long.toString(divisors[k]);
                for (String op : ops) {
                    wat.append("(func (export \"").append(t).append('.').append(op).append('/').append(k).append("\") (param ")
                            .append(t).append(") (result ").append(t).append(") (").append(t).append('.').append(op)
                            .append(" (local.get 0) (").append(t).append(".const ").append(c).append(")))\n");
                }
            }
        }
        Instance inst = Instance.create(store, Module.compile(engine, wat.append(')').toString().getBytes(StandardCharsets.UTF_8)));
        Random rnd = new Random(11);
        List<Long> xs = new ArrayList<>();
        for (long e : EDGES) {
            xs.add(e);
        }
        for (long e : new long[] {7, -7, 9, 10, 99, 100, -100, 999_999, -1_000_000_007, Long.MIN_VALUE + 1}) {
            xs.add(e);
        }
        for (int i = 0; i < 40; i++) {
            xs.add(rnd.nextLong() >> rnd.nextInt(64));
        }
        for (int k = 0; k < divisors.length; k++) {
            for (String op : ops) {
                Func f32 = inst.func("i32." + op + "/" + k);
                Func f64 = inst.func("i64." + op + "/" + k);
                for (long x : xs) {
                    int a = (int) x;
                    int b = (int) divisors[k];
                    String what32 = "i32." + op + " " + a + " by " + b;
                    if (b == 0 || (op.equals("div_s") && a == Integer.MIN_VALUE && b == -1)) {
                        assertThrows(Trap.class, () -> f32.call(Val.i32(a)), what32);
                    } else {
                        int want = switch (op) {
                            case "div_s" -> a / b;
                            case "div_u" -> Integer.divideUnsigned(a, b);
                            case "rem_s" -> a % b;
                            default -> Integer.remainderUnsigned(a, b);
                        };
                        assertEquals(want, f32.call(Val.i32(a))[0].i32(), what32);
                    }
                    long d = divisors[k];
                    String what64 = "i64." + op + " " + x + " by " + d;
                    if (d == 0 || (op.equals("div_s") && x == Long.MIN_VALUE && d == -1)) {
                        assertThrows(Trap.class, () -> f64.call(Val.i64(x)), what64);
                    } else {
                        long want = switch (op) {
                            case "div_s" -> x / d;
                            case "div_u" -> Long.divideUnsigned(x, d);
                            case "rem_s" -> x % d;
                            default -> Long.remainderUnsigned(x, d);
                        };
                        assertEquals(want, f64.call(Val.i64(x))[0].i64(), what64);
                    }
                }
            }
        }
    }

    @Test
    void bitCountsWithAndWithoutTheOptionalInstructions() {
        String wat = """
                (module
                  (func (export "i32.clz") (param i32) (result i32) (i32.clz (local.get 0)))
                  (func (export "i32.ctz") (param i32) (result i32) (i32.ctz (local.get 0)))
                  (func (export "i64.clz") (param i64) (result i64) (i64.clz (local.get 0)))
                  (func (export "i64.ctz") (param i64) (result i64) (i64.ctz (local.get 0)))
                  (func (export "i64.popcnt") (param i64) (result i64) (i64.popcnt (local.get 0)))
                  (func (export "i32.popcnt") (param i32) (result i32) (i32.popcnt (local.get 0))))
                """;
        java.util.Set<dev.kiln.abi.CpuFeature> host = dev.kiln.abi.CpuFeature.host();
        java.util.Set<dev.kiln.abi.CpuFeature> popcntOnly = java.util.EnumSet.noneOf(dev.kiln.abi.CpuFeature.class);
        if (host.contains(dev.kiln.abi.CpuFeature.POPCNT)) {
            popcntOnly.add(dev.kiln.abi.CpuFeature.POPCNT);
        }
        for (java.util.Set<dev.kiln.abi.CpuFeature> features : List.of(host, popcntOnly)) {
            Engine e = Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true).withCpuFeatures(features)).build();
            Instance inst = Instance.create(store, Module.compile(e, wat.getBytes(StandardCharsets.UTF_8)));
            for (long x : EDGES) {
                int lo = (int) x;
                assertEquals(Integer.numberOfLeadingZeros(lo), inst.func("i32.clz").call(Val.i32(lo))[0].i32(), features + " clz " + lo);
                assertEquals(Integer.numberOfTrailingZeros(lo), inst.func("i32.ctz").call(Val.i32(lo))[0].i32(), features + " ctz " + lo);
                assertEquals(Long.numberOfLeadingZeros(x), inst.func("i64.clz").call(Val.i64(x))[0].i64(), features + " clz " + x);
                assertEquals(Long.numberOfTrailingZeros(x), inst.func("i64.ctz").call(Val.i64(x))[0].i64(), features + " ctz " + x);
                if (features.contains(dev.kiln.abi.CpuFeature.POPCNT)) {
                    assertEquals(Long.bitCount(x), inst.func("i64.popcnt").call(Val.i64(x))[0].i64());
                    assertEquals(Integer.bitCount(lo), inst.func("i32.popcnt").call(Val.i32(lo))[0].i32());
                }
            }
        }
    }

    @Test
    void conversionsAndSignExtension() {
        Instance inst = Instance.create(store, Module.compile(engine, """
                (module
                  (func (export "wrap") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
                  (func (export "extend_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
                  (func (export "extend_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
                  (func (export "i32.extend8_s") (param i32) (result i32) (i32.extend8_s (local.get 0)))
                  (func (export "i32.extend16_s") (param i32) (result i32) (i32.extend16_s (local.get 0)))
                  (func (export "i64.extend8_s") (param i64) (result i64) (i64.extend8_s (local.get 0)))
                  (func (export "i64.extend16_s") (param i64) (result i64) (i64.extend16_s (local.get 0)))
                  (func (export "i64.extend32_s") (param i64) (result i64) (i64.extend32_s (local.get 0)))
                  (func (export "eqz32") (param i32) (result i32) (i32.eqz (local.get 0)))
                  (func (export "eqz64") (param i64) (result i32) (i64.eqz (local.get 0)))
                  (func (export "select") (param i64 i64 i32) (result i64) (select (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "select_lt") (param i32 i32) (result i32)
                    (select (local.get 0) (local.get 1) (i32.lt_s (local.get 0) (local.get 1)))))
                """.getBytes(StandardCharsets.UTF_8)));
        for (long x : EDGES) {
            int lo = (int) x;
            assertEquals(lo, inst.func("wrap").call(Val.i64(x))[0].i32());
            assertEquals((long) lo, inst.func("extend_s").call(Val.i32(lo))[0].i64());
            assertEquals(lo & 0xFFFF_FFFFL, inst.func("extend_u").call(Val.i32(lo))[0].i64());
            assertEquals((int) (byte) lo, inst.func("i32.extend8_s").call(Val.i32(lo))[0].i32());
            assertEquals((int) (short) lo, inst.func("i32.extend16_s").call(Val.i32(lo))[0].i32());
            assertEquals((long) (byte) x, inst.func("i64.extend8_s").call(Val.i64(x))[0].i64());
            assertEquals((long) (short) x, inst.func("i64.extend16_s").call(Val.i64(x))[0].i64());
            assertEquals((long) (int) x, inst.func("i64.extend32_s").call(Val.i64(x))[0].i64());
            assertEquals(lo == 0 ? 1 : 0, inst.func("eqz32").call(Val.i32(lo))[0].i32());
            assertEquals(x == 0 ? 1 : 0, inst.func("eqz64").call(Val.i64(x))[0].i32());
            for (int c : new int[] {0, 1, -1, 2}) {
                assertEquals(c != 0 ? x : ~x, inst.func("select").call(Val.i64(x), Val.i64(~x), Val.i32(c))[0].i64());
            }
            assertEquals(Math.min(lo, 7), inst.func("select_lt").call(Val.i32(lo), Val.i32(7))[0].i32());
        }
    }

    @Test
    void brTableDispatchesEveryIndexAndTheDefault() {
        Instance inst = Instance.create(store, Module.compile(engine, """
                (module
                  (func (export "classify") (param i32) (result i32)
                    (block $d (block $c (block $b (block $a
                      (br_table $a $b $c $b $d (local.get 0)))
                      (return (i32.const 100)))
                      (return (i32.const 101)))
                      (return (i32.const 102)))
                    (i32.const 103))
                  (func (export "with_values") (param i32 i64) (result i64)
                    (block $out (result i64)
                      (block $two (result i64)
                        (block $one (result i64)
                          (br_table $one $two $out (i64.mul (local.get 1) (i64.const 3)) (local.get 0)))
                        (i64.add (i64.const 1000)))
                      (i64.add (i64.const 20000)))))
                """.getBytes(StandardCharsets.UTF_8)));
        int[] expected = {100, 101, 102, 101, 103};
        for (int i = -3; i < 10; i++) {
            int want = i >= 0 && i < 4 ? expected[i] : 103;
            assertEquals(want, inst.func("classify").call(Val.i32(i))[0].i32(), "index " + i);
        }
        for (int i = -1; i < 4; i++) {
            long v = 7;
            long want = switch (i) {
                case 0 -> 3 * v + 1000 + 20000;
                case 1 -> 3 * v + 20000;
                default -> 3 * v;
            };
            assertEquals(want, inst.func("with_values").call(Val.i32(i), Val.i64(v))[0].i64(), "index " + i);
        }
    }

    @Test
    void threeAddressOperationsWithAllOperandsSpilled() {
        // 40 values live across the whole function; every addition reads two of them and defines a
        // third that also stays live: register pressure forces operands and results to the stack.
        int n = 40;
        StringBuilder wat = new StringBuilder("(module (func (export \"f\") (param $x i32) (result i32)");
        for (int i = 0; i < 2 * n; i++) {
            wat.append(" (local $v").append(i).append(" i32)");
        }
        for (int i = 0; i < n; i++) {
            wat.append("\n (local.set $v").append(i).append(" (i32.mul (local.get $x) (i32.const ").append(i + 3).append(")))");
        }
        for (int i = 0; i < n; i++) {
            wat.append("\n (local.set $v").append(n + i).append(" (i32.add (local.get $v").append(i).append(") (local.get $v")
                    .append((i * 7 + 3) % n).append(")))");
        }
        wat.append("\n (i32.const 0)");
        for (int i = 0; i < 2 * n; i++) {
            wat.append(" (i32.xor (i32.rotl (local.get $v").append(i).append(") (i32.const ").append(i % 31).append(")))");
        }
        wat.append("))");
        Instance inst = Instance.create(store, Module.compile(engine, wat.toString().getBytes(StandardCharsets.UTF_8)));
        for (long xl : EDGES) {
            int x = (int) xl;
            int[] v = new int[2 * n];
            for (int i = 0; i < n; i++) {
                v[i] = x * (i + 3);
            }
            for (int i = 0; i < n; i++) {
                v[n + i] = v[i] + v[(i * 7 + 3) % n];
            }
            int want = 0;
            for (int i = 0; i < 2 * n; i++) {
                want ^= Integer.rotateLeft(v[i], i % 31);
            }
            assertEquals(want, inst.func("f").call(Val.i32(x))[0].i32(), "x=" + x);
        }
    }

    @Test
    void moreLiveValuesThanRegistersAreSpilledCorrectly() {
        // 24 values live at once across a call: more than the 12 allocatable registers.
        int n = 24;
        StringBuilder wat = new StringBuilder("(module (func $id (param i64) (result i64) (local.get 0))\n");
        wat.append("(func (export \"f\") (param $x i64) (result i64)");
        for (int i = 0; i < n; i++) {
            wat.append(" (local $v").append(i).append(" i64)");
        }
        for (int i = 0; i < n; i++) {
            wat.append("\n (local.set $v").append(i).append(" (i64.mul (local.get $x) (i64.const ").append(i + 3).append(")))");
        }
        wat.append("\n (drop (call $id (local.get $x)))\n (i64.const 0)");
        for (int i = 0; i < n; i++) {
            wat.append(" (i64.xor (i64.rotl (local.get $v").append(i).append(") (i64.const ").append(i).append(")))");
        }
        wat.append("))");
        Instance inst = Instance.create(store, Module.compile(engine, wat.toString().getBytes(StandardCharsets.UTF_8)));
        for (long x : EDGES) {
            long want = 0;
            for (int i = 0; i < n; i++) {
                want = want ^ Long.rotateLeft(x * (i + 3), i);
            }
            assertEquals(want, inst.func("f").call(Val.i64(x))[0].i64(), "x=" + x);
        }
    }
}
