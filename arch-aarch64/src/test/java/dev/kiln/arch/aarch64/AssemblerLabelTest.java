package dev.kiln.arch.aarch64;

import dev.kiln.compiler.mach.Label;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.RelocKind;
import dev.kiln.compiler.Relocation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Labels, branches, literal loads, PC-relative addresses, jump-table entries and relocations of
 * {@link Assembler}: displacements are decoded from the emitted words and checked against the label
 * positions, reach limits must fail with a message naming the label, and whole random programs
 * (branches of every kind to labels before and after them, across 4 KiB pages) are compared with GNU
 * {@code as} + {@code ld} (tests that need the binutils skip, or fail under {@code CI=true}, without them).
 */
class AssemblerLabelTest {

    private static int word(byte[] code, int at) {
        return (code[at] & 0xFF) | (code[at + 1] & 0xFF) << 8 | (code[at + 2] & 0xFF) << 16 | code[at + 3] << 24;
    }

    /** Sign-extends the {@code bits}-bit field at bit {@code lsb} of {@code w}. */
    private static int field(int w, int lsb, int bits) {
        return w << (32 - lsb - bits) >> (32 - bits);
    }

    @Test
    void backwardAndForwardBranchesOfEveryKind() {
        Assembler a = new Assembler();
        Label back = a.newLabel("back");
        Label fwd = a.newLabel("fwd");
        a.nop(); // 0
        a.bind(back); // 4
        a.b(back); // 4
        a.bl(back); // 8
        a.b(Cond.NE, back); // 12
        a.cbz(Size.X, XReg.X3, back); // 16
        a.cbnz(Size.W, XReg.X4, back); // 20
        a.tbz(XReg.X5, 33, back); // 24
        a.tbnz(XReg.X6, 2, back); // 28
        a.adr(XReg.X7, back); // 32
        a.ldr(Size.X, XReg.X8, back); // 36
        a.b(fwd); // 40
        a.bl(fwd); // 44
        a.b(Cond.GT, fwd); // 48
        a.cbz(Size.W, XReg.X3, fwd); // 52
        a.cbnz(Size.X, XReg.X4, fwd); // 56
        a.tbz(XReg.X5, 0, fwd); // 60
        a.tbnz(XReg.X6, 63, fwd); // 64
        a.adr(XReg.X7, fwd); // 68
        a.ldr(FpSize.D, VReg.V9, fwd); // 72
        a.nop(); // 76
        a.bind(fwd); // 80
        a.emit64(0x4045_0000_0000_0000L);
        byte[] code = a.finish();
        assertEquals(88, code.length);
        assertEquals(4, back.position());
        assertEquals(80, fwd.position());
        int[] imm26 = {4, 8, 40, 44};
        int[] imm19 = {12, 16, 20, 36, 48, 52, 56, 72};
        int[] imm14 = {24, 28, 60, 64};
        for (int at : imm26) {
            int target = at < 40 ? 4 : 80;
            assertEquals(target - at, field(word(code, at), 0, 26) * 4, "imm26 at " + at);
        }
        for (int at : imm19) {
            int target = at < 40 ? 4 : 80;
            assertEquals(target - at, field(word(code, at), 5, 19) * 4, "imm19 at " + at);
        }
        for (int at : imm14) {
            int target = at < 40 ? 4 : 80;
            assertEquals(target - at, field(word(code, at), 5, 14) * 4, "imm14 at " + at);
        }
        for (int at : new int[] {32, 68}) {
            int w = word(code, at);
            int disp = field(w, 5, 19) * 4 | (w >>> 29 & 3);
            assertEquals((at < 40 ? 4 : 80) - at, disp, "adr at " + at);
        }
        // the opcodes and the other fields are untouched by the fixups
        assertEquals(0x14000000, word(code, 40) & 0xFC000000);
        assertEquals(0x94000000, word(code, 44) & 0xFC000000);
        assertEquals(0x5400000C, word(code, 48) & 0xFF00001F);
        assertEquals(0xB7F80006, word(code, 64) & 0xFFF8001F);
        assertEquals(0x5C000009, word(code, 72) & 0xFF00001F);
    }

    @Test
    void labelOutOfReachFailsNamingTheLabel() {
        // tbz: +-32 KiB. Forward out of reach is found by finish(), backward at once.
        Assembler a = new Assembler();
        Label far = a.newLabel("far");
        a.tbz(XReg.X0, 1, far);
        for (int i = 0; i < 8192; i++) {
            a.nop();
        }
        a.bind(far);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::finish);
        assertTrue(e.getMessage().contains("far") && e.getMessage().contains("32 KiB") && e.getMessage().contains("tbz"),
                e.getMessage());

        Assembler b = new Assembler();
        Label top = b.newLabel("top");
        b.bind(top);
        for (int i = 0; i < 8191; i++) {
            b.nop();
        }
        b.tbnz(XReg.X0, 1, top); // exactly -32 KiB + 4: reachable
        b.nop();
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> b.tbnz(XReg.X0, 1, top));
        assertTrue(e2.getMessage().contains("top") && e2.getMessage().contains("32 KiB"), e2.getMessage());
        assertEquals(-8191, field(word(b.finish(), 8191 * 4), 5, 14));

        // b.cond, cbz, ldr (literal), adr: +-1 MiB; b reaches beyond.
        Assembler c = new Assembler();
        Label end = c.newLabel("end");
        c.b(end);
        c.b(Cond.EQ, end);
        for (int i = 0; i < (1 << 18); i++) {
            c.nop();
        }
        c.bind(end);
        IllegalStateException e3 = assertThrows(IllegalStateException.class, c::finish);
        assertTrue(e3.getMessage().contains("b.eq") && e3.getMessage().contains("1 MiB") && e3.getMessage().contains("end"),
                e3.getMessage());

        Assembler d = new Assembler();
        Label start = d.newLabel("start");
        d.bind(start);
        for (int i = 0; i < (1 << 18); i++) {
            d.nop();
        }
        d.b(Cond.EQ, start); // exactly -1 MiB: the far end of the reach
        assertThrows(IllegalArgumentException.class, () -> d.cbz(Size.X, XReg.X1, start));
        assertThrows(IllegalArgumentException.class, () -> d.ldr(Size.X, XReg.X1, start));
        assertThrows(IllegalArgumentException.class, () -> d.adr(XReg.X1, start));
        assertThrows(IllegalArgumentException.class, () -> d.b(Cond.EQ, start));
        d.b(start);
        byte[] code = d.finish();
        assertEquals((1 << 20) + 8, code.length);
        assertEquals(-(1 << 18), field(word(code, 1 << 20), 5, 19));
        assertEquals(-(1 << 18) - 1, field(word(code, (1 << 20) + 4), 0, 26));
    }

    @Test
    void unboundAndMisusedLabelsFailClearly() {
        Assembler a = new Assembler();
        Label never = a.newLabel("never");
        a.nop();
        a.cbz(Size.X, XReg.X0, never);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::finish);
        assertTrue(e.getMessage().contains("never") && e.getMessage().contains("cbz") && e.getMessage().contains("offset 4"),
                e.getMessage());

        Assembler b = new Assembler();
        Label l = b.newLabel();
        b.bind(l);
        assertThrows(IllegalStateException.class, () -> b.bind(l));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().b(l));
        assertThrows(IllegalStateException.class, () -> new Assembler().newLabel().position());

        Assembler c = new Assembler();
        c.emitBytes(new byte[] {1, 2});
        Label odd = c.newLabel("odd");
        c.bind(odd);
        c.align(4);
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> c.b(odd));
        assertTrue(e2.getMessage().contains("not 4-byte aligned"), e2.getMessage());
        assertEquals(4, c.position(), "a refused instruction emits nothing");
        c.adr(XReg.X0, odd); // adr takes any byte offset
        int adr = word(c.finish(), 4);
        assertEquals(-2, field(adr, 5, 19) * 4 | (adr >>> 29 & 3));
        Assembler d = new Assembler();
        d.emitBytes(new byte[] {1});
        assertThrows(IllegalStateException.class, d::nop);
    }

    @Test
    void alignPadsWithNopsAfterZeroBytes() {
        Assembler a = new Assembler();
        a.brk(1);
        a.align(16);
        assertEquals(16, a.position());
        a.emitBytes(new byte[] {7});
        a.align(8);
        assertEquals(24, a.position());
        a.align(8);
        assertEquals(24, a.position());
        byte[] code = a.finish();
        assertEquals(Assembler.NOP, word(code, 4));
        assertEquals(Assembler.NOP, word(code, 12));
        assertArrayEquals(new byte[] {7, 0, 0, 0}, Arrays.copyOfRange(code, 16, 20));
        assertEquals(Assembler.NOP, word(code, 20));
        assertThrows(IllegalArgumentException.class, () -> a.align(12));
        assertThrows(IllegalArgumentException.class, () -> a.align(0));
    }

    @Test
    void patchWordAndWordAt() {
        Assembler a = new Assembler();
        a.sub(Size.X, XReg.SP, XReg.SP, 0); // placeholder for the frame size
        a.ret();
        int w = a.wordAt(0);
        a.patchWord(0, w | 48 << 10);
        Assembler b = new Assembler();
        b.sub(Size.X, XReg.SP, XReg.SP, 48);
        b.ret();
        assertArrayEquals(b.finish(), a.finish());
        assertThrows(IllegalArgumentException.class, () -> a.patchWord(6, 0));
        assertThrows(IllegalArgumentException.class, () -> a.wordAt(-4));
    }

    @Test
    void jumpTableEntriesAreLabelDifferences() {
        Assembler a = new Assembler();
        Label table = a.newLabel();
        Label c0 = a.newLabel();
        Label c1 = a.newLabel();
        a.bind(c0);
        a.nop();
        a.nop();
        a.bind(table);
        a.emitLabelOffset32(c0, table);
        a.emitLabelOffset32(c1, table);
        a.nop();
        a.bind(c1);
        byte[] code = a.finish();
        assertEquals(-8, word(code, 8));
        assertEquals(12, word(code, 12));
    }

    @Test
    void externalSymbolsRecordRelocations() {
        Assembler a = new Assembler();
        a.nop();
        a.blSymbol(42);
        a.bSymbol(Relocation.UNWIND_STUB);
        a.adrpSymbol(XReg.X16, 7, 16);
        a.addLo12Symbol(XReg.X16, XReg.X16, 7, 16);
        a.adrSymbol(XReg.X3, 9, 0);
        byte[] code = a.finish();
        assertEquals(List.of(
                new Relocation(RelocKind.AARCH64_CALL26, 4, 42, 0),
                new Relocation(RelocKind.AARCH64_CALL26, 8, Relocation.UNWIND_STUB, 0),
                new Relocation(RelocKind.AARCH64_ADR_PREL_PG_HI21, 12, 7, 16),
                new Relocation(RelocKind.AARCH64_ADD_ABS_LO12_NC, 16, 7, 16),
                new Relocation(RelocKind.AARCH64_ADR_PREL_LO21, 20, 9, 0)), a.relocations());
        assertThrows(UnsupportedOperationException.class, () -> a.relocations().clear());

        GnuAs.require();
        GnuAs.ObjectCode obj = GnuAs.assembleObject("relocations", String.join("\n", ".text", "nop", "bl f42", "b unwind",
                "adrp x16, f7+16", "add x16, x16, :lo12:f7+16", "adr x3, f9"));
        assertEquals(HexFormat.of().formatHex(obj.code()), HexFormat.of().formatHex(code));
        assertEquals(List.of("4 R_AARCH64_CALL26 f42", "8 R_AARCH64_JUMP26 unwind",
                "12 R_AARCH64_ADR_PREL_PG_HI21 f7+0x0000000000000010", "16 R_AARCH64_ADD_ABS_LO12_NC f7+0x0000000000000010",
                "20 R_AARCH64_ADR_PREL_LO21 f9"), obj.relocations());
    }

    /**
     * {@link Assembler#applyRelocation}: a piece with every relocation kind placed at an odd 4 KiB
     * page offset, its symbols elsewhere in the text, must come out as GNU ld links the same
     * program (global symbols keep the relocations in the object).
     */
    @Test
    void applyRelocationMatchesGnuLd() {
        GnuAs.require();
        int pieceOffset = 0x1FF4;
        int[] symbolOffsets = {0x40, 0x5008, 0x3004};
        Assembler a = new Assembler();
        a.blSymbol(0);
        a.bSymbol(1);
        a.adrpSymbol(XReg.X16, 1, 24);
        a.addLo12Symbol(XReg.X16, XReg.X16, 1, 24);
        a.adrSymbol(XReg.X9, 2, -4);
        a.adrpSymbol(XReg.X0, 2, 0);
        a.addLo12Symbol(XReg.X1, XReg.X0, 2, 0);
        byte[] piece = a.finish();
        byte[] text = new byte[0x6000];
        System.arraycopy(piece, 0, text, pieceOffset, piece.length);
        for (Relocation r : a.relocations()) {
            Assembler.applyRelocation(text, pieceOffset, r, symbolOffsets[r.symbol()]);
        }
        StringBuilder src = new StringBuilder(".text\n.globl s0, s1, s2\n");
        src.append(".skip 0x40\ns0:\n.skip ").append(0x1FF4 - 0x40).append('\n');
        src.append("bl s0\nb s1\nadrp x16, s1+24\nadd x16, x16, :lo12:s1+24\nadr x9, s2-4\nadrp x0, s2\nadd x1, x0, :lo12:s2\n");
        src.append(".skip ").append(0x3004 - 0x1FF4 - piece.length).append("\ns2:\n.skip ").append(0x5008 - 0x3004)
                .append("\ns1:\n.skip ").append(0x6000 - 0x5008).append('\n');
        byte[] linked = GnuAs.assembleAndLink("relocated piece", src.toString()).code();
        assertEquals(HexFormat.of().formatHex(Arrays.copyOfRange(linked, pieceOffset, pieceOffset + piece.length)),
                HexFormat.of().formatHex(Arrays.copyOfRange(text, pieceOffset, pieceOffset + piece.length)));
    }

    @Test
    void applyRelocationOutOfReachIsACompileError() {
        Assembler a = new Assembler();
        a.blSymbol(3);
        a.adrSymbol(XReg.X0, 3, 0);
        byte[] text = a.finish();
        var e = assertThrows(dev.kiln.abi.CompileException.class,
                () -> Assembler.applyRelocation(text, 0, a.relocations().get(0), 128 << 20));
        assertTrue(e.getMessage().contains("128 MiB"), e.getMessage());
        Assembler.applyRelocation(text, 0, a.relocations().get(0), (128 << 20) - 4);
        assertEquals((1 << 25) - 1, word(text, 0) & 0x3FFFFFF);
        assertThrows(dev.kiln.abi.CompileException.class,
                () -> Assembler.applyRelocation(text, 0, a.relocations().get(1), 4 + (1 << 20)));
        assertThrows(IllegalArgumentException.class,
                () -> Assembler.applyRelocation(text, 0, new Relocation(RelocKind.X86_PC32, 0, 3, -4), 0));
    }

    /**
     * Random programs: every label-referring form to labels before and after it at random distances
     * (up to ~28 KiB, across 4 KiB pages for {@code adrp}), jump-table entries and data words, compared
     * whole with GNU as linked at address 0 (where {@code adrp}/{@code :lo12:} see the same pages as a
     * 4 KiB-aligned buffer).
     */
    @Test
    void randomProgramsMatchGnuAs() {
        GnuAs.require();
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed);
            Assembler a = new Assembler();
            StringBuilder text = new StringBuilder(".text\n");
            int nLabels = 24;
            Label[] labels = new Label[nLabels];
            boolean[] bound = new boolean[nLabels];
            for (int i = 0; i < nLabels; i++) {
                labels[i] = a.newLabel("L" + i);
            }
            for (int step = 0; step < 400; step++) {
                int k = rnd.nextInt(nLabels);
                String l = "L" + k;
                Label lab = labels[k];
                int r = rnd.nextInt(rnd.nextInt(20) == 0 ? 1 + rnd.nextInt(13) : 13);
                XReg reg = XReg.x(rnd.nextInt(31));
                switch (rnd.nextInt(16)) {
                    case 0 -> {
                        if (!bound[k]) {
                            bound[k] = true;
                            a.bind(lab);
                            text.append(l).append(":\n");
                        }
                    }
                    case 1 -> { a.b(lab); text.append("b ").append(l).append('\n'); }
                    case 2 -> { a.bl(lab); text.append("bl ").append(l).append('\n'); }
                    case 3 -> {
                        Cond c = Cond.values()[rnd.nextInt(15)];
                        a.b(c, lab);
                        text.append("b.").append(c.mnemonic()).append(' ').append(l).append('\n');
                    }
                    case 4 -> { a.cbz(Size.X, reg, lab); text.append("cbz ").append(reg).append(", ").append(l).append('\n'); }
                    case 5 -> {
                        a.cbnz(Size.W, reg, lab);
                        text.append("cbnz w").append(reg.encoding()).append(", ").append(l).append('\n');
                    }
                    case 6 -> {
                        int bit = rnd.nextInt(64);
                        a.tbz(reg, bit, lab);
                        text.append("tbz ").append(bit < 32 ? "w" + reg.encoding() : reg.toString()).append(", #").append(bit)
                                .append(", ").append(l).append('\n');
                    }
                    case 7 -> {
                        int bit = rnd.nextInt(64);
                        a.tbnz(reg, bit, lab);
                        text.append("tbnz ").append(bit < 32 ? "w" + reg.encoding() : reg.toString()).append(", #").append(bit)
                                .append(", ").append(l).append('\n');
                    }
                    case 8 -> { a.adr(reg, lab); text.append("adr ").append(reg).append(", ").append(l).append('\n'); }
                    case 9 -> {
                        a.adrp(reg, lab);
                        a.addLo12(reg, reg, lab);
                        text.append("adrp ").append(reg).append(", ").append(l).append('\n')
                                .append("add ").append(reg).append(", ").append(reg).append(", :lo12:").append(l).append('\n');
                    }
                    case 10 -> { a.ldr(Size.X, reg, lab); text.append("ldr ").append(reg).append(", ").append(l).append('\n'); }
                    case 11 -> {
                        a.ldr(FpSize.S, VReg.v(reg.encoding()), lab);
                        text.append("ldr s").append(reg.encoding()).append(", ").append(l).append('\n');
                    }
                    case 12 -> {
                        int k2 = rnd.nextInt(nLabels);
                        a.emitLabelOffset32(lab, labels[k2]);
                        text.append(".word ").append(l).append(" - L").append(k2).append('\n');
                    }
                    default -> {
                        int n = r == 0 && rnd.nextInt(4) == 0 ? 900 + rnd.nextInt(600) : 1 + rnd.nextInt(4);
                        for (int i = 0; i < n; i++) {
                            a.nop();
                        }
                        text.append(".rept ").append(n).append("\nnop\n.endr\n");
                    }
                }
            }
            for (int k = 0; k < nLabels; k++) {
                if (!bound[k]) {
                    a.bind(labels[k]);
                    text.append('L').append(k).append(":\n");
                }
            }
            a.emit64(0x0123_4567_89AB_CDEFL);
            text.append(".quad 0x0123456789abcdef\n");
            byte[] ours = a.finish();
            assertTrue(ours.length < 32 * 1024, "program stays within the tbz reach: " + ours.length);
            byte[] theirs = GnuAs.assembleAndLink("random program " + seed, text.toString()).code();
            if (!Arrays.equals(theirs, ours)) {
                int at = Arrays.mismatch(theirs, ours) & ~3;
                throw new AssertionError("random program " + seed + " differs from GNU as at offset " + at + ": as "
                        + Integer.toHexString(word(theirs, at)) + ", ours " + Integer.toHexString(word(ours, at)));
            }
        }
    }
}
