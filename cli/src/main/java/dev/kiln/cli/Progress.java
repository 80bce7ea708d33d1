package dev.kiln.cli;

import java.io.Console;
import java.io.PrintWriter;

/**
 * A progress line on stderr for slow work: after one second, a spinner with the elapsed time,
 * redrawn ten times a second on one line ({@code \r}) by a daemon thread, and erased when the work
 * ends. Shown only when the JVM has an interactive terminal ({@link Console#isTerminal()}), so
 * redirected output and tests never see it.
 *
 * <p>Use one per task, in a try-with-resources block, from one thread.
 */
final class Progress implements AutoCloseable {
    private static final long DELAY_MILLIS = 1000;
    private static final long PERIOD_MILLIS = 100;
    private static final char[] SPINNER = {'|', '/', '-', '\\'};

    private final String what;
    private final PrintWriter err;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean drawn;

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
                err.printf("\r%c %s... %.1f s", SPINNER[i % SPINNER.length], what, seconds);
                err.flush();
                drawn = true;
                Thread.sleep(PERIOD_MILLIS);
            }
        } catch (InterruptedException e) {
            // the work is done
        }
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
