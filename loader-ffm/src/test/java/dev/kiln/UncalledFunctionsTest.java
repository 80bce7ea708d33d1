package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.TrapCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A function reached only through direct calls (not exported, in no table or element segment, named by
 * no global initializer, not the start function) gets no machine code when no optimized function
 * calls it: when every caller inlined it, when every call of it was optimized away, or when it has no
 * caller. Every other function keeps its
 * code: one referenced as a value in any of those ways, and one that a caller still calls, here on a
 * cold path, which the inliner leaves as a call. With one compile worker and with two (the two
 * schedules of the driver).
 */
class UncalledFunctionsTest {
    private static final String WAT = """
            (module
              (type $i2i (func (param i32) (result i32)))
              (global $cold (export "cold") (mut i32) (i32.const 0))
              (global $started (export "started") (mut i32) (i32.const 0))
              (global $byRef funcref (ref.func $byGlobal))
              (table 2 funcref) (elem (i32.const 0) $inTable)
              (func $inlined (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
              (func $inTable (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
              (func $exported (export "exported") (param i32) (result i32) (i32.sub (local.get 0) (i32.const 3)))
              (func $byGlobal (param i32) (result i32) (i32.shl (local.get 0) (i32.const 4)))
              (func $uncalled (result i32) (i32.const 42))
              (func $slowPath (param i32) (global.set $cold (local.get 0)))
              (func $init (global.set $started (i32.const 7)))
              (start $init)
              (func (export "run") (param i32) (result i32)
                (if (i32.eq (local.get 0) (i32.const 99)) (then (call $slowPath (local.get 0)) unreachable))
                (i32.add (i32.add (call $inlined (local.get 0)) (call $inTable (local.get 0)))
                         (i32.add (call $exported (local.get 0)) (call $byGlobal (local.get 0)))))
              (func (export "viaTable") (param i32 i32) (result i32)
                (table.set (i32.const 1) (global.get $byRef))
                (call_indirect (type $i2i) (local.get 0) (local.get 1)))
              (func $mixed (param i32) (result i32)
                (i32.sub (i32.xor (i32.mul (i32.add (local.get 0) (i32.const 3)) (i32.const 5))
                                  (i32.rotl (local.get 0) (i32.const 7)))
                         (i32.shr_u (i32.or (local.get 0) (i32.const 11)) (i32.const 2))))
              (func $mixedInLoop (param i32) (result i32)
                (i32.sub (i32.xor (i32.mul (i32.add (local.get 0) (i32.const 4)) (i32.const 6))
                                  (i32.rotl (local.get 0) (i32.const 9)))
                         (i32.shr_u (i32.or (local.get 0) (i32.const 13)) (i32.const 3))))
              (func $optimizedAway (param i32) (result i32)
                (i32.sub (i32.xor (i32.mul (i32.add (local.get 0) (i32.const 5)) (i32.const 7))
                                  (i32.rotl (local.get 0) (i32.const 11)))
                         (i32.shr_u (i32.or (local.get 0) (i32.const 17)) (i32.const 4))))
              (func (export "straight") (param i32) (result i32)
                (if (i32.and (i32.const 2) (i32.const 1)) (then (drop (call $optimizedAway (local.get 0)))))
                (call $mixed (local.get 0)))
              (func (export "loop") (param i32) (result i32) (local $i i32) (local $sum i32)
                (loop $l
                  (local.set $sum (i32.add (local.get $sum) (call $mixedInLoop (local.get $i))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
                (local.get $sum)))
            """;

    /** What {@code $mixed} (a = 3, b = 5, c = 7, d = 11, e = 2) and its copies compute. */
    private static int mixed(int x, int a, int b, int c, int d, int e) {
        return ((x + a) * b ^ Integer.rotateLeft(x, c)) - ((x | d) >>> e);
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2})
    void onlyFunctionsThatNothingCallsAreLeftWithoutCode(int parallelism) {
        CompileOptions options = new CompileOptions(true, parallelism, CompileOptions.defaults().cpuFeatures());
        Engine engine = Engine.builder().compileOptions(options).build();
        Module module = Module.compile(engine, WAT.getBytes(StandardCharsets.UTF_8));
        ArtifactMetadata meta = module.metadata();
        // funcidx: 0 $inlined, 1 $inTable, 2 $exported, 3 $byGlobal, 4 $uncalled, 5 $slowPath, 6 $init, 7 run,
        // 8 viaTable, 9 $mixed, 10 $mixedInLoop, 11 $optimizedAway, 12 straight, 13 loop
        int[] sizes = meta.functions().stream().mapToInt(ArtifactMetadata.FunctionInfo::size).toArray();
        assertEquals(0, sizes[0], "inlined into its only caller");
        assertEquals(0, sizes[4], "no caller");
        // larger than what is inlined outside loops, small enough for a loop: its IR is kept only for
        // the caller that calls it in a loop, and only that caller inlines it
        assertEquals(0, sizes[10], "inlined into the loop of its only caller");
        // not kept for inlining (its one call is outside loops): its code is made before its caller is
        // optimized, and dropped once the caller's call of it is found dead
        assertEquals(0, sizes[11], "its only call optimized away");
        for (int f : new int[] {1, 2, 3, 5, 6, 7, 8, 9, 12, 13}) {
            assertTrue(sizes[f] > 0, "function " + f + " has code: " + java.util.Arrays.toString(sizes));
        }
        try (Store store = new Store(engine)) {
            Instance i = Instance.create(store, module);
            assertEquals(7, i.global("started").get().i32(), "the start function ran");
            assertEquals(6 + 10 + 2 + 80, i.func("run").call(Val.i32(5))[0].i32());
            assertEquals(2, i.func("exported").call(Val.i32(5))[0].i32());
            assertEquals(10, i.func("viaTable").call(Val.i32(5), Val.i32(0))[0].i32());
            assertEquals(80, i.func("viaTable").call(Val.i32(5), Val.i32(1))[0].i32());
            Trap t = assertThrows(Trap.class, () -> i.func("run").call(Val.i32(99)));
            assertEquals(TrapCode.UNREACHABLE, t.kind());
            assertEquals(99, i.global("cold").get().i32(), "the call on the cold path ran");
            assertEquals(mixed(123_456, 3, 5, 7, 11, 2), i.func("straight").call(Val.i32(123_456))[0].i32());
            int sum = 0;
            for (int x = 0; x < 10; x++) {
                sum += mixed(x, 4, 6, 9, 13, 3);
            }
            assertEquals(sum, i.func("loop").call(Val.i32(10))[0].i32());
        }
    }
}
