package dev.kiln.compiler.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

class WastTest {

    private static final String SCRIPT = """
            (module $M (func (export "f") (param i32) (result i32) local.get 0)
              (global (export "g") i32 (i32.const 7)))
            (register "m" $M)
            (assert_return (invoke $M "f" (i32.const -1)) (i32.const 0xffffffff))
            (assert_return (invoke "f" (i32.const 2)) (either (i32.const 1) (i32.const 2)))
            (assert_return (get "g") (i32.const 7))
            (assert_return (invoke "x" (f32.const -0x1p-149) (f64.const nan:0x1))
              (f32.const nan:canonical) (f64.const nan:arithmetic) (i64.const -1))
            (assert_return (invoke "v" (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 255))
              (v128.const f32x4 nan:canonical 1 nan:arithmetic -0) (v128.const i64x2 1 -1))
            (assert_return (invoke "r" (ref.null func) (ref.extern 3))
              (ref.null extern) (ref.extern 3) (ref.extern) (ref.func))
            (invoke "f" (i32.const 0))
            (assert_trap (invoke "f") "unreachable")
            (assert_trap (module (func $s unreachable) (start $s)) "unreachable")
            (assert_exhaustion (invoke "f") "call stack exhausted")
            (assert_invalid (module (func (result i32))) "type mismatch")
            (assert_malformed (module quote "(func (i32.const 0x1_0000_0000))") "constant out of range")
            (assert_malformed (module binary "\\00asm" "\\02\\00\\00\\00") "unknown binary version")
            (assert_unlinkable (module (import "x" "y" (func))) "unknown import")
            (assert_uninstantiable (module (memory 0) (data (i32.const 1) "a")) "out of bounds")
            (module binary "\\00asm\\01\\00\\00\\00")
            """;

    @Test
    void parsesEveryCommand() {
        Script s = Wast.parse(SCRIPT, "t.wast");
        assertEquals("t.wast", s.fileName());
        List<Command> c = s.commands();
        assertEquals(18, c.size());

        Command.Module m = assertInstanceOf(Command.Module.class, c.get(0));
        assertEquals(1, m.line());
        assertEquals("$M", m.module().id());
        assertEquals(WastModule.Kind.TEXT, m.module().kind());
        assertArrayEquals(Wat.parseModule("""
                (module (func (export "f") (param i32) (result i32) local.get 0)
                  (global (export "g") i32 (i32.const 7)))"""), m.module().binary());

        assertEquals(new Command.Register(3, "m", "$M"), c.get(1));

        Command.AssertReturn r = assertInstanceOf(Command.AssertReturn.class, c.get(2));
        assertEquals(4, r.line());
        assertEquals(new Action.Invoke("$M", "f", List.of(new Value.Num(ValType.I32, 0xFFFFFFFFL))), r.action());
        assertEquals(List.of(new Expected.Exact(new Value.Num(ValType.I32, 0xFFFFFFFFL))), r.expected());

        Command.AssertReturn either = (Command.AssertReturn) c.get(3);
        assertEquals(List.of(new Expected.Either(List.of(
                new Expected.Exact(new Value.Num(ValType.I32, 1)),
                new Expected.Exact(new Value.Num(ValType.I32, 2))))), either.expected());

        assertEquals(new Action.Get(null, "g"), ((Command.AssertReturn) c.get(4)).action());

        Command.AssertReturn nums = (Command.AssertReturn) c.get(5);
        assertEquals(List.of(new Value.Num(ValType.F32, 0x80000001L), new Value.Num(ValType.F64, 0x7FF0000000000001L)),
                ((Action.Invoke) nums.action()).args());
        assertEquals(List.of(new Expected.CanonicalNan(ValType.F32), new Expected.ArithmeticNan(ValType.F64),
                new Expected.Exact(new Value.Num(ValType.I64, -1L))), nums.expected());

        Command.AssertReturn vec = (Command.AssertReturn) c.get(6);
        byte[] lanes = new byte[16];
        for (int i = 0; i < 15; i++) {
            lanes[i] = (byte) i;
        }
        lanes[15] = (byte) 0xFF;
        assertEquals(List.of(new Value.V128(lanes)), ((Action.Invoke) vec.action()).args());
        assertEquals(new Expected.V128Lanes(ValType.F32, List.of(new Expected.CanonicalNan(ValType.F32),
                new Expected.Exact(new Value.Num(ValType.F32, 0x3F800000L)), new Expected.ArithmeticNan(ValType.F32),
                new Expected.Exact(new Value.Num(ValType.F32, 0x80000000L)))), vec.expected().get(0));
        assertEquals(new Expected.Exact(new Value.V128(new byte[] {1, 0, 0, 0, 0, 0, 0, 0,
            -1, -1, -1, -1, -1, -1, -1, -1})), vec.expected().get(1));

        Command.AssertReturn refs = (Command.AssertReturn) c.get(7);
        assertEquals(List.of(new Value.RefNull(ValType.FUNCREF), new Value.RefExtern(3)),
                ((Action.Invoke) refs.action()).args());
        assertEquals(List.of(new Expected.Exact(new Value.RefNull(ValType.EXTERNREF)),
                new Expected.Exact(new Value.RefExtern(3)), new Expected.AnyRefExtern(), new Expected.AnyRefFunc()),
                refs.expected());

        assertEquals(new Command.Perform(13, new Action.Invoke(null, "f", List.of(new Value.Num(ValType.I32, 0)))),
                c.get(8));
        Command.AssertTrap trap = (Command.AssertTrap) c.get(9);
        assertEquals("unreachable", trap.message());
        assertNull(trap.module());
        Command.AssertTrap trapModule = (Command.AssertTrap) c.get(10);
        assertNull(trapModule.action());
        assertEquals(WastModule.Kind.TEXT, trapModule.module().kind());
        assertEquals("call stack exhausted", ((Command.AssertExhaustion) c.get(11)).message());
        assertEquals("type mismatch", ((Command.AssertInvalid) c.get(12)).message());

        Command.AssertMalformed quote = (Command.AssertMalformed) c.get(13);
        assertEquals(WastModule.Kind.QUOTE, quote.module().kind());
        assertEquals("(func (i32.const 0x1_0000_0000))", quote.module().quoteText());
        assertEquals("constant out of range",
                assertThrows(TextFormatException.class, () -> quote.module().binary()).reason());

        Command.AssertMalformed bin = (Command.AssertMalformed) c.get(14);
        assertArrayEquals(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}, bin.module().binary());
        assertInstanceOf(Command.AssertUnlinkable.class, c.get(15));
        Command.AssertUninstantiable u = assertInstanceOf(Command.AssertUninstantiable.class, c.get(16));
        assertEquals(21, u.line());
        assertEquals(WastModule.Kind.BINARY, ((Command.Module) c.get(17)).module().kind());
    }

    @Test
    void inlineModuleScript() {
        Script s = Wast.parse("(func) (memory 0)", "inline.wast");
        assertEquals(1, s.commands().size());
        assertArrayEquals(Wat.parseModule("(module (func) (memory 0))"),
                ((Command.Module) s.commands().get(0)).module().binary());
    }

    @Test
    void malformedScriptReportsFileAndPosition() {
        TextFormatException e = assertThrows(TextFormatException.class,
                () -> Wast.parse("(module)\n(assert_return (invoke \"f\") (i32.const 1.5))", "bad.wast"));
        assertEquals("bad.wast: unexpected token", e.reason());
        assertEquals(2, e.line());
        assertEquals(40, e.column());
    }
}
