package dev.kiln.wasi;

import dev.kiln.Engine;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Module;
import dev.kiln.Store;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/** Runs WASI command modules under Kiln, and native programs, capturing what they print. */
final class Guest {
    private Guest() {
    }

    /** Native stack of the thread that runs a guest (reserved, not committed). */
    static final long THREAD_STACK = 512L << 20;
    static final Engine ENGINE = Engine.builder().stackBudget(448L << 20).build();
    private static final Map<Path, Module> MODULES = new ConcurrentHashMap<>();

    /** What a program did: its exit status and its output. */
    record Outcome(int status, String stdout, String stderr) {
        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** The module of {@code wasm}, compiled once per test JVM. */
    static Module module(Path wasm) {
        return MODULES.computeIfAbsent(wasm, p -> {
            try {
                return Module.compile(ENGINE, p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /**
     * Runs {@code wasm}'s {@code _start} with WASI on a large-stack thread.
     *
     * @param dir preopened as {@code "."} when not null
     */
    static Outcome run(Path wasm, List<String> args, Map<String, String> env, Path dir, String stdin) throws Exception {
        Module module = module(wasm);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        WasiContext.Builder b = WasiContext.builder().args(args).stdout(out).stderr(err)
                .stdin(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        env.forEach(b::env);
        if (dir != null) {
            b.preopen(dir, ".");
        }
        int status;
        try {
            status = execute(module, b, 0);
        } catch (Throwable e) {
            throw new AssertionError("guest " + wasm.getFileName() + " failed; stdout so far:\n" + out
                    + "\nstderr:\n" + err, e);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Instantiates {@code module} with the WASI context {@code b} builds and runs its {@code _start} on a
     * daemon thread with a {@link #THREAD_STACK} native stack, as {@code kiln run} does.
     *
     * @param timeoutMillis how long to wait for the program (0: as long as it takes)
     * @return the exit status ({@link WasiContext#run})
     * @throws TimeoutException if the program is still running after {@code timeoutMillis} (its thread
     *                          is left running: Wasm code cannot be stopped from outside)
     * @throws Throwable        what the program ended with otherwise ({@link dev.kiln.Trap}, a link error, ...)
     */
    static int execute(Module module, WasiContext.Builder b, long timeoutMillis) throws Throwable {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try (WasiContext wasi = b.build(); Store store = new Store(ENGINE)) {
                Linker linker = wasi.define(store, new Linker());
                Instance instance = linker.instantiate(store, module);
                result.set(wasi.run(instance));
            } catch (Throwable e) {
                result.set(e);
            }
        }, "guest", THREAD_STACK);
        t.setDaemon(true);
        t.start();
        t.join(timeoutMillis);
        if (t.isAlive()) {
            throw new TimeoutException("still running after " + timeoutMillis + " ms");
        }
        if (result.get() instanceof Throwable e) {
            throw e;
        }
        return (Integer) result.get();
    }

    /** Runs a native program with exactly {@code env} as its environment, in {@code dir}. */
    static Outcome runNative(Path exe, List<String> args, Map<String, String> env, Path dir, String stdin)
            throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(exe.toAbsolutePath().toString());
        cmd.addAll(args.subList(1, args.size()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        AtomicReference<byte[]> err = new AtomicReference<>();
        Thread drain = new Thread(() -> {
            try {
                err.set(p.getErrorStream().readAllBytes());
            } catch (IOException e) {
                err.set(new byte[0]);
            }
        });
        drain.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(exe + " did not finish");
        }
        drain.join();
        return new Outcome(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.get(), StandardCharsets.UTF_8));
    }

    /** Runs a command to completion (a compiler), failing with its output when it fails. */
    static String exec(Path dir, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }
}
