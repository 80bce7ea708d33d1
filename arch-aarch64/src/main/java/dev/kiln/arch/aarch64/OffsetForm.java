package dev.kiln.arch.aarch64;

/**
 * How a load or store of one register reaches {@code [base, #offset]} (see
 * {@link Address#offsetForm(long, int)}): the Arm ARM's "unsigned offset" class ({@code LDR (immediate)},
 * a 12-bit immediate scaled by the access size), the "unscaled immediate" class ({@code LDUR}, a signed
 * 9-bit byte offset), or neither, in which case the offset must be put in a register first
 * ({@code LDR (register)}).
 */
public enum OffsetForm {
    /** {@code 0 <= offset <= 4095 * bytes} and a multiple of the access size: one {@code ldr}/{@code str}. */
    SCALED_IMM12,
    /** {@code -256 <= offset <= 255} but not {@link #SCALED_IMM12}: one {@code ldur}/{@code stur}. */
    UNSCALED_IMM9,
    /** Neither: materialize the offset in a register and use a register-offset address. */
    NEEDS_REGISTER
}
