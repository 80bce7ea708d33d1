package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.abi.ArtifactFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The artifact as a file: written, disassembled by binutils, loaded back and run. */
class ArtifactTest {
    private static final String WAT = """
            (module
              (func $fac (export "fac") (param $n i64) (result i64)
                (if (result i64) (i64.le_s (local.get $n) (i64.const 1))
                  (then (i64.const 1))
                  (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))
              (func $answer (export "answer") (result i32) (i32.const 42)))
            """;

    private static Path artifactFile() throws IOException {
        Path dir = Path.of("target", "artifacts");
        Files.createDirectories(dir);
        Path file = dir.resolve("skeleton.kiln");
        Module m = Module.compile(Engine.create(), WAT.getBytes(StandardCharsets.UTF_8));
        Files.write(file, m.serialize());
        return file;
    }

    @Test
    void serializedArtifactLoadsFromFileAndRuns() throws IOException {
        Path file = artifactFile();
        Engine engine = Engine.create();
        Module loaded = Module.load(engine, file);
        try (Store store = new Store(engine)) {
            Instance i = Instance.create(store, loaded);
            assertEquals(3628800L, i.func("fac").call(Val.i64(10))[0].i64());
            assertEquals(42, i.func("answer").call()[0].i32());
        }
        Module fromBytes = Module.fromArtifact(engine, Files.readAllBytes(file));
        try (Store store = new Store(engine)) {
            assertEquals(120L, Instance.create(store, fromBytes).func("fac").call(Val.i64(5))[0].i64());
        }
    }

    @Test
    void objdumpDisassemblesEachFunctionUnderItsName() throws Exception {
        Path file = artifactFile();
        boolean objdump = Files.isExecutable(Path.of("/usr/bin/objdump"));
        if ("true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.assertTrue(objdump, "objdump (binutils) is needed under CI=true; .ci/run installs it");
        }
        assumeTrue(objdump, "binutils' objdump is not installed; skipping");
        Process p = new ProcessBuilder("objdump", "-d", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("<wasm[0]::fac>:"), out);
        assertTrue(out.contains("<wasm[1]::answer>:"), out);
        assertTrue(out.contains("<trampoline[0]>:"), out);
        assertTrue(out.contains("<kiln_unwind>:"), out);
        assertTrue(out.contains("call") && out.contains("<wasm[0]::fac>"), "fac calls itself by name:\n" + out);
        assertTrue(!out.contains("(bad)"), out);
    }

    @Test
    void truncatedArtifactIsRejectedWithAClearError() throws IOException {
        byte[] bytes = Files.readAllBytes(artifactFile());
        for (int len : new int[] {0, 3, 63, 64, 200, bytes.length / 2, bytes.length - 1}) {
            byte[] cut = java.util.Arrays.copyOf(bytes, len);
            ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                    () -> Module.fromArtifact(Engine.create(), cut), "length " + len);
            assertTrue(e.isDamaged() && e.getMessage().contains("artifact damaged"), e.getMessage());
        }
    }
}
