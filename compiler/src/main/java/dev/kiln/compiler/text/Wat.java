package dev.kiln.compiler.text;

/**
 * Converts a WebAssembly text module (WAT, spec chapter 6 "Text Format", Wasm 2.0: MVP, mutable
 * globals, sign extension, non-trapping float-to-int, multi-value, bulk memory, reference types,
 * fixed-width SIMD) to the binary format (spec chapter 5).
 *
 * <p>Accepted input: one {@code (module $id? field*)}, {@code (module $id? binary "..."*)} (the bytes
 * are returned unchanged), {@code (module $id? quote "..."*)} (the strings are joined with spaces and
 * parsed as text), or a bare sequence of module fields. All abbreviations of the spec are supported
 * (inline imports and exports, inline and implicit type uses, inline element segments in tables and
 * data in memories, folded instructions, {@code offset} and {@code item} abbreviations). Implicit
 * function types are appended to the type section in order of occurrence. Section layout and element
 * segment forms follow wat2wasm (WABT), so output is byte-identical to it apart from the name section.
 * Only syntax is checked: the result may be an invalid module (numeric indices are not range checked).
 *
 * <p>Stateless and thread-safe.
 */
public final class Wat {
    private Wat() {
    }

    /**
     * Parses a text module and returns the binary module, including a {@code name} custom section
     * (function names from {@code $id}s of functions, and local names of parameters and locals) when
     * there are any.
     *
     * @param text the module source
     * @return the binary module bytes (starting with {@code \0asm}, version 1)
     * @throws TextFormatException if the text is malformed; the reason uses the reference
     *     interpreter's wording and the message names line:column
     */
    public static byte[] parseModule(String text) {
        return parseModule(text, true);
    }

    /**
     * Like {@link #parseModule(String)}, with control over the {@code name} custom section.
     *
     * @param nameSection whether to append the {@code name} section
     */
    public static byte[] parseModule(String text, boolean nameSection) {
        return WatParser.parseText(text, nameSection);
    }
}
