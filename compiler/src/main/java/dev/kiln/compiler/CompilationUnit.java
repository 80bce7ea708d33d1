package dev.kiln.compiler;

import dev.kiln.compiler.opt.Inliner;
import dev.kiln.compiler.translate.CallLowering;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * A module ready for {@link ModuleCompiler#compile(CompilationUnit, String, dev.kiln.abi.CompileOptions)}
 * together with how some of its functions are treated specially: the product of linking a guest with
 * its compile-time builtins ({@link BuiltinLinker}, DESIGN §4). Immutable and thread-safe as long as
 * the functions given are.
 *
 * @param module        the module to compile: binary ({@code \0asm...}) or text (WAT)
 * @param hashInput     the bytes whose SHA-256 the artifact records as its input (the guest as given)
 * @param intrinsics    for a funcidx, how a direct call to it is lowered in place, or {@code null}
 *                      for an ordinary call; must be a pure function
 * @param alwaysInline  whether direct calls to a funcidx are inlined regardless of the cost model
 *                      (compile-time builtins; cold call sites excepted, see {@link Inliner}); must
 *                      be a pure function; {@link #plain} marks none
 */
public record CompilationUnit(byte[] module, byte[] hashInput, IntFunction<CallLowering> intrinsics,
                              IntPredicate alwaysInline) {
    /** An ordinary module: no intrinsics, the default inlining policy. */
    public static CompilationUnit plain(byte[] module) {
        return new CompilationUnit(module, module, f -> null, f -> false);
    }
}
