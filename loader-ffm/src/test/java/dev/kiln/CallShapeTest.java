package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Canonical call shapes: interleaved integer and float parameters, stack-passed ones of both classes,
 * exact bit patterns (NaN payloads, the upper halves of i32 and f32), through {@link Func#call},
 * {@link Func#handle()}, {@link Func#criticalHandle()} and host functions.
 */
class CallShapeTest extends StoreFixture {
    /** 8 integers and 10 floats, interleaved: both classes overflow to the stack. */
    private static final List<ValType> MANY = List.of(ValType.F32, ValType.I32, ValType.F64, ValType.I64, ValType.I32,
            ValType.F32, ValType.F32, ValType.I64, ValType.F64, ValType.I32, ValType.F64, ValType.F32, ValType.I64,
            ValType.F64, ValType.I32, ValType.F32, ValType.F64, ValType.I32);

    private static Val arg(ValType t, int i) {
        return switch (t) {
            case I32 -> Val.i32(-1000 * i - 7);
            case I64 -> Val.i64(0x1234_5678_9abcL * (i + 1));
            case F32 -> new Val(ValType.F32, 0x7fa0_0000L + i); // a signalling NaN with a payload
            default -> new Val(ValType.F64, 0xfff4_0000_0000_0000L + i);
        };
    }

    @Test
    void everyParameterArrivesWithItsBitsAndPosition() throws Throwable {
        for (int which = 0; which < MANY.size(); which++) {
            ValType t = MANY.get(which);
            String name = t.toString().toLowerCase();
            StringBuilder params = new StringBuilder();
            StringBuilder gets = new StringBuilder();
            for (int i = 0; i < MANY.size(); i++) {
                params.append(' ').append(MANY.get(i).toString().toLowerCase());
                gets.append(" (local.get ").append(i).append(')');
            }
            // the export passes everything to the host, which returns parameter `which`; the export then
            // returns what the host returned
            Module m = compile("(module (import \"env\" \"h\" (func $h (param" + params + ") (result " + name + ")))"
                    + " (func (export \"f\") (param" + params + ") (result " + name + ") (call $h" + gets + ")))");
            FuncType type = FuncType.of(MANY, List.of(t));
            List<Val> seen = new ArrayList<>();
            int w = which;
            Func h = Func.wrap(store, type, args -> {
                seen.clear();
                seen.addAll(List.of(args));
                return new Val[] {args[w]};
            });
            Instance inst = new Linker().define("env", "h", h).instantiate(store, m);
            Val[] args = new Val[MANY.size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = arg(MANY.get(i), i);
            }
            assertEquals(args[which], inst.func("f").call(args)[0], "call, parameter " + which);
            assertEquals(List.of(args), seen, "the host saw every argument");

            MethodHandle handle = inst.func("f").handle();
            List<Object> javaArgs = new ArrayList<>();
            for (Val a : args) {
                javaArgs.add(switch (a.type()) {
                    case I32 -> a.i32();
                    case I64 -> a.i64();
                    case F32 -> Float.intBitsToFloat((int) a.bits());
                    default -> Double.longBitsToDouble(a.bits());
                });
            }
            Object r = handle.invokeWithArguments(javaArgs);
            long bits = switch (t) {
                case I32 -> (Integer) r & 0xFFFF_FFFFL;
                case I64 -> (Long) r;
                case F32 -> Float.floatToRawIntBits((Float) r) & 0xFFFF_FFFFL;
                default -> Double.doubleToRawLongBits((Double) r);
            };
            assertEquals(store.toBits(args[which]) & (t == ValType.I32 ? 0xFFFF_FFFFL : -1L), bits,
                    "handle, parameter " + which);
            assertEquals(List.of(args), seen);
        }
    }

    /**
     * Host functions of integer-class signatures in registers share one upcall shape: void, i32 and
     * i64 results and zero to five parameters come and go exactly (the upper half of an i32 result is
     * ignored, the unused argument registers hold whatever the caller left there), while a float or a
     * stack-passed parameter keeps a shape of its own.
     */
    @Test
    void integerHostFunctionsShareOneUpcallShape() {
        String[] sigs = {"", "i32", "i64 i32", "i32 i32 i64", "i32 i64 i32 i64", "i64 i32 i32 i32 i64"};
        CallShape.Shape shared = CallShape.integerUpcall();
        StringBuilder wat = new StringBuilder("(module\n");
        Linker linker = new Linker();
        List<String> calls = new ArrayList<>();
        for (int k = 0; k < sigs.length; k++) {
            String[] ps = sigs[k].isEmpty() ? new String[0] : sigs[k].split(" ");
            List<ValType> params = new ArrayList<>();
            for (String p : ps) {
                params.add(p.equals("i32") ? ValType.I32 : ValType.I64);
            }
            int n = k;
            for (String result : new String[] {"", "i32", "i64"}) {
                List<ValType> results = result.isEmpty() ? List.of() : List.of(result.equals("i32") ? ValType.I32 : ValType.I64);
                FuncType type = FuncType.of(params, results);
                assertTrue(CallShape.upcall(type).shape == shared, type + " has the shared shape");
                String name = "h" + k + result;
                linker.define("env", name, Func.wrap(store, type, args -> {
                    calls.add(name + List.of(args));
                    if (results.isEmpty()) {
                        return new Val[0];
                    }
                    long sum = 1000L * n;
                    for (Val a : args) {
                        sum += a.type() == ValType.I32 ? a.i32() : a.i64();
                    }
                    return new Val[] {results.get(0) == ValType.I32 ? Val.i32((int) sum) : Val.i64(sum)};
                }));
                wat.append("(import \"env\" \"").append(name).append("\" (func $").append(name)
                        .append(ps.length == 0 ? "" : " (param " + sigs[k] + ")")
                        .append(result.isEmpty() ? "" : " (result " + result + ")").append("))\n");
            }
        }
        // each export puts garbage in every argument register (a call with six i64s), then calls the hosts
        wat.append("(func $noise (param i64 i64 i64 i64 i64 i64) (result i64) (local.get 5))\n");
        for (int k = 0; k < sigs.length; k++) {
            String[] ps = sigs[k].isEmpty() ? new String[0] : sigs[k].split(" ");
            StringBuilder args = new StringBuilder();
            for (int i = 0; i < ps.length; i++) {
                args.append(ps[i].equals("i32") ? " (i32.const -" + (i + 2) + ")" : " (i64.const 0x1_0000_000" + i + ")");
            }
            String noise = "(drop (call $noise (i64.const -1) (i64.const -1) (i64.const -1) (i64.const -1) (i64.const -1)"
                    + " (i64.const -1)))";
            wat.append("(func (export \"f").append(k).append("\") (result i64) ").append(noise)
                    .append(" (call $h").append(k).append(args).append(") ").append(noise)
                    .append(" (i64.add (i64.extend_i32_u (call $h").append(k).append("i32").append(args).append("))")
                    .append(" (call $h").append(k).append("i64").append(args).append(")))\n");
        }
        Instance inst = linker.instantiate(store, compile(wat.append(")").toString()));
        for (int k = 0; k < sigs.length; k++) {
            String[] ps = sigs[k].isEmpty() ? new String[0] : sigs[k].split(" ");
            long sum = 1000L * k;
            List<Val> args = new ArrayList<>();
            for (int i = 0; i < ps.length; i++) {
                Val a = ps[i].equals("i32") ? Val.i32(-(i + 2)) : Val.i64(0x1_0000_0000L + i);
                args.add(a);
                sum += a.type() == ValType.I32 ? a.i32() : a.i64();
            }
            calls.clear();
            long r = inst.func("f" + k).call()[0].i64();
            assertEquals((sum & 0xFFFF_FFFFL) + sum, r, "f" + k + ": the i32 and i64 results of " + sigs[k]);
            assertEquals(List.of("h" + k + args, "h" + k + "i32" + args, "h" + k + "i64" + args), calls);
        }
        FuncType withFloat = FuncType.of(List.of(ValType.I32, ValType.F64), List.of(ValType.I32));
        assertFalse(CallShape.upcall(withFloat).shape == shared);
        FuncType floatResult = FuncType.of(List.of(ValType.I32), List.of(ValType.F32));
        assertFalse(CallShape.upcall(floatResult).shape == shared);
        FuncType onStack = FuncType.of(java.util.Collections.nCopies(9, ValType.I32), List.of());
        assertFalse(CallShape.upcall(onStack).shape == shared);
    }

    /**
     * {@link Func#call} of integer signatures with up to five parameters goes through the loader's
     * shared C-call handle; results (void, i32 with its sign, i64, several) and traps come back as
     * through a handle of the exact shape.
     */
    @Test
    void integerCallsGoThroughTheSharedHandle() throws Throwable {
        Instance inst = Instance.create(store, compile("""
                (module
                  (func (export "five") (param i32 i64 i32 i64 i32) (result i32)
                    (i32.sub (i32.add (local.get 0) (i32.wrap_i64 (local.get 1)))
                             (i32.add (local.get 2) (i32.add (i32.wrap_i64 (local.get 3)) (local.get 4)))))
                  (func (export "wide") (param i64) (result i64) (i64.mul (local.get 0) (i64.const -3)))
                  (func (export "none"))
                  (func (export "two") (param i32) (result i32 i64) (local.get 0) (i64.extend_i32_s (local.get 0)))
                  (func (export "six") (param i32 i32 i32 i32 i32 i32) (result i32) (local.get 5))
                  (func (export "trap") (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 0))))
                """));
        for (String name : new String[] {"five", "wide", "none"}) {
            assertTrue(CallShape.of(inst.func(name).type()).callsThroughSharedHandle(), name);
        }
        assertFalse(CallShape.of(inst.func("six").type()).callsThroughSharedHandle(), "six parameters: the exact shape");
        Val[] five = {Val.i32(-7), Val.i64(0x1_0000_0005L), Val.i32(2), Val.i64(-1), Val.i32(100)};
        assertEquals(Val.i32(-7 + 5 - (2 - 1 + 100)), inst.func("five").call(five)[0]);
        assertEquals((int) inst.func("five").handle().invokeExact(-7, 0x1_0000_0005L, 2, -1L, 100), inst.func("five").call(five)[0].i32());
        assertEquals(Val.i64(Long.MIN_VALUE + 3), inst.func("wide").call(Val.i64(Long.MAX_VALUE))[0]);
        assertEquals(0, inst.func("none").call().length);
        assertEquals(List.of(Val.i32(-9), Val.i64(-9)), List.of(inst.func("two").call(Val.i32(-9))));
        assertEquals(Val.i32(6), inst.func("six").call(Val.i32(1), Val.i32(2), Val.i32(3), Val.i32(4), Val.i32(5), Val.i32(6))[0]);
        assertThrows(Trap.class, () -> inst.func("trap").call(Val.i32(1)));
        assertEquals(Val.i32(-1), inst.func("five").call(Val.i32(0), Val.i64(0), Val.i32(0), Val.i64(0), Val.i32(1))[0],
                "the instance stays usable after a trap");
    }

    /**
     * A libcall written in the shared shape, {@code (MemorySegment, long...) -> long}, becomes an
     * upcall stub without conversions (its unused trailing registers dropped): native code's pointer
     * and integers reach it unchanged, and its result comes back whole.
     */
    @Test
    void libcallsInTheSharedShapeReachTheirTargetUnchanged() throws Throwable {
        MethodType five = MethodType.methodType(long.class, MemorySegment.class, long.class, long.class, long.class,
                long.class, long.class);
        MemorySegment sum = CallShape.libcallStub(MethodHandles.lookup().findStatic(CallShapeTest.class, "weightedSum", five));
        assertEquals(0x1000 + 1 + 2 * -2 + 3 * 3 + 4 * 4 + 5 * (1L << 40),
                dev.kiln.loader.LibC.callIntegerFunction(sum, 0x1000, 1, -2, 3, 4, 1L << 40));
        MemorySegment difference = CallShape.libcallStub(MethodHandles.lookup().findStatic(CallShapeTest.class,
                "difference", MethodType.methodType(long.class, MemorySegment.class, long.class, long.class)));
        assertEquals(Long.MIN_VALUE, dev.kiln.loader.LibC.callIntegerFunction(difference, 0x2000, Long.MAX_VALUE, -1, 7, 8, 9),
                "the registers after its two integers are ignored; 64-bit arithmetic");
    }

    private static long weightedSum(MemorySegment p, long a, long b, long c, long d, long e) {
        return p.address() + a + 2 * b + 3 * c + 4 * d + 5 * e;
    }

    private static long difference(MemorySegment p, long a, long b) {
        return a - b + (p.address() - 0x2000);
    }

    @Test
    void criticalHandlesOnlyForModulesThatNeverCallJava() throws Throwable {
        Instance pure = Instance.create(store, compile("""
                (module
                  (func (export "mix") (param i32 f32 i64 f64) (result f64)
                    (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (f64.promote_f32 (local.get 1)))
                             (f64.add (f64.convert_i64_s (local.get 2)) (local.get 3))))
                  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
                """));
        Func mix = pure.func("mix");
        assertTrue(mix.isCritical());
        MethodHandle critical = mix.criticalHandle();
        assertEquals(1 + 0.5 + 3 + 0.25, (double) critical.invokeExact(1, 0.5f, 3L, 0.25));
        MethodHandle div = pure.func("div").criticalHandle();
        assertEquals(-3, (int) div.invokeExact(7, -2));
        assertThrows(Trap.class, () -> {
            int unused = (int) div.invokeExact(1, 0);
        });

        Func host = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> new Val[0]);
        Instance calls = new Linker().define("env", "h", host).instantiate(store, compile("""
                (module (import "env" "h" (func $h)) (func (export "f") (call $h)))
                """));
        assertFalse(calls.func("f").isCritical());
        assertThrows(UnsupportedOperationException.class, () -> calls.func("f").criticalHandle());
        Instance tables = Instance.create(store, compile("""
                (module (table 1 funcref) (func (export "f") (result i32) (table.size)))
                """));
        assertFalse(tables.func("f").isCritical());
        assertFalse(host.isCritical());
        // memory.grow, a throw and the epoch deadline's slow path are calls into Java too: an upcall
        // from a critical downcall aborts the JVM, so these are refused
        Instance grows = Instance.create(store, compile("""
                (module (memory 1) (func (export "f") (result i32) (memory.grow (i32.const 1))))
                """));
        assertFalse(grows.func("f").isCritical());
        assertThrows(UnsupportedOperationException.class, () -> grows.func("f").criticalHandle());
        Instance throwsTag = Instance.create(store, compile("""
                (module (tag $e) (func (export "f") (throw $e)))
                """));
        assertFalse(throwsTag.func("f").isCritical());
        Engine epoch = Engine.builder().epochInterruption(true).build();
        try (Store other = new Store(epoch)) {
            Instance checked = Instance.create(other, Module.compile(epoch,
                    "(module (func (export \"f\") (loop $l (br $l))))".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertFalse(checked.func("f").isCritical());
        }
        store.close();
        assertThrows(IllegalStateException.class, () -> {
            int unused = (int) div.invokeExact(7, 1);
        });
    }
}
