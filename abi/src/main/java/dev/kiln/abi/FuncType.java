package dev.kiln.abi;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A WebAssembly function type {@code [params] -> [results]} (spec §2.3.5 "Function Types").
 *
 * <p>Immutable and thread-safe; equality is structural, as the spec's type matching requires.
 *
 * @param params  parameter types, in order
 * @param results result types, in order (multi-value allows more than one)
 */
public record FuncType(List<ValType> params, List<ValType> results) {
    public FuncType {
        params = List.copyOf(params);
        results = List.copyOf(results);
    }

    /** Convenience factory: {@code FuncType.of(List.of(I32, I32), List.of(I64))}. */
    public static FuncType of(List<ValType> params, List<ValType> results) {
        return new FuncType(params, results);
    }

    /** The type in the spec's text notation, e.g. {@code [i32 i32] -> [i64]}. */
    @Override
    public String toString() {
        return params.stream().map(ValType::toString).collect(Collectors.joining(" ", "[", "]"))
                + " -> "
                + results.stream().map(ValType::toString).collect(Collectors.joining(" ", "[", "]"));
    }
}
