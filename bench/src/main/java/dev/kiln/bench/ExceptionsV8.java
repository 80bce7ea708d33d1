package dev.kiln.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table of {@code bench/exceptions-v8}: {@link ExceptionBenchmark} on Kiln (JMH's CSV result, both
 * encodings) next to V8 on the legacy module ({@code bench/node/kernels.mjs}'s JSON lines), in nanoseconds
 * per loop iteration, with the ratio Kiln / V8 on the same legacy bytes.
 *
 * <p>Usage: {@code ExceptionsV8 KILN_CSV V8_JSONL}; prints Markdown.
 */
public final class ExceptionsV8 {
    private ExceptionsV8() {
    }

    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|[-\\w.+]+)");

    /** Prints the table for the JMH CSV {@code args[0]} and node's output {@code args[1]}. */
    public static void main(String[] args) throws IOException {
        // benchmark -> encoding -> {score, error} in ns per iteration
        Map<String, Map<String, double[]>> kiln = new LinkedHashMap<>();
        List<String> csv = Files.readAllLines(Path.of(args[0]));
        List<String> header = splitCsv(csv.getFirst());
        int score = header.indexOf("Score");
        int error = header.indexOf("Score Error (99.9%)");
        int encoding = header.indexOf("Param: encoding");
        for (String line : csv.subList(1, csv.size())) {
            List<String> f = splitCsv(line);
            String bench = f.getFirst().substring(f.getFirst().lastIndexOf('.') + 1);
            kiln.computeIfAbsent(bench, k -> new LinkedHashMap<>()).put(f.get(encoding),
                    new double[] {parse(f.get(score)), parse(f.get(error))});
        }
        Map<String, double[]> v8 = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            Map<String, String> f = new LinkedHashMap<>();
            Matcher m = FIELD.matcher(line);
            while (m.find()) {
                String v = m.group(2);
                f.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1) : v);
            }
            String name = f.get("kernel");
            if (name == null || !f.containsKey("msPerOp")) {
                continue;
            }
            double perIteration = 1e6 / Double.parseDouble(f.get("n"));
            v8.put(name.substring(name.indexOf('@') + 1), new double[] {
                    Double.parseDouble(f.get("msPerOp")) * perIteration, parse(f.get("error")) * perIteration});
        }
        StringBuilder out = new StringBuilder();
        out.append("| per iteration (ns) | Kiln, try_table | Kiln, legacy | V8 (node ").append(Node.version())
                .append("), legacy | Kiln / V8 (legacy) |\n|---|---:|---:|---:|---:|\n");
        for (String bench : LegacyExceptionKernel.EXPORTS) {
            Map<String, double[]> k = kiln.getOrDefault(bench, Map.of());
            double[] legacy = k.get("legacy");
            double[] v = v8.get(bench);
            out.append("| `").append(bench).append("` | ").append(cell(k.get("try_table"))).append(" | ")
                    .append(cell(legacy)).append(" | ").append(cell(v)).append(" | ")
                    .append(legacy != null && v != null ? String.format(Locale.ROOT, "%.3fx", legacy[0] / v[0]) : "n/a")
                    .append(" |\n");
        }
        System.out.print(out);
    }

    private static String cell(double[] v) {
        if (v == null) {
            return "n/a";
        }
        return Double.isNaN(v[1]) ? String.format(Locale.ROOT, "%.1f", v[0])
                : String.format(Locale.ROOT, "%.1f ± %.1f", v[0], v[1]);
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** One line of JMH's CSV: comma-separated fields, some in double quotes. */
    private static List<String> splitCsv(String line) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
