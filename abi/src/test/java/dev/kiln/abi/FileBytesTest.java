package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading whole files a MiB at a time. */
class FileBytesTest {
    @TempDir
    Path dir;

    @Test
    void aFileIsReadWholeInPieces() throws Exception {
        Random random = new Random(3);
        for (int size : new int[] {0, 1, 4, (1 << 20) - 1, 1 << 20, 3 * (1 << 20) + 17}) {
            byte[] content = new byte[size];
            random.nextBytes(content);
            Path file = dir.resolve("m" + size + ".wasm");
            Files.write(file, content);
            assertArrayEquals(content, FileBytes.read(file), size + " bytes");
        }
    }

    @Test
    void aMissingFileIsAnIoError() {
        assertThrows(java.nio.file.NoSuchFileException.class, () -> FileBytes.read(dir.resolve("absent.wasm")));
    }
}
