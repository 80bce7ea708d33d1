package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CLI distribution ({@code kiln-cli-VERSION-bin.tar.gz}, built in {@code package}) as a user gets
 * it, for the integration tests that run its {@code bin/kiln}: unpacked into a temporary directory,
 * and run in subprocesses whose environment holds only a JDK on {@code PATH}.
 */
final class UnpackedDistribution {
    private UnpackedDistribution() {
    }

    /**
     * Unpacks the distribution named by the system property {@code kiln.distribution} into
     * {@code tmp/unpacked}; returns its {@code kiln-VERSION} directory.
     */
    static Path unpack(Path tmp) throws IOException, InterruptedException {
        Path archive = Path.of(System.getProperty("kiln.distribution", "target/kiln-cli-bin.tar.gz"));
        assertTrue(Files.isRegularFile(archive), "no distribution at " + archive.toAbsolutePath() + " (built by mvn package)");
        Path unpacked = Files.createDirectory(tmp.resolve("unpacked"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toAbsolutePath().toString(), "-C", unpacked.toString())
                .inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS) && tar.exitValue() == 0, "tar -xzf " + archive);
        Path home = unpacked.resolve("kiln-" + System.getProperty("kiln.version"));
        assertTrue(Files.isDirectory(home), "the archive unpacks into kiln-VERSION/");
        return home;
    }

    /** What a process printed and how it exited. */
    record Run(int exit, String out, String err) {
    }

    /**
     * Runs {@code command} in {@code dir} with an environment that is only: {@code PATH} with the JDK
     * that runs the tests first, then the system's {@code /usr/bin} and {@code /bin} (the launcher's
     * shell tools, node, npm, tar); {@code HOME} an empty directory {@code tmp/home}; and
     * {@code extraEnv}. No {@code JAVA_HOME}, no {@code KILN_JDK}, nothing else of this machine's Java
     * setup. {@code stdin} is its standard input; its output goes through files in {@code tmp}. Fails the
     * test, killing the process, when it runs longer than {@code timeoutSeconds}.
     */
    static Run run(Path tmp, Path dir, Map<String, String> extraEnv, String stdin, int timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        Path jdkBin = Path.of(System.getProperty("java.home"), "bin");
        env.put("PATH", jdkBin + File.pathSeparator + "/usr/bin" + File.pathSeparator + "/bin");
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        env.putAll(extraEnv);
        File outFile = tmp.resolve("stdout-" + System.nanoTime()).toFile();
        File errFile = tmp.resolve("stderr-" + System.nanoTime()).toFile();
        pb.redirectOutput(outFile).redirectError(errFile);
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("did not finish in " + timeoutSeconds + " s: " + List.of(command));
        }
        return new Run(p.exitValue(), Files.readString(outFile.toPath()), Files.readString(errFile.toPath()));
    }
}
