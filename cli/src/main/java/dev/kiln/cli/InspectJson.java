package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.CpuFeature;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.Section;
import dev.kiln.compiler.wasm.Export;
import dev.kiln.compiler.wasm.ExternKind;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.Import;
import dev.kiln.compiler.wasm.ImportDesc;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HexFormat;

/**
 * {@code kiln inspect --json}: what {@code kiln inspect} shows, as one JSON object on one line
 * (written with Jackson's streaming generator). Field names are stable; new fields may be added.
 *
 * <p>A module ({@code "kind": "wasm"} or {@code "wat"}): {@code file}, {@code kind}, {@code size}
 * (bytes of the binary module; offsets refer to it), {@code textSize} (for text), {@code name} (the
 * name section's module name or null), {@code imports} [{@code module, name, kind, type}],
 * {@code exports} [{@code name, kind, index, type}], {@code functions} [{@code index, name, type,
 * bodyOffset, bodySize, locals}], {@code functionNames} (where the names come from:
 * {@code "name-section"}, {@code "dwarf"} or null), {@code dwarfProblem} (why DWARF debugging
 * information gave no names, or null), {@code codeSize}, {@code sections} [{@code id, name, offset, size}],
 * {@code valid} and, when false, {@code validationError}. A function {@code type} is
 * {@code {"params": ["i32"], "results": []}}; other types are their text ({@code "1 2 (64 KiB pages)"}).
 *
 * <p>An artifact ({@code "kind": "artifact"}): {@code file}, {@code kind}, {@code size}, {@code target},
 * {@code cpuFeatures} (names), {@code verifyIr}, {@code parallelism}, {@code inputSha256},
 * {@code imports}, {@code exports} [{@code name, kind, index, type, trampolineOffset}],
 * {@code functions} [{@code index, name, type, textOffset, size}], {@code codeSize}, {@code textSize},
 * {@code trapSites} (the places that can trap, from the frame table), {@code vmctxSize}, {@code sections} [{@code name, offset, size}]. Stateless.
 */
final class InspectJson {
    private static final JsonFactory JSON = new JsonFactory();

    private InspectJson() {
    }

    /** Writes the JSON object of {@code input} and a newline to {@code out}. */
    static void write(Input input, PrintWriter out) throws IOException {
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            if (input.kind() == Input.Kind.ARTIFACT) {
                artifact(input, g);
            } else {
                module(input, g);
            }
        }
        out.println();
    }

    private static void module(Input input, JsonGenerator g) throws IOException {
        byte[] bytes = InspectCommand.binary(input);
        WasmModule m = InspectCommand.decode(input, bytes);
        g.writeStartObject();
        g.writeStringField("file", input.name());
        g.writeStringField("kind", input.kind() == Input.Kind.WASM ? "wasm" : "wat");
        g.writeNumberField("size", bytes.length);
        if (input.kind() == Input.Kind.WAT) {
            g.writeNumberField("textSize", input.bytes().length);
        }
        g.writeStringField("name", m.moduleName());

        g.writeArrayFieldStart("imports");
        for (Import imp : m.imports()) {
            g.writeStartObject();
            g.writeStringField("module", imp.module());
            g.writeStringField("name", imp.name());
            g.writeStringField("kind", imp.kind().toString());
            g.writeFieldName("type");
            if (imp.desc() instanceof ImportDesc.Func f && f.typeIndex() < m.types().size()) {
                funcType(g, m.types().get(f.typeIndex()));
            } else {
                g.writeString(InspectCommand.describe(m, imp.desc()));
            }
            g.writeEndObject();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("exports");
        for (Export e : m.exports()) {
            g.writeStartObject();
            g.writeStringField("name", e.name());
            g.writeStringField("kind", e.kind().toString());
            g.writeNumberField("index", e.index());
            g.writeFieldName("type");
            exportType(g, m, e);
            g.writeEndObject();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("functions");
        long codeBytes = 0;
        for (int i = 0; i < m.code().size(); i++) {
            int funcidx = m.importedFunctionCount() + i;
            FunctionBody body = m.code().get(i);
            int size = body.codeEnd() - body.bodyStart();
            codeBytes += size;
            g.writeStartObject();
            g.writeNumberField("index", funcidx);
            g.writeStringField("name", m.functionName(funcidx));
            g.writeFieldName("type");
            FuncType t = m.functionType(funcidx);
            if (t == null) {
                g.writeNull();
            } else {
                funcType(g, t);
            }
            g.writeNumberField("bodyOffset", body.bodyStart());
            g.writeNumberField("bodySize", size);
            g.writeNumberField("locals", body.localCount());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("functionNames", switch (m.functionNameSource()) {
            case NAME_SECTION -> "name-section";
            case DWARF -> "dwarf";
            case NONE -> null;
        });
        g.writeStringField("dwarfProblem", m.dwarfProblem());
        g.writeNumberField("codeSize", codeBytes);

        g.writeArrayFieldStart("sections");
        for (WasmSections.Section s : WasmSections.of(bytes)) {
            g.writeStartObject();
            g.writeNumberField("id", s.id());
            g.writeStringField("name", s.name());
            g.writeNumberField("offset", s.contentOffset());
            g.writeNumberField("size", s.size());
            g.writeEndObject();
        }
        g.writeEndArray();

        try {
            Validator.validate(m, bytes);
            g.writeBooleanField("valid", true);
        } catch (CompileException e) {
            g.writeBooleanField("valid", false);
            g.writeStringField("validationError", e.getMessage());
        }
        g.writeEndObject();
    }

    private static void exportType(JsonGenerator g, WasmModule m, Export e) throws IOException {
        boolean inRange = switch (e.kind()) {
            case FUNC -> e.index() >= 0 && e.index() < m.functionCount();
            case TABLE -> e.index() >= 0 && e.index() < m.tableCount();
            case MEMORY -> e.index() >= 0 && e.index() < m.memoryCount();
            case GLOBAL -> e.index() >= 0 && e.index() < m.globalCount();
            case TAG -> e.index() >= 0 && e.index() < m.tagCount();
        };
        if (!inRange) {
            g.writeNull();
            return;
        }
        switch (e.kind()) {
            case FUNC -> {
                FuncType t = m.functionType(e.index());
                if (t == null) {
                    g.writeNull();
                } else {
                    funcType(g, t);
                }
            }
            case TABLE -> g.writeString(InspectCommand.describe(m, m.tableType(e.index())));
            case MEMORY -> g.writeString(InspectCommand.describe(m, m.memoryType(e.index())));
            case GLOBAL -> g.writeString(m.globalType(e.index()).toString());
            case TAG -> g.writeString("tag " + m.types().get(m.tagTypeIndex(e.index())));
        }
    }

    private static void funcType(JsonGenerator g, FuncType t) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("params");
        for (ValType v : t.params()) {
            g.writeString(v.toString());
        }
        g.writeEndArray();
        g.writeArrayFieldStart("results");
        for (ValType v : t.results()) {
            g.writeString(v.toString());
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void artifact(Input input, JsonGenerator g) throws IOException {
        ElfFile elf = ElfReader.read(input.path());
        ArtifactMetadata meta = InspectCommand.metadata(input, elf);
        g.writeStartObject();
        g.writeStringField("file", input.name());
        g.writeStringField("kind", "artifact");
        g.writeNumberField("size", input.bytes().length);
        g.writeStringField("target", meta.target().toString());
        g.writeArrayFieldStart("cpuFeatures");
        for (CpuFeature f : CpuFeature.fromMask(meta.cpuFeatures())) {
            g.writeString(f.name().toLowerCase(java.util.Locale.ROOT));
        }
        g.writeEndArray();
        g.writeBooleanField("verifyIr", meta.options().verifyIr());
        g.writeNumberField("parallelism", meta.options().parallelism());
        g.writeStringField("inputSha256", HexFormat.of().formatHex(meta.inputHash()));

        g.writeArrayFieldStart("imports");
        for (ArtifactMetadata.ImportInfo i : meta.imports()) {
            g.writeStartObject();
            g.writeStringField("module", i.module());
            g.writeStringField("name", i.name());
            ExternKind kind = ExternKind.fromCode(i.kind());
            g.writeStringField("kind", kind == null ? Integer.toString(i.kind()) : kind.toString());
            if (i.kind() == ArtifactMetadata.ExportInfo.FUNC && i.a() >= 0 && i.a() < meta.types().size()) {
                g.writeFieldName("type");
                funcType(g, meta.types().get((int) i.a()));
            }
            g.writeEndObject();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("exports");
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            g.writeStartObject();
            g.writeStringField("name", e.name());
            ExternKind kind = ExternKind.fromCode(e.kind());
            g.writeStringField("kind", kind == null ? Integer.toString(e.kind()) : kind.toString());
            g.writeNumberField("index", e.index());
            if (e.kind() == ArtifactMetadata.ExportInfo.FUNC) {
                FuncType t = functionType(meta, e.index());
                if (t != null) {
                    g.writeFieldName("type");
                    funcType(g, t);
                }
                g.writeNumberField("trampolineOffset", e.trampolineOffset());
            }
            g.writeEndObject();
        }
        g.writeEndArray();

        g.writeArrayFieldStart("functions");
        long code = 0;
        for (int i = 0; i < meta.functions().size(); i++) {
            ArtifactMetadata.FunctionInfo f = meta.functions().get(i);
            int funcidx = meta.importedFunctions() + i;
            code += f.size();
            g.writeStartObject();
            g.writeNumberField("index", funcidx);
            g.writeStringField("name", f.name());
            FuncType t = functionType(meta, funcidx);
            if (t != null) {
                g.writeFieldName("type");
                funcType(g, t);
            }
            g.writeNumberField("textOffset", f.textOffset());
            g.writeNumberField("size", f.size());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("codeSize", code);
        g.writeNumberField("textSize", elf.text().size());
        g.writeNumberField("trapSites", InspectCommand.trapSites(elf));
        g.writeNumberField("vmctxSize", meta.vmctxSize());

        g.writeArrayFieldStart("sections");
        for (Section s : elf.sections()) {
            if (s.type() == Section.SHT_NULL) {
                continue;
            }
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeNumberField("offset", s.fileOffset());
            g.writeNumberField("size", s.size());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** The type of funcidx in an artifact, or null when the metadata's index is out of range. */
    private static FuncType functionType(ArtifactMetadata meta, int funcidx) {
        try {
            return meta.functionType(funcidx);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
