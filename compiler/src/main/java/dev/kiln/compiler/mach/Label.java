package dev.kiln.compiler.mach;

/**
 * A position in the code of one {@link CodeBuffer} (a backend's assembler), created by
 * {@link CodeBuffer#newLabel()}. A label is unbound until {@link CodeBuffer#bind(Label)} gives it the
 * current position; it may be used as a branch target, PC-relative operand, literal-pool address or
 * jump-table entry before and after that. A label belongs to the assembler that created it and is
 * bound at most once. Not thread-safe (like its assembler).
 */
public final class Label {
    final CodeBuffer owner;
    private final int id;
    private final String name;
    private final int number; // appended to name when not negative
    int position = -1;

    Label(CodeBuffer owner, int id, String name, int number) {
        this.owner = owner;
        this.id = id;
        this.name = name;
        this.number = number;
    }

    /** Serial number of the label within its assembler (0, 1, 2, ... in creation order). */
    public int id() {
        return id;
    }

    /** Name for diagnostics: the one given to {@link CodeBuffer#newLabel(String)} or {@link CodeBuffer#newLabel(String, int)}, else {@code L<id>}. */
    public String name() {
        return name == null ? "L" + id : number < 0 ? name : name + number;
    }

    /** Whether {@link CodeBuffer#bind(Label)} has been called for this label. */
    public boolean isBound() {
        return position >= 0;
    }

    /**
     * Byte offset of the label from the start of the assembler's buffer.
     *
     * @throws IllegalStateException if the label is not bound yet
     */
    public int position() {
        if (position < 0) {
            throw new IllegalStateException("label " + name() + " is not bound");
        }
        return position;
    }

    /** The byte offset, or -1 while unbound (for assemblers resolving references). */
    public int offsetOrUnbound() {
        return position;
    }

    @Override
    public String toString() {
        return position >= 0 ? name() + "@" + position : name() + "(unbound)";
    }
}
