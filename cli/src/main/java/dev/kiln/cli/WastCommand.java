package dev.kiln.cli;

import dev.kiln.spec.SpecRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln wast FILE...}: runs WebAssembly spec scripts ({@code .wast}) through
 * {@link SpecRunner#run(java.nio.file.Path)}: modules must decode, validate, compile and instantiate,
 * {@code assert_malformed}/{@code assert_invalid} must be rejected with the reference interpreter's
 * wording, and actions and assertions run on the compiled code; a command Kiln cannot run yet (e.g. GC)
 * is counted as skipped with its reason.
 *
 * <p>Prints, per file, {@code FILE: N passed, N failed, N skipped} and each failure with its line;
 * with several files, a total line. Exits 1 if any command failed or a script could not be read or
 * parsed.
 */
@Command(name = "wast",
        addMethodSubcommands = false, // none: saves Picocli a reflective scan of every method at start-up
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Runs WebAssembly spec test scripts (.wast): every module is compiled to native code and run.",
            "Commands Kiln cannot run yet (e.g. GC instructions) are reported as skipped, with -v saying why.",
        })
final class WastCommand extends KilnCommand {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Spec scripts to run.")
    List<Path> files;

    @Option(names = {"-v", "--verbose"}, description = "Also list the skipped commands and why.")
    boolean verbose;

    @Option(names = "--spec", paramLabel = "VERSION", defaultValue = "3.0",
            description = "Edition of the spec the scripts are written for: 3.0 (default) or 2.0; the "
                    + "assert_invalid and assert_malformed commands of 2.0 scripts reject what 3.0 added.")
    String spec;

    @Option(names = "-C", paramLabel = "KEY=VALUE",
            description = "A compilation option: bounds-checks=guard|explicit (default guard on x86-64 and AArch64).")
    java.util.Map<String, String> codegen = new java.util.LinkedHashMap<>();

    @Override
    int execute() {
        PrintWriter out = out();
        long passed = 0;
        long failed = 0;
        long skipped = 0;
        dev.kiln.compiler.wasm.WasmVersion version = switch (spec) {
            case "2.0", "2" -> dev.kiln.compiler.wasm.WasmVersion.WASM_2_0;
            case "3.0", "3" -> dev.kiln.compiler.wasm.WasmVersion.WASM_3_0;
            default -> throw KilnException.usage("--spec must be 2.0 or 3.0, not " + spec);
        };
        dev.kiln.abi.BoundsChecks boundsChecks = CacheOptions.boundsChecks(codegen, engine()).compileOptions()
                .boundsChecks();
        for (String key : codegen.keySet()) {
            if (!key.equals("bounds-checks")) {
                throw KilnException.usage("-C " + key + ": unknown option (known: bounds-checks)");
            }
        }
        for (Path file : files) {
            SpecRunner.FileResult r = SpecRunner.run(file, false, version, boundsChecks);
            long p = r.count(SpecRunner.Outcome.PASSED);
            long f = r.count(SpecRunner.Outcome.FAILED);
            long s = r.count(SpecRunner.Outcome.SKIPPED);
            passed += p;
            failed += f;
            skipped += s;
            out.printf("%s: %d passed, %d failed, %d skipped%n", file, p, f, s);
            if (r.error() != null) {
                out.printf("  %s%n", r.error());
            }
            for (SpecRunner.CommandResult c : r.commands()) {
                if (c.outcome() == SpecRunner.Outcome.FAILED
                        || (verbose && c.outcome() == SpecRunner.Outcome.SKIPPED)) {
                    out.printf("  %s:%d: %s %s: %s%n", file, c.line(), c.kind(),
                            c.outcome().name().toLowerCase(java.util.Locale.ROOT), c.detail());
                }
            }
            out.flush();
        }
        if (files.size() > 1) {
            out.printf("total (%d files): %d passed, %d failed, %d skipped%n", files.size(), passed, failed, skipped);
        }
        out.flush();
        return failed > 0 ? ExitCodes.ERROR : ExitCodes.OK;
    }
}
