package dev.kiln.compiler;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntConsumer;

/**
 * List scheduling of a task graph on a fixed number of workers: a task runs once every task it waits
 * for has run, and of the tasks ready at once the one with the highest <em>upward rank</em> (its cost
 * plus the largest upward rank among the tasks waiting for it: the longest path from it to the end,
 * as in HEFT, Topcuoglu et al., IEEE TPDS 13(3), 2002) runs first. The compiler uses it so that the
 * chain of callees in front of a large function is compiled early, and that function does not run
 * alone at the end while the other workers idle. Stateless; thread-safe.
 */
final class CompileSchedule {
    private CompileSchedule() {
    }

    /**
     * Upward ranks of the tasks {@code 0..waitsFor.length-1}: {@code cost[i]} plus the largest rank
     * among the tasks whose {@code waitsFor} lists {@code i}.
     *
     * @param waitsFor by task: the tasks it waits for; the graph must be acyclic
     * @param cost     by task: its cost, in any non-negative unit (the compiler's: body bytes)
     * @throws IllegalArgumentException if the graph has a cycle
     */
    static long[] upwardRanks(int[][] waitsFor, long[] cost) {
        int n = waitsFor.length;
        int[] waiters = new int[n];
        for (int[] w : waitsFor) {
            for (int k : w) {
                waiters[k]++;
            }
        }
        long[] rank = cost.clone();
        int[] work = new int[n];
        int top = 0;
        for (int i = 0; i < n; i++) {
            if (waiters[i] == 0) {
                work[top++] = i;
            }
        }
        int done = 0;
        while (top > 0) {
            int w = work[--top];
            done++;
            for (int k : waitsFor[w]) {
                rank[k] = Math.max(rank[k], cost[k] + rank[w]);
                if (--waiters[k] == 0) {
                    work[top++] = k;
                }
            }
        }
        if (done != n) {
            throw new IllegalArgumentException("the task graph has a cycle");
        }
        return rank;
    }

    /**
     * Runs {@code task} for every task on {@code workers} tasks of {@code pool}, each after the tasks it
     * waits for, highest {@code rank} first among those ready (ties: lower task first), and returns
     * when every task has run. A task that throws does not stop the others; the tasks that wait for it,
     * directly or not, do not run. Then the failure of the task with the lowest {@code failureOrder}
     * is thrown, so that which failure is reported does not depend on the workers' timing.
     *
     * @param failureOrder by task: the key that chooses the failure reported, lowest first
     * @throws ExecutionException   wrapping what the chosen failed task threw (itself, not a copy)
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    static void run(ExecutorService pool, int workers, int[][] waitsFor, long[] rank, long[] failureOrder,
            IntConsumer task) throws InterruptedException, ExecutionException {
        int n = waitsFor.length;
        if (n == 0) {
            return;
        }
        Ready ready = new Ready(rank, n);
        // the tasks waiting for task k are waiters[waiterStart[k] .. waiterStart[k + 1]) (compressed
        // rows: one int per edge, where a list per task boxed each one; llvm.core.wasm has 555,000)
        int[] waiterStart = new int[n + 1];
        AtomicIntegerArray unmet = new AtomicIntegerArray(n);
        for (int i = 0; i < n; i++) {
            unmet.set(i, waitsFor[i].length);
            for (int k : waitsFor[i]) {
                waiterStart[k + 1]++;
            }
        }
        for (int k = 0; k < n; k++) {
            waiterStart[k + 1] += waiterStart[k];
        }
        int[] waiters = new int[waiterStart[n]];
        int[] fill = java.util.Arrays.copyOf(waiterStart, n);
        for (int i = 0; i < n; i++) {
            for (int k : waitsFor[i]) {
                waiters[fill[k]++] = i;
            }
        }
        for (int i = 0; i < n; i++) {
            if (waitsFor[i].length == 0) {
                ready.add(i);
            }
        }
        AtomicInteger remaining = new AtomicInteger(n);
        // by task: what it threw; and whether a task it waits for failed or did not run (it does not run)
        AtomicReferenceArray<Throwable> failures = new AtomicReferenceArray<>(n);
        AtomicIntegerArray blocked = new AtomicIntegerArray(n);
        List<Future<Void>> running = new ArrayList<>(workers);
        for (int w = 0; w < workers; w++) {
            running.add(pool.submit(() -> {
                while (true) {
                    int i = ready.take();
                    if (i < 0) {
                        return null;
                    }
                    boolean failed = blocked.get(i) != 0;
                    if (!failed) {
                        try {
                            task.accept(i);
                        } catch (Throwable t) {
                            failures.set(i, t); // itself: the pool's future would wrap a copy
                            failed = true;
                        }
                    }
                    for (int k = waiterStart[i]; k < waiterStart[i + 1]; k++) {
                        int x = waiters[k];
                        if (failed) {
                            blocked.set(x, 1);
                        }
                        if (unmet.decrementAndGet(x) == 0) {
                            ready.add(x);
                        }
                    }
                    if (remaining.decrementAndGet() == 0) {
                        ready.stop();
                    }
                }
            }));
        }
        for (Future<Void> f : running) {
            f.get();
        }
        int reported = -1;
        for (int i = 0; i < n; i++) {
            if (failures.get(i) != null && (reported < 0 || failureOrder[i] < failureOrder[reported])) {
                reported = i;
            }
        }
        if (reported >= 0) {
            throw new ExecutionException(failures.get(reported));
        }
    }

    /**
     * The ready tasks: a binary heap of task numbers, the highest rank first and of equal ranks the
     * lower task, with its own monitor for the workers to wait on. Primitive, so that taking a task
     * boxes nothing and compares through no comparator object (the compiler takes one per function).
     */
    private static final class Ready {
        private final long[] rank;
        private final int[] heap;
        private int size;
        private boolean stopped;

        Ready(long[] rank, int capacity) {
            this.rank = rank;
            this.heap = new int[capacity];
        }

        /** Whether task {@code x} runs before task {@code y}. */
        private boolean before(int x, int y) {
            return rank[x] != rank[y] ? rank[x] > rank[y] : x < y;
        }

        /** Adds task {@code i}; each task is added at most once, so the heap never grows. */
        synchronized void add(int i) {
            int k = size++;
            while (k > 0) {
                int parent = (k - 1) >>> 1;
                if (!before(i, heap[parent])) {
                    break;
                }
                heap[k] = heap[parent];
                k = parent;
            }
            heap[k] = i;
            notify();
        }

        /** From now on {@link #take} returns -1, to every worker. */
        synchronized void stop() {
            stopped = true;
            notifyAll();
        }

        /**
         * The first ready task, waiting for one; -1 once {@link #stop} was called.
         *
         * @throws InterruptedException if the thread is interrupted while waiting
         */
        synchronized int take() throws InterruptedException {
            while (size == 0 && !stopped) {
                wait();
            }
            if (stopped) {
                return -1;
            }
            int first = heap[0];
            int last = heap[--size];
            int k = 0;
            while (true) {
                int c = 2 * k + 1;
                if (c >= size) {
                    break;
                }
                if (c + 1 < size && before(heap[c + 1], heap[c])) {
                    c++;
                }
                if (!before(heap[c], last)) {
                    break;
                }
                heap[k] = heap[c];
                k = c;
            }
            heap[k] = last;
            return first;
        }
    }
}
