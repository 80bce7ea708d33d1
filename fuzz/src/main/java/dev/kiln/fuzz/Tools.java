package dev.kiln.fuzz;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running the external tools the fuzzer uses (binaryen, node). */
final class Tools {
    private Tools() {
    }

    static boolean onPath(String program) {
        return directoryOf(program) != null;
    }

    /** The directory on {@code PATH} that holds {@code program}, or null. */
    static Path directoryOf(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Path.of(dir).toAbsolutePath();
            }
        }
        return null;
    }

    /**
     * Runs {@code cmd} in {@code dir} and returns its output (stdout and stderr together).
     *
     * @throws IOException if it cannot start, exits with a non-zero status or runs out of time
     */
    static String run(List<String> cmd, Path dir, long timeout, TimeUnit unit) throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "tool", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(timeout, unit)) {
                p.destroyForcibly();
                p.waitFor();
                throw new IOException(cmd.get(0) + " took longer than " + timeout + " " + unit);
            }
            String out = Files.readString(log);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed with status " + p.exitValue() + ": " + out);
            }
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
