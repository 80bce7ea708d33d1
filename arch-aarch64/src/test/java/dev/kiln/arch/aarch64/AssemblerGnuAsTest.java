package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every encoding form of {@link Assembler} byte for byte against GNU {@code as} for AArch64
 * ({@link GnuAs}): each case emits one instruction with the assembler and writes the same instruction
 * as a line of GNU assembly; the operands sweep every register number (including {@code sp}/{@code xzr}
 * where the operand allows them) and the boundaries of each immediate field. Forms whose encoding
 * depends on where the code is placed ({@code adrp}, {@code :lo12:}) are checked in whole programs by
 * {@link AssemblerLabelTest}. Skipped with a message
 * when the binutils are missing (failed under {@code CI=true}).
 */
class AssemblerGnuAsTest {

    static final Size[] SIZES = Size.values();
    static final FpSize[] FP_SIZES = FpSize.values();

    @BeforeAll
    static void requireBinutils() {
        GnuAs.require();
    }

    // ---------------------------------------------------------------------------------------------
    // Operand spelling, independent of the encoder

    /** Register operands where number 31 is the zero register: x0..x30, xzr. */
    static final XReg[] ZR = new XReg[32];
    /** Register operands where number 31 is the stack pointer: x0..x30, sp. */
    static final XReg[] SPR = new XReg[32];

    static {
        for (int i = 0; i < 31; i++) {
            ZR[i] = XReg.x(i);
            SPR[i] = XReg.x(i);
        }
        ZR[31] = XReg.XZR;
        SPR[31] = XReg.SP;
    }

    static String r(Size s, XReg x) {
        boolean w = s == Size.W;
        if (x == XReg.SP) {
            return w ? "wsp" : "sp";
        }
        if (x == XReg.XZR) {
            return w ? "wzr" : "xzr";
        }
        return (w ? "w" : "x") + x.ordinal();
    }

    static String x(XReg r) {
        return r(Size.X, r);
    }

    static String f(FpSize s, VReg v) {
        return (s == FpSize.S ? "s" : "d") + v.ordinal();
    }

    static VReg v(int i) {
        return VReg.v(i & 31);
    }

    static String lc(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    // ---------------------------------------------------------------------------------------------
    // Add/subtract

    static final long[] ADD_IMMS = {0, 1, 7, 255, 2048, 4095, 0x1000, 0x7000, 0x123000, 0xFFF000};

    @Test
    void addSubImmediate() {
        GnuAs as = new GnuAs("add/sub (immediate)");
        for (Size s : SIZES) {
            for (int i = 0; i < 32; i++) {
                XReg dSp = SPR[i];
                XReg dZr = ZR[i];
                XReg n = SPR[(i * 7 + 3) % 32];
                long imm = ADD_IMMS[i % ADD_IMMS.length];
                long imm2 = ADD_IMMS[(i + 3) % ADD_IMMS.length];
                as.add("add " + r(s, dSp) + ", " + r(s, n) + ", #" + imm, a -> a.add(s, dSp, n, imm));
                as.add("sub " + r(s, dSp) + ", " + r(s, n) + ", #" + imm2, a -> a.sub(s, dSp, n, imm2));
                as.add("adds " + r(s, dZr) + ", " + r(s, n) + ", #" + imm2, a -> a.adds(s, dZr, n, imm2));
                as.add("subs " + r(s, dZr) + ", " + r(s, n) + ", #" + imm, a -> a.subs(s, dZr, n, imm));
                XReg c = SPR[i];
                as.add("cmp " + r(s, c) + ", #" + imm, a -> a.cmp(s, c, imm));
                as.add("cmn " + r(s, c) + ", #" + imm2, a -> a.cmn(s, c, imm2));
            }
        }
        as.verify();
        for (long v : new long[] {-1, 4097, 0x1001, 0x1000000, 0xFFF001, Long.MIN_VALUE}) {
            assertTrue(!Assembler.isAddSubImmediate(v), "not an add/sub immediate: " + v);
        }
    }

    @Test
    void addSubShiftedRegister() {
        GnuAs as = new GnuAs("add/sub (shifted register)");
        String[] ops = {"add", "adds", "sub", "subs"};
        Shift[] shifts = {Shift.LSL, Shift.LSR, Shift.ASR};
        for (Size s : SIZES) {
            int[] amounts = {0, 1, 5, s.bits() - 1};
            for (int i = 0; i < 32; i++) {
                XReg d = ZR[i];
                XReg n = ZR[(i * 5 + 1) % 32];
                XReg m = ZR[(i * 11 + 2) % 32];
                for (int k = 0; k < ops.length; k++) {
                    Shift sh = shifts[(i + k) % 3];
                    int amt = amounts[(i + k) % amounts.length];
                    String op = ops[k];
                    String text = op + " " + r(s, d) + ", " + r(s, n) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt;
                    as.add(text, a -> {
                        switch (op) {
                            case "add" -> a.add(s, d, n, m, sh, amt);
                            case "adds" -> a.adds(s, d, n, m, sh, amt);
                            case "sub" -> a.sub(s, d, n, m, sh, amt);
                            default -> a.subs(s, d, n, m, sh, amt);
                        }
                    });
                }
                as.add("add " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.add(s, d, n, m));
                as.add("sub " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.sub(s, d, n, m));
                as.add("adds " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.adds(s, d, n, m));
                as.add("subs " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.subs(s, d, n, m));
                as.add("cmp " + r(s, n) + ", " + r(s, m), a -> a.cmp(s, n, m));
                as.add("cmn " + r(s, n) + ", " + r(s, m), a -> a.cmn(s, n, m));
                Shift sh = shifts[i % 3];
                int amt = amounts[i % amounts.length];
                as.add("cmp " + r(s, n) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt, a -> a.cmp(s, n, m, sh, amt));
                as.add("cmn " + r(s, n) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt, a -> a.cmn(s, n, m, sh, amt));
                as.add("neg " + r(s, d) + ", " + r(s, m), a -> a.neg(s, d, m));
                as.add("neg " + r(s, d) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt, a -> a.neg(s, d, m, sh, amt));
                as.add("negs " + r(s, d) + ", " + r(s, m), a -> a.negs(s, d, m));
            }
            // sp operands: the extended-register form (lsl = uxtx/uxtw)
            for (int amt = 0; amt <= 4; amt++) {
                int am = amt;
                XReg m = ZR[amt * 7];
                String sh = amt == 0 ? "" : ", lsl #" + amt;
                as.add("add " + r(s, XReg.SP) + ", " + r(s, XReg.X3) + ", " + r(s, m) + sh,
                        a -> a.add(s, XReg.SP, XReg.X3, m, Shift.LSL, am));
                as.add("add " + r(s, XReg.X4) + ", " + r(s, XReg.SP) + ", " + r(s, m) + sh,
                        a -> a.add(s, XReg.X4, XReg.SP, m, Shift.LSL, am));
                as.add("sub " + r(s, XReg.SP) + ", " + r(s, XReg.SP) + ", " + r(s, m) + sh,
                        a -> a.sub(s, XReg.SP, XReg.SP, m, Shift.LSL, am));
                as.add("adds " + r(s, XReg.X5) + ", " + r(s, XReg.SP) + ", " + r(s, m) + sh,
                        a -> a.adds(s, XReg.X5, XReg.SP, m, Shift.LSL, am));
                as.add("subs " + r(s, XReg.XZR) + ", " + r(s, XReg.SP) + ", " + r(s, m) + sh,
                        a -> a.subs(s, XReg.XZR, XReg.SP, m, Shift.LSL, am));
            }
            as.add("cmp " + r(s, XReg.SP) + ", " + r(s, XReg.X9), a -> a.cmp(s, XReg.SP, XReg.X9));
        }
        as.verify();
    }

    @Test
    void addSubExtendedRegister() {
        GnuAs as = new GnuAs("add/sub (extended register)");
        for (Size s : SIZES) {
            for (Extend e : Extend.values()) {
                for (int i = 0; i < 32; i++) {
                    int amt = i % 5;
                    XReg dSp = SPR[(i * 3 + e.ordinal()) % 32];
                    XReg dZr = ZR[(i * 3 + e.ordinal()) % 32];
                    XReg n = SPR[(i * 7 + 1) % 32];
                    XReg m = ZR[i];
                    String rm = r(s == Size.X && e.isX() ? Size.X : Size.W, m) + ", " + lc(e) + (amt == 0 ? "" : " #" + amt);
                    as.add("add " + r(s, dSp) + ", " + r(s, n) + ", " + rm, a -> a.add(s, dSp, n, m, e, amt));
                    as.add("sub " + r(s, dSp) + ", " + r(s, n) + ", " + rm, a -> a.sub(s, dSp, n, m, e, amt));
                    as.add("adds " + r(s, dZr) + ", " + r(s, n) + ", " + rm, a -> a.adds(s, dZr, n, m, e, amt));
                    as.add("subs " + r(s, dZr) + ", " + r(s, n) + ", " + rm, a -> a.subs(s, dZr, n, m, e, amt));
                    if (i % 4 == 0) {
                        as.add("cmp " + r(s, n) + ", " + rm, a -> a.cmp(s, n, m, e, amt));
                        as.add("cmn " + r(s, n) + ", " + rm, a -> a.cmn(s, n, m, e, amt));
                    }
                }
            }
        }
        as.verify();
    }

    @Test
    void movRegister() {
        GnuAs as = new GnuAs("mov (register, to/from sp)");
        for (Size s : SIZES) {
            for (int i = 0; i < 32; i++) {
                XReg d = ZR[i];
                XReg n = ZR[(i * 13 + 5) % 32];
                as.add("mov " + r(s, d) + ", " + r(s, n), a -> a.mov(s, d, n));
                XReg d2 = SPR[i];
                XReg n2 = SPR[(i * 13 + 5) % 32];
                if (d2 == XReg.SP || n2 == XReg.SP) {
                    as.add("mov " + r(s, d2) + ", " + r(s, n2), a -> a.mov(s, d2, n2));
                }
            }
            as.add("mov " + r(s, XReg.SP) + ", " + r(s, XReg.X29), a -> a.mov(s, XReg.SP, XReg.X29));
            as.add("mov " + r(s, XReg.X29) + ", " + r(s, XReg.SP), a -> a.mov(s, XReg.X29, XReg.SP));
        }
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // Logical

    @Test
    void logicalShiftedRegister() {
        GnuAs as = new GnuAs("logical (shifted register)");
        String[] ops = {"and", "orr", "eor", "ands", "bic", "orn", "eon", "bics"};
        for (Size s : SIZES) {
            int[] amounts = {0, 1, 7, s.bits() - 1};
            for (int i = 0; i < 32; i++) {
                XReg d = ZR[i];
                XReg n = ZR[(i * 5 + 3) % 32];
                XReg m = ZR[(i * 9 + 4) % 32];
                for (int k = 0; k < ops.length; k++) {
                    Shift sh = Shift.values()[(i + k) % 4];
                    int amt = amounts[(i + k) % amounts.length];
                    String op = ops[k];
                    as.add(op + " " + r(s, d) + ", " + r(s, n) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt, a -> {
                        switch (op) {
                            case "and" -> a.and(s, d, n, m, sh, amt);
                            case "orr" -> a.orr(s, d, n, m, sh, amt);
                            case "eor" -> a.eor(s, d, n, m, sh, amt);
                            case "ands" -> a.ands(s, d, n, m, sh, amt);
                            case "bic" -> a.bic(s, d, n, m, sh, amt);
                            case "orn" -> a.orn(s, d, n, m, sh, amt);
                            case "eon" -> a.eon(s, d, n, m, sh, amt);
                            default -> a.bics(s, d, n, m, sh, amt);
                        }
                    });
                }
                as.add("and " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.and(s, d, n, m));
                as.add("orr " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.orr(s, d, n, m));
                as.add("eor " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.eor(s, d, n, m));
                as.add("ands " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.ands(s, d, n, m));
                as.add("bic " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.bic(s, d, n, m));
                as.add("orn " + r(s, d) + ", " + r(s, n) + ", " + r(s, m), a -> a.orn(s, d, n, m));
                as.add("tst " + r(s, n) + ", " + r(s, m), a -> a.tst(s, n, m));
                Shift sh = Shift.values()[i % 4];
                int amt = amounts[i % amounts.length];
                as.add("tst " + r(s, n) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt, a -> a.tst(s, n, m, sh, amt));
                as.add("mvn " + r(s, d) + ", " + r(s, m), a -> a.mvn(s, d, m));
                as.add("mvn " + r(s, d) + ", " + r(s, m) + ", " + lc(sh) + " #" + amt, a -> a.mvn(s, d, m, sh, amt));
            }
        }
        as.verify();
    }

    /** Every logical immediate of the given width, built from the definition (element, run of ones, rotation). */
    static List<Long> allLogicalImmediates(boolean is64) {
        List<Long> out = new ArrayList<>();
        for (int e = 2; e <= (is64 ? 64 : 32); e *= 2) {
            long mask = e == 64 ? -1L : (1L << e) - 1;
            for (int ones = 1; ones < e; ones++) {
                long run = (1L << ones) - 1;
                for (int rot = 0; rot < e; rot++) {
                    long elt = rot == 0 ? run : ((run >>> rot) | (run << (e - rot))) & mask;
                    long v = 0;
                    for (int k = 0; k < (is64 ? 64 : 32); k += e) {
                        v |= elt << k;
                    }
                    out.add(v);
                }
            }
        }
        return out;
    }

    @Test
    void logicalImmediateAgreesWithGnuAs() {
        for (boolean is64 : new boolean[] {true, false}) {
            Size s = is64 ? Size.X : Size.W;
            List<Long> values = new ArrayList<>(allLogicalImmediates(is64));
            assertEquals(is64 ? 5334 : 1302, values.size(), "number of distinct logical immediates");
            java.util.Random rnd = new java.util.Random(14);
            List<Long> others = new ArrayList<>(List.of(0L, -1L, 0xFFFF_FFFFL, 0x1234_5678L, 5L, 0xF0F0_F0F1L));
            for (int k = 0; k < 3000; k++) {
                long v = values.get(rnd.nextInt(values.size()));
                others.add(v ^ (1L << rnd.nextInt(is64 ? 64 : 32)));
                others.add(is64 ? rnd.nextLong() : rnd.nextLong() & 0xFFFF_FFFFL);
            }
            values.addAll(others);
            GnuAs as = new GnuAs("logical immediate " + s);
            List<String> rejectedText = new ArrayList<>();
            List<Long> rejectedValues = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                long v = values.get(i);
                XReg d = SPR[i % 32];
                XReg n = ZR[(i * 7) % 32];
                String text = "and " + r(s, d) + ", " + r(s, n) + ", #0x" + Long.toHexString(v);
                if (Assembler.encodeLogicalImmediate(v, is64) >= 0) {
                    assertTrue(Assembler.isLogicalImmediate(s, v));
                    as.add(text, a -> a.and(s, d, n, v));
                } else {
                    rejectedText.add(text);
                    rejectedValues.add(v);
                }
            }
            as.verify();
            TreeSet<Integer> rejectedByAs = GnuAs.rejectedLines(rejectedText);
            List<String> accepted = new ArrayList<>();
            for (int i = 0; i < rejectedText.size(); i++) {
                if (!rejectedByAs.contains(i)) {
                    accepted.add(rejectedText.get(i));
                }
            }
            assertTrue(accepted.isEmpty(), "GNU as accepts logical immediates that encodeLogicalImmediate rejects: "
                    + accepted.subList(0, Math.min(20, accepted.size())));
            assertTrue(rejectedValues.size() > 2000, "too few non-encodable values tested: " + rejectedValues.size());
        }
    }

    @Test
    void logicalImmediateInstructions() {
        GnuAs as = new GnuAs("and/orr/eor/ands/tst (immediate)");
        long[] x = {0xFF, 0xFFFF_0000L, 0x5555_5555_5555_5555L, 0x8000_0000_0000_0000L, 0x7FFF_FFFF_FFFF_FFFFL,
            0xFFFF_FFFF_FFFF_FFFEL, 0x0F0F_0F0F_0F0F_0F0FL, 0x1L, 0x3FFL << 40, 0xFFFF_FFFF_0000_0000L};
        long[] w = {0xFF, 0xFFFF_0000L, 0x5555_5555L, 0x8000_0000L, 0x7FFF_FFFFL, 0xFFFF_FFFEL, -2, -16, 0x0F0F_0F0FL, 1};
        for (Size s : SIZES) {
            long[] vals = s == Size.X ? x : w;
            for (int i = 0; i < 32; i++) {
                long v = vals[i % vals.length];
                long vt = s == Size.W ? v & 0xFFFF_FFFFL : v;
                String imm = ", #0x" + Long.toHexString(vt);
                XReg dSp = SPR[i];
                XReg dZr = ZR[i];
                XReg n = ZR[(i * 3 + 7) % 32];
                as.add("and " + r(s, dSp) + ", " + r(s, n) + imm, a -> a.and(s, dSp, n, v));
                as.add("orr " + r(s, dSp) + ", " + r(s, n) + imm, a -> a.orr(s, dSp, n, v));
                as.add("eor " + r(s, dSp) + ", " + r(s, n) + imm, a -> a.eor(s, dSp, n, v));
                as.add("ands " + r(s, dZr) + ", " + r(s, n) + imm, a -> a.ands(s, dZr, n, v));
                as.add("tst " + r(s, n) + imm, a -> a.tst(s, n, v));
            }
        }
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // Move wide and constants

    @Test
    void moveWide() {
        GnuAs as = new GnuAs("movz/movn/movk");
        int[] imms = {0, 1, 0x1234, 0x8000, 0xFFFF, 0xABCD};
        for (Size s : SIZES) {
            for (int i = 0; i < 32; i++) {
                XReg d = ZR[i];
                int imm = imms[i % imms.length];
                int sh = 16 * (i % (s.bits() / 16));
                String t = r(s, d) + ", #" + imm + ", lsl #" + sh;
                as.add("movz " + t, a -> a.movz(s, d, imm, sh));
                as.add("movn " + t, a -> a.movn(s, d, imm, sh));
                as.add("movk " + t, a -> a.movk(s, d, imm, sh));
            }
        }
        as.verify();
    }

    static List<Long> interestingConstants() {
        List<Long> out = new ArrayList<>(List.of(0L, 1L, -1L, 0xFFFFL, 0x10000L, 0xFFFF_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L,
                0x1234_5678L, 0x8000_0000L, 0x7FFF_FFFFL, -0x8000_0000L, Long.MIN_VALUE, Long.MAX_VALUE,
                0x0123_4567_89AB_CDEFL, 0xFFFF_FFFF_FFFF_1234L, 0x1234_FFFF_FFFF_FFFFL, 0xFFFF_1234_FFFF_5678L,
                0x0000_1234_0000_5678L, 0x5555_5555_5555_5555L, 0x5555_5555_5555_1234L, 0x1234_00FF_00FF_00FFL,
                0x0F0F_ABCD_0F0F_0F0FL, 0xFFFE_FFFE_1234_FFFEL, 0x00FF_00FF_00FF_00FFL, 0x3FF0_0000_0000_0000L,
                0x4000_0000_0000_0000L, 0x7FF8_0000_0000_0000L, 0xC1E0_0000_0000_0000L, 0x43E0_0000_0000_0000L, 4096L,
                -4096L, 0xFFFF_0000_FFFF_0000L, 0x0001_0000_0001_0000L, 0xFFFF_FFFF_0000_0000L, 0x8000_0000_0000_0001L));
        java.util.Random rnd = new java.util.Random(7);
        for (int k = 0; k < 300; k++) {
            long v = rnd.nextLong();
            // random masks of halfwords forced to 0 or 0xFFFF
            for (int h = 0; h < 4; h++) {
                int c = rnd.nextInt(3);
                if (c == 1) {
                    v &= ~(0xFFFFL << (16 * h));
                } else if (c == 2) {
                    v |= 0xFFFFL << (16 * h);
                }
            }
            out.add(v);
        }
        return out;
    }

    static java.util.Set<Long> logicalImmediates64;

    /** Whether one halfword of {@code v}, replaced by another of its halfwords, gives a logical immediate. */
    static boolean orrMovkPossible(long v) {
        if (logicalImmediates64 == null) {
            logicalImmediates64 = new java.util.HashSet<>(allLogicalImmediates(true));
        }
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                long c = (v & ~(0xFFFFL << (16 * i))) | ((v >>> (16 * j)) & 0xFFFF) << (16 * i);
                if (logicalImmediates64.contains(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void addImmediateAndAddressMacros() {
        GnuAs as = new GnuAs("addImm / address");
        for (Size s : SIZES) {
            String d = r(s, XReg.X0);
            String n = r(s, XReg.X1);
            String sp = r(s, XReg.SP);
            String t = r(s, XReg.X16);
            as.add("", a -> a.addImm(s, XReg.X1, XReg.X1, 0, null));
            as.add("mov " + d + ", " + n, a -> a.addImm(s, XReg.X0, XReg.X1, 0, null));
            as.add("add " + d + ", " + n + ", #4095", a -> a.addImm(s, XReg.X0, XReg.X1, 4095, null));
            as.add("sub " + d + ", " + n + ", #16", a -> a.addImm(s, XReg.X0, XReg.X1, -16, null));
            as.add("sub " + sp + ", " + sp + ", #0x5000", a -> a.addImm(s, XReg.SP, XReg.SP, -0x5000, null));
            as.add("add " + d + ", " + n + ", #0x12, lsl #12\nadd " + d + ", " + d + ", #0x345",
                    a -> a.addImm(s, XReg.X0, XReg.X1, 0x12345, null));
            as.add("sub " + sp + ", " + sp + ", #0xfff, lsl #12\nsub " + sp + ", " + sp + ", #0xfff",
                    a -> a.addImm(s, XReg.SP, XReg.SP, -0xFFFFFF, XReg.X16));
            as.add("mov " + t + ", #0x1000000\nadd " + d + ", " + n + ", " + t, a -> a.addImm(s, XReg.X0, XReg.X1, 0x1000000, XReg.X16));
            as.add("mov " + t + ", #-0x1000000\nadd " + sp + ", " + sp + ", " + t,
                    a -> a.addImm(s, XReg.SP, XReg.SP, -0x1000000, XReg.X16));
        }
        for (long off : new long[] {0, 8, -8, 32760, 32768, -257, 1L << 32}) {
            String mem = Address.offsetForm(off, 8) != OffsetForm.NEEDS_REGISTER
                    ? (Address.offsetForm(off, 8) == OffsetForm.SCALED_IMM12 ? "ldr" : "ldur") + " x0, [x1, #" + off + "]"
                    : "mov x17, #" + off + "\nldr x0, [x1, x17]";
            as.add(mem, a -> a.ldr(Size.X, XReg.X0, a.address(XReg.X1, off, 8, XReg.X17)));
        }
        as.verify();
    }

    /**
     * {@code movImm}: where GNU as accepts {@code mov rd, #value} (one movz, movn or orr) the bytes must be
     * the same; elsewhere the sequence must be the fewest movz/movn+movk instructions, and its
     * disassembly by GNU objdump, interpreted, must produce the value.
     */
    @Test
    void movImmediateSequences() {
        for (Size s : SIZES) {
            List<Long> values = new ArrayList<>();
            for (long v : interestingConstants()) {
                values.add(s == Size.W ? v & 0xFFFF_FFFFL : v);
            }
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                lines.add("mov " + r(s, ZR[i % 31]) + ", #0x" + Long.toHexString(values.get(i)));
            }
            TreeSet<Integer> multi = GnuAs.rejectedLines(lines);
            GnuAs as = new GnuAs("mov (immediate) " + s);
            java.io.ByteArrayOutputStream blob = new java.io.ByteArrayOutputStream();
            List<long[]> sequences = new ArrayList<>(); // {value, first word, word count}
            for (int i = 0; i < values.size(); i++) {
                long v = values.get(i);
                XReg d = ZR[i % 31];
                Assembler a = new Assembler();
                a.movImm(s, d, v);
                byte[] code = a.finish();
                if (!multi.contains(i)) {
                    as.add(lines.get(i), b -> b.movImm(s, d, v));
                    continue;
                }
                int halves = s.bits() / 16;
                int nonZero = 0;
                int nonOnes = 0;
                for (int h = 0; h < halves; h++) {
                    long hw = (v >>> (16 * h)) & 0xFFFF;
                    nonZero += hw != 0 ? 1 : 0;
                    nonOnes += hw != 0xFFFF ? 1 : 0;
                }
                int fewest = Math.min(nonZero, nonOnes);
                if (fewest >= 3 && orrMovkPossible(v)) {
                    fewest = 2;
                }
                assertEquals(fewest * 4, code.length, "length of mov " + Long.toHexString(v));
                sequences.add(new long[] {v, blob.size() / 4, code.length / 4});
                blob.writeBytes(code);
            }
            List<String> listing = GnuAs.disassemble(blob.toByteArray());
            for (long[] seq : sequences) {
                long v = seq[0];
                List<String> insns = listing.subList((int) seq[1], (int) (seq[1] + seq[2]));
                long value = 0;
                for (String insn : insns) {
                    String[] p = insn.split("[ ,]+");
                    String immText = p[2].substring(1);
                    long imm = immText.startsWith("0x") ? Long.parseUnsignedLong(immText.substring(2), 16) : Long.parseLong(immText);
                    if (p[0].equals("mov")) {
                        value = imm;
                    } else {
                        assertEquals("movk", p[0], insn);
                        int sh = p.length > 3 ? Integer.parseInt(p[4].substring(1)) : 0;
                        value = (value & ~(0xFFFFL << sh)) | imm << sh;
                    }
                }
                if (s == Size.W) {
                    value &= 0xFFFF_FFFFL;
                }
                assertEquals(v, value, "value of mov " + Long.toHexString(v) + ": " + insns);
            }
            assertTrue(as.size() > 30 && multi.size() > 30, "both single- and multi-instruction constants are covered");
            as.verify();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Bitfield, extract, shifts

    @Test
    void bitfield() {
        GnuAs as = new GnuAs("bitfield and extract");
        for (Size s : SIZES) {
            int bits = s.bits();
            for (int i = 0; i < 32; i++) {
                XReg d = ZR[i];
                XReg n = ZR[(i * 7 + 2) % 32];
                XReg m = ZR[(i * 3 + 9) % 32];
                int immr = (i * 5) % bits;
                int imms = (i * 11 + 3) % bits;
                String t = r(s, d) + ", " + r(s, n) + ", #" + immr + ", #" + imms;
                as.add("sbfm " + t, a -> a.sbfm(s, d, n, immr, imms));
                as.add("bfm " + t, a -> a.bfm(s, d, n, immr, imms));
                as.add("ubfm " + t, a -> a.ubfm(s, d, n, immr, imms));
                int lsb = (i * 7) % bits;
                int width = 1 + (i * 13) % (bits - lsb);
                String fld = r(s, d) + ", " + r(s, n) + ", #" + lsb + ", #" + width;
                as.add("ubfx " + fld, a -> a.ubfx(s, d, n, lsb, width));
                as.add("sbfx " + fld, a -> a.sbfx(s, d, n, lsb, width));
                as.add("ubfiz " + fld, a -> a.ubfiz(s, d, n, lsb, width));
                as.add("sbfiz " + fld, a -> a.sbfiz(s, d, n, lsb, width));
                as.add("bfi " + fld, a -> a.bfi(s, d, n, lsb, width));
                as.add("bfxil " + fld, a -> a.bfxil(s, d, n, lsb, width));
                int e = (i * 3) % bits;
                as.add("extr " + r(s, d) + ", " + r(s, n) + ", " + r(s, m) + ", #" + e, a -> a.extr(s, d, n, m, e));
                as.add("sxtb " + r(s, d) + ", " + r(Size.W, n), a -> a.sxtb(s, d, n));
                as.add("sxth " + r(s, d) + ", " + r(Size.W, n), a -> a.sxth(s, d, n));
            }
            for (int sh = 0; sh < bits; sh++) {
                int k = sh;
                XReg d = ZR[sh % 32];
                XReg n = ZR[(sh * 7 + 1) % 32];
                String t = r(s, d) + ", " + r(s, n) + ", #" + sh;
                as.add("lsl " + t, a -> a.lsl(s, d, n, k));
                as.add("lsr " + t, a -> a.lsr(s, d, n, k));
                as.add("asr " + t, a -> a.asr(s, d, n, k));
                as.add("ror " + t, a -> a.ror(s, d, n, k));
            }
        }
        for (int i = 0; i < 32; i++) {
            XReg d = ZR[i];
            XReg n = ZR[31 - i];
            as.add("sxtw " + r(Size.X, d) + ", " + r(Size.W, n), a -> a.sxtw(d, n));
            as.add("uxtb " + r(Size.W, d) + ", " + r(Size.W, n), a -> a.uxtb(d, n));
            as.add("uxth " + r(Size.W, d) + ", " + r(Size.W, n), a -> a.uxth(d, n));
        }
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // Data processing: 1, 2, 3 sources; conditional select and compare

    @Test
    void dataProcessing() {
        GnuAs as = new GnuAs("data processing (1, 2, 3 source)");
        for (Size s : SIZES) {
            for (int i = 0; i < 32; i++) {
                XReg d = ZR[i];
                XReg n = ZR[(i * 5 + 7) % 32];
                XReg m = ZR[(i * 3 + 1) % 32];
                XReg ra = ZR[(i * 9 + 4) % 32];
                String t3 = r(s, d) + ", " + r(s, n) + ", " + r(s, m);
                String t2 = r(s, d) + ", " + r(s, n);
                as.add("lslv " + t3, a -> a.lslv(s, d, n, m));
                as.add("lsrv " + t3, a -> a.lsrv(s, d, n, m));
                as.add("asrv " + t3, a -> a.asrv(s, d, n, m));
                as.add("rorv " + t3, a -> a.rorv(s, d, n, m));
                as.add("udiv " + t3, a -> a.udiv(s, d, n, m));
                as.add("sdiv " + t3, a -> a.sdiv(s, d, n, m));
                as.add("mul " + t3, a -> a.mul(s, d, n, m));
                as.add("mneg " + t3, a -> a.mneg(s, d, n, m));
                as.add("madd " + t3 + ", " + r(s, ra), a -> a.madd(s, d, n, m, ra));
                as.add("msub " + t3 + ", " + r(s, ra), a -> a.msub(s, d, n, m, ra));
                as.add("rbit " + t2, a -> a.rbit(s, d, n));
                as.add("rev " + t2, a -> a.rev(s, d, n));
                as.add("rev16 " + t2, a -> a.rev16(s, d, n));
                as.add("clz " + t2, a -> a.clz(s, d, n));
                as.add("cls " + t2, a -> a.cls(s, d, n));
            }
        }
        for (int i = 0; i < 32; i++) {
            XReg d = ZR[i];
            XReg n = ZR[(i * 5 + 7) % 32];
            XReg m = ZR[(i * 3 + 1) % 32];
            as.add("smulh " + x(d) + ", " + x(n) + ", " + x(m), a -> a.smulh(d, n, m));
            as.add("umulh " + x(d) + ", " + x(n) + ", " + x(m), a -> a.umulh(d, n, m));
            as.add("smull " + x(d) + ", " + r(Size.W, n) + ", " + r(Size.W, m), a -> a.smull(d, n, m));
            as.add("umull " + x(d) + ", " + r(Size.W, n) + ", " + r(Size.W, m), a -> a.umull(d, n, m));
        }
        as.verify();
    }

    @Test
    void conditionalSelectAndCompare() {
        GnuAs as = new GnuAs("conditional select / compare");
        for (Size s : SIZES) {
            for (Cond c : Cond.values()) {
                for (int j = 0; j < 4; j++) {
                    int i = c.ordinal() * 2 + j * 9;
                    XReg d = ZR[i % 32];
                    XReg n = ZR[(i * 5 + 7) % 32];
                    XReg m = ZR[(i * 3 + 1) % 32];
                    String cc = ", " + c.mnemonic();
                    String t3 = r(s, d) + ", " + r(s, n) + ", " + r(s, m) + cc;
                    as.add("csel " + t3, a -> a.csel(s, d, n, m, c));
                    as.add("csinc " + t3, a -> a.csinc(s, d, n, m, c));
                    as.add("csinv " + t3, a -> a.csinv(s, d, n, m, c));
                    as.add("csneg " + t3, a -> a.csneg(s, d, n, m, c));
                    int nzcv = i % 16;
                    int imm = (i * 3) % 32;
                    as.add("ccmp " + r(s, n) + ", " + r(s, m) + ", #" + nzcv + cc, a -> a.ccmp(s, n, m, nzcv, c));
                    as.add("ccmp " + r(s, n) + ", #" + imm + ", #" + nzcv + cc, a -> a.ccmp(s, n, imm, nzcv, c));
                    as.add("ccmn " + r(s, n) + ", " + r(s, m) + ", #" + nzcv + cc, a -> a.ccmn(s, n, m, nzcv, c));
                    as.add("ccmn " + r(s, n) + ", #" + imm + ", #" + nzcv + cc, a -> a.ccmn(s, n, imm, nzcv, c));
                    if (c != Cond.AL) {
                        as.add("cset " + r(s, d) + cc, a -> a.cset(s, d, c));
                        as.add("csetm " + r(s, d) + cc, a -> a.csetm(s, d, c));
                        as.add("cinc " + r(s, d) + ", " + r(s, n) + cc, a -> a.cinc(s, d, n, c));
                        as.add("cinv " + r(s, d) + ", " + r(s, n) + cc, a -> a.cinv(s, d, n, c));
                        as.add("cneg " + r(s, d) + ", " + r(s, n) + cc, a -> a.cneg(s, d, n, c));
                    }
                }
            }
        }
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // Loads and stores

    /** One integer or FP load/store kind: mnemonic, unscaled mnemonic, access bytes, register spelling. */
    record Access(String name, String unscaled, int bytes, String regPrefix, Emit emit) {
    }

    interface Emit {
        void emit(Assembler a, int reg, Address address);
    }

    static XReg gp(int i) {
        return ZR[i & 31];
    }

    static List<Access> accesses() {
        List<Access> out = new ArrayList<>();
        out.add(new Access("ldr", "ldur", 8, "x", (a, r, m) -> a.ldr(Size.X, gp(r), m)));
        out.add(new Access("ldr", "ldur", 4, "w", (a, r, m) -> a.ldr(Size.W, gp(r), m)));
        out.add(new Access("str", "stur", 8, "x", (a, r, m) -> a.str(Size.X, gp(r), m)));
        out.add(new Access("str", "stur", 4, "w", (a, r, m) -> a.str(Size.W, gp(r), m)));
        out.add(new Access("ldrb", "ldurb", 1, "w", (a, r, m) -> a.ldrb(gp(r), m)));
        out.add(new Access("ldrh", "ldurh", 2, "w", (a, r, m) -> a.ldrh(gp(r), m)));
        out.add(new Access("ldrsb", "ldursb", 1, "x", (a, r, m) -> a.ldrsb(Size.X, gp(r), m)));
        out.add(new Access("ldrsb", "ldursb", 1, "w", (a, r, m) -> a.ldrsb(Size.W, gp(r), m)));
        out.add(new Access("ldrsh", "ldursh", 2, "x", (a, r, m) -> a.ldrsh(Size.X, gp(r), m)));
        out.add(new Access("ldrsh", "ldursh", 2, "w", (a, r, m) -> a.ldrsh(Size.W, gp(r), m)));
        out.add(new Access("ldrsw", "ldursw", 4, "x", (a, r, m) -> a.ldrsw(gp(r), m)));
        out.add(new Access("strb", "sturb", 1, "w", (a, r, m) -> a.strb(gp(r), m)));
        out.add(new Access("strh", "sturh", 2, "w", (a, r, m) -> a.strh(gp(r), m)));
        out.add(new Access("ldr", "ldur", 4, "s", (a, r, m) -> a.ldr(FpSize.S, v(r), m)));
        out.add(new Access("ldr", "ldur", 8, "d", (a, r, m) -> a.ldr(FpSize.D, v(r), m)));
        out.add(new Access("str", "stur", 4, "s", (a, r, m) -> a.str(FpSize.S, v(r), m)));
        out.add(new Access("str", "stur", 8, "d", (a, r, m) -> a.str(FpSize.D, v(r), m)));
        return out;
    }

    static String regText(String prefix, int r) {
        if (r == 31 && (prefix.equals("x") || prefix.equals("w"))) {
            return prefix + "zr";
        }
        return prefix + r;
    }

    static String memText(Address m, int bytes) {
        String b = x(m.base());
        return switch (m.mode()) {
            case OFFSET -> m.offset() == 0 ? "[" + b + "]" : "[" + b + ", #" + m.offset() + "]";
            case PRE_INDEX -> "[" + b + ", #" + m.offset() + "]!";
            case POST_INDEX -> "[" + b + "], #" + m.offset();
            case REGISTER -> {
                String idx = r(m.extend().isX() ? Size.X : Size.W, m.index());
                String ext = m.extend() == Extend.UXTX ? "lsl" : lc(m.extend());
                int amount = Integer.numberOfTrailingZeros(bytes);
                if (m.scaled()) {
                    yield "[" + b + ", " + idx + ", " + ext + " #" + amount + "]";
                }
                yield m.extend() == Extend.UXTX ? "[" + b + ", " + idx + "]" : "[" + b + ", " + idx + ", " + ext + "]";
            }
        };
    }

    @Test
    void loadsAndStores() {
        GnuAs as = new GnuAs("ldr/str and friends");
        Extend[] exts = {Extend.UXTW, Extend.SXTW, Extend.UXTX, Extend.SXTX};
        for (Access acc : accesses()) {
            int b = acc.bytes;
            long[] offsets = {0, b, 8L * b, 4095L * b, 1000L * b, -1, -256, 255, 3, -8, 17};
            for (int i = 0; i < 32; i++) {
                int rt = (i * 7 + 3) % 32;
                XReg base = SPR[i];
                long off = offsets[i % offsets.length];
                Address m = Address.offset(base, off);
                OffsetForm form = Address.offsetForm(off, b);
                String name = form == OffsetForm.SCALED_IMM12 ? acc.name : acc.unscaled;
                String reg = regText(acc.regPrefix, rt);
                as.add(name + " " + reg + ", " + memText(m, b), a -> acc.emit.emit(a, rt, m));
                // write-back with a base different from the transfer register
                XReg wbBase = SPR[(i + 5) % 32];
                if (acc.regPrefix.equals("s") || acc.regPrefix.equals("d") || wbBase.encoding() != rt || wbBase == XReg.SP) {
                    long wb = new long[] {-256, -16, -1, 0, 1, 8, 255}[i % 7];
                    Address pre = Address.preIndex(wbBase, wb);
                    Address post = Address.postIndex(wbBase, wb);
                    as.add(acc.name + " " + reg + ", " + memText(pre, b), a -> acc.emit.emit(a, rt, pre));
                    as.add(acc.name + " " + reg + ", " + memText(post, b), a -> acc.emit.emit(a, rt, post));
                }
                Extend e = exts[i % 4];
                XReg idx = ZR[(i * 11 + 6) % 32];
                for (boolean scaled : new boolean[] {false, true}) {
                    Address rm = Address.index(base, idx, e, scaled);
                    as.add(acc.name + " " + reg + ", " + memText(rm, b), a -> acc.emit.emit(a, rt, rm));
                }
            }
            Address plain = Address.index(XReg.X3, XReg.X4);
            as.add(acc.name + " " + regText(acc.regPrefix, 1) + ", [x3, x4]", a -> acc.emit.emit(a, 1, plain));
            as.add(acc.name + " " + regText(acc.regPrefix, 2) + ", [sp]", a -> acc.emit.emit(a, 2, Address.base(XReg.SP)));
        }
        as.verify();
    }

    @Test
    void loadStorePairs() {
        GnuAs as = new GnuAs("ldp/stp");
        record PairKind(String prefix, int bytes, boolean fp, Size size, FpSize fsize) {
        }
        List<PairKind> kinds = List.of(new PairKind("x", 8, false, Size.X, null), new PairKind("w", 4, false, Size.W, null),
                new PairKind("d", 8, true, null, FpSize.D), new PairKind("s", 4, true, null, FpSize.S));
        for (PairKind k : kinds) {
            int b = k.bytes;
            long[] offsets = {0, b, -b, 63L * b, -64L * b, 16L * b, -2L * b};
            for (int i = 0; i < 32; i++) {
                int r1 = i;
                int r2 = (i * 7 + 5) % 32;
                if (r1 == r2) {
                    r2 = (r2 + 1) % 32;
                }
                int t1 = r1;
                int t2 = r2;
                XReg base = SPR[(i * 3 + 11) % 32];
                if (!k.fp && (base.encoding() == t1 || base.encoding() == t2) && base != XReg.SP) {
                    base = XReg.SP;
                }
                long off = offsets[i % offsets.length];
                String regs = regText(k.prefix, t1) + ", " + regText(k.prefix, t2) + ", ";
                for (Address m : new Address[] {Address.offset(base, off), Address.preIndex(base, off), Address.postIndex(base, off)}) {
                    String text = regs + memText(m, b);
                    as.add("ldp " + text, a -> {
                        if (k.fp) {
                            a.ldp(k.fsize, v(t1), v(t2), m);
                        } else {
                            a.ldp(k.size, gp(t1), gp(t2), m);
                        }
                    });
                    as.add("stp " + text, a -> {
                        if (k.fp) {
                            a.stp(k.fsize, v(t1), v(t2), m);
                        } else {
                            a.stp(k.size, gp(t1), gp(t2), m);
                        }
                    });
                }
            }
        }
        as.add("stp x29, x30, [sp, #-16]!", a -> a.stp(Size.X, XReg.FP, XReg.LR, Address.preIndex(XReg.SP, -16)));
        as.add("ldp x29, x30, [sp], #16", a -> a.ldp(Size.X, XReg.FP, XReg.LR, Address.postIndex(XReg.SP, 16)));
        as.verify();
    }

    @Test
    void literalLoads() {
        GnuAs as = new GnuAs("ldr (literal)");
        for (int i = 0; i < 32; i++) {
            XReg t = ZR[i];
            VReg fv = VReg.v(31 - i);
            as.addLabel("ldr " + r(Size.X, t) + ", $L", (a, l) -> a.ldr(Size.X, t, l));
            as.addLabel("ldr " + r(Size.W, t) + ", $L", (a, l) -> a.ldr(Size.W, t, l));
            as.addLabel("ldrsw " + r(Size.X, t) + ", $L", (a, l) -> a.ldrsw(t, l));
            as.addLabel("ldr " + f(FpSize.D, fv) + ", $L", (a, l) -> a.ldr(FpSize.D, fv, l));
            as.addLabel("ldr " + f(FpSize.S, fv) + ", $L", (a, l) -> a.ldr(FpSize.S, fv, l));
        }
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // Branches

    @Test
    void branches() {
        GnuAs as = new GnuAs("branches");
        as.addLabel("b $L", Assembler::b);
        as.addLabel("bl $L", Assembler::bl);
        for (Cond c : Cond.values()) {
            as.addLabel("b." + c.mnemonic() + " $L", (a, l) -> a.b(c, l));
        }
        for (int i = 0; i < 32; i++) {
            XReg t = ZR[i];
            Size s = SIZES[i % 2];
            int bit = (i * 7) % 64;
            String bitReg = r(bit < 32 ? Size.W : Size.X, t);
            as.addLabel("cbz " + r(s, t) + ", $L", (a, l) -> a.cbz(s, t, l));
            as.addLabel("cbnz " + r(s, t) + ", $L", (a, l) -> a.cbnz(s, t, l));
            as.addLabel("tbz " + bitReg + ", #" + bit + ", $L", (a, l) -> a.tbz(t, bit, l));
            as.addLabel("tbnz " + bitReg + ", #" + bit + ", $L", (a, l) -> a.tbnz(t, bit, l));
            as.addLabel("adr " + x(t) + ", $L", (a, l) -> a.adr(t, l));
            as.add("br " + x(t), a -> a.br(t));
            as.add("blr " + x(t), a -> a.blr(t));
            as.add("ret " + x(t), a -> a.ret(t));
        }
        as.add("ret", Assembler::ret);
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // Floating point

    @Test
    void floatingPointArithmetic() {
        GnuAs as = new GnuAs("scalar floating point");
        for (FpSize s : FP_SIZES) {
            for (int i = 0; i < 32; i++) {
                VReg d = v(i);
                VReg n = v(i * 5 + 3);
                VReg m = v(i * 7 + 1);
                String t3 = f(s, d) + ", " + f(s, n) + ", " + f(s, m);
                String t2 = f(s, d) + ", " + f(s, n);
                as.add("fadd " + t3, a -> a.fadd(s, d, n, m));
                as.add("fsub " + t3, a -> a.fsub(s, d, n, m));
                as.add("fmul " + t3, a -> a.fmul(s, d, n, m));
                as.add("fdiv " + t3, a -> a.fdiv(s, d, n, m));
                as.add("fmin " + t3, a -> a.fmin(s, d, n, m));
                as.add("fmax " + t3, a -> a.fmax(s, d, n, m));
                as.add("fminnm " + t3, a -> a.fminnm(s, d, n, m));
                as.add("fmaxnm " + t3, a -> a.fmaxnm(s, d, n, m));
                as.add("fnmul " + t3, a -> a.fnmul(s, d, n, m));
                as.add("fmov " + t2, a -> a.fmov(s, d, n));
                as.add("fabs " + t2, a -> a.fabs(s, d, n));
                as.add("fneg " + t2, a -> a.fneg(s, d, n));
                as.add("fsqrt " + t2, a -> a.fsqrt(s, d, n));
                as.add("frintn " + t2, a -> a.frintn(s, d, n));
                as.add("frintp " + t2, a -> a.frintp(s, d, n));
                as.add("frintm " + t2, a -> a.frintm(s, d, n));
                as.add("frintz " + t2, a -> a.frintz(s, d, n));
                as.add("fcmp " + f(s, n) + ", " + f(s, m), a -> a.fcmp(s, n, m));
                as.add("fcmp " + f(s, n) + ", #0.0", a -> a.fcmpZero(s, n));
                Cond c = Cond.values()[i % 15];
                as.add("fcsel " + t3 + ", " + c.mnemonic(), a -> a.fcsel(s, d, n, m, c));
                FpSize o = s == FpSize.S ? FpSize.D : FpSize.S;
                as.add("fcvt " + f(o, d) + ", " + f(s, n), a -> a.fcvt(o, d, s, n));
                for (Size is : SIZES) {
                    XReg g = ZR[(i * 3 + is.ordinal()) % 32];
                    as.add("scvtf " + f(s, d) + ", " + r(is, g), a -> a.scvtf(s, d, is, g));
                    as.add("ucvtf " + f(s, d) + ", " + r(is, g), a -> a.ucvtf(s, d, is, g));
                    as.add("fcvtzs " + r(is, g) + ", " + f(s, n), a -> a.fcvtzs(is, g, s, n));
                    as.add("fcvtzu " + r(is, g) + ", " + f(s, n), a -> a.fcvtzu(is, g, s, n));
                }
                XReg g = ZR[(i * 13 + 2) % 32];
                Size gs = s.intSize();
                as.add("fmov " + f(s, d) + ", " + r(gs, g), a -> a.fmov(s, d, g));
                as.add("fmov " + r(gs, g) + ", " + f(s, n), a -> a.fmov(gs, g, n));
            }
        }
        for (int i = 0; i < 32; i++) {
            VReg d = v(i);
            VReg n = v(31 - i);
            as.add("cnt v" + i + ".8b, v" + (31 - i) + ".8b", a -> a.cnt8b(d, n));
            as.add("addv b" + i + ", v" + (31 - i) + ".8b", a -> a.addv8b(d, n));
            as.add("movi d" + i + ", #0", a -> a.moviZero(d));
        }
        as.verify();
    }

    /** Every one of the 256 fmov immediates (value built from the Arm ARM's VFPExpandImm), and values that are not. */
    @Test
    void floatingPointImmediates() {
        GnuAs as = new GnuAs("fmov (immediate)");
        List<Double> all = new ArrayList<>();
        for (int imm8 = 0; imm8 < 256; imm8++) {
            int sign = imm8 >>> 7;
            int b = (imm8 >>> 6) & 1;
            int cd = (imm8 >>> 4) & 3;
            int frac = imm8 & 15;
            int exp = b == 0 ? cd + 1 : cd - 3;
            double value = (sign == 1 ? -1 : 1) * (16 + frac) / 16.0 * Math.pow(2, exp);
            all.add(value);
            assertEquals(imm8, Assembler.encodeFpImmediate(value), "imm8 of " + value);
            for (FpSize s : FP_SIZES) {
                VReg d = v(imm8 + s.ordinal());
                as.add("fmov " + f(s, d) + ", #" + value, a -> a.fmov(s, d, value));
            }
        }
        as.verify();
        double[] not = {0.0, -0.0, 0.1, 32.0, 0.0625, 1.03125, 33.0, Double.NaN, Double.POSITIVE_INFINITY, 1e10, -100.0, 0.12};
        List<String> lines = new ArrayList<>();
        for (double d : not) {
            assertEquals(-1, Assembler.encodeFpImmediate(d), "not an fmov immediate: " + d);
            if (Double.isFinite(d)) {
                lines.add("fmov d0, #" + d);
            }
        }
        assertEquals(lines.size(), GnuAs.rejectedLines(lines).size(), "GNU as rejects every value refused: " + lines);
        assertEquals(256, new java.util.HashSet<>(all).size());
    }

    // ---------------------------------------------------------------------------------------------
    // System

    @Test
    void system() {
        GnuAs as = new GnuAs("brk/udf/svc/nop/ldar");
        for (int imm : new int[] {0, 1, 0x3E8, 0x7FFF, 0x8000, 0xFFFF, 0x1234}) {
            as.add("brk #" + imm, a -> a.brk(imm));
            as.add("udf #" + imm, a -> a.udf(imm));
            as.add("svc #" + imm, a -> a.svc(imm));
        }
        as.add("nop", Assembler::nop);
        for (Size s : SIZES) {
            for (int i = 0; i < 32; i++) {
                XReg t = ZR[i];
                XReg n = SPR[(i * 7 + 3) & 31];
                as.add("ldar " + r(s, t) + ", [" + x(n) + "]", a -> a.ldar(s, t, n));
            }
        }
        as.verify();
    }
}
