package dev.kiln.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class CompileScheduleTest {
    // 0 waits for 1 and 2; 1 waits for 3; 4 waits for nothing and nothing waits for it
    private static final int[][] WAITS_FOR = {{1, 2}, {3}, {}, {}, {}};
    private static final long[] COST = {100, 10, 5, 1, 50};

    @Test
    void theUpwardRankIsTheLongestCostPathToTheEnd() {
        long[] rank = CompileSchedule.upwardRanks(WAITS_FOR, COST);
        assertArrayEquals(new long[] {100, 110, 105, 111, 50}, rank);
        assertThrows(IllegalArgumentException.class,
                () -> CompileSchedule.upwardRanks(new int[][] {{1}, {0}}, new long[] {1, 1}));
    }

    @Test
    void oneWorkerRunsTheReadyTaskOfHighestRankFirst() throws Exception {
        List<Integer> order = new CopyOnWriteArrayList<>();
        ExecutorService pool = new ForkJoinPool(1);
        try {
            CompileSchedule.run(pool, 1, WAITS_FOR, CompileSchedule.upwardRanks(WAITS_FOR, COST), new long[5], order::add);
        } finally {
            pool.shutdown();
        }
        // ready at first: 2 (105), 3 (111), 4 (50); 3 readies 1 (110), which beats 2; then 0 is ready
        assertEquals(List.of(3, 1, 2, 0, 4), order);
    }

    @Test
    void oneWorkerTakesIndependentTasksByRankThenByNumber() throws Exception {
        int n = 2_000;
        long[] rank = new long[n];
        java.util.Random random = new java.util.Random(19);
        for (int i = 0; i < n; i++) {
            rank[i] = random.nextInt(50); // many equal ranks: the lower task first among them
        }
        List<Integer> order = new CopyOnWriteArrayList<>();
        ExecutorService pool = new ForkJoinPool(1);
        try {
            CompileSchedule.run(pool, 1, new int[n][0], rank, new long[n], order::add);
        } finally {
            pool.shutdown();
        }
        List<Integer> expected = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        expected.sort((x, y) -> rank[x] != rank[y] ? Long.compare(rank[y], rank[x]) : Integer.compare(x, y));
        assertEquals(expected, order);
    }

    @Test
    void everyTaskRunsOnceAfterTheTasksItWaitsFor() throws Exception {
        int n = 2000;
        int[][] waitsFor = new int[n][];
        long[] cost = new long[n];
        for (int i = 0; i < n; i++) {
            waitsFor[i] = i < 10 ? new int[0] : new int[] {i / 2, i / 3, i - 7};
            cost[i] = i % 13;
        }
        int[] runs = new int[n];
        boolean[] done = new boolean[n];
        List<String> errors = new CopyOnWriteArrayList<>();
        ExecutorService pool = new ForkJoinPool(4);
        try {
            CompileSchedule.run(pool, 4, waitsFor, CompileSchedule.upwardRanks(waitsFor, cost), new long[n], i -> {
                for (int k : waitsFor[i]) {
                    synchronized (done) {
                        if (!done[k]) {
                            errors.add(i + " before " + k);
                        }
                    }
                }
                synchronized (done) {
                    runs[i]++;
                    done[i] = true;
                }
            });
        } finally {
            pool.shutdown();
        }
        assertEquals(List.of(), errors);
        for (int i = 0; i < n; i++) {
            assertEquals(1, runs[i], "task " + i);
        }
        CompileSchedule.run(pool, 2, new int[0][], new long[0], new long[0], i -> errors.add("ran " + i)); // nothing to run
        assertEquals(List.of(), errors);
    }

    @Test
    void theTasksAfterAFailedOneDoNotRunTheOthersDoAndTheFirstFailureByOrderIsThrown() throws Exception {
        // 3 and 4 fail; 1 waits for 3 and 0 for 1, so neither runs; 2 runs
        RuntimeException three = new IllegalStateException("task 3");
        RuntimeException four = new IllegalStateException("task 4");
        for (long[] failureOrder : new long[][] {{0, 0, 0, 1, 2}, {0, 0, 0, 2, 1}}) {
            for (int workers : new int[] {1, 2}) {
                List<Integer> ran = new CopyOnWriteArrayList<>();
                ExecutorService pool = new ForkJoinPool(workers);
                try {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> CompileSchedule.run(pool,
                            workers, WAITS_FOR, CompileSchedule.upwardRanks(WAITS_FOR, COST), failureOrder, i -> {
                                if (i == 3) {
                                    throw three;
                                }
                                if (i == 4) {
                                    throw four;
                                }
                                ran.add(i);
                            }));
                    assertSame(failureOrder[3] < failureOrder[4] ? three : four, e.getCause(), workers + " workers");
                } finally {
                    pool.shutdown();
                }
                assertEquals(List.of(2), ran, workers + " workers");
            }
        }
    }
}
