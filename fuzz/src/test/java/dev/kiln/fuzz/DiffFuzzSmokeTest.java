package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CI's smoke run of the differential fuzzer: a few hundred cases with fixed seeds, half from
 * binaryen's translate-to-fuzz and half from {@link WatGenerator}, each run in Kiln and in V8; not
 * one may differ, crash or hang. Findings are kept with their reproduction files in
 * {@code target/fuzz-findings} (reduce one with {@code fuzz/run reduce DIR}).
 */
class DiffFuzzSmokeTest {
    private static final int CASES = 240;

    @Test
    void kilnAgreesWithV8OnFixedSeeds() throws Exception {
        Tooling.require("node", "nodejs");
        Tooling.require("wasm-opt", "binaryen");
        Path target = Path.of("target");
        var config = new DiffFuzzer.Config(20_000, CASES, Long.MAX_VALUE, List.of(DiffFuzzer.Source.TTF, DiffFuzzer.Source.WAT),
                target.resolve("fuzz-work"), target.resolve("fuzz-findings"), 0, WatGenerator.Options.ALL, 20_000);
        try (DiffFuzzer fuzzer = new DiffFuzzer(config)) {
            fuzzer.run(new PrintStream(System.out, true, StandardCharsets.UTF_8));
            int cases = fuzzer.counts().values().stream().mapToInt(Integer::intValue).sum();
            System.out.println("differential smoke run: " + fuzzer.counts() + "; " + fuzzer.observations());
            assertEquals(List.of(), fuzzer.findings());
            assertEquals(0, fuzzer.generatorFailures(), "every generated module parses");
            assertEquals(CASES, cases);
            int ok = fuzzer.counts().getOrDefault(DiffFuzzer.Category.OK, 0);
            assertTrue(ok >= CASES * 9 / 10, "most cases compare to the end: " + fuzzer.counts());
            assertTrue(fuzzer.observations().getOrDefault("calls returned", 0) >= CASES,
                    "calls return values, not only traps: " + fuzzer.observations());
            assertTrue(fuzzer.observations().getOrDefault("host calls", 0) >= CASES, fuzzer.observations().toString());
        }
    }
}
