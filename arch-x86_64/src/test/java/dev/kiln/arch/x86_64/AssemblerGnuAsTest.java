package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.Label;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks every integer encoding form of {@link Assembler} byte for byte against GNU {@code as}
 * (binutils, Intel syntax): each case emits one instruction with the assembler and writes the same
 * instruction as a line of {@code .intel_syntax noprefix} text; the text of a whole form is assembled
 * in one {@code as --64} run and the bytes of each instruction, delimited by the symbols {@code i<n>}
 * that precede them, are compared. Skipped (with a message) when {@code as}, {@code objcopy} or
 * {@code nm} is missing.
 */
class AssemblerGnuAsTest {

    static final Gpr[] GPRS = Gpr.values();
    static final Size[] SIZES = Size.values();

    @BeforeAll
    static void requireBinutils() {
        GnuAs.require();
    }

    // ---------------------------------------------------------------------------------------------
    // Text helpers: Intel-syntax operand spelling, independent of the encoder.

    static String reg(Size size, Gpr r) {
        String[] legacy8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
        String[] legacy = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
        int n = r.encoding();
        if (n >= 8) {
            return switch (size) {
                case S8 -> "r" + n + "b";
                case S16 -> "r" + n + "w";
                case S32 -> "r" + n + "d";
                case S64 -> "r" + n;
            };
        }
        return switch (size) {
            case S8 -> legacy8[n];
            case S16 -> legacy[n];
            case S32 -> "e" + legacy[n];
            case S64 -> "r" + legacy[n];
        };
    }

    static String ptr(Size size) {
        return switch (size) {
            case S8 -> "byte ptr ";
            case S16 -> "word ptr ";
            case S32 -> "dword ptr ";
            case S64 -> "qword ptr ";
        };
    }

    /** Text of a memory operand; RIP-relative operands use the placeholder {@code $L} for the target symbol. */
    static String mem(Mem m) {
        StringBuilder sb = new StringBuilder("[");
        if (m.ripTarget() != null) {
            sb.append("rip + $L");
        } else {
            String sep = "";
            if (m.base() != null) {
                sb.append(reg(Size.S64, m.base()));
                sep = " + ";
            }
            if (m.index() != null) {
                sb.append(sep).append(reg(Size.S64, m.index())).append('*').append(m.scale());
                sep = " + ";
            }
            if (sep.isEmpty()) {
                return "[" + m.disp() + "]";
            }
        }
        if (m.disp() > 0) {
            sb.append(" + ").append(m.disp());
        } else if (m.disp() < 0) {
            sb.append(" - ").append(-(long) m.disp());
        }
        return sb.append(']').toString();
    }

    static String mem(Size size, Mem m) {
        return ptr(size) + mem(m);
    }

    static final int[] DISPS = {0, 1, -1, 8, 127, 128, -128, -129, 0x1234, -0x1000, Integer.MAX_VALUE, Integer.MIN_VALUE};

    /** Memory operands covering every base, index, scale and displacement class. */
    static List<Mem> allMems() {
        List<Mem> out = new ArrayList<>();
        for (Gpr b : GPRS) {
            for (int d : DISPS) {
                out.add(Mem.of(b, d));
            }
        }
        int[] scales = {1, 2, 4, 8};
        int[] idxDisps = {0, 16, -200};
        for (Gpr b : GPRS) {
            for (Gpr x : GPRS) {
                if (x == Gpr.RSP) {
                    continue;
                }
                for (int s : scales) {
                    out.add(Mem.of(b, x, s, idxDisps[(b.ordinal() + x.ordinal() + s) % 3]));
                }
            }
        }
        for (Gpr x : GPRS) {
            if (x != Gpr.RSP) {
                out.add(Mem.of(null, x, 1 << (x.ordinal() & 3), x.ordinal() * 100 - 300));
            }
        }
        out.add(Mem.absolute(0x10));
        out.add(Mem.absolute(-16));
        return out;
    }

    /** A smaller deterministic selection that still hits every special case (rsp/rbp/r12/r13 bases, disp classes). */
    static List<Mem> someMems() {
        List<Mem> all = allMems();
        List<Mem> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            Mem m = all.get(i);
            boolean special = m.index() == null || m.base() == null
                    || m.base().low3() == 4 || m.base().low3() == 5 || m.index().isExtended() && i % 3 == 0;
            if (special || i % 11 == 0) {
                out.add(m);
            }
        }
        return out;
    }

    static final int[] IMMS = {0, 1, -1, 2, 100, 127, 128, -128, -129, 255, 256, -256, 0x7FFF, 0x8000, -0x8000,
        -0x8001, 0xFFFF, 0x10000, 0x12345678, Integer.MAX_VALUE, Integer.MIN_VALUE, -0x12345678};

    static boolean immFits(Size size, long v) {
        return switch (size) {
            case S8 -> v >= -0x80 && v <= 0xFF;
            case S16 -> v >= -0x8000 && v <= 0xFFFF;
            default -> true;
        };
    }

    // ---------------------------------------------------------------------------------------------
    // Forms

    @Test
    void movRegReg() {
        GnuAs as = new GnuAs("mov r, r");
        for (Size s : SIZES) {
            for (Gpr d : GPRS) {
                for (Gpr r : GPRS) {
                    as.add("mov " + reg(s, d) + ", " + reg(s, r), a -> a.mov(s, d, r));
                }
            }
        }
        as.verify();
    }

    @Test
    void movLoadStore() {
        GnuAs as = new GnuAs("mov r, m / mov m, r");
        List<Mem> mems = allMems();
        for (Size s : SIZES) {
            for (int i = 0; i < mems.size(); i++) {
                Mem m = mems.get(i);
                Gpr r = GPRS[(i * 7 + s.ordinal()) % 16];
                as.add("mov " + reg(s, r) + ", " + mem(s, m), a -> a.mov(s, r, m));
                as.add("mov " + mem(s, m) + ", " + reg(s, r), a -> a.mov(s, m, r));
            }
            for (Gpr r : GPRS) {
                Mem m = Mem.of(Gpr.R13, Gpr.R12, 8, -7);
                as.add("mov " + reg(s, r) + ", " + mem(s, m), a -> a.mov(s, r, m));
                as.add("mov " + mem(s, m) + ", " + reg(s, r), a -> a.mov(s, m, r));
            }
            as.addRip("mov " + reg(s, Gpr.R9) + ", " + ptr(s), (a, l) -> a.mov(s, Gpr.R9, Mem.rip(l, 0)), "");
            for (int d : new int[] {0, 5, -5, 1000}) {
                as.addRip("mov " + reg(s, Gpr.RSI) + ", " + ptr(s), (a, l) -> a.mov(s, Gpr.RSI, Mem.rip(l, d)), dispText(d));
                as.addRip("mov " + ptr(s), (a, l) -> a.mov(s, Mem.rip(l, d), Gpr.RDI), dispText(d) + ", " + reg(s, Gpr.RDI));
            }
        }
        as.verify();
    }

    static String dispText(int d) {
        return d == 0 ? "" : d > 0 ? " + " + d : " - " + -(long) d;
    }

    @Test
    void movImmediate() {
        GnuAs as = new GnuAs("mov r, imm");
        long[] wide = {0, 1, -1, 127, 128, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L,
            -0x8000_0000L, -0x8000_0001L, Long.MIN_VALUE, Long.MAX_VALUE, 0x0123_4567_89AB_CDEFL, -0x1234_5678_9AL};
        for (Gpr r : GPRS) {
            for (long v : wide) {
                // Expected choice (see Assembler.movImm): u32 -> 32-bit mov, s32 -> sign-extended, else movabs.
                String text;
                if (v >= 0 && v <= 0xFFFF_FFFFL) {
                    text = "mov " + reg(Size.S32, r) + ", " + v;
                } else if (v == (int) v) {
                    text = "mov " + reg(Size.S64, r) + ", " + v;
                } else {
                    text = "movabs " + reg(Size.S64, r) + ", " + v;
                }
                as.add(text, a -> a.movImm(Size.S64, r, v));
            }
            for (Size s : new Size[] {Size.S8, Size.S16, Size.S32}) {
                for (int v : IMMS) {
                    if (immFits(s, v)) {
                        as.add("mov " + reg(s, r) + ", " + v, a -> a.movImm(s, r, v));
                    }
                }
            }
            as.add("xor " + reg(Size.S32, r) + ", " + reg(Size.S32, r), a -> a.zero(r));
        }
        List<Mem> mems = someMems();
        for (Size s : SIZES) {
            for (int i = 0; i < mems.size(); i++) {
                Mem m = mems.get(i);
                int v = IMMS[i % IMMS.length];
                if (immFits(s, v)) {
                    as.add("mov " + mem(s, m) + ", " + v, a -> a.movImm(s, m, v));
                }
            }
            int v = s == Size.S8 ? -3 : s == Size.S16 ? 0x1234 : 0x12345678;
            as.addRip("mov " + ptr(s), (a, l) -> a.movImm(s, Mem.rip(l, 0), v), ", " + v);
        }
        as.verify();
    }

    @Test
    void aluForms() {
        GnuAs as = new GnuAs("alu");
        List<Mem> mems = someMems();
        for (AluOp op : AluOp.values()) {
            String n = op.mnemonic();
            for (Size s : SIZES) {
                for (Gpr d : GPRS) {
                    for (Gpr r : GPRS) {
                        if ((d.ordinal() + r.ordinal() + op.ordinal()) % 3 == 0 || d == r) {
                            as.add(n + " " + reg(s, d) + ", " + reg(s, r), a -> a.alu(op, s, d, r));
                        }
                    }
                    for (int v : IMMS) {
                        if (immFits(s, v)) {
                            as.add(n + " " + reg(s, d) + ", " + v, a -> a.aluImm(op, s, d, v));
                        }
                    }
                }
                for (int i = 0; i < mems.size(); i += 2) {
                    Mem m = mems.get(i);
                    Gpr r = GPRS[(i + op.ordinal()) % 16];
                    int v = IMMS[(i / 2) % IMMS.length];
                    as.add(n + " " + reg(s, r) + ", " + mem(s, m), a -> a.alu(op, s, r, m));
                    as.add(n + " " + mem(s, m) + ", " + reg(s, r), a -> a.alu(op, s, m, r));
                    if (immFits(s, v)) {
                        as.add(n + " " + mem(s, m) + ", " + v, a -> a.aluImm(op, s, m, v));
                    }
                }
                as.addRip(n + " " + ptr(s), (a, l) -> a.aluImm(op, s, Mem.rip(l, 0), 100), ", 100");
                as.addRip(n + " " + ptr(s), (a, l) -> a.aluImm(op, s, Mem.rip(l, 0), -100), ", -100");
                as.addRip(n + " " + reg(s, Gpr.R10) + ", " + ptr(s), (a, l) -> a.alu(op, s, Gpr.R10, Mem.rip(l, 4)), " + 4");
            }
            // the S16/S32/S64 imm16/32 rip case: the displacement is relative to the end of the immediate
            as.addRip(n + " " + ptr(Size.S32), (a, l) -> a.aluImm(op, Size.S32, Mem.rip(l, 0), 100000), ", 100000");
            as.addRip(n + " " + ptr(Size.S16), (a, l) -> a.aluImm(op, Size.S16, Mem.rip(l, 0), 1000), ", 1000");
        }
        as.verify();
    }

    @Test
    void testForms() {
        GnuAs as = new GnuAs("test");
        for (Size s : SIZES) {
            for (Gpr d : GPRS) {
                for (Gpr r : GPRS) {
                    as.add("test " + reg(s, d) + ", " + reg(s, r), a -> a.test(s, d, r));
                }
                for (int v : IMMS) {
                    if (immFits(s, v)) {
                        as.add("test " + reg(s, d) + ", " + v, a -> a.testImm(s, d, v));
                    }
                }
            }
            List<Mem> mems = someMems();
            for (int i = 0; i < mems.size(); i++) {
                Mem m = mems.get(i);
                Gpr r = GPRS[i % 16];
                int v = IMMS[i % IMMS.length];
                as.add("test " + mem(s, m) + ", " + reg(s, r), a -> a.test(s, m, r));
                if (immFits(s, v)) {
                    as.add("test " + mem(s, m) + ", " + v, a -> a.testImm(s, m, v));
                }
            }
            as.addRip("test " + ptr(s), (a, l) -> a.testImm(s, Mem.rip(l, 0), 7), ", 7");
        }
        as.verify();
    }

    @Test
    void multiplyDivideUnary() {
        GnuAs as = new GnuAs("imul/mul/div/neg/not");
        List<Mem> mems = someMems();
        for (Size s : SIZES) {
            for (Gpr d : GPRS) {
                as.add("mul " + reg(s, d), a -> a.mul(s, d));
                as.add("imul " + reg(s, d), a -> a.imulWide(s, d));
                as.add("div " + reg(s, d), a -> a.div(s, d));
                as.add("idiv " + reg(s, d), a -> a.idiv(s, d));
                as.add("neg " + reg(s, d), a -> a.neg(s, d));
                as.add("not " + reg(s, d), a -> a.not(s, d));
                if (s == Size.S8) {
                    continue;
                }
                for (Gpr r : GPRS) {
                    as.add("imul " + reg(s, d) + ", " + reg(s, r), a -> a.imul(s, d, r));
                    int v = IMMS[(d.ordinal() * 16 + r.ordinal()) % IMMS.length];
                    if (immFits(s, v)) {
                        as.add("imul " + reg(s, d) + ", " + reg(s, r) + ", " + v, a -> a.imulImm(s, d, r, v));
                    }
                }
                for (int v : IMMS) {
                    if (immFits(s, v)) {
                        as.add("imul " + reg(s, d) + ", " + reg(s, Gpr.R12) + ", " + v, a -> a.imulImm(s, d, Gpr.R12, v));
                    }
                }
            }
            for (int i = 0; i < mems.size(); i++) {
                Mem m = mems.get(i);
                as.add("div " + mem(s, m), a -> a.div(s, m));
                as.add("idiv " + mem(s, m), a -> a.idiv(s, m));
                if (s != Size.S8) {
                    Gpr r = GPRS[i % 16];
                    int v = IMMS[i % IMMS.length];
                    as.add("imul " + reg(s, r) + ", " + mem(s, m), a -> a.imul(s, r, m));
                    if (immFits(s, v)) {
                        as.add("imul " + reg(s, r) + ", " + mem(s, m) + ", " + v, a -> a.imulImm(s, r, m, v));
                    }
                }
            }
            if (s != Size.S8) {
                as.addRip("imul " + reg(s, Gpr.RAX) + ", " + ptr(s), (a, l) -> a.imulImm(s, Gpr.RAX, Mem.rip(l, 0), 1000), ", 1000");
                as.addRip("imul " + reg(s, Gpr.RAX) + ", " + ptr(s), (a, l) -> a.imulImm(s, Gpr.RAX, Mem.rip(l, 0), 10), ", 10");
            }
        }
        as.add("cdq", Assembler::cdq);
        as.add("cqo", Assembler::cqo);
        as.add("cdqe", Assembler::cdqe);
        as.verify();
    }

    @Test
    void shifts() {
        GnuAs as = new GnuAs("shift");
        for (ShiftOp op : ShiftOp.values()) {
            for (Size s : SIZES) {
                for (Gpr r : GPRS) {
                    as.add(op.mnemonic() + " " + reg(s, r) + ", cl", a -> a.shift(op, s, r));
                    for (int c : new int[] {0, 1, 2, 7, 31, 63, 255}) {
                        as.add(op.mnemonic() + " " + reg(s, r) + ", " + c, a -> a.shiftImm(op, s, r, c));
                    }
                }
            }
        }
        as.verify();
    }

    @Test
    void extendsAndLea() {
        GnuAs as = new GnuAs("movzx/movsx/movsxd/lea");
        List<Mem> mems = someMems();
        for (Size dst : new Size[] {Size.S16, Size.S32, Size.S64}) {
            for (Size src : new Size[] {Size.S8, Size.S16}) {
                if (src.bytes() >= dst.bytes()) {
                    continue;
                }
                for (Gpr d : GPRS) {
                    for (Gpr r : GPRS) {
                        as.add("movzx " + reg(dst, d) + ", " + reg(src, r), a -> a.movzx(dst, d, src, r));
                        as.add("movsx " + reg(dst, d) + ", " + reg(src, r), a -> a.movsx(dst, d, src, r));
                    }
                }
                for (int i = 0; i < mems.size(); i++) {
                    Mem m = mems.get(i);
                    Gpr d = GPRS[i % 16];
                    as.add("movzx " + reg(dst, d) + ", " + mem(src, m), a -> a.movzx(dst, d, src, m));
                    as.add("movsx " + reg(dst, d) + ", " + mem(src, m), a -> a.movsx(dst, d, src, m));
                }
            }
        }
        for (Gpr d : GPRS) {
            for (Gpr r : GPRS) {
                as.add("movsxd " + reg(Size.S64, d) + ", " + reg(Size.S32, r), a -> a.movsxd(d, r));
            }
        }
        List<Mem> all = allMems();
        for (int i = 0; i < all.size(); i++) {
            Mem m = all.get(i);
            Gpr d = GPRS[i % 16];
            as.add("movsxd " + reg(Size.S64, d) + ", " + mem(Size.S32, m), a -> a.movsxd(d, m));
            for (Size s : new Size[] {Size.S16, Size.S32, Size.S64}) {
                as.add("lea " + reg(s, d) + ", " + mem(m), a -> a.lea(s, d, m));
            }
        }
        for (int d : new int[] {0, 8, -8, 100000}) {
            as.addRip("lea rcx, ", (a, l) -> a.lea(Size.S64, Gpr.RCX, Mem.rip(l, d)), "[rip + $L" + dispText(d) + "]");
        }
        as.verify();
    }

    @Test
    void conditionsAndBitOps() {
        GnuAs as = new GnuAs("setcc/cmov/bit ops/xchg/bswap");
        List<Mem> mems = someMems();
        for (Cond c : Cond.values()) {
            for (Gpr r : GPRS) {
                as.add("set" + c.suffix() + " " + reg(Size.S8, r), a -> a.setcc(c, r));
            }
            for (Size s : new Size[] {Size.S16, Size.S32, Size.S64}) {
                for (Gpr d : GPRS) {
                    for (Gpr r : GPRS) {
                        if ((d.ordinal() + r.ordinal() + c.ordinal()) % 4 == 0) {
                            as.add("cmov" + c.suffix() + " " + reg(s, d) + ", " + reg(s, r), a -> a.cmov(c, s, d, r));
                        }
                    }
                }
                for (int i = c.ordinal() % 3; i < mems.size(); i += 3) {
                    Mem m = mems.get(i);
                    Gpr d = GPRS[i % 16];
                    as.add("cmov" + c.suffix() + " " + reg(s, d) + ", " + mem(s, m), a -> a.cmov(c, s, d, m));
                }
            }
        }
        for (Size s : new Size[] {Size.S16, Size.S32, Size.S64}) {
            for (Gpr d : GPRS) {
                for (Gpr r : GPRS) {
                    as.add("lzcnt " + reg(s, d) + ", " + reg(s, r), a -> a.lzcnt(s, d, r));
                    as.add("tzcnt " + reg(s, d) + ", " + reg(s, r), a -> a.tzcnt(s, d, r));
                    as.add("popcnt " + reg(s, d) + ", " + reg(s, r), a -> a.popcnt(s, d, r));
                    as.add("bsr " + reg(s, d) + ", " + reg(s, r), a -> a.bsr(s, d, r));
                    as.add("bsf " + reg(s, d) + ", " + reg(s, r), a -> a.bsf(s, d, r));
                }
            }
        }
        for (Size s : SIZES) {
            for (Gpr d : GPRS) {
                for (Gpr r : GPRS) {
                    as.add("xchg " + reg(s, d) + ", " + reg(s, r), a -> a.xchg(s, d, r));
                }
                if (s == Size.S32 || s == Size.S64) {
                    as.add("bswap " + reg(s, d), a -> a.bswap(s, d));
                }
            }
        }
        as.verify();
    }

    @Test
    void bmiInstructions() {
        GnuAs as = new GnuAs("andn/rorx/shlx/shrx/sarx");
        int k = 0;
        for (Size s : new Size[] {Size.S32, Size.S64}) {
            for (Gpr d : GPRS) {
                for (Gpr a1 : GPRS) {
                    Gpr b = GPRS[(d.ordinal() * 7 + a1.ordinal() * 3 + 5) % 16];
                    as.add("andn " + reg(s, d) + ", " + reg(s, a1) + ", " + reg(s, b), a -> a.andn(s, d, a1, b));
                    int imm = (k++ * 13) % (s == Size.S32 ? 32 : 64);
                    as.add("rorx " + reg(s, d) + ", " + reg(s, a1) + ", " + imm, a -> a.rorx(s, d, a1, imm));
                    as.add("shlx " + reg(s, d) + ", " + reg(s, a1) + ", " + reg(s, b),
                            a -> a.shiftx(ShiftOp.SHL, s, d, a1, b));
                    as.add("shrx " + reg(s, d) + ", " + reg(s, a1) + ", " + reg(s, b),
                            a -> a.shiftx(ShiftOp.SHR, s, d, a1, b));
                    as.add("sarx " + reg(s, d) + ", " + reg(s, a1) + ", " + reg(s, b),
                            a -> a.shiftx(ShiftOp.SAR, s, d, a1, b));
                }
            }
        }
        as.verify();
    }

    @Test
    void stackAndIndirectControlFlow() {
        GnuAs as = new GnuAs("push/pop/call/jmp/misc");
        for (Gpr r : GPRS) {
            as.add("push " + reg(Size.S64, r), a -> a.push(r));
            as.add("pop " + reg(Size.S64, r), a -> a.pop(r));
            as.add("call " + reg(Size.S64, r), a -> a.call(r));
            as.add("jmp " + reg(Size.S64, r), a -> a.jmp(r));
        }
        for (int v : IMMS) {
            as.add("push " + v, a -> a.pushImm(v));
        }
        List<Mem> mems = someMems();
        for (Mem m : mems) {
            as.add("call " + mem(Size.S64, m), a -> a.call(m));
            as.add("jmp " + mem(Size.S64, m), a -> a.jmp(m));
        }
        as.addRip("call qword ptr ", (a, l) -> a.call(Mem.rip(l)), "[rip + $L]");
        as.addRip("jmp qword ptr ", (a, l) -> a.jmp(Mem.rip(l)), "[rip + $L]");
        as.add("ret", Assembler::ret);
        for (int bytes : new int[] {8, 16, 0x78, 0x80, 0x1000, 0xFFF8}) {
            as.add("ret " + bytes, a -> a.ret(bytes));
        }
        as.add("ud2", Assembler::ud2);
        as.add("int3", Assembler::int3);
        as.add("cdq", Assembler::cdq);
        for (int n = 0; n <= 40; n++) {
            int k = n;
            as.add(".nops " + n + ", 9", a -> a.nop(k));
        }
        as.verify();
    }

    // ---------------------------------------------------------------------------------------------
    // The harness

    /**
     * A batch of (assembly text, emitter) cases verified with one {@code as} run. Each case is
     * preceded in the source by the symbol {@code i<n>}; RIP-relative cases name the symbol of their
     * own instruction ({@code $L} = {@code i<n>}, a backward reference resolved when emitted) or of the
     * next one ({@code i<n+1>}, a forward reference resolved by {@link Assembler#finish()}).
     */
    /** The GNU {@code as} name of {@code r}. */
    static String xmm(Xmm r) {
        return "xmm" + r.encoding();
    }

    static final class GnuAs {
        private final String form;
        private final List<String> texts = new ArrayList<>();
        private final List<byte[]> ours = new ArrayList<>();

        GnuAs(String form) {
            this.form = form;
        }

        /**
         * Skips the calling test when GNU binutils are missing, or fails it under {@code CI=true}
         * (where {@code .ci/run} installs them).
         */
        static void require() {
            boolean present = available();
            if ("true".equals(System.getenv("CI"))) {
                org.junit.jupiter.api.Assertions.assertTrue(present,
                        "GNU binutils (as, objcopy, nm) are needed under CI=true; .ci/run installs them");
            }
            assumeTrue(present, "GNU binutils (as, objcopy, nm) not found on PATH: "
                    + "skipping the byte-for-byte comparison with GNU as");
        }

        static boolean available() {
            for (String tool : new String[] {"as", "objcopy", "nm"}) {
                try {
                    Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
                    p.getInputStream().readAllBytes();
                    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                        return false;
                    }
                } catch (IOException | InterruptedException e) {
                    return false;
                }
            }
            return true;
        }

        /** Adds one instruction: {@code text} is its Intel-syntax spelling, {@code emit} its encoding. */
        void add(String text, Consumer<Assembler> emit) {
            Assembler a = new Assembler();
            emit.accept(a);
            texts.add(text);
            ours.add(a.finish());
        }

        /**
         * Adds two RIP-relative cases: text is {@code prefix + "[rip + $L" + suffix}-style; when the
         * prefix does not contain the bracket, {@code "[rip + $L"} is inserted between prefix and
         * suffix. One case targets its own start (label bound before the instruction), one the start
         * of the next instruction (label bound after it).
         */
        void addRip(String prefix, BiConsumer<Assembler, Label> emit, String suffix) {
            String text = suffix.contains("$L") ? prefix + suffix : prefix + "[rip + $L" + suffix.replaceFirst("^([^,]*)", "$1]");
            if (!text.contains("]")) {
                text = text + "]";
            }
            for (boolean forward : new boolean[] {false, true}) {
                Assembler a = new Assembler();
                Label l = a.newLabel();
                if (!forward) {
                    a.bind(l);
                }
                emit.accept(a, l);
                if (forward) {
                    a.bind(l);
                }
                texts.add(text.replace("$L", forward ? "$NEXT" : "$HERE"));
                ours.add(a.finish());
            }
        }

        void verify() {
            Path dir = null;
            try {
                dir = Files.createTempDirectory("kiln-gnu-as");
                StringBuilder src = new StringBuilder(".intel_syntax noprefix\n.text\n");
                for (int i = 0; i < texts.size(); i++) {
                    src.append('i').append(i).append(":\n  ")
                            .append(texts.get(i).replace("$HERE", "i" + i).replace("$NEXT", "i" + (i + 1)))
                            .append('\n');
                }
                src.append('i').append(texts.size()).append(":\n");
                Path s = dir.resolve("t.s");
                Path o = dir.resolve("t.o");
                Path bin = dir.resolve("t.bin");
                Files.writeString(s, src.toString());
                run(dir, "as", "--64", "-o", o.toString(), s.toString());
                run(dir, "objcopy", "-O", "binary", "-j", ".text", o.toString(), bin.toString());
                String nm = run(dir, "nm", o.toString());
                byte[] code = Files.readAllBytes(bin);
                Map<Integer, Integer> start = new HashMap<>();
                for (String line : nm.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length == 3 && f[2].matches("i\\d+")) {
                        start.put(Integer.parseInt(f[2].substring(1)), (int) Long.parseLong(f[0], 16));
                    }
                }
                List<String> errors = new ArrayList<>();
                HexFormat hex = HexFormat.ofDelimiter(" ");
                for (int i = 0; i < texts.size(); i++) {
                    int from = start.get(i);
                    int to = start.get(i + 1);
                    byte[] expected = java.util.Arrays.copyOfRange(code, from, to);
                    if (!java.util.Arrays.equals(expected, ours.get(i))) {
                        errors.add(String.format(Locale.ROOT, "  %-50s as: %-40s ours: %s", texts.get(i),
                                hex.formatHex(expected), hex.formatHex(ours.get(i))));
                    }
                }
                if (!errors.isEmpty()) {
                    fail(form + ": " + errors.size() + " of " + texts.size() + " encodings differ from GNU as:\n"
                            + String.join("\n", errors.subList(0, Math.min(40, errors.size()))));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } finally {
                if (dir != null) {
                    try (var files = Files.list(dir)) {
                        for (Path p : files.toList()) {
                            Files.deleteIfExists(p);
                        }
                        Files.deleteIfExists(dir);
                    } catch (IOException ignored) {
                        // best effort cleanup of the temporary directory
                    }
                }
            }
        }

        private String run(Path dir, String... cmd) throws IOException {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (p.exitValue() != 0 || (cmd[0].equals("as") && !out.isBlank())) {
                String[] lines = out.split("\n");
                StringBuilder msg = new StringBuilder(form + ": " + cmd[0] + " failed:\n");
                for (int k = 0; k < Math.min(30, lines.length); k++) {
                    msg.append("  ").append(lines[k]);
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile(":(\\d+):").matcher(lines[k]);
                    if (m.find()) {
                        int line = Integer.parseInt(m.group(1));
                        int idx = (line - 3) / 2;
                        if (line % 2 == 0 && idx >= 0 && idx < texts.size()) {
                            msg.append("   <- case ").append(idx).append(": ").append(texts.get(idx));
                        }
                    }
                    msg.append('\n');
                }
                fail(msg.toString());
            }
            return out;
        }
    }
}
