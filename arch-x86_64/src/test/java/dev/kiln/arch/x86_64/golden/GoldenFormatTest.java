package dev.kiln.arch.x86_64.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.elf.FunctionSymbol;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The golden file format ({@link GoldenDisassemblyTest.GoldenFile}) and the listing normalisation
 * ({@link Objdump#normalise}) on hand-written inputs, without running the compiler or objdump.
 */
class GoldenFormatTest {
    @Test
    void splitsSourceAndExpectationAtTheMarker() {
        String text = "(module)\n\n" + GoldenDisassemblyTest.MARKER + "\n;; wasm[0]:\n;;   ret\n;;\n;; x\n;;\n";
        GoldenDisassemblyTest.GoldenFile f = GoldenDisassemblyTest.GoldenFile.parse(text);
        assertEquals("(module)\n\n", f.source());
        assertEquals(List.of("wasm[0]:", "  ret", "", "x"), f.expected());
        assertEquals(text.substring(0, text.length() - 3), f.render(f.expected()));
    }

    @Test
    void fileWithoutMarkerHasNoExpectation() {
        GoldenDisassemblyTest.GoldenFile f = GoldenDisassemblyTest.GoldenFile.parse("(module)\n");
        assertNull(f.expected());
        assertEquals("(module)\n\n" + GoldenDisassemblyTest.MARKER + "\n;; a\n", f.render(List.of("a")));
    }

    @Test
    void rejectsExpectationLineWithoutCommentPrefix() {
        String text = "(module)\n" + GoldenDisassemblyTest.MARKER + "\n;; ok\n  ret\n";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GoldenDisassemblyTest.GoldenFile.parse(text));
        assertEquals("line 4: expectation lines must start with \";; \":   ret", e.getMessage());
    }

    @Test
    void branchTargetsBecomeLabelsAndCallsSymbolNames() {
        // f at .text+0x10 (size 0x10), g at .text+0x40; addresses as objdump prints them, made relative
        FunctionSymbol f = new FunctionSymbol("wasm[0]::f", 0x10, 0x10);
        FunctionSymbol g = new FunctionSymbol("wasm[1]::g", 0x40, 0x8);
        List<Objdump.Insn> insns = List.of(
                new Objdump.Insn(0x10, "test", "edi,edi", ""),
                new Objdump.Insn(0x12, "je", "1a <wasm[0]::f+0xa>", ""),
                new Objdump.Insn(0x14, "call", "40 <wasm[1]::g>", ""),
                new Objdump.Insn(0x19, "ret", "", ""),
                new Objdump.Insn(0x1a, "jmp", "10 <wasm[0]::f>", ""),
                new Objdump.Insn(0x1c, "call", "10 <wasm[0]::f>", ""));
        assertEquals(List.of(
                ".L0:",
                "  test   edi,edi",
                "  je     .L1",
                "  call   wasm[1]::g",
                "  ret",
                ".L1:",
                "  jmp    .L0",
                "  call   wasm[0]::f"), Objdump.normalise(f, insns, List.of(f, g), new byte[0x50]));
    }

    @Test
    void dataAfterTheCodeIsPrintedAsJumpTableAndConstants() {
        // code: lea r10,[rip+0x9] at 0 (7 bytes) -> table at 0x10; movsd at 7 (8 bytes) reads 0x18
        FunctionSymbol f = new FunctionSymbol("wasm[0]", 0, 0x20);
        byte[] text = new byte[0x20];
        text[0x10] = (byte) 0xf1; // -15: .text+1 is no instruction boundary; stays raw
        text[0x11] = (byte) 0xff;
        text[0x12] = (byte) 0xff;
        text[0x13] = (byte) 0xff;
        text[0x14] = (byte) 0xf7; // -9: 0x10 - 9 = 0x07, the movsd
        text[0x15] = (byte) 0xff;
        text[0x16] = (byte) 0xff;
        text[0x17] = (byte) 0xff;
        text[0x1f] = 0x3f;
        text[0x1e] = (byte) 0xf0;
        List<Objdump.Insn> insns = List.of(
                new Objdump.Insn(0x00, "lea", "r10,[rip+0x9]", "10 <wasm[0]+0x10>"),
                new Objdump.Insn(0x07, "movsd", "xmm0,QWORD PTR [rip+0x9]", "18 <wasm[0]+0x18>"),
                new Objdump.Insn(0x0f, "ret", "", ""),
                new Objdump.Insn(0x10, "(bad)", "", ""));
        assertEquals(List.of(
                "  lea    r10,[rip+.L1]",
                ".L0:",
                "  movsd  xmm0,QWORD PTR [rip+.L2]",
                "  ret",
                ".L1:",
                "  .long  0xfffffff1",
                "  .long  .L0-.L1",
                ".L2:",
                "  .quad  0x3ff0000000000000"), Objdump.normalise(f, insns, List.of(f), text));
    }
}
