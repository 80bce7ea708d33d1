package dev.kiln.cli;

import dev.kiln.abi.CompileProgress;
import java.io.Console;
import java.io.PrintWriter;

/**
 * A progress line on stderr for slow work: after one second, a spinner with the elapsed time and, for
 * a compilation that reports it ({@link CompileProgress}), the functions compiled out of all and the
 * rate in MB of function bodies per second, redrawn ten times a second on one line ({@code \r}) by a
 * daemon thread, and erased when the work ends. Shown only when the JVM has an interactive terminal ({@link Console#isTerminal()}), so
 * redirected output and tests never see it.
 *
 * <p>Use one per task, in a try-with-resources block, from one thread.
 */
final class Progress implements AutoCloseable, CompileProgress {
    private static final long DELAY_MILLIS = 1000;
    private static final long PERIOD_MILLIS = 100;
    private static final char[] SPINNER = {'|', '/', '-', '\\'};

    private final String what;
    private final PrintWriter err;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean drawn;
    private volatile long functions; // done << 32 | total, so that the two are read together
    private volatile long bytesDone;

    private Progress(String what, PrintWriter err, boolean show) {
        this.what = what;
        this.err = err;
        this.thread = show ? Thread.ofPlatform().daemon().name("kiln-progress").unstarted(this::spin) : null;
    }

    /**
     * Starts a progress line for {@code what} (e.g. {@code "compiling fib.wasm"}) on {@code err},
     * if the JVM has a terminal; otherwise returns a progress that shows nothing.
     */
    static Progress start(String what, PrintWriter err) {
        Console console = System.console();
        return start(what, err, console != null && console.isTerminal());
    }

    /** As {@link #start(String, PrintWriter)}, with the terminal check decided by the caller (tests). */
    static Progress start(String what, PrintWriter err, boolean show) {
        Progress p = new Progress(what, err, show);
        if (p.thread != null) {
            p.thread.start();
        }
        return p;
    }

    private void spin() {
        try {
            Thread.sleep(DELAY_MILLIS);
            for (int i = 0; !Thread.currentThread().isInterrupted(); i++) {
                double seconds = (System.nanoTime() - startNanos) / 1e9;
                long f = functions;
                String counts = f == 0 ? "" : String.format(", %d/%d functions, %.2f MB/s", f >>> 32, f & 0xFFFF_FFFFL,
                        bytesDone / 1e6 / seconds);
                err.printf("\r%c %s... %.1f s%s\u001b[K", SPINNER[i % SPINNER.length], what, seconds, counts);
                err.flush();
                drawn = true;
                Thread.sleep(PERIOD_MILLIS);
            }
        } catch (InterruptedException e) {
            // the work is done
        }
    }

    /** Records a compilation's progress for the next redraw (any thread). */
    @Override
    public void functionsCompiled(int done, int total, long bytesDone, long bytesTotal) {
        this.bytesDone = bytesDone;
        this.functions = (long) done << 32 | (total & 0xFFFF_FFFFL);
    }

    /** Stops the spinner and erases its line, if it was drawn. */
    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn) {
            // The spinner thread has ended: nothing else writes to this line now. Erase it (EL 2).
            err.print("\r\u001b[2K");
            err.flush();
        }
    }
}
