package dev.kiln.arch.x86_64;

import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.xmm;
import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.mem;
import static dev.kiln.arch.x86_64.AssemblerGnuAsTest.reg;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the SSE/SSE2/SSE4.1 scalar floating-point forms of {@link Assembler} byte for byte against
 * GNU {@code as}, with the harness of {@link AssemblerGnuAsTest}: all 16x16 register pairs, memory
 * operands with every base/index/displacement class, RIP-relative operands (also followed by an imm8).
 */
class AssemblerSseGnuAsTest {

    private static final Xmm[] XMMS = Xmm.values();
    private static final Gpr[] GPRS = Gpr.values();

    @BeforeAll
    static void requireBinutils() {
        AssemblerGnuAsTest.GnuAs.require();
    }

    private interface XX {
        void emit(Assembler a, Xmm d, Xmm s);
    }

    private interface XM {
        void emit(Assembler a, Xmm d, Mem m);
    }

    /** One xmm,xmm / xmm,mem instruction over all register pairs and the memory operand set. */
    private static void form(AssemblerGnuAsTest.GnuAs as, String name, String ptr, XX rr, XM rm) {
        form(as, name, ptr, "", rr, rm);
    }

    /** As above with a trailing operand text (e.g. {@code ", 9"} for an imm8). */
    private static void form(AssemblerGnuAsTest.GnuAs as, String name, String ptr, String tail, XX rr, XM rm) {
        for (Xmm d : XMMS) {
            for (Xmm s : XMMS) {
                as.add(name + " " + xmm(d) + ", " + xmm(s) + tail, a -> rr.emit(a, d, s));
            }
        }
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (int i = 0; i < mems.size(); i++) {
            Mem m = mems.get(i);
            Xmm d = XMMS[i % 16];
            as.add(name + " " + xmm(d) + ", " + ptr + mem(m) + tail, a -> rm.emit(a, d, m));
        }
        as.addRip(name + " " + xmm(Xmm.XMM9) + ", " + ptr, (a, l) -> rm.emit(a, Xmm.XMM9, Mem.rip(l, 8)), " + 8" + tail);
    }

    @Test
    void arithmeticAndCompare() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("sse arithmetic");
        String d = "dword ptr ";
        String q = "qword ptr ";
        String o = "xmmword ptr ";
        form(as, "addss", d, Assembler::addss, Assembler::addss);
        form(as, "addsd", q, Assembler::addsd, Assembler::addsd);
        form(as, "subss", d, Assembler::subss, Assembler::subss);
        form(as, "subsd", q, Assembler::subsd, Assembler::subsd);
        form(as, "mulss", d, Assembler::mulss, Assembler::mulss);
        form(as, "mulsd", q, Assembler::mulsd, Assembler::mulsd);
        form(as, "divss", d, Assembler::divss, Assembler::divss);
        form(as, "divsd", q, Assembler::divsd, Assembler::divsd);
        form(as, "sqrtss", d, Assembler::sqrtss, Assembler::sqrtss);
        form(as, "sqrtsd", q, Assembler::sqrtsd, Assembler::sqrtsd);
        form(as, "minss", d, Assembler::minss, Assembler::minss);
        form(as, "minsd", q, Assembler::minsd, Assembler::minsd);
        form(as, "maxss", d, Assembler::maxss, Assembler::maxss);
        form(as, "maxsd", q, Assembler::maxsd, Assembler::maxsd);
        form(as, "ucomiss", d, Assembler::ucomiss, Assembler::ucomiss);
        form(as, "ucomisd", q, Assembler::ucomisd, Assembler::ucomisd);
        form(as, "comiss", d, Assembler::comiss, Assembler::comiss);
        form(as, "comisd", q, Assembler::comisd, Assembler::comisd);
        form(as, "andps", o, Assembler::andps, Assembler::andps);
        form(as, "andpd", o, Assembler::andpd, Assembler::andpd);
        form(as, "andnps", o, Assembler::andnps, Assembler::andnps);
        form(as, "andnpd", o, Assembler::andnpd, Assembler::andnpd);
        form(as, "orps", o, Assembler::orps, Assembler::orps);
        form(as, "orpd", o, Assembler::orpd, Assembler::orpd);
        form(as, "xorps", o, Assembler::xorps, Assembler::xorps);
        form(as, "xorpd", o, Assembler::xorpd, Assembler::xorpd);
        form(as, "cvtss2sd", d, Assembler::cvtss2sd, Assembler::cvtss2sd);
        form(as, "cvtsd2ss", q, Assembler::cvtsd2ss, Assembler::cvtsd2ss);
        form(as, "movss", d, Assembler::movss, Assembler::movss);
        form(as, "movsd", q, Assembler::movsd, Assembler::movsd);
        for (int mode : new int[] {0, 1, 2, 3, 8, 9, 10, 11, 255}) {
            form(as, "roundss", d, ", " + mode, (a, dst, src) -> a.roundss(dst, src, mode), (a, dst, m) -> a.roundss(dst, m, mode));
            form(as, "roundsd", q, ", " + mode, (a, dst, src) -> a.roundsd(dst, src, mode), (a, dst, m) -> a.roundsd(dst, m, mode));
        }
        as.verify();
    }

    @Test
    void movesAndConversions() {
        AssemblerGnuAsTest.GnuAs as = new AssemblerGnuAsTest.GnuAs("sse moves/conversions");
        for (Xmm d : XMMS) {
            for (Xmm s : XMMS) {
                as.add("movaps " + xmm(d) + ", " + xmm(s), a -> a.movaps(d, s));
                as.add("movapd " + xmm(d) + ", " + xmm(s), a -> a.movapd(d, s));
            }
            for (Gpr g : GPRS) {
                as.add("movd " + xmm(d) + ", " + reg(Size.S32, g), a -> a.movd(d, g));
                as.add("movd " + reg(Size.S32, g) + ", " + xmm(d), a -> a.movd(g, d));
                as.add("movq " + xmm(d) + ", " + reg(Size.S64, g), a -> a.movq(d, g));
                as.add("movq " + reg(Size.S64, g) + ", " + xmm(d), a -> a.movq(g, d));
                for (Size s : new Size[] {Size.S32, Size.S64}) {
                    as.add("cvtsi2ss " + xmm(d) + ", " + reg(s, g), a -> a.cvtsi2ss(s, d, g));
                    as.add("cvtsi2sd " + xmm(d) + ", " + reg(s, g), a -> a.cvtsi2sd(s, d, g));
                    as.add("cvttss2si " + reg(s, g) + ", " + xmm(d), a -> a.cvttss2si(s, g, d));
                    as.add("cvttsd2si " + reg(s, g) + ", " + xmm(d), a -> a.cvttsd2si(s, g, d));
                }
            }
        }
        List<Mem> mems = AssemblerGnuAsTest.someMems();
        for (int i = 0; i < mems.size(); i++) {
            Mem m = mems.get(i);
            Xmm d = XMMS[i % 16];
            Gpr g = GPRS[(i * 5) % 16];
            as.add("movss " + mem(Size.S32, m) + ", " + xmm(d), a -> a.movss(m, d));
            as.add("movsd " + mem(Size.S64, m) + ", " + xmm(d), a -> a.movsd(m, d));
            as.add("movups " + xmm(d) + ", xmmword ptr " + mem(m), a -> a.movups(d, m));
            as.add("movups xmmword ptr " + mem(m) + ", " + xmm(d), a -> a.movups(m, d));
            for (Size s : new Size[] {Size.S32, Size.S64}) {
                as.add("cvtsi2ss " + xmm(d) + ", " + mem(s, m), a -> a.cvtsi2ss(s, d, m));
                as.add("cvtsi2sd " + xmm(d) + ", " + mem(s, m), a -> a.cvtsi2sd(s, d, m));
                as.add("cvttss2si " + reg(s, g) + ", " + mem(Size.S32, m), a -> a.cvttss2si(s, g, m));
                as.add("cvttsd2si " + reg(s, g) + ", " + mem(Size.S64, m), a -> a.cvttsd2si(s, g, m));
            }
        }
        as.addRip("movss dword ptr ", (a, l) -> a.movss(Mem.rip(l), Xmm.XMM3), "[rip + $L], xmm3");
        as.addRip("movsd qword ptr ", (a, l) -> a.movsd(Mem.rip(l), Xmm.XMM12), "[rip + $L], xmm12");
        as.verify();
    }

    @Test
    void invalidSizesAreRejected() {
        Assembler a = new Assembler();
        assertThrows(IllegalArgumentException.class, () -> a.cvtsi2ss(Size.S16, Xmm.XMM0, Gpr.RAX));
        assertThrows(IllegalArgumentException.class, () -> a.cvttsd2si(Size.S8, Gpr.RAX, Xmm.XMM0));
        assertThrows(IllegalArgumentException.class, () -> a.roundsd(Xmm.XMM0, Xmm.XMM1, 256));
    }
}
