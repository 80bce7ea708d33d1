package dev.kiln.compiler.wasm;

/**
 * The edition of the WebAssembly specification a module is decoded and validated against.
 *
 * <p>Kiln implements {@link #WASM_3_0} (the current standard) by default. {@link #WASM_2_0} rejects
 * what 2.0 did not have, with 2.0's wording, for the parts of 3.0 Kiln implements: extended constant
 * expressions and {@code global.get} of defined globals in constant expressions, more than one memory,
 * {@code i64} address types and limits flags above 1, and a memidx in memarg. It exists so that the
 * Wasm 2.0 testsuite, whose {@code assert_invalid} and {@code assert_malformed} commands reject those,
 * still runs unchanged.
 */
public enum WasmVersion {
    /** WebAssembly 2.0 (2022). */
    WASM_2_0,
    /** WebAssembly 3.0 (2025): the default. */
    WASM_3_0
}
