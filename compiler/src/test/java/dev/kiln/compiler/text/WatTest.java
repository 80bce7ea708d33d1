package dev.kiln.compiler.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Text-to-binary conversion. Expected bytes are worked out by hand from spec chapter 5; abbreviations
 * are also checked against their unabbreviated form (spec chapter 6 gives the rewriting).
 */
class WatTest {

    private static final int[] HEADER = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

    private static byte[] module(int... sections) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int b : HEADER) {
            out.write(b);
        }
        for (int b : sections) {
            out.write(b);
        }
        return out.toByteArray();
    }

    private static byte[] wat(String text) {
        return Wat.parseModule(text, false);
    }

    private static void same(String abbreviated, String expanded) {
        assertArrayEquals(wat(expanded), wat(abbreviated), abbreviated);
    }

    private static TextFormatException error(String text) {
        return assertThrows(TextFormatException.class, () -> Wat.parseModule(text));
    }

    @Test
    void emptyModule() {
        assertArrayEquals(module(), wat("(module)"));
        assertArrayEquals(module(), wat(""));
        assertArrayEquals(module(), wat("(module $m)"));
    }

    @Test
    void exportedFunction() {
        assertArrayEquals(module(
                0x01, 0x06, 0x01, 0x60, 0x01, 0x7F, 0x01, 0x7F,      // type: [i32] -> [i32]
                0x03, 0x02, 0x01, 0x00,                              // func: type 0
                0x07, 0x05, 0x01, 0x01, 'f', 0x00, 0x00,             // export "f" func 0
                0x0A, 0x06, 0x01, 0x04, 0x00, 0x20, 0x00, 0x0B),     // code: local.get 0
                wat("(module (func (export \"f\") (param i32) (result i32) local.get 0))"));
    }

    @Test
    void bareFieldsAndInlineExportsEqualExplicitOnes() {
        same("(func $f (export \"a\") (export \"b\"))",
                "(module (func $f) (export \"a\" (func $f)) (export \"b\" (func 0)))");
        same("(global (export \"g\") (mut i32) (i32.const 1))",
                "(global $g (mut i32) (i32.const 1)) (export \"g\" (global $g))");
    }

    @Test
    void inlineImports() {
        assertArrayEquals(module(
                0x01, 0x05, 0x01, 0x60, 0x01, 0x7F, 0x00,
                0x02, 0x07, 0x01, 0x01, 'm', 0x01, 'n', 0x00, 0x00),
                wat("(func $f (import \"m\" \"n\") (param i32))"));
        same("(func (import \"m\" \"n\") (param i32))", "(import \"m\" \"n\" (func (param i32)))");
        same("(table (import \"m\" \"t\") 1 2 funcref)", "(import \"m\" \"t\" (table 1 2 funcref))");
        same("(memory (import \"m\" \"m\") 1)", "(import \"m\" \"m\" (memory 1))");
        same("(global (import \"m\" \"g\") (mut f64))", "(import \"m\" \"g\" (global (mut f64)))");
    }

    @Test
    void implicitTypesAreAppendedAfterExplicitOnes() {
        assertArrayEquals(module(
                0x01, 0x08, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7E, 0x00,
                0x03, 0x03, 0x02, 0x01, 0x00,
                0x0A, 0x07, 0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B),
                wat("(func (param i64)) (func (type 0)) (type (func))"));
        // an inline signature that matches an existing type reuses it
        same("(type $t (func (param i32))) (func (param i32))", "(type $t (func (param i32))) (func (type $t))");
        same("(type $t (func (param i32))) (func (type $t) (param $x i32))",
                "(type $t (func (param i32))) (func (type $t))");
    }

    @Test
    void foldedInstructionsEqualFlatOnes() {
        same("(func (result i32) (i32.add (i32.const 1) (i32.const 2)))",
                "(func (result i32) i32.const 1 i32.const 2 i32.add)");
        same("(func (param i32) (if (local.get 0) (then nop) (else unreachable)))",
                "(func (param i32) local.get 0 if nop else unreachable end)");
        same("(func (block $b (loop $l (br_if $l (i32.const 0)) (br $b))))",
                "(func block $b loop $l i32.const 0 br_if 0 br 1 end end)");
    }

    @Test
    void labelsResolveToDepths() {
        assertArrayEquals(module(
                0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                0x03, 0x02, 0x01, 0x00,
                0x0A, 0x0E, 0x01, 0x0C, 0x00,
                0x02, 0x40, 0x02, 0x40, 0x0C, 0x01, 0x0C, 0x00, 0x0B, 0x0B, 0x0B),
                wat("(func (block $a (block $b (br $a) (br $b))))"));
        // shadowing: the innermost label of that name wins
        same("(func (block $l (block $l (br $l))))", "(func (block (block (br 0))))");
        same("(func block $x end $x)", "(func block end)");
        assertEquals("unknown label $nope", error("(func (br $nope))").reason());
        assertEquals("mismatching label", error("(func block $a end $b)").reason());
        assertEquals("mismatching label", error("(func block end $b)").reason());
    }

    @Test
    void blockTypes() {
        // [] -> [i32] is a value type; [i32] -> [i32 i32] needs a type index (appended implicitly)
        assertArrayEquals(module(
                0x01, 0x0A, 0x02, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7F, 0x02, 0x7F, 0x7F,
                0x03, 0x02, 0x01, 0x00,
                0x0A, 0x0E, 0x01, 0x0C, 0x00,
                0x02, 0x7F, 0x41, 0x01, 0x0B, 0x02, 0x01, 0x0B, 0x1A, 0x1A, 0x0B),
                wat("(func (block (result i32) (i32.const 1)) (block (param i32) (result i32 i32)) drop drop)"));
        assertEquals("inline function type",
                error("(type $t (func (param i32))) (func (block (type $t) (param i64)))").reason());
    }

    @Test
    void tableWithInlineElements() {
        assertArrayEquals(module(
                0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
                0x03, 0x03, 0x02, 0x00, 0x00,
                0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x02,              // table funcref min 2 max 2
                0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 0x01, 0x00, // elem: active, offset 0, [1, 0]
                0x0A, 0x07, 0x02, 0x02, 0x00, 0x0B, 0x02, 0x00, 0x0B),
                wat("(table funcref (elem $g $f)) (func $f) (func $g)"));
        same("(table $t funcref (elem $f)) (func $f)",
                "(table $t 1 1 funcref) (elem (table $t) (offset (i32.const 0)) func $f) (func $f)");
        same("(table 1 funcref) (elem (i32.const 0) $f) (func $f)",
                "(table 1 funcref) (elem (table 0) (offset i32.const 0) func $f) (func $f)");
    }

    @Test
    void elementSegmentForms() {
        byte[] b = wat("(table 1 externref) (elem declare func 0) (elem externref (ref.null extern)) (func)");
        // elem section: declarative funcidx form (flag 3), passive expression form (flag 5)
        byte[] elemSection = {0x09, 0x0B, 0x02, 0x03, 0x00, 0x01, 0x00, 0x05, 0x6F, 0x01, (byte) 0xD0, 0x6F, 0x0B};
        assertArrayEquals(elemSection, java.util.Arrays.copyOfRange(b, 8 + 6 + 4 + 6, 8 + 6 + 4 + 6 + 13));
    }

    @Test
    void memoryWithInlineData() {
        assertArrayEquals(module(
                0x05, 0x04, 0x01, 0x01, 0x01, 0x01,
                0x0B, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0B, 0x02, 'a', 'b'),
                wat("(memory (data \"a\" \"b\"))"));
        same("(memory $m (data \"ab\"))", "(memory $m 1 1) (data (memory $m) (offset (i32.const 0)) \"ab\")");
        same("(memory 1) (data (i32.const 0) \"\")", "(memory 1) (data (memory 0) (offset i32.const 0))");
    }

    @Test
    void memargAndAlignment() {
        byte[] b = wat("(memory 1) (func (drop (i64.load32_u offset=0x10 align=2 (i32.const 0))))");
        // ... 41 00 35 01 10 1A 0B : i32.const 0; i64.load32_u align 2^1 offset 16; drop
        byte[] tail = java.util.Arrays.copyOfRange(b, b.length - 7, b.length);
        assertArrayEquals(new byte[] {0x41, 0x00, 0x35, 0x01, 0x10, 0x1A, 0x0B}, tail);
        assertEquals("alignment must be a power of two",
                error("(memory 1) (func (drop (i32.load align=3 (i32.const 0))))").reason());
        assertEquals("i64 constant out of range",
                error("(memory 1) (func (drop (i32.load offset=18446744073709551616 (i32.const 0))))").reason());
    }

    @Test
    void constants() {
        byte[] b = wat("(func (i32.const -1) (i64.const 0x8000_0000_0000_0000) (f32.const -0x1p-149) "
                + "(f64.const nan:0x1) (v128.const i16x8 1 2 3 4 5 6 7 -1) "
                + "(v128.const f32x4 1 -0 inf nan) (v128.const i64x2 -1 0x0102030405060708)"
                + " drop drop drop drop drop drop drop)");
        byte[] expectedBody = {
            0x41, 0x7F,
            0x42, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
            (byte) 0x80, (byte) 0x80, 0x7F,
            0x43, 0x01, 0x00, 0x00, (byte) 0x80,
            0x44, 0x01, 0, 0, 0, 0, 0, (byte) 0xF0, 0x7F,
            (byte) 0xFD, 0x0C, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFD, 0x0C, 0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0x80, 0, 0, (byte) 0x80, 0x7F,
            0, 0, (byte) 0xC0, 0x7F,
            (byte) 0xFD, 0x0C, -1, -1, -1, -1, -1, -1, -1, -1, 8, 7, 6, 5, 4, 3, 2, 1,
            0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x1A, 0x0B};
        byte[] tail = java.util.Arrays.copyOfRange(b, b.length - expectedBody.length, b.length);
        assertArrayEquals(expectedBody, tail);
        assertEquals("constant out of range", error("(func (i32.const 0x1_0000_0000) drop)").reason());
        assertEquals("constant out of range", error("(func (f32.const 1e39) drop)").reason());
        assertEquals("wrong number of lane literals", error("(func (v128.const i32x4 1 2 3) drop)").reason());
    }

    @Test
    void binaryAndQuoteModules() {
        assertArrayEquals(module(0x00, 0x01, 'x'), wat("(module binary \"\\00asm\" \"\\01\\00\\00\\00\" \"\\00\\01x\")"));
        assertArrayEquals(wat("(func (nop))"), wat("(module quote \"(func\" \"(nop))\")"));
    }

    @Test
    void nameSection() {
        byte[] b = Wat.parseModule("(func $f (param $x i32) (local i64) (local $y f32)) (func)");
        byte[] expected = {
            0x00, 0x16, 0x04, 'n', 'a', 'm', 'e',
            0x01, 0x04, 0x01, 0x00, 0x01, 'f',                          // function names: 0 -> "f"
            0x02, 0x09, 0x01, 0x00, 0x02, 0x00, 0x01, 'x', 0x02, 0x01, 'y'}; // locals of func 0
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(b, b.length - expected.length, b.length));
    }

    @Test
    void errorsCarryWordingAndPosition() {
        TextFormatException e = error("(module\n  (func (i32.const 0x1_0000_0000)))");
        assertEquals("constant out of range", e.reason());
        assertEquals(2, e.line());
        assertEquals(20, e.column());
        assertEquals("constant out of range at 2:20", e.getMessage());
        assertEquals("duplicate func", error("(func $a) (func $a)").reason());
        assertEquals("duplicate local", error("(func (param $x i32) (local $x i32))").reason());
        assertEquals("import after function", error("(func) (import \"m\" \"n\" (func))").reason());
        assertEquals("multiple start sections", error("(func) (start 0) (start 0)").reason());
        assertEquals("unknown operator i32.foo", error("(func i32.foo)").reason());
        assertEquals("malformed UTF-8 encoding", error("(func (export \"\\ff\"))").reason());
        assertEquals("unexpected token", error("(type (func (result i32) (param i32)))").reason().substring(0, 16));
        assertEquals("unknown type", error("(func (type 5) (param i32))").reason());
    }
}
