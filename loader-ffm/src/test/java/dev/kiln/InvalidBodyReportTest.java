package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Function bodies are validated on the compile workers, each before its translation, largest first:
 * the error reported is still that of the first invalid function by funcidx, with one worker or many.
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
        byte[] module = wat.append(")").toString().getBytes(StandardCharsets.UTF_8);
        for (int workers : new int[] {1, 4}) {
            Engine engine = Engine.builder().compileOptions(new CompileOptions(false, workers, 0)).build();
            CompileException e = assertThrows(CompileException.class, () -> Module.compile(engine, module));
            assertTrue(e.getMessage().contains("type mismatch") && e.getMessage().contains("in function 3"),
                    workers + " workers: " + e.getMessage());
        }
    }
}
