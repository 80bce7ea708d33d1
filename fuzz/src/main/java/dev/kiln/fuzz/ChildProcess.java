package dev.kiln.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child process that answers one request line with one line starting with a marker (the Kiln
 * {@link Worker} JVM, or node running {@code v8-runner.js}). Started on first use and again after it
 * died or was killed for taking too long, and recycled after {@code maxRequests} requests. Not
 * thread-safe.
 */
final class ChildProcess implements AutoCloseable {
    /** How one request ended. */
    enum Status { DONE, HANG, CRASH }

    /** @param detail the answer after the marker, or for a crash the exit status and the end of stderr */
    record Answer(Status status, String detail) {
    }

    private static final String EOF = "\0eof";

    private final List<String> command;
    private final String marker;
    private final Path stderrFile;
    private final int maxRequests;
    private Process process;
    private Writer stdin;
    private BlockingQueue<String> lines;
    private int requests;
    private final java.util.ArrayDeque<String> otherOutput = new java.util.ArrayDeque<>();

    ChildProcess(List<String> command, String marker, Path stderrFile, int maxRequests) {
        this.command = command;
        this.marker = marker;
        this.stderrFile = stderrFile;
        this.maxRequests = maxRequests;
    }

    /** The Kiln worker: a JVM like this one (same java, same class path) running {@link Worker}. */
    static ChildProcess kilnWorker(Path stderrFile, int maxRequests) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ChildProcess(List.of(java, "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-XX:+UseSerialGC",
                "-XX:ErrorFile=" + stderrFile.resolveSibling("hs_err_pid%p.log"), "-cp", absoluteClassPath(), Worker.class.getName()),
                Worker.DONE, stderrFile, maxRequests);
    }

    /** This JVM's class path with every entry absolute, for a child started in another directory. */
    static String absoluteClassPath() {
        List<String> entries = new java.util.ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            entries.add(e.isEmpty() ? e : Path.of(e).toAbsolutePath().toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** Sends {@code request} and waits up to {@code timeoutMillis} for the answer. */
    Answer request(String request, long timeoutMillis) throws IOException, InterruptedException {
        if (process == null || !process.isAlive() || requests >= maxRequests) {
            restart();
        }
        requests++;
        lines.clear();
        try {
            stdin.write(request + "\n");
            stdin.flush();
        } catch (IOException e) {
            return crashed();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                kill();
                return new Answer(Status.HANG, "no answer after " + timeoutMillis + " ms");
            }
            if (line.equals(EOF)) {
                return crashed();
            }
            if (line.startsWith(marker)) {
                return new Answer(Status.DONE, line.substring(marker.length()).trim());
            }
            if (!line.isBlank() && !line.equals("#")) {
                otherOutput.addLast(line);
                if (otherOutput.size() > 12) {
                    otherOutput.removeFirst();
                }
            }
        }
    }

    private Answer crashed() throws InterruptedException {
        process.waitFor(5, TimeUnit.SECONDS);
        String status = process.isAlive() ? "alive" : "exit status " + process.exitValue();
        kill();
        String stdout = String.join(" | ", otherOutput);
        otherOutput.clear();
        return new Answer(Status.CRASH, status + "; stdout: " + stdout + "; stderr: " + stderrTail());
    }

    private String stderrTail() {
        try {
            List<String> all = Files.readAllLines(stderrFile, StandardCharsets.UTF_8);
            return String.join(" | ", all.subList(Math.max(0, all.size() - 12), all.size()));
        } catch (IOException | java.io.UncheckedIOException e) {
            return "(unreadable)";
        }
    }

    private void restart() throws IOException {
        kill();
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectError(stderrFile.toFile());
        process = pb.start();
        stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        lines = queue;
        requests = 0;
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    queue.add(line);
                }
            } catch (IOException ignored) {
                // the process died: EOF below tells the caller
            }
            queue.add(EOF);
        }, "fuzz-child-reader");
        reader.setDaemon(true);
        reader.start();
    }

    private void kill() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public void close() {
        kill();
    }
}
