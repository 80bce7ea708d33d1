package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Module#compile} tells its input apart by content, as the kiln command does, and says what a wrong input is. */
class ModuleInputTest {
    private static final String WAT = "(module (func (export \"one\") (result i32) i32.const 1))";

    @Test
    void textAndBinaryCompile() throws Exception {
        Engine engine = Engine.create();
        Module fromText = Module.compile(engine, WAT.getBytes(StandardCharsets.UTF_8));
        assertEquals("one", fromText.exports().get(0).name());
    }

    @Test
    void anArtifactIsNotParsedAsText(@TempDir Path dir) throws Exception {
        Engine engine = Engine.create();
        byte[] artifact = Module.compile(engine, WAT.getBytes(StandardCharsets.UTF_8)).serialize();
        Path file = dir.resolve("one.kiln");
        Files.write(file, artifact);
        CompileException e = assertThrows(CompileException.class, () -> Module.compile(engine, file));
        assertTrue(e.getMessage().startsWith(file + ": an ELF file (a compiled Kiln artifact?)"), e.getMessage());
        assertTrue(e.getMessage().contains("Module.load"), e.getMessage());
        CompileException viaBuilder = assertThrows(CompileException.class, () -> Module.builder(engine).compile(artifact));
        assertTrue(viaBuilder.getMessage().startsWith("input: an ELF file"), viaBuilder.getMessage());
    }

    @Test
    void bytesThatAreNeitherBinaryNorUtf8AreNamedAsSuch() {
        byte[] junk = {'(', 'm', 'o', (byte) 0xFF, 'd'};
        CompileException e = assertThrows(CompileException.class, () -> Module.compile(Engine.create(), junk));
        assertEquals("input: neither a WebAssembly binary module (no \\0asm header) nor WebAssembly text"
                + " (not UTF-8 at byte offset 3)", e.getMessage());
    }
}
