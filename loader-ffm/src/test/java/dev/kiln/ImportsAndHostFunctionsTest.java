package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Function imports: Java host functions through upcalls, and functions of other instances. */
class ImportsAndHostFunctionsTest extends StoreFixture {
    private static final FuncType I32_TO_I32 = FuncType.of(List.of(ValType.I32), List.of(ValType.I32));

    @Test
    void wasmCallsJavaWithEveryValueType() {
        List<String> log = new ArrayList<>();
        Func mix = Func.wrap(store, FuncType.of(List.of(ValType.I32, ValType.I64, ValType.F32, ValType.F64, ValType.I32),
                List.of(ValType.F64)), args -> {
                    log.add(args[0].i32() + " " + args[1].i64() + " " + args[2].f32() + " " + args[3].f64() + " " + args[4].i32());
                    return new Val[] {Val.f64((double) args[0].i32() + (double) args[1].i64() + args[2].f32() + args[3].f64() + args[4].i32())};
                });
        Module m = compile("""
                (module
                  (import "env" "mix" (func $mix (param i32 i64 f32 f64 i32) (result f64)))
                  (func (export "run") (param i32) (result f64)
                    (f64.add (call $mix (local.get 0) (i64.const -5000000000) (f32.const 0.5) (f64.const 0.25) (i32.const 7))
                             (f64.const 1))))
                """);
        assertEquals(1, m.imports().size());
        assertEquals("mix", m.imports().get(0).name());
        Instance i = new Linker().define("env", "mix", mix).instantiate(store, m);
        assertEquals(3 - 5000000000.0 + 0.5 + 0.25 + 7 + 1, i.func("run").call(Val.i32(3))[0].f64());
        assertEquals(List.of("3 -5000000000 0.5 0.25 7"), log);
    }

    @Test
    void hostFunctionsWithStackPassedParameters() {
        // 7 integers and 10 floats: the sixth integer and the ninth and tenth floats go on the stack
        List<ValType> params = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            params.add(i % 2 == 0 ? ValType.I64 : ValType.I32);
        }
        for (int i = 0; i < 10; i++) {
            params.add(i % 2 == 0 ? ValType.F64 : ValType.F32);
        }
        Func weigh = Func.wrap(store, FuncType.of(params, List.of(ValType.F64)), args -> {
            double sum = 0;
            for (int i = 0; i < args.length; i++) {
                double v = switch (args[i].type()) {
                    case I32 -> args[i].i32();
                    case I64 -> args[i].i64();
                    case F32 -> args[i].f32();
                    default -> args[i].f64();
                };
                sum += v * (i + 1);
            }
            return new Val[] {Val.f64(sum)};
        });
        StringBuilder sig = new StringBuilder();
        StringBuilder call = new StringBuilder();
        double want = 0;
        for (int i = 0; i < params.size(); i++) {
            sig.append(' ').append(params.get(i));
            call.append(" (").append(params.get(i)).append(".const ").append(i + 1).append(')');
            want += (double) (i + 1) * (i + 1);
        }
        Module m = compile("(module (import \"env\" \"weigh\" (func $w (param" + sig + ") (result f64)))"
                + " (func (export \"run\") (result f64) (call $w" + call + ")))");
        Instance i = new Linker().define("env", "weigh", weigh).instantiate(store, m);
        assertEquals(want, i.func("run").call()[0].f64());
    }

    static final class Boom extends Exception {
        private static final long serialVersionUID = 1L;

        Boom(String m) {
            super(m);
        }
    }

    @Test
    void exceptionsFromJavaPropagateUnchangedAndTheInstanceStaysUsable() {
        Boom boom = new Boom("checked and unchanged");
        int[] calls = {0};
        Func f = Func.wrap(store, I32_TO_I32, args -> {
            calls[0]++;
            if (args[0].i32() < 0) {
                throw boom;
            }
            if (args[0].i32() == 0) {
                throw new IllegalStateException("runtime");
            }
            return new Val[] {Val.i32(args[0].i32() * 2)};
        });
        Module m = compile("""
                (module
                  (import "env" "f" (func $f (param i32) (result i32)))
                  (func $deep (param i32) (result i32)
                    (if (result i32) (i32.gt_s (local.get 0) (i32.const 100))
                      (then (call $f (i32.sub (local.get 0) (i32.const 1000))))
                      (else (call $deep (i32.add (local.get 0) (i32.const 1))))))
                  (func (export "g") (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1)))
                  (func (export "deep") (param i32) (result i32) (call $deep (local.get 0))))
                """);
        Instance i = new Linker().define("env", "f", f).instantiate(store, m);
        assertEquals(11, i.func("g").call(Val.i32(5))[0].i32());
        Exception e = assertThrows(Exception.class, () -> i.func("g").call(Val.i32(-1)));
        assertSame(boom, e);
        assertSame(boom, assertThrows(Exception.class, () -> i.func("deep").call(Val.i32(0))), "through 100 Wasm frames");
        assertEquals("runtime", assertThrows(IllegalStateException.class, () -> i.func("g").call(Val.i32(0))).getMessage());
        assertEquals(21, i.func("g").call(Val.i32(10))[0].i32());
        assertEquals(5, calls[0]);
    }

    @Test
    void reentrancyJavaWasmJavaWasm() {
        Instance[] self = new Instance[1];
        Func back = Func.wrap(store, I32_TO_I32, args -> {
            int n = args[0].i32();
            // call back into the same instance: a nested entry
            return new Val[] {Val.i32(n <= 0 ? 0 : n + self[0].func("sum").call(Val.i32(n - 1))[0].i32())};
        });
        Func trapInside = Func.wrap(store, I32_TO_I32, args -> self[0].func("div").call(Val.i32(1), Val.i32(args[0].i32())));
        Module m = compile("""
                (module
                  (import "env" "back" (func $back (param i32) (result i32)))
                  (import "env" "trap_inside" (func $ti (param i32) (result i32)))
                  (func (export "sum") (param i32) (result i32) (call $back (local.get 0)))
                  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
                  (func (export "via") (param i32) (result i32) (i32.add (call $ti (local.get 0)) (i32.const 100))))
                """);
        self[0] = new Linker().define("env", "back", back).define("env", "trap_inside", trapInside).instantiate(store, m);
        assertEquals(50 * 51 / 2, self[0].func("sum").call(Val.i32(50))[0].i32());
        assertEquals(101, self[0].func("via").call(Val.i32(1))[0].i32());
        Trap t = assertThrows(Trap.class, () -> self[0].func("via").call(Val.i32(0)));
        assertEquals(TrapCode.INTEGER_DIVIDE_BY_ZERO, t.kind(), "a trap in the nested call reaches the outer caller");
        assertEquals(100 + 1, self[0].func("via").call(Val.i32(1))[0].i32());
    }

    @Test
    void instancesCallEachOtherAndTrapsUnwindAcrossThem() {
        Instance a = Instance.create(store, compile("""
                (module
                  (func (export "double") (param i64) (result i64) (i64.mul (local.get 0) (i64.const 2)))
                  (func (export "boom") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
                  (func $rec (export "rec") (param i32) (result i32) (call $rec (local.get 0))))
                """));
        Module bm = compile("""
                (module
                  (import "a" "double" (func $d (param i64) (result i64)))
                  (import "a" "boom" (func $boom (param i32) (result i32)))
                  (import "a" "rec" (func $rec (param i32) (result i32)))
                  (export "reexported" (func $d))
                  (func (export "quad") (param i64) (result i64) (call $d (call $d (local.get 0))))
                  (func (export "boom") (param i32) (result i32) (i32.add (call $boom (local.get 0)) (i32.const 1)))
                  (func (export "rec") (param i32) (result i32) (call $rec (local.get 0))))
                """);
        Instance b = new Linker().instance("a", a).instantiate(store, bm);
        assertEquals(28L, b.func("quad").call(Val.i64(7))[0].i64());
        assertEquals(14L, b.func("reexported").call(Val.i64(7))[0].i64());
        assertEquals(TrapCode.INTEGER_DIVIDE_BY_ZERO, assertThrows(Trap.class, () -> b.func("boom").call(Val.i32(0))).kind());
        assertEquals(2, b.func("boom").call(Val.i32(1))[0].i32());
        assertEquals(TrapCode.STACK_OVERFLOW, assertThrows(Trap.class, () -> b.func("rec").call(Val.i32(0))).kind(),
                "the stack limit holds across instances");
        Instance c = new Linker().define("a", "double", b.func("reexported")).define("a", "boom", a.func("boom"))
                .define("a", "rec", a.func("rec")).instantiate(store, bm);
        assertEquals(40L, c.func("quad").call(Val.i64(10))[0].i64(), "a re-exported import imported again");
    }

    @Test
    void linkingErrorsNameTheImport() {
        Module m = compile("""
                (module (import "env" "f" (func (param i32) (result i32))) (func (export "g")))
                """);
        LinkException missing = assertThrows(LinkException.class, () -> new Linker().instantiate(store, m));
        assertTrue(missing.getMessage().startsWith("unknown import \"env\" \"f\""), missing.getMessage());
        Func wrong = Func.wrap(store, FuncType.of(List.of(ValType.I64), List.of(ValType.I32)), args -> new Val[] {Val.i32(0)});
        LinkException type = assertThrows(LinkException.class,
                () -> new Linker().define("env", "f", wrong).instantiate(store, m));
        assertTrue(type.getMessage().startsWith("incompatible import type"), type.getMessage());
    }

    @Test
    void aModuleWithImportsRoundTripsThroughAnArtifactFile() throws IOException {
        Module m = compile("""
                (module (import "env" "f" (func $f (param i32) (result i32)))
                  (func (export "g") (param i32) (result i32) (call $f (i32.add (local.get 0) (i32.const 1)))))
                """);
        java.nio.file.Path file = java.nio.file.Files.createTempFile("kiln-imports", ".kiln");
        try {
            java.nio.file.Files.write(file, m.serialize());
            Module loaded = Module.load(engine, file);
            Func f = Func.wrap(store, I32_TO_I32, args -> new Val[] {Val.i32(args[0].i32() * 3)});
            assertEquals(9, new Linker().define("env", "f", f).instantiate(store, loaded).func("g").call(Val.i32(2))[0].i32());
        } finally {
            java.nio.file.Files.delete(file);
        }
    }
}
