package dev.kiln.bench;

import dev.kiln.bench.engines.WasmEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders {@link Report}'s results as Markdown and its chart as SVG. */
final class Markdown {
    private Markdown() {
    }

    static String render(String date, String platform, Report.Settings s, List<WasmEngine> engines, List<Kernel> kernels,
            Map<String, Map<String, Report.Cell>> cells, String unavailable, String graalRuntime,
            List<String[]> decodeRows, String svg) {
        StringBuilder b = new StringBuilder();
        b.append("# Kiln benchmark report, ").append(date).append("\n\n");
        b.append("Written by `bench/report` (see `bench/README.md`). Machine: ").append(cpu()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch"))
                .append("; JVM: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.vm.version")).append(".\n");
        if (platform != null) {
            b.append("Every benchmark fork (the Wasm engines and the native baseline alike) ran on **").append(platform)
                    .append("**.\n");
        }
        b.append(String.format(Locale.ROOT, "JMH 1.37, average time, 1 fork per case, %d warmup and %d measurement "
                + "iterations of %.1f s; errors are JMH's 99.9%% confidence half-widths.%n%n",
                s.warmup(), s.iterations(), s.seconds()));
        if (unavailable != null) {
            b.append("**The kernels were not built, so there are no kernel results:** ").append(unavailable).append("\n\n");
        } else {
            kernelSection(b, engines, kernels, cells, graalRuntime, svg);
        }
        if (!decodeRows.isEmpty()) {
            b.append("## Decode + validate (Kiln's front end)\n\n");
            b.append("| module | bytes | ms/op | MB/s |\n|---|---:|---:|---:|\n");
            for (String[] r : decodeRows) {
                b.append("| ").append(String.join(" | ", r)).append(" |\n");
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void kernelSection(StringBuilder b, List<WasmEngine> engines, List<Kernel> kernels,
            Map<String, Map<String, Report.Cell>> cells, String graalRuntime, String svg) {
        List<String> cols = new ArrayList<>(cells.keySet());
        b.append("## Engines\n\n| engine | what |\n|---|---|\n");
        for (WasmEngine e : engines) {
            String d = e.description();
            if (e.id().equals("graalwasm")) {
                d += "; Truffle runtime in the benchmark JVM: **" + graalRuntime + "** (\"Interpreted\" would mean no "
                        + "optimizing compiler; the benchmark refuses to run then)";
            }
            b.append("| ").append(e.id()).append(" | ").append(d).append(" |\n");
        }
        if (cells.containsKey("v8-node")) {
            b.append("| v8-node | V8 in node ").append(Node.version()).append(", timed by `bench/node/kernels.mjs` "
                    + "outside JMH (same loop shape, different harness) |\n");
        }
        b.append("\nKernels (C, `bench/src/main/c`, compiled by ").append(KernelFiles.compiler())
                .append(" with `-O2` to wasm32 and to native code; a `(simd)` row is the same source built for wasm32 with "
                        + "`-O2 -msimd128`, against the same native code):\n\n");
        for (Kernel k : kernels) {
            b.append("- `").append(k.label()).append("` (n = ").append(k.benchN()).append("): ").append(k.summary()).append('\n');
        }

        Map<String, Integer> notes = new LinkedHashMap<>();
        b.append("\n## Time per call (ms/op) and ratio to native\n\n| kernel |");
        for (String c : cols) {
            b.append(' ').append(c).append(" |");
        }
        b.append("\n|---|");
        b.append("---:|".repeat(cols.size()));
        b.append('\n');
        for (Kernel k : kernels) {
            Report.Cell nat = cells.get("native").get(k.name());
            b.append("| ").append(k.label()).append(" |");
            for (String c : cols) {
                Report.Cell cell = cells.get(c).get(k.name());
                if (cell == null || !cell.ok()) {
                    String key = c + ": " + (cell == null ? "not run" : cell.na());
                    int note = notes.computeIfAbsent(key, x -> notes.size() + 1);
                    b.append(" n/a [").append(note).append("] |");
                } else {
                    b.append(' ').append(num(cell.ms())).append(" ± ").append(num(cell.error()));
                    if (nat != null && nat.ok() && !c.equals("native")) {
                        b.append(" (×").append(ratio(cell.ms() / nat.ms())).append(')');
                    }
                    b.append(" |");
                }
            }
            b.append('\n');
        }
        for (var group : groups(kernels).entrySet()) {
            b.append("| **geomean ratio to native").append(group.getKey()).append("** |");
            for (String c : cols) {
                double[] g = geomean(group.getValue(), cells.get(c), cells.get("native"));
                b.append(g[1] == 0 ? " n/a |" : " ×" + ratio(g[0]) + " (" + (int) g[1] + " kernels) |");
            }
            b.append('\n');
        }
        b.append('\n');
        if (!notes.isEmpty()) {
            b.append("Not available (the engine's own message):\n\n");
            notes.forEach((text, n) -> b.append(n).append(". ").append(text).append('\n'));
            b.append('\n');
        }
        b.append("![time relative to native code](").append(svg).append(")\n\n");

        b.append("## Kiln against each engine (Kiln's time / the other's; below 1 means Kiln is faster)\n\n");
        Map<String, Report.Cell> kiln = cells.get("kiln");
        if (kiln == null || kiln.values().stream().noneMatch(c -> c != null && c.ok())) {
            b.append("Kiln ran none of the kernels in this run (see the notes above).\n\n");
            return;
        }
        List<String> others = cols.stream().filter(c -> !c.equals("kiln")).toList();
        b.append("| kernel |");
        for (String c : others) {
            b.append(" vs ").append(c).append(" |");
        }
        b.append("\n|---|").append("---:|".repeat(others.size())).append('\n');
        for (Kernel k : kernels) {
            Report.Cell kc = kiln.get(k.name());
            if (kc == null || !kc.ok()) {
                continue;
            }
            b.append("| ").append(k.label()).append(" |");
            for (String c : others) {
                Report.Cell oc = cells.get(c).get(k.name());
                b.append(oc != null && oc.ok() ? " " + ratio(kc.ms() / oc.ms()) + " |" : " n/a |");
            }
            b.append('\n');
        }
        for (var group : groups(kernels).entrySet()) {
            b.append("| **geomean").append(group.getKey()).append("** |");
            for (String c : others) {
                double[] g = geomean(group.getValue(), kiln, cells.get(c));
                b.append(g[1] == 0 ? " n/a |" : " " + ratio(g[0]) + " (" + (int) g[1] + ") |");
            }
            b.append('\n');
        }
        b.append('\n');
    }

    /**
     * The kernels a geometric mean is taken over, by the suffix of its row's title: the scalar builds
     * ({@code ""}, comparable with reports from before the SIMD builds), and the SIMD builds when there are any.
     */
    private static Map<String, List<Kernel>> groups(List<Kernel> kernels) {
        Map<String, List<Kernel>> groups = new LinkedHashMap<>();
        List<Kernel> scalar = kernels.stream().filter(k -> !k.simd()).toList();
        if (!scalar.isEmpty()) {
            groups.put("", scalar);
        }
        List<Kernel> simd = kernels.stream().filter(Kernel::simd).toList();
        if (!simd.isEmpty()) {
            groups.put(", SIMD builds", simd);
        }
        return groups;
    }

    /** The SVG chart: every column but native, as a ratio to native. */
    static String chart(List<Kernel> kernels, Map<String, Map<String, Report.Cell>> cells) {
        List<String> cols = cells.keySet().stream().filter(c -> !c.equals("native")).toList();
        double[][] r = new double[kernels.size()][cols.size()];
        for (int k = 0; k < kernels.size(); k++) {
            Report.Cell nat = cells.get("native").get(kernels.get(k).name());
            for (int e = 0; e < cols.size(); e++) {
                Report.Cell c = cells.get(cols.get(e)).get(kernels.get(k).name());
                r[k][e] = c != null && c.ok() && nat != null && nat.ok() ? c.ms() / nat.ms() : Double.NaN;
            }
        }
        return RatioChart.svg("Kiln and peers vs native code", kernels.stream().map(Kernel::label).toList(), cols, r);
    }

    /** {geomean of a/b over kernels where both ran, count}. */
    private static double[] geomean(List<Kernel> kernels, Map<String, Report.Cell> a, Map<String, Report.Cell> b) {
        double sum = 0;
        int n = 0;
        for (Kernel k : kernels) {
            Report.Cell x = a.get(k.name());
            Report.Cell y = b.get(k.name());
            if (x != null && x.ok() && y != null && y.ok() && x.ms() > 0 && y.ms() > 0) {
                sum += Math.log(x.ms() / y.ms());
                n++;
            }
        }
        return new double[] {n == 0 ? Double.NaN : Math.exp(sum / n), n};
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "?";
        }
        double a = Math.abs(v);
        String f = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : a >= 0.01 ? "%.3f" : "%.2g";
        return String.format(Locale.ROOT, f, v);
    }

    private static String ratio(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : v >= 0.1 ? "%.2f" : "%.2g", v);
    }

    private static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }
}
