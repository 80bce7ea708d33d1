package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.fuzz.InputFuzzer.Result;
import dev.kiln.fuzz.InputFuzzer.Target;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI's smoke run of mutation fuzzing (fixed seeds): mutated binaries through the decoder,
 * validator and compiler, mutated text through the WAT parser, mutated artifacts through the loader in
 * a child JVM. Every input ends, accepted or rejected with a documented exception.
 */
class InputFuzzSmokeTest {
    /**
     * Whether a mutated artifact may still crash the JVM or escape with an undocumented exception. It
     * may not: artifacts carry a checksum of every byte ({@code .kiln.checksum}) that the loader
     * verifies before it maps or parses anything.
     */
    private static final boolean LOADER_TRUSTS_ARTIFACTS = false;

    private static InputFuzzer fuzz(Path work, int count, List<Target> targets, long seed) throws Exception {
        InputFuzzer fuzzer = new InputFuzzer(seed, work, Path.of("target", "fuzz-findings"), 20_000);
        try (fuzzer) {
            fuzzer.run(count, targets, new PrintStream(System.out, true, StandardCharsets.UTF_8));
        }
        return fuzzer;
    }

    private static void assertBothOutcomes(InputFuzzer f, Target t, int count) {
        Map<Result, Integer> c = f.counts().get(t);
        assertEquals(count, c.values().stream().mapToInt(Integer::intValue).sum());
        assertTrue(f.count(t, Result.ACCEPTED) > 0 && f.count(t, Result.REJECTED) > 0,
                "mutations both keep and break inputs: " + c);
    }

    @Test
    void decoderValidatorAndCompilerRejectMutatedBinariesCleanly(@TempDir Path work) throws Exception {
        InputFuzzer f = fuzz(work, 600, List.of(Target.BINARY), 11);
        assertEquals(Map.of(), f.problems());
        assertBothOutcomes(f, Target.BINARY, 600);
    }

    @Test
    void watParserRejectsMutatedTextCleanly(@TempDir Path work) throws Exception {
        InputFuzzer f = fuzz(work, 600, List.of(Target.TEXT), 12);
        assertEquals(Map.of(), f.problems());
        assertBothOutcomes(f, Target.TEXT, 600);
    }

    @Test
    void loaderOnMutatedArtifacts(@TempDir Path work) throws Exception {
        InputFuzzer f = fuzz(work, 150, List.of(Target.ARTIFACT), 13);
        System.out.println("artifact mutations: " + f.counts().get(Target.ARTIFACT));
        assertEquals(0, f.count(Target.ARTIFACT, Result.HANG), f.problems().toString());
        if (!LOADER_TRUSTS_ARTIFACTS) {
            assertEquals(Map.of(), f.problems());
        }
        assertBothOutcomes(f, Target.ARTIFACT, 150);
    }
}
