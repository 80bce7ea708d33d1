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
        sb.append("Suite: `").append(suite).append("`. Every module is decoded, validated, compiled to native "
                + "code and instantiated; actions and assertions run against it. A command Kiln cannot run yet is "
                + "counted as skipped, never as passed; the reasons are listed below the table.\n\n");
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
        java.util.Map<String, Long> reasons = new java.util.TreeMap<>();
        for (SpecRunner.FileResult r : results) {
            for (SpecRunner.CommandResult c : r.commands()) {
                if (c.outcome() == SpecRunner.Outcome.SKIPPED) {
                    reasons.merge(reasonKey(c.detail()), 1L, Long::sum);
                }
            }
        }
        if (!reasons.isEmpty()) {
            sb.append("\n## Why commands were skipped\n\n| commands | reason |\n|---:|---|\n");
            reasons.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                    .forEach(e -> sb.append("| ").append(e.getValue()).append(" | ").append(e.getKey()).append(" |\n"));
        }
        return sb.toString();
    }

    /** A skip reason without the details that vary per command (lines, function indices, offsets). */
    static String reasonKey(String detail) {
        String d = detail.replaceAll("module at line \\d+ is not executable yet: ", "")
                .replaceAll("\\(in function \\d+, at byte offset \\d+\\)", "")
                .replaceAll("function \\d+", "function N")
                .replaceAll("line \\d+", "line N")
                .replace("|", "/");
        return d.length() > 120 ? d.substring(0, 120) + "..." : d;
    }

    /** Writes {@link #render} to {@code file}, creating its directory. */
    public static void write(Path file, String suite, List<SpecRunner.FileResult> results) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, render(suite, results));
    }
}
