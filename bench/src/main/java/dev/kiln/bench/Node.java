package dev.kiln.bench;

import dev.kiln.bench.engines.LoadedKernel;
import dev.kiln.bench.engines.NativeEngine;
import dev.kiln.bench.engines.NotAvailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * V8 through node, outside JMH: runs {@code bench/node/kernels.mjs} on the same {@code .wasm} files and
 * reads its JSON lines. Its timing loop mirrors JMH's (warmup, then iterations of at least the
 * iteration time, mean and 99.9% confidence half-width), but it is a separate process and a different
 * harness, which the report says.
 */
final class Node {
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|[-\\w.+]+)");

    private Node() {
    }

    /** Times {@code kernels} on node; every kernel gets a cell, n/a with the reason when it did not run. */
    static Map<String, Report.Cell> run(List<Kernel> kernels, Report.Settings s, Map<String, Report.Cell> nativeRow) {
        Map<String, Report.Cell> row = new LinkedHashMap<>();
        Path script = Path.of("bench/node/kernels.mjs");
        String why = null;
        if (!Files.isRegularFile(script)) {
            why = "bench/node/kernels.mjs not found (run from the repository root)";
        } else if (KernelFiles.directory().isEmpty()) {
            why = "the kernels are not in a directory";
        } else if (!onPath("node")) {
            why = "node is not installed";
        }
        if (why != null) {
            for (Kernel k : kernels) {
                row.put(k.name(), Report.Cell.na(why));
            }
            return row;
        }
        List<String> cmd = new ArrayList<>(List.of("node", "--no-warnings", script.toString(),
                KernelFiles.directory().get().toString(), Double.toString(s.warmup() * s.seconds()),
                Double.toString(s.seconds()), Integer.toString(s.iterations())));
        for (Kernel k : kernels) {
            cmd.add(k.name() + "=" + k.benchN());
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            for (String line : text.lines().toList()) {
                Map<String, String> f = new LinkedHashMap<>();
                Matcher m = FIELD.matcher(line);
                while (m.find()) {
                    String v = m.group(2);
                    f.put(m.group(1), v.startsWith("\"") ? v.substring(1, v.length() - 1).replace("\\\"", "\"") : v);
                }
                String name = f.get("kernel");
                if (name == null) {
                    continue;
                }
                if (f.containsKey("na")) {
                    row.put(name, Report.Cell.na(f.get("na")));
                    continue;
                }
                int checksum = (int) Long.parseLong(f.get("checksum"));
                int expected = nativeChecksum(Kernel.named(name));
                row.put(name, checksum != expected
                        ? Report.Cell.na(String.format(Locale.ROOT, "wrong checksum 0x%08x (native: 0x%08x)", checksum, expected))
                        : new Report.Cell(Double.parseDouble(f.get("msPerOp")), parseOrNaN(f.get("error")), null));
            }
        } catch (IOException | RuntimeException | NotAvailableException e) {
            why = "node failed: " + NotAvailableException.reasonOf(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        for (Kernel k : kernels) {
            row.putIfAbsent(k.name(), Report.Cell.na(why != null ? why : "node printed no result"));
        }
        return row;
    }

    private static double parseOrNaN(String v) {
        try {
            return v == null ? Double.NaN : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static int nativeChecksum(Kernel k) throws NotAvailableException {
        try (LoadedKernel l = new NativeEngine().load(k.name(), KernelFiles.wasm(k.name()))) {
            return l.run(k.benchN());
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** node's version, or "not installed". */
    static String version() {
        if (!onPath("node")) {
            return "not installed";
        }
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return v;
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
