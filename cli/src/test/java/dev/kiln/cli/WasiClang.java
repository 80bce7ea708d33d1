package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Debian's clang-16 with wasi-libc, which tests that build C programs for wasm32-wasi need. */
final class WasiClang {
    private WasiClang() {
    }

    /** Debian's clang-16. */
    static final String CLANG = "/usr/bin/clang-16";

    /**
     * Skips the calling test when clang-16 or wasi-libc is missing, or fails it under {@code CI=true}
     * (where {@code .ci/run} installs them).
     */
    static void require() {
        boolean present = Files.isExecutable(Path.of(CLANG)) && Files.exists(Path.of("/usr/lib/wasm32-wasi/libc.a"));
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(present, "clang-16 and wasi-libc are needed under CI=true; .ci/run installs them");
        }
        assumeTrue(present, "clang-16 and wasi-libc are not installed (apt-get install clang-16 lld-16 wasi-libc"
                + " libclang-rt-16-dev-wasm32)");
    }
}
