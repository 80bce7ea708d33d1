package dev.kiln.compiler.wasm;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the WebAssembly spec testsuite ({@code shared/wasm-testsuite/2.0}) for tests, if present. */
final class TestSuiteFiles {
    private TestSuiteFiles() {
    }

    /** The 2.0 testsuite directory, or {@code null} when it cannot be found. */
    static Path suite20() {
        String prop = System.getProperty("kiln.testsuite");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop);
        }
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 6 && dir != null; i++, dir = dir.getParent()) {
            for (String rel : new String[] {"shared/wasm-testsuite/2.0", "../shared/wasm-testsuite/2.0"}) {
                Path p = dir.resolve(rel).normalize();
                if (Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
