package dev.kiln.arch.x86_64;

/**
 * The eight classic two-operand integer ALU operations, in hardware order: the ordinal is the
 * {@code /digit} of the immediate forms (opcodes 80/81/83) and bits 5..3 of the register forms
 * (opcode {@code code()*8 + 0..5}), Intel SDM Vol. 2, Appendix A.4 (opcode group 1).
 */
public enum AluOp {
    /** Add. */ ADD,
    /** Bitwise or. */ OR,
    /** Add with carry. */ ADC,
    /** Subtract with borrow. */ SBB,
    /** Bitwise and. */ AND,
    /** Subtract. */ SUB,
    /** Bitwise exclusive or. */ XOR,
    /** Compare (subtract, setting flags only). */ CMP;

    /** The 3-bit operation code 0..7. */
    public int code() {
        return ordinal();
    }

    /** The lower-case mnemonic ({@code add}, {@code or}, ...). */
    public String mnemonic() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
