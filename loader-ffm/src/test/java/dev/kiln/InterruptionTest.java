package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Epoch interruption and fuel metering (Wasmtime's two ways of stopping a runaway guest). */
class InterruptionTest {
    private static final Engine EPOCH = Engine.builder().epochInterruption(true).build();
    private static final Engine FUEL = Engine.builder().consumeFuel(true).build();

    private static final String LOOPS = """
            (module
              (func (export "spin") (loop $l (br $l)))
              (func (export "leaf") (result i32) (i32.add (i32.const 1) (i32.const 2)))
              (func $rec (export "rec") (call $rec))
              (func (export "count") (param $n i32) (result i32) (local $i i32)
                (loop $l
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $i))
              ;; many values live across every loop header: integers and floats
              (func (export "mix") (param $n i32) (result f64)
                (local $i i32) (local $a i64) (local $b i64) (local $c i32) (local $x f64) (local $y f64) (local $z f32)
                (loop $l
                  (local.set $a (i64.add (local.get $a) (i64.extend_i32_u (local.get $i))))
                  (local.set $b (i64.xor (local.get $b) (i64.mul (local.get $a) (i64.const 3))))
                  (local.set $c (i32.add (local.get $c) (i32.const 7)))
                  (local.set $x (f64.add (local.get $x) (f64.const 0.5)))
                  (local.set $y (f64.mul (f64.add (local.get $y) (f64.const 1)) (f64.const 0.999)))
                  (local.set $z (f32.add (local.get $z) (f32.const 0.25)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
                (f64.add (f64.add (f64.convert_i64_u (local.get $a)) (f64.convert_i64_u (i64.and (local.get $b) (i64.const 0xffff))))
                  (f64.add (f64.add (f64.convert_i32_u (local.get $c)) (local.get $x))
                    (f64.add (local.get $y) (f64.promote_f32 (local.get $z)))))))
            """;

    private static Module compile(Engine engine) {
        return Module.compile(engine, LOOPS.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void epochFromAnotherThreadStopsAnInfiniteLoop() throws Exception {
        try (Store store = new Store(EPOCH)) {
            Instance i = Instance.create(store, compile(EPOCH));
            store.setEpochDeadline(1);
            AtomicLong ticked = new AtomicLong();
            Thread ticker = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                ticked.set(System.nanoTime());
                EPOCH.incrementEpoch();
            });
            Trap trap = assertThrows(Trap.class, () -> i.func("spin").call());
            long latency = System.nanoTime() - ticked.get();
            ticker.join();
            assertSame(TrapCode.INTERRUPT, trap.kind());
            assertEquals("interrupt", TrapCode.INTERRUPT.message());
            // a generous bound (a loaded CI machine); the figure itself is reported, not asserted
            assertTrue(latency < 2_000_000_000L, "interrupted " + latency / 1e6 + " ms after the tick");
            System.out.printf("epoch interruption latency: %.3f ms%n", latency / 1e6);
        }
    }

    @Test
    void aFunctionWithoutLoopsChecksAtEntry() {
        try (Store store = new Store(EPOCH)) {
            Instance i = Instance.create(store, compile(EPOCH));
            assertEquals(3, i.func("leaf").call()[0].i32()); // no deadline yet
            store.setEpochDeadline(0);
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> i.func("leaf").call()).kind());
            store.setEpochDeadline(1);
            assertEquals(3, i.func("leaf").call()[0].i32());
        }
    }

    @Test
    void callbackExtendsTheDeadlineThenTraps() {
        try (Store store = new Store(EPOCH)) {
            Instance i = Instance.create(store, compile(EPOCH));
            AtomicInteger calls = new AtomicInteger();
            store.epochDeadlineCallback(s -> {
                assertSame(store, s);
                return calls.incrementAndGet() <= 5 ? 0 : EpochDeadlineCallback.TRAP;
            });
            store.setEpochDeadline(0);
            // deadline 0: every check calls back; 5 extensions, then the trap
            Trap trap = assertThrows(Trap.class, () -> i.func("spin").call());
            assertSame(TrapCode.INTERRUPT, trap.kind());
            assertEquals(6, calls.get());
        }
    }

    @Test
    void theSlowPathPreservesEveryRegister() {
        double expected;
        try (Store store = new Store(EPOCH)) {
            expected = Instance.create(store, compile(EPOCH)).func("mix").call(Val.i32(1000))[0].f64();
        }
        try (Store store = new Store(EPOCH)) {
            Instance i = Instance.create(store, compile(EPOCH));
            AtomicInteger calls = new AtomicInteger();
            store.epochDeadlineCallback(s -> {
                calls.incrementAndGet();
                return 0; // call back at every loop header
            });
            store.setEpochDeadline(0);
            assertEquals(expected, i.func("mix").call(Val.i32(1000))[0].f64());
            assertEquals(1001, calls.get()); // the entry and 1000 loop headers
        }
        try (Store store = new Store(Engine.create())) {
            assertEquals(expected, Instance.create(store, compile(store.engine())).func("mix").call(Val.i32(1000))[0].f64());
        }
    }

    /** The engine's tick interrupts exactly the stores whose deadline it reaches, and a new deadline undoes a raised flag. */
    @Test
    void anEpochTickStopsOnlyTheStoresWhoseDeadlineItReaches() {
        Engine engine = Engine.builder().epochInterruption(true).build();
        Module module = compile(engine);
        try (Store near = new Store(engine); Store far = new Store(engine)) {
            Instance a = Instance.create(near, module);
            Instance b = Instance.create(far, module);
            near.setEpochDeadline(1);
            far.setEpochDeadline(1_000);
            engine.incrementEpoch();
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> a.func("spin").call()).kind());
            assertEquals(100, b.func("count").call(Val.i32(100))[0].i32());
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> a.func("leaf").call()).kind()); // still reached
            near.setEpochDeadline(5); // the flag raised for the old deadline is stale now
            assertEquals(3, a.func("leaf").call()[0].i32());
            assertEquals(100, a.func("count").call(Val.i32(100))[0].i32());
        }
    }

    /**
     * Every instance of a store has its own interrupt flag: a tick stops a loop in an instance that
     * another instance called into, and an instance created while the flags are raised starts raised
     * (its start function, an infinite loop, is interrupted).
     */
    @Test
    void theTickReachesEveryInstanceOfTheStoreAndOnesCreatedLater() {
        Engine engine = Engine.builder().epochInterruption(true).build();
        Module callee = compile(engine);
        Module caller = Module.compile(engine, """
                (module
                  (import "callee" "spin" (func $spin))
                  (func (export "run") (call $spin)))
                """.getBytes(StandardCharsets.UTF_8));
        Module spinsAtStart = Module.compile(engine, """
                (module (func $start (loop $l (br $l))) (start $start))
                """.getBytes(StandardCharsets.UTF_8));
        try (Store store = new Store(engine)) {
            Instance b = Instance.create(store, callee);
            Instance a = new Linker().instance("callee", b).instantiate(store, caller);
            store.setEpochDeadline(1);
            Thread ticker = Thread.ofPlatform().daemon().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                }
                engine.incrementEpoch();
            });
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> a.func("run").call()).kind());
            assertDoesNotThrow(() -> ticker.join());
            // the deadline is still reached and the flags are raised again by the new deadline 0
            store.setEpochDeadline(0);
            // preemptively: without the raised flag the start function would spin for ever
            Trap trap = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> assertThrows(Trap.class, () -> Instance.create(store, spinsAtStart)));
            assertSame(TrapCode.INTERRUPT, trap.kind());
        }
    }

    @Test
    void anExceptionFromTheCallbackReachesTheCaller() {
        try (Store store = new Store(EPOCH)) {
            Instance i = Instance.create(store, compile(EPOCH));
            IllegalStateException boom = new IllegalStateException("boom");
            store.epochDeadlineCallback(s -> {
                throw boom;
            });
            store.setEpochDeadline(0);
            assertSame(boom, assertThrows(IllegalStateException.class, () -> i.func("spin").call()));
            store.epochDeadlineCallback(null);
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> i.func("spin").call()).kind());
        }
    }

    @Test
    void timeoutInterruptsACall() {
        try (Store store = new Store(EPOCH)) {
            Instance i = Instance.create(store, compile(EPOCH));
            long t0 = System.nanoTime();
            store.setTimeout(Duration.ofMillis(50));
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> i.func("spin").call()).kind());
            long elapsed = System.nanoTime() - t0;
            assertTrue(elapsed >= 40_000_000L, "stopped " + elapsed / 1e6 + " ms after a 50 ms timeout was set");
        }
    }

    @Test
    void epochTickerAdvancesTheEpoch() throws Exception {
        Engine engine = Engine.builder().epochInterruption(true).build();
        try (Store store = new Store(engine); AutoCloseable ticker = engine.startEpochTicker(Duration.ofMillis(1))) {
            Instance i = Instance.create(store, compile(engine));
            store.setEpochDeadline(20);
            assertSame(TrapCode.INTERRUPT, assertThrows(Trap.class, () -> i.func("spin").call()).kind());
            assertTrue(engine.epoch() >= 20);
        }
    }

    @Test
    void fuelStopsAnInfiniteLoop() {
        try (Store store = new Store(FUEL)) {
            Instance i = Instance.create(store, compile(FUEL));
            assertEquals(0, store.getFuel());
            store.setFuel(10_000);
            Trap trap = assertThrows(Trap.class, () -> i.func("spin").call());
            assertSame(TrapCode.OUT_OF_FUEL, trap.kind());
            assertEquals("all fuel consumed", trap.kind().message());
            assertEquals(0, store.getFuel());
            store.setFuel(1_000);
            assertSame(TrapCode.OUT_OF_FUEL, assertThrows(Trap.class, () -> i.func("rec").call()).kind());
        }
    }

    @Test
    void fuelAccountingIsExactAndDeterministic() {
        try (Store store = new Store(FUEL)) {
            Instance i = Instance.create(store, compile(FUEL));
            store.setFuel(100);
            assertEquals(3, i.func("leaf").call()[0].i32());
            assertEquals(97, store.getFuel()); // i32.const, i32.const, i32.add; end is free
            store.setFuel(3);
            assertEquals(3, i.func("leaf").call()[0].i32()); // exactly enough
            assertEquals(0, store.getFuel());
            assertSame(TrapCode.OUT_OF_FUEL, assertThrows(Trap.class, () -> i.func("leaf").call()).kind());

            store.setFuel(1_000_000);
            assertEquals(100, i.func("count").call(Val.i32(100))[0].i32());
            long first = 1_000_000 - store.getFuel();
            store.setFuel(1_000_000);
            assertEquals(100, i.func("count").call(Val.i32(100))[0].i32());
            assertEquals(first, 1_000_000 - store.getFuel());
            // per iteration: the loop body's 8 instructions (br_if included); then local.get once
            assertEquals(100 * 8 + 1, first);
            store.addFuel(5);
            assertEquals(1_000_000 - first + 5, store.getFuel());
        }
    }

    /**
     * Compiled code keeps the fuel consumed in a register between calls: a host function must still
     * see what was consumed up to its call, and fuel it adds must count when the guest goes on.
     */
    @Test
    void hostFunctionsSeeAndRefillTheFuelOfARunningCall() {
        String wat = """
                (module
                  (import "env" "probe" (func $probe))
                  (func (export "once") (result i32)
                    (drop (i32.const 1))
                    (call $probe)
                    (i32.const 7))
                  (func (export "loop") (param $n i32) (local $i i32)
                    (loop $l
                      (call $probe)
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))))
                """;
        Module module = Module.compile(FUEL, wat.getBytes(StandardCharsets.UTF_8));
        try (Store store = new Store(FUEL)) {
            AtomicLong seen = new AtomicLong(-1);
            AtomicLong refill = new AtomicLong();
            Func probe = Func.wrap(store, FuncType.of(java.util.List.of(), java.util.List.of()), args -> {
                seen.set(store.getFuel());
                store.addFuel(refill.get());
                return new Val[0];
            });
            Instance i = new Linker().define("env", "probe", probe).instantiate(store, module);
            store.setFuel(100);
            assertEquals(7, i.func("once").call()[0].i32());
            // the entry block is charged in full before it runs: i32.const, drop (free), call, i32.const
            assertEquals(97, seen.get());
            assertEquals(97, store.getFuel());

            // 100 iterations of 8 instructions, with 50 fuel: only the probe's refills let it finish
            store.setFuel(50);
            refill.set(10);
            i.func("loop").call(Val.i32(100));
            long left = store.getFuel();
            store.setFuel(1_000_000);
            refill.set(0);
            i.func("loop").call(Val.i32(100));
            long used = 1_000_000 - store.getFuel();
            assertEquals(50 + 100 * 10 - used, left);
            store.setFuel(50);
            assertSame(TrapCode.OUT_OF_FUEL, assertThrows(Trap.class, () -> i.func("loop").call(Val.i32(100))).kind());
            assertEquals(0, store.getFuel());
        }
    }

    @Test
    void optionsOffMeansNoApiAndNoMixing() throws Exception {
        Engine plain = Engine.create();
        try (Store store = new Store(plain)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.setFuel(1));
            assertTrue(e.getMessage().contains("consumeFuel(true)"), e.getMessage());
            assertThrows(IllegalStateException.class, store::getFuel);
            assertThrows(IllegalStateException.class, () -> store.setEpochDeadline(1));
            assertThrows(IllegalStateException.class, () -> store.setTimeout(Duration.ofSeconds(1)));
            Module fueled = compile(FUEL);
            assertTrue(fueled.metadata().options().consumeFuel());
            IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                    () -> Instance.create(store, fueled));
            assertTrue(mixed.getMessage().contains("fuel metering"), mixed.getMessage());
            byte[] artifact = compile(EPOCH).serialize();
            IllegalArgumentException load = assertThrows(IllegalArgumentException.class,
                    () -> Module.fromArtifact(plain, artifact));
            assertTrue(load.getMessage().contains("epoch interruption"), load.getMessage());
            Module reloaded = Module.fromArtifact(EPOCH, artifact);
            assertTrue(reloaded.metadata().options().epochInterruption());
        }
    }
}
