package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CompareBuilds}: two copies of this build, each in its own class loader, measured in turn. */
class CompareBuildsTest {
    private static final byte[] MODULE = CompileCostTest.MODULE.getBytes(StandardCharsets.UTF_8);

    /** The class path of the compiler this test runs: the code of the classes a compile for the host needs. */
    private static List<Path> thisBuild() throws URISyntaxException, ClassNotFoundException {
        List<Path> path = new ArrayList<>();
        for (String c : List.of("dev.kiln.compiler.KilnCompilerService", "dev.kiln.abi.Target",
                "dev.kiln.arch.x86_64.X86_64Backend", "dev.kiln.arch.aarch64.Aarch64Backend")) {
            path.add(Path.of(Class.forName(c).getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        return path;
    }

    @Test
    void everyBuildIsMeasuredOnceEachIterationInItsOwnLoader() throws Exception {
        List<String> order = new ArrayList<>();
        List<CompareBuilds.Build> builds = CompareBuilds.compare(MODULE, "test.wat", 3, List.of("a", "b"),
                List.of(thisBuild(), thisBuild()), (i, b) -> order.add(i + b.name()));
        assertEquals(List.of("0a", "0b", "1b", "1a", "2a", "2b"), order, "each iteration starts with the next build");
        for (CompareBuilds.Build b : builds) {
            assertEquals(3, b.sumMillis().length);
            assertTrue(b.allocatedBytes() > 0, b.name());
            assertTrue(b.least() <= b.median() && b.median() <= b.greatest(), b.name());
        }
        assertEquals(List.of("a", "b"), builds.stream().map(CompareBuilds.Build::name).toList());
    }

    @Test
    void aClassPathWithoutTheCompilerIsACleanError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> CompareBuilds.compare(MODULE,
                "test.wat", 1, List.of("empty"), List.of(List.of()), (i, b) -> { }));
        assertTrue(e.getMessage().startsWith("empty: "), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CompareBuilds.compare(MODULE, "test.wat", 0, List.of("a"), List.of(List.of()), (i, b) -> { }));
    }
}
