package dev.kiln.fuzz;

import dev.kiln.compiler.text.Wat;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Differential fuzzing: generates random valid modules ({@link TtfGenerator}, {@link WatGenerator}),
 * runs each case in Kiln (a child JVM, {@link Worker}) and in V8 (node, {@code v8-runner.js}), compares
 * the observations (results, traps, host-call traces, final memory, globals and tables; NaNs as NaN)
 * and keeps every mismatch, crash and hang in the findings directory, reduced with binaryen's
 * {@code wasm-reduce} when asked. Not thread-safe.
 */
final class DiffFuzzer implements AutoCloseable {
    /** Where cases come from. */
    enum Source { TTF, WAT }

    /** How a case ended. The first two are passes; the last three are problems of the fuzzer's inputs or of V8. */
    enum Category {
        OK, STACK_LIMITED, MISMATCH, REJECTED_VALID, ACCEPTED_INVALID, KILN_EXCEPTION, KILN_CRASH, KILN_HANG,
        INVALID_GENERATED, BOTH_HANG, REFERENCE_FAILURE;

        boolean isFinding() {
            return ordinal() >= MISMATCH.ordinal() && ordinal() <= KILN_HANG.ordinal();
        }

        String dirName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /** @param signature what stays the same while a reducer shrinks the case, e.g. {@code mismatch call} */
    record Outcome(Category category, String signature, String detail) {
    }

    /** The fuzzer's settings; {@code findings} null keeps nothing. */
    record Config(long seed, int count, long maxMillis, List<Source> sources, Path work, Path findings,
                  long reduceSeconds, WatGenerator.Options generator, long timeoutMillis) {
    }

    private final Config config;
    private final ChildProcess kiln;
    private final ChildProcess v8;
    private final Map<Category, Integer> counts = new EnumMap<>(Category.class);
    private final List<String> findings = new ArrayList<>();
    private int generatorFailures;
    private final Map<String, Integer> observations = new java.util.TreeMap<>();

    DiffFuzzer(Config config) throws IOException {
        this.config = new Config(config.seed(), config.count(), config.maxMillis(), config.sources(),
                config.work().toAbsolutePath(), config.findings() == null ? null : config.findings().toAbsolutePath(),
                config.reduceSeconds(), config.generator(), config.timeoutMillis());
        Files.createDirectories(this.config.work());
        // a fresh worker JVM every 200 cases: a case then never depends on what earlier ones left in the
        // JVM (code cache, upcall stubs), so every finding reproduces alone; one JVM running many modules
        // is the soak test's subject, not this fuzzer's
        this.kiln = ChildProcess.kilnWorker(this.config.work().resolve("kiln-worker.stderr"), 200);
        this.v8 = v8Process(this.config.work());
    }

    static ChildProcess v8Process(Path work) throws IOException {
        Path script = work.resolve("v8-runner.js");
        try (var in = DiffFuzzer.class.getResourceAsStream("v8-runner.js")) {
            Files.write(script, in.readAllBytes());
        }
        return new ChildProcess(List.of("node", "--stack-size=2000", script.toString()), "DONE",
                work.resolve("v8.stderr"), 10_000);
    }

    static boolean available() {
        return Tools.onPath("node");
    }

    Map<Category, Integer> counts() {
        return counts;
    }

    List<String> findings() {
        return findings;
    }

    /** How often each kind of observation was compared: calls that returned, calls that trapped, host calls, dumps. */
    Map<String, Integer> observations() {
        return observations;
    }

    int generatorFailures() {
        return generatorFailures;
    }

    /** Runs cases until {@code count} cases or {@code maxMillis} have passed; logs progress to {@code log}. */
    void run(PrintStream log) throws IOException, InterruptedException {
        long start = System.currentTimeMillis();
        for (int i = 0; i < config.count() && System.currentTimeMillis() - start < config.maxMillis(); i++) {
            long caseSeed = config.seed() + i;
            Source source = config.sources().get(i % config.sources().size());
            String id = source.name().toLowerCase(java.util.Locale.ROOT) + "-" + caseSeed;
            Path dir = config.work().resolve("case");
            deleteTree(dir);
            Files.createDirectories(dir);
            List<byte[]> modules;
            try {
                modules = generate(source, caseSeed, dir);
            } catch (IOException | RuntimeException e) {
                generatorFailures++;
                log.println(id + ": generator failed: " + e);
                if (e instanceof dev.kiln.abi.CompileException && config.findings() != null) {
                    // the generator's text did not parse in Kiln: keep it, it may be a WAT parser bug
                    keep(dir, id, new Outcome(Category.INVALID_GENERATED, "wat", e.getMessage()), log, false);
                }
                continue;
            }
            CaseBuilder.write(dir, modules, caseSeed);
            Properties p = new Properties();
            p.setProperty("argSeed", Long.toString(caseSeed));
            p.setProperty("source", source.name());
            p.setProperty("modules", Integer.toString(modules.size()));
            try (var w = Files.newBufferedWriter(dir.resolve("case.properties"))) {
                p.store(w, "fuzz case " + id);
            }
            Outcome outcome = runCase(dir, kiln, v8, config.timeoutMillis());
            counts.merge(outcome.category(), 1, Integer::sum);
            tally(dir.resolve("kiln.out"));
            if (outcome.category().isFinding() || outcome.category() == Category.REFERENCE_FAILURE
                    || outcome.category() == Category.INVALID_GENERATED || outcome.category() == Category.BOTH_HANG) {
                log.println(id + ": " + outcome.category().dirName() + ": " + outcome.detail());
                if (config.findings() != null) {
                    keep(dir, id, outcome, log, outcome.category().isFinding() && config.reduceSeconds() > 0);
                }
                if (outcome.category().isFinding()) {
                    findings.add(id + ": " + outcome.category().dirName() + ": " + outcome.detail());
                }
            }
            if ((i + 1) % 100 == 0) {
                log.println("after " + (i + 1) + " cases: " + counts);
            }
        }
    }

    private void tally(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            String kind = line.startsWith("call ") ? (line.contains("-> trap") ? "trap " + line.substring(line.indexOf(" # ") + 3) : "calls returned")
                    : line.startsWith("instantiate ") ? (line.endsWith(" ok") ? "instances" : "instantiations failed")
                    : line.startsWith("host ") ? "host calls" : line.startsWith("memory ") ? "memories compared"
                    : line.startsWith("global ") ? "globals compared" : line.startsWith("table ") ? "tables compared" : "other";
            observations.merge(kind, 1, Integer::sum);
        }
    }

    private List<byte[]> generate(Source source, long seed, Path dir) throws IOException, InterruptedException {
        List<byte[]> modules = new ArrayList<>();
        if (source == Source.TTF) {
            modules.add(TtfGenerator.generate(seed, dir));
            Files.deleteIfExists(dir.resolve("ttf-input.dat"));
            Files.deleteIfExists(dir.resolve("ttf.wasm"));
        } else {
            List<String> wat = new WatGenerator(seed, config.generator()).generate();
            for (int k = 0; k < wat.size(); k++) {
                Files.writeString(dir.resolve("m" + k + ".wat"), wat.get(k));
                modules.add(Wat.parseModule(wat.get(k)));
            }
        }
        return modules;
    }

    /** Runs the case in {@code dir} in both engines and compares. */
    static Outcome runCase(Path dir, ChildProcess kiln, ChildProcess v8, long timeoutMillis)
            throws IOException, InterruptedException {
        return runCase(dir, kiln, v8, timeoutMillis, true);
    }

    /** Runs the case; with {@code retryHangs}, a case that runs out of time gets a second chance. */
    static Outcome runCase(Path dir, ChildProcess kiln, ChildProcess v8, long timeoutMillis, boolean retryHangs)
            throws IOException, InterruptedException {
        Files.deleteIfExists(dir.resolve("kiln.out"));
        Files.deleteIfExists(dir.resolve("v8.out"));
        // A case that runs out of time is tried once more, in a fresh process with three times the time:
        // on a loaded machine a worker that has just (re)started can be slow for reasons of its own.
        ChildProcess.Answer v8Answer = v8.request("RUN " + dir.toAbsolutePath(), timeoutMillis);
        if (retryHangs && v8Answer.status() == ChildProcess.Status.HANG) {
            v8Answer = v8.request("RUN " + dir.toAbsolutePath(), timeoutMillis * 3);
        }
        ChildProcess.Answer kilnAnswer = kiln.request("RUN " + dir.toAbsolutePath(), timeoutMillis * 2);
        if (retryHangs && kilnAnswer.status() == ChildProcess.Status.HANG) {
            kilnAnswer = kiln.request("RUN " + dir.toAbsolutePath(), timeoutMillis * 6);
        }
        if (kilnAnswer.status() == ChildProcess.Status.CRASH) {
            return new Outcome(Category.KILN_CRASH, "kiln-crash", kilnAnswer.detail());
        }
        if (retryHangs && kilnAnswer.status() == ChildProcess.Status.HANG) {
            return v8Answer.status() == ChildProcess.Status.HANG
                    ? new Outcome(Category.BOTH_HANG, "both-hang", "V8 and Kiln both ran out of time")
                    : new Outcome(Category.KILN_HANG, "kiln-hang", kilnAnswer.detail());
        }
        if (v8Answer.status() != ChildProcess.Status.DONE) {
            return new Outcome(Category.REFERENCE_FAILURE, "v8-" + v8Answer.status(), v8Answer.detail());
        }
        if (!Files.exists(dir.resolve("kiln.out"))) {
            return new Outcome(Category.KILN_EXCEPTION, "kiln-exception", "the worker answered without output: " + kilnAnswer);
        }
        if (!Files.exists(dir.resolve("v8.out"))) {
            return new Outcome(Category.REFERENCE_FAILURE, "v8-error", "node answered without output: " + v8Answer);
        }
        List<String> k = Files.readAllLines(dir.resolve("kiln.out"), StandardCharsets.UTF_8);
        List<String> v = Files.readAllLines(dir.resolve("v8.out"), StandardCharsets.UTF_8);
        return compare(k, v);
    }

    static Outcome compare(List<String> kilnLines, List<String> v8Lines) {
        for (String line : kilnLines) {
            if (line.startsWith("error ")) {
                return new Outcome(Category.KILN_EXCEPTION, "kiln-exception", line.substring(6));
            }
        }
        for (String line : v8Lines) {
            if (line.startsWith("error ")) {
                return new Outcome(Category.REFERENCE_FAILURE, "v8-error", line.substring(6));
            }
        }
        if (allRejected(v8Lines) && allRejected(kilnLines)) {
            return new Outcome(Category.INVALID_GENERATED, "invalid", v8Lines.get(0));
        }
        int n = Math.max(kilnLines.size(), v8Lines.size());
        for (int i = 0; i < n; i++) {
            String k = i < kilnLines.size() ? strip(kilnLines.get(i)) : "(nothing)";
            String v = i < v8Lines.size() ? strip(v8Lines.get(i)) : "(nothing)";
            if (k.endsWith(Plan.EXHAUSTED) || v.endsWith(Plan.EXHAUSTED)) {
                // call stack sizes differ between engines; what follows may differ with them
                return new Outcome(Category.STACK_LIMITED, "stack", "line " + (i + 1) + ": kiln " + k + ", v8 " + v);
            }
            if (!k.equals(v)) {
                String detail = "line " + (i + 1) + ": kiln `" + kilnLines.get(Math.min(i, kilnLines.size() - 1))
                        + "`, v8 `" + (i < v8Lines.size() ? v8Lines.get(i) : "(nothing)") + "`";
                if (k.contains(" compile-error") && v.endsWith(" ok")) {
                    return new Outcome(Category.REJECTED_VALID, "rejected-valid", detail);
                }
                if (v.contains(" compile-error") && k.endsWith(" ok")) {
                    return new Outcome(Category.ACCEPTED_INVALID, "accepted-invalid", detail);
                }
                String kind = k.contains(" ") ? k.substring(0, k.indexOf(' ')) : k;
                return new Outcome(Category.MISMATCH, "mismatch " + kind, detail);
            }
        }
        return new Outcome(Category.OK, "ok", "");
    }

    private static boolean allRejected(List<String> lines) {
        return !lines.isEmpty() && lines.stream().filter(l -> l.startsWith("instantiate ")).allMatch(l -> l.contains(" compile-error"));
    }

    private static String strip(String line) {
        int hash = line.indexOf(" # ");
        return hash < 0 ? line : line.substring(0, hash);
    }

    private void keep(Path dir, String id, Outcome outcome, PrintStream log, boolean reduce) throws IOException {
        Path target = config.findings().resolve(outcome.category().dirName()).resolve(id);
        deleteTree(target);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(target.resolve("finding.txt"), outcome.category().dirName() + "\n" + outcome.signature() + "\n"
                + outcome.detail() + "\n");
        if (reduce && Tools.onPath("wasm-reduce")) {
            try {
                Reducer.reduce(target, outcome, config.reduceSeconds(), log);
            } catch (IOException | RuntimeException e) {
                log.println(id + ": reduction failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    @Override
    public void close() {
        kiln.close();
        v8.close();
    }
}
