package dev.kiln.cli;

import dev.kiln.Engine;
import dev.kiln.Trap;
import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.CompileException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The shared skeleton of every {@code kiln} subcommand: runs {@link #execute()} on a thread with a
 * large native stack (guest code runs on the caller's thread, DESIGN §3 "Stack overflow"), and maps
 * what it throws to a one-line message on stderr and an exit status:
 *
 * <ul>
 *   <li>{@link Trap}: {@code Error: wasm trap: <message>} and the Wasm backtrace in Wasmtime's format
 *       ({@code error while executing at wasm backtrace:}, one numbered line per frame), {@link ExitCodes#TRAP} (134);
 *   <li>{@link CompileException} (malformed, invalid or unsupported module; the message names the
 *       file and the byte offset or line:column) and {@link ArtifactFormatException}:
 *       {@code Error: <message>}, {@link ExitCodes#ERROR};
 *   <li>{@link dev.kiln.ResourceLimitException} ({@code -W} limits): {@code Error: resource limit exceeded:
 *       <message>}, {@link ExitCodes#ERROR};
 *   <li>{@link KilnException}: {@code Error: <message>} and its exit status;
 *   <li>{@link IOException}: {@code Error: <file>: <what>}, {@link ExitCodes#ERROR};
 *   <li>anything else is a bug in Kiln: the stack trace and {@link ExitCodes#ERROR}.
 * </ul>
 *
 * <p>Not thread-safe: Picocli fills the fields of one instance per execution.
 */
abstract class KilnCommand implements Callable<Integer> {
    /** Native stack of the thread that runs commands and guest code: 512 MiB (reserved, not committed). */
    static final long THREAD_STACK_BYTES = 512L << 20;
    /**
     * Stack budget of one call into Wasm: 448 MiB, leaving 64 MiB of the thread's stack for the Java
     * frames below the call and the JVM's guard zones.
     */
    static final long STACK_BUDGET_BYTES = 448L << 20;

    @Spec
    CommandSpec spec;

    /** The command's work; returns the exit status. Runs on the large-stack thread. */
    abstract int execute() throws Exception;

    /** Standard output of this execution (Picocli's, so tests can capture it). */
    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Standard error of this execution. */
    final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The engine for guest code run by the CLI: a stack budget matching {@link #THREAD_STACK_BYTES}. */
    static Engine engine() {
        return engine(null);
    }

    /** {@link #engine()} with the compile cache {@code cache} ({@code null} for none). */
    static Engine engine(dev.kiln.CompileCache cache) {
        return Engine.builder().stackBudget(STACK_BUDGET_BYTES).compileCache(cache).build();
    }

    @Override
    public final Integer call() {
        try {
            return onLargeStack(this::execute);
        } catch (Trap t) {
            return fail(ExitCodes.TRAP, "wasm trap: " + t.getMessage());
        } catch (KilnException e) {
            // a host function's failure under Wasm frames: the frames it unwound, as for a trap
            return fail(e.exitCode(), e.getMessage() + dev.kiln.WasmBacktrace.of(e).filter(b -> !b.isEmpty())
                    .map(b -> "\n" + b.getMessage()).orElse(""));
        } catch (CompileException | ArtifactFormatException e) {
            return fail(ExitCodes.ERROR, e.getMessage());
        } catch (dev.kiln.ResourceLimitException e) {
            return fail(ExitCodes.ERROR, "resource limit exceeded: " + e.getMessage());
        } catch (NoSuchFileException e) {
            return fail(ExitCodes.ERROR, e.getFile() + ": no such file");
        } catch (AccessDeniedException e) {
            return fail(ExitCodes.ERROR, e.getFile() + ": permission denied");
        } catch (IOException e) {
            return fail(ExitCodes.ERROR, describe(e));
        } catch (UncheckedIOException e) {
            return fail(ExitCodes.ERROR, describe(e.getCause()));
        } catch (Exception | Error e) {
            PrintWriter err = err();
            err.println("Error: internal error in kiln: " + e);
            e.printStackTrace(err);
            err.println("This is a bug in Kiln; please report it with the command line and the input file.");
            err.flush();
            return ExitCodes.ERROR;
        }
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }

    private int fail(int code, String message) {
        PrintWriter err = err();
        err.println("Error: " + message);
        err.flush();
        return code;
    }

    /**
     * Runs {@code body} on a new thread named {@code kiln-main} with a {@link #THREAD_STACK_BYTES}
     * stack and waits for it; what it throws is rethrown here unchanged.
     */
    static <T> T onLargeStack(Callable<T> body) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "kiln-main", THREAD_STACK_BYTES);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e instanceof Exception ex) {
            throw ex;
        }
        if (e instanceof Error er) {
            throw er;
        }
        if (e != null) {
            throw new IllegalStateException(e);
        }
        return result.get();
    }
}
