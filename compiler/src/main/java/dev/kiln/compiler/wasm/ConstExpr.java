package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;

/**
 * An initializer expression of a global, element or data segment (spec §2.4.10, §3.3.10), kept as
 * the byte range of its instructions, terminating {@code end} included. Well-formed instructions are
 * guaranteed by the decoder; that the expression is constant and well typed is checked by the
 * {@link Validator}.
 *
 * <p>In Wasm 2.0 a valid constant expression is exactly one instruction then {@code end}; for that
 * shape the decoder fills in {@link #opcode()} and its immediate so that instantiation needs no
 * {@link CodeReader}. Immutable (the v128 bytes are copied on access) and thread-safe.
 *
 * @param start  offset in the module of the first instruction
 * @param end    exclusive end offset (just after the final {@code end} opcode)
 * @param opcode the single instruction before {@code end}, or {@code null} when the expression is
 *               empty or has more than one instruction
 * @param value  the immediate of that instruction: {@code i32.const} sign-extended, {@code i64.const},
 *               {@code f32.const}/{@code f64.const} raw IEEE bits (zero-extended for f32),
 *               {@code global.get}'s globalidx, {@code ref.func}'s funcidx; 0 otherwise
 * @param refType for {@code ref.null}: the reference type; else {@code null}
 * @param v128   for {@code v128.const}: the 16 bytes little-endian; else {@code null}
 */
public record ConstExpr(int start, int end, Opcode opcode, long value, ValType refType, byte[] v128) {
    public ConstExpr {
        v128 = v128 == null ? null : v128.clone();
    }

    /** A copy of the {@code v128.const} bytes, or {@code null}. */
    @Override
    public byte[] v128() {
        return v128 == null ? null : v128.clone();
    }

    /** Whether this is a single instruction followed by {@code end}. */
    public boolean isSingleInstruction() {
        return opcode != null;
    }
}
