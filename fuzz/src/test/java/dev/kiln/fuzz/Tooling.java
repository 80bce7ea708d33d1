package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;

/** The external tools the fuzz tests need: required under {@code CI=true}, else a missing one skips the test. */
final class Tooling {
    private Tooling() {
    }

    static void require(String program, String debianPackage) {
        boolean present = Tools.onPath(program);
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(present, program + " (Debian package " + debianPackage + ") is needed under CI=true; .ci/run installs it");
        }
        Assumptions.assumeTrue(present, program + " (Debian package " + debianPackage + ") not installed; skipping");
    }
}
