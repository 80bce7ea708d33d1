package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The training run of the launchers' start-up cache must get through every command it trains: a
 * failing command makes the launcher throw its cache away, and every run then starts cold.
 */
class AotTrainingTest {
    @Test
    void everyTrainingCommandSucceeds() {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertDoesNotThrow(() -> AotTraining.main(new String[0]));
        } finally {
            System.setOut(saved);
        }
        assertEquals("kiln training run\n".repeat(4), out.toString(StandardCharsets.UTF_8),
                "the WASI program ran four times (compiled; from the compile cache; once the file settled, from"
                        + " the cache with the file recorded, then found by the file's record)");
    }
}
