package dev.kiln.wasi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.Module;
import dev.kiln.Trap;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The official WASI testsuite (WebAssembly/wasi-testsuite), preview1 part: every
 * {@code tests/LANGUAGE/testsuite/wasm32-wasip1/NAME.wasm} runs under Kiln as the upstream runner
 * ({@code test-runner/}) runs a runtime through its adapter: arguments (after {@code argv[0]}, the
 * module's file name), exactly the environment of its JSON spec, its {@code root} directory
 * preopened as {@code /} (a fresh temporary copy: the suite is read-only), stdin an open pipe that
 * is closed when the runner waits for the exit, and the spec's operations checked in order:
 * {@code read} compares the next characters of stdout or stderr with the payload, {@code wait} the
 * exit status (a trap exits with 134, as {@code kiln run}).
 *
 * <p>The suite is {@code KILN_WASI_TESTSUITE} (system property or environment variable), else
 * {@code ../shared/wasi-testsuite} relative to the repository root. When it is missing the test
 * fails under {@code CI=true} and is skipped with one message otherwise. The per-test table goes to
 * {@code wasi/target/wasi-testsuite-report.md}.
 */
class WasiTestsuiteTest {
    static final String LOCATION = "KILN_WASI_TESTSUITE";
    /** The WASI version directory of each language's tests. */
    static final String VERSION = "wasm32-wasip1";
    /**
     * Per test, from the start of the program (compilation excluded). The upstream runner waits 5 s;
     * twice that leaves room for a loaded 2-core CI machine (the tests take well under a second).
     */
    static final long TIMEOUT_MILLIS = 10_000;
    /** What {@code kiln run} exits with when the program traps (128 + SIGABRT, like Wasmtime). */
    static final int TRAP_STATUS = 134;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Result> RESULTS = Collections.synchronizedList(new ArrayList<>());

    enum Outcome { PASS, FAIL }

    /** One row of the report: {@code compileMillis} to compile the module, {@code runMillis} to run it. */
    record Result(String language, String test, Outcome outcome, String reason, long compileMillis, long runMillis) {
    }

    // ---- the spec (test-runner/wasi_test_runner/test_case.py) ----------------------------------

    sealed interface Operation permits Run, Read, Write, Wait, Unsupported {
    }

    /** Starts the program; {@code root} is relative to the test's directory (null: no preopen). */
    record Run(List<String> args, Map<String, String> env, String root) implements Operation {
    }

    /** Reads {@code payload.length()} characters of {@code stream} ("stdout" or "stderr"); they must equal it. */
    record Read(String stream, String payload) implements Operation {
    }

    /** Writes {@code payload} to the program's stdin. */
    record Write(String payload) implements Operation {
    }

    /** Closes stdin, waits for the exit; the status must be {@code exitCode}. */
    record Wait(int exitCode) implements Operation {
    }

    /** An operation of a proposal Kiln has no support for (sockets, http). */
    record Unsupported(String type) implements Operation {
    }

    /** The operations of {@code NAME.json} (legacy or operation-based), or run-and-wait when there is none. */
    static List<Operation> spec(Path json) throws IOException {
        if (!Files.exists(json)) {
            return List.of(new Run(List.of(), Map.of(), null), new Wait(0));
        }
        JsonNode c = JSON.readTree(json.toFile());
        List<Operation> ops = new ArrayList<>();
        if (c.has("operations")) {
            for (JsonNode op : c.get("operations")) {
                String type = op.path("type").asText();
                ops.add(switch (type) {
                    case "run" -> run(op);
                    case "read" -> new Read(op.path("id").asText("stdout"), op.path("payload").asText(""));
                    case "write" -> new Write(op.path("payload").asText(""));
                    case "wait" -> new Wait(op.path("exit_code").asInt(0));
                    default -> new Unsupported(type);
                });
            }
            for (JsonNode p : c.path("proposals")) {
                ops.add(0, new Unsupported("proposal " + p.asText()));
            }
            return ops;
        }
        ops.add(run(c));
        if (c.hasNonNull("stdout")) {
            ops.add(new Read("stdout", c.get("stdout").asText()));
        }
        if (c.hasNonNull("stderr")) {
            ops.add(new Read("stderr", c.get("stderr").asText()));
        }
        ops.add(new Wait(c.path("exit_code").asInt(0)));
        return ops;
    }

    private static Run run(JsonNode c) {
        List<String> args = new ArrayList<>();
        c.path("args").forEach(a -> args.add(a.asText()));
        Map<String, String> env = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("env").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            env.put(e.getKey(), e.getValue().asText());
        }
        return new Run(args, env, c.hasNonNull("root") ? c.get("root").asText() : null);
    }

    // ---- locating the suite --------------------------------------------------------------------

    /** The repository root: the nearest directory above the working directory holding {@code mvnw} and {@code wasi/}. */
    static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path d = start; d != null; d = d.getParent()) {
            if (Files.exists(d.resolve("mvnw")) && Files.isDirectory(d.resolve("wasi"))) {
                return d;
            }
        }
        return start.getParent() != null ? start.getParent() : start; // the module directory's parent
    }

    static Path suiteDir() {
        String configured = System.getProperty(LOCATION, System.getenv(LOCATION));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        return repositoryRoot().resolve("../shared/wasi-testsuite").normalize();
    }

    // ---- the tests -----------------------------------------------------------------------------

    /** Skips the class with one message when the suite is missing, or fails under {@code CI=true}. */
    @BeforeAll
    static void locateSuite() {
        Path suite = suiteDir();
        if (!Files.isDirectory(suite.resolve("tests"))) {
            String where = "WASI testsuite not found at " + suite + " (set " + LOCATION
                    + " to a copy of WebAssembly/wasi-testsuite with its tests/ directory)";
            if ("true".equals(System.getenv("CI"))) {
                fail(where + "; CI=true requires it");
            }
            String message = where + "; skipping the WASI testsuite";
            System.err.println(message); // a skipped class's reason does not reach Maven's console
            Assumptions.abort(message);
        }
    }

    @TestFactory
    Stream<DynamicTest> preview1() throws IOException {
        Path suite = suiteDir();
        Path tests = suite.resolve("tests");
        List<Path> wasms = new ArrayList<>();
        try (Stream<Path> languages = Files.list(tests)) {
            for (Path lang : languages.sorted().toList()) {
                Path dir = lang.resolve("testsuite").resolve(VERSION);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> s = Files.list(dir)) {
                        s.filter(p -> p.getFileName().toString().endsWith(".wasm")).sorted().forEach(wasms::add);
                    }
                }
            }
        }
        assertFalse(wasms.isEmpty(), "no tests/*/testsuite/" + VERSION + "/*.wasm under " + suite);
        return wasms.stream().map(wasm -> {
            String language = wasm.getParent().getParent().getParent().getFileName().toString();
            String name = wasm.getFileName().toString().replaceFirst("\\.wasm$", "");
            return DynamicTest.dynamicTest(language + "/" + name, () -> {
                long start = System.nanoTime();
                long compiled = start;
                String failure;
                try {
                    Module module = Guest.module(wasm);
                    compiled = System.nanoTime();
                    failure = runTest(module, wasm, name);
                } catch (Throwable e) {
                    failure = "runner error: " + e;
                }
                String reason = failure;
                long end = System.nanoTime();
                RESULTS.add(new Result(language, name, reason == null ? Outcome.PASS : Outcome.FAIL, reason,
                        (compiled - start) / 1_000_000, (end - compiled) / 1_000_000));
                assertTrue(reason == null, () -> language + "/" + name + ": " + reason);
            });
        });
    }

    /** Runs one test as its spec says: null when it passes, else the first failure. */
    static String runTest(Module module, Path wasm, String name) throws Exception {
        List<Operation> ops = spec(wasm.resolveSibling(name + ".json"));
        for (Operation op : ops) {
            if (op instanceof Unsupported u) {
                return "unsupported operation: " + u.type();
            }
        }
        Path tmp = Files.createTempDirectory("kiln-wasi-testsuite-");
        try {
            Execution ex = null;
            for (Operation op : ops) {
                String failure = switch (op) {
                    case Run r -> {
                        ex = new Execution(module, wasm, r, tmp);
                        yield null;
                    }
                    case Write w -> ex.write(w.payload());
                    case Read r -> ex.read(r);
                    case Wait w -> ex.await(w);
                    case Unsupported u -> throw new AssertionError(u);
                };
                if (failure != null) {
                    if (ex != null) {
                        ex.closeStdin();
                    }
                    return failure;
                }
            }
            return null;
        } finally {
            deleteTree(tmp);
        }
    }

    /** A running test program: its stdin pipe, captured output and its thread's result. */
    static final class Execution {
        final Pipe stdin = Pipe.open();
        final Map<Channel, Capture> output = new EnumMap<>(Channel.class);
        final Map<Channel, Integer> consumed = new EnumMap<>(Channel.class);
        final Thread thread;
        final long deadline;
        volatile Object result; // Integer status or Throwable

        /** The output streams a {@code read} operation names. */
        enum Channel { stdout, stderr }

        Execution(Module module, Path wasm, Run run, Path tmp) throws IOException {
            for (Channel s : Channel.values()) {
                output.put(s, new Capture());
                consumed.put(s, 0);
            }
            WasiContext.Builder b = WasiContext.builder().args(wasm.getFileName().toString()).args(run.args())
                    .stdin(Channels.newInputStream(stdin.source()))
                    .stdout(output.get(Channel.stdout)).stderr(output.get(Channel.stderr));
            run.env().forEach(b::env);
            if (run.root() != null) {
                Path copy = tmp.resolve(Path.of(run.root()).getFileName().toString());
                copyTree(wasm.resolveSibling(run.root()), copy);
                b.preopen(copy, "/");
            }
            deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000;
            thread = new Thread(() -> {
                Object r;
                try {
                    r = Guest.execute(module, b, 0);
                } catch (Throwable e) {
                    r = e;
                }
                result = r;
                output.values().forEach(Capture::finish);
            }, "wasi-testsuite");
            thread.setDaemon(true);
            thread.start();
        }

        long left() {
            return Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        }

        String write(String payload) {
            try {
                stdin.sink().write(java.nio.ByteBuffer.wrap(payload.getBytes(StandardCharsets.UTF_8)));
                return null;
            } catch (IOException e) {
                return "write to stdin failed: " + e;
            }
        }

        void closeStdin() {
            try {
                stdin.sink().close();
            } catch (IOException e) {
                // already closed
            }
        }

        String read(Read r) throws InterruptedException {
            Channel id;
            try {
                id = Channel.valueOf(r.stream());
            } catch (IllegalArgumentException e) {
                return "read from unknown stream " + r.stream();
            }
            int from = consumed.get(id);
            String got = output.get(id).awaitChars(from + r.payload().length(), deadline);
            String part = got.substring(Math.min(from, got.length()), Math.min(from + r.payload().length(), got.length()));
            consumed.put(id, from + part.length());
            if (!part.equals(r.payload())) {
                return r.stream() + ": expected " + quote(r.payload()) + ", got " + quote(part) + tail();
            }
            return null;
        }

        String await(Wait w) throws InterruptedException {
            closeStdin();
            thread.join(left());
            if (thread.isAlive()) {
                return "timeout: still running after " + TIMEOUT_MILLIS + " ms" + tail();
            }
            int status;
            String how;
            if (result instanceof Integer s) {
                status = s & 0xFF; // a process's exit status
                how = "exit status " + status;
            } else if (result instanceof Trap t) {
                status = TRAP_STATUS;
                how = "trap (" + t.getMessage() + ")";
            } else {
                Throwable t = (Throwable) result;
                return "not run: " + t + tail();
            }
            if (status != w.exitCode()) {
                return "expected exit status " + w.exitCode() + ", got " + how + tail();
            }
            return null;
        }

        /** The program's output, for a failure message. */
        String tail() {
            String out = output.get(Channel.stdout).text();
            String err = output.get(Channel.stderr).text();
            return (out.isEmpty() ? "" : "; stdout: " + quote(cut(out))) + (err.isEmpty() ? "" : "; stderr: " + quote(cut(err)));
        }
    }

    private static String cut(String s) {
        return s.length() > 600 ? s.substring(0, 300) + " ... " + s.substring(s.length() - 300) : s;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"") + "\"";
    }

    /** Output written by the program, readable while it runs. */
    static final class Capture extends OutputStream {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private boolean finished;

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            notifyAll();
        }

        synchronized void finish() {
            finished = true;
            notifyAll();
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        /** The text so far once it has {@code chars} characters, or the program ended, or the deadline passed. */
        synchronized String awaitChars(int chars, long deadline) throws InterruptedException {
            while (!finished && text().length() < chars) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                wait(left);
            }
            return text();
        }
    }

    // ---- files ---------------------------------------------------------------------------------

    /**
     * Copies a test's directory (the suite's files are read-only) with owner write permission, links
     * as links, leaving out {@code *.cleanup} (what earlier runs may have left, as the upstream runner removes).
     */
    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path d = to.resolve(from.relativize(dir).toString());
                Files.createDirectories(d);
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().endsWith(".cleanup")) {
                    return FileVisitResult.CONTINUE;
                }
                Path f = to.resolve(from.relativize(file).toString());
                Files.copy(file, f, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.REPLACE_EXISTING);
                if (!attrs.isSymbolicLink()) {
                    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    p.toFile().setWritable(true);
                }
                Files.deleteIfExists(p);
            }
        }
    }

    // ---- the report ----------------------------------------------------------------------------

    @AfterAll
    static void writeReport() throws IOException {
        if (RESULTS.isEmpty()) {
            return;
        }
        List<Result> rows = new ArrayList<>(RESULTS);
        rows.sort(Comparator.comparing(Result::language).thenComparing(Result::test));
        Map<String, int[]> perLanguage = new LinkedHashMap<>();
        for (Result r : rows) {
            int[] c = perLanguage.computeIfAbsent(r.language(), k -> new int[2]);
            c[r.outcome() == Outcome.PASS ? 0 : 1]++;
        }
        long passed = rows.stream().filter(r -> r.outcome() == Outcome.PASS).count();
        StringBuilder md = new StringBuilder();
        md.append("# WASI testsuite (").append(VERSION).append(") under Kiln\n\n");
        md.append("Suite: `").append(suiteDir()).append("`\n\n");
        md.append("**").append(passed).append(" of ").append(rows.size()).append(" pass**");
        perLanguage.forEach((lang, c) -> md.append(" · ").append(lang).append(' ').append(c[0]).append('/')
                .append(c[0] + c[1]));
        md.append("\n\nTimes in milliseconds: compiling the module, running it (up to the exit and the checks).\n");
        md.append("\n| test | language | result | reason | compile | run |\n|---|---|---|---|--:|--:|\n");
        for (Result r : rows) {
            md.append("| ").append(r.test()).append(" | ").append(r.language()).append(" | ")
                    .append(r.outcome().name().toLowerCase(java.util.Locale.ROOT)).append(" | ")
                    .append(r.reason() == null ? "" : r.reason().replace("|", "\\|").replace("\n", " "))
                    .append(" | ").append(r.compileMillis()).append(" | ").append(r.runMillis()).append(" |\n");
        }
        Path report = Path.of("target", "wasi-testsuite-report.md");
        Files.createDirectories(report.getParent());
        try {
            Files.writeString(report, md);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + report.toAbsolutePath(), e);
        }
    }
}
