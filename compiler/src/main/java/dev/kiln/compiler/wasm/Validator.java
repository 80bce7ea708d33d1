package dev.kiln.compiler.wasm;

/** Placeholder: the validator is being written. */
public final class Validator {
    private Validator() {
    }

    /** Not yet implemented: accepts everything. */
    public static void validate(WasmModule module, byte[] bytes) {
    }
}
