package dev.kiln.compiler.wasm;

/**
 * A global defined by the module (spec §2.5.6). Immutable and thread-safe.
 *
 * @param type the global's type
 * @param init the initializer (a constant expression once validated)
 */
public record Global(GlobalType type, ConstExpr init) {
}
