package dev.kiln.cli;

import dev.kiln.abi.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln compile FILE [-o OUT] [--target x86_64|aarch64] [--unsafe-intrinsics NAME] [--builtin [NAME=]FILE]...}:
 * compiles a WebAssembly module (binary or
 * text) ahead of time into a Kiln artifact, an ELF64 file that {@code kiln run} loads without the
 * compiler and that {@code objdump -d} disassembles. Like {@code wasmtime compile}, the default
 * output is FILE with its extension replaced ({@code .kiln} here: {@code fib.wat -> fib.kiln}).
 * {@link BuiltinOptions} link compile-time builtins into the module. The artifact is written as the
 * compiler makes it, not loaded. {@code --target} of another instruction set than the host's
 * cross-compiles: the artifact runs on a machine of that instruction set and records no optional CPU
 * feature of this machine.
 */
@Command(name = "compile",
        addMethodSubcommands = false, // none: saves Picocli a reflective scan of every method at start-up
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Compiles a WebAssembly module (.wasm or .wat) into a Kiln artifact (ELF).")
final class CompileCommand extends KilnCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The module to compile: a .wasm binary or .wat text.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where to write the artifact (default: FILE with its extension replaced by .kiln).")
    Path output;

    @Option(names = "--target", paramLabel = "TARGET",
            description = "Instruction set to compile for: x86_64 or aarch64 (another than this machine's"
                    + " cross-compiles). Default: this machine's.")
    String target;

    BuiltinOptions builtins = new BuiltinOptions(); // its options are added by model()

    @Option(names = "-C", paramLabel = "KEY=VALUE",
            description = "A compilation option: bounds-checks=guard|explicit (default guard on x86-64 and AArch64: no"
                    + " bounds check on 32-bit memories, guard pages instead).")
    java.util.Map<String, String> codegen = new java.util.LinkedHashMap<>();

    /**
     * The {@code compile} command's Picocli model: from its annotations, with the options of
     * {@link BuiltinOptions} (built in code, as {@code kiln run} shares them).
     *
     * @return a new model bound to this instance
     */
    picocli.CommandLine.Model.CommandSpec model() {
        picocli.CommandLine.Model.CommandSpec spec = picocli.CommandLine.Model.CommandSpec.forAnnotatedObject(this);
        spec.addMixin("builtins", builtins.model());
        return spec;
    }

    @Override
    int execute() throws Exception {
        Target t = target == null ? Target.host() : checkTarget(target);
        Input input = Input.read(file);
        if (input.kind() == Input.Kind.ARTIFACT) {
            throw KilnException.error(file + " is already a compiled Kiln artifact; run it with 'kiln run', "
                    + "or compile the .wasm/.wat it was made from");
        }
        Path out = output != null ? output : defaultOutput(file);
        if (Files.exists(out) && Files.isSameFile(out, file)) {
            throw KilnException.usage("the output " + out + " would overwrite the input; choose another with -o OUT");
        }
        for (String key : codegen.keySet()) {
            if (!key.equals("bounds-checks")) {
                throw KilnException.usage("-C " + key + ": unknown option (known: bounds-checks)");
            }
        }
        // The artifact is written as the compiler makes it, not loaded: loading would copy its code into
        // executable memory and verify it, which a run does when it loads the file (wasmtime compile
        // does not load it either). A cross-compilation records no optional CPU feature of this machine.
        dev.kiln.abi.CompileOptions options = builtins.engine(CacheOptions.boundsChecks(codegen, engine())).compileOptions();
        if (t != Target.host()) {
            options = options.withCpuFeatures(java.util.EnumSet.noneOf(dev.kiln.abi.CpuFeature.class));
        }
        if (input.kind() == Input.Kind.WAT) {
            input.text(); // a clear message for files that are not text at all
        }
        dev.kiln.abi.CompileTimeBuiltins compileTimeBuiltins = builtins.compileTimeBuiltins();
        // written as it is laid out, not made in memory first (llvm.core.wasm's is 114 MB); the file is
        // opened only once the module has compiled, and a write that fails leaves no partial file
        LazyFileOutput file = new LazyFileOutput(out);
        try (Progress p = Progress.start("compiling " + input.name() + (t != Target.host() ? " for " + t : ""), err());
                file) {
            new dev.kiln.compiler.KilnCompilerService(t).compile(input.bytes(), input.name(), options,
                    compileTimeBuiltins, p, file);
        } catch (java.io.IOException | RuntimeException | Error e) {
            if (file.opened() && Files.isRegularFile(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(out); // not a device such as /dev/stdout
            }
            throw e;
        }
        return ExitCodes.OK;
    }

    /**
     * The target named by {@code --target}.
     *
     * @throws KilnException (usage) for a name that is not a target Kiln knows, naming those it knows
     */
    static Target checkTarget(String name) {
        for (Target t : Target.values()) {
            if (t.toString().equals(name)) {
                return t;
            }
        }
        throw KilnException.usage("unknown --target '" + name + "'; Kiln compiles for x86_64 and aarch64");
    }

    /** {@code dir/fib.wat -> dir/fib.kiln}; {@code fib -> fib.kiln}; {@code .hidden -> .hidden.kiln}. */
    static Path defaultOutput(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return file.resolveSibling(stem + ".kiln");
    }

    /**
     * A file written through a buffer, created (or truncated) at the first byte written: a compile
     * that fails writes nothing and leaves an existing file as it was. Not thread-safe.
     */
    static final class LazyFileOutput extends java.io.OutputStream {
        private final Path path;
        private java.io.OutputStream out;

        LazyFileOutput(Path path) {
            this.path = path;
        }

        /** Whether the file was created or truncated. */
        boolean opened() {
            return out != null;
        }

        private java.io.OutputStream out() throws java.io.IOException {
            if (out == null) {
                out = new java.io.BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
            }
            return out;
        }

        @Override
        public void write(int b) throws java.io.IOException {
            out().write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws java.io.IOException {
            out().write(b, off, len);
        }

        @Override
        public void close() throws java.io.IOException {
            if (out != null) {
                out.close();
            }
        }
    }
}
