/**
 * The Kiln compiler: Wasm decoder and validator, WAT/WAST parsers, SSA IR, optimizer and the
 * target-independent driver. Backends plug in through {@code dev.kiln.compiler.Backend}.
 */
module dev.kiln.compiler {
    requires transitive dev.kiln.abi;

    exports dev.kiln.compiler.wasm;
    exports dev.kiln.compiler.text;
}
