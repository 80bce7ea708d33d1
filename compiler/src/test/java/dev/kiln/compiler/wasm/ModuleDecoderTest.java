package dev.kiln.compiler.wasm;

import static dev.kiln.compiler.wasm.Bin.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModuleDecoderTest {

    static MalformedModuleException malformed(byte[] bytes) {
        return assertThrows(MalformedModuleException.class, () -> ModuleDecoder.decode(bytes));
    }

    static void assertMalformed(String reason, long offset, byte[] bytes) {
        MalformedModuleException e = malformed(bytes);
        assertEquals(reason, e.reason(), e.getMessage());
        if (offset >= 0) {
            assertEquals(offset, e.offset(), e.getMessage());
        }
    }

    @Test
    void emptyModule() {
        WasmModule m = ModuleDecoder.decode(HEADER.clone());
        assertEquals(0, m.types().size());
        assertEquals(0, m.functionCount());
        assertEquals(-1, m.start());
        assertEquals(-1, m.dataCount());
    }

    @Test
    void header() {
        assertMalformed("unexpected end", 0, b());
        assertMalformed("unexpected end", -1, b(0, 0x61, 0x73));
        assertMalformed("magic header not detected", 0, b(0, 0x41, 0x53, 0x4D, 1, 0, 0, 0));
        assertMalformed("unexpected end", -1, b(0, 0x61, 0x73, 0x6D, 1, 0));
        assertMalformed("unknown binary version", 4, b(0, 0x61, 0x73, 0x6D, 2, 0, 0, 0));
    }

    @Test
    void sectionFraming() {
        assertMalformed("malformed section id", 8, module(b(14, 0)));
        assertMalformed("length out of bounds", 9, module(b(1, 5, 0)));
        // Type section of size 2 holding a count of 0 and a stray byte.
        assertMalformed("section size mismatch", 12, module(b(1, 2, 0, 0)));
        // Out of order and duplicate sections.
        assertMalformed("unexpected content after last section", 11,
                module(section(3, vec()), section(1, vec())));
        assertMalformed("unexpected content after last section", 11,
                module(section(1, vec()), section(1, vec())));
        // Custom sections may appear anywhere, any number of times.
        WasmModule m = ModuleDecoder.decode(module(section(0, name("a"), b(1, 2, 3)), section(1, vec()),
                section(0, name("b"))));
        assertEquals(2, m.customSections().size());
        assertEquals("a", m.customSections().get(0).name());
        assertEquals(3, m.customSections().get(0).contentLength());
        assertEquals(1, m.bytes()[m.customSections().get(0).contentStart()]);
        assertEquals(0, m.customSections().get(1).contentLength());
    }

    @Test
    void typesImportsAndIndexSpaces() {
        byte[] bytes = module(
                section(1, vec(functype(t(I32, I64), t(F32)), functype(t(), t(I32, I32)))),
                section(2, vec(
                        cat(name("env"), name("f"), b(0x00), u32(1)),
                        cat(name("env"), name("t"), b(0x01, FUNCREF, 0x01), u32(1), u32(10)),
                        cat(name("env"), name("m"), b(0x02, 0x00), u32(2)),
                        cat(name("env"), name("g"), b(0x03, F64, 0x01)),
                        cat(name("env"), name("h"), b(0x00), u32(0)))),
                section(3, vec(u32(0))),
                section(10, vec(body(noLocals(), b(0x00, END)))));
        WasmModule m = ModuleDecoder.decode(bytes);
        assertEquals(FuncType.of(List.of(ValType.I32, ValType.I64), List.of(ValType.F32)), m.types().get(0));
        assertEquals(List.of(ValType.I32, ValType.I32), m.types().get(1).results());
        assertEquals(5, m.imports().size());
        assertEquals(2, m.importedFunctionCount());
        assertEquals(1, m.importedTableCount());
        assertEquals(1, m.importedMemoryCount());
        assertEquals(1, m.importedGlobalCount());
        assertEquals(3, m.functionCount());
        assertEquals(1, m.functionTypeIndex(0));
        assertEquals(0, m.functionTypeIndex(1));
        assertEquals(0, m.functionTypeIndex(2));
        assertEquals(m.types().get(1), m.functionType(0));
        assertEquals(new TableType(ValType.FUNCREF, new Limits(1, 10)), m.tableType(0));
        assertEquals(new MemoryType(new Limits(2, -1)), m.memoryType(0));
        assertFalse(m.memoryType(0).limits().hasMax());
        assertEquals(new GlobalType(ValType.F64, true), m.globalType(0));
        assertEquals("env", m.imports().get(3).module());
        assertEquals("g", m.imports().get(3).name());
        assertEquals(ExternKind.GLOBAL, m.imports().get(3).kind());
        assertSame(null, m.functionBody(1));
        assertEquals(m.code().get(0), m.functionBody(2));
    }

    @Test
    void importErrors() {
        assertMalformed("malformed import kind", -1,
                module(section(2, vec(cat(name("a"), name("b"), b(0x05, 0x00))))));
        assertMalformed("malformed mutability", -1,
                module(section(2, vec(cat(name("a"), name("b"), b(0x03, I32, 0x02))))));
        assertMalformed("malformed UTF-8 encoding", 12,
                module(section(2, vec(cat(u32(2), b(0xC0, 0x80), name("b"), b(0x03, I32, 0x00))))));
        assertMalformed("malformed reference type", -1,
                module(section(2, vec(cat(name("a"), name("b"), b(0x01, I32, 0x00, 0x00))))));
        assertMalformed("malformed value type", -1,
                module(section(2, vec(cat(name("a"), name("b"), b(0x03, 0x40, 0x00))))));
        // limits flags: a byte, 0x00/0x01 and (memory64) 0x04/0x05 only
        assertMalformed("malformed limits flags", -1,
                module(section(5, vec(b(0x02, 0x00)))));
        assertMalformed("malformed limits flags", -1,
                module(section(5, vec(b(0x81, 0x00, 0x00)))));
        assertEquals(true, ModuleDecoder.decode(module(section(5, vec(b(0x04, 0x00))))).memories().get(0).memory64());
    }

    @Test
    void lebEdgeCases() {
        // Function section: typeidx as u32 in 5 bytes (max) is fine; 6 bytes is too long.
        byte[] five = module(section(1, vec(functype(t(), t()))), section(3, vec(b(0x80, 0x80, 0x80, 0x80, 0x00))),
                section(10, vec(body(noLocals(), b(END)))));
        assertEquals(0, ModuleDecoder.decode(five).definedFunctionTypeIndex(0));
        assertMalformed("integer representation too long", -1,
                module(section(3, vec(b(0x80, 0x80, 0x80, 0x80, 0x80, 0x00)))));
        // Unused bits of the 5th byte must be zero for u32.
        assertMalformed("integer too large", -1, module(section(3, vec(b(0x80, 0x80, 0x80, 0x80, 0x10)))));
        // 0xFFFFFFFF is the largest u32.
        byte[] max = module(section(3, vec(b(0xFF, 0xFF, 0xFF, 0xFF, 0x0F))));
        MalformedModuleException e = malformed(max); // no code section
        assertEquals("function and code section have inconsistent lengths", e.reason());
        // i32.const: -1 in 5 bytes with sign bits set is fine; a non-sign-extended top byte is not.
        assertEquals(-1L, globalInit(b(0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F)));
        assertEquals(Integer.MIN_VALUE, globalInit(b(0x41, 0x80, 0x80, 0x80, 0x80, 0x78)));
        assertEquals(Integer.MAX_VALUE, globalInit(b(0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x07)));
        assertMalformed("integer too large", -1, globalModule(b(0x41, 0xFF, 0xFF, 0xFF, 0xFF, 0x4F)));
        assertMalformed("integer too large", -1, globalModule(b(0x41, 0x80, 0x80, 0x80, 0x80, 0x08)));
        assertMalformed("integer representation too long", -1,
                globalModule(b(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)));
        // i64.const extremes in 10 bytes.
        assertEquals(Long.MIN_VALUE, globalInit64(cat(b(0x42), sleb(Long.MIN_VALUE))));
        assertEquals(Long.MAX_VALUE, globalInit64(cat(b(0x42), sleb(Long.MAX_VALUE))));
        assertEquals(-1L, globalInit64(b(0x42, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F)));
        assertMalformed("integer too large", -1,
                module(section(6, vec(cat(b(I64, 0), b(0x42, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x41, END))))));
        assertMalformed("integer representation too long", -1,
                module(section(6, vec(cat(b(I64, 0),
                        b(0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, END))))));
    }

    private static byte[] globalModule(byte[] instr) {
        return module(section(6, vec(cat(b(I32, 0), instr, b(END)))));
    }

    private static long globalInit(byte[] instr) {
        ConstExpr e = ModuleDecoder.decode(globalModule(instr)).globals().get(0).init();
        assertSame(Opcode.I32_CONST, e.opcode());
        return e.value();
    }

    private static long globalInit64(byte[] instr) {
        WasmModule m = ModuleDecoder.decode(module(section(6, vec(cat(b(I64, 1), instr, b(END))))));
        assertTrue(m.globals().get(0).type().mutable());
        return m.globals().get(0).init().value();
    }

    @Test
    void constExprForms() {
        byte[] bytes = module(section(6, vec(
                cat(b(F32, 0, 0x43), b(0x00, 0x00, 0x80, 0x3F), b(END)),
                cat(b(F64, 0, 0x44), b(0, 0, 0, 0, 0, 0, 0xF0, 0xBF), b(END)),
                cat(b(EXTERNREF, 0, 0xD0, EXTERNREF, END)),
                cat(b(FUNCREF, 0, 0xD2), u32(7), b(END)),
                cat(b(I32, 0, 0x23), u32(3), b(END)),
                cat(b(V128, 0, 0xFD), u32(12), b(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), b(END)),
                cat(b(I32, 0, 0x41, 1, 0x41, 2, 0x6A, END)))));
        WasmModule m = ModuleDecoder.decode(bytes);
        List<Global> g = m.globals();
        assertEquals(1.0f, Float.intBitsToFloat((int) g.get(0).init().value()));
        assertEquals(-1.0, Double.longBitsToDouble(g.get(1).init().value()));
        assertEquals(ValType.EXTERNREF, g.get(2).init().refType());
        assertEquals(Opcode.REF_NULL, g.get(2).init().opcode());
        assertEquals(7, g.get(3).init().value());
        assertEquals(Opcode.GLOBAL_GET, g.get(4).init().opcode());
        assertEquals(3, g.get(4).init().value());
        assertArrayEquals(b(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), g.get(5).init().v128());
        ConstExpr multi = g.get(6).init();
        assertNull(multi.opcode());
        assertEquals(6, multi.end() - multi.start());
        assertEquals(END, m.bytes()[multi.end() - 1]);
        // Missing end: the next section's id is read as an opcode.
        // Wasm 3.0 reads an initializer within its section
        assertMalformed("unexpected end of section or function", -1,
                module(section(6, vec(b(I32, 0, 0x41, 0))), section(10, vec())));
        assertMalformed("unexpected end of section or function", -1, module(section(6, vec(b(I32, 0, 0x41, 0)))));
    }

    @Test
    void exportsStartElementsAndData() {
        byte[] bytes = module(
                section(1, vec(functype(t(), t()))),
                section(3, vec(u32(0), u32(0))),
                section(4, vec(b(FUNCREF, 0x00, 0x02), b(EXTERNREF, 0x00, 0x00))),
                section(5, vec(b(0x01, 0x01, 0x02))),
                section(7, vec(cat(name("run"), b(0x00), u32(1)), cat(name("mem"), b(0x02), u32(0)))),
                section(8, u32(1)),
                section(9, vec(
                        cat(u32(0), b(0x41, 0x00, END), vec(u32(0), u32(1))),
                        cat(u32(1), b(0x00), vec(u32(1))),
                        cat(u32(2), u32(0), b(0x41, 0x01, END), b(0x00), vec(u32(0))),
                        cat(u32(3), b(0x00), vec(u32(0))),
                        cat(u32(4), b(0x41, 0x00, END), vec(b(0xD2, 0x00, END), b(0xD0, FUNCREF, END))),
                        cat(u32(5), b(EXTERNREF), vec(b(0xD0, EXTERNREF, END))),
                        cat(u32(6), u32(1), b(0x41, 0x00, END), b(EXTERNREF), vec()),
                        cat(u32(7), b(FUNCREF), vec(b(0xD2, 0x01, END))))),
                section(12, u32(3)),
                section(10, vec(body(noLocals(), b(END)), body(noLocals(), b(END)))),
                section(11, vec(
                        cat(u32(0), b(0x41, 0x08, END), vec(b('h'), b('i'))),
                        cat(u32(1), vec(b(1), b(2), b(3))),
                        cat(u32(2), u32(0), b(0x41, 0x00, END), vec()))));
        WasmModule m = ModuleDecoder.decode(bytes);
        assertEquals(2, m.tables().size());
        assertEquals(ValType.EXTERNREF, m.tables().get(1).elemType());
        assertEquals(new Limits(1, 2), m.memories().get(0).limits());
        assertEquals(new Export("run", ExternKind.FUNC, 1, m.exports().get(0).offset()), m.exports().get(0));
        assertEquals(ExternKind.MEMORY, m.exports().get(1).kind());
        assertEquals(1, m.start());
        List<ElementSegment> e = m.elements();
        assertEquals(8, e.size());
        assertEquals(ElementSegment.Mode.ACTIVE, e.get(0).mode());
        assertEquals(0, e.get(0).tableIndex());
        assertArrayEquals(new int[] {0, 1}, e.get(0).funcIndices());
        assertEquals(ElementSegment.Mode.PASSIVE, e.get(1).mode());
        assertEquals(-1, e.get(1).tableIndex());
        assertEquals(ElementSegment.Mode.ACTIVE, e.get(2).mode());
        assertEquals(1, e.get(2).offset().value());
        assertEquals(ElementSegment.Mode.DECLARATIVE, e.get(3).mode());
        assertEquals(2, e.get(4).size());
        assertEquals(Opcode.REF_FUNC, e.get(4).initExprs().get(0).opcode());
        assertEquals(ValType.FUNCREF, e.get(4).elemType());
        assertEquals(ValType.EXTERNREF, e.get(5).elemType());
        assertEquals(ElementSegment.Mode.PASSIVE, e.get(5).mode());
        assertEquals(1, e.get(6).tableIndex());
        assertEquals(0, e.get(6).size());
        assertEquals(ElementSegment.Mode.DECLARATIVE, e.get(7).mode());
        assertEquals(3, m.dataCount());
        List<DataSegment> d = m.data();
        assertTrue(d.get(0).active());
        assertEquals(8, d.get(0).offset().value());
        assertEquals(2, d.get(0).dataLength());
        assertEquals('h', m.bytes()[d.get(0).dataStart()]);
        assertFalse(d.get(1).active());
        assertEquals(3, d.get(1).dataLength());
        assertEquals(0, d.get(2).memoryIndex());
        assertEquals(0, d.get(2).dataLength());
    }

    @Test
    void segmentErrors() {
        assertMalformed("malformed elements segment kind", -1, module(section(9, vec(u32(8)))));
        assertMalformed("malformed element kind", -1, module(section(9, vec(cat(u32(1), b(0x01), vec())))));
        assertMalformed("malformed data segment kind", -1, module(section(11, vec(cat(u32(3), vec())))));
        assertMalformed("malformed export kind", -1, module(section(7, vec(cat(name("x"), b(0x05), u32(0))))));
        assertMalformed("data count and data section have inconsistent lengths", -1,
                module(section(12, u32(2)), section(11, vec(cat(u32(1), vec())))));
        assertMalformed("data count and data section have inconsistent lengths", -1, module(section(12, u32(1))));
        // Data bytes running past the end of the module.
        assertMalformed("unexpected end of section or function", -1,
                cat(module(), b(11, 5, 1, 1, 4, 1, 2, 3)));
        assertMalformed("length out of bounds", 12, cat(module(), b(11, 6, 1, 1, 5, 1, 2, 3)));
    }

    @Test
    void codeSection() {
        byte[] locals = vec(cat(u32(2), b(I32)), cat(u32(1), b(F64)), cat(u32(0), b(I64)));
        byte[] bytes = oneFunc(functype(t(I32), t()), locals, b(0x20, 0x00, 0x1A, END));
        WasmModule m = ModuleDecoder.decode(bytes);
        FunctionBody fb = m.code().get(0);
        assertEquals(3, fb.localCount());
        assertEquals(ValType.I32, fb.localType(1));
        assertEquals(ValType.F64, fb.localType(2));
        assertNull(fb.localType(3));
        assertEquals(3, fb.localDecls().size());
        assertEquals(0x20, bytes[fb.codeStart()]);
        assertEquals(4, fb.codeEnd() - fb.codeStart());
        assertEquals(bytes.length, fb.codeEnd());

        assertMalformed("too many locals", -1, oneFunc(functype(t(), t()),
                vec(cat(u32(0xFFFF_FFFFL), b(I32)), cat(u32(1), b(I64))), b(END)));
        assertMalformed("function and code section have inconsistent lengths", -1,
                module(section(1, vec(functype(t(), t()))), section(3, vec(u32(0), u32(0))),
                        section(10, vec(body(noLocals(), b(END))))));
        assertMalformed("function and code section have inconsistent lengths", -1,
                module(section(10, vec(body(noLocals(), b(END))))));
        assertMalformed("END opcode expected", -1, oneFunc(functype(t(), t()), noLocals(), b(0x05, END)));
        assertMalformed("END opcode expected", -1,
                oneFunc(functype(t(), t()), noLocals(), b(0x02, 0x40, 0x05, END, END)));
        assertMalformed("END opcode expected", -1,
                oneFunc(functype(t(), t()), noLocals(), b(0x41, 0, 0x04, 0x40, 0x05, 0x05, END, END)));
        // Missing final end at the end of the module.
        assertMalformed("unexpected end of section or function", -1,
                oneFunc(functype(t(), t()), noLocals(), b(0x01)));
        // Body shorter than its instructions: the reader runs on into the next section.
        byte[] shortBody = module(section(1, vec(functype(t(), t()))), section(3, vec(u32(0))),
                section(10, vec(cat(u32(2), b(0x00, 0x01)))), b(0x0B, 0x01, 0x00));
        assertMalformed("section size mismatch", -1, shortBody);
        assertMalformed("illegal opcode 27", -1, oneFunc(functype(t(), t()), noLocals(), b(0x27, END)));
        assertMalformed("illegal opcode fc", -1, oneFunc(functype(t(), t()), noLocals(), b(0xFC, 0x12, END)));
        assertMalformed("illegal opcode fd", -1, oneFunc(functype(t(), t()), noLocals(), b(0xFD, 0x9A, 0x01, END)));
        assertMalformed("data count section required", -1,
                oneFunc(functype(t(), t()), noLocals(), b(0xFC, 0x09, 0x00, END)));
        // Wasm 2.0: a reserved zero byte where 3.0 has a memidx, alignment exponents below 32
        byte[] size1 = oneFunc(functype(t(), t()), noLocals(), b(0x3F, 0x01, 0x1A, END));
        ModuleDecoder.decode(size1);
        assertEquals("zero byte expected", assertThrows(MalformedModuleException.class,
                () -> ModuleDecoder.decode(size1, WasmVersion.WASM_2_0)).reason());
        byte[] align32 = oneFunc(functype(t(), t()), noLocals(), b(0x41, 0, 0x28, 0x20, 0x00, 0x1A, END));
        ModuleDecoder.decode(align32);
        assertEquals("malformed memop flags", assertThrows(MalformedModuleException.class,
                () -> ModuleDecoder.decode(align32, WasmVersion.WASM_2_0)).reason());
        assertMalformed("malformed memop flags", -1,
                oneFunc(functype(t(), t()), noLocals(), b(0x41, 0, 0x28, 0x80, 0x01, 0x00, 0x1A, END)));
    }

    @Test
    void nameSection() {
        byte[] names = cat(
                b(0), u32(name("mod").length), name("mod"),
                b(1), u32(vec(cat(u32(0), name("main"))).length), vec(cat(u32(0), name("main"))),
                b(2), u32(vec(cat(u32(0), vec(cat(u32(0), name("x")), cat(u32(1), name("y"))))).length),
                vec(cat(u32(0), vec(cat(u32(0), name("x")), cat(u32(1), name("y"))))));
        byte[] bytes = cat(oneFunc(functype(t(I32), t()), vec(cat(u32(1), b(I32))), b(END)),
                section(0, name("name"), names));
        WasmModule m = ModuleDecoder.decode(bytes);
        assertEquals("mod", m.moduleName());
        assertEquals("main", m.functionName(0));
        assertNull(m.functionName(1));
        assertEquals("y", m.localNames().get(0).get(1));
        // A malformed name section is ignored.
        byte[] bad = cat(oneFunc(functype(t(), t()), noLocals(), b(END)), section(0, name("name"), b(1, 5, 1)));
        WasmModule m2 = ModuleDecoder.decode(bad);
        assertNull(m2.functionName(0));
        assertEquals(1, m2.customSections().size());
    }
    /** The outcome of decoding {@code bytes} with a code section scanned in parallel from {@code parallelScanBytes}. */
    private static String decodeOutcome(byte[] bytes, WasmVersion version, int parallelScanBytes) {
        try {
            WasmModule m = ModuleDecoder.decode(bytes, version, parallelScanBytes);
            return "decoded: " + m.code();
        } catch (MalformedModuleException e) {
            return "malformed at " + e.offset() + ": " + e.reason();
        }
    }

    /** A module of functions of type [] -> [] with the given code entries (each made by {@link Bin#body}). */
    private static byte[] functions(byte[]... entries) {
        byte[][] types = new byte[entries.length][];
        java.util.Arrays.fill(types, u32(0));
        return module(section(1, vec(functype(t(), t()))), section(3, vec(types)), section(10, vec(entries)));
    }

    @Test
    void codeSectionScannedInParallelFailsWhereBodyByBodyDecodingFails() {
        byte[] ok = body(noLocals(), b(0x41, 1, 0x1A, END)); // i32.const 1; drop; end
        byte[] illegal = body(noLocals(), b(0x41, 1, 0xFF, END)); // an opcode that does not exist
        byte[] endsEarly = body(noLocals(), b(END, 0x01)); // end, then a stray nop inside the size
        byte[] tooLong = cat(u32(1000), b(0, END)); // a size past the end of the module
        byte[][] modules = {
            functions(ok, ok, ok, ok),
            functions(ok, illegal, ok, tooLong), // the scan of body 1 fails before body 3's size is read
            functions(ok, ok, tooLong), // bodies 0 and 1 scan: the size of body 2 fails
            functions(endsEarly, ok, illegal), // section size mismatch at body 0
            functions(ok, illegal, endsEarly, illegal),
        };
        String[] expected = {null, "illegal opcode", "length out of bounds", "section size mismatch", "illegal opcode"};
        for (int k = 0; k < modules.length; k++) {
            String byBody = decodeOutcome(modules[k], WasmVersion.WASM_3_0, Integer.MAX_VALUE);
            assertEquals(byBody, decodeOutcome(modules[k], WasmVersion.WASM_3_0, 0), "module " + k);
            assertTrue(expected[k] == null ? byBody.startsWith("decoded") : byBody.contains(": " + expected[k]),
                    "module " + k + ": " + byBody);
        }
    }

    @Test
    void codeSectionScannedInParallelDecodesTheTestsuiteAsBodyByBody() throws java.io.IOException {
        java.nio.file.Path suite = TestSuiteFiles.suite20();
        assertFalse(suite == null && "true".equals(System.getenv("CI")), "spec testsuite not found");
        org.junit.jupiter.api.Assumptions.assumeTrue(suite != null, "spec testsuite not found");
        List<WastBinaryModules.Case> cases = WastBinaryModules.load(suite);
        assertTrue(cases.size() > 300, "found only " + cases.size() + " binary modules");
        int malformed = 0;
        for (WastBinaryModules.Case c : cases) {
            String byBody = decodeOutcome(c.bytes(), WasmVersion.WASM_2_0, Integer.MAX_VALUE);
            assertEquals(byBody, decodeOutcome(c.bytes(), WasmVersion.WASM_2_0, 0), c.toString());
            malformed += byBody.startsWith("malformed") ? 1 : 0;
        }
        assertTrue(malformed > 100, "only " + malformed + " malformed modules");
    }
}
