package dev.kiln.compiler.mach;

/**
 * The part of a frame below the callee-saved register saves, from the stack pointer up: the outgoing
 * area (stack arguments and results of calls), the spill slots (16-byte slots first, each 16-byte
 * aligned relative to the stack pointer, then 8-byte slots), then {@code extraSlots} 8-byte slots the
 * backend keeps for itself (e.g. the caller's VMContext across calls into other instances). Offsets
 * are bytes from the stack pointer after the prologue. Immutable.
 */
public final class FrameLayout {
    private final int[] slotOffset;
    private final int extraBase;
    private final int size;

    /**
     * Lays out the spill slots of {@code alloc} above an outgoing area of {@code outgoingBytes} (a
     * multiple of 16 when the function has 16-byte slots, of 8 otherwise).
     */
    public FrameLayout(int outgoingBytes, LinearScan<?> alloc, int extraSlots) {
        int n = alloc.spillSlots();
        this.slotOffset = new int[n];
        int at = outgoingBytes;
        boolean wide = false;
        for (int k = 0; k < n; k++) {
            wide |= alloc.slotBytes(k) == 16;
        }
        if (wide) {
            at = (at + 15) & -16;
            for (int k = 0; k < n; k++) {
                if (alloc.slotBytes(k) == 16) {
                    slotOffset[k] = at;
                    at += 16;
                }
            }
        }
        for (int k = 0; k < n; k++) {
            if (alloc.slotBytes(k) == 8) {
                slotOffset[k] = at;
                at += 8;
            }
        }
        this.extraBase = at;
        this.size = at + 8 * extraSlots;
    }

    /** Offset of spill slot {@code slot} from the stack pointer, in bytes. */
    public int slotOffset(int slot) {
        return slotOffset[slot];
    }

    /** Offset of the backend's extra slot {@code k}, in bytes. */
    public int extraOffset(int k) {
        return extraBase + 8 * k;
    }

    /** Bytes of the whole area (before any padding the backend adds for call alignment). */
    public int size() {
        return size;
    }
}
