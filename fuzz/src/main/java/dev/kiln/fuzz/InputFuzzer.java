package dev.kiln.fuzz;

import dev.kiln.Engine;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.compiler.KilnCompilerService;
import dev.kiln.compiler.text.TextFormatException;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.wasm.InvalidModuleException;
import dev.kiln.compiler.wasm.MalformedModuleException;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Mutation fuzzing of Kiln's other inputs: the decoder and validator (and the compiler behind them)
 * on mutated binaries, the WAT parser on mutated text, and the artifact loader ({@code Module.load})
 * on mutated artifacts. The seeds are modules of {@link WatGenerator} (text and binary) and their
 * compiled artifacts. The property checked: every input is accepted or rejected with one of the
 * documented exceptions ({@link MalformedModuleException}, {@link InvalidModuleException},
 * {@link TextFormatException}, {@link CompileException}; for artifacts {@code ArtifactFormatException},
 * {@code IOException}, {@code LinkException} or a {@code Trap} at instantiation), in bounded time,
 * without a JVM crash. The loader runs in a child JVM ({@link Worker}) so that a crash is recorded.
 * Not thread-safe.
 */
final class InputFuzzer implements AutoCloseable {
    /** What is fuzzed. */
    enum Target { BINARY, TEXT, ARTIFACT }

    /** How one input ended. */
    enum Result { ACCEPTED, REJECTED, UNDOCUMENTED, CRASH, HANG }

    private final long seed;
    private final Path work;
    private final Path findings;
    private final long timeoutMillis;
    private final KilnCompilerService compiler = new KilnCompilerService();
    private final CompileOptions options = Engine.create().compileOptions();
    private final Map<Target, Map<Result, Integer>> counts = new EnumMap<>(Target.class);
    private final Map<String, String> problems = new TreeMap<>();
    private ChildProcess loader;

    InputFuzzer(long seed, Path work, Path findings, long timeoutMillis) throws IOException {
        this.seed = seed;
        this.work = work.toAbsolutePath();
        this.findings = findings == null ? null : findings.toAbsolutePath();
        this.timeoutMillis = timeoutMillis;
        Files.createDirectories(work);
        for (Target t : Target.values()) {
            counts.put(t, new EnumMap<>(Result.class));
        }
    }

    Map<Target, Map<Result, Integer>> counts() {
        return counts;
    }

    /** Problems found: input id to what happened. */
    Map<String, String> problems() {
        return problems;
    }

    int count(Target t, Result r) {
        return counts.get(t).getOrDefault(r, 0);
    }

    /** Runs {@code perTarget} mutated inputs against each of {@code targets}. */
    void run(int perTarget, List<Target> targets, PrintStream log) throws IOException, InterruptedException {
        Random random = new Random(seed);
        int seeds = Math.max(1, perTarget / 25);
        Path spec = SpecCorpus.find();
        for (Target target : targets) {
            List<byte[]> corpus = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                List<String> wat = new WatGenerator(seed * 1_000 + s, WatGenerator.Options.WITHOUT_OPEN_BUGS).generate();
                String text = wat.get(0);
                corpus.add(switch (target) {
                    case TEXT -> text.getBytes(StandardCharsets.UTF_8);
                    case BINARY -> Wat.parseModule(text);
                    case ARTIFACT -> compiler.compile(Wat.parseModule(text.replaceAll("\\(start \\$f[0-9]+\\)", "")), "seed", options);
                });
            }
            if (spec != null && target != Target.ARTIFACT) {
                // as many spec testsuite modules again, picked evenly from the whole testsuite
                List<byte[]> modules = target == Target.BINARY ? SpecCorpus.binaries(spec)
                        : SpecCorpus.texts(spec).stream().map(t -> t.getBytes(StandardCharsets.UTF_8)).toList();
                Random pick = new Random(seed);
                for (int s = 0; s < seeds * 4 && !modules.isEmpty(); s++) {
                    corpus.add(modules.get(pick.nextInt(modules.size())));
                }
            }
            log.println(target + ": " + corpus.size() + " seeds" + (spec != null && target != Target.ARTIFACT
                    ? " (generated and from the spec testsuite in " + spec + ")" : " (generated)"));
            for (int i = 0; i < perTarget; i++) {
                byte[] original = corpus.get(random.nextInt(corpus.size()));
                byte[] input = target == Target.TEXT ? Mutator.mutateText(original, random) : Mutator.mutateBinary(original, random);
                String id = target.name().toLowerCase(java.util.Locale.ROOT) + "-" + seed + "-" + i;
                String[] outcome = switch (target) {
                    case BINARY -> inProcess(() -> binary(input));
                    case TEXT -> inProcess(() -> text(input));
                    case ARTIFACT -> artifact(input);
                };
                Result result = Result.valueOf(outcome[0]);
                counts.get(target).merge(result, 1, Integer::sum);
                if (result != Result.ACCEPTED && result != Result.REJECTED) {
                    problems.put(id, result + ": " + outcome[1]);
                    log.println(id + ": " + result + ": " + outcome[1]);
                    if (findings != null) {
                        Path dir = findings.resolve("inputs").resolve(target.name().toLowerCase(java.util.Locale.ROOT) + "-"
                                + result.name().toLowerCase(java.util.Locale.ROOT));
                        Files.createDirectories(dir);
                        Files.write(dir.resolve(id + (target == Target.TEXT ? ".wat" : target == Target.BINARY ? ".wasm" : ".kiln")), input);
                        Files.writeString(dir.resolve(id + ".txt"), result + ": " + outcome[1] + "\n");
                        try (var logs = Files.list(work)) {
                            for (Path hsErr : logs.filter(f -> f.getFileName().toString().startsWith("hs_err")).toList()) {
                                Files.move(hsErr, dir.resolve(id + "-" + hsErr.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                            }
                        }
                    }
                }
            }
            log.println(target + ": " + counts.get(target));
        }
    }

    private interface Check {
        String[] run() throws Exception;
    }

    private String[] inProcess(Check check) throws InterruptedException {
        FutureTask<String[]> task = new FutureTask<>(check::run);
        Thread t = new Thread(null, task, "fuzz-input", 8L << 20);
        t.setDaemon(true);
        t.start();
        try {
            return task.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new String[]{"HANG", "no result after " + timeoutMillis + " ms"};
        } catch (ExecutionException e) {
            return new String[]{"UNDOCUMENTED", Worker.describe(e.getCause())};
        }
    }

    /** Decoder and validator; then the whole compiler on what they accept. */
    private String[] binary(byte[] input) {
        WasmModule module;
        try {
            module = ModuleDecoder.decode(input);
            Validator.validate(module);
        } catch (MalformedModuleException | InvalidModuleException e) {
            return new String[]{"REJECTED", e.getMessage()};
        }
        try {
            compiler.compile(input, "mutated", options);
        } catch (CompileException e) {
            if (e instanceof MalformedModuleException || e instanceof InvalidModuleException) {
                return new String[]{"UNDOCUMENTED", "the validator accepted what the compiler rejects as " + e};
            }
            return new String[]{"REJECTED", e.getMessage()};
        }
        return new String[]{"ACCEPTED", ""};
    }

    /** The WAT parser; its output must then decode (it may be invalid). */
    private String[] text(byte[] input) {
        byte[] binary;
        try {
            binary = Wat.parseModule(new String(input, StandardCharsets.UTF_8));
        } catch (TextFormatException e) {
            return new String[]{"REJECTED", e.getMessage()};
        }
        try {
            Validator.validate(ModuleDecoder.decode(binary));
        } catch (InvalidModuleException e) {
            return new String[]{"REJECTED", e.getMessage()};
        } catch (MalformedModuleException e) {
            return new String[]{"UNDOCUMENTED", "the WAT parser wrote a malformed binary: " + e.getMessage()};
        }
        return new String[]{"ACCEPTED", ""};
    }

    private String[] artifact(byte[] input) throws IOException, InterruptedException {
        if (loader == null) {
            loader = ChildProcess.kilnWorker(work.resolve("loader-worker.stderr"), 1_000);
        }
        Path file = work.resolve("mutated.kiln");
        Files.write(file, input);
        ChildProcess.Answer a = loader.request("LOAD " + file.toAbsolutePath(), timeoutMillis * 3);
        return switch (a.status()) {
            case CRASH -> new String[]{"CRASH", a.detail()};
            case HANG -> new String[]{"HANG", a.detail()};
            case DONE -> a.detail().startsWith("ok") ? new String[]{"ACCEPTED", ""}
                    : a.detail().startsWith("rejected") ? new String[]{"REJECTED", ""}
                    : new String[]{"UNDOCUMENTED", a.detail()};
        };
    }

    @Override
    public void close() {
        if (loader != null) {
            loader.close();
        }
    }
}
