package dev.kiln.wasi;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * An input stream (a program's stdin) that {@code poll_oneoff} can wait on with a timeout. Java
 * streams cannot be polled, so a wait with nothing {@link InputStream#available() available} starts
 * one read ahead on a short-lived daemon thread: the wait ends when that read returns (data, end of
 * stream or an error) or at the deadline, whichever comes first. The bytes read ahead are what the
 * next {@link #read} returns; a {@link #read} while the read ahead is still blocked waits for it (it
 * is the same blocking read). Without polls, reads go straight to the stream on the caller's thread.
 *
 * <p>This is how Wasmtime waits on its stdin too (a worker thread reading ahead). A read ahead still
 * blocked when the program ends leaves its thread blocked in the stream's {@code read} until the
 * stream yields (a daemon thread: it never keeps the JVM alive).
 *
 * <p>Thread-safe (the read-ahead thread and the program's thread share it under one lock).
 */
final class PollableInput {
    /** The most one read ahead takes (bytes). */
    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final Object lock = new Object();
    /** Read ahead, not yet consumed: {@code ahead[aheadPos, aheadEnd)}. */
    private byte[] ahead = new byte[0];
    private int aheadPos;
    private int aheadEnd;
    /** The read ahead found the end of the stream (cleared by the {@link #read} that reports it). */
    private boolean eof;
    /** The read ahead failed (rethrown by the next {@link #read}). */
    private IOException failure;
    /** A read ahead is blocked in {@code in.read}. */
    private boolean reading;

    PollableInput(InputStream in) {
        this.in = in;
    }

    /**
     * Reads like {@link InputStream#read(byte[], int, int)}: first what was read ahead, else from the
     * stream (blocking until some input, the end of the stream or an error).
     *
     * @throws InterruptedIOException if the thread is interrupted while a read ahead is blocked
     */
    int read(byte[] b, int off, int len) throws IOException {
        synchronized (lock) {
            while (reading) {
                waitOn(0);
            }
            if (aheadEnd > aheadPos) {
                int n = Math.min(len, aheadEnd - aheadPos);
                System.arraycopy(ahead, aheadPos, b, off, n);
                aheadPos += n;
                return n;
            }
            if (failure != null) {
                IOException f = failure;
                failure = null;
                throw f;
            }
            if (eof) {
                eof = false;
                return -1;
            }
        }
        return in.read(b, off, len);
    }

    /** Bytes a {@link #read} returns without blocking (0 when unknown). */
    int available() throws IOException {
        synchronized (lock) {
            if (aheadEnd > aheadPos) {
                return aheadEnd - aheadPos;
            }
            if (reading || eof || failure != null) {
                return 0;
            }
        }
        return Math.max(0, in.available());
    }

    /** Whether the stream is known to be at its end (a read ahead found it). */
    boolean atEnd() {
        synchronized (lock) {
            return eof && aheadEnd <= aheadPos;
        }
    }

    /** Whether a {@link #read} would not block now (input, end of stream or an error); starts no read ahead. */
    boolean ready() throws IOException {
        synchronized (lock) {
            if (readyLocked()) {
                return true;
            }
            if (reading) {
                return false;
            }
        }
        return in.available() > 0;
    }

    /**
     * Waits until a {@link #read} would not block (input, end of stream or an error), at most until
     * {@code deadline}.
     *
     * @param deadline a {@link System#nanoTime()} value; ignored when {@code forever}
     * @return whether a read would not block now
     * @throws InterruptedIOException if the thread is interrupted while waiting
     */
    boolean await(long deadline, boolean forever) throws IOException {
        synchronized (lock) {
            if (readyLocked()) {
                return true;
            }
            if (!reading) {
                if (in.available() > 0) {
                    return true;
                }
                reading = true;
                Thread.ofPlatform().daemon().name("kiln-wasi-read-ahead").start(this::readAhead);
            }
            while (!readyLocked()) {
                long left = forever ? 0 : deadline - System.nanoTime();
                if (!forever && left <= 0) {
                    return false;
                }
                waitOn(left);
            }
            return true;
        }
    }

    /** Whether input is ready without asking the stream (the lock is held). */
    private boolean readyLocked() {
        return !reading && (aheadEnd > aheadPos || eof || failure != null);
    }

    /** Waits on the lock for {@code nanos} (0: until notified); the lock is held. */
    private void waitOn(long nanos) throws InterruptedIOException {
        try {
            if (nanos <= 0) {
                lock.wait();
            } else {
                lock.wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for input");
        }
    }

    /** The read-ahead thread: one blocking read, then its result for the program's thread. */
    private void readAhead() {
        byte[] b = new byte[CHUNK];
        int n = 0;
        IOException error = null;
        try {
            n = in.read(b, 0, b.length);
        } catch (IOException e) {
            error = e;
        } catch (RuntimeException e) {
            error = new IOException(e);
        }
        synchronized (lock) {
            reading = false;
            if (error != null) {
                failure = error;
            } else if (n < 0) {
                eof = true;
            } else {
                ahead = b;
                aheadPos = 0;
                aheadEnd = n;
            }
            lock.notifyAll();
        }
    }
}
