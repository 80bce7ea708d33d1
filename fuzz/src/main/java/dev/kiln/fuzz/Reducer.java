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
        Path test = finding.resolve("reduce-test.wasm");
        Path working = finding.resolve("reduced.wasm");
        String java = ProcessHandle.current().info().command().orElse("java");
        String check = String.join(" ", java, "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Fuzz.class.getName(), "check",
                finding.toAbsolutePath().toString(), Integer.toString(index), test.toAbsolutePath().toString());
        List<String> cmd = new ArrayList<>(List.of("wasm-reduce", finding.resolve("m" + index + ".wasm").toString(),
                "--command", check, "-t", test.toString(), "-w", working.toString(), "--timeout", "30",
                "--extra-flags", String.join(" ", TtfGenerator.FEATURES)));
        cmd.addAll(TtfGenerator.FEATURES);
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
        dis.addAll(TtfGenerator.FEATURES);
        Files.writeString(finding.resolve("reduced.wat"), Tools.run(dis, finding, 60, TimeUnit.SECONDS));
        Path out = finding.resolve("reduced");
        String signature = Fuzz.check(finding, index, working, out);
        log.println(finding.getFileName() + ": reduced m" + index + " from " + Files.size(finding.resolve("m" + index + ".wasm"))
                + " to " + Files.size(working) + " bytes; outcome now: " + signature);
    }
}
