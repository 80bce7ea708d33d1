package dev.kiln.arch.x86_64;

import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.xmm;
import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.mem;
import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.reg;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every VEX-encoded form of {@link Assembler} (VEX mode, {@link Assembler#useVex}) byte for
 * byte against GNU {@code as}, with the harness of {@link AssemblerGnuAsTest}: the three-operand
 * {@link Assembler#vpacked} forms of every {@link PackedOp} with a first source, the two-operand
 * methods of every packed and scalar form as their VEX equivalents ({@code addss d, s} as
 * {@code vaddss d, d, s}; moves, conversions and compares without a first source), immediate shifts,
 * lane inserts and extracts, sign-mask moves, {@code vmovd}/{@code vmovq}, the broadcasts and the
 * four-operand blends; all 16x16 register pairs (the third register derived from them), the memory
 * operand set and RIP-relative operands. GNU {@code as} picks the two-byte {@code C5} prefix whenever
 * it can, and the store opcode for a move whose source alone is extended; so does the assembler.
 */
class AssemblerVexGnuAsTest {

    private static final Xmm[] XMMS = Xmm.values();
    private static final Gpr[] GPRS = Gpr.values();

    @BeforeAll
    static void requireBinutils() {
        AssemblerGnuAsTest.GnuAs.require();
    }

    /** A third register for the pair (d, s), varied so that every register appears in every position. */
    private static Xmm third(Xmm d, Xmm s) {
        return XMMS[(d.ordinal() * 5 + s.ordinal() * 3 + 7) % 16];
    }

    /** {@code emit} on a fresh assembler in VEX mode. */
    private static Consumer<Assembler> vex(Consumer<Assembler> emit) {
        return a -> {
            a.useVex(true);
            emit.accept(a);
        };
    }

    private static String ptr(PackedOp op) {
        return switch (op) {
            case VPBROADCASTB -> "byte ptr ";
            case VPBROADCASTW -> "word ptr ";
            case ADDSS, SUBSS, MULSS, DIVSS, VPBROADCASTD, VBROADCASTSS -> "dword ptr ";
            case CVTDQ2PD, CVTPS2PD, PMOVSXBW, PMOVSXWD, PMOVSXDQ, PMOVZXBW, PMOVZXWD, PMOVZXDQ, ADDSD, SUBSD, MULSD,
                 DIVSD, VPBROADCASTQ -> "qword ptr ";
            default -> "xmmword ptr ";
        };
    }

    private static int imm(PackedOp op) {
        return !op.hasImm8() ? -1 : op == PackedOp.CMPPS || op == PackedOp.CMPPD ? 3 : 0x1B;
    }

    @Test
    void threeOperandFormOfEveryPackedOp() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("vex three-operand");
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (PackedOp op : PackedOp.values()) {
            if (op.writesOnly()) {
                continue;
            }
            int imm = imm(op);
            String tail = imm < 0 ? "" : ", " + imm;
            String name = op.vexMnemonic();
            for (Xmm d : XMMS) {
                for (Xmm s : XMMS) {
                    Xmm s1 = third(d, s);
                    as.add(name + " " + xmm(d) + ", " + xmm(s1) + ", " + xmm(s) + tail, vex(a -> {
                        if (imm < 0) {
                            a.vpacked(op, d, s1, s);
                        } else {
                            a.vpacked(op, d, s1, s, imm);
                        }
                    }));
                }
            }
            for (int i = 0; i < mems.size(); i++) {
                Mem m = mems.get(i);
                Xmm d = XMMS[i % 16];
                Xmm s1 = XMMS[(i * 7 + 3) % 16];
                as.add(name + " " + xmm(d) + ", " + xmm(s1) + ", " + ptr(op) + mem(m) + tail, vex(a -> {
                    if (imm < 0) {
                        a.vpacked(op, d, s1, m);
                    } else {
                        a.vpacked(op, d, s1, m, imm);
                    }
                }));
            }
            as.addRip(name + " " + xmm(Xmm.XMM9) + ", " + xmm(Xmm.XMM3) + ", " + ptr(op), (a, l) -> {
                a.useVex(true);
                if (imm < 0) {
                    a.vpacked(op, Xmm.XMM9, Xmm.XMM3, Mem.rip(l, 8));
                } else {
                    a.vpacked(op, Xmm.XMM9, Xmm.XMM3, Mem.rip(l, 8), imm);
                }
            }, " + 8" + tail);
        }
        as.verify();
    }

    @Test
    void twoOperandPackedFormsInVexMode() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("vex two-operand packed");
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (PackedOp op : PackedOp.values()) {
            int imm = imm(op);
            String tail = imm < 0 ? "" : ", " + imm;
            String name = op.vexMnemonic();
            for (Xmm d : XMMS) {
                for (Xmm s : XMMS) {
                    String operands = op.writesOnly() ? xmm(d) + ", " + xmm(s) : xmm(d) + ", " + xmm(d) + ", " + xmm(s);
                    as.add(name + " " + operands + tail, vex(a -> {
                        if (imm < 0) {
                            a.packed(op, d, s);
                        } else {
                            a.packed(op, d, s, imm);
                        }
                    }));
                }
            }
            for (int i = 0; i < mems.size(); i += 3) {
                Mem m = mems.get(i);
                Xmm d = XMMS[i % 16];
                String first = op.writesOnly() ? "" : xmm(d) + ", ";
                as.add(name + " " + xmm(d) + ", " + first + ptr(op) + mem(m) + tail, vex(a -> {
                    if (imm < 0) {
                        a.packed(op, d, m);
                    } else {
                        a.packed(op, d, m, imm);
                    }
                }));
            }
        }
        as.verify();
    }

    private interface XX {
        void emit(Assembler a, Xmm d, Xmm s);
    }

    private interface XM {
        void emit(Assembler a, Xmm d, Mem m);
    }

    /**
     * A scalar method pair in VEX mode: {@code nds} forms are spelled {@code vname d, d, s}, the others
     * {@code vname d, s}; {@code rr} or {@code rm} may be null (no register or no memory form).
     */
    private static void scalar(AssemblerGnuAsTest.GnuAs as, String name, boolean nds, String ptr, String tail, XX rr,
            XM rm) {
        for (Xmm d : rr == null ? new Xmm[0] : XMMS) {
            for (Xmm s : XMMS) {
                as.add("v" + name + " " + xmm(d) + ", " + (nds ? xmm(d) + ", " : "") + xmm(s) + tail, vex(a -> rr.emit(a, d, s)));
            }
        }
        if (rm == null) {
            return;
        }
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (int i = 0; i < mems.size(); i++) {
            Mem m = mems.get(i);
            Xmm d = XMMS[(i * 5) % 16];
            as.add("v" + name + " " + xmm(d) + ", " + (nds ? xmm(d) + ", " : "") + ptr + mem(m) + tail, vex(a -> rm.emit(a, d, m)));
        }
        as.addRip("v" + name + " " + xmm(Xmm.XMM12) + ", " + (nds ? xmm(Xmm.XMM12) + ", " : "") + ptr, (a, l) -> {
            a.useVex(true);
            rm.emit(a, Xmm.XMM12, Mem.rip(l, 8));
        }, " + 8" + tail);
    }

    @Test
    void scalarFloatFormsInVexMode() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("vex scalar float");
        String d = "dword ptr ";
        String q = "qword ptr ";
        String o = "xmmword ptr ";
        scalar(as, "addss", true, d, "", Assembler::addss, Assembler::addss);
        scalar(as, "addsd", true, q, "", Assembler::addsd, Assembler::addsd);
        scalar(as, "subss", true, d, "", Assembler::subss, Assembler::subss);
        scalar(as, "subsd", true, q, "", Assembler::subsd, Assembler::subsd);
        scalar(as, "mulss", true, d, "", Assembler::mulss, Assembler::mulss);
        scalar(as, "mulsd", true, q, "", Assembler::mulsd, Assembler::mulsd);
        scalar(as, "divss", true, d, "", Assembler::divss, Assembler::divss);
        scalar(as, "divsd", true, q, "", Assembler::divsd, Assembler::divsd);
        scalar(as, "sqrtss", true, d, "", Assembler::sqrtss, Assembler::sqrtss);
        scalar(as, "sqrtsd", true, q, "", Assembler::sqrtsd, Assembler::sqrtsd);
        scalar(as, "minss", true, d, "", Assembler::minss, Assembler::minss);
        scalar(as, "minsd", true, q, "", Assembler::minsd, Assembler::minsd);
        scalar(as, "maxss", true, d, "", Assembler::maxss, Assembler::maxss);
        scalar(as, "maxsd", true, q, "", Assembler::maxsd, Assembler::maxsd);
        scalar(as, "ucomiss", false, d, "", Assembler::ucomiss, Assembler::ucomiss);
        scalar(as, "ucomisd", false, q, "", Assembler::ucomisd, Assembler::ucomisd);
        scalar(as, "comiss", false, d, "", Assembler::comiss, Assembler::comiss);
        scalar(as, "comisd", false, q, "", Assembler::comisd, Assembler::comisd);
        scalar(as, "andps", true, o, "", Assembler::andps, Assembler::andps);
        scalar(as, "andpd", true, o, "", Assembler::andpd, Assembler::andpd);
        scalar(as, "andnps", true, o, "", Assembler::andnps, Assembler::andnps);
        scalar(as, "andnpd", true, o, "", Assembler::andnpd, Assembler::andnpd);
        scalar(as, "orps", true, o, "", Assembler::orps, Assembler::orps);
        scalar(as, "orpd", true, o, "", Assembler::orpd, Assembler::orpd);
        scalar(as, "xorps", true, o, "", Assembler::xorps, Assembler::xorps);
        scalar(as, "xorpd", true, o, "", Assembler::xorpd, Assembler::xorpd);
        scalar(as, "cvtss2sd", true, d, "", Assembler::cvtss2sd, Assembler::cvtss2sd);
        scalar(as, "cvtsd2ss", true, q, "", Assembler::cvtsd2ss, Assembler::cvtsd2ss);
        scalar(as, "roundss", true, d, ", 9", (a, x, y) -> a.roundss(x, y, 9), (a, x, m) -> a.roundss(x, m, 9));
        scalar(as, "roundsd", true, q, ", 10", (a, x, y) -> a.roundsd(x, y, 10), (a, x, m) -> a.roundsd(x, m, 10));
        // moves: the register forms of movss/movsd merge (a first source), loads and stores do not
        scalar(as, "movss", true, d, "", Assembler::movss, null);
        scalar(as, "movsd", true, q, "", Assembler::movsd, null);
        scalar(as, "movss", false, d, "", null, Assembler::movss);
        scalar(as, "movsd", false, q, "", null, Assembler::movsd);
        scalar(as, "movaps", false, o, "", Assembler::movaps, null);
        scalar(as, "movapd", false, o, "", Assembler::movapd, null);
        scalar(as, "movups", false, o, "", null, Assembler::movups);
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (int i = 0; i < mems.size(); i++) {
            Mem m = mems.get(i);
            Xmm s = XMMS[(i * 3) % 16];
            as.add("vmovss " + d + mem(m) + ", " + xmm(s), vex(a -> a.movss(m, s)));
            as.add("vmovsd " + q + mem(m) + ", " + xmm(s), vex(a -> a.movsd(m, s)));
            as.add("vmovups " + o + mem(m) + ", " + xmm(s), vex(a -> a.movups(m, s)));
        }
        as.verify();
    }

    @Test
    void conversionsAndGprMovesInVexMode() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("vex conversions");
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (Xmm d : XMMS) {
            for (Gpr g : GPRS) {
                for (Size s : new Size[] {Size.S32, Size.S64}) {
                    as.add("vcvtsi2ss " + xmm(d) + ", " + xmm(d) + ", " + reg(s, g), vex(a -> a.cvtsi2ss(s, d, g)));
                    as.add("vcvtsi2sd " + xmm(d) + ", " + xmm(d) + ", " + reg(s, g), vex(a -> a.cvtsi2sd(s, d, g)));
                    as.add("vcvttss2si " + reg(s, g) + ", " + xmm(d), vex(a -> a.cvttss2si(s, g, d)));
                    as.add("vcvttsd2si " + reg(s, g) + ", " + xmm(d), vex(a -> a.cvttsd2si(s, g, d)));
                }
                as.add("vmovd " + xmm(d) + ", " + reg(Size.S32, g), vex(a -> a.movd(d, g)));
                as.add("vmovd " + reg(Size.S32, g) + ", " + xmm(d), vex(a -> a.movd(g, d)));
                as.add("vmovq " + xmm(d) + ", " + reg(Size.S64, g), vex(a -> a.movq(d, g)));
                as.add("vmovq " + reg(Size.S64, g) + ", " + xmm(d), vex(a -> a.movq(g, d)));
            }
        }
        for (int i = 0; i < mems.size(); i++) {
            Mem m = mems.get(i);
            Xmm d = XMMS[(i * 5) % 16];
            Gpr g = GPRS[(i * 3) % 16];
            as.add("vcvtsi2ss " + xmm(d) + ", " + xmm(d) + ", dword ptr " + mem(m), vex(a -> a.cvtsi2ss(Size.S32, d, m)));
            as.add("vcvtsi2sd " + xmm(d) + ", " + xmm(d) + ", qword ptr " + mem(m), vex(a -> a.cvtsi2sd(Size.S64, d, m)));
            as.add("vcvttss2si " + reg(Size.S64, g) + ", dword ptr " + mem(m), vex(a -> a.cvttss2si(Size.S64, g, m)));
            as.add("vcvttsd2si " + reg(Size.S32, g) + ", qword ptr " + mem(m), vex(a -> a.cvttsd2si(Size.S32, g, m)));
        }
        as.verify();
    }

    @Test
    void shiftsLanesMasksAndBlendsInVexMode() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("vex shifts/lanes/blends");
        for (Xmm d : XMMS) {
            for (Assembler.PackedShift sh : Assembler.PackedShift.values()) {
                String name = "v" + sh.name().toLowerCase(Locale.ROOT);
                for (int imm : new int[] {0, 1, 7, 15, 63, 255}) {
                    Xmm s = XMMS[(d.ordinal() + imm) % 16];
                    as.add(name + " " + xmm(d) + ", " + xmm(d) + ", " + imm, vex(a -> a.packedShift(sh, d, imm)));
                    as.add(name + " " + xmm(d) + ", " + xmm(s) + ", " + imm, vex(a -> a.packedShift(sh, d, s, imm)));
                }
            }
            for (Gpr g : GPRS) {
                Xmm s1 = XMMS[(d.ordinal() * 3 + g.ordinal() + 1) % 16];
                as.add("vpextrb " + reg(Size.S32, g) + ", " + xmm(d) + ", 15", vex(a -> a.pextr(1, g, d, 15)));
                as.add("vpextrw " + reg(Size.S32, g) + ", " + xmm(d) + ", 7", vex(a -> a.pextr(2, g, d, 7)));
                as.add("vpextrd " + reg(Size.S32, g) + ", " + xmm(d) + ", 3", vex(a -> a.pextr(4, g, d, 3)));
                as.add("vpextrq " + reg(Size.S64, g) + ", " + xmm(d) + ", 1", vex(a -> a.pextr(8, g, d, 1)));
                as.add("vpinsrb " + xmm(d) + ", " + xmm(d) + ", " + reg(Size.S32, g) + ", 9", vex(a -> a.pinsr(1, d, g, 9)));
                as.add("vpinsrw " + xmm(d) + ", " + xmm(s1) + ", " + reg(Size.S32, g) + ", 5", vex(a -> a.pinsr(2, d, s1, g, 5)));
                as.add("vpinsrd " + xmm(d) + ", " + xmm(s1) + ", " + reg(Size.S32, g) + ", 2", vex(a -> a.pinsr(4, d, s1, g, 2)));
                as.add("vpinsrq " + xmm(d) + ", " + xmm(s1) + ", " + reg(Size.S64, g) + ", 1", vex(a -> a.pinsr(8, d, s1, g, 1)));
                as.add("vpmovmskb " + reg(Size.S32, g) + ", " + xmm(d), vex(a -> a.pmovmskb(g, d)));
                as.add("vmovmskps " + reg(Size.S32, g) + ", " + xmm(d), vex(a -> a.movmskps(g, d)));
                as.add("vmovmskpd " + reg(Size.S32, g) + ", " + xmm(d), vex(a -> a.movmskpd(g, d)));
            }
            for (Xmm s : XMMS) {
                Xmm s1 = third(d, s);
                Xmm mask = third(s, d);
                as.add("vpblendvb " + xmm(d) + ", " + xmm(s1) + ", " + xmm(s) + ", " + xmm(mask), vex(a -> a.blendv(1, d, s1, s, mask)));
                as.add("vblendvps " + xmm(d) + ", " + xmm(s1) + ", " + xmm(s) + ", " + xmm(mask), vex(a -> a.blendv(4, d, s1, s, mask)));
                as.add("vblendvpd " + xmm(d) + ", " + xmm(s1) + ", " + xmm(s) + ", " + xmm(mask), vex(a -> a.blendv(8, d, s1, s, mask)));
            }
        }
        as.verify();
    }

    @Test
    void vexFormsNeedVexModeAndAFirstSource() {
        Assembler a = new Assembler();
        assertFalse(a.usesVex());
        assertThrows(IllegalStateException.class, () -> a.vpacked(PackedOp.PADDB, Xmm.XMM0, Xmm.XMM1, Xmm.XMM2));
        assertThrows(IllegalStateException.class, () -> a.packed(PackedOp.VPBROADCASTB, Xmm.XMM0, Xmm.XMM1));
        assertThrows(IllegalStateException.class, () -> a.packedShift(Assembler.PackedShift.PSLLW, Xmm.XMM0, Xmm.XMM1, 3));
        assertThrows(IllegalStateException.class, () -> a.pinsr(4, Xmm.XMM0, Xmm.XMM1, Gpr.RAX, 0));
        assertThrows(IllegalStateException.class, () -> a.blendv(1, Xmm.XMM0, Xmm.XMM1, Xmm.XMM2, Xmm.XMM3));
        a.packed(PackedOp.PADDB, Xmm.XMM0, Xmm.XMM1);
        assertFalse(a.emittedVex(), "a legacy encoding outside VEX mode");
        a.useVex(true);
        assertThrows(IllegalArgumentException.class, () -> a.vpacked(PackedOp.PSHUFD, Xmm.XMM0, Xmm.XMM1, Xmm.XMM2, 0));
        assertThrows(IllegalArgumentException.class, () -> a.vpacked(PackedOp.PADDB, Xmm.XMM0, Xmm.XMM1, Xmm.XMM2, 0));
        assertThrows(IllegalArgumentException.class, () -> a.blendv(2, Xmm.XMM0, Xmm.XMM1, Xmm.XMM2, Xmm.XMM3));
        a.vpacked(PackedOp.PADDB, Xmm.XMM0, Xmm.XMM1, Xmm.XMM2);
        assertTrue(a.emittedVex());
        // vpaddb xmm0, xmm1, xmm2 after paddb xmm0, xmm1
        assertArrayEquals(new byte[] {0x66, 0x0F, (byte) 0xFC, (byte) 0xC1, (byte) 0xC5, (byte) 0xF1, (byte) 0xFC, (byte) 0xC2},
                a.finish());
    }
}
