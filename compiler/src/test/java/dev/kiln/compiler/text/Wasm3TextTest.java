package dev.kiln.compiler.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Wasm 3.0 additions to the text and script formats. */
class Wasm3TextTest {
    private static byte[] wat(String text) {
        return Wat.parseModule(text, false);
    }

    private static String reason(String text) {
        return assertThrows(TextFormatException.class, () -> wat(text)).reason();
    }

    @Test
    void annotationsAreWhiteSpace() {
        assertArrayEquals(wat("(module (func (export \"f\") (result i32) (i32.const 1)))"),
                wat("((@a) module (@a x (y \"z\") (@b)) (func (@c) (export \"f\") (result i32) (i32.const (@d) 1)))"));
        assertEquals("empty annotation id", reason("(@)"));
        assertEquals("empty annotation id", reason("(@\"\")"));
        assertEquals("unclosed annotation", reason("(@x (y)"));
        assertEquals("illegal character", reason("(@a \u00df)"));
    }

    @Test
    void quotedIdentifiersNameTheSameThingAsPlainOnes() {
        assertArrayEquals(wat("(module (func $f) (func (call $f)))"),
                wat("(module (func $\"f\") (func (call $f)))"));
        assertArrayEquals(wat("(module (func $f) (func (call $f)))"),
                wat("(module (func $\" a b\") (func (call $\" a b\")))"));
        assertEquals("empty identifier", reason("(module (func $\"\"))"));
        assertEquals("empty identifier", reason("(module (func $))"));
        assertEquals("malformed UTF-8 encoding", reason("(module (func $\"\\ef\"))"));
    }

    @Test
    void nullableReferenceTypesAreTheLongFormsOfFuncrefAndExternref() {
        assertArrayEquals(wat("(module (func (param funcref externref)))"),
                wat("(module (func (param (ref null func) (ref null extern))))"));
    }

    @Test
    void moduleDefinitionsInstancesAndResultAbbreviations() {
        Script s = Wast.parse("""
                (module definition $M (func (export "f") (result funcref) (ref.null func)))
                (module instance $I $M)
                (assert_return (invoke $I "f") (ref.null))
                (assert_return (invoke $I "f") (ref.func))
                """, "t.wast");
        List<Command> c = s.commands();
        assertEquals("$M", assertInstanceOf(Command.ModuleDefinition.class, c.get(0)).module().id());
        Command.ModuleInstance mi = assertInstanceOf(Command.ModuleInstance.class, c.get(1));
        assertEquals("$I", mi.instanceId());
        assertEquals("$M", mi.moduleId());
        assertInstanceOf(Expected.AnyRefNull.class, ((Command.AssertReturn) c.get(2)).expected().get(0));
        assertInstanceOf(Expected.AnyRefFunc.class, ((Command.AssertReturn) c.get(3)).expected().get(0));
    }

    @Test
    void recoveringParserReportsUnreadableCommandsAndGoesOn() {
        Script s = Wast.parseRecovering("""
                (module)
                (assert_return (invoke "f" (i32.const)) (i32.const 1))
                (assert_return (invoke "f") (i32.const 1))
                """, "t.wast");
        assertEquals(3, s.commands().size());
        Command.Unreadable u = assertInstanceOf(Command.Unreadable.class, s.commands().get(1));
        assertEquals(2, u.line());
        assertEquals("assert_return", u.kind());
        assertInstanceOf(Command.AssertReturn.class, s.commands().get(2));
    }
}
