package dev.kiln.cli;

import dev.kiln.Module;
import dev.kiln.abi.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln compile FILE [-o OUT] [--target x86_64] [--unsafe-intrinsics NAME] [--builtin [NAME=]FILE]...}:
 * compiles a WebAssembly module (binary or
 * text) ahead of time into a Kiln artifact, an ELF64 file that {@code kiln run} loads without the
 * compiler and that {@code objdump -d} disassembles. Like {@code wasmtime compile}, the default
 * output is FILE with its extension replaced ({@code .kiln} here: {@code fib.wat -> fib.kiln}).
 * {@link BuiltinOptions} link compile-time builtins into the module.
 */
@Command(name = "compile",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Compiles a WebAssembly module (.wasm or .wat) into a Kiln artifact (ELF).")
final class CompileCommand extends KilnCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "The module to compile: a .wasm binary or .wat text.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "Where to write the artifact (default: FILE with its extension replaced by .kiln).")
    Path output;

    @Option(names = "--target", paramLabel = "TARGET", defaultValue = "x86_64",
            description = "Instruction set to compile for; only the host's (x86_64) for now. Default: ${DEFAULT-VALUE}.")
    String target;

    @picocli.CommandLine.Mixin
    BuiltinOptions builtins = new BuiltinOptions();

    @Option(names = "-C", paramLabel = "KEY=VALUE",
            description = "A compilation option: bounds-checks=guard|explicit (default guard on x86-64: no"
                    + " bounds check on 32-bit memories, guard pages instead).")
    java.util.Map<String, String> codegen = new java.util.LinkedHashMap<>();

    @Override
    int execute() throws Exception {
        checkTarget(target);
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
        Module module = input.module(CacheOptions.boundsChecks(codegen, engine()), err(), builtins);
        Files.write(out, module.serialize());
        return ExitCodes.OK;
    }

    /**
     * Checks {@code --target}: the host's instruction set is the only one Kiln can compile for today.
     *
     * @throws KilnException (usage) naming the targets Kiln knows and which one works
     */
    static void checkTarget(String name) {
        Target host = Target.host();
        if (name.equals(host.toString())) {
            return;
        }
        for (Target t : Target.values()) {
            if (t.toString().equals(name)) {
                throw KilnException.usage("--target " + name + " is not supported yet: Kiln compiles only for the machine"
                        + " it runs on (" + host + ")");
            }
        }
        throw KilnException.usage("unknown --target '" + name + "'; Kiln knows x86_64 and aarch64, and supports "
                + host + " on this machine");
    }

    /** {@code dir/fib.wat -> dir/fib.kiln}; {@code fib -> fib.kiln}; {@code .hidden -> .hidden.kiln}. */
    static Path defaultOutput(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return file.resolveSibling(stem + ".kiln");
    }
}
