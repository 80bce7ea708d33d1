package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every Advanced SIMD (NEON) encoding of {@link Assembler} byte for byte against GNU {@code as}
 * for AArch64 ({@link GnuAs}): every {@link NeonOp} in every arrangement it has, with register numbers
 * sweeping 0..31, every shift amount and lane index at the boundaries, the 128-bit loads, stores and
 * pairs, and {@code movi}. Arrangements an instruction lacks are refused by the assembler (checked
 * against a few GNU {@code as} rejects). Skipped with a message without the binutils (failed under
 * {@code CI=true}).
 */
class NeonGnuAsTest {

    @BeforeAll
    static void requireBinutils() {
        GnuAs.require();
    }

    private static String v(VReg r, Arrangement t) {
        return r + "." + t;
    }

    /** The arrangement with elements twice as wide as {@code t}'s, 128 bits. */
    private static Arrangement wide(Arrangement t) {
        return Arrangement.full(t.size() + 1);
    }

    private static boolean accepts(NeonOp op, Arrangement t) {
        try {
            switch (op.form()) {
                case THREE_SAME, PERMUTE, LONG, TBL -> new Assembler().neon(op, t, VReg.V0, VReg.V1, VReg.V2);
                case TWO_MISC, LONG_MISC, NARROW, ACROSS, SCALAR_PAIR -> new Assembler().neon(op, t, VReg.V0, VReg.V1);
                default -> {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The GNU spelling of {@code op} on registers d, n, m in arrangement {@code t}, or null for the copy forms. */
    static String text(NeonOp op, Arrangement t, VReg d, VReg n, VReg m) {
        String mn = op.mnemonic(t);
        return switch (op.form()) {
            case THREE_SAME, PERMUTE -> mn + " " + v(d, t) + ", " + v(n, t) + ", " + v(m, t);
            case LONG -> mn + " " + v(d, wide(t)) + ", " + v(n, t) + ", " + v(m, t);
            case TBL -> mn + " " + v(d, t) + ", {" + v(n, Arrangement.B16) + "}, " + v(m, t);
            case TWO_MISC -> mn + " " + v(d, t) + ", " + v(n, t) + (op == NeonOp.CMEQ_ZERO ? ", #0" : "");
            case LONG_MISC -> mn + " " + v(d, op == NeonOp.FCVTL ? Arrangement.D2
                    : Arrangement.values()[2 * (t.size() + 1) + t.q()]) + ", " + v(n, t);
            case NARROW -> mn + " " + v(d, t) + ", " + v(n, op == NeonOp.FCVTN ? Arrangement.D2 : wide(t));
            case ACROSS -> mn + " " + "bhs".charAt(t.size()) + d.ordinal() + ", " + v(n, t);
            case SCALAR_PAIR -> mn + " d" + d.ordinal() + ", " + v(n, t);
            default -> null;
        };
    }

    @Test
    void vectorInstructionsInEveryArrangement() {
        GnuAs as = new GnuAs("advanced simd");
        int k = 0;
        for (NeonOp op : NeonOp.values()) {
            for (Arrangement t : Arrangement.values()) {
                if (!accepts(op, t)) {
                    continue;
                }
                for (int i = 0; i < 32; i += 7) {
                    VReg d = VReg.v((i + k) & 31);
                    VReg n = VReg.v((i * 5 + 3 + k) & 31);
                    VReg m = VReg.v((i * 11 + 30 + k) & 31);
                    k++;
                    String line = text(op, t, d, n, m);
                    switch (op.form()) {
                        case THREE_SAME, PERMUTE, LONG, TBL -> as.add(line, a -> a.neon(op, t, d, n, m));
                        case TWO_MISC, LONG_MISC, NARROW, ACROSS, SCALAR_PAIR -> as.add(line, a -> a.neon(op, t, d, n));
                        default -> {
                        }
                    }
                }
            }
        }
        as.verify();
    }

    @Test
    void shiftsByImmediate() {
        GnuAs as = new GnuAs("advanced simd shifts");
        for (Arrangement t : Arrangement.values()) {
            if (t == Arrangement.D1) {
                continue;
            }
            int esize = t.elementBits();
            for (int s : new int[] {0, 1, 3, esize / 2, esize - 1, esize}) {
                VReg d = VReg.v(s & 31);
                VReg n = VReg.v((31 - s) & 31);
                if (s >= 1) {
                    for (NeonOp op : new NeonOp[] {NeonOp.SSHR, NeonOp.USHR}) {
                        as.add(op.mnemonic(t) + " " + v(d, t) + ", " + v(n, t) + ", #" + s, a -> a.neonShift(op, t, d, n, s));
                    }
                }
                if (s < esize) {
                    as.add("shl " + v(d, t) + ", " + v(n, t) + ", #" + s, a -> a.neonShift(NeonOp.SHL, t, d, n, s));
                    if (esize < 64) {
                        for (NeonOp op : new NeonOp[] {NeonOp.SSHLL, NeonOp.USHLL}) {
                            as.add(op.mnemonic(t) + " " + v(d, wide(t)) + ", " + v(n, t) + ", #" + s,
                                    a -> a.neonShift(op, t, d, n, s));
                        }
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neonShift(NeonOp.SHL, Arrangement.S4, VReg.V0, VReg.V1, 32));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neonShift(NeonOp.USHR, Arrangement.S4, VReg.V0, VReg.V1, 0));
        as.verify();
    }

    @Test
    void copiesExtractsAndConstants() {
        GnuAs as = new GnuAs("advanced simd copy");
        char[] el = {'b', 'h', 's', 'd'};
        for (int size = 0; size < 4; size++) {
            Arrangement full = Arrangement.full(size);
            int lanes = 16 >> size;
            for (int lane : new int[] {0, 1, lanes / 2, lanes - 1}) {
                VReg d = VReg.v((lane * 3 + size) & 31);
                VReg n = VReg.v((29 - lane) & 31);
                XReg g = XReg.x((lane * 7 + size) % 31);
                String e = "." + el[size] + "[" + lane + "]";
                String gw = (size == 3 ? "x" : "w") + g.ordinal();
                as.add("dup " + v(d, full) + ", " + n + e, a -> a.copy(NeonOp.DUP_ELEMENT, full, d, n, lane));
                as.add("mov " + d + e + ", " + n + "." + el[size] + "[0]", a -> a.copy(NeonOp.INS_ELEMENT, full, d, n, lane));
                as.add("mov " + d + e + ", " + gw, a -> a.copy(NeonOp.INS_GENERAL, full, d, g, lane));
                as.add("umov " + gw + ", " + n + e, a -> a.copy(NeonOp.UMOV, full, n, g, lane));
                if (size < 2) {
                    as.add("smov w" + g.ordinal() + ", " + n + e, a -> a.copy(NeonOp.SMOV, full, n, g, lane));
                }
                if (size >= 2) {
                    as.add("mov " + el[size] + d.ordinal() + ", " + n + e, a -> a.copy(NeonOp.DUP_SCALAR, full, d, n, lane));
                }
            }
            VReg d = VReg.v(size * 9);
            XReg g = XReg.x(size * 5 + 1);
            for (Arrangement t : new Arrangement[] {Arrangement.half(size), full}) {
                if (t != Arrangement.D1) {
                    as.add("dup " + v(d, t) + ", " + (size == 3 ? "x" : "w") + g.ordinal(), a -> a.copy(NeonOp.DUP_GENERAL, t, d, g, 0));
                }
            }
        }
        as.add("dup v3.16b, wzr", a -> a.copy(NeonOp.DUP_GENERAL, Arrangement.B16, VReg.V3, XReg.XZR, 0));
        for (int i = 0; i < 16; i += 5) {
            int idx = i;
            as.add("ext v" + i + ".16b, v" + (i + 1) + ".16b, v" + (31 - i) + ".16b, #" + i,
                    a -> a.ext(Arrangement.B16, VReg.v(idx), VReg.v(idx + 1), VReg.v(31 - idx), idx));
            as.add("ext v" + i + ".8b, v" + (i + 1) + ".8b, v" + (31 - i) + ".8b, #" + (i & 7),
                    a -> a.ext(Arrangement.B8, VReg.v(idx), VReg.v(idx + 1), VReg.v(31 - idx), idx & 7));
            as.add("mov v" + i + ".16b, v" + (30 - i) + ".16b", a -> a.movQ(VReg.v(idx), VReg.v(30 - idx)));
        }
        for (long c : new long[] {0, -1, 0xFF, 0xFF00FF00FF00FF00L, 0x00000000FFFFFFFFL, 0xFF00000000000000L}) {
            as.add("movi v7.2d, #0x" + Long.toHexString(c), a -> a.movi2d(VReg.V7, c));
        }
        assertThrows(IllegalArgumentException.class, () -> new Assembler().movi2d(VReg.V0, 0x1234));
        as.verify();
    }

    @Test
    void quadLoadsStoresAndPairs() {
        GnuAs as = new GnuAs("q loads and stores");
        for (long off : new long[] {0, 16, 32, 4096, 65520, -16, -256, 255, 1, 8}) {
            VReg t = VReg.v((int) (off & 31));
            as.add("ldr q" + t.ordinal() + ", [x3, #" + off + "]", a -> a.ldrQ(t, Address.offset(XReg.X3, off)));
            as.add("str q" + t.ordinal() + ", [sp, #" + off + "]", a -> a.strQ(t, Address.offset(XReg.SP, off)));
        }
        as.add("ldr q1, [x2, x9]", a -> a.ldrQ(VReg.V1, Address.index(XReg.X2, XReg.X9)));
        as.add("str q31, [x20, x0]", a -> a.strQ(VReg.V31, Address.index(XReg.X20, XReg.X0)));
        as.add("ldr q4, [x5, x6, lsl #4]", a -> a.ldrQ(VReg.V4, Address.index(XReg.X5, XReg.X6, Extend.UXTX, true)));
        as.add("str q0, [sp, #-16]!", a -> a.strQ(VReg.V0, Address.preIndex(XReg.SP, -16)));
        as.add("ldr q0, [sp], #16", a -> a.ldrQ(VReg.V0, Address.postIndex(XReg.SP, 16)));
        for (long off : new long[] {0, 16, -1024, 1008, 352}) {
            as.add("stp q8, q9, [sp, #" + off + "]", a -> a.stpQ(VReg.V8, VReg.V9, Address.offset(XReg.SP, off)));
            as.add("ldp q30, q31, [x1, #" + off + "]", a -> a.ldpQ(VReg.V30, VReg.V31, Address.offset(XReg.X1, off)));
        }
        as.add("stp q0, q1, [sp, #-32]!", a -> a.stpQ(VReg.V0, VReg.V1, Address.preIndex(XReg.SP, -32)));
        as.add("ldp q0, q1, [sp], #32", a -> a.ldpQ(VReg.V0, VReg.V1, Address.postIndex(XReg.SP, 32)));
        as.addLabel("ldr q5, $L", (a, l) -> a.ldrQ(VReg.V5, l));
        as.verify();
    }

    @Test
    void missingArrangementsAreRefusedAsGnuAsRefusesThem() {
        java.util.List<String> lines = java.util.List.of("mul v0.2d, v1.2d, v2.2d", "fadd v0.16b, v1.16b, v2.16b",
                "cnt v0.4s, v1.4s", "sqrdmulh v0.16b, v1.16b, v2.16b", "addv d0, v1.2d", "and v0.4s, v1.4s, v2.4s");
        org.junit.jupiter.api.Assertions.assertEquals(lines.size(), GnuAs.rejectedLines(lines).size());
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neon(NeonOp.MUL, Arrangement.D2, VReg.V0, VReg.V1, VReg.V2));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neon(NeonOp.FADD, Arrangement.B16, VReg.V0, VReg.V1, VReg.V2));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neon(NeonOp.CNT, Arrangement.S4, VReg.V0, VReg.V1));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neon(NeonOp.SQRDMULH, Arrangement.B16, VReg.V0, VReg.V1, VReg.V2));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neon(NeonOp.ADDV, Arrangement.D2, VReg.V0, VReg.V1));
        assertThrows(IllegalArgumentException.class, () -> new Assembler().neon(NeonOp.AND, Arrangement.S4, VReg.V0, VReg.V1, VReg.V2));
    }
}
