package dev.kiln.compiler.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ValType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class OpcodeTest {

    @Test
    void decodeAndMnemonicRoundTrip() {
        for (Opcode op : Opcode.values()) {
            assertSame(op, Opcode.decode(op.prefix(), op.code()), op.name());
            if (op != Opcode.SELECT_T) {
                assertSame(op, Opcode.byMnemonic(op.mnemonic()));
                assertEquals(op.mnemonic().toUpperCase().replace('.', '_'), op.name());
            }
        }
        assertSame(Opcode.SELECT, Opcode.byMnemonic("select"));
        assertEquals("select", Opcode.SELECT_T.mnemonic());
    }

    @Test
    void knownEncodings() {
        assertSame(Opcode.I32_ADD, Opcode.decode(0, 0x6A));
        assertSame(Opcode.MEMORY_GROW, Opcode.decode(0, 0x40));
        assertSame(Opcode.I32_TRUNC_SAT_F32_S, Opcode.decode(0xFC, 0));
        assertSame(Opcode.TABLE_FILL, Opcode.decode(0xFC, 17));
        assertSame(Opcode.V128_LOAD8X8_S, Opcode.decode(0xFD, 1));
        assertSame(Opcode.I8X16_SHUFFLE, Opcode.decode(0xFD, 13));
        assertSame(Opcode.F64X2_CONVERT_LOW_I32X4_U, Opcode.decode(0xFD, 255));
        assertSame(Opcode.TRY, Opcode.decode(0, 0x06));
        assertSame(Opcode.TRY_TABLE, Opcode.decode(0, 0x1F));
        assertNull(Opcode.decode(0, 0x27));
        assertNull(Opcode.decode(0, 0xFC));
        assertNull(Opcode.decode(0xFC, 18));
        assertNull(Opcode.decode(0xFD, 154));
        assertSame(Opcode.I8X16_RELAXED_SWIZZLE, Opcode.decode(0xFD, 0x100));
        assertSame(Opcode.I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S, Opcode.decode(0xFD, 0x113));
        assertNull(Opcode.decode(0xFD, 0x114));
        assertNull(Opcode.decode(0xFD, -1));
        assertNull(Opcode.decode(0xFE, 0));
        assertNull(Opcode.byMnemonic("i32.bogus"));
    }

    @Test
    void counts() {
        long single = Stream.of(Opcode.values()).filter(o -> o.prefix() == 0).count();
        long fc = Stream.of(Opcode.values()).filter(o -> o.prefix() == 0xFC).count();
        long fd = Stream.of(Opcode.values()).filter(o -> o.prefix() == 0xFD).count();
        // 2.0: 18 bulk-memory/table/saturating ops, 236 SIMD ops (codes 0..255 less 20 reserved);
        // 3.0: 20 relaxed SIMD ops (0x100..0x113)
        assertEquals(18, fc);
        assertEquals(236 + 20, fd);
        // 183 of 2.0; 3.0: return_call, return_call_indirect, call_ref, return_call_ref, ref.as_non_null,
        // br_on_null, br_on_non_null; exception handling: throw, throw_ref, try_table and the legacy try,
        // catch, rethrow, delegate, catch_all
        assertEquals(198, single);
    }

    @Test
    void typesAndMemoryFacts() {
        assertEquals(List.of(ValType.I32, ValType.I32), Opcode.I32_ADD.operandTypes());
        assertEquals(List.of(ValType.I32), Opcode.I32_ADD.resultTypes());
        assertEquals(List.of(ValType.I32, ValType.I64), Opcode.I64_STORE32.operandTypes());
        assertEquals(List.of(), Opcode.I64_STORE32.resultTypes());
        assertEquals(4, Opcode.I64_STORE32.memoryAccessBytes());
        assertEquals(3, Opcode.V128_LOAD8X8_S.naturalAlignment());
        assertEquals(4, Opcode.V128_LOAD.naturalAlignment());
        assertEquals(0, Opcode.V128_LOAD8_LANE.naturalAlignment());
        assertEquals(16, Opcode.V128_LOAD8_LANE.laneCount());
        assertEquals(2, Opcode.F64X2_EXTRACT_LANE.laneCount());
        assertEquals(-1, Opcode.I32_ADD.naturalAlignment());
        assertNull(Opcode.CALL.operandTypes());
        for (Opcode op : Opcode.values()) {
            boolean mem = op.immediate() == Opcode.Immediate.MEMARG
                    || op.immediate() == Opcode.Immediate.MEMARG_LANE;
            assertEquals(mem, op.memoryAccessBytes() > 0, op.name());
        }
    }

    /**
     * Independent check of the spelling: every dotted mnemonic appears as an instruction token in the
     * spec testsuite's .wast files. (The reverse does not hold: assert_malformed uses many bogus
     * spellings such as {@code i32x4.min}.)
     */
    @Test
    void mnemonicsMatchTheSpecTestsuite() throws IOException {
        Path suite = TestSuiteFiles.suite20();
        Assumptions.assumeTrue(suite != null, "spec testsuite not found");
        Path suite30 = suite.resolveSibling("3.0");
        Pattern token = Pattern.compile(
                "\\((?:\\s*)((?:i32|i64|f32|f64|v128|i8x16|i16x8|i32x4|i64x2|f32x4|f64x2|memory|table|local"
                        + "|global|ref|elem|data)\\.[a-z0-9_]+)[\\s)]");
        Set<String> seen = new HashSet<>();
        try (Stream<Path> files = Stream.concat(Files.list(suite),
                Files.isDirectory(suite30) ? Files.list(suite30) : Stream.empty())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".wast")).toList()) {
                Matcher m = token.matcher(Files.readString(f));
                while (m.find()) {
                    seen.add(m.group(1));
                }
            }
        }
        Set<String> missing = new TreeSet<>();
        for (Opcode op : Opcode.values()) {
            if (op.mnemonic().contains(".") && !seen.contains(op.mnemonic())) {
                missing.add(op.mnemonic());
            }
        }
        assertTrue(missing.isEmpty(), "mnemonics not in the testsuite: " + missing);
    }
}
