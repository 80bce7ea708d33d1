package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link CompileCost} on small modules. */
class CompileCostTest {
    /** Three defined functions (one import), a loop among them; {@link CompareBuildsTest} compiles it too. */
    static final String MODULE = """
            (module
              (import "env" "f" (func $f (param i32)))
              (func (export "sum") (param $n i32) (result i32) (local $s i32)
                (block $done
                  (loop $next
                    (br_if $done (i32.eqz (local.get $n)))
                    (local.set $s (i32.add (local.get $s) (local.get $n)))
                    (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                    (br $next)))
                (local.get $s))
              (func (export "call") (param i32) (call $f (local.get 0)))
              (func (export "id") (param i64) (result i64) (local.get 0)))
            """;

    @Test
    void everyDefinedFunctionHasATimeAndTheSumHoldsTheParts() {
        CompileCost.Result r = CompileCost.measure(MODULE.getBytes(StandardCharsets.UTF_8), "test.wat", 3);
        assertEquals(3, r.functions());
        assertTrue(r.sumNanos() > 0, r.toString());
        assertTrue(r.largestNanos() > 0 && r.largestNanos() <= r.sumNanos(), r.toString());
        // the first function to complete is left out: its time would include the decoding before it
        assertEquals(0, r.leastNanos()[0]);
        assertTrue(r.leastNanos()[1] > 0 && r.leastNanos()[2] > 0, java.util.Arrays.toString(r.leastNanos()));
        assertEquals(r.sumNanos(), r.leastNanos()[1] + r.leastNanos()[2]);
        assertEquals(0, r.largeNanos(), "no body has 10,000 bytes");
        assertTrue(r.allocatedBytes() > 0, r.toString());
        // every body is under 1 KiB: the first size class holds them all
        assertTrue(r.classBytes()[0] > 0, r.toString());
        assertEquals(r.sumNanos(), r.classNanos()[0]);
        for (int c = 1; c < CompileCost.SIZE_CLASSES.length; c++) {
            assertEquals(0, r.classBytes()[c]);
            assertEquals(0, r.classNanos()[c]);
        }
    }

    @Test
    void eachBodyIsSummedInItsSizeClass() {
        // one body of 1,500 bytes or so (1-8 KiB), one of a few bytes (under 1 KiB)
        String big = "(func (export \"big\") (param i32) (result i32) (local.get 0)"
                + " (i32.const 100000) (i32.add)".repeat(300) + ")";
        String module = "(module " + big + " (func (export \"small\") (result i32) (i32.const 1)))";
        CompileCost.Result r = CompileCost.measure(module.getBytes(StandardCharsets.UTF_8), "sizes.wat", 2);
        assertEquals(2, r.functions());
        assertTrue(r.classBytes()[0] > 0 && r.classBytes()[0] < 64, r.toString());
        assertTrue(r.classBytes()[1] >= 1024 && r.classBytes()[1] < 8192, java.util.Arrays.toString(r.classBytes()));
        assertEquals(0, r.classBytes()[2] + r.classBytes()[3]);
        assertEquals(r.sumNanos(), r.classNanos()[0] + r.classNanos()[1]);
        assertTrue(r.sumNanos() > 0, r.toString());
    }

    @Test
    void oneRoundIsRefusedAndAnInvalidModuleFailsWithTheCompilersError() {
        assertThrows(IllegalArgumentException.class,
                () -> CompileCost.measure(MODULE.getBytes(StandardCharsets.UTF_8), "test.wat", 1));
        CompileException e = assertThrows(CompileException.class, () -> CompileCost.measure(
                "(module (func (result i32) (i64.const 1)))".getBytes(StandardCharsets.UTF_8), "bad.wat", 2));
        assertTrue(e.getMessage().startsWith("bad.wat"), e.getMessage());
    }
}
