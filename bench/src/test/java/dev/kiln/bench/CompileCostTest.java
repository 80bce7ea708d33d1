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
        assertEquals(0, r.largeNanos(), "no body has 10,000 bytes");
        assertTrue(r.allocatedBytes() > 0, r.toString());
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
