package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.compiler.text.Wat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln inspect}, {@code kiln objdump} and {@code kiln wast}. */
class InspectObjdumpWastTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void inspectShowsImportsExportsFunctionsAndSections() throws IOException {
        Path wat = write("m.wat", """
                (module
                  (import "env" "log" (func $log (param i32)))
                  (memory (export "mem") 1 2)
                  (global $g (export "g") (mut i64) (i64.const 0))
                  (func $fac (export "fac") (param i64) (result i64) (local.get 0)))
                """);
        Cli.Result r = kiln("inspect", wat.toString());
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertTrue(out.contains("imports (1):\n  func \"env\" \"log\": [i32] -> []\n"), out);
        assertTrue(out.contains("  func \"fac\" funcidx 1: [i64] -> [i64]\n"), out);
        assertTrue(out.contains("  memory \"mem\" memoryidx 0: 1 2 (64 KiB pages)\n"), out);
        assertTrue(out.contains("  global \"g\" globalidx 0: (mut i64)\n"), out);
        assertTrue(out.contains("functions: 2 (1 imported, 1 defined)\n"), out);
        assertTrue(out.contains("  funcidx 1 fac: [i64] -> [i64]"), out);
        assertTrue(out.contains("valid: yes\n"), out);

        // Section sizes, from the binary encoding (spec §5.5): two function types
        // [i32] -> [] = 60 01 7f 00 and [i64] -> [i64] = 60 01 7e 01 7e, after the count: 1 + 4 + 5.
        assertEquals(10, sectionSize(out, "type"));
        // One function of typeidx 1: count, typeidx.
        assertEquals(2, sectionSize(out, "function"));
        // One memory with limits 1 2: count, flag 01, min, max.
        assertEquals(4, sectionSize(out, "memory"));

        // The sections tile the binary: 8 bytes of header, then per section an id, a size, the content.
        byte[] binary = Wat.parseModule(Files.readString(wat));
        Matcher m = Pattern.compile("(?m)^ +\\d+  .{24} +0x([0-9a-f]+) +(\\d+)$").matcher(out);
        long end = 8;
        int sections = 0;
        while (m.find()) {
            long offset = Long.parseLong(m.group(1), 16);
            assertTrue(offset >= end + 2, "section at " + offset + " after " + end);
            end = offset + Long.parseLong(m.group(2));
            sections++;
        }
        assertTrue(sections >= 6, out);
        assertEquals(binary.length, end, out);
    }

    @Test
    void inspectListsEveryMemoryAndTableWithItsAddressType() throws IOException {
        Path wat = write("mm.wat", """
                (module
                  (memory (import "env" "m") 1)
                  (memory $b (export "b") i64 2 100)
                  (table i64 4 funcref)
                  (func (export "f") (result i64) (i64.load $b (i64.const 8))))
                """);
        Cli.Result r = kiln("inspect", wat.toString());
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        assertTrue(out.contains("memories: 2 (1 imported, 1 defined):\n  memidx 0 (imported): 1 (64 KiB pages)\n"
                + "  memidx 1: i64 2 100 (64 KiB pages)\n"), out);
        assertTrue(out.contains("tables: 1 (0 imported, 1 defined):\n  tableidx 0: i64 funcref 4\n"), out);
        assertTrue(out.contains("valid: yes\n"), out);
    }

    private static int sectionSize(String out, String name) {
        Matcher m = Pattern.compile("(?m)^ +\\d+  " + name + " +0x[0-9a-f]+ +(\\d+)$").matcher(out);
        assertTrue(m.find(), name + " in\n" + out);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void inspectOfABinaryOfAnInvalidModuleAndOfAnArtifact() throws IOException {
        Path wasm = dir.resolve("fac.wasm");
        byte[] binary = Wat.parseModule(RunAndCompileTest.FAC);
        Files.write(wasm, binary);
        Cli.Result b = kiln("inspect", wasm.toString());
        assertEquals(0, b.exit(), b::toString);
        assertTrue(b.out().startsWith(wasm + ": WebAssembly binary module, " + binary.length + " bytes\n"), b.out());

        Path invalid = write("invalid.wat", "(module (func (result i32) (i64.const 1)))");
        Cli.Result i = kiln("inspect", invalid.toString());
        assertEquals(0, i.exit(), i::toString);
        assertTrue(i.out().contains("valid: no: "), i.out());

        assertEquals(0, kiln("compile", wasm.toString()).exit());
        Path artifact = dir.resolve("fac.kiln");
        Cli.Result a = kiln("inspect", artifact.toString());
        assertEquals(0, a.exit(), a::toString);
        String out = a.out();
        assertTrue(out.startsWith(artifact + ": Kiln artifact (ELF), " + Files.size(artifact) + " bytes\n"), out);
        assertTrue(out.contains("target: x86_64"), out);
        assertTrue(out.contains("  func \"fac\" funcidx 0: [i64] -> [i64], entry trampoline at .text+0x"), out);
        assertTrue(out.contains("functions: 1 (0 imported, 1 defined)\n"), out);
        assertTrue(out.contains("input SHA-256: " + sha256(binary)), out);
        for (String section : List.of(".text", ".kiln.meta", ".symtab")) {
            assertTrue(out.contains("\n  " + section + " "), section + " in\n" + out);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void objdumpDisassemblesAllFunctionsOrOne() throws IOException {
        assumeTrue(ObjdumpCommand.findProgram("objdump") != null, "binutils' objdump is not installed");
        Path wat = write("fac.wat", RunAndCompileTest.FAC);
        Cli.Result all = kiln("objdump", wat.toString());
        assertEquals(0, all.exit(), all::toString);
        assertTrue(all.out().contains(wat + ":     file format elf64-x86-64"), all.out());
        assertTrue(all.out().contains("<wasm[0]::fac>:"), all.out());
        assertTrue(all.out().contains("<trampoline[0]>:"), all.out());
        assertTrue(all.out().contains("<kiln_unwind>:"), all.out());
        assertTrue(all.out().contains("call "), all.out()); // the recursive call, in Intel syntax

        Cli.Result one = kiln("objdump", "--function", "fac", wat.toString());
        assertEquals(0, one.exit(), one::toString);
        assertTrue(one.out().contains("<wasm[0]::fac>:"), one.out());
        assertFalse(one.out().contains("<trampoline[0]>:"), one.out());

        Cli.Result byIndex = kiln("objdump", "--function", "trampoline[0]", wat.toString());
        assertTrue(byIndex.out().contains("<trampoline[0]>:"), byIndex::toString);
        assertFalse(byIndex.out().contains("<wasm[0]::fac>:"), byIndex.out());

        assertEquals(0, kiln("compile", wat.toString()).exit());
        Cli.Result artifact = kiln("objdump", "--function", "0", dir.resolve("fac.kiln").toString());
        assertTrue(artifact.out().contains("<wasm[0]::fac>:"), artifact::toString);

        Cli.Result unknown = kiln("objdump", "--function", "fib", wat.toString());
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("no function 'fib'") && unknown.err().contains("wasm[0]::fac"), unknown::toString);
    }

    @Test
    void objdumpSaysWhatToInstallWhenItIsMissing() throws IOException {
        Path wat = write("fac.wat", RunAndCompileTest.FAC);
        Cli.Result r = kiln("objdump", "--objdump", dir.resolve("no-such-objdump").toString(), wat.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("Install binutils"), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
    }

    @Test
    void wastReportsPassedFailedAndSkipped() throws IOException {
        Path ok = write("ok.wast", """
                (module (func (export "f") (result i32) (i32.const 1)))
                (assert_return (invoke "f") (i32.const 1))
                (assert_invalid (module (func (result i32) (i64.const 1))) "type mismatch")
                (assert_malformed (module quote "(func (i32.const))") "unexpected token")
                (module (func (export "n") (result funcref) (ref.null func)))
                (assert_return (invoke "n") (ref.struct))
                """);
        Cli.Result r = kiln("wast", ok.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals(ok + ": 5 passed, 0 failed, 1 skipped\n", r.out());

        Path bad = write("bad.wast", """
                (module (func))
                (assert_invalid
                  (module (func (result i32) (i32.const 1)))
                  "type mismatch")
                """);
        Cli.Result f = kiln("wast", ok.toString(), bad.toString());
        assertEquals(1, f.exit(), f::toString);
        assertTrue(f.out().contains(bad + ": 1 passed, 1 failed, 0 skipped\n"), f.out());
        assertTrue(f.out().contains("  " + bad + ":2: assert_invalid failed: "), f.out());
        assertTrue(f.out().endsWith("total (2 files): 6 passed, 1 failed, 1 skipped\n"), f.out());

        Cli.Result v = kiln("wast", "--verbose", ok.toString());
        assertTrue(v.out().contains(ok + ":6: assert_return skipped: "), v.out());

        Cli.Result missing = kiln("wast", dir.resolve("missing.wast").toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.out().contains("could not read the script"), missing::toString);
        assertTrue(missing.out().contains(dir.resolve("missing.wast") + ": 0 passed, 1 failed, 0 skipped\n"), missing::toString);
    }

    /**
     * The spec testsuite: the {@code KILN_TESTSUITE} system property or environment variable, else the
     * first {@code shared/wasm-testsuite/2.0} found from the working directory upwards (a clone with
     * shared/ beside it, or a git worktree below it); null if none.
     */
    static Path testsuite() {
        String configured = System.getProperty("KILN_TESTSUITE", System.getenv("KILN_TESTSUITE"));
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("shared/wasm-testsuite/2.0");
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void wastOnTheSpecTestsuite() {
        Path suite = testsuite();
        assumeTrue(suite != null, "no spec testsuite (shared/wasm-testsuite/2.0 or KILN_TESTSUITE)");
        Path i32 = suite.resolve("i32.wast");
        assumeTrue(Files.exists(i32), "no " + i32);
        Cli.Result r = kiln("wast", i32.toString());
        Matcher m = Pattern.compile(Pattern.quote(i32.toString()) + ": (\\d+) passed, (\\d+) failed, (\\d+) skipped\n")
                .matcher(r.out());
        assertTrue(m.lookingAt(), r::toString);
        long passed = Long.parseLong(m.group(1));
        long failed = Long.parseLong(m.group(2));
        long skipped = Long.parseLong(m.group(3));
        assertTrue(passed > 400, r::toString); // i32.wast is mostly assert_return and assert_trap, all executable
        assertEquals(0, failed, r::toString);
        assertEquals(0, skipped, r::toString);
        assertEquals(0, r.exit(), r::toString);
    }
}
