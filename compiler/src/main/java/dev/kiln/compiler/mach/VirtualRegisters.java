package dev.kiln.compiler.mach;

import java.util.Arrays;

/**
 * The virtual registers of one function: numbered from {@link RegisterDescriptor#count()} up, each with
 * a {@link RegClass} and the size of the spill slot it would need (8 bytes for scalars, 16 for v128).
 * Created by a backend's lowering, extended by the allocator when it splits a live range. Not
 * thread-safe.
 */
public final class VirtualRegisters {
    private final int base;
    private RegClass[] classes = new RegClass[64];
    private byte[] slotBytes = new byte[64];
    private int count;
    private final java.util.BitSet rematerializable = new java.util.BitSet();

    /** An empty set for registers of {@code regs}. */
    public VirtualRegisters(RegisterDescriptor regs) {
        this.base = regs.count();
    }

    /** A new virtual register of class {@code c} whose value needs {@code slotBytes} (8 or 16) when spilled. */
    public int create(RegClass c, int slotBytes) {
        if (slotBytes != 8 && slotBytes != 16 || slotBytes > c.maxSlotBytes()) {
            throw new IllegalArgumentException("spill slot of " + slotBytes + " bytes for class " + c);
        }
        if (count == classes.length) {
            classes = Arrays.copyOf(classes, count * 2);
            this.slotBytes = Arrays.copyOf(this.slotBytes, count * 2);
        }
        classes[count] = c;
        this.slotBytes[count] = (byte) slotBytes;
        return base + count++;
    }

    /** A new virtual register of class {@code c} with an 8-byte spill slot. */
    public int create(RegClass c) {
        return create(c, 8);
    }

    /** A new virtual register like {@code vreg} (same class and slot size). */
    public int copyOf(int vreg) {
        return create(classOf(vreg), slotBytes(vreg));
    }

    /** The class of virtual register {@code vreg}. */
    public RegClass classOf(int vreg) {
        return classes[vreg - base];
    }

    /** The spill slot size of virtual register {@code vreg}, in bytes. */
    public int slotBytes(int vreg) {
        return slotBytes[vreg - base];
    }

    /**
     * Marks {@code vreg} rematerializable: the backend can read its value again, with one instruction
     * and no register, at every point where it is live (an x86-64 example: a 64-bit VMContext field
     * that never changes while the function runs, read at {@code [r14 + offset]}). Spilling it then
     * needs no store and no stack slot: {@link LinearScan#rematerializedFrom} names its home instead.
     * The backend marks only registers with a single definition, the instruction it reads again.
     */
    public void markRematerializable(int vreg) {
        rematerializable.set(vreg - base);
    }

    /** Whether {@code vreg} was marked by {@link #markRematerializable} (a piece split from it is not). */
    public boolean isRematerializable(int vreg) {
        return vreg >= base && rematerializable.get(vreg - base);
    }

    /** One past the highest virtual register number. */
    public int limit() {
        return base + count;
    }

    /** The first virtual register number. */
    public int base() {
        return base;
    }
}
