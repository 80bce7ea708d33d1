package dev.kiln.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes the per-file table of a spec testsuite run as Markdown: file, commands passed / failed /
 * skipped, and totals. Stateless and thread-safe.
 */
public final class SpecReport {
    private SpecReport() {
    }

    /** The report text for {@code results} (in the order given) of the suite in {@code suite}. */
    public static String render(String suite, List<SpecRunner.FileResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Spec testsuite report\n\n");
        sb.append("Suite: `").append(suite).append("`. Non-executing commands (module, assert_malformed, "
                + "assert_invalid) run through the decoder and validator; commands that need execution are skipped.\n\n");
        sb.append("| file | passed | failed | skipped |\n|---|---:|---:|---:|\n");
        long p = 0;
        long f = 0;
        long s = 0;
        for (SpecRunner.FileResult r : results) {
            long rp = r.count(SpecRunner.Outcome.PASSED);
            long rf = r.count(SpecRunner.Outcome.FAILED) + (r.error() != null ? 1 : 0);
            long rs = r.count(SpecRunner.Outcome.SKIPPED);
            p += rp;
            f += rf;
            s += rs;
            sb.append("| ").append(r.file()).append(" | ").append(rp).append(" | ").append(rf).append(" | ").append(rs)
                    .append(" |\n");
        }
        sb.append("| **total** (").append(results.size()).append(" files) | **").append(p).append("** | **").append(f)
                .append("** | **").append(s).append("** |\n");
        return sb.toString();
    }

    /** Writes {@link #render} to {@code file}, creating its directory. */
    public static void write(Path file, String suite, List<SpecRunner.FileResult> results) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, render(suite, results));
    }
}
