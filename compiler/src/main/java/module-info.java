/**
 * The Kiln compiler: Wasm decoder and validator, WAT/WAST parsers, SSA IR, optimizer and the
 * target-independent driver. Backends plug in through {@link dev.kiln.compiler.Backend}.
 */
module dev.kiln.compiler {
    requires transitive dev.kiln.abi;

    exports dev.kiln.compiler;
    exports dev.kiln.compiler.wasm;
    exports dev.kiln.compiler.text;
    exports dev.kiln.compiler.ir;
    exports dev.kiln.compiler.opt;
    exports dev.kiln.compiler.translate;
    exports dev.kiln.compiler.mach to dev.kiln.arch.x86_64, dev.kiln.arch.aarch64;

    uses dev.kiln.compiler.Backend;
    uses dev.kiln.compiler.BuiltinLinker;

    provides dev.kiln.abi.CompilerService with dev.kiln.compiler.KilnCompilerService;
}
