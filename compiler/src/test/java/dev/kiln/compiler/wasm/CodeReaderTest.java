package dev.kiln.compiler.wasm;

import static dev.kiln.compiler.wasm.Bin.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.ValType;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One instruction per immediate kind, decoded from hand-encoded bytes (spec §5.4). */
class CodeReaderTest {
    private final Set<Opcode.Immediate> seen = EnumSet.noneOf(Opcode.Immediate.class);

    private CodeReader reader(byte[] code) {
        byte[] padded = cat(b(0xAA, 0xBB), code); // offsets must be module offsets, not 0-based
        return new CodeReader(padded, 2, padded.length);
    }

    private Opcode one(CodeReader r, Opcode expected) {
        Opcode op = r.next();
        assertSame(expected, op);
        seen.add(op.immediate());
        return op;
    }

    @Test
    void everyImmediateKind() {
        byte[] code = cat(
                b(0x01),                                 // nop
                b(0x02, 0x40), b(0x03, 0x7F), b(0x04), sleb(5), b(0x02, 0x6F), // blocktypes
                b(0x0C, 0x03), b(0x0E), vec(u32(1), u32(2)), u32(7),           // br, br_table
                b(0x10), u32(300), b(0x11), u32(4), u32(1),                    // call, call_indirect
                b(0x20), u32(0xFFFF_FFFFL), b(0x23, 0x02), b(0x25, 0x01),      // local, global, table
                b(0x29, 0x03), u32(0xFFFF_FFFFL),                              // i64.load align=8 offset=max
                b(0x40, 0x00),                                                 // memory.grow
                b(0x41), sleb(-123456), b(0x42), sleb(Long.MIN_VALUE),
                b(0x43, 0x00, 0x00, 0xC0, 0x7F), b(0x44, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F),
                b(0x1C), vec(b(F64)), b(0xD0, FUNCREF),
                b(0xFC, 0x0D), u32(9), b(0xFC, 0x09), u32(8),                  // elem.drop, data.drop
                b(0xFC, 0x08), u32(6), b(0x00), b(0xFC, 0x0A, 0x00, 0x00), b(0xFC, 0x0B, 0x00),
                b(0xFC, 0x0C), u32(2), u32(3), b(0xFC, 0x0E), u32(4), u32(5),  // table.init, table.copy
                b(0xFD, 0x0C), b(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                b(0xFD, 0x0D), b(31, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14),
                b(0xFD, 0x15, 0x0F),                                           // i8x16.extract_lane_s 15
                b(0xFD, 0x54, 0x00, 0x10, 0x07),                               // v128.load8_lane
                b(0xFD, 0xFF, 0x01),                                           // f64x2.convert_low_i32x4_u
                b(0xD2, 0x00), b(0x14), u32(7),
                b(0x08), u32(3),                                               // throw 3
                b(0x1F, 0x40), vec(b(0x00, 0x01, 0x02), b(0x03, 0x00)),        // try_table (catch 1 2) (catch_all_ref 0)
                b(END));
        CodeReader r = reader(code);
        one(r, Opcode.NOP);
        assertEquals(2, r.offset());
        one(r, Opcode.BLOCK);
        assertEquals(-64, r.blockType());
        assertNull(CodeReader.blockValType(r.blockType()));
        one(r, Opcode.LOOP);
        assertEquals(-1, r.blockType());
        assertSame(ValType.I32, CodeReader.blockValType(r.blockType()));
        one(r, Opcode.IF);
        assertEquals(5, r.blockType());
        one(r, Opcode.BLOCK);
        assertSame(ValType.EXTERNREF, CodeReader.blockValType(r.blockType()));
        one(r, Opcode.BR);
        assertEquals(3, r.index());
        one(r, Opcode.BR_TABLE);
        assertEquals(2, r.targetCount());
        assertEquals(1, r.target(0));
        assertEquals(2, r.target(1));
        assertEquals(7, r.defaultTarget());
        one(r, Opcode.CALL);
        assertEquals(300, r.index());
        one(r, Opcode.CALL_INDIRECT);
        assertEquals(4, r.index());
        assertEquals(1, r.index2());
        one(r, Opcode.LOCAL_GET);
        assertEquals(-1, r.index()); // u32 0xFFFFFFFF reads as -1
        one(r, Opcode.GLOBAL_GET);
        assertEquals(2, r.index());
        one(r, Opcode.TABLE_GET);
        assertEquals(1, r.index());
        one(r, Opcode.I64_LOAD);
        assertEquals(3, r.memAlign());
        assertEquals(0xFFFF_FFFFL, r.memOffset());
        one(r, Opcode.MEMORY_GROW);
        one(r, Opcode.I32_CONST);
        assertEquals(-123456L, r.i64());
        one(r, Opcode.I64_CONST);
        assertEquals(Long.MIN_VALUE, r.i64());
        one(r, Opcode.F32_CONST);
        assertEquals(Float.NaN, r.f32());
        assertEquals(0x7FC00000L, r.i64());
        one(r, Opcode.F64_CONST);
        assertEquals(1.0, r.f64());
        one(r, Opcode.SELECT_T);
        assertEquals(1, r.selectTypeCount());
        assertSame(ValType.F64, r.selectType(0));
        one(r, Opcode.REF_NULL);
        assertSame(ValType.FUNCREF, r.refType());
        one(r, Opcode.ELEM_DROP);
        assertEquals(9, r.index());
        one(r, Opcode.DATA_DROP);
        assertEquals(8, r.index());
        one(r, Opcode.MEMORY_INIT);
        assertEquals(6, r.index());
        one(r, Opcode.MEMORY_COPY);
        one(r, Opcode.MEMORY_FILL);
        one(r, Opcode.TABLE_INIT);
        assertEquals(2, r.index());
        assertEquals(3, r.index2());
        one(r, Opcode.TABLE_COPY);
        assertEquals(4, r.index());
        assertEquals(5, r.index2());
        one(r, Opcode.V128_CONST);
        assertArrayEquals(b(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), r.v128());
        one(r, Opcode.I8X16_SHUFFLE);
        assertEquals(31, r.v128()[0]);
        one(r, Opcode.I8X16_EXTRACT_LANE_S);
        assertEquals(15, r.lane());
        one(r, Opcode.V128_LOAD8_LANE);
        assertEquals(0, r.memAlign());
        assertEquals(16, r.memOffset());
        assertEquals(7, r.lane());
        one(r, Opcode.F64X2_CONVERT_LOW_I32X4_U);
        one(r, Opcode.REF_FUNC);
        one(r, Opcode.CALL_REF);
        assertEquals(7, r.index());
        one(r, Opcode.THROW);
        assertEquals(3, r.index());
        one(r, Opcode.TRY_TABLE);
        assertEquals(-64, r.blockType());
        assertEquals(2, r.catchCount());
        assertEquals(0, r.catchKind(0));
        assertEquals(1, r.catchTag(0));
        assertEquals(2, r.catchLabel(0));
        assertEquals(3, r.catchKind(1));
        assertEquals(-1, r.catchTag(1));
        assertEquals(0, r.catchLabel(1));
        one(r, Opcode.END);
        assertEquals(r.end(), r.position());
        assertFalse(r.hasNext());
        assertEquals(EnumSet.complementOf(EnumSet.of(Opcode.Immediate.LABEL, Opcode.Immediate.TABLEIDX,
                Opcode.Immediate.LOCALIDX, Opcode.Immediate.GLOBALIDX, Opcode.Immediate.FUNCIDX,
                Opcode.Immediate.ELEMIDX, Opcode.Immediate.DATAIDX, Opcode.Immediate.TAGIDX)).size() + 8, seen.size(),
                "every immediate kind is exercised: " + seen);
    }

    @Test
    void malformedImmediates() {
        assertReason("illegal opcode 27", 2, b(0x27));
        assertReason("malformed catch clause", 5, b(0x1F, 0x40, 0x01, 0x04, 0x00));
        assertReason("illegal opcode fd", 2, b(0xFD, 0x80, 0x80, 0x80, 0x80, 0x01));
        // Wasm 2.0: reserved zero bytes and alignment exponents below 32; 3.0: memidx and bit 6
        assertReason20("zero byte expected", 3, b(0x3F, 0x80, 0x00));
        assertReason20("zero byte expected", 5, b(0xFC, 0x0A, 0x00, 0x01));
        assertReason20("malformed memop flags", 3, b(0x28, 0x40, 0x00));
        assertReason("malformed memop flags", 3, b(0x28, 0x80, 0x01, 0x00));
        CodeReader multi = reader(b(0x28, 0x42, 0x03, 0x10, 0x3F, 0x02, 0xFC, 0x0A, 0x01, 0x02));
        assertEquals(Opcode.I32_LOAD, multi.next());
        assertEquals(2, multi.memAlign());
        assertEquals(3, multi.memIndex());
        assertEquals(16, multi.memOffset());
        assertEquals(Opcode.MEMORY_SIZE, multi.next());
        assertEquals(2, multi.index());
        assertEquals(Opcode.MEMORY_COPY, multi.next());
        assertEquals(1, multi.index());
        assertEquals(2, multi.index2());
        // 3.0: ref.null takes a heap type (an s33 typeidx or an abstract heap type byte)
        assertReason("malformed heap type", 3, b(0xD0, 0x7F));
        assertReason("malformed value type", 4, b(0x1C, 0x01, 0x40));
        assertReason("malformed value type", 3, b(0x02, 0x7A)); // negative s33 that is no valtype
        assertReason("integer representation too long", 3, b(0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00));
        assertReason("length out of bounds", 3, b(0x0E, 0x05, 0x00));
        assertReason("unexpected end of section or function", 5, b(0xFD, 0x0C, 0x01)); // reported at the end
        assertReason("unexpected end of section or function", 2, b());
        assertThrows(IllegalArgumentException.class, () -> new CodeReader(new byte[4], 3, 5));
    }

    private void assertReason20(String reason, long offset, byte[] code) {
        CodeReader r = reader(code);
        r.setVersion(WasmVersion.WASM_2_0);
        MalformedModuleException e = assertThrows(MalformedModuleException.class, r::next);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
    }

    private void assertReason(String reason, long offset, byte[] code) {
        CodeReader r = reader(code);
        MalformedModuleException e = assertThrows(MalformedModuleException.class, r::next);
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(offset, e.offset(), e.getMessage());
    }
}
