package dev.kiln.compiler.wasm;

/**
 * The kind of an import or export (spec §5.5.5/§5.5.10 {@code importdesc}/{@code exportdesc}); the
 * {@link #code()} is the byte of the binary format. Immutable and thread-safe.
 */
public enum ExternKind {
    /** A function, {@code 0x00}. */
    FUNC(0x00),
    /** A table, {@code 0x01}. */
    TABLE(0x01),
    /** A memory, {@code 0x02}. */
    MEMORY(0x02),
    /** A global, {@code 0x03}. */
    GLOBAL(0x03),
    /** An exception tag (Wasm 3.0 exception handling). */
    TAG(0x04);

    private final int code;

    ExternKind(int code) {
        this.code = code;
    }

    /** The kind's byte in the binary format. */
    public int code() {
        return code;
    }

    /** The kind with this byte, or {@code null}. */
    public static ExternKind fromCode(int code) {
        return switch (code) {
            case 0 -> FUNC;
            case 1 -> TABLE;
            case 2 -> MEMORY;
            case 3 -> GLOBAL;
            case 4 -> TAG;
            default -> null;
        };
    }

    /** The spec's text keyword: {@code func}, {@code table}, {@code memory}, {@code global}. */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
