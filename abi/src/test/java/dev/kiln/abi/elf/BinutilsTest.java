package dev.kiln.abi.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GNU binutils accept the artifacts: {@code readelf -a} without warnings, {@code objdump -d} labels functions. */
class BinutilsTest {
    record Result(int exit, String out, String err) {
    }

    static Result run(Path dir, String... command) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timeout: " + List.of(command));
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    static void assumeTool(String tool, Path dir) {
        boolean ok;
        try {
            ok = run(dir, tool, "--version").exit() == 0;
        } catch (IOException | InterruptedException e) {
            ok = false;
        }
        Assumptions.assumeTrue(ok, tool + " (GNU binutils) is not installed: skipping the check of artifacts with " + tool);
    }

    static Path artifact(Path dir, boolean rodata) throws IOException {
        Path p = dir.resolve(rodata ? "sample-ro.kiln" : "sample.kiln");
        Files.write(p, ElfWriterReaderTest.sampleArtifact(rodata));
        return p;
    }

    @Test
    void readelfAcceptsArtifact(@TempDir Path dir) throws Exception {
        assumeTool("readelf", dir);
        for (boolean rodata : new boolean[] {true, false}) {
            Result r = run(dir, "readelf", "-a", "-W", artifact(dir, rodata).toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("", r.err(), "readelf printed warnings");
            assertFalse(r.out().toLowerCase().contains("warning"), r.out());
            assertTrue(r.out().contains("DYN (Shared object file)"), r.out());
            assertTrue(r.out().contains("Advanced Micro Devices X86-64"), r.out());
            assertTrue(r.out().contains(".kiln.meta"), r.out());
            assertTrue(r.out().matches("(?s).*FUNC\\s+LOCAL\\s+DEFAULT\\s+1 wasm\\[0\\]::answer.*"), r.out());
            assertTrue(r.out().matches("(?s).*LOAD\\s+0x0+1000 0x0+1000 0x0+1000 0x0+13 0x0+13 R E 0x1000.*"), r.out());
            assertEquals(rodata, r.out().matches("(?s).*LOAD\\s+0x0+2000 0x0+2000 0x0+2000 0x0+8 0x0+8 R   0x1000.*"),
                    r.out());
        }
    }

    @Test
    void objdumpDisassemblesFunctions(@TempDir Path dir) throws Exception {
        assumeTool("objdump", dir);
        Result r = run(dir, "objdump", "-d", artifact(dir, true).toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err(), "objdump printed warnings");
        String out = r.out();
        assertTrue(out.contains("file format elf64-x86-64"), out);
        assertTrue(out.contains("0000000000001000 <wasm[0]::answer>:"), out);
        assertTrue(out.contains("0000000000001010 <trampoline[0]>:"), out);
        assertTrue(out.matches("(?s).*1000:\\s+b8 2a 00 00 00\\s+mov\\s+\\$0x2a,%eax.*"), out);
        assertTrue(out.matches("(?s).*1005:\\s+c3\\s+ret.*"), out);
        assertTrue(out.matches("(?s).*1010:\\s+31 c0\\s+xor\\s+%eax,%eax.*"), out);
    }
}
