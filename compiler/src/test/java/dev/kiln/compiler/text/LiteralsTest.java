package dev.kiln.compiler.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LiteralsTest {

    private static void outOfRange(Runnable r) {
        TextFormatException e = assertThrows(TextFormatException.class, r::run);
        assertEquals("constant out of range", e.reason());
    }

    @Test
    void integers() {
        assertEquals(1000, Literals.parseInt("1_000", 32));
        assertEquals(0xFFFFFFFFL, Literals.parseInt("0xffff_ffff", 32));
        assertEquals(0xFFFFFFFFL, Literals.parseInt("-1", 32));
        assertEquals(0x80000000L, Literals.parseInt("-0x80000000", 32));
        assertEquals(0x7FFFFFFFL, Literals.parseInt("+2147483647", 32));
        assertEquals(-1L, Literals.parseInt("0xffffffffffffffff", 64));
        assertEquals(Long.MIN_VALUE, Literals.parseInt("-9223372036854775808", 64));
        assertEquals(0xFF, Literals.parseInt("-1", 8));
        outOfRange(() -> Literals.parseInt("4294967296", 32));
        outOfRange(() -> Literals.parseInt("+0xffffffff", 32));
        outOfRange(() -> Literals.parseInt("-2147483649", 32));
        outOfRange(() -> Literals.parseInt("18446744073709551616", 64));
        outOfRange(() -> Literals.parseInt("256", 8));
        assertThrows(TextFormatException.class, () -> Literals.parseInt("1.0", 32));
        assertThrows(TextFormatException.class, () -> Literals.parseInt("0x_1", 32));
        assertThrows(TextFormatException.class, () -> Literals.parseInt("1__0", 32));
        assertThrows(TextFormatException.class, () -> Literals.parseUnsigned("+1", 32));
        outOfRange(() -> Literals.parseUnsigned("0x1_0000_0000", 32));
    }

    @Test
    void f32SpecialValues() {
        assertEquals(0x7FC00000, Literals.parseF32Bits("nan"));
        assertEquals(0xFFC00000, Literals.parseF32Bits("-nan"));
        assertEquals(0x7F800001, Literals.parseF32Bits("nan:0x1"));
        assertEquals(0xFFFFFFFF, Literals.parseF32Bits("-nan:0x7f_ffff"));
        assertEquals(0x7F800000, Literals.parseF32Bits("inf"));
        assertEquals(0xFF800000, Literals.parseF32Bits("-inf"));
        assertEquals(0x80000000, Literals.parseF32Bits("-0.0"));
        assertEquals(0x80000000, Literals.parseF32Bits("-0x0p+0"));
        outOfRange(() -> Literals.parseF32Bits("nan:0x800000"));
        outOfRange(() -> Literals.parseF32Bits("nan:0x0"));
        assertEquals(0x7FF8000000000000L, Literals.parseF64Bits("nan"));
        assertEquals(0x7FF0000000000001L, Literals.parseF64Bits("nan:0x1"));
        outOfRange(() -> Literals.parseF64Bits("nan:0x10000000000000"));
    }

    @Test
    void f32RoundingAtTheEdges() {
        assertEquals(0x3F800000, Literals.parseF32Bits("1"));
        assertEquals(0x3F800000, Literals.parseF32Bits("0x1"));
        assertEquals(0x41200000, Literals.parseF32Bits("1_0.0"));
        assertEquals(0x3FC00000, Literals.parseF32Bits("0x1.8p0"));
        assertEquals(0x3FC00000, Literals.parseF32Bits("0x0.cp1"));
        assertThrows(TextFormatException.class, () -> Literals.parseF32Bits("0x.cp1"));
        // smallest subnormal 2^-149, ties to even at half of it
        assertEquals(1, Literals.parseF32Bits("0x1p-149"));
        assertEquals(0, Literals.parseF32Bits("0x1p-150"));
        assertEquals(1, Literals.parseF32Bits("0x1.000001p-150"));
        assertEquals(2, Literals.parseF32Bits("0x1.8p-149"));
        assertEquals(1, Literals.parseF32Bits("0x1.4p-149"));
        assertEquals(1, Literals.parseF32Bits("1e-45"));
        assertEquals(0, Literals.parseF32Bits("7e-46"));
        // largest subnormal rounds up to the smallest normal
        assertEquals(0x00800000, Literals.parseF32Bits("0x1.fffffffp-127"));
        // mantissa ties to even: 1 + 2^-24 -> 1, 1 + 3*2^-24 -> 1 + 2^-22
        assertEquals(0x3F800000, Literals.parseF32Bits("0x1.000001p0"));
        assertEquals(0x3F800002, Literals.parseF32Bits("0x1.000003p0"));
        assertEquals(0x3F800001, Literals.parseF32Bits("0x1.00000100000000000001p0"));
        // the largest finite value and overflow
        assertEquals(0x7F7FFFFF, Literals.parseF32Bits("0x1.fffffep127"));
        assertEquals(0x7F7FFFFF, Literals.parseF32Bits("0x1.fffffefffffffffp127"));
        assertEquals(0x7F7FFFFF, Literals.parseF32Bits("3.4028235e38"));
        assertEquals(0x7F7FFFFF, Literals.parseF32Bits("340282356779733661637539395458142568447"));
        outOfRange(() -> Literals.parseF32Bits("340282356779733661637539395458142568448"));
        outOfRange(() -> Literals.parseF32Bits("0x1.ffffffp127"));
        outOfRange(() -> Literals.parseF32Bits("0x1p128"));
        outOfRange(() -> Literals.parseF32Bits("1e39"));
        outOfRange(() -> Literals.parseF32Bits("1e1000000000000"));
        assertEquals(0, Literals.parseF32Bits("1e-1000000000000"));
    }

    @Test
    void f64RoundingAtTheEdges() {
        assertEquals(1L, Literals.parseF64Bits("0x1p-1074"));
        assertEquals(0L, Literals.parseF64Bits("0x1p-1075"));
        assertEquals(1L, Literals.parseF64Bits("0x1.8p-1075"));
        assertEquals(0x000FFFFFFFFFFFFFL, Literals.parseF64Bits("2.2250738585072011e-308"));
        assertEquals(0x0010000000000000L, Literals.parseF64Bits("2.2250738585072014e-308"));
        assertEquals(0x7FEFFFFFFFFFFFFFL, Literals.parseF64Bits("0x1.fffffffffffffp1023"));
        assertEquals(0x7FEFFFFFFFFFFFFFL, Literals.parseF64Bits("1.7976931348623157e308"));
        outOfRange(() -> Literals.parseF64Bits("0x1.fffffffffffff8p1023"));
        outOfRange(() -> Literals.parseF64Bits("1e309"));
        assertEquals(0x3FF0000000000000L, Literals.parseF64Bits("0x1.00000000000008p0"));
        assertEquals(0x3FF0000000000002L, Literals.parseF64Bits("0x1.00000000000018p0"));
        assertEquals(0xBFB999999999999AL, Literals.parseF64Bits("-0.1"));
    }

    /** The JDK's decimal parsers are correctly rounded; they serve as an independent oracle. */
    @Test
    void randomDecimalsAgreeWithTheJdk() {
        Random r = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int digits = 1 + r.nextInt(25);
            for (int k = 0; k < digits; k++) {
                sb.append((char) ('0' + r.nextInt(10)));
            }
            if (r.nextBoolean()) {
                sb.insert(1 + r.nextInt(digits), '.');
            }
            String s = sb + "e" + (r.nextInt(700) - 350);
            double d = Double.parseDouble(s);
            if (!Double.isInfinite(d)) {
                assertEquals(Double.doubleToRawLongBits(d), Literals.parseF64Bits(s), s);
            }
            String f = sb + "e" + (r.nextInt(90) - 50);
            float fl = Float.parseFloat(f);
            if (!Float.isInfinite(fl)) {
                assertEquals(Float.floatToRawIntBits(fl), Literals.parseF32Bits(f), f);
            }
        }
    }

    @Test
    void randomHexFloatsRoundTrip() {
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            long bits = r.nextLong() & 0x7FEFFFFFFFFFFFFFL;
            double d = Double.longBitsToDouble(bits);
            assertEquals(bits, Literals.parseF64Bits(Double.toHexString(d).replace("0x0.", "0x0.")), Double.toHexString(d));
            int fbits = r.nextInt() & 0x7F7FFFFF;
            float f = Float.intBitsToFloat(fbits);
            assertEquals(fbits, Literals.parseF32Bits(Float.toHexString(f)), Float.toHexString(f));
        }
    }
}
