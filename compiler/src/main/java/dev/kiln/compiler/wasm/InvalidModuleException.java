package dev.kiln.compiler.wasm;

import dev.kiln.abi.CompileException;

/**
 * The module is well formed but not valid (spec chapter 3, "Validation"). The message starts with
 * the spec's wording (e.g. {@code type mismatch}, {@code unknown local}) and names the function index
 * and the byte offset of the offending instruction when there is one.
 */
public class InvalidModuleException extends CompileException {
    private static final long serialVersionUID = 1L;

    private final String reason;
    private final int funcIndex;
    private final long offset;

    /**
     * @param reason    the spec's wording, e.g. {@code "type mismatch"}
     * @param funcIndex the funcidx (imports included) of the function being validated, or -1 for
     *                  module-level checks
     * @param offset    byte offset in the module of the offending instruction or entry, or -1
     */
    public InvalidModuleException(String reason, int funcIndex, long offset) {
        super(describe(reason, funcIndex, offset));
        this.reason = reason;
        this.funcIndex = funcIndex;
        this.offset = offset;
    }

    private static String describe(String reason, int funcIndex, long offset) {
        StringBuilder sb = new StringBuilder(reason);
        if (funcIndex >= 0 || offset >= 0) {
            sb.append(" (");
            if (funcIndex >= 0) {
                sb.append("in function ").append(funcIndex);
            }
            if (offset >= 0) {
                sb.append(funcIndex >= 0 ? ", " : "").append("at byte offset ").append(offset);
            }
            sb.append(')');
        }
        return sb.toString();
    }

    /** The spec's wording alone. */
    public String reason() {
        return reason;
    }

    /** The function index (imports included), or -1 for module-level checks. */
    public int funcIndex() {
        return funcIndex;
    }

    /** Byte offset in the module, or -1. */
    public long offset() {
        return offset;
    }
}
