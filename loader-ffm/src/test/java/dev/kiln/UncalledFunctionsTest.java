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
 * calls it: when every caller inlined it, or when it has no caller. Every other function keeps its
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
                (call_indirect (type $i2i) (local.get 0) (local.get 1))))
            """;

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2})
    void onlyFunctionsThatNothingCallsAreLeftWithoutCode(int parallelism) {
        CompileOptions options = new CompileOptions(true, parallelism, CompileOptions.defaults().cpuFeatures());
        Engine engine = Engine.builder().compileOptions(options).build();
        Module module = Module.compile(engine, WAT.getBytes(StandardCharsets.UTF_8));
        ArtifactMetadata meta = module.metadata();
        // funcidx: 0 $inlined, 1 $inTable, 2 $exported, 3 $byGlobal, 4 $uncalled, 5 $slowPath, 6 $init, 7 run, 8 viaTable
        int[] sizes = meta.functions().stream().mapToInt(ArtifactMetadata.FunctionInfo::size).toArray();
        assertEquals(0, sizes[0], "inlined into its only caller");
        assertEquals(0, sizes[4], "no caller");
        for (int f : new int[] {1, 2, 3, 5, 6, 7, 8}) {
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
        }
    }
}
