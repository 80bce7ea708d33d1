package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Function bodies are validated on the compile workers, each before its translation, largest first,
 * and compiled in an order the workers' timing decides: the error reported is still that of the first
 * invalid function by funcidx, and a failure to compile is reported the same with one worker or many.
 */
class InvalidBodyReportTest {
    @Test
    void theFirstInvalidFunctionIsReportedWhateverTheWorkers() {
        StringBuilder wat = new StringBuilder("(module\n");
        for (int i = 0; i < 10; i++) {
            if (i == 3) {
                wat.append("(func (result i32) i64.const 1)\n"); // type mismatch
            } else if (i == 7) {
                // invalid too, and the largest body: a worker takes it first
                wat.append("(func (result i32)").append(" (drop (i32.add (i32.const 1) (i32.const 2)))".repeat(200))
                        .append(" f32.const 1)\n");
            } else {
                wat.append("(func (result i32) i32.const ").append(i).append(")\n");
            }
        }
        assertReportedWhateverTheWorkers(wat.append(")").toString(), "type mismatch", "in function 3");
    }

    /**
     * Valid, but functions 2 and 6 throw an exception with a v128 payload, which Kiln cannot compile
     * yet: the failure reported is that of the first function to fail in the order of the call graph's
     * components (callees first), whichever worker met its failure first.
     */
    @Test
    void theFirstFunctionThatFailsToCompileIsReportedWhateverTheWorkers() {
        StringBuilder wat = new StringBuilder("(module\n(tag $v (param v128))\n");
        for (int i = 0; i < 10; i++) {
            if (i == 2) {
                wat.append("(func (throw $v (v128.const i64x2 0 0)))\n");
            } else if (i == 6) {
                // fails too, and the largest body: a worker takes it first
                wat.append("(func").append(" (drop (i32.add (i32.const 1) (i32.const 2)))".repeat(200))
                        .append(" (throw $v (v128.const i64x2 1 1)))\n");
            } else if (i == 8) {
                wat.append("(func (call 2))\n"); // its callee fails: not compiled
            } else {
                wat.append("(func (drop (i32.const ").append(i).append(")))\n");
            }
        }
        assertReportedWhateverTheWorkers(wat.append(")").toString(), "function 2:", "v128 payload");
    }

    /** Compiling {@code wat} with one worker and with four fails with a message containing both parts. */
    private static void assertReportedWhateverTheWorkers(String wat, String part, String otherPart) {
        byte[] module = wat.getBytes(StandardCharsets.UTF_8);
        for (int workers : new int[] {1, 4}) {
            Engine engine = Engine.builder().compileOptions(new CompileOptions(false, workers, 0)).build();
            CompileException e = assertThrows(CompileException.class, () -> Module.compile(engine, module));
            assertTrue(e.getMessage().contains(part) && e.getMessage().contains(otherPart),
                    workers + " workers: " + e.getMessage());
        }
    }
}
