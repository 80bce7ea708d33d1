package dev.kiln.abi;

/**
 * A Kiln artifact (the ELF64 file written by {@link dev.kiln.abi.elf.ElfWriter}) is malformed or is
 * not one Kiln can load: wrong magic, class, byte order, type or machine, a header or table that runs
 * past the end of the file, overlapping sections, a string that is not terminated, and so on.
 *
 * <p>The message always names the byte offset in the artifact where the problem was found (when
 * there is one) and what is wrong, and the input's name when the reader was given one, e.g.
 * {@code "fac.kiln: malformed artifact at byte offset 40 (0x28): section header table [..) extends
 * past the end of the file (812 bytes)"}. Thrown by {@link dev.kiln.abi.elf.ElfReader} and by the
 * loader; never replaced by an {@code IndexOutOfBoundsException} whatever the input bytes are.
 *
 * <p>Instances are immutable and thread-safe.
 */
public class ArtifactFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final long offset;
    private final String reason;
    private final boolean damaged;

    /**
     * @param offset the byte offset (from the start of the artifact) where the problem is, or
     *               {@code -1} when it is not tied to one place
     * @param reason what is wrong, in words for the user
     */
    public ArtifactFormatException(long offset, String reason) {
        this(null, offset, reason);
    }

    /**
     * @param source the input's name (file name) or {@code null}
     * @param offset the byte offset of the problem, or {@code -1}
     * @param reason what is wrong
     */
    public ArtifactFormatException(String source, long offset, String reason) {
        this(source, offset, reason, false);
    }

    private ArtifactFormatException(String source, long offset, String reason, boolean damaged) {
        super(format(source, offset, reason, damaged));
        this.source = source;
        this.offset = offset;
        this.reason = reason;
        this.damaged = damaged;
    }

    /**
     * The artifact's bytes differ from what Kiln wrote (its checksum does not match, see
     * {@link dev.kiln.abi.elf.ArtifactChecksum}): the message reads {@code "<source>: artifact damaged: <reason>"}.
     *
     * @param source the input's name (file name) or {@code null}
     * @param reason what differs
     */
    public static ArtifactFormatException damaged(String source, String reason) {
        return new ArtifactFormatException(source, -1, reason, true);
    }

    /** Whether the artifact was refused because its checksum does not match (see {@link #damaged}). */
    public boolean isDamaged() {
        return damaged;
    }

    private static String format(String source, long offset, String reason, boolean damaged) {
        StringBuilder sb = new StringBuilder();
        if (source != null) {
            sb.append(source).append(": ");
        }
        sb.append(damaged ? "artifact damaged" : "malformed artifact");
        if (offset >= 0) {
            sb.append(" at byte offset ").append(offset).append(" (0x").append(Long.toHexString(offset)).append(')');
        }
        return sb.append(": ").append(reason).toString();
    }

    /** The same problem, with the input's name (e.g. the artifact's path) at the head of the message. */
    public ArtifactFormatException withSource(String newSource) {
        ArtifactFormatException e = new ArtifactFormatException(newSource, offset, reason, damaged);
        e.setStackTrace(getStackTrace());
        return e;
    }

    /** The input's name, or {@code null} when the reader was not given one. */
    public String source() {
        return source;
    }

    /** Byte offset of the problem from the start of the artifact, or {@code -1} if none. */
    public long offset() {
        return offset;
    }

    /** What is wrong, without the offset and source prefix. */
    public String reason() {
        return reason;
    }
}
