package dev.kiln.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The fuzzers' command line (run it with {@code fuzz/run}): {@code diff} (differential fuzzing against
 * V8), {@code inputs} (mutation fuzzing of the decoder, validator, WAT parser and loader), {@code reduce}
 * (a kept finding, with {@code wasm-reduce}) and {@code check} (one case again, for {@code wasm-reduce}). Exit status 0 when nothing was found, 1
 * when something was, 2 on a usage error.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true, subcommands = {Fuzz.Diff.class, Fuzz.Inputs.class, Fuzz.Reduce.class, Fuzz.Check.class},
        description = "Fuzzes Kiln. Findings are kept (and reduced) in the findings directory.")
public final class Fuzz {
    private Fuzz() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Fuzz()).execute(args));
    }

    @Command(name = "diff", mixinStandardHelpOptions = true, description = "Runs random valid modules in Kiln and in V8 and compares what they do.")
    static final class Diff implements Callable<Integer> {
        @Option(names = "--seed", description = "first case seed (cases use seed, seed+1, ...); default: 1") long seed = 1;
        @Option(names = "--count", description = "number of cases; default: 1000") int count = 1000;
        @Option(names = "--minutes", description = "stop after this many minutes; default: no limit") double minutes = 0;
        @Option(names = "--sources", split = ",", description = "generators, alternating: TTF (wasm-opt -ttf), WAT (our own); default: both")
        List<DiffFuzzer.Source> sources = List.of(DiffFuzzer.Source.TTF, DiffFuzzer.Source.WAT);
        @Option(names = "--findings", description = "where findings are kept; default: fuzz/findings") Path findings = Path.of("fuzz/findings");
        @Option(names = "--work", description = "scratch directory; default: a new temporary one") Path work;
        @Option(names = "--reduce-seconds", description = "time given to reducing each finding (wasm-reduce, or line deletion for text cases), 0 for none; default: 300")
        long reduceSeconds = 300;
        @Option(names = "--timeout-ms", description = "time per case and engine before it counts as a hang; default: 10000")
        long timeoutMillis = 10_000;
        @Option(names = "--without-open-bugs", description = "leave out what issue 23's open bugs trip over: host "
                + "functions with several results, loops that read a size or global they change")
        boolean withoutOpenBugs;

        @Override
        public Integer call() throws Exception {
            Path dir = work != null ? work : Files.createTempDirectory("kiln-fuzz");
            var config = new DiffFuzzer.Config(seed, count, minutes > 0 ? (long) (minutes * 60_000) : Long.MAX_VALUE, sources, dir,
                    findings, reduceSeconds, withoutOpenBugs ? WatGenerator.Options.WITHOUT_OPEN_BUGS : WatGenerator.Options.ALL, timeoutMillis);
            try (DiffFuzzer fuzzer = new DiffFuzzer(config)) {
                fuzzer.run(System.out);
                int total = fuzzer.counts().values().stream().mapToInt(Integer::intValue).sum();
                System.out.println("cases: " + total + ", generator failures: " + fuzzer.generatorFailures());
                for (Map.Entry<DiffFuzzer.Category, Integer> e : fuzzer.counts().entrySet()) {
                    System.out.println("  " + e.getKey().dirName() + ": " + e.getValue());
                }
                System.out.println("observations compared: " + fuzzer.observations());
                System.out.println("findings: " + fuzzer.findings().size() + (fuzzer.findings().isEmpty() ? "" : " (in " + findings + ")"));
                return fuzzer.findings().isEmpty() ? 0 : 1;
            } finally {
                if (work == null) {
                    DiffFuzzer.deleteTree(dir);
                }
            }
        }
    }

    @Command(name = "inputs", mixinStandardHelpOptions = true, description = "Mutates binaries, text and artifacts and checks that Kiln rejects them cleanly.")
    static final class Inputs implements Callable<Integer> {
        @Option(names = "--seed", description = "default: 1") long seed = 1;
        @Option(names = "--count", description = "mutated inputs per target; default: 2000") int count = 2000;
        @Option(names = "--targets", split = ",", description = "BINARY, TEXT, ARTIFACT; default: all")
        List<InputFuzzer.Target> targets = List.of(InputFuzzer.Target.values());
        @Option(names = "--findings", description = "default: fuzz/findings") Path findings = Path.of("fuzz/findings");
        @Option(names = "--timeout-ms", description = "default: 10000") long timeoutMillis = 10_000;

        @Override
        public Integer call() throws Exception {
            Path dir = Files.createTempDirectory("kiln-fuzz-inputs");
            try (InputFuzzer fuzzer = new InputFuzzer(seed, dir, findings, timeoutMillis)) {
                fuzzer.run(count, targets, System.out);
                System.out.println("problems: " + fuzzer.problems().size());
                return fuzzer.problems().isEmpty() ? 0 : 1;
            } finally {
                DiffFuzzer.deleteTree(dir);
            }
        }
    }

    @Command(name = "reduce", mixinStandardHelpOptions = true, description = "Reduces a kept finding (a directory under the findings directory): wasm-reduce, or line deletion for text cases.")
    static final class Reduce implements Callable<Integer> {
        @Parameters(index = "0", description = "the finding's directory") Path finding;
        @Option(names = "--seconds", description = "time given to the reduction; default: 600") long seconds = 600;

        @Override
        public Integer call() throws Exception {
            List<String> lines = Files.readAllLines(finding.resolve("finding.txt"));
            DiffFuzzer.Category category = DiffFuzzer.Category.valueOf(lines.get(0).toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
            Reducer.reduce(finding.toAbsolutePath(), new DiffFuzzer.Outcome(category, lines.get(1), lines.get(2)), seconds, System.out);
            return 0;
        }
    }

    @Command(name = "check", hidden = true, description = "Runs a finding again with one module replaced; prints the outcome signature.")
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0") Path finding;
        @Parameters(index = "1") int index;
        @Parameters(index = "2") Path module;
        @Parameters(index = "3", arity = "0..1") Path out;

        @Override
        public Integer call() throws Exception {
            System.out.println(check(finding, index, module, out));
            return 0;
        }
    }

    /**
     * Runs the case of {@code finding} with module {@code index} replaced by {@code module}; copies the
     * case with both engines' observations to {@code out} when it is not null.
     *
     * @return the outcome's signature (e.g. {@code mismatch call}, {@code ok})
     */
    static String check(Path finding, int index, Path module, Path out) throws IOException, InterruptedException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(finding.resolve("case.properties"))) {
            p.load(r);
        }
        int modules = Integer.parseInt(p.getProperty("modules"));
        List<byte[]> bytes = new ArrayList<>();
        for (int k = 0; k < modules; k++) {
            bytes.add(Files.readAllBytes(k == index ? module : finding.resolve("m" + k + ".wasm")));
        }
        Path work = Files.createTempDirectory("kiln-fuzz-check");
        try (ChildProcess kiln = ChildProcess.kilnWorker(work.resolve("kiln.stderr"), 10);
             ChildProcess v8 = DiffFuzzer.v8Process(work)) {
            Path dir = work.resolve("case");
            CaseBuilder.write(dir, bytes, Long.parseLong(p.getProperty("argSeed")));
            Files.copy(finding.resolve("case.properties"), dir.resolve("case.properties"));
            DiffFuzzer.Outcome o = DiffFuzzer.runCase(dir, kiln, v8, 10_000);
            if (out != null) {
                DiffFuzzer.deleteTree(out);
                Files.createDirectories(out);
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) {
                        Files.copy(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                Files.writeString(out.resolve("finding.txt"), o.category().dirName() + "\n" + o.signature() + "\n" + o.detail() + "\n");
            }
            return o.signature();
        } finally {
            DiffFuzzer.deleteTree(work);
        }
    }
}
