package dev.kiln.arch.x86_64;

import dev.kiln.compiler.mach.Label;

/**
 * A memory operand {@code [base + index*scale + disp]} or {@code [rip + label + disp]} (Intel SDM
 * Vol. 2, §2.1.5 and §2.2.1.6), encoded by {@link Assembler} with the shortest ModRM/SIB/displacement
 * form: no displacement when {@code disp == 0} (except for base rbp/r13, which need a zero disp8),
 * disp8 when it fits in a signed byte, else disp32; a SIB byte when there is an index or the base is
 * rsp/r12.
 *
 * <p>Shapes: {@code base} is null for a RIP-relative operand and may be null for
 * {@code [index*scale + disp32]} or the absolute (not position-independent) {@code [disp32]};
 * {@code index} is null when there is none (then {@code scale} is normalised to 1);
 * {@code disp} is a signed byte displacement; {@code ripTarget}, when non-null, makes the operand
 * {@code [rip + ripTarget + disp]} and then base and index must be null. Immutable.
 *
 * @param base base register, or null
 * @param index index register (never rsp), or null
 * @param scale 1, 2, 4 or 8
 * @param disp signed displacement in bytes
 * @param ripTarget label for RIP-relative addressing, or null
 */
public record Mem(Gpr base, Gpr index, int scale, int disp, Label ripTarget) {

    /**
     * Validates the operand.
     *
     * @throws IllegalArgumentException if {@code index} is rsp (not encodable), {@code scale} is not
     *     1, 2, 4 or 8, or a RIP-relative operand also has a base or index
     */
    public Mem {
        if (index == Gpr.RSP) {
            throw new IllegalArgumentException("rsp cannot be an index register");
        }
        if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("scale must be 1, 2, 4 or 8, got " + scale);
        }
        if (index == null) {
            scale = 1;
        }
        if (ripTarget != null && (base != null || index != null)) {
            throw new IllegalArgumentException("a RIP-relative operand has no base or index register");
        }
    }

    /** {@code [base + disp]}; {@code base} must be non-null. */
    public static Mem of(Gpr base, int disp) {
        return new Mem(java.util.Objects.requireNonNull(base, "base"), null, 1, disp, null);
    }

    /** {@code [base]}. */
    public static Mem of(Gpr base) {
        return of(base, 0);
    }

    /**
     * {@code [base + index*scale + disp]}; {@code base} may be null (then a disp32 is always encoded).
     *
     * @throws IllegalArgumentException if {@code index} is rsp or {@code scale} is not 1, 2, 4, 8
     */
    public static Mem of(Gpr base, Gpr index, int scale, int disp) {
        return new Mem(base, index, scale, disp, null);
    }

    /** {@code [rip + target]}: the address of a label of the same assembler (code or constant pool). */
    public static Mem rip(Label target) {
        return rip(target, 0);
    }

    /** {@code [rip + target + disp]}. */
    public static Mem rip(Label target, int disp) {
        return new Mem(null, null, 1, disp, java.util.Objects.requireNonNull(target, "target"));
    }

    /** {@code [disp32]}: an absolute address sign-extended from 32 bits (not position-independent). */
    public static Mem absolute(int disp) {
        return new Mem(null, null, 1, disp, null);
    }

    /** Whether this is a {@code [rip + label + disp]} operand. */
    public boolean isRipRelative() {
        return ripTarget != null;
    }

    /** This operand with {@code delta} added to the displacement (e.g. the upper half of a 64-bit slot). */
    public Mem offset(int delta) {
        return new Mem(base, index, scale, disp + delta, ripTarget);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        if (ripTarget != null) {
            sb.append("rip + ").append(ripTarget.name());
        } else {
            if (base != null) {
                sb.append(base.name().toLowerCase(java.util.Locale.ROOT));
            }
            if (index != null) {
                if (base != null) {
                    sb.append(" + ");
                }
                sb.append(index.name().toLowerCase(java.util.Locale.ROOT)).append('*').append(scale);
            }
            if (base == null && index == null) {
                return "[" + disp + "]";
            }
        }
        if (disp > 0) {
            sb.append(" + ").append(disp);
        } else if (disp < 0) {
            sb.append(" - ").append(-(long) disp);
        }
        return sb.append(']').toString();
    }
}
