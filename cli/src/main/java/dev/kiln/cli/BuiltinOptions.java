package dev.kiln.cli;

import dev.kiln.Engine;
import dev.kiln.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The options of compile-time builtins (DESIGN §4), shared by {@code kiln compile} and
 * {@code kiln run} as a Picocli mixin: {@code --unsafe-intrinsics NAME} exposes the unsafe
 * native-memory intrinsics under the import module NAME, {@code --builtin [NAME=]FILE} (repeatable)
 * links the builtin module FILE into the guest, satisfying its imports from NAME (default: FILE's
 * name without extension, {@code host.wat -> host}), {@code --no-spectre-guard} drops the Spectre guard
 * of checked intrinsics. All are unsafe: builtins are trusted code.
 * Not thread-safe (filled in by Picocli).
 */
final class BuiltinOptions implements CommandModels.Fields {
    String intrinsics;
    List<String> builtins = new ArrayList<>();
    boolean noSpectreGuard;

    /**
     * These options as a Picocli mixin ({@link CommandModels}): {@code --unsafe-intrinsics NAME},
     * {@code --builtin [NAME=]FILE}, {@code --no-spectre-guard}.
     */
    CommandSpec model() {
        CommandSpec spec = CommandSpec.create();
        spec.addOption(CommandModels.option(this, "intrinsics", String.class, "--unsafe-intrinsics").paramLabel("NAME")
                .description("UNSAFE: expose the native-memory intrinsics under the import module NAME (conventionally"
                        + " unsafe-intrinsics) to builtins, or to the module itself when no --builtin is given.").build());
        spec.addOption(CommandModels.option(this, "builtins", List.class, "--builtin").paramLabel("[NAME=]FILE")
                .description("UNSAFE: link the trusted builtin module FILE (.wasm/.wat) into the guest at compile time,"
                        + " satisfying its imports from NAME (default: FILE's name without extension). Repeatable;"
                        + " needs --unsafe-intrinsics.").build());
        spec.addOption(CommandModels.option(this, "noSpectreGuard", boolean.class, "--no-spectre-guard")
                .description("UNSAFE: compile the checked native-memory intrinsics of builtins without their Spectre"
                        + " guard (the conditional move that nulls an out-of-bounds address under misspeculation);"
                        + " the bounds check stays. For trusted code only.").build());
        return spec;
    }

    @Override
    public Object get(String name) {
        return switch (name) {
            case "intrinsics" -> intrinsics;
            case "builtins" -> builtins;
            default -> noSpectreGuard;
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String name, Object value) {
        switch (name) {
            case "intrinsics" -> intrinsics = (String) value;
            case "builtins" -> builtins = (List<String>) value;
            default -> noSpectreGuard = (Boolean) value;
        }
    }

    /** Whether neither --unsafe-intrinsics nor --builtin was given (an ordinary compilation). */
    boolean isEmpty() {
        return intrinsics == null && builtins.isEmpty();
    }

    /** {@code engine}, or an engine like it compiling without the Spectre guard when {@code --no-spectre-guard}. */
    Engine engine(Engine engine) {
        if (!noSpectreGuard) {
            return engine;
        }
        return Engine.builder().stackBudget(engine.stackBudget()).compileCache(engine.compileCache().orElse(null))
                .compileOptions(engine.compileOptions().withSpectreGuard(false)).build();
    }

    /**
     * Compiles {@code file} with these builtins.
     *
     * @throws KilnException (usage) for a malformed {@code --builtin} or a builtin file that does not exist
     * @throws IOException   if a file cannot be read
     * @throws dev.kiln.abi.CompileException if a module is invalid or a builtin rule is broken
     */
    Module compile(Engine engine, Path file) throws IOException {
        return compile(engine, file, dev.kiln.abi.CompileProgress.NONE);
    }

    /**
     * Compiles {@code file} with these builtins (none when {@link #isEmpty()}), telling
     * {@code progress} how it goes.
     *
     * @see #compile(Engine, Path)
     */
    Module compile(Engine engine, Path file, dev.kiln.abi.CompileProgress progress) throws IOException {
        return builder(engine, progress).compile(file);
    }

    /**
     * Compiles {@code bytes} (read from a pipe or a device, which cannot be read again) with these
     * builtins; messages name them {@code name}.
     *
     * @see #compile(Engine, Path)
     */
    Module compile(Engine engine, byte[] bytes, String name, dev.kiln.abi.CompileProgress progress)
            throws IOException {
        return builder(engine, progress).compile(bytes, name);
    }

    private Module.Builder builder(Engine engine, dev.kiln.abi.CompileProgress progress) throws IOException {
        Module.Builder b = Module.builder(engine(engine)).progress(progress);
        if (intrinsics != null) {
            b.exposeUnsafeIntrinsics(intrinsics);
        }
        for (String spec : builtins) {
            int eq = spec.indexOf('=');
            Path path = Path.of(eq < 0 ? spec : spec.substring(eq + 1));
            String name = eq < 0 ? stem(path) : spec.substring(0, eq);
            if (!Files.isRegularFile(path)) {
                throw KilnException.usage("--builtin " + spec + ": no such file " + path);
            }
            try {
                b.compileTimeBuiltin(name, path);
            } catch (IllegalArgumentException e) {
                throw KilnException.usage("--builtin " + spec + ": " + e.getMessage());
            }
        }
        return b;
    }

    /**
     * These options as the compiler takes them (for {@code kiln compile}, which writes the artifact
     * without loading it as a {@link Module}).
     *
     * @throws KilnException (usage) for a builtin file that does not exist, or a malformed {@code --builtin}
     * @throws IOException   if a file cannot be read
     */
    dev.kiln.abi.CompileTimeBuiltins compileTimeBuiltins() throws IOException {
        dev.kiln.abi.CompileTimeBuiltins out = dev.kiln.abi.CompileTimeBuiltins.none();
        if (intrinsics != null) {
            out = out.withIntrinsicsNamespace(intrinsics);
        }
        for (String spec : builtins) {
            int eq = spec.indexOf('=');
            Path path = Path.of(eq < 0 ? spec : spec.substring(eq + 1));
            if (!Files.isRegularFile(path)) {
                throw KilnException.usage("--builtin " + spec + ": no such file " + path);
            }
            try {
                out = out.with(new dev.kiln.abi.CompileTimeBuiltins.Builtin(eq < 0 ? stem(path) : spec.substring(0, eq),
                        Files.readAllBytes(path), path.toString()));
            } catch (IllegalArgumentException e) {
                throw KilnException.usage("--builtin " + spec + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
