package dev.kiln.compiler.wasm;

/**
 * A custom section (spec §5.5.3), kept as a byte range of the module. Immutable and thread-safe.
 *
 * @param name         the section's name (UTF-8 decoded)
 * @param contentStart offset in the module of the first content byte (after the name)
 * @param contentEnd   exclusive end offset of the content
 */
public record CustomSection(String name, int contentStart, int contentEnd) {
    /** Content length in bytes. */
    public int contentLength() {
        return contentEnd - contentStart;
    }
}
