package dev.kiln.compiler.mach;

/**
 * A register class: the registers a value may live in. Every ISA Kiln targets has these two files
 * (x86-64: general-purpose and xmm; AArch64: x and v). Spill slots are sized per value (see
 * {@link VirtualRegisters#slotBytes}), up to {@link #maxSlotBytes}.
 */
public enum RegClass {
    /** Integers and addresses: i32, i64, references. Spill slots of 8 bytes. */
    INT(8),
    /** Floats and vectors: f32, f64 (8-byte slots), v128 (16-byte slots, 16-byte aligned). */
    FLOAT(16);

    private final int maxSlotBytes;

    RegClass(int maxSlotBytes) {
        this.maxSlotBytes = maxSlotBytes;
    }

    /** The largest spill slot a value of this class needs, in bytes. */
    public int maxSlotBytes() {
        return maxSlotBytes;
    }
}
