package dev.kiln.compiler.wasm;

import dev.kiln.abi.FuncType;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A decoded WebAssembly 2.0 module (spec §2.5 "Modules"), as produced by
 * {@link ModuleDecoder#decode(byte[])}. Function bodies, const expressions, data bytes and custom
 * sections are byte ranges into {@link #bytes()}. Index spaces (funcidx, tableidx, memidx, globalidx)
 * count imports first, as in the spec; the per-kind lists ({@link #functions()}, {@link #tables()},
 * ...) hold only the entities the module defines.
 *
 * <p>The decoder guarantees well-formedness only; call {@link Validator#validate} before trusting
 * indices and types. Immutable after construction (lists are unmodifiable) and thread-safe, as long
 * as nobody mutates the byte array.
 */
public final class WasmModule {
    final byte[] bytes;
    List<FuncType> types = List.of();
    int[] recGroupStarts;
    List<Import> imports = List.of();
    int[] functions = new int[0];
    List<TableType> tables = List.of();
    /** Per defined table its initializer expression (Wasm 3.0), or {@code null} for {@code ref.null}. */
    List<ConstExpr> tableInits = List.of();
    List<MemoryType> memories = List.of();
    List<Global> globals = List.of();
    List<Export> exports = List.of();
    int start = -1;
    int startOffset = -1;
    List<ElementSegment> elements = List.of();
    int dataCount = -1;
    List<DataSegment> data = List.of();
    List<FunctionBody> code = List.of();
    List<CustomSection> customSections = List.of();
    String moduleName;
    Map<Integer, String> functionNames = Map.of();
    Map<Integer, Map<Integer, String>> localNames = Map.of();
    /** Set to DWARF by {@link DwarfNames} when the function names come from {@code .debug_info}. */
    NameSource functionNameSource;
    /** Why the DWARF debugging information was not read, or {@code null}. */
    String dwarfProblem;
    int importedFunctions;
    int importedTables;
    int importedMemories;
    int importedGlobals;
    int importedTags;
    int[] tags = new int[0];
    int[] importedFunctionTypes = new int[0];

    WasmModule(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The module bytes this model points into (not a copy: do not modify). */
    public byte[] bytes() {
        return bytes;
    }

    /**
     * For each typeidx, the typeidx that starts its recursive type group (Wasm 3.0 {@code rec}); a type
     * outside a {@code rec} group is a group of its own. Do not modify.
     */
    public int[] recGroupStarts() {
        if (recGroupStarts == null || recGroupStarts.length != types.size()) {
            int[] s = new int[types.size()];
            for (int i = 0; i < s.length; i++) {
                s[i] = i;
            }
            recGroupStarts = s;
        }
        return recGroupStarts;
    }

    /** The type section: function types, indexed by typeidx. */
    /** Number of imported tags (they come first in the tag index space). */
    public int importedTagCount() {
        return importedTags;
    }

    /** Number of tags, imported and defined. */
    public int tagCount() {
        return importedTags + tags.length;
    }

    /**
     * The typeidx of tag {@code tagidx} (imported tags first), whose function type's params are the
     * exception's payload.
     *
     * @throws IndexOutOfBoundsException if {@code tagidx} is not below {@link #tagCount()}
     */
    public int tagTypeIndex(int tagidx) {
        if (tagidx < importedTags) {
            int n = 0;
            for (Import im : imports) {
                if (im.desc() instanceof ImportDesc.Tag t && n++ == tagidx) {
                    return t.typeIndex();
                }
            }
        }
        return tags[tagidx - importedTags];
    }

    public List<FuncType> types() {
        return types;
    }

    /** The imports, in order. */
    public List<Import> imports() {
        return imports;
    }

    /** The function section: the typeidx of each defined function (not including imports). Copy. */
    public int[] functions() {
        return functions.clone();
    }

    /** Number of functions defined by the module (the function section's length). */
    public int definedFunctionCount() {
        return functions.length;
    }

    /** The typeidx of the {@code i}-th defined function (0 = first non-imported). */
    public int definedFunctionTypeIndex(int i) {
        return functions[i];
    }

    /**
     * The initializer expression of each defined table (Wasm 3.0 {@code 0x40 0x00 tabletype expr}),
     * by defined-table index; an entry is {@code null} for a table of null references. Unmodifiable.
     */
    public List<ConstExpr> tableInits() {
        return tableInits;
    }

    /** The tables defined by the module (imports not included). */
    public List<TableType> tables() {
        return tables;
    }

    /** The memories defined by the module (imports not included). */
    public List<MemoryType> memories() {
        return memories;
    }

    /** The globals defined by the module (imports not included). */
    public List<Global> globals() {
        return globals;
    }

    /** The exports, in order. */
    public List<Export> exports() {
        return exports;
    }

    /** The start function's funcidx, or -1 if there is no start section. */
    public int start() {
        return start;
    }

    /** Byte offset of the start section's funcidx, or -1. */
    public int startOffset() {
        return startOffset;
    }

    /** The element segments, indexed by elemidx. */
    public List<ElementSegment> elements() {
        return elements;
    }

    /** The data count section's value, or -1 if the section is absent. */
    public int dataCount() {
        return dataCount;
    }

    /** The data segments, indexed by dataidx. */
    public List<DataSegment> data() {
        return data;
    }

    /** The code section: one body per defined function, in the order of {@link #functions()}. */
    public List<FunctionBody> code() {
        return code;
    }

    /** All custom sections, in order of appearance (the {@code name} section included). */
    public List<CustomSection> customSections() {
        return customSections;
    }

    /** The module name from the {@code name} section, or {@code null}. */
    public String moduleName() {
        return moduleName;
    }

    /**
     * Function names by funcidx (unmodifiable; empty if none): from the {@code name} section, or, for a
     * module whose {@code name} section names no function, from DWARF {@code .debug_info} (see
     * {@link #functionNameSource()}).
     */
    public Map<Integer, String> functionNames() {
        return functionNames;
    }

    /** Where {@link #functionNames()} come from. */
    public enum NameSource {
        /** The {@code name} custom section (spec §7.4.1). */
        NAME_SECTION,
        /** DWARF {@code .debug_info} subprograms, for a module whose {@code name} section names no function. */
        DWARF,
        /** Neither: the module's functions have no names. */
        NONE
    }

    /** Where {@link #functionNames()} come from: the {@code name} section, DWARF, or nowhere. */
    public NameSource functionNameSource() {
        return functionNameSource != null ? functionNameSource
                : functionNames.isEmpty() ? NameSource.NONE : NameSource.NAME_SECTION;
    }

    /**
     * Why the module's DWARF debugging information gave no function names although the module has no
     * {@code name} section function names and has a {@code .debug_info} section (e.g.
     * {@code ".debug_info offset 0x5c: unknown abbreviation code 9"}), or {@code null}. Malformed
     * DWARF never makes a module malformed.
     */
    public String dwarfProblem() {
        return dwarfProblem;
    }

    /** Local names from the {@code name} section: funcidx -> (localidx -> name). Unmodifiable. */
    public Map<Integer, Map<Integer, String>> localNames() {
        return localNames;
    }

    /** Number of imported functions (the first funcidx of a defined function). */
    public int importedFunctionCount() {
        return importedFunctions;
    }

    /** Number of imported tables. */
    public int importedTableCount() {
        return importedTables;
    }

    /** Number of imported memories. */
    public int importedMemoryCount() {
        return importedMemories;
    }

    /** Number of imported globals. */
    public int importedGlobalCount() {
        return importedGlobals;
    }

    /** Size of the function index space (imports + defined). */
    public int functionCount() {
        return importedFunctions + functions.length;
    }

    /** Size of the table index space. */
    public int tableCount() {
        return importedTables + tables.size();
    }

    /** Size of the memory index space. */
    public int memoryCount() {
        return importedMemories + memories.size();
    }

    /** Size of the global index space. */
    public int globalCount() {
        return importedGlobals + globals.size();
    }

    /**
     * The typeidx of function {@code funcidx} over the whole function index space.
     *
     * @throws IndexOutOfBoundsException if {@code funcidx} is not below {@link #functionCount()}
     */
    public int functionTypeIndex(int funcidx) {
        if (funcidx < 0 || funcidx >= functionCount()) {
            throw new IndexOutOfBoundsException("funcidx " + funcidx);
        }
        return funcidx < importedFunctions ? importedFunctionTypes[funcidx]
                : functions[funcidx - importedFunctions];
    }

    /**
     * The type of function {@code funcidx} over the whole function index space, or {@code null} if
     * its typeidx is out of range (only possible before validation).
     *
     * @throws IndexOutOfBoundsException if {@code funcidx} is not below {@link #functionCount()}
     */
    public FuncType functionType(int funcidx) {
        int t = functionTypeIndex(funcidx);
        return t >= 0 && t < types.size() ? types.get(t) : null;
    }

    /** The body of function {@code funcidx}, or {@code null} for an imported function or bad index. */
    public FunctionBody functionBody(int funcidx) {
        int i = funcidx - importedFunctions;
        return i >= 0 && i < code.size() ? code.get(i) : null;
    }

    /** The name of function {@code funcidx} (see {@link #functionNames()}), or {@code null}. */
    public String functionName(int funcidx) {
        return functionNames.get(funcidx);
    }

    /**
     * The type of global {@code globalidx} over the whole global index space (imports first).
     *
     * @throws IndexOutOfBoundsException if out of range
     */
    public GlobalType globalType(int globalidx) {
        if (globalidx < 0 || globalidx >= globalCount()) {
            throw new IndexOutOfBoundsException("globalidx " + globalidx);
        }
        if (globalidx >= importedGlobals) {
            return globals.get(globalidx - importedGlobals).type();
        }
        return (GlobalType) nthImport(ExternKind.GLOBAL, globalidx).desc();
    }

    /**
     * The type of table {@code tableidx} over the whole table index space (imports first).
     *
     * @throws IndexOutOfBoundsException if out of range
     */
    public TableType tableType(int tableidx) {
        if (tableidx < 0 || tableidx >= tableCount()) {
            throw new IndexOutOfBoundsException("tableidx " + tableidx);
        }
        if (tableidx >= importedTables) {
            return tables.get(tableidx - importedTables);
        }
        return (TableType) nthImport(ExternKind.TABLE, tableidx).desc();
    }

    /**
     * The type of memory {@code memidx} over the whole memory index space (imports first).
     *
     * @throws IndexOutOfBoundsException if out of range
     */
    public MemoryType memoryType(int memidx) {
        if (memidx < 0 || memidx >= memoryCount()) {
            throw new IndexOutOfBoundsException("memidx " + memidx);
        }
        if (memidx >= importedMemories) {
            return memories.get(memidx - importedMemories);
        }
        return (MemoryType) nthImport(ExternKind.MEMORY, memidx).desc();
    }

    /**
     * The {@code n}-th import of the given kind (0-based), which is entity {@code n} of that index
     * space.
     *
     * @throws IndexOutOfBoundsException if there are not that many imports of the kind
     */
    public Import nthImport(ExternKind kind, int n) {
        int seen = 0;
        for (Import imp : imports) {
            if (imp.kind() == kind && seen++ == n) {
                return imp;
            }
        }
        throw new IndexOutOfBoundsException(kind + " import " + n);
    }

    static <T> List<T> freeze(List<T> list) {
        return Collections.unmodifiableList(list);
    }
}
