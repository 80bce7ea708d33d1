package dev.kiln.fuzz;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shrinks a finding with binaryen's {@code wasm-reduce}: the module the first difference names (or the
 * last one) is reduced while {@code Fuzz check} keeps printing the same outcome signature, the plan
 * being rebuilt from the reduced module each time ({@link CaseBuilder}). Writes {@code reduced.wasm},
 * {@code reduced.wat} and the two engines' observations of the reduced case ({@code reduced/}) into the
 * finding's directory.
 */
final class Reducer {
    private Reducer() {
    }

    static void reduce(Path finding, DiffFuzzer.Outcome outcome, long seconds, PrintStream log)
            throws IOException, InterruptedException {
        Properties p = new Properties();
        try (var r = Files.newBufferedReader(finding.resolve("case.properties"))) {
            p.load(r);
        }
        int modules = Integer.parseInt(p.getProperty("modules"));
        int index = modules - 1;
        Matcher m = Pattern.compile(" m([0-9]+) ").matcher(outcome.detail());
        if (m.find()) {
            index = Math.min(index, Integer.parseInt(m.group(1)));
        }
        if (Files.exists(finding.resolve("m" + index + ".wat"))) {
            reduceText(finding, index, outcome.signature(), Long.parseLong(p.getProperty("argSeed")), modules, seconds, log);
            return;
        }
        Path test = finding.resolve("reduce-test.wasm");
        Path working = finding.resolve("reduced.wasm");
        String java = ProcessHandle.current().info().command().orElse("java");
        String check = String.join(" ", java, "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", ChildProcess.absoluteClassPath(), Fuzz.class.getName(), "check",
                finding.toAbsolutePath().toString(), Integer.toString(index), test.toAbsolutePath().toString());
        // reference types too: the modules of WatGenerator use them (a reduction binaryen types beyond
        // Wasm 2.0 is rejected by V8 and so changes the signature, and is not kept)
        List<String> features = new ArrayList<>(TtfGenerator.FEATURES);
        features.add("--enable-reference-types");
        List<String> cmd = new ArrayList<>(List.of("wasm-reduce", finding.resolve("m" + index + ".wasm").toString(),
                "--command", check, "-t", test.toString(), "-w", working.toString(), "--timeout", "30",
                "--binaries", Tools.directoryOf("wasm-opt").toString(),
                "--extra-flags", String.join(" ", features)));
        cmd.addAll(features);
        Path reduceLog = finding.resolve("wasm-reduce.log");
        Process proc = new ProcessBuilder(cmd).directory(finding.toFile()).redirectErrorStream(true)
                .redirectOutput(reduceLog.toFile()).start();
        if (!proc.waitFor(seconds, TimeUnit.SECONDS)) {
            proc.descendants().forEach(ProcessHandle::destroyForcibly);
            proc.destroyForcibly();
            proc.waitFor();
        }
        Files.deleteIfExists(test);
        if (!Files.exists(working)) {
            log.println(finding.getFileName() + ": wasm-reduce kept nothing (see wasm-reduce.log)");
            return;
        }
        List<String> dis = new ArrayList<>(List.of("wasm-opt", working.toString(), "--print"));
        dis.addAll(features);
        Files.writeString(finding.resolve("reduced.wat"), Tools.run(dis, finding, 60, TimeUnit.SECONDS));
        Path out = finding.resolve("reduced");
        String signature = Fuzz.check(finding, index, working, out);
        log.println(finding.getFileName() + ": reduced m" + index + " from " + Files.size(finding.resolve("m" + index + ".wasm"))
                + " to " + Files.size(working) + " bytes; outcome now: " + signature);
    }

    /**
     * Reduces the text of a {@link WatGenerator} module (which binaryen 108 cannot read: block
     * parameters) by deleting ever smaller runs of lines (delta debugging, one instruction per line),
     * keeping a deletion when the text still parses and validates in Kiln and the case keeps its
     * signature. Runs the case in warm child processes, so each try costs one case, not two process starts.
     */
    static void reduceText(Path finding, int index, String signature, long argSeed, int modules, long seconds, PrintStream log)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        List<String> lines = new ArrayList<>(Files.readAllLines(finding.resolve("m" + index + ".wat")));
        int before = lines.size();
        Path work = Files.createTempDirectory("kiln-fuzz-reduce");
        int tries = 0;
        try (ChildProcess kiln = ChildProcess.kilnWorker(work.resolve("kiln.stderr"), 500);
             ChildProcess v8 = DiffFuzzer.v8Process(work)) {
            for (int chunk = Math.max(1, lines.size() / 2); chunk >= 1 && System.nanoTime() < deadline; chunk /= 2) {
                for (int at = 0; at + chunk <= lines.size() && System.nanoTime() < deadline; ) {
                    if (lines.subList(at, at + chunk).stream().anyMatch(l -> l.contains("$fuel"))) {
                        at += chunk; // the fuel checks keep every loop and recursion finite
                        continue;
                    }
                    List<String> candidate = new ArrayList<>(lines.subList(0, at));
                    candidate.addAll(lines.subList(at + chunk, lines.size()));
                    byte[] binary = validBinary(String.join("\n", candidate));
                    if (binary != null) {
                        tries++;
                        String got = run(finding, index, binary, argSeed, modules, work, kiln, v8, signature);
                        if (System.getenv("KILN_FUZZ_DEBUG") != null) {
                            log.println("  try " + tries + " without lines " + at + ".." + (at + chunk) + ": " + got);
                        }
                        if (signature.equals(got)) {
                            lines = candidate;
                            continue;
                        }
                    }
                    at += chunk;
                }
            }
        } finally {
            DiffFuzzer.deleteTree(work);
        }
        Files.write(finding.resolve("reduced.wat"), lines);
        byte[] binary = validBinary(String.join("\n", lines));
        Files.write(finding.resolve("reduced.wasm"), binary);
        String now = Fuzz.check(finding, index, finding.resolve("reduced.wasm"), finding.resolve("reduced"));
        log.println(finding.getFileName() + ": reduced m" + index + ".wat from " + before + " to " + lines.size() + " lines in "
                + tries + " runs; outcome now: " + now);
    }

    private static byte[] validBinary(String text) {
        try {
            byte[] binary = dev.kiln.compiler.text.Wat.parseModule(text);
            dev.kiln.compiler.wasm.Validator.validate(dev.kiln.compiler.wasm.ModuleDecoder.decode(binary));
            return binary;
        } catch (dev.kiln.abi.CompileException e) {
            return null;
        }
    }

    private static String run(Path finding, int index, byte[] module, long argSeed, int modules, Path work, ChildProcess kiln,
                              ChildProcess v8, String signature) throws IOException, InterruptedException {
        List<byte[]> bytes = new ArrayList<>();
        for (int k = 0; k < modules; k++) {
            bytes.add(k == index ? module : Files.readAllBytes(finding.resolve("m" + k + ".wasm")));
        }
        Path dir = work.resolve("case");
        DiffFuzzer.deleteTree(dir);
        CaseBuilder.write(dir, bytes, argSeed);
        // short time and no second chance: a deletion that breaks a loop's exit only has to fail
        return DiffFuzzer.runCase(dir, kiln, v8, signature.endsWith("hang") ? 10_000 : 3_000, false).signature();
    }
}
