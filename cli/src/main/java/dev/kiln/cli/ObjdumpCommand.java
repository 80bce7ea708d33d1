package dev.kiln.cli;

import dev.kiln.Module;
import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.FunctionSymbol;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln objdump [--function NAME] FILE}: disassembles the machine code Kiln generates, through
 * GNU binutils' {@code objdump -d -M intel} (which must be installed; Kiln has no disassembler of
 * its own). A Kiln artifact is disassembled as it is; a {@code .wasm} or {@code .wat} module is
 * compiled in memory first and written to a temporary artifact that is deleted afterwards.
 *
 * <p>Functions are ELF symbols ({@link dev.kiln.abi.elf.FunctionSymbol}): {@code wasm[N]::name}
 * ({@code wasm[N]} without a name section), {@code trampoline[N]} (the entry trampoline of
 * funcidx N) and {@code kiln_unwind}. {@code --function} takes a symbol, a function name
 * ({@code fac} for {@code wasm[0]::fac}), an export name or a funcidx, and shows that function
 * alone ({@code objdump --disassemble=SYMBOL}).
 */
@Command(name = "objdump",
        addMethodSubcommands = false, // none: saves Picocli a reflective scan of every method at start-up
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Disassembles the compiled functions of a module (compiled in memory if needed) with binutils' objdump.",
            "Symbols: wasm[N]::name, wasm[N], trampoline[N], kiln_unwind.",
        })
final class ObjdumpCommand extends KilnCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .wasm or .wat module, or a Kiln artifact.")
    Path file;

    @Option(names = "--function", paramLabel = "NAME",
            description = "Show only this function: a symbol (wasm[3]::fib), a function or export name, or a funcidx.")
    String function;

    @Option(names = "--objdump", paramLabel = "PROGRAM", defaultValue = "objdump",
            description = "The objdump program to run (default: ${DEFAULT-VALUE} on the PATH).")
    String objdump;

    @Override
    int execute() throws Exception {
        Input input = Input.read(file);
        String program = findProgram(objdump);
        if (program == null) {
            throw KilnException.error("'" + objdump + "' was not found: kiln objdump runs GNU binutils' objdump."
                    + " Install binutils (e.g. apt-get install binutils), or name the program with --objdump PROGRAM");
        }
        Path artifact = input.path();
        Path temp = null;
        try {
            if (input.kind() != Input.Kind.ARTIFACT) {
                Module module = input.module(engine(), err());
                temp = Files.createTempFile("kiln-objdump-", ".kiln");
                Files.write(temp, module.serialize());
                artifact = temp;
            }
            ElfFile elf = ElfReader.read(artifact);
            List<String> command = new ArrayList<>(List.of(program, "-d", "-M", "intel"));
            if (function != null) {
                command.add("--disassemble=" + symbolFor(elf, function));
            }
            command.add(artifact.toString());
            return runObjdump(command, artifact.toString(), input.name());
        } finally {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /**
     * The symbol that {@code name} designates in {@code elf}: the symbol itself, {@code wasm[N]::name}
     * for a function name, the function an export names, or {@code wasm[N]...} for a funcidx N.
     *
     * @throws KilnException listing the symbols when none matches
     */
    static String symbolFor(ElfFile elf, String name) {
        List<FunctionSymbol> symbols = elf.symbols();
        for (FunctionSymbol s : symbols) {
            if (s.name().equals(name)) {
                return s.name();
            }
        }
        for (FunctionSymbol s : symbols) {
            if (s.name().startsWith("wasm[") && s.name().endsWith("]::" + name)) {
                return s.name();
            }
        }
        byte[] metaBytes = elf.sectionBytes(ArtifactMetadata.SECTION);
        ArtifactMetadata meta = metaBytes == null ? null : ArtifactMetadata.decode(metaBytes, elf.source());
        if (meta != null) {
            for (ArtifactMetadata.ExportInfo e : meta.exports()) {
                if (e.kind() == ArtifactMetadata.ExportInfo.FUNC && e.name().equals(name)) {
                    String symbol = functionSymbol(symbols, e.index());
                    if (symbol != null) {
                        return symbol;
                    }
                }
            }
        }
        if (name.matches("[0-9]{1,9}")) {
            String symbol = functionSymbol(symbols, Integer.parseInt(name));
            if (symbol != null) {
                return symbol;
            }
        }
        // a function the compiler left without code: nothing calls it (every call to it was inlined)
        for (int k = 0; meta != null && k < meta.functions().size(); k++) {
            ArtifactMetadata.FunctionInfo f = meta.functions().get(k);
            int funcidx = meta.importedFunctions() + k;
            if (f.size() == 0 && (name.equals(f.name()) || name.equals(Integer.toString(funcidx)))) {
                throw KilnException.error("function '" + name + "' (funcidx " + funcidx + ") has no code of its own:"
                        + " it is not exported or in a table, and no call to it is left after inlining");
            }
        }
        throw KilnException.error("no function '" + name + "' in the compiled code; its symbols are: "
                + symbols.stream().map(FunctionSymbol::name).collect(Collectors.joining(", ")));
    }

    private static String functionSymbol(List<FunctionSymbol> symbols, int funcidx) {
        String prefix = "wasm[" + funcidx + "]";
        for (FunctionSymbol s : symbols) {
            if (s.name().equals(prefix) || s.name().startsWith(prefix + "::")) {
                return s.name();
            }
        }
        return null;
    }

    /** Runs objdump, copying its output to ours with the temporary file's name replaced by FILE's. */
    private int runObjdump(List<String> command, String artifactName, String displayName)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        String stdout = readAll(p.getInputStream());
        int status = p.waitFor();
        PrintWriter out = out();
        out.print(stdout.replace(artifactName, displayName));
        out.flush();
        String errors = stderr.join().strip();
        if (status != 0) {
            throw KilnException.error("objdump failed (exit status " + status + ")"
                    + (errors.isEmpty() ? "" : ": " + errors.replace(artifactName, displayName)));
        }
        if (!errors.isEmpty()) {
            err().println(errors.replace(artifactName, displayName));
            err().flush();
        }
        return ExitCodes.OK;
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** {@code program} if it is a path to an executable, else its first executable match on the PATH, else null. */
    static String findProgram(String program) {
        if (program.contains(File.separator)) {
            return Files.isExecutable(Path.of(program)) ? program : null;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }
}
