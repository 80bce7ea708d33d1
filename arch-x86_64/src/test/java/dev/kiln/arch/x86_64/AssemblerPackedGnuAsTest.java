package dev.kiln.arch.x86_64;

import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.xmm;
import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.mem;
import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.reg;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the legacy SSE2/SSSE3/SSE4.1 forms of {@link Assembler} (every {@link PackedOp} but the
 * VEX-only ones, which {@link AssemblerVexGnuAsTest} checks with the VEX forms; the
 * immediate shifts, {@code pextr*}/{@code pinsr*} and the sign-mask moves) byte for byte against GNU
 * {@code as}, with the harness of {@link AssemblerGnuAsTest}: all 16x16 register pairs and the memory
 * operand set, RIP-relative operands (followed by an imm8 where the form has one).
 */
class AssemblerPackedGnuAsTest {

    private static final Xmm[] XMMS = Xmm.values();
    private static final Gpr[] GPRS = Gpr.values();

    @BeforeAll
    static void requireBinutils() {
        AssemblerGnuAsTest.GnuAs.require();
    }

    @Test
    void everyPackedOp() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("packed sse");
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (PackedOp op : PackedOp.values()) {
            if (op.vexOnly()) {
                continue; // AssemblerVexGnuAsTest
            }
            int imm = op.hasImm8() ? (op == PackedOp.CMPPS || op == PackedOp.CMPPD ? 3 : 0x1B) : -1;
            String tail = imm < 0 ? "" : ", " + imm;
            for (Xmm d : XMMS) {
                for (Xmm s : XMMS) {
                    as.add(op.mnemonic() + " " + xmm(d) + ", " + xmm(s) + tail,
                            a -> emit(a, op, d, s, imm));
                }
            }
            for (int i = 0; i < mems.size(); i++) {
                Mem m = mems.get(i);
                Xmm d = XMMS[i % 16];
                as.add(op.mnemonic() + " " + xmm(d) + ", " + ptr(op) + mem(m) + tail, a -> emit(a, op, d, m, imm));
            }
            as.addRip(op.mnemonic() + " " + xmm(Xmm.XMM9) + ", " + ptr(op),
                    (a, l) -> emit(a, op, Xmm.XMM9, Mem.rip(l, 8), imm), " + 8" + tail);
        }
        as.verify();
    }

    /** The memory operand size GNU as expects: 64 bits for the widening conversions. */
    private static String ptr(PackedOp op) {
        return switch (op) {
            case CVTDQ2PD, CVTPS2PD, PMOVSXBW, PMOVSXWD, PMOVSXDQ, PMOVZXBW, PMOVZXWD, PMOVZXDQ, ADDSD, SUBSD, MULSD,
                 DIVSD -> "qword ptr ";
            case ADDSS, SUBSS, MULSS, DIVSS -> "dword ptr ";
            default -> "xmmword ptr ";
        };
    }

    private static void emit(Assembler a, PackedOp op, Xmm d, Xmm s, int imm) {
        if (imm < 0) {
            a.packed(op, d, s);
        } else {
            a.packed(op, d, s, imm);
        }
    }

    private static void emit(Assembler a, PackedOp op, Xmm d, Mem m, int imm) {
        if (imm < 0) {
            a.packed(op, d, m);
        } else {
            a.packed(op, d, m, imm);
        }
    }

    @Test
    void shiftsLanesAndMasks() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("packed shifts/lanes");
        for (Xmm d : XMMS) {
            for (Assembler.PackedShift sh : Assembler.PackedShift.values()) {
                for (int imm : new int[] {0, 1, 7, 15, 63, 255}) {
                    as.add(sh.name().toLowerCase() + " " + xmm(d) + ", " + imm, a -> a.packedShift(sh, d, imm));
                }
            }
            for (Gpr g : GPRS) {
                as.add("pextrb " + reg(Size.S32, g) + ", " + xmm(d) + ", 15", a -> a.pextr(1, g, d, 15));
                as.add("pextrw " + reg(Size.S32, g) + ", " + xmm(d) + ", 7", a -> a.pextr(2, g, d, 7));
                as.add("pextrd " + reg(Size.S32, g) + ", " + xmm(d) + ", 3", a -> a.pextr(4, g, d, 3));
                as.add("pextrq " + reg(Size.S64, g) + ", " + xmm(d) + ", 1", a -> a.pextr(8, g, d, 1));
                as.add("pinsrb " + xmm(d) + ", " + reg(Size.S32, g) + ", 9", a -> a.pinsr(1, d, g, 9));
                as.add("pinsrw " + xmm(d) + ", " + reg(Size.S32, g) + ", 5", a -> a.pinsr(2, d, g, 5));
                as.add("pinsrd " + xmm(d) + ", " + reg(Size.S32, g) + ", 2", a -> a.pinsr(4, d, g, 2));
                as.add("pinsrq " + xmm(d) + ", " + reg(Size.S64, g) + ", 1", a -> a.pinsr(8, d, g, 1));
                as.add("pmovmskb " + reg(Size.S32, g) + ", " + xmm(d), a -> a.pmovmskb(g, d));
                as.add("movmskps " + reg(Size.S32, g) + ", " + xmm(d), a -> a.movmskps(g, d));
                as.add("movmskpd " + reg(Size.S32, g) + ", " + xmm(d), a -> a.movmskpd(g, d));
            }
        }
        as.verify();
    }

    @Test
    void badImmediatesAndLanesAreRejected() {
        Assembler a = new Assembler();
        assertThrows(IllegalArgumentException.class, () -> a.packed(PackedOp.PADDB, Xmm.XMM0, Xmm.XMM1, 0));
        assertThrows(IllegalArgumentException.class, () -> a.packed(PackedOp.PSHUFD, Xmm.XMM0, Xmm.XMM1));
        assertThrows(IllegalArgumentException.class, () -> a.packed(PackedOp.PSHUFD, Xmm.XMM0, Xmm.XMM1, 256));
        assertThrows(IllegalArgumentException.class, () -> a.pextr(4, Gpr.RAX, Xmm.XMM0, 4));
        assertThrows(IllegalArgumentException.class, () -> a.pinsr(3, Xmm.XMM0, Gpr.RAX, 0));
        assertThrows(IllegalArgumentException.class, () -> a.packedShift(Assembler.PackedShift.PSLLW, Xmm.XMM0, -1));
    }
}
