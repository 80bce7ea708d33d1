package dev.kiln.compiler.mach;

import java.util.Arrays;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;

/**
 * One ISA's registers as the shared machine layer sees them (DESIGN §2.5): physical registers are
 * numbered {@code 0 .. count()-1} (virtual registers start at {@link #count()}), each with a class and
 * a name; per class the allocation order and the scratch registers the emitter keeps for spill
 * reloads and parallel-move cycles; which registers a call preserves. Argument and result registers
 * belong to the {@link CallingConvention}s built over a descriptor.
 *
 * <p>Immutable and thread-safe; built once per backend with {@link #builder}.
 */
public final class RegisterDescriptor {
    private final String isa;
    private final String[] names;
    private final RegClass[] classes;
    private final Map<RegClass, int[]> order;
    private final Map<RegClass, int[]> scratch;
    private final BitSet calleeSaved;

    private RegisterDescriptor(Builder b) {
        this.isa = b.isa;
        this.names = b.names.clone();
        this.classes = b.classes.clone();
        this.order = new EnumMap<>(b.order);
        this.scratch = new EnumMap<>(b.scratch);
        this.calleeSaved = (BitSet) b.calleeSaved.clone();
    }

    /** Starts a descriptor for {@code count} physical registers of ISA {@code isa} (for messages). */
    public static Builder builder(String isa, int count) {
        return new Builder(isa, count);
    }

    /** The ISA's name, e.g. {@code x86-64}. */
    public String isa() {
        return isa;
    }

    /** Number of physical registers; also the first virtual register number. */
    public int count() {
        return names.length;
    }

    /** Whether {@code reg} is a virtual register. */
    public boolean isVirtual(int reg) {
        return reg >= names.length;
    }

    /** The class of physical register {@code preg}. */
    public RegClass classOf(int preg) {
        return classes[preg];
    }

    /** The assembler's name of physical register {@code preg} ({@code rax}, {@code xmm3}, {@code x19}). */
    public String name(int preg) {
        return names[preg];
    }

    /** The registers the allocator may assign to values of class {@code c}, in order of preference. */
    public int[] allocationOrder(RegClass c) {
        return order.get(c);
    }

    /** Registers of class {@code c} never allocated, kept for the emitter (at least two per class). */
    public int[] scratch(RegClass c) {
        return scratch.get(c);
    }

    /** Whether a callee preserves {@code preg} (it must save it before writing it). */
    public boolean isCalleeSaved(int preg) {
        return calleeSaved.get(preg);
    }

    /** The registers a call may overwrite: every allocatable or scratch register that is not callee-saved. */
    public int[] callerSaved() {
        return java.util.Arrays.stream(allocatableAndScratch()).filter(r -> !calleeSaved.get(r)).toArray();
    }

    /**
     * Every allocatable or scratch register of every class, callee-saved ones included, ascending: what a
     * call clobbers when the callee-saved registers may come back with another frame's values (a call
     * inside a {@code try_table}, which the exception unwinder resumes without restoring them).
     */
    public int[] allocatableAndScratch() {
        BitSet out = new BitSet();
        for (int[] regs : order.values()) {
            for (int r : regs) {
                out.set(r);
            }
        }
        for (int[] regs : scratch.values()) {
            for (int r : regs) {
                out.set(r);
            }
        }
        return out.stream().toArray();
    }

    /** A virtual or physical register's printable name ({@code %7} for virtual register 7). */
    public String describe(int reg) {
        return reg < 0 ? "-" : isVirtual(reg) ? "%" + (reg - count()) : name(reg);
    }

    /** Builds a {@link RegisterDescriptor}. Not thread-safe. */
    public static final class Builder {
        private final String isa;
        private final String[] names;
        private final RegClass[] classes;
        private final Map<RegClass, int[]> order = new EnumMap<>(RegClass.class);
        private final Map<RegClass, int[]> scratch = new EnumMap<>(RegClass.class);
        private final BitSet calleeSaved = new BitSet();
        private int[] reserved = new int[0];

        private Builder(String isa, int count) {
            this.isa = isa;
            this.names = new String[count];
            this.classes = new RegClass[count];
        }

        /** Names physical registers {@code first .. first+names.length-1} and puts them in class {@code c}. */
        public Builder registers(RegClass c, int first, String... regNames) {
            for (int i = 0; i < regNames.length; i++) {
                names[first + i] = regNames[i];
                classes[first + i] = c;
            }
            return this;
        }

        /** The allocation order of class {@code c}. */
        public Builder allocationOrder(RegClass c, int... regs) {
            order.put(c, regs.clone());
            return this;
        }

        /** The scratch registers of class {@code c}. */
        public Builder scratch(RegClass c, int... regs) {
            scratch.put(c, regs.clone());
            return this;
        }

        /** Registers a callee preserves. */
        public Builder calleeSaved(int... regs) {
            for (int r : regs) {
                calleeSaved.set(r);
            }
            return this;
        }

        /** Registers with a fixed role, never allocated. */
        public Builder reserved(int... regs) {
            this.reserved = regs.clone();
            return this;
        }

        /**
         * The descriptor.
         *
         * @throws IllegalStateException if a register has no name, a class lacks an order or two
         *         scratch registers, or a register is both allocatable and scratch or reserved
         */
        public RegisterDescriptor build() {
            for (int i = 0; i < names.length; i++) {
                if (names[i] == null) {
                    throw new IllegalStateException(isa + ": register " + i + " has no name");
                }
            }
            BitSet seen = new BitSet();
            for (RegClass c : RegClass.values()) {
                if (!order.containsKey(c) || scratch.getOrDefault(c, new int[0]).length < 2) {
                    throw new IllegalStateException(isa + ": class " + c + " needs an allocation order and two scratch registers");
                }
                for (int[] set : new int[][] {order.get(c), scratch.get(c)}) {
                    for (int r : set) {
                        if (classes[r] != c || seen.get(r)) {
                            throw new IllegalStateException(isa + ": register " + names[r] + " listed twice or in the wrong class");
                        }
                        seen.set(r);
                    }
                }
            }
            for (int r : reserved) {
                if (seen.get(r)) {
                    throw new IllegalStateException(isa + ": reserved register " + names[r] + " is also allocatable or scratch");
                }
            }
            return new RegisterDescriptor(this);
        }
    }

    @Override
    public String toString() {
        return isa + " registers " + Arrays.toString(names);
    }
}
