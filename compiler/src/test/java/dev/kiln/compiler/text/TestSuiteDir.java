package dev.kiln.compiler.text;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the spec testsuite for the text-format tests. */
final class TestSuiteDir {
    private TestSuiteDir() {
    }

    /**
     * The Wasm 2.0 testsuite directory: system property or environment variable {@code KILN_TESTSUITE},
     * else {@code ../../shared/wasm-testsuite/2.0} relative to the module directory, else the first
     * {@code shared/wasm-testsuite/2.0} found walking up from the working directory (git worktrees);
     * {@code null} when none exists.
     */
    static Path find() {
        String configured = System.getProperty("KILN_TESTSUITE", System.getenv("KILN_TESTSUITE"));
        if (configured != null) {
            Path p = Path.of(configured);
            return Files.isDirectory(p) ? p : null;
        }
        Path def = Path.of("../../shared/wasm-testsuite/2.0").toAbsolutePath().normalize();
        if (Files.isDirectory(def)) {
            return def;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared/wasm-testsuite/2.0");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }
}
