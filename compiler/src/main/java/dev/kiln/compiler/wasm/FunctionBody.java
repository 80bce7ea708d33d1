package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;
import java.util.List;

/**
 * The code of one defined function (spec §5.5.13): its declared locals (parameters not included) and
 * the byte range of its instruction sequence, the final {@code end} included. Give
 * {@code new CodeReader(bytes, codeStart(), codeEnd())} to stream the instructions.
 * Immutable and thread-safe.
 *
 * @param bodyStart  offset in the module of the body (the local declarations, after the size)
 * @param codeStart  offset of the first instruction
 * @param codeEnd    exclusive end offset (just after the final {@code end})
 * @param localDecls the local declarations as in the binary: runs of {@code count} locals of one type
 * @param localCount total number of declared locals (below 2^32, as the decoder checks)
 */
public record FunctionBody(int bodyStart, int codeStart, int codeEnd, List<LocalDecl> localDecls,
                           long localCount) {
    /**
     * A run of locals of one type.
     *
     * @param count number of locals, a {@code u32} as a non-negative long
     * @param type  their value type
     */
    public record LocalDecl(long count, ValType type, dev.kiln.abi.ValueType valueType) {
        /** A run of locals of a machine-level type (its precise type is {@link dev.kiln.abi.ValueType#of}). */
        public LocalDecl(long count, ValType type) {
            this(count, type, dev.kiln.abi.ValueType.of(type));
        }

        /** A run of locals of a precise type (Wasm 3.0, e.g. {@code (ref $t)}). */
        public LocalDecl(long count, dev.kiln.abi.ValueType valueType) {
            this(count, valueType.machineType(), valueType.normalized());
        }
    }

    public FunctionBody {
        localDecls = List.copyOf(localDecls);
    }

    /**
     * The type of the declared local {@code index} (0 = the first local after the parameters), by a
     * linear scan over the runs (the {@link Validator} and translators should build their own table); {@code null} if {@code index} is not below {@link #localCount()}.
     */
    public ValType localType(long index) {
        if (index < 0 || index >= localCount) {
            return null;
        }
        long seen = 0;
        for (LocalDecl d : localDecls) {
            seen += d.count();
            if (index < seen) {
                return d.type();
            }
        }
        return null;
    }
}
