package dev.kiln.compiler.mach;

/**
 * The part of a frame below the callee-saved register saves, from the stack pointer up: the outgoing
 * area (stack arguments and results of calls), the spill slots (16-byte slots first, each 16-byte
 * aligned relative to the stack pointer, then 8-byte slots), then {@code extraSlots} 8-byte slots the
 * backend keeps for itself (e.g. the caller's VMContext across calls into other instances). Slots
 * of rematerialized values ({@link LinearScan#rematerializedFrom}) take no space. Offsets are bytes
 * from the stack pointer after the prologue. Immutable.
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
        this(outgoingBytes, alloc, extraSlots, java.util.List.of()); // no counts: 16-byte slots, then 8-byte ones, by number
    }

    /**
     * Lays out the spill slots of {@code alloc} above an outgoing area of {@code outgoingBytes} (a
     * multiple of 16 when the function has 16-byte slots), the slots that {@code blocks} name most
     * often nearest it (operands and parallel moves of spilled values, counted statically), so that on
     * an ISA whose displacements have a short form (x86-64: disp8, -128..127) the most frequent slot
     * accesses take it: within each size, slots in descending count (ties by slot number); the 16-byte
     * slots come first unless the 8-byte ones are named more often per byte.
     *
     * @param blocks the function's blocks after register allocation
     */
    public FrameLayout(int outgoingBytes, LinearScan<?> alloc, int extraSlots,
            java.util.List<? extends MachBlock<?>> blocks) {
        int n = alloc.spillSlots();
        long[] refs = new long[n];
        for (int bI = 0; n > 0 && bI < blocks.size(); bI++) { // no slots (most functions): nothing to count
            MachBlock<?> b = blocks.get(bI);
            for (int mI = 0; mI < b.insts.size(); mI++) {
                MachInst m = b.insts.get(mI);
                countSlots(alloc, m.uses(), refs);
                countSlots(alloc, m.defs(), refs);
                if (m.isParallelMove()) {
                    countSlots(alloc, m.moveDsts(), refs);
                    countSlots(alloc, m.moveSrcs(), refs);
                }
            }
        }
        int[] narrow = slotsOfSize(alloc, 8, refs);
        int[] wide = slotsOfSize(alloc, 16, refs);
        long narrowRefs = 0;
        long wideRefs = 0;
        for (int k : narrow) {
            narrowRefs += refs[k];
        }
        for (int k : wide) {
            wideRefs += refs[k];
        }
        this.slotOffset = new int[n];
        int at = outgoingBytes;
        // per byte: wideRefs / (16 * wide) against narrowRefs / (8 * narrow)
        boolean wideFirst = wide.length > 0 && wideRefs * 8L * narrow.length >= narrowRefs * 16L * wide.length;
        if (wideFirst) {
            at = place(wide, 16, (at + 15) & -16);
            at = place(narrow, 8, at);
        } else {
            at = place(narrow, 8, at);
            if (wide.length > 0) {
                at = place(wide, 16, (at + 15) & -16);
            }
        }
        this.extraBase = at;
        this.size = at + 8 * extraSlots;
    }

    private static void countSlots(LinearScan<?> alloc, int[] regs, long[] refs) {
        if (regs == null) {
            return;
        }
        for (int r : regs) {
            if (r >= 0) {
                LinearScan.Interval it = alloc.interval(r);
                if (it != null && it.assigned < 0 && it.spillSlot >= 0) {
                    refs[it.spillSlot]++;
                }
            }
        }
    }

    /** The slots of {@code bytes} bytes, by descending reference count, then by slot number. */
    private static int[] slotsOfSize(LinearScan<?> alloc, int bytes, long[] refs) {
        long[] keys = new long[refs.length];
        int n = 0;
        for (int k = 0; k < refs.length; k++) {
            if (alloc.slotBytes(k) == bytes && alloc.rematerializedFrom(k) < 0) {
                // high half: the count complemented (ascending order = descending count); low half: the slot
                keys[n++] = (long) (Integer.MAX_VALUE - (int) Math.min(refs[k], Integer.MAX_VALUE)) << 32 | k;
            }
        }
        java.util.Arrays.sort(keys, 0, n);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = (int) keys[i];
        }
        return out;
    }

    private int place(int[] slots, int bytes, int at) {
        for (int k : slots) {
            slotOffset[k] = at;
            at += bytes;
        }
        return at;
    }

    /**
     * Offset of spill slot {@code slot} from the stack pointer, in bytes; meaningless for a slot that
     * stands for a rematerialized value ({@link LinearScan#rematerializedFrom}), which has no space.
     */
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
