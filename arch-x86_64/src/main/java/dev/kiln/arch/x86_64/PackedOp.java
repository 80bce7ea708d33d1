package dev.kiln.arch.x86_64;

import java.util.Locale;

/**
 * SSE2/SSSE3/SSE4.1 instructions of the form {@code op xmm, xmm/m128 [, imm8]} (Intel SDM Vol. 2,
 * legacy SSE encoding: mandatory prefix, {@code 0F}, {@code 0F 38} or {@code 0F 3A} opcode, ModRM),
 * which {@link Assembler#packed} encodes, and the same table's VEX.128 forms (AVX: the prefix and map
 * become VEX.pp and VEX.mmmmm, the opcode byte stays), which {@link Assembler#vpacked} encodes with
 * three operands. The packed forms, the scalar float arithmetic ({@code addss} ... {@code divsd}, which
 * read and write the low lane only), and a few AVX2-only forms ({@code vpbroadcast*},
 * {@code vbroadcastss}; {@link #vexOnly()}). The destination is read and written (two operands)
 * except for the {@link #writesOnly()} forms (moves, {@code pshuf*}, {@code pmov*x}, {@code pabs*},
 * {@code sqrt*p*}, {@code round*p*}, {@code cvt*}, broadcasts), which only write it; their VEX form
 * has no first source (VEX.vvvv = 1111). Legacy memory operands of the packed non-{@code movdqu}
 * forms must be 16-byte aligned (else {@code #GP}); VEX forms other than {@code vmovdqa} need no
 * alignment. Thread-safe (immutable).
 */
public enum PackedOp {
    /** {@code paddb} (66 0F FC /r, SSE2). */
    PADDB(0x66, 0x0FFC, false),
    /** {@code paddw} (66 0F FD /r, SSE2). */
    PADDW(0x66, 0x0FFD, false),
    /** {@code paddd} (66 0F FE /r, SSE2). */
    PADDD(0x66, 0x0FFE, false),
    /** {@code paddq} (66 0F D4 /r, SSE2). */
    PADDQ(0x66, 0x0FD4, false),
    /** {@code psubb} (66 0F F8 /r, SSE2). */
    PSUBB(0x66, 0x0FF8, false),
    /** {@code psubw} (66 0F F9 /r, SSE2). */
    PSUBW(0x66, 0x0FF9, false),
    /** {@code psubd} (66 0F FA /r, SSE2). */
    PSUBD(0x66, 0x0FFA, false),
    /** {@code psubq} (66 0F FB /r, SSE2). */
    PSUBQ(0x66, 0x0FFB, false),
    /** {@code pmullw} (66 0F D5 /r, SSE2). */
    PMULLW(0x66, 0x0FD5, false),
    /** {@code pmuludq} (66 0F F4 /r, SSE2). */
    PMULUDQ(0x66, 0x0FF4, false),
    /** {@code pmulhw} (66 0F E5 /r, SSE2). */
    PMULHW(0x66, 0x0FE5, false),
    /** {@code pmulhuw} (66 0F E4 /r, SSE2). */
    PMULHUW(0x66, 0x0FE4, false),
    /** {@code pmaddwd} (66 0F F5 /r, SSE2). */
    PMADDWD(0x66, 0x0FF5, false),
    /** {@code paddsb} (66 0F EC /r, SSE2). */
    PADDSB(0x66, 0x0FEC, false),
    /** {@code paddsw} (66 0F ED /r, SSE2). */
    PADDSW(0x66, 0x0FED, false),
    /** {@code paddusb} (66 0F DC /r, SSE2). */
    PADDUSB(0x66, 0x0FDC, false),
    /** {@code paddusw} (66 0F DD /r, SSE2). */
    PADDUSW(0x66, 0x0FDD, false),
    /** {@code psubsb} (66 0F E8 /r, SSE2). */
    PSUBSB(0x66, 0x0FE8, false),
    /** {@code psubsw} (66 0F E9 /r, SSE2). */
    PSUBSW(0x66, 0x0FE9, false),
    /** {@code psubusb} (66 0F D8 /r, SSE2). */
    PSUBUSB(0x66, 0x0FD8, false),
    /** {@code psubusw} (66 0F D9 /r, SSE2). */
    PSUBUSW(0x66, 0x0FD9, false),
    /** {@code pminub} (66 0F DA /r, SSE2). */
    PMINUB(0x66, 0x0FDA, false),
    /** {@code pmaxub} (66 0F DE /r, SSE2). */
    PMAXUB(0x66, 0x0FDE, false),
    /** {@code pminsw} (66 0F EA /r, SSE2). */
    PMINSW(0x66, 0x0FEA, false),
    /** {@code pmaxsw} (66 0F EE /r, SSE2). */
    PMAXSW(0x66, 0x0FEE, false),
    /** {@code pavgb} (66 0F E0 /r, SSE2). */
    PAVGB(0x66, 0x0FE0, false),
    /** {@code pavgw} (66 0F E3 /r, SSE2). */
    PAVGW(0x66, 0x0FE3, false),
    /** {@code pand} (66 0F DB /r, SSE2). */
    PAND(0x66, 0x0FDB, false),
    /** {@code pandn} (66 0F DF /r, SSE2). */
    PANDN(0x66, 0x0FDF, false),
    /** {@code por} (66 0F EB /r, SSE2). */
    POR(0x66, 0x0FEB, false),
    /** {@code pxor} (66 0F EF /r, SSE2). */
    PXOR(0x66, 0x0FEF, false),
    /** {@code pcmpeqb} (66 0F 74 /r, SSE2). */
    PCMPEQB(0x66, 0x0F74, false),
    /** {@code pcmpeqw} (66 0F 75 /r, SSE2). */
    PCMPEQW(0x66, 0x0F75, false),
    /** {@code pcmpeqd} (66 0F 76 /r, SSE2). */
    PCMPEQD(0x66, 0x0F76, false),
    /** {@code pcmpgtb} (66 0F 64 /r, SSE2). */
    PCMPGTB(0x66, 0x0F64, false),
    /** {@code pcmpgtw} (66 0F 65 /r, SSE2). */
    PCMPGTW(0x66, 0x0F65, false),
    /** {@code pcmpgtd} (66 0F 66 /r, SSE2). */
    PCMPGTD(0x66, 0x0F66, false),
    /** {@code packsswb} (66 0F 63 /r, SSE2). */
    PACKSSWB(0x66, 0x0F63, false),
    /** {@code packuswb} (66 0F 67 /r, SSE2). */
    PACKUSWB(0x66, 0x0F67, false),
    /** {@code packssdw} (66 0F 6B /r, SSE2). */
    PACKSSDW(0x66, 0x0F6B, false),
    /** {@code punpcklbw} (66 0F 60 /r, SSE2). */
    PUNPCKLBW(0x66, 0x0F60, false),
    /** {@code punpcklwd} (66 0F 61 /r, SSE2). */
    PUNPCKLWD(0x66, 0x0F61, false),
    /** {@code punpckldq} (66 0F 62 /r, SSE2). */
    PUNPCKLDQ(0x66, 0x0F62, false),
    /** {@code punpcklqdq} (66 0F 6C /r, SSE2). */
    PUNPCKLQDQ(0x66, 0x0F6C, false),
    /** {@code punpckhbw} (66 0F 68 /r, SSE2). */
    PUNPCKHBW(0x66, 0x0F68, false),
    /** {@code punpckhwd} (66 0F 69 /r, SSE2). */
    PUNPCKHWD(0x66, 0x0F69, false),
    /** {@code punpckhdq} (66 0F 6A /r, SSE2). */
    PUNPCKHDQ(0x66, 0x0F6A, false),
    /** {@code punpckhqdq} (66 0F 6D /r, SSE2). */
    PUNPCKHQDQ(0x66, 0x0F6D, false),
    /** {@code psllw} (66 0F F1 /r, SSE2). */
    PSLLW(0x66, 0x0FF1, false),
    /** {@code pslld} (66 0F F2 /r, SSE2). */
    PSLLD(0x66, 0x0FF2, false),
    /** {@code psllq} (66 0F F3 /r, SSE2). */
    PSLLQ(0x66, 0x0FF3, false),
    /** {@code psrlw} (66 0F D1 /r, SSE2). */
    PSRLW(0x66, 0x0FD1, false),
    /** {@code psrld} (66 0F D2 /r, SSE2). */
    PSRLD(0x66, 0x0FD2, false),
    /** {@code psrlq} (66 0F D3 /r, SSE2). */
    PSRLQ(0x66, 0x0FD3, false),
    /** {@code psraw} (66 0F E1 /r, SSE2). */
    PSRAW(0x66, 0x0FE1, false),
    /** {@code psrad} (66 0F E2 /r, SSE2). */
    PSRAD(0x66, 0x0FE2, false),
    /** {@code addpd} (66 0F 58 /r, SSE2). */
    ADDPD(0x66, 0x0F58, false),
    /** {@code subpd} (66 0F 5C /r, SSE2). */
    SUBPD(0x66, 0x0F5C, false),
    /** {@code mulpd} (66 0F 59 /r, SSE2). */
    MULPD(0x66, 0x0F59, false),
    /** {@code divpd} (66 0F 5E /r, SSE2). */
    DIVPD(0x66, 0x0F5E, false),
    /** {@code minpd} (66 0F 5D /r, SSE2). */
    MINPD(0x66, 0x0F5D, false),
    /** {@code maxpd} (66 0F 5F /r, SSE2). */
    MAXPD(0x66, 0x0F5F, false),
    /** {@code sqrtpd} (66 0F 51 /r, SSE2). */
    SQRTPD(0x66, 0x0F51, false),
    /** {@code andpd} (66 0F 54 /r, SSE2). */
    ANDPD(0x66, 0x0F54, false),
    /** {@code andnpd} (66 0F 55 /r, SSE2). */
    ANDNPD(0x66, 0x0F55, false),
    /** {@code orpd} (66 0F 56 /r, SSE2). */
    ORPD(0x66, 0x0F56, false),
    /** {@code xorpd} (66 0F 57 /r, SSE2). */
    XORPD(0x66, 0x0F57, false),
    /** {@code unpcklpd} (66 0F 14 /r, SSE2). */
    UNPCKLPD(0x66, 0x0F14, false),
    /** {@code unpckhpd} (66 0F 15 /r, SSE2). */
    UNPCKHPD(0x66, 0x0F15, false),
    /** {@code cvtpd2ps} (66 0F 5A /r, SSE2). */
    CVTPD2PS(0x66, 0x0F5A, false),
    /** {@code cvttpd2dq} (66 0F E6 /r, SSE2). */
    CVTTPD2DQ(0x66, 0x0FE6, false),
    /** {@code movdqa} (66 0F 6F /r, SSE2). */
    MOVDQA(0x66, 0x0F6F, false),
    /** {@code pshufd} (66 0F 70 /r ib, SSE2). */
    PSHUFD(0x66, 0x0F70, true),
    /** {@code pshuflw} (F2 0F 70 /r ib, SSE2). */
    PSHUFLW(0xF2, 0x0F70, true),
    /** {@code pshufhw} (F3 0F 70 /r ib, SSE2). */
    PSHUFHW(0xF3, 0x0F70, true),
    /** {@code cmppd} (66 0F C2 /r ib, SSE2). */
    CMPPD(0x66, 0x0FC2, true),
    /** {@code shufpd} (66 0F C6 /r ib, SSE2). */
    SHUFPD(0x66, 0x0FC6, true),
    /** {@code movdqu} (F3 0F 6F /r, SSE2). */
    MOVDQU(0xF3, 0x0F6F, false),
    /** {@code cvttps2dq} (F3 0F 5B /r, SSE2). */
    CVTTPS2DQ(0xF3, 0x0F5B, false),
    /** {@code cvtdq2pd} (F3 0F E6 /r, SSE2). */
    CVTDQ2PD(0xF3, 0x0FE6, false),
    /** {@code addps} (0F 58 /r, SSE2). */
    ADDPS(0x00, 0x0F58, false),
    /** {@code subps} (0F 5C /r, SSE2). */
    SUBPS(0x00, 0x0F5C, false),
    /** {@code mulps} (0F 59 /r, SSE2). */
    MULPS(0x00, 0x0F59, false),
    /** {@code divps} (0F 5E /r, SSE2). */
    DIVPS(0x00, 0x0F5E, false),
    /** {@code minps} (0F 5D /r, SSE2). */
    MINPS(0x00, 0x0F5D, false),
    /** {@code maxps} (0F 5F /r, SSE2). */
    MAXPS(0x00, 0x0F5F, false),
    /** {@code sqrtps} (0F 51 /r, SSE2). */
    SQRTPS(0x00, 0x0F51, false),
    /** {@code andps} (0F 54 /r, SSE2). */
    ANDPS(0x00, 0x0F54, false),
    /** {@code andnps} (0F 55 /r, SSE2). */
    ANDNPS(0x00, 0x0F55, false),
    /** {@code orps} (0F 56 /r, SSE2). */
    ORPS(0x00, 0x0F56, false),
    /** {@code xorps} (0F 57 /r, SSE2). */
    XORPS(0x00, 0x0F57, false),
    /** {@code unpcklps} (0F 14 /r, SSE2). */
    UNPCKLPS(0x00, 0x0F14, false),
    /** {@code unpckhps} (0F 15 /r, SSE2). */
    UNPCKHPS(0x00, 0x0F15, false),
    /** {@code cvtps2pd} (0F 5A /r, SSE2). */
    CVTPS2PD(0x00, 0x0F5A, false),
    /** {@code cvtdq2ps} (0F 5B /r, SSE2). */
    CVTDQ2PS(0x00, 0x0F5B, false),
    /** {@code cmpps} (0F C2 /r ib, SSE2). */
    CMPPS(0x00, 0x0FC2, true),
    /** {@code shufps} (0F C6 /r ib, SSE2). */
    SHUFPS(0x00, 0x0FC6, true),
    /** {@code pshufb} (66 0F 38 00 /r, SSSE3). */
    PSHUFB(0x66, 0x0F3800, false),
    /** {@code pmaddubsw} (66 0F 38 04 /r, SSSE3). */
    PMADDUBSW(0x66, 0x0F3804, false),
    /** {@code pmulhrsw} (66 0F 38 0B /r, SSSE3). */
    PMULHRSW(0x66, 0x0F380B, false),
    /** {@code pabsb} (66 0F 38 1C /r, SSSE3). */
    PABSB(0x66, 0x0F381C, false),
    /** {@code pabsw} (66 0F 38 1D /r, SSSE3). */
    PABSW(0x66, 0x0F381D, false),
    /** {@code pabsd} (66 0F 38 1E /r, SSSE3). */
    PABSD(0x66, 0x0F381E, false),
    /** {@code palignr} (66 0F 3A 0F /r ib, SSSE3). */
    PALIGNR(0x66, 0x0F3A0F, true),
    /** {@code pmovsxbw} (66 0F 38 20 /r, SSE4.1). */
    PMOVSXBW(0x66, 0x0F3820, false),
    /** {@code pmovsxwd} (66 0F 38 23 /r, SSE4.1). */
    PMOVSXWD(0x66, 0x0F3823, false),
    /** {@code pmovsxdq} (66 0F 38 25 /r, SSE4.1). */
    PMOVSXDQ(0x66, 0x0F3825, false),
    /** {@code pmovzxbw} (66 0F 38 30 /r, SSE4.1). */
    PMOVZXBW(0x66, 0x0F3830, false),
    /** {@code pmovzxwd} (66 0F 38 33 /r, SSE4.1). */
    PMOVZXWD(0x66, 0x0F3833, false),
    /** {@code pmovzxdq} (66 0F 38 35 /r, SSE4.1). */
    PMOVZXDQ(0x66, 0x0F3835, false),
    /** {@code pmulld} (66 0F 38 40 /r, SSE4.1). */
    PMULLD(0x66, 0x0F3840, false),
    /** {@code pminsb} (66 0F 38 38 /r, SSE4.1). */
    PMINSB(0x66, 0x0F3838, false),
    /** {@code pminsd} (66 0F 38 39 /r, SSE4.1). */
    PMINSD(0x66, 0x0F3839, false),
    /** {@code pminuw} (66 0F 38 3A /r, SSE4.1). */
    PMINUW(0x66, 0x0F383A, false),
    /** {@code pminud} (66 0F 38 3B /r, SSE4.1). */
    PMINUD(0x66, 0x0F383B, false),
    /** {@code pmaxsb} (66 0F 38 3C /r, SSE4.1). */
    PMAXSB(0x66, 0x0F383C, false),
    /** {@code pmaxsd} (66 0F 38 3D /r, SSE4.1). */
    PMAXSD(0x66, 0x0F383D, false),
    /** {@code pmaxuw} (66 0F 38 3E /r, SSE4.1). */
    PMAXUW(0x66, 0x0F383E, false),
    /** {@code pmaxud} (66 0F 38 3F /r, SSE4.1). */
    PMAXUD(0x66, 0x0F383F, false),
    /** {@code pcmpeqq} (66 0F 38 29 /r, SSE4.1). */
    PCMPEQQ(0x66, 0x0F3829, false),
    /** {@code packusdw} (66 0F 38 2B /r, SSE4.1). */
    PACKUSDW(0x66, 0x0F382B, false),
    /** {@code pmuldq} (66 0F 38 28 /r, SSE4.1). */
    PMULDQ(0x66, 0x0F3828, false),
    /** {@code ptest} (66 0F 38 17 /r, SSE4.1). */
    PTEST(0x66, 0x0F3817, false),
    /** {@code roundps} (66 0F 3A 08 /r ib, SSE4.1). */
    ROUNDPS(0x66, 0x0F3A08, true),
    /** {@code roundpd} (66 0F 3A 09 /r ib, SSE4.1). */
    ROUNDPD(0x66, 0x0F3A09, true),
    /** {@code pblendw} (66 0F 3A 0E /r ib, SSE4.1). */
    PBLENDW(0x66, 0x0F3A0E, true),
    /** {@code blendps} (66 0F 3A 0C /r ib, SSE4.1). */
    BLENDPS(0x66, 0x0F3A0C, true),
    /** {@code blendpd} (66 0F 3A 0D /r ib, SSE4.1). */
    BLENDPD(0x66, 0x0F3A0D, true),
    /** {@code addss} (F3 0F 58 /r, SSE): the low f32 lane; the others from the destination (VEX: the first source). */
    ADDSS(0xF3, 0x0F58, false),
    /** {@code addsd} (F2 0F 58 /r, SSE2): the low f64 lane. */
    ADDSD(0xF2, 0x0F58, false),
    /** {@code subss} (F3 0F 5C /r, SSE). */
    SUBSS(0xF3, 0x0F5C, false),
    /** {@code subsd} (F2 0F 5C /r, SSE2). */
    SUBSD(0xF2, 0x0F5C, false),
    /** {@code mulss} (F3 0F 59 /r, SSE). */
    MULSS(0xF3, 0x0F59, false),
    /** {@code mulsd} (F2 0F 59 /r, SSE2). */
    MULSD(0xF2, 0x0F59, false),
    /** {@code divss} (F3 0F 5E /r, SSE). */
    DIVSS(0xF3, 0x0F5E, false),
    /** {@code divsd} (F2 0F 5E /r, SSE2). */
    DIVSD(0xF2, 0x0F5E, false),
    /** {@code vpbroadcastb} (VEX.128.66.0F38.W0 78 /r, AVX2): the low byte of the source into every lane. */
    VPBROADCASTB(0x66, 0x0F3878, false, true),
    /** {@code vpbroadcastw} (VEX.128.66.0F38.W0 79 /r, AVX2). */
    VPBROADCASTW(0x66, 0x0F3879, false, true),
    /** {@code vpbroadcastd} (VEX.128.66.0F38.W0 58 /r, AVX2). */
    VPBROADCASTD(0x66, 0x0F3858, false, true),
    /** {@code vpbroadcastq} (VEX.128.66.0F38.W0 59 /r, AVX2). */
    VPBROADCASTQ(0x66, 0x0F3859, false, true),
    /** {@code vbroadcastss} (VEX.128.66.0F38.W0 18 /r; AVX from memory, AVX2 from a register). */
    VBROADCASTSS(0x66, 0x0F3818, false, true);

    private final int prefix;
    private final int opcode;
    private final boolean imm8;

    private final boolean vexOnly;

    PackedOp(int prefix, int opcode, boolean imm8) {
        this(prefix, opcode, imm8, false);
    }

    PackedOp(int prefix, int opcode, boolean imm8, boolean vexOnly) {
        this.prefix = prefix;
        this.opcode = opcode;
        this.imm8 = imm8;
        this.vexOnly = vexOnly;
    }

    /**
     * Whether the instruction only writes its destination (no first source: legacy {@code op dst, src}
     * does not read dst, and the VEX form is {@code vop dst, src} with VEX.vvvv = 1111).
     */
    public boolean writesOnly() {
        return switch (this) {
            case MOVDQA, MOVDQU, PSHUFD, PSHUFLW, PSHUFHW, CVTPD2PS, CVTTPD2DQ, CVTTPS2DQ, CVTDQ2PD, CVTPS2PD,
                 CVTDQ2PS, SQRTPS, SQRTPD, PABSB, PABSW, PABSD, PMOVSXBW, PMOVSXWD, PMOVSXDQ, PMOVZXBW, PMOVZXWD,
                 PMOVZXDQ, PTEST, ROUNDPS, ROUNDPD, VPBROADCASTB, VPBROADCASTW, VPBROADCASTD, VPBROADCASTQ,
                 VBROADCASTSS -> true;
            default -> false;
        };
    }

    /** Whether the instruction exists only VEX-encoded (AVX2: the broadcasts). */
    public boolean vexOnly() {
        return vexOnly;
    }

    /** Whether the register form needs AVX2 (the broadcasts), not just AVX, when VEX-encoded. */
    public boolean needsAvx2() {
        return vexOnly;
    }

    /** VEX.W: 0 for every form here (W0 or WIG, which GNU {@code as} encodes as W0). */
    boolean vexW() {
        return false;
    }

    /** The AVX mnemonic ({@code vpaddb}, {@code vaddss}, {@code vpbroadcastb}). */
    public String vexMnemonic() {
        String m = mnemonic();
        return m.startsWith("v") ? m : "v" + m;
    }

    /** The mandatory prefix ({@code 0x66}, {@code 0xF2}, {@code 0xF3}) or 0. */
    int prefix() {
        return prefix;
    }

    /** The opcode bytes after the prefix and REX, e.g. {@code 0x0F3800} for {@code pshufb}. */
    int opcode() {
        return opcode;
    }

    /** Whether an imm8 follows the operands. */
    public boolean hasImm8() {
        return imm8;
    }

    /** The GNU {@code as} / Intel mnemonic. */
    public String mnemonic() {
        return name().toLowerCase(Locale.ROOT);
    }
}
