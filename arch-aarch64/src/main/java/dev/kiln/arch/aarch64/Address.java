package dev.kiln.arch.aarch64;

import java.util.Objects;

/**
 * The memory operand of an A64 load or store (Arm ARM, C1.3.3 "Load/Store addressing modes"): a base
 * register ({@code x0..x30} or {@link XReg#SP}, never {@link XReg#XZR}) plus one of
 * <ul>
 *   <li>an immediate byte offset, {@code [base, #offset]} ({@link #offset}; the assembler picks the
 *       scaled 12-bit or unscaled 9-bit form, see {@link #offsetForm(long, int)});</li>
 *   <li>pre-index {@code [base, #offset]!} ({@link #preIndex}) or post-index {@code [base], #offset}
 *       ({@link #postIndex}): the base register is updated to {@code base + offset}, before or after
 *       the access;</li>
 *   <li>an index register, {@code [base, index{, extend {#amount}}]} ({@link #index}): {@code index}
 *       extended by {@link Extend#UXTW}/{@link Extend#SXTW} (a W register), or used whole
 *       ({@link Extend#UXTX}, spelt {@code lsl}, or {@link Extend#SXTX}), optionally shifted left by
 *       log2 of the access size.</li>
 * </ul>
 * Immutable and thread-safe. Whether the offset fits is checked by the instruction that uses the
 * address (it depends on the access size).
 */
public final class Address {

    /** The addressing mode of an {@link Address}. */
    public enum Mode {
        /** {@code [base, #offset]}: no write-back. */ OFFSET,
        /** {@code [base, #offset]!}: base updated before the access. */ PRE_INDEX,
        /** {@code [base], #offset}: base updated after the access. */ POST_INDEX,
        /** {@code [base, index{, extend #amount}]}. */ REGISTER
    }

    private final Mode mode;
    private final XReg base;
    private final long offset;
    private final XReg index;
    private final Extend extend;
    private final boolean scaled;

    private Address(Mode mode, XReg base, long offset, XReg index, Extend extend, boolean scaled) {
        Objects.requireNonNull(base, "base");
        if (base == XReg.XZR) {
            throw new IllegalArgumentException("the base register of an address cannot be xzr (number 31 means sp there)");
        }
        this.mode = mode;
        this.base = base;
        this.offset = offset;
        this.index = index;
        this.extend = extend;
        this.scaled = scaled;
    }

    /**
     * {@code [base]}.
     *
     * @throws IllegalArgumentException if {@code base} is {@link XReg#XZR}
     */
    public static Address base(XReg base) {
        return new Address(Mode.OFFSET, base, 0, null, null, false);
    }

    /**
     * {@code [base, #offset]}, {@code offset} in bytes.
     *
     * @throws IllegalArgumentException if {@code base} is {@link XReg#XZR}
     */
    public static Address offset(XReg base, long offset) {
        return new Address(Mode.OFFSET, base, offset, null, null, false);
    }

    /**
     * {@code [base, #offset]!}: accesses {@code base + offset} and writes it back to {@code base}.
     *
     * @throws IllegalArgumentException if {@code base} is {@link XReg#XZR}
     */
    public static Address preIndex(XReg base, long offset) {
        return new Address(Mode.PRE_INDEX, base, offset, null, null, false);
    }

    /**
     * {@code [base], #offset}: accesses {@code base}, then adds {@code offset} to it.
     *
     * @throws IllegalArgumentException if {@code base} is {@link XReg#XZR}
     */
    public static Address postIndex(XReg base, long offset) {
        return new Address(Mode.POST_INDEX, base, offset, null, null, false);
    }

    /**
     * {@code [base, index]}: the 64-bit sum, unscaled.
     *
     * @throws IllegalArgumentException if {@code base} is {@link XReg#XZR} or {@code index} is {@link XReg#SP}
     */
    public static Address index(XReg base, XReg index) {
        return index(base, index, Extend.UXTX, false);
    }

    /**
     * {@code [base, index, extend #amount]}: {@code base + (extend(index) << amount)} where {@code amount}
     * is log2 of the access size in bytes if {@code scaled}, else 0.
     *
     * @param extend {@link Extend#UXTW} or {@link Extend#SXTW} (index read as a W register: a zero- or
     *     sign-extended i32), {@link Extend#UXTX} ({@code lsl}) or {@link Extend#SXTX} (all 64 bits)
     * @throws IllegalArgumentException for another extend, if {@code base} is {@link XReg#XZR} or
     *     {@code index} is {@link XReg#SP}
     */
    public static Address index(XReg base, XReg index, Extend extend, boolean scaled) {
        Objects.requireNonNull(index, "index");
        Objects.requireNonNull(extend, "extend");
        if (index == XReg.SP) {
            throw new IllegalArgumentException("the index register of an address cannot be sp (number 31 means xzr there)");
        }
        if (extend != Extend.UXTW && extend != Extend.SXTW && extend != Extend.UXTX && extend != Extend.SXTX) {
            throw new IllegalArgumentException("an address index is extended by uxtw, sxtw, lsl (uxtx) or sxtx, not "
                    + extend.mnemonic());
        }
        return new Address(Mode.REGISTER, base, 0, index, extend, scaled);
    }

    /**
     * Which single-instruction form reaches {@code [base, #offset]} for an access of {@code accessBytes}
     * bytes (1, 2, 4, 8 or 16): {@link OffsetForm#SCALED_IMM12} when {@code offset} is a multiple of
     * {@code accessBytes} in {@code [0, 4095 * accessBytes]}, else {@link OffsetForm#UNSCALED_IMM9} when it
     * lies in {@code [-256, 255]}, else {@link OffsetForm#NEEDS_REGISTER}. The same choice the load and
     * store methods of {@link Assembler} make for {@link Mode#OFFSET} addresses.
     *
     * @throws IllegalArgumentException if {@code accessBytes} is not 1, 2, 4, 8 or 16
     */
    public static OffsetForm offsetForm(long offset, int accessBytes) {
        if (accessBytes != 1 && accessBytes != 2 && accessBytes != 4 && accessBytes != 8 && accessBytes != 16) {
            throw new IllegalArgumentException("access size must be 1, 2, 4, 8 or 16 bytes, got " + accessBytes);
        }
        if (offset >= 0 && offset % accessBytes == 0 && offset / accessBytes <= 4095) {
            return OffsetForm.SCALED_IMM12;
        }
        if (offset >= -256 && offset <= 255) {
            return OffsetForm.UNSCALED_IMM9;
        }
        return OffsetForm.NEEDS_REGISTER;
    }

    /** The addressing mode. */
    public Mode mode() {
        return mode;
    }

    /** The base register ({@code x0..x30} or {@link XReg#SP}). */
    public XReg base() {
        return base;
    }

    /** The immediate byte offset (0 for {@link Mode#REGISTER}). */
    public long offset() {
        return offset;
    }

    /** The index register of a {@link Mode#REGISTER} address, else {@code null}. */
    public XReg index() {
        return index;
    }

    /** The extension of the index of a {@link Mode#REGISTER} address, else {@code null}. */
    public Extend extend() {
        return extend;
    }

    /** Whether the index of a {@link Mode#REGISTER} address is shifted left by log2 of the access size. */
    public boolean scaled() {
        return scaled;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Address a && a.mode == mode && a.base == base && a.offset == offset
                && a.index == index && a.extend == extend && a.scaled == scaled;
    }

    @Override
    public int hashCode() {
        return Objects.hash(mode, base, offset, index, extend, scaled);
    }

    /** The GNU assembler spelling for an access of {@code accessBytes} bytes, e.g. {@code [sp, #16]!} or {@code [x1, w2, sxtw #3]}. */
    public String toString(int accessBytes) {
        String b = base.name(Size.X);
        return switch (mode) {
            case OFFSET -> offset == 0 ? "[" + b + "]" : "[" + b + ", #" + offset + "]";
            case PRE_INDEX -> "[" + b + ", #" + offset + "]!";
            case POST_INDEX -> "[" + b + "], #" + offset;
            case REGISTER -> {
                String i = index.name(extend.isX() ? Size.X : Size.W);
                int amount = Integer.numberOfTrailingZeros(accessBytes);
                String ext = extend == Extend.UXTX ? "lsl" : extend.mnemonic();
                if (!scaled) {
                    yield extend == Extend.UXTX ? "[" + b + ", " + i + "]" : "[" + b + ", " + i + ", " + ext + "]";
                }
                yield "[" + b + ", " + i + ", " + ext + " #" + amount + "]";
            }
        };
    }

    @Override
    public String toString() {
        return toString(8);
    }
}
