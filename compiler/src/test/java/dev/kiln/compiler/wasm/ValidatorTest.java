package dev.kiln.compiler.wasm;

import static dev.kiln.compiler.wasm.Bin.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-encoded modules, valid and invalid, for the validator (spec chapter 3 and its appendix). */
class ValidatorTest {

    private static void valid(byte[] bytes) {
        Validator.validate(ModuleDecoder.decode(bytes), bytes);
    }

    private static InvalidModuleException invalid(String reasonPrefix, byte[] bytes) {
        WasmModule m = ModuleDecoder.decode(bytes);
        InvalidModuleException e = assertThrows(InvalidModuleException.class, () -> Validator.validate(m, bytes));
        assertTrue(e.reason().startsWith(reasonPrefix), "expected " + reasonPrefix + " but got " + e.getMessage());
        return e;
    }

    private static byte[] func(int[] params, int[] results, byte[] code) {
        return oneFunc(functype(params, results), noLocals(), code);
    }

    private static byte[] withMemory(int[] params, int[] results, byte[] code) {
        return oneFunc(functype(params, results), noLocals(), code, section(5, vec(b(0x00, 0x01))));
    }

    /** Bodies validated one at a time ({@link Validator#validateAllButBodies}): each as in a whole validation. */
    @Test
    void bodiesValidatedOneAtATimeGiveTheWholeValidationsVerdicts() {
        byte[] good = func(t(I32, I32), t(I32), b(0x20, 0, 0x20, 1, 0x6A, END));
        Validator.validateAllButBodies(ModuleDecoder.decode(good), good).validate(0);
        byte[] bad = func(t(I32, I64), t(I32), b(0x20, 0, 0x20, 1, 0x6A, END));
        WasmModule m = ModuleDecoder.decode(bad);
        Validator.FunctionBodies bodies = Validator.validateAllButBodies(m, bad); // the body is not looked at yet
        InvalidModuleException e = assertThrows(InvalidModuleException.class, () -> bodies.validate(0));
        assertEquals(invalid("type mismatch", bad).getMessage(), e.getMessage());
        assertEquals(0, e.funcIndex());
    }

    @Test
    void numericAndLocals() {
        valid(func(t(I32, I32), t(I32), b(0x20, 0, 0x20, 1, 0x6A, END)));
        InvalidModuleException e = invalid("type mismatch", func(t(I32, I64), t(I32), b(0x20, 0, 0x20, 1, 0x6A, END)));
        assertEquals(0, e.funcIndex());
        assertEquals(ModuleDecoder.decode(func(t(I32, I64), t(I32), b(0x20, 0, 0x20, 1, 0x6A, END)))
                .code().get(0).codeStart() + 4, e.offset());
        invalid("type mismatch", func(t(), t(I32), b(END)));
        invalid("type mismatch", func(t(), t(), b(0x41, 0, END)));
        invalid("unknown local 2", func(t(I32, I32), t(), b(0x20, 2, 0x1A, END)));
        // Declared locals after the parameters, found by binary search over the runs.
        byte[] locals = vec(cat(u32(3), b(I64)), cat(u32(2), b(F32)));
        valid(oneFunc(functype(t(I32), t(F32)), locals, b(0x20, 5, END)));
        invalid("type mismatch", oneFunc(functype(t(I32), t(F32)), locals, b(0x20, 3, END)));
        invalid("unknown local 6", oneFunc(functype(t(I32), t(F32)), locals, b(0x20, 6, END)));
    }

    @Test
    void controlAndPolymorphicStack() {
        // unreachable makes the stack polymorphic: i32.add with no operands is fine afterwards.
        valid(func(t(), t(I32), b(0x00, 0x6A, END)));
        valid(func(t(), t(I64), b(0x42, 0x05, 0x0C, 0x00, END)));
        invalid("type mismatch", func(t(), t(I64), b(0x0C, 0x00, END)));
        invalid("type mismatch", func(t(), t(), b(0x00, 0x41, 0, 0x42, 0, 0x6A, 0x1A, END)));
        invalid("unknown label 1", func(t(), t(), b(0x0C, 0x01, END)));
        valid(func(t(I32), t(I32), b(0x02, 0x7F, 0x41, 1, 0x20, 0, 0x0D, 0, 0x1A, 0x41, 2, END, END)));
        invalid("type mismatch", func(t(), t(I32), b(0x02, 0x7F, END, END)));
        // if without else must have matching params and results.
        invalid("type mismatch", func(t(I32), t(I32), b(0x20, 0, 0x04, 0x7F, 0x41, 1, END, END)));
        valid(func(t(I32), t(I32), b(0x20, 0, 0x04, 0x7F, 0x41, 1, 0x05, 0x41, 2, END, END)));
        // br_table: all targets of the same arity and types.
        valid(func(t(I32), t(I32), b(0x02, 0x7F, 0x41, 7, 0x20, 0, 0x0E, 1, 0, 1, END, END)));
        invalid("type mismatch", func(t(I32), t(I32),
                b(0x02, 0x40, 0x41, 7, 0x20, 0, 0x0E, 1, 0, 1, END, 0x41, 0, END)));
        valid(func(t(), t(), b(0x0F, END)));
        invalid("type mismatch", func(t(), t(I32), b(0x42, 0, 0x0F, END)));
    }

    @Test
    void multiValueBlockTypes() {
        byte[] types = section(1, vec(functype(t(), t(I32)), functype(t(I32, I32), t(I32, I64))));
        byte[] code = b(0x41, 1, 0x41, 2, 0x02, 0x01, 0x6A, 0x42, 5, END, 0x1A, END);
        byte[] m = module(types, section(3, vec(u32(0))), section(10, vec(body(noLocals(), code))));
        valid(m);
        byte[] bad = module(types, section(3, vec(u32(0))), section(10, vec(body(noLocals(),
                b(0x41, 1, 0x02, 0x01, 0x6A, 0x42, 5, END, 0x1A, END)))));
        invalid("type mismatch", bad);
        byte[] unknownType = module(types, section(3, vec(u32(0))),
                section(10, vec(body(noLocals(), b(0x02, 0x09, END, 0x41, 0, END)))));
        invalid("unknown type 9", unknownType);
    }

    @Test
    void selectAndReferences() {
        valid(func(t(), t(I32), b(0x41, 1, 0x41, 2, 0x41, 0, 0x1B, END)));
        invalid("type mismatch", func(t(), t(I32), b(0x41, 1, 0x42, 2, 0x41, 0, 0x1B, END)));
        invalid("type mismatch", func(t(), t(), b(0xD0, FUNCREF, 0xD0, FUNCREF, 0x41, 0, 0x1B, 0x1A, END)));
        valid(func(t(), t(), b(0xD0, FUNCREF, 0xD0, FUNCREF, 0x41, 0, 0x1C, 1, FUNCREF, 0x1A, END)));
        invalid("invalid result arity", func(t(), t(), b(0x41, 0, 0x41, 0, 0x41, 0, 0x1C, 0, END)));
        valid(func(t(), t(I32), b(0xD0, EXTERNREF, 0xD1, END)));
        invalid("type mismatch", func(t(), t(I32), b(0x41, 0, 0xD1, END)));
        // ref.func needs a declaration (export, element segment or global initializer).
        invalid("undeclared function reference", func(t(), t(), b(0xD2, 0, 0x1A, END)));
        byte[] declared = module(section(1, vec(functype(t(), t()))), section(3, vec(u32(0))),
                section(9, vec(cat(u32(3), b(0x00), vec(u32(0))))),
                section(10, vec(body(noLocals(), b(0xD2, 0, 0x1A, END)))));
        valid(declared);
        invalid("unknown function 5", func(t(), t(), b(0x10, 5, END)));
    }

    @Test
    void memoryRules() {
        valid(withMemory(t(), t(I64), b(0x41, 0, 0x29, 3, 0, END)));
        invalid("alignment must not be larger than natural", withMemory(t(), t(I64), b(0x41, 0, 0x29, 4, 0, END)));
        invalid("alignment must not be larger than natural", withMemory(t(), t(), b(0x41, 0, 0xFD, 7, 1, 0, 0x1A, END)));
        invalid("unknown memory 0", func(t(), t(I32), b(0x3F, 0, END)));
        byte[] two = module(section(5, vec(b(0, 1), b(0, 1))));
        valid(two); // Wasm 3.0 multi-memory
        WasmModule two20 = ModuleDecoder.decode(two, WasmVersion.WASM_2_0);
        assertTrue(assertThrows(InvalidModuleException.class, () -> Validator.validate(two20, two, WasmVersion.WASM_2_0))
                .reason().startsWith("multiple memories"));
        // memarg with a memidx (bit 6 of the alignment field) and memory.size of memory 1
        valid(module(section(1, vec(functype(t(), t(I32)))), section(3, vec(u32(0))), section(5, vec(b(0, 1), b(0, 1))),
                section(10, vec(body(noLocals(), b(0x41, 0, 0x28, 0x42, 1, 0, 0x1A, 0x3F, 1, END))))));
        invalid("unknown memory 2", module(section(1, vec(functype(t(), t(I32)))), section(3, vec(u32(0))),
                section(5, vec(b(0, 1), b(0, 1))), section(10, vec(body(noLocals(), b(0x3F, 2, END))))));
        // memory64: i64 addresses, i64 memory.size
        valid(module(section(1, vec(functype(t(), t(I64)))), section(3, vec(u32(0))), section(5, vec(b(4, 1))),
                section(10, vec(body(noLocals(), b(0x42, 0, 0x29, 3, 0, 0x1A, 0x3F, 0, END))))));
        invalid("type mismatch", module(section(1, vec(functype(t(), t()))), section(3, vec(u32(0))), section(5, vec(b(4, 1))),
                section(10, vec(body(noLocals(), b(0x41, 0, 0x29, 3, 0, 0x1A, END))))));
        invalid("memory size", module(section(5, vec(cat(b(4), u32((1L << 48) + 1))))));
        invalid("offset out of range", withMemory(t(), t(I64), b(0x41, 0, 0x29, 3, 0x80, 0x80, 0x80, 0x80, 0x10, END)));
        invalid("memory size must be at most 65536 pages (4GiB)", module(section(5, vec(cat(b(0), u32(65537))))));
        invalid("size minimum must not be greater than maximum", module(section(5, vec(b(1, 2, 1)))));
        invalid("size minimum must not be greater than maximum", module(section(4, vec(b(FUNCREF, 1, 2, 1)))));
        // Data segments and data.count.
        byte[] dc = module(section(1, vec(functype(t(), t()))), section(3, vec(u32(0))), section(5, vec(b(0, 1))),
                section(12, u32(1)), section(10, vec(body(noLocals(), b(0xFC, 0x09, 1, END)))),
                section(11, vec(cat(u32(1), vec()))));
        invalid("unknown data segment 1", dc);
        invalid("unknown memory 1", module(section(5, vec(b(0, 1))), section(11, vec(cat(u32(2), u32(1), b(0x41, 0, END), vec())))));
    }

    @Test
    void globalsAndConstantExpressions() {
        invalid("immutable global", module(section(1, vec(functype(t(), t()))), section(3, vec(u32(0))),
                section(6, vec(b(I32, 0, 0x41, 0, END))), section(10, vec(body(noLocals(), b(0x41, 0, 0x24, 0, END))))));
        // extended constant expressions (3.0): i32/i64 add, sub, mul; not in 2.0
        byte[] sum = module(section(6, vec(b(I32, 0, 0x41, 0, 0x41, 0, 0x6A, END))));
        valid(sum);
        WasmModule m20 = ModuleDecoder.decode(sum);
        assertTrue(assertThrows(InvalidModuleException.class, () -> Validator.validate(m20, sum, WasmVersion.WASM_2_0))
                .reason().startsWith("constant expression required"));
        invalid("type mismatch", module(section(6, vec(b(I32, 0, 0x41, 0, 0x42, 0, 0x6A, END)))));
        invalid("type mismatch", module(section(6, vec(b(I32, 0, 0x41, 0, 0x6A, END)))));
        invalid("constant expression required", module(section(6, vec(b(I32, 0, 0x41, 0, 0x41, 0, 0x6D, END)))));
        invalid("type mismatch", module(section(6, vec(b(I32, 0, 0x42, 0, END)))));
        invalid("type mismatch", module(section(6, vec(b(I32, 0, END)))));
        // global.get in an initializer: only immutable globals defined before (3.0; 2.0: imported ones)
        invalid("unknown global 0", module(section(6, vec(b(I32, 0, 0x23, 0, END)))));
        invalid("unknown global 1", module(section(6, vec(b(I32, 0, 0x23, 1, END), b(I32, 0, 0x41, 0, END)))));
        byte[] earlier = module(section(6, vec(b(I32, 0, 0x41, 0, END), b(I32, 0, 0x23, 0, END))));
        valid(earlier);
        WasmModule e20 = ModuleDecoder.decode(earlier);
        assertTrue(assertThrows(InvalidModuleException.class, () -> Validator.validate(e20, earlier, WasmVersion.WASM_2_0))
                .reason().startsWith("unknown global 0"));
        byte[] imp = section(2, vec(cat(name("m"), name("g"), b(0x03, I32, 0x00))));
        valid(module(imp, section(6, vec(b(I32, 0, 0x23, 0, END)))));
        byte[] impMut = section(2, vec(cat(name("m"), name("g"), b(0x03, I32, 0x01))));
        invalid("constant expression required", module(impMut, section(6, vec(b(I32, 0, 0x23, 0, END)))));
    }

    @Test
    void exportsStartTablesAndLanes() {
        byte[] types = section(1, vec(functype(t(), t()), functype(t(I32), t())));
        invalid("duplicate export name", module(types, section(3, vec(u32(0))),
                section(7, vec(cat(name("a"), b(0), u32(0)), cat(name("a"), b(0), u32(0)))),
                section(10, vec(body(noLocals(), b(END))))));
        invalid("unknown function 1", module(types, section(3, vec(u32(0))), section(7, vec(cat(name("a"), b(0), u32(1)))),
                section(10, vec(body(noLocals(), b(END))))));
        invalid("start function", module(types, section(3, vec(u32(1))), section(8, u32(0)),
                section(10, vec(body(noLocals(), b(END))))));
        invalid("unknown table 0", func(t(), t(), b(0x41, 0, 0x11, 0, 0, END)));
        invalid("type mismatch", oneFunc(functype(t(), t()), noLocals(), b(0x41, 0, 0x11, 0, 0, END),
                section(4, vec(b(EXTERNREF, 0, 1)))));
        invalid("invalid lane index", func(t(), t(I32), cat(b(0xFD, 12), new byte[16], b(0xFD, 27, 4, END))));
        valid(func(t(), t(I32), cat(b(0xFD, 12), new byte[16], b(0xFD, 27, 3, END))));
        invalid("invalid lane index", func(t(), t(), cat(b(0xFD, 12), new byte[16], b(0xFD, 12), new byte[16],
                b(0xFD, 13), b(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 32), b(0x1A, END))));
        invalid("type mismatch", module(section(4, vec(b(EXTERNREF, 0, 1))),
                section(9, vec(cat(u32(0), b(0x41, 0, END), vec())))));
        invalid("unknown elem segment 0", func(t(), t(), b(0xFC, 13, 0, END)));
    }
}
