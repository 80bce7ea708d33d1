package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the command line's input files. */
class InputTest {
    @TempDir
    Path dir;

    @Test
    void bytesAreTheFilesOnFirstUse() throws Exception {
        byte[] wasm = {0, 'a', 's', 'm', 1, 0, 0, 0};
        Path file = dir.resolve("empty.wasm");
        Files.write(file, wasm);
        Input input = Input.read(file);
        assertEquals(Input.Kind.WASM, input.kind());
        assertArrayEquals(wasm, input.bytes());
    }
}
