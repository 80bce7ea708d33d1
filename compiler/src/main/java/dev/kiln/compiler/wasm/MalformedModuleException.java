package dev.kiln.compiler.wasm;

import dev.kiln.abi.CompileException;

/**
 * The bytes are not a well-formed WebAssembly binary (spec chapter 5, "Binary Format"), or a text
 * module does not parse. The message starts with the spec's wording (e.g. {@code unexpected end},
 * {@code integer too large}) so that the spec testsuite's {@code assert_malformed} can match it, and
 * names the byte offset.
 */
public class MalformedModuleException extends CompileException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final long offset;

    /**
     * @param reason the spec's wording, e.g. {@code "unexpected end"}
     * @param offset byte offset in the module where decoding failed, or -1 if unknown
     */
    public MalformedModuleException(String reason, long offset) {
        super(offset >= 0 ? reason + " (at byte offset " + offset + ")" : reason);
        this.reason = reason;
        this.offset = offset;
    }

    /** The spec's wording alone, without the location. */
    public String reason() {
        return reason;
    }

    /** Byte offset in the module where decoding failed, or -1 if unknown. */
    public long offset() {
        return offset;
    }
}
