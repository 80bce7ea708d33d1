package dev.kiln.intrinsics;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.compiler.wasm.Import;
import dev.kiln.compiler.wasm.ImportDesc;
import dev.kiln.compiler.wasm.WasmModule;

/**
 * The privilege check of DESIGN §4 for one import from the unsafe intrinsics namespace: the field
 * must name a known intrinsic, be a function, and have exactly the intrinsic's type. Who may import
 * the namespace at all (builtins only, or the module itself in raw mode) is decided by the linker
 * ({@code dev.kiln.builtins}). Stateless and thread-safe.
 */
public final class IntrinsicImports {
    private IntrinsicImports() {
    }

    /**
     * Resolves {@code imp}, an import of {@code module} from the intrinsics namespace.
     *
     * @param moduleLabel how errors name the importing module, e.g. {@code builtin "host" (host.wat)}
     * @param module      the (validated) importing module, for the import's function type
     * @return the intrinsic
     * @throws CompileException naming the module, the import and the reason: {@code unknown unsafe
     *                          intrinsic} (with the list of known names), {@code not a function}, or
     *                          {@code wrong parameter count / parameter N type / result count / result
     *                          type} with the expected type
     */
    public static Intrinsic resolve(String moduleLabel, Import imp, WasmModule module) {
        String where = moduleLabel + ": import \"" + imp.module() + "\" \"" + imp.name() + "\"";
        Intrinsic in = Intrinsic.byWasmName(imp.name());
        if (in == null) {
            throw new CompileException(where + ": unknown unsafe intrinsic (the intrinsics are " + Intrinsic.allNames()
                    + ")");
        }
        if (!(imp.desc() instanceof ImportDesc.Func f)) {
            throw new CompileException(where + ": unsafe intrinsics are functions, but this imports a " + imp.kind());
        }
        FuncType have = module.types().get(f.typeIndex());
        FuncType want = in.type();
        String reason = null;
        if (have.params().size() != want.params().size()) {
            reason = "wrong parameter count " + have.params().size() + ", expected " + want.params().size();
        } else if (have.results().size() != want.results().size()) {
            reason = "wrong result count " + have.results().size() + ", expected " + want.results().size();
        } else {
            for (int i = 0; i < want.params().size() && reason == null; i++) {
                if (have.params().get(i) != want.params().get(i)) {
                    reason = "wrong type of parameter " + i + ": " + have.params().get(i) + ", expected " + want.params().get(i);
                }
            }
            for (int i = 0; i < want.results().size() && reason == null; i++) {
                if (have.results().get(i) != want.results().get(i)) {
                    reason = "wrong result type " + have.results().get(i) + ", expected " + want.results().get(i);
                }
            }
        }
        if (reason != null) {
            throw new CompileException(where + ": " + reason + " (" + in.wasmName() + " has type " + want + ")");
        }
        return in;
    }
}
