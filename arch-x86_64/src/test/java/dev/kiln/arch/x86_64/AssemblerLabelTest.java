package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.Label;
import dev.kiln.compiler.RelocKind;
import dev.kiln.compiler.Relocation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Labels, jumps, calls, RIP-relative references, jump-table entries and relocations of
 * {@link Assembler}: displacements are checked by decoding them from the emitted bytes, and whole
 * random programs are compared with GNU {@code as}: without relaxation with forward branches spelt
 * {@code {disp32}} (the assembler leaves them long), and with {@link Assembler#relaxBranches()} as
 * written (both relax them).
 */
class AssemblerLabelTest {

    private static int rel32At(byte[] code, int at) {
        return (code[at] & 0xFF) | (code[at + 1] & 0xFF) << 8 | (code[at + 2] & 0xFF) << 16 | code[at + 3] << 24;
    }

    @Test
    void referenceObserverHearsEachReferenceAsItIsEmittedAndWhetherItTransfersControlThere() {
        Assembler a = new Assembler();
        a.relaxBranches();
        List<String> heard = new ArrayList<>();
        a.observeReferences((label, transfersHere) -> heard.add(label.name() + (transfersHere ? " here@" + a.position() : " address")));
        Label target = a.newLabel("t");
        Label table = a.newLabel("table");
        a.jmp(target); // 0
        a.jcc(Cond.E, target); // 5
        a.call(target); // 11
        a.lea(Size.S64, Gpr.R10, Mem.rip(table)); // 16
        a.bind(target); // bound: not a reference
        a.bind(table);
        a.emitLabelOffset32(target, table);
        a.jmp(target); // a reference after binding, heard too
        a.finish();
        // a branch is heard before its first byte, at the position it transfers control from
        assertEquals(List.of("t here@0", "t here@5", "t here@11", "table address", "t address", "table address",
                "t here@27"), heard);
    }

    @Test
    void fallsThroughIsFalseOnlyRightAfterAnUnconditionalTransferWithNoLabelBoundSince() {
        Assembler a = new Assembler();
        assertTrue(a.fallsThrough(), "at the start");
        Label l = a.newLabel();
        a.jmp(l);
        assertFalse(a.fallsThrough(), "after jmp label");
        a.bind(l);
        assertTrue(a.fallsThrough(), "a label bound after the jmp is a way in");
        a.ret();
        assertFalse(a.fallsThrough(), "after ret");
        a.nop(1);
        assertTrue(a.fallsThrough(), "after another instruction");
        a.jcc(Cond.NE, l);
        assertTrue(a.fallsThrough(), "after a conditional branch");
        a.jmp(Gpr.RAX);
        assertFalse(a.fallsThrough(), "after jmp reg");
        a.mov(Size.S64, Gpr.RAX, Gpr.RCX);
        a.ud2();
        assertFalse(a.fallsThrough(), "after ud2");
        a.mov(Size.S64, Gpr.RAX, Gpr.RCX);
        a.jmpRel32(7);
        assertFalse(a.fallsThrough(), "after a tail jump to a symbol");
        a.mov(Size.S64, Gpr.RAX, Gpr.RCX);
        a.ret(16);
        assertFalse(a.fallsThrough(), "after ret imm16");
    }

    @Test
    void backwardJumpUsesRel8WhenItFitsElseRel32() {
        Assembler a = new Assembler();
        Label top = a.newLabel();
        a.bind(top);
        a.nop(126);
        a.jmp(top); // at 126, end 128: disp -128 fits
        a.jcc(Cond.NE, top); // at 128, end 130: disp -130 does not fit
        a.jmp(top); // at 134
        byte[] code = a.finish();
        assertEquals((byte) 0xEB, code[126]);
        assertEquals(-128, code[127]);
        assertEquals(0x0F, code[128]);
        assertEquals((byte) 0x85, code[129]);
        assertEquals(-134, rel32At(code, 130));
        assertEquals((byte) 0xE9, code[134]);
        assertEquals(-139, rel32At(code, 135));
        assertEquals(139, code.length);
    }

    @Test
    void forwardJumpsAndCallsAreRel32AndResolvedAtFinish() {
        Assembler a = new Assembler();
        Label fwd = a.newLabel("exit");
        a.jmp(fwd); // 0..5
        a.jcc(Cond.L, fwd); // 5..11
        a.call(fwd); // 11..16
        int posBefore = a.position();
        a.nop(3);
        a.bind(fwd); // 19
        a.ret();
        assertEquals(16, posBefore);
        assertEquals(19, fwd.position());
        byte[] code = a.finish();
        assertEquals((byte) 0xE9, code[0]);
        assertEquals(19 - 5, rel32At(code, 1));
        assertEquals(0x0F, code[5]);
        assertEquals((byte) 0x8C, code[6]);
        assertEquals(19 - 11, rel32At(code, 7));
        assertEquals((byte) 0xE8, code[11]);
        assertEquals(19 - 16, rel32At(code, 12));
        assertEquals((byte) 0xC3, code[19]);
    }

    @Test
    void ripRelativeOperandIsRelativeToTheEndOfTheInstructionIncludingImmediate() {
        Assembler a = new Assembler();
        Label pool = a.newLabel();
        a.movImm(Size.S32, Mem.rip(pool, 4), 0x11223344); // C7 05 disp32 imm32: 10 bytes
        a.lea(Size.S64, Gpr.RAX, Mem.rip(pool)); // 48 8D 05 disp32: 7 bytes, at 10..17
        a.bind(pool); // 17
        a.emitInt64(0x0102030405060708L);
        byte[] code = a.finish();
        assertEquals(17 + 4 - 10, rel32At(code, 2));
        assertEquals(0x11223344, rel32At(code, 6));
        assertEquals(17 - 17, rel32At(code, 13));
        assertEquals(0x08, code[17]);
        assertEquals(0x01, code[24]);
    }

    @Test
    void jumpTableEntriesAreLabelDifferences() {
        Assembler a = new Assembler();
        Label table = a.newLabel();
        Label c0 = a.newLabel();
        Label c1 = a.newLabel();
        a.bind(c0);
        a.nop(5);
        a.bind(table);
        a.emitLabelOffset32(c0, table);
        a.emitLabelOffset32(c1, table);
        a.nop(7);
        a.bind(c1);
        byte[] code = a.finish();
        assertEquals(-5, rel32At(code, 5));
        assertEquals(8 + 7, rel32At(code, 9));
    }

    @Test
    void externalCallsRecordRelocations() {
        Assembler a = new Assembler();
        a.nop(3);
        a.callRel32(42);
        a.jmpRel32(7);
        byte[] code = a.finish();
        assertEquals(List.of(new Relocation(RelocKind.X86_PC32, 4, 42, -4), new Relocation(RelocKind.X86_PC32, 9, 7, -4)), a.relocations());
        assertArrayEquals(new byte[] {(byte) 0xE8, 0, 0, 0, 0, (byte) 0xE9, 0, 0, 0, 0},
                java.util.Arrays.copyOfRange(code, 3, 13));
    }

    @Test
    void unboundLabelIsReportedByName() {
        Assembler a = new Assembler();
        Label l = a.newLabel("loop_header");
        a.jmp(l);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::finish);
        assertTrue(e.getMessage().contains("loop_header"), e.getMessage());
        assertTrue(e.getMessage().contains("offset 1"), e.getMessage());
    }

    @Test
    void labelMisuseIsRejected() {
        Assembler a = new Assembler();
        Label l = a.newLabel();
        a.bind(l);
        assertThrows(IllegalStateException.class, () -> a.bind(l));
        Assembler other = new Assembler();
        assertThrows(IllegalArgumentException.class, () -> other.jmp(l));
        assertThrows(IllegalArgumentException.class, () -> other.lea(Size.S64, Gpr.RAX, Mem.rip(l)));
        assertThrows(IllegalStateException.class, () -> a.newLabel().position());
    }

    @Test
    void invalidOperandsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Mem.of(Gpr.RAX, Gpr.RSP, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Mem.of(Gpr.RAX, Gpr.RCX, 3, 0));
        Assembler a = new Assembler();
        assertThrows(IllegalArgumentException.class, () -> a.aluImm(AluOp.ADD, Size.S8, Gpr.RAX, 256));
        assertThrows(IllegalArgumentException.class, () -> a.aluImm(AluOp.ADD, Size.S16, Gpr.RAX, -0x8001));
        assertThrows(IllegalArgumentException.class, () -> a.movImm(Size.S32, Gpr.RAX, 0x1_0000_0000L));
        assertThrows(IllegalArgumentException.class, () -> a.imul(Size.S8, Gpr.RAX, Gpr.RCX));
        assertThrows(IllegalArgumentException.class, () -> a.movzx(Size.S16, Gpr.RAX, Size.S16, Gpr.RCX));
        assertThrows(IllegalArgumentException.class, () -> a.movzx(Size.S64, Gpr.RAX, Size.S32, Gpr.RCX));
        assertThrows(IllegalArgumentException.class, () -> a.bswap(Size.S16, Gpr.RAX));
        assertThrows(IllegalArgumentException.class, () -> a.shiftImm(ShiftOp.SHL, Size.S32, Gpr.RAX, 256));
        assertThrows(IllegalArgumentException.class, () -> a.align(3));
        assertEquals(0, a.position(), "rejected instructions emit nothing");
    }

    @Test
    void alignPadsWithNops() {
        Assembler a = new Assembler();
        a.ret();
        a.align(16);
        assertEquals(16, a.position());
        a.align(16);
        assertEquals(16, a.position());
        byte[] code = a.finish();
        // 15 bytes of padding = a 9-byte and a 6-byte recommended NOP
        assertArrayEquals(HexFormat.of().parseHex("c3660f1f840000000000660f1f440000"), code);
    }

    @Test
    void condNegateAndSwap() {
        for (Cond c : Cond.values()) {
            assertEquals(c, c.negate().negate());
            assertTrue(c.negate() != c);
            assertEquals(c, c.swap().swap());
            assertEquals(c, Cond.of(c.code()));
        }
        assertEquals(Cond.NE, Cond.E.negate());
        assertEquals(Cond.GE, Cond.L.negate());
        assertEquals(Cond.BE, Cond.A.negate());
        assertEquals(Cond.G, Cond.L.swap());
        assertEquals(Cond.AE, Cond.BE.swap());
    }

    /**
     * Random programs of labels, jumps (backward at every distance class, forward), calls,
     * RIP-relative loads and jump-table entries, compared as a whole with GNU as.
     */
    @Test
    void randomProgramsMatchGnuAs() throws Exception {
        randomProgramsMatchGnuAs(false);
    }

    /**
     * The same random programs with {@link Assembler#relaxBranches()}: GNU as relaxes every jump to a
     * label, forward or backward, starting short and lengthening what does not reach, so the two must
     * agree byte for byte (including chains where one jump's shortening brings another in reach).
     */
    @Test
    void relaxedRandomProgramsMatchGnuAs() throws Exception {
        randomProgramsMatchGnuAs(true);
    }

    private void randomProgramsMatchGnuAs(boolean relax) throws Exception {
        AssemblerGnuAsTest.GnuAs.require();
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed);
            Assembler a = new Assembler();
            if (relax) {
                a.relaxBranches();
            }
            StringBuilder text = new StringBuilder(".intel_syntax noprefix\n.text\n");
            List<Label> labels = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                labels.add(a.newLabel());
            }
            List<Label> bound = new ArrayList<>();
            for (int step = 0; step < 600; step++) {
                Label l = labels.get(rnd.nextInt(labels.size()));
                String name = "L" + l.id();
                boolean fwd = !l.isBound();
                switch (rnd.nextInt(9)) {
                    case 0 -> {
                        if (fwd) {
                            a.bind(l);
                            text.append(name).append(":\n");
                        }
                    }
                    case 1 -> {
                        a.jmp(l);
                        text.append(fwd && !relax ? "{disp32} " : "").append("jmp ").append(name).append('\n');
                    }
                    case 2 -> {
                        Cond c = Cond.values()[rnd.nextInt(16)];
                        a.jcc(c, l);
                        text.append(fwd && !relax ? "{disp32} " : "").append('j').append(c.suffix()).append(' ').append(name).append('\n');
                    }
                    case 3 -> {
                        a.call(l);
                        text.append("call ").append(name).append('\n');
                    }
                    case 4 -> {
                        int d = rnd.nextInt(200) - 100;
                        a.mov(Size.S64, Gpr.R11, Mem.rip(l, d));
                        text.append("mov r11, qword ptr [rip + ").append(name).append(" + ").append(d).append("]\n");
                    }
                    case 5 -> {
                        Label base = labels.get(rnd.nextInt(labels.size()));
                        a.emitLabelOffset32(l, base);
                        text.append(".long ").append(name).append(" - L").append(base.id()).append('\n');
                    }
                    case 6 -> {
                        // GNU as replaces long .nops runs by a jmp over the padding, so use short runs
                        int total = rnd.nextInt(3) == 0 ? rnd.nextInt(300) : rnd.nextInt(20);
                        for (int done = 0; done < total; done += 30) {
                            int n = Math.min(30, total - done);
                            a.nop(n);
                            text.append(".nops ").append(n).append(", 9\n");
                        }
                    }
                    case 7 -> {
                        a.aluImm(AluOp.CMP, Size.S32, Mem.rip(l), 1000);
                        text.append("cmp dword ptr [rip + ").append(name).append("], 1000\n");
                    }
                    default -> {
                        long v = rnd.nextLong();
                        a.emitInt64(v);
                        text.append(".quad ").append(v).append('\n');
                    }
                }
                if (!bound.contains(l) && l.isBound()) {
                    bound.add(l);
                }
            }
            for (Label l : labels) {
                if (!l.isBound()) {
                    a.bind(l);
                    text.append('L').append(l.id()).append(":\n");
                }
            }
            byte[] ours = a.finish();
            byte[] theirs = assemble(text.toString());
            if (!java.util.Arrays.equals(theirs, ours) && System.getenv("KILN_ASM_DUMP") != null) {
                Files.writeString(Path.of(System.getenv("KILN_ASM_DUMP"), "program" + seed + (relax ? "-relaxed" : "") + ".s"), text);
            }
            if (!java.util.Arrays.equals(theirs, ours)) {
                int k = 0;
                while (k < Math.min(ours.length, theirs.length) && ours[k] == theirs[k]) {
                    k++;
                }
                org.junit.jupiter.api.Assertions.fail((relax ? "relaxed, " : "") + "seed " + seed + ": first difference at offset " + k
                        + " (lengths ours " + ours.length + ", as " + theirs.length + ")\n  as:   "
                        + HexFormat.ofDelimiter(" ").formatHex(theirs, Math.max(0, k - 8), Math.min(theirs.length, k + 8))
                        + "\n  ours: " + HexFormat.ofDelimiter(" ").formatHex(ours, Math.max(0, k - 8), Math.min(ours.length, k + 8)));
            }
        }
    }

    private static byte[] assemble(String source) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("kiln-gnu-as");
        try {
            Path s = dir.resolve("p.s");
            Files.writeString(s, source);
            for (String[] cmd : new String[][] {
                {"as", "--64", "-o", "p.o", "p.s"},
                {"objcopy", "-O", "binary", "-j", ".text", "p.o", "p.bin"}}) {
                Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), out);
                assertTrue(out.isBlank(), out);
            }
            return Files.readAllBytes(dir.resolve("p.bin"));
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
