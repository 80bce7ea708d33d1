/**
 * Compile-time builtins (DESIGN §4): linking builtin modules into the guest at the binary level
 * ({@link dev.kiln.builtins.ModuleLinker}), erasing the imports they satisfy, the inlining policy of
 * builtin functions, and ready-made builtins ({@link dev.kiln.builtins.HostBuffers}, a zero-copy
 * host buffer builtin).
 */
module dev.kiln.builtins {
    requires transitive dev.kiln.intrinsics;
    requires static dev.kiln;

    exports dev.kiln.builtins;

    provides dev.kiln.compiler.BuiltinLinker with dev.kiln.builtins.BuiltinsLinkerService;
}
