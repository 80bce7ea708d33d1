package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Operands {@link Assembler} must refuse (register 31 in the wrong role, immediates out of range,
 * CONSTRAINED UNPREDICTABLE register pairs), each with a message naming the instruction and nothing
 * emitted; and the pure helpers (addressing form, immediates, conditions).
 */
class AssemblerOperandTest {

    private static void refused(String expectedInMessage, java.util.function.Consumer<Assembler> emit) {
        Assembler a = new Assembler();
        a.nop();
        Executable e = () -> emit.accept(a);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expectedInMessage), ex.getMessage());
        assertEquals(4, a.position(), "nothing emitted by a refused instruction: " + ex.getMessage());
    }

    @Test
    void spAndXzrAreRefusedWhereRegister31MeansTheOther() {
        refused("and: operand rd cannot be sp", a -> a.and(Size.X, XReg.SP, XReg.X1, XReg.X2));
        refused("orr: operand rn cannot be sp", a -> a.orr(Size.X, XReg.X0, XReg.SP, 0xFF));
        refused("add: operand rd cannot be xzr", a -> a.add(Size.X, XReg.XZR, XReg.X1, 1));
        refused("add: operand rn cannot be xzr", a -> a.add(Size.X, XReg.X0, XReg.XZR, 1));
        refused("adds: operand rd cannot be sp", a -> a.adds(Size.X, XReg.SP, XReg.X1, 1));
        refused("and: operand rd cannot be xzr", a -> a.and(Size.X, XReg.XZR, XReg.X1, 0xFF));
        refused("ands: operand rd cannot be sp", a -> a.ands(Size.W, XReg.SP, XReg.X1, 0xFF));
        refused("add: operand rm cannot be sp", a -> a.add(Size.X, XReg.X0, XReg.X1, XReg.SP));
        refused("sub: operand rm cannot be sp", a -> a.sub(Size.X, XReg.X0, XReg.SP, XReg.SP, Extend.UXTX, 0));
        refused("mul: operand rd cannot be sp", a -> a.mul(Size.X, XReg.SP, XReg.X1, XReg.X2));
        refused("mov: operand rd cannot be xzr", a -> a.mov(Size.X, XReg.XZR, XReg.SP));
        refused("mov: operand rd cannot be sp", a -> a.movImm(Size.X, XReg.SP, 5));
        refused("mov: a constant cannot be moved to xzr", a -> a.movImm(Size.X, XReg.XZR, 5));
        refused("movz: operand rd cannot be sp", a -> a.movz(Size.X, XReg.SP, 5, 0));
        refused("ldr: operand rt cannot be sp", a -> a.ldr(Size.X, XReg.SP, Address.base(XReg.X0)));
        refused("cbz: operand rt cannot be sp", a -> a.cbz(Size.X, XReg.SP, a.newLabel()));
        refused("br: operand rn cannot be sp", a -> a.br(XReg.SP));
        refused("fmov: operand rn cannot be sp", a -> a.fmov(FpSize.D, VReg.V0, XReg.SP));
        refused("lsl: operand rd cannot be sp", a -> a.lsl(Size.X, XReg.SP, XReg.X0, 3));
        assertThrows(IllegalArgumentException.class, () -> Address.base(XReg.XZR));
        assertThrows(IllegalArgumentException.class, () -> Address.offset(XReg.XZR, 8));
        assertThrows(IllegalArgumentException.class, () -> Address.index(XReg.X0, XReg.SP));
        assertThrows(IllegalArgumentException.class, () -> Address.index(XReg.X0, XReg.X1, Extend.UXTB, false));
    }

    @Test
    void immediatesOutOfRange() {
        refused("add: immediate 4097", a -> a.add(Size.X, XReg.X0, XReg.X1, 4097));
        refused("sub: immediate -1", a -> a.sub(Size.X, XReg.X0, XReg.X1, -1));
        refused("is not a logical immediate", a -> a.and(Size.X, XReg.X0, XReg.X1, 0));
        refused("is not a logical immediate", a -> a.orr(Size.W, XReg.X0, XReg.X1, 0xFFFF_FFFFL));
        refused("does not fit in 32 bits", a -> a.eor(Size.W, XReg.X0, XReg.X1, 0x1_0000_00FFL));
        refused("shift amount must be 0..31", a -> a.add(Size.W, XReg.X0, XReg.X1, XReg.X2, Shift.LSL, 32));
        refused("ror is not a valid shift", a -> a.sub(Size.X, XReg.X0, XReg.X1, XReg.X2, Shift.ROR, 1));
        refused("lsl #0..4 only", a -> a.add(Size.X, XReg.SP, XReg.X1, XReg.X2, Shift.LSL, 5));
        refused("extended-register shift must be 0..4", a -> a.add(Size.X, XReg.X0, XReg.X1, XReg.X2, Extend.SXTW, 5));
        refused("movz: shift must be 0 or 16", a -> a.movz(Size.W, XReg.X0, 1, 32));
        refused("movk: immediate must be 0..0xFFFF", a -> a.movk(Size.X, XReg.X0, 0x10000, 0));
        refused("ubfx: field lsb 60 width 5", a -> a.ubfx(Size.X, XReg.X0, XReg.X1, 60, 5));
        refused("ubfm: immr and imms must be 0..31", a -> a.ubfm(Size.W, XReg.X0, XReg.X1, 0, 32));
        refused("ccmp: nzcv must be 0..15", a -> a.ccmp(Size.X, XReg.X0, 1, 16, Cond.EQ));
        refused("ccmp: immediate must be 0..31", a -> a.ccmp(Size.X, XReg.X0, 32, 0, Cond.EQ));
        refused("cset: the condition cannot be al", a -> a.cset(Size.X, XReg.X0, Cond.AL));
        refused("tbz: bit number must be 0..63", a -> a.tbz(XReg.X0, 64, a.newLabel()));
        refused("brk: immediate must be 0..0xFFFF", a -> a.brk(0x10000));
        refused("fmov: 0.0 is not an 8-bit float immediate", a -> a.fmov(FpSize.D, VReg.V0, 0.0));
        refused("fcvt: source and destination precision are both", a -> a.fcvt(FpSize.D, VReg.V0, FpSize.D, VReg.V1));
    }

    @Test
    void loadStoreAddressesOutOfReachOrUnpredictable() {
        refused("put it in a register", a -> a.ldr(Size.X, XReg.X0, Address.offset(XReg.X1, 32768)));
        refused("put it in a register", a -> a.str(Size.W, XReg.X0, Address.offset(XReg.X1, -257)));
        refused("pre/post-index offset must be -256..255", a -> a.ldr(Size.X, XReg.X0, Address.preIndex(XReg.X1, 256)));
        refused("write-back to the base register x1", a -> a.ldr(Size.X, XReg.X1, Address.postIndex(XReg.X1, 8)));
        refused("write-back to the base register x1", a -> a.stp(Size.X, XReg.X0, XReg.X1, Address.preIndex(XReg.X1, -16)));
        refused("loading x3 twice is unpredictable", a -> a.ldp(Size.X, XReg.X3, XReg.X3, Address.base(XReg.SP)));
        refused("loading v3 twice is unpredictable", a -> a.ldp(FpSize.D, VReg.V3, VReg.V3, Address.base(XReg.SP)));
        refused("offset 12 is not a multiple of 8", a -> a.ldp(Size.X, XReg.X0, XReg.X1, Address.offset(XReg.SP, 12)));
        refused("offset 512 is not a multiple of 8 in -512..504", a -> a.stp(Size.X, XReg.X0, XReg.X1, Address.offset(XReg.SP, 512)));
        refused("takes no register-offset address", a -> a.ldp(Size.W, XReg.X0, XReg.X1, Address.index(XReg.SP, XReg.X2)));
        // allowed: a store pair with the same register twice, write-back with sp as base
        Assembler a = new Assembler();
        a.stp(Size.X, XReg.XZR, XReg.XZR, Address.preIndex(XReg.SP, -16));
        a.ldr(Size.X, XReg.X0, Address.postIndex(XReg.SP, 16));
        assertEquals(8, a.position());
    }

    @Test
    void offsetFormPicksScaledThenUnscaled() {
        assertEquals(OffsetForm.SCALED_IMM12, Address.offsetForm(0, 8));
        assertEquals(OffsetForm.SCALED_IMM12, Address.offsetForm(32760, 8));
        assertEquals(OffsetForm.NEEDS_REGISTER, Address.offsetForm(32768, 8));
        assertEquals(OffsetForm.UNSCALED_IMM9, Address.offsetForm(4, 8));
        assertEquals(OffsetForm.UNSCALED_IMM9, Address.offsetForm(-256, 8));
        assertEquals(OffsetForm.NEEDS_REGISTER, Address.offsetForm(-257, 1));
        assertEquals(OffsetForm.SCALED_IMM12, Address.offsetForm(4095, 1));
        assertEquals(OffsetForm.NEEDS_REGISTER, Address.offsetForm(4096, 1));
        assertEquals(OffsetForm.NEEDS_REGISTER, Address.offsetForm(257, 2));
        assertEquals(OffsetForm.UNSCALED_IMM9, Address.offsetForm(255, 2));
        assertEquals(OffsetForm.SCALED_IMM12, Address.offsetForm(65520, 16));
        assertThrows(IllegalArgumentException.class, () -> Address.offsetForm(0, 3));
    }

    @Test
    void immediateHelpers() {
        assertTrue(Assembler.isAddSubImmediate(0));
        assertTrue(Assembler.isAddSubImmediate(4095));
        assertTrue(Assembler.isAddSubImmediate(0xFFF000));
        assertFalse(Assembler.isAddSubImmediate(0x1000001));
        assertFalse(Assembler.isAddSubImmediate(-4));
        // N:immr:imms of a few well-known values (Arm ARM DecodeBitMasks)
        assertEquals(0b1_000000_000000, Assembler.encodeLogicalImmediate(1, true));
        assertEquals(0b0_000000_111100, Assembler.encodeLogicalImmediate(0x5555_5555_5555_5555L, true));
        assertEquals(0b0_000000_000111, Assembler.encodeLogicalImmediate(0xFF, false));
        assertEquals(0b1_000000_111110, Assembler.encodeLogicalImmediate(Long.MAX_VALUE, true));
        assertEquals(0b1_000001_111110, Assembler.encodeLogicalImmediate(0xBFFF_FFFF_FFFF_FFFFL, true));
        assertEquals(-1, Assembler.encodeLogicalImmediate(0, true));
        assertEquals(-1, Assembler.encodeLogicalImmediate(-1, true));
        assertEquals(-1, Assembler.encodeLogicalImmediate(0xFFFF_FFFFL, false));
        assertEquals(-1, Assembler.encodeLogicalImmediate(0x1234, true));
        assertTrue(Assembler.isLogicalImmediate(Size.W, -16));
        assertFalse(Assembler.isLogicalImmediate(Size.W, 0x1_0000_0000L));
        assertEquals(0x70, Assembler.encodeFpImmediate(1.0));
        assertEquals(0x00, Assembler.encodeFpImmediate(2.0));
        assertEquals(0xF0, Assembler.encodeFpImmediate(-1.0));
        assertTrue(Assembler.isFpImmediate(31.0));
        assertTrue(Assembler.isFpImmediate(0.125));
        assertFalse(Assembler.isFpImmediate(0.1));
    }

    @Test
    void conditionsInvertAndSwap() {
        for (Cond c : Cond.values()) {
            if (c != Cond.AL) {
                assertEquals(c, c.invert().invert());
                assertEquals(c.code() ^ 1, c.invert().code());
            }
            assertEquals(c, Cond.of(c.code()));
        }
        assertEquals(Cond.NE, Cond.EQ.invert());
        assertEquals(Cond.LO, Cond.HS.invert());
        assertEquals(Cond.LE, Cond.GT.invert());
        assertEquals(Cond.GT, Cond.LT.swap());
        assertEquals(Cond.HI, Cond.LO.swap());
        assertEquals(Cond.EQ, Cond.EQ.swap());
        assertThrows(IllegalStateException.class, Cond.AL::invert);
        assertThrows(IllegalArgumentException.class, () -> Cond.of(15));
    }

    @Test
    void registers() {
        assertEquals(31, XReg.SP.encoding());
        assertEquals(31, XReg.XZR.encoding());
        assertEquals(30, XReg.LR.encoding());
        assertEquals(XReg.X29, XReg.FP);
        assertEquals("wsp", XReg.SP.name(Size.W));
        assertEquals("xzr", XReg.XZR.name(Size.X));
        assertEquals("w7", XReg.x(7).name(Size.W));
        assertEquals("d31", VReg.v(31).name(FpSize.D));
        assertThrows(IllegalArgumentException.class, () -> XReg.x(31));
        assertThrows(IllegalArgumentException.class, () -> VReg.v(32));
    }
}
