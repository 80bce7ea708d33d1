package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Engine;
import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CompareArtifacts}: a kernel compiled twice, with guard-page and with explicit bounds checks
 * (different bytes, the same results), the same artifact in both directories, a kernel missing from
 * one, and an artifact whose checksum differs.
 */
class CompareArtifactsTest {
    private static void compile(String kernel, CompileOptions options, Path to) throws IOException {
        Engine engine = Engine.builder().compileOptions(options).build();
        Files.write(to, dev.kiln.Module.compile(engine, KernelFiles.wasm(kernel)).serialize());
    }

    private static final CompileOptions HOST = CompileOptions.defaults();
    private static final CompileOptions EXPLICIT = CompileOptions.defaults().withBoundsChecks(BoundsChecks.EXPLICIT);

    @Test
    void differingArtifactsAreRunInTurnAndTheSameOnesAreNot(@TempDir Path before, @TempDir Path after)
            throws IOException {
        // sieve's memory accesses: no check with guard pages, a compare and branch with explicit checks
        compile("sieve", HOST, before.resolve("sieve.kiln"));
        compile("sieve", EXPLICIT, after.resolve("sieve.kiln"));
        compile("fib", HOST, before.resolve("fib.kiln"));
        compile("fib", HOST, after.resolve("fib.kiln"));
        compile("collatz", HOST, before.resolve("collatz.kiln"));
        List<CompareArtifacts.Row> seen = new ArrayList<>();
        CompareArtifacts.Result r = CompareArtifacts.compare(before, after, 3, List.of("sieve", "fib", "collatz"), seen::add);
        assertEquals(List.of("fib"), r.same());
        assertEquals(List.of("collatz"), r.missing());
        assertEquals(List.of("sieve"), r.rows().stream().map(CompareArtifacts.Row::kernel).toList());
        assertEquals(r.rows(), seen);
        for (CompareArtifacts.Row row : r.rows()) {
            assertTrue(row.beforeNanos() > 0 && row.afterNanos() > 0, row.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> CompareArtifacts.compare(before, after, 0, List.of("fib"), x -> { }));
    }

    @Test
    void anArtifactThatComputesSomethingElseIsRefused(@TempDir Path before, @TempDir Path after) throws IOException {
        compile("fib", HOST, before.resolve("fib.kiln"));
        compile("collatz", HOST, after.resolve("fib.kiln")); // another kernel under fib's name
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> CompareArtifacts.compare(before, after, 2, List.of("fib"), x -> { }));
        assertTrue(e.getMessage().startsWith("fib: "), e.getMessage());
    }
}
