package dev.kiln.maven;

import java.io.File;

/**
 * One compile-time builtin in the plugin's configuration (DESIGN §4): a trusted Wasm module whose
 * function exports satisfy the guest imports from module {@code name}, linked and inlined at build time.
 *
 * <pre>{@code
 * <builtins>
 *   <builtin><name>host</name><file>src/main/wasm-builtins/host.wat</file></builtin>
 * </builtins>
 * }</pre>
 *
 * <p>Filled in by Maven from the POM; not thread-safe.
 */
public class Builtin {
    /** The import module name it satisfies ({@code (import "name" "field" ...)} in the guests). */
    String name;
    /** The builtin's {@code .wasm} or {@code .wat} file. */
    File file;

    /** Created by Maven. */
    public Builtin() {
    }

    /** The import module name it satisfies. */
    public String getName() {
        return name;
    }

    /** The builtin's file. */
    public File getFile() {
        return file;
    }
}
