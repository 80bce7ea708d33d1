package dev.kiln.bench;

import dev.kiln.bench.engines.GraalWasmEngine;
import dev.kiln.bench.engines.WasmEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The side-by-side comparison: probes which engine runs which kernel, runs {@link KernelBenchmark} with
 * JMH for every runnable pair (one fork each, GraalWasm's fork with the Graal compiler), times the same
 * kernels on V8 with node outside JMH, runs {@link DecodeValidateBenchmark}, and writes
 * {@code <out>/<date>.md} with a chart {@code <out>/<date>.svg}. Started by {@code bench/report}.
 *
 * <p>Options: {@code --out DIR} (default {@code bench/results}), {@code --quick} (1 s warmup, 3 x 0.5 s
 * measurement: a check, not a result), {@code --engines a,b}, {@code --kernels x,y},
 * {@code --warmup N --iterations N --time SECONDS}, {@code --no-node}, {@code --no-decode},
 * {@code --graal-compiler DIR} (default {@code bench/target/graal-compiler}), {@code --log FILE} (JMH's
 * own output, default {@code bench/target/report-jmh.log}), {@code --jvm PATH} (the JVM JMH's forks run on,
 * e.g. the emulated AArch64 one of {@code .ci/aarch64-sysroot}; the probe still runs in this JVM),
 * {@code --platform TEXT} (what the forks run on, printed at the top of the report), {@code --name NAME}
 * (the report's file name without extension, default the date).
 */
public final class Report {
    private Report() {
    }

    /** A measured time per call, or why there is none. */
    record Cell(double ms, double error, String na) {
        static Cell na(String reason) {
            return new Cell(Double.NaN, Double.NaN, reason);
        }

        boolean ok() {
            return na == null;
        }
    }

    /** The JVM flags that make GraalWasm run optimized on a stock JDK: JVMCI plus the Graal compiler jars. */
    public static List<String> graalJvmArgs(Path compilerDir) {
        try (Stream<Path> jars = Files.list(compilerDir)) {
            String path = String.join(java.io.File.pathSeparator, jars.filter(p -> p.toString().endsWith(".jar"))
                    .map(p -> p.toAbsolutePath().toString()).sorted().toList());
            if (path.isEmpty()) {
                throw new IllegalStateException("no jars in " + compilerDir);
            }
            return List.of("-XX:+UnlockExperimentalVMOptions", "-XX:+EnableJVMCI", "--upgrade-module-path=" + path);
        } catch (IOException e) {
            throw new UncheckedIOException("the Graal compiler jars are not in " + compilerDir
                    + " (they are copied there by the bench module's build)", e);
        }
    }

    /** Runs the comparison; see the class comment for the options. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of("bench/results");
        Path graalDir = Path.of("bench/target/graal-compiler");
        Path log = Path.of("bench/target/report-jmh.log");
        int warmup = 6;
        int iterations = 5;
        double time = 1;
        boolean node = true;
        boolean decode = true;
        List<String> engineIds = WasmEngine.ids();
        List<String> kernelNames = Kernel.ALL.stream().map(Kernel::name).toList();
        String jvm = null;
        String platform = null;
        String name = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--graal-compiler" -> graalDir = Path.of(args[++i]);
                case "--log" -> log = Path.of(args[++i]);
                case "--quick" -> {
                    warmup = 2;
                    iterations = 3;
                    time = 0.5;
                }
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--iterations" -> iterations = Integer.parseInt(args[++i]);
                case "--time" -> time = Double.parseDouble(args[++i]);
                case "--engines" -> engineIds = List.of(args[++i].split(","));
                case "--kernels" -> kernelNames = List.of(args[++i].split(","));
                case "--no-node" -> node = false;
                case "--no-decode" -> decode = false;
                case "--jvm" -> jvm = args[++i];
                case "--platform" -> platform = args[++i];
                case "--name" -> name = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (options: --out DIR --quick --engines a,b --kernels x,y --warmup N --iterations N "
                        + "--time S --no-node --no-decode --graal-compiler DIR --log FILE --jvm PATH --platform TEXT --name NAME)");
            }
        }
        List<WasmEngine> engines = new ArrayList<>();
        if (!engineIds.contains("native")) {
            engines.add(WasmEngine.byId("native").orElseThrow());
        }
        for (String id : engineIds) {
            engines.add(WasmEngine.byId(id).orElseThrow(() -> new IllegalArgumentException("no engine " + id
                    + "; engines: " + WasmEngine.ids())));
        }
        List<Kernel> kernels = kernelNames.stream().map(Kernel::named).toList();
        Files.createDirectories(out);
        Files.createDirectories(log.toAbsolutePath().getParent());
        Files.deleteIfExists(log);
        String date = LocalDate.now().toString();
        String base = name == null ? date : name;
        Settings settings = new Settings(warmup, iterations, time, jvm);

        Map<String, Map<String, Cell>> cells = new LinkedHashMap<>();
        String unavailable = KernelFiles.unavailableReason().orElse(null);
        String graalRuntime = "not run";
        if (unavailable == null) {
            System.out.println("bench/report: probing " + engines.size() + " engines x " + kernels.size() + " kernels");
            for (Probe.Outcome o : Probe.run(engines, kernels, true)) {
                cells.computeIfAbsent(o.engine(), e -> new LinkedHashMap<>()).put(o.kernel(),
                        o.ok() ? null : Cell.na(o.reason()));
            }
            List<String> graalArgs = List.of();
            if (engines.stream().anyMatch(e -> e.id().equals("graalwasm"))) {
                try {
                    graalArgs = graalJvmArgs(graalDir);
                    graalRuntime = graalRuntimeName(graalArgs);
                } catch (RuntimeException e) {
                    graalRuntime = "unavailable: " + e.getMessage();
                    for (Kernel k : kernels) {
                        cells.get("graalwasm").put(k.name(), Cell.na("no Graal compiler: " + e.getMessage()));
                    }
                }
            }
            int total = 0;
            for (var row : cells.values()) {
                total += (int) row.values().stream().filter(c -> c == null).count();
            }
            int done = 0;
            for (WasmEngine e : engines) {
                for (Kernel k : kernels) {
                    if (cells.get(e.id()).get(k.name()) != null) {
                        continue;
                    }
                    Cell scalarNative = k.simd() && e.id().equals("native") ? cells.get("native").get(k.source()) : null;
                    if (scalarNative != null && scalarNative.ok()) {
                        // a SIMD build's baseline is its source's native library, measured already
                        cells.get("native").put(k.name(), scalarNative);
                        total--;
                        continue;
                    }
                    done++;
                    System.out.printf(Locale.ROOT, "bench/report: [%d/%d] %s %s%n", done, total, e.id(), k.name());
                    cells.get(e.id()).put(k.name(), jmh(settings, log, e.id(), k.name(),
                            e.id().equals("graalwasm") ? graalArgs : List.of()));
                }
            }
            if (node) {
                System.out.println("bench/report: V8 (node)");
                cells.put("v8-node", Node.run(kernels, settings, cells.get("native")));
            }
        }
        List<String[]> decodeRows = decode ? decodeValidate(settings, log) : List.of();
        String md = Markdown.render(date, platform, settings, engines, kernels, cells, unavailable, graalRuntime,
                decodeRows, base + ".svg");
        Files.writeString(out.resolve(base + ".md"), md);
        if (unavailable == null) {
            Files.writeString(out.resolve(base + ".svg"), Markdown.chart(kernels, cells));
        }
        System.out.println("bench/report: wrote " + out.resolve(base + ".md") + " (JMH log: " + log + ")");
    }

    /**
     * Warmup and measurement settings, and the JVM the forks run on ({@code null}: the one running the
     * report).
     */
    record Settings(int warmup, int iterations, double seconds, String jvm) {
        TimeValue timeValue() {
            return TimeValue.milliseconds(Math.round(seconds * 1000));
        }
    }

    private static String graalRuntimeName(List<String> graalArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(graalArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GraalWasmEngine.class.getName()));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            List<String> lines = text.lines().filter(l -> !l.startsWith("WARNING")).toList();
            return lines.isEmpty() ? "unknown" : lines.getLast().strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static Cell jmh(Settings s, Path log, String engine, String kernel, List<String> extraJvmArgs) {
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(Pattern.quote(KernelBenchmark.class.getName()) + "\\.run$")
                .param("engine", engine).param("kernel", kernel)
                .forks(1).warmupIterations(s.warmup()).warmupTime(s.timeValue())
                .measurementIterations(s.iterations()).measurementTime(s.timeValue())
                .timeUnit(TimeUnit.MILLISECONDS).output(log.toString());
        if (s.jvm() != null) {
            o.jvm(s.jvm());
        }
        if (!extraJvmArgs.isEmpty()) {
            o.jvmArgsPrepend(extraJvmArgs.toArray(String[]::new));
        }
        try {
            Collection<RunResult> results = new Runner(o.build()).run();
            for (RunResult r : results) {
                return new Cell(r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(), null);
            }
            return Cell.na("the JMH run failed: " + lastError(log));
        } catch (RunnerException e) {
            return Cell.na("the JMH run failed: " + e.getMessage());
        }
    }

    /** The last exception line JMH wrote to its log, for an n/a reason. */
    private static String lastError(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                Matcher m = Pattern.compile("^(?:Caused by: )?[\\w.$]+(?:Exception|Error): (.*)$").matcher(lines.get(i));
                if (m.find()) {
                    return m.group(1).strip();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return "see the JMH log";
    }

    private static List<String[]> decodeValidate(Settings s, Path log) throws RunnerException {
        System.out.println("bench/report: decode + validate");
        ChainedOptionsBuilder o = new OptionsBuilder()
                .include(Pattern.quote(DecodeValidateBenchmark.class.getName()))
                .forks(1).warmupIterations(s.warmup()).warmupTime(s.timeValue())
                .measurementIterations(s.iterations()).measurementTime(s.timeValue())
                .timeUnit(TimeUnit.MILLISECONDS).output(log.toString());
        if (s.jvm() != null) {
            o.jvm(s.jvm());
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            String module = r.getParams().getParam("module");
            long size = resourceSize(module);
            double ms = r.getPrimaryResult().getScore();
            rows.add(new String[] {module, String.format(Locale.ROOT, "%,d", size),
                String.format(Locale.ROOT, "%.2f ± %.2f", ms, r.getPrimaryResult().getScoreError()),
                String.format(Locale.ROOT, "%.0f", size / 1e6 / (ms / 1e3))});
        }
        return rows;
    }

    private static long resourceSize(String name) {
        try (InputStream in = Report.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? 0 : in.readAllBytes().length;
        } catch (IOException e) {
            return 0;
        }
    }
}
