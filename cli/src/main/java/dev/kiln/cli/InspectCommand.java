package dev.kiln.cli;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.FrameTable;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.Section;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.wasm.Export;
import dev.kiln.compiler.wasm.ExternKind;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.GlobalType;
import dev.kiln.compiler.wasm.Import;
import dev.kiln.compiler.wasm.ImportDesc;
import dev.kiln.compiler.wasm.MemoryType;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.TableType;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln inspect FILE}: describes a module without running it.
 *
 * <p>For a WebAssembly binary or text module (text is first converted to binary by
 * {@link Wat#parseModule}, and offsets refer to that binary): imports, exports with their types,
 * functions with their types and body sizes, the sections (id, name, content offset, size), the
 * total code size and whether the module validates. For a Kiln artifact: what its
 * {@code .kiln.meta} section records (target, compile options, input hash, exports, functions with
 * their place in {@code .text}, trap sites, VMContext size) and its ELF sections.
 *
 * <p>Output is for people (its layout may change), on stdout; with {@code --json} the same facts are
 * one JSON object for programs ({@link InspectJson}, whose field names are stable). A malformed module
 * is an error (exit 1, the message names the byte offset); an invalid one is reported and still exits 0.
 */
@Command(name = "inspect",
        addMethodSubcommands = false, // none: saves Picocli a reflective scan of every method at start-up
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Shows a module's imports, exports, functions and sections, or what a Kiln artifact's metadata says.")
final class InspectCommand extends KilnCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "A .wasm or .wat module, or a Kiln artifact.")
    Path file;

    @Option(names = "--json", description = "Prints one JSON object (stable field names) instead of text.")
    boolean json;

    @Override
    int execute() throws Exception {
        Input input = Input.read(file);
        PrintWriter out = out();
        if (json) {
            InspectJson.write(input, out);
        } else if (input.kind() == Input.Kind.ARTIFACT) {
            inspectArtifact(input, out);
        } else {
            inspectModule(input, out);
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** The binary form of a module input (text is converted); errors name the input. */
    static byte[] binary(Input input) {
        try {
            return input.kind() == Input.Kind.WASM ? input.bytes() : Wat.parseModule(input.text());
        } catch (CompileException e) {
            throw new CompileException(input.name() + ": " + e.getMessage(), e);
        }
    }

    /** The decoded module of {@code bytes}; errors name the input. */
    static WasmModule decode(Input input, byte[] bytes) {
        try {
            return ModuleDecoder.decode(bytes);
        } catch (CompileException e) {
            throw new CompileException(input.name() + ": " + e.getMessage(), e);
        }
    }

    /** The metadata of an artifact input. */
    static ArtifactMetadata metadata(Input input, ElfFile elf) {
        byte[] metaBytes = elf.sectionBytes(ArtifactMetadata.SECTION);
        if (metaBytes == null) {
            throw KilnException.error(input.name() + " is an ELF file without a " + ArtifactMetadata.SECTION
                    + " section: not a Kiln artifact");
        }
        return ArtifactMetadata.decode(metaBytes, input.name());
    }

    private void inspectModule(Input input, PrintWriter out) {
        byte[] bytes = binary(input);
        WasmModule m = decode(input, bytes);
        if (input.kind() == Input.Kind.WASM) {
            out.printf("%s: %s, %d bytes%n", input.name(), input.kind().description, bytes.length);
        } else {
            out.printf("%s: %s (%d bytes of text; %d bytes as a binary module, to which the offsets below refer)%n",
                    input.name(), input.kind().description, input.bytes().length, bytes.length);
        }
        if (m.moduleName() != null) {
            out.printf("module name: %s%n", m.moduleName());
        }

        out.printf("imports (%d)%s%n", m.imports().size(), m.imports().isEmpty() ? "" : ":");
        for (Import imp : m.imports()) {
            out.printf("  %s \"%s\" \"%s\": %s%n", imp.kind(), imp.module(), imp.name(), describe(m, imp.desc()));
        }

        out.printf("exports (%d)%s%n", m.exports().size(), m.exports().isEmpty() ? "" : ":");
        for (Export e : m.exports()) {
            out.printf("  %s \"%s\" %s%n", e.kind(), e.name(), describe(m, e));
        }

        out.printf("memories: %d (%d imported, %d defined)%s%n", m.memoryCount(), m.importedMemoryCount(),
                m.memories().size(), m.memoryCount() == 0 ? "" : ":");
        for (int i = 0; i < m.memoryCount(); i++) {
            out.printf("  memidx %d%s: %s%n", i, i < m.importedMemoryCount() ? " (imported)" : "",
                    describe(m, m.memoryType(i)));
        }
        out.printf("tables: %d (%d imported, %d defined)%s%n", m.tableCount(), m.importedTableCount(),
                m.tables().size(), m.tableCount() == 0 ? "" : ":");
        for (int i = 0; i < m.tableCount(); i++) {
            out.printf("  tableidx %d%s: %s%n", i, i < m.importedTableCount() ? " (imported)" : "",
                    describe(m, m.tableType(i)));
        }

        out.printf("functions: %d (%d imported, %d defined)%n", m.functionCount(), m.importedFunctionCount(),
                m.definedFunctionCount());
        long codeBytes = 0;
        for (int i = 0; i < m.code().size(); i++) {
            int funcidx = m.importedFunctionCount() + i;
            FunctionBody body = m.code().get(i);
            int size = body.codeEnd() - body.bodyStart();
            codeBytes += size;
            String name = m.functionName(funcidx);
            out.printf("  funcidx %d%s: %s, body %d bytes at offset 0x%x, %d locals%n", funcidx,
                    name == null ? "" : " " + name, typeOf(m, funcidx), size, body.bodyStart(), body.localCount());
        }
        out.printf("code size: %d bytes in %d function bodies%n", codeBytes, m.code().size());
        out.printf("function names: %s%n", switch (m.functionNameSource()) {
            case NAME_SECTION -> "name section";
            case DWARF -> "DWARF .debug_info (no name section names)";
            case NONE -> "none";
        });
        if (m.dwarfProblem() != null) {
            out.printf("DWARF ignored: %s%n", m.dwarfProblem());
        }

        List<WasmSections.Section> sections = WasmSections.of(bytes);
        out.printf("sections (%d):%n", sections.size());
        out.printf("  %3s  %-24s %10s %10s%n", "id", "name", "offset", "size");
        for (WasmSections.Section s : sections) {
            out.printf("  %3d  %-24s %#10x %10d%n", s.id(), s.name(), s.contentOffset(), s.size());
        }

        try {
            Validator.validate(m, bytes);
            out.println("valid: yes");
        } catch (CompileException e) {
            out.println("valid: no: " + e.getMessage());
        }
    }

    static String typeOf(WasmModule m, int funcidx) {
        FuncType t = m.functionType(funcidx);
        return t == null ? "type index " + m.functionTypeIndex(funcidx) + " (out of range)" : t.toString();
    }

    static String describe(WasmModule m, ImportDesc desc) {
        return switch (desc) {
            case ImportDesc.Func f -> f.typeIndex() < m.types().size() ? m.types().get(f.typeIndex()).toString()
                    : "type index " + f.typeIndex() + " (out of range)";
            case TableType t -> (t.table64() ? "i64 " : "") + t.elemType() + " " + t.limits();
            case MemoryType mem -> (mem.memory64() ? "i64 " : "") + mem.limits() + " (64 KiB pages)";
            case GlobalType g -> g.toString();
            case ImportDesc.Tag t -> "tag " + (t.typeIndex() < m.types().size() ? m.types().get(t.typeIndex()).toString()
                    : "type index " + t.typeIndex() + " (out of range)");
        };
    }

    private static String describe(WasmModule m, Export e) {
        int count = switch (e.kind()) {
            case FUNC -> m.functionCount();
            case TABLE -> m.tableCount();
            case MEMORY -> m.memoryCount();
            case GLOBAL -> m.globalCount();
            case TAG -> m.tagCount();
        };
        String index = e.kind() + "idx " + e.index();
        if (e.index() < 0 || e.index() >= count) {
            return index + " (out of range)";
        }
        return index + ": " + switch (e.kind()) {
            case FUNC -> typeOf(m, e.index());
            case TABLE -> describe(m, m.tableType(e.index()));
            case MEMORY -> describe(m, m.memoryType(e.index()));
            case GLOBAL -> m.globalType(e.index()).toString();
            case TAG -> "tag " + m.types().get(m.tagTypeIndex(e.index()));
        };
    }

    private void inspectArtifact(Input input, PrintWriter out) throws java.io.IOException {
        ElfFile elf = ElfReader.read(input.path());
        ArtifactMetadata meta = metadata(input, elf);
        out.printf("%s: %s, %d bytes%n", input.name(), input.kind().description, input.bytes().length);
        out.printf("target: %s, CPU features: %s%n", meta.target(),
                meta.cpuFeatures() == 0 ? "baseline" : "0x" + Long.toHexString(meta.cpuFeatures()));
        out.printf("compiled with: verify IR %s, parallelism %s, %s bounds checks%s%n",
                meta.options().verifyIr() ? "on" : "off",
                meta.options().parallelism() == 0 ? "one per processor" : Integer.toString(meta.options().parallelism()),
                meta.options().boundsChecks() == dev.kiln.abi.BoundsChecks.GUARD ? "guard-page" : "explicit",
                meta.options().spectreGuard() ? "" : ", Spectre guard of checked intrinsics off");
        out.printf("input SHA-256: %s%n", HexFormat.of().formatHex(meta.inputHash()));

        out.printf("exports (%d)%s%n", meta.exports().size(), meta.exports().isEmpty() ? "" : ":");
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            ExternKind kind = ExternKind.fromCode(e.kind());
            String k = kind == null ? "kind " + e.kind() : kind.toString();
            if (e.kind() == ArtifactMetadata.ExportInfo.FUNC) {
                out.printf("  %s \"%s\" funcidx %d: %s, entry trampoline at .text+0x%x%n", k, e.name(), e.index(),
                        artifactType(meta, e.index()), e.trampolineOffset());
            } else {
                out.printf("  %s \"%s\" %sidx %d%n", k, e.name(), k, e.index());
            }
        }

        out.printf("functions: %d (%d imported, %d defined)%n", meta.importedFunctions() + meta.functions().size(),
                meta.importedFunctions(), meta.functions().size());
        long code = 0;
        for (int i = 0; i < meta.functions().size(); i++) {
            ArtifactMetadata.FunctionInfo f = meta.functions().get(i);
            int funcidx = meta.importedFunctions() + i;
            code += f.size();
            if (f.size() == 0) {
                // not exported, in no table, and no call to it left after inlining (ModuleCompiler)
                out.printf("  funcidx %d%s: %s, no code (no call to it is left after inlining)%n", funcidx,
                        f.name() == null ? "" : " " + f.name(), artifactType(meta, funcidx));
            } else {
                out.printf("  funcidx %d%s: %s, .text+0x%x, %d bytes%n", funcidx, f.name() == null ? "" : " " + f.name(),
                        artifactType(meta, funcidx), f.textOffset(), f.size());
            }
        }
        out.printf("code size: %d bytes of functions, %d bytes of .text in all%n", code, elf.text().size());
        out.printf("memories defined: %d%s%n", meta.memories().size(), meta.memories().isEmpty() ? "" : ":");
        for (ArtifactMetadata.MemoryInfo mi : meta.memories()) {
            out.printf("  %s%s%s (64 KiB pages)%n", mi.memory64() ? "i64 " : "", Long.toUnsignedString(mi.minPages()),
                    mi.maxPages() >= 0 ? " " + Long.toUnsignedString(mi.maxPages()) : "");
        }
        out.printf("trap sites: %d%n", trapSites(elf));
        out.printf("VMContext size: %d bytes%n", meta.vmctxSize());

        List<Section> sections = elf.sections();
        out.printf("ELF sections (%d):%n", sections.size());
        out.printf("  %-16s %10s %10s%n", "name", "offset", "size");
        for (Section s : sections) {
            if (s.type() == Section.SHT_NULL) {
                continue;
            }
            out.printf("  %-16s %#10x %10d%n", s.name(), s.fileOffset(), s.size());
        }
    }

    /**
     * The places in {@code .text} that can trap, from the artifact's frame table: explicit checks
     * (their branches), trapping instructions, faulting memory accesses and prologue stack checks.
     * 0 for an artifact without frame info.
     *
     * @throws dev.kiln.abi.ArtifactFormatException if the frame table is malformed
     */
    static int trapSites(ElfFile elf) {
        if (elf.section(FrameTable.SECTION).isEmpty()) {
            return 0;
        }
        FrameTable frames = FrameTable.decode(elf.sectionBytes(FrameTable.SECTION), elf.source());
        int n = 0;
        for (int i = 0; i < frames.size(); i++) {
            n += frames.kind(i) == FrameTable.RETURN_ADDRESS ? 0 : 1;
        }
        return n;
    }

    static String artifactType(ArtifactMetadata meta, int funcidx) {
        if (funcidx < meta.importedFunctions()) {
            return "(imported)";
        }
        int i = funcidx - meta.importedFunctions();
        if (i >= meta.functions().size()) {
            return "(funcidx out of range)";
        }
        int t = meta.functions().get(i).typeIndex();
        return t >= 0 && t < meta.types().size() ? meta.types().get(t).toString() : "type index " + t + " (out of range)";
    }
}
