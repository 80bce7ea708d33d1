package dev.kiln.compiler.mach;

import java.util.Arrays;
import java.util.Objects;

/**
 * The part of an assembler that is not an ISA's: a growable byte buffer, the current position, and
 * the labels bound to positions in it. A backend's assembler extends it with its encodings and its
 * kinds of label references. Not thread-safe.
 */
public abstract class CodeBuffer {
    /** The code so far: bytes {@code [0, pos)}. */
    protected byte[] buf;
    /** Number of bytes emitted so far. */
    protected int pos;
    private int labelCount;
    private int boundLabels;
    private ReferenceObserver observer;

    /**
     * Told of each reference an assembler makes to one of its labels, as it makes it: a backend that
     * knows something of the machine state where control leaves for a label (a register's contents)
     * learns every way into the label's code this way.
     */
    @FunctionalInterface
    public interface ReferenceObserver {
        /**
         * {@code label} is referenced by the instruction being emitted: when {@code transfersHere}, a
         * branch or call that transfers control there from the current position (reported before
         * its first byte is emitted); else an address taken (a jump-table entry, a PC-relative
         * operand), through which control may arrive from anywhere.
         */
        void referenced(Label label, boolean transfersHere);
    }

    /** Sets the observer of label references ({@code null}: none); see {@link ReferenceObserver}. */
    public void observeReferences(ReferenceObserver observer) {
        this.observer = observer;
    }

    /** An empty buffer with room for {@code capacity} bytes to start with (it grows as needed). */
    protected CodeBuffer(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    /** Number of bytes emitted so far, i.e. the offset at which the next instruction starts. */
    public int position() {
        return pos;
    }

    /** A new unbound label of this assembler, named {@code L<id>} in diagnostics. */
    public Label newLabel() {
        return new Label(this, labelCount++, null, -1);
    }

    /** A new unbound label with a name used in diagnostics (e.g. {@code "block3"}). */
    public Label newLabel(String name) {
        return new Label(this, labelCount++, Objects.requireNonNull(name, "name"), -1);
    }

    /**
     * A new unbound label named {@code prefix} followed by {@code number} in diagnostics (e.g.
     * {@code "mb"} and 3 for {@code "mb3"}), the name made only when a diagnostic asks for it: a
     * label per block of every function emitted, most never named.
     *
     * @throws IllegalArgumentException if {@code number} is negative
     */
    public Label newLabel(String prefix, int number) {
        if (number < 0) {
            throw new IllegalArgumentException("label number must be >= 0, got " + number);
        }
        return new Label(this, labelCount++, Objects.requireNonNull(prefix, "prefix"), number);
    }

    /**
     * Binds {@code label} to the current position.
     *
     * @throws IllegalStateException if the label is already bound
     * @throws IllegalArgumentException if the label belongs to another assembler
     */
    public void bind(Label label) {
        checkOwner(label);
        if (label.position >= 0) {
            throw new IllegalStateException("label " + label.name() + " is already bound at " + label.position);
        }
        label.position = pos;
        boundLabels++;
    }

    /**
     * How many labels have been bound so far: a backend that assumes something of the code just
     * emitted (a register's contents) checks that no label, through which other code may arrive, was
     * bound since.
     */
    public int boundLabels() {
        return boundLabels;
    }

    /**
     * Checks that {@code label} was made by this assembler.
     *
     * @throws NullPointerException if it is null
     * @throws IllegalArgumentException if it belongs to another assembler
     */
    protected final void checkOwner(Label label) {
        Objects.requireNonNull(label, "label");
        if (label.owner != this) {
            throw new IllegalArgumentException("label " + label.name() + " belongs to another assembler");
        }
    }

    /**
     * Checks that {@code label} was made by this assembler ({@link #checkOwner}) and tells the
     * {@link ReferenceObserver}, if any, of the reference being emitted.
     */
    protected final void checkReference(Label label, boolean transfersHere) {
        checkOwner(label);
        if (observer != null) {
            observer.referenced(label, transfersHere);
        }
    }

    /** Makes room for {@code n} more bytes. */
    protected final void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
