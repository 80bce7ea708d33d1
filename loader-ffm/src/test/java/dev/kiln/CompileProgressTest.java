package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileOptions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Module.Builder#progress}: one report per defined function, counts that only grow, and a cache hit that reports none. */
class CompileProgressTest {
    private record Report(int done, int total, long bytesDone, long bytesTotal) {
    }

    private static byte[] module(int functions) {
        StringBuilder wat = new StringBuilder("(module (import \"env\" \"f\" (func (param i32) (result i32)))\n");
        for (int i = 0; i < functions; i++) {
            wat.append("  (func (export \"f").append(i).append("\") (param i32) (result i32) (i32.add (local.get 0) (i32.const ")
                    .append(i).append(")))\n");
        }
        return wat.append(")").toString().getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void everyDefinedFunctionIsReportedOnce(int parallelism) {
        List<Report> reports = new CopyOnWriteArrayList<>();
        Engine engine = Engine.builder().compileOptions(new CompileOptions(false, parallelism, -1)).build();
        Module.builder(engine).progress((d, t, b, bt) -> reports.add(new Report(d, t, b, bt))).compile(module(40));
        assertEquals(40, reports.size());
        Report last = reports.stream().max(java.util.Comparator.comparingInt(Report::done)).orElseThrow();
        assertEquals(new Report(40, 40, last.bytesTotal(), last.bytesTotal()), last, "the import is not counted");
        assertTrue(last.bytesTotal() > 40 * 5, last::toString);
        for (int i = 1; i <= 40; i++) {
            int n = i;
            assertEquals(1, reports.stream().filter(r -> r.done() == n).count(), "done = " + n + " reported once");
        }
    }

    @org.junit.jupiter.api.Test
    void aCacheHitReportsNothing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Engine engine = Engine.builder().compileCache(CompileCache.open(dir, CompileCache.DEFAULT_MAX_BYTES, m -> { })).build();
        List<Report> reports = new CopyOnWriteArrayList<>();
        Module.builder(engine).progress((d, t, b, bt) -> reports.add(new Report(d, t, b, bt))).compile(module(3));
        assertEquals(3, reports.size());
        reports.clear();
        Module.builder(engine).progress((d, t, b, bt) -> reports.add(new Report(d, t, b, bt))).compile(module(3));
        assertEquals(List.of(), reports);
    }
}
