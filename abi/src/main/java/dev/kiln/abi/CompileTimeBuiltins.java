package dev.kiln.abi;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a module is compiled with beyond the module itself (DESIGN §4, our take on the Bytecode
 * Alliance RFC "Add support for defining builtin host functions at compile-time" and Wasmtime's
 * {@code CodeBuilder::expose_unsafe_intrinsics} / {@code compile_time_builtins_*}): the name of the
 * privileged namespace of unsafe native-memory intrinsics, and the compile-time builtin modules that
 * satisfy the guest's imports from their names.
 *
 * <p><b>Unsafe.</b> Builtins, and in raw mode (intrinsics exposed, no builtins) the compiled module
 * itself, can read and write any native address of the process. Only hand trusted code here; the
 * guest stays sandboxed because it cannot import the intrinsics namespace when builtins are defined.
 *
 * <p>Immutable (module bytes are copied in and out) and thread-safe.
 *
 * @param intrinsicsNamespace the import module name under which the unsafe intrinsics are offered
 *                            (conventionally {@code "unsafe-intrinsics"}), or {@code null} when they
 *                            are not exposed (then that namespace is an ordinary import)
 * @param builtins            the builtin modules, in order; names are unique
 */
public record CompileTimeBuiltins(String intrinsicsNamespace, List<Builtin> builtins) {
    /**
     * One compile-time builtin module.
     *
     * @param name       the import module name it satisfies ({@code (import "name" "field" ...)} in the guest)
     * @param wasmOrWat  its binary ({@code \0asm...}) or text (WAT) form
     * @param sourceName a name for error messages (a file name), or {@code null}
     */
    public record Builtin(String name, byte[] wasmOrWat, String sourceName) {
        public Builtin {
            Objects.requireNonNull(name, "name");
            wasmOrWat = wasmOrWat.clone();
        }

        /** A copy of the module bytes. */
        @Override
        public byte[] wasmOrWat() {
            return wasmOrWat.clone();
        }

        /** How errors name this builtin: {@code builtin "name"} plus the source in parentheses when known. */
        public String label() {
            return "builtin \"" + name + "\"" + (sourceName == null ? "" : " (" + sourceName + ")");
        }
    }

    /**
     * @throws IllegalArgumentException if two builtins share a name, or a builtin is named like the
     *                                  intrinsics namespace
     */
    public CompileTimeBuiltins {
        builtins = List.copyOf(builtins);
        Set<String> seen = new HashSet<>();
        for (Builtin b : builtins) {
            if (!seen.add(b.name())) {
                throw new IllegalArgumentException("two compile-time builtins are named \"" + b.name() + "\"");
            }
            if (b.name().equals(intrinsicsNamespace)) {
                throw new IllegalArgumentException("compile-time builtin \"" + b.name()
                        + "\" has the name of the unsafe intrinsics namespace");
            }
        }
    }

    /** Nothing: intrinsics not exposed, no builtins (an ordinary compilation). */
    public static CompileTimeBuiltins none() {
        return new CompileTimeBuiltins(null, List.of());
    }

    /** Whether this asks for anything beyond an ordinary compilation. */
    public boolean isEmpty() {
        return intrinsicsNamespace == null && builtins.isEmpty();
    }

    /** These settings with the intrinsics exposed under {@code namespace}. */
    public CompileTimeBuiltins withIntrinsicsNamespace(String namespace) {
        return new CompileTimeBuiltins(Objects.requireNonNull(namespace), builtins);
    }

    /** These settings plus {@code builtin}. */
    public CompileTimeBuiltins with(Builtin builtin) {
        List<Builtin> all = new ArrayList<>(builtins);
        all.add(builtin);
        return new CompileTimeBuiltins(intrinsicsNamespace, all);
    }
}
