package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The runtime at scale, on whatever instruction set the JVM runs (the AArch64 stage of {@code .ci/run}
 * runs it in an emulated AArch64 JVM): a memory grown to 1 GiB by the guest and used at its last byte,
 * and 100 instances of one module in 100 stores called from 8 threads at once.
 */
class ScaleTest extends StoreFixture {
    private static final String GROW = """
            (module
              (memory (export "mem") 1)
              (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
              (func (export "poke") (param $at i32) (param $v i32) (result i32)
                (i32.store8 (local.get $at) (local.get $v))
                (i32.load8_u (local.get $at))))
            """;

    @Test
    void memoryGrowsToOneGibibyte() {
        Instance i = Instance.create(store, compile(GROW));
        assertEquals(1, i.func("grow").call(Val.i32(16383))[0].i32(), "the old size in 64 KiB pages");
        assertEquals(16384, i.memory("mem").size());
        int last = (int) ((1L << 30) - 1);
        assertEquals(0x5A, i.func("poke").call(Val.i32(last), Val.i32(0x5A))[0].i32());
        assertEquals(0x5A, i.memory("mem").segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, last));
        org.junit.jupiter.api.Assertions.assertThrows(Trap.class,
                () -> i.func("poke").call(Val.i32(last + 1), Val.i32(1)), "one byte past 1 GiB");
    }

    private static final String COUNTER = """
            (module
              (global $n (mut i64) (i64.const 0))
              (func $fib (param $n i64) (result i64)
                (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
                  (then (local.get $n))
                  (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                                 (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
              (func (export "run") (param $k i64) (result i64)
                (global.set $n (i64.add (global.get $n) (local.get $k)))
                (i64.add (call $fib (i64.const 20)) (global.get $n))))
            """;

    @Test
    void hundredInstancesRunConcurrently() throws Exception {
        Module m = compile(COUNTER);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Long>> results = new ArrayList<>();
            for (int k = 0; k < 100; k++) {
                long key = k;
                results.add(pool.submit(() -> {
                    try (Store s = new Store(engine)) {
                        Instance i = Instance.create(s, m);
                        long r = 0;
                        for (int rep = 0; rep < 3; rep++) {
                            r = i.func("run").call(Val.i64(key))[0].i64();
                        }
                        return r;
                    }
                }));
            }
            for (int k = 0; k < 100; k++) {
                assertEquals(6765 + 3L * k, results.get(k).get(), "instance " + k);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
