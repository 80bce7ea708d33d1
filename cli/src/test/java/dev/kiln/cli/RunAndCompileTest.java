package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.text.Wat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln compile} and {@code kiln run}: results, exit statuses and error messages. */
class RunAndCompileTest {
    static final String FAC = """
            (module
              (func $fac (export "fac") (param $n i64) (result i64)
                (if (result i64) (i64.le_s (local.get $n) (i64.const 1))
                  (then (i64.const 1))
                  (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
            """;

    static final String MISC = """
            (module
              (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func (export "id32") (param i32) (result i32) (local.get 0))
              (func (export "id64") (param i64) (result i64) (local.get 0))
              (func (export "nothing"))
              (func $forever (export "forever") (param i64) (result i64)
                (i64.add (i64.const 1) (call $forever (local.get 0))))
              (func $sum (export "sum") (param $n i64) (result i64)
                (if (result i64) (i64.eqz (local.get $n))
                  (then (i64.const 0))
                  (else (i64.add (local.get $n) (call $sum (i64.sub (local.get $n) (i64.const 1))))))))
            """;

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static long factorial(int n) {
        return LongStream.rangeClosed(1, n).reduce(1, (a, b) -> a * b);
    }

    @Test
    void compileWritesAnElfArtifactNextToTheInputThatRunLoads() throws IOException {
        Path wat = write("fac.wat", FAC);
        Cli.Result compiled = kiln("compile", wat.toString());
        assertEquals(0, compiled.exit(), compiled::toString);
        assertEquals("", compiled.out());
        Path artifact = dir.resolve("fac.kiln");
        byte[] head = Arrays.copyOf(Files.readAllBytes(artifact), 4);
        assertArrayEquals(new byte[] {0x7F, 'E', 'L', 'F'}, head);

        Cli.Result refused = kiln("run", "--invoke", "fac", artifact.toString(), "20");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("requires --allow-precompiled"), refused::toString);
        Path renamed = Files.copy(artifact, artifact.resolveSibling("disguised.wasm"));
        Cli.Result disguised = kiln("run", "--invoke", "fac", renamed.toString(), "20");
        assertTrue(disguised.exit() == 1 && disguised.err().contains("requires --allow-precompiled"), disguised::toString);
        Cli.Result r = kiln("run", "--allow-precompiled", "--invoke", "fac", artifact.toString(), "20");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(factorial(20) + "\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void maxMemorySizeLimitsMemoryGrow() throws IOException {
        Path wat = write("grow.wat", """
                (module (memory 1)
                  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
                """);
        assertEquals("1\n", kiln("run", "--invoke", "grow", wat.toString(), "3").out());
        Cli.Result limited = kiln("run", "-W", "max-memory-size=196608", "--invoke", "grow", wat.toString(), "3");
        assertEquals(0, limited.exit(), limited::toString);
        assertEquals("-1\n", limited.out(), "4 pages are above 3 pages (196608 bytes)");
        assertEquals("1\n", kiln("run", "-W", "max-memory-size=196608,max-instances=1", "--invoke", "grow",
                wat.toString(), "2").out());
        Cli.Result tooFew = kiln("run", "-W", "max-memories=0", "--invoke", "grow", wat.toString(), "2");
        assertEquals(1, tooFew.exit(), tooFew::toString);
        assertTrue(tooFew.err().contains("limit is 0"), tooFew::toString);
        Cli.Result bad = kiln("run", "-W", "max-memory-size=lots", "--invoke", "grow", wat.toString(), "2");
        assertEquals(2, bad.exit(), bad::toString);
        assertTrue(bad.err().contains("max-memory-size takes a non-negative integer"), bad::toString);
        Cli.Result unknown = kiln("run", "-W", "frobnicate=10", "--invoke", "grow", wat.toString(), "2");
        assertEquals(2, unknown.exit(), unknown::toString);
        assertTrue(unknown.err().contains("unknown option frobnicate"), unknown::toString);
    }

    @Test
    void compileHonoursDashOAndTheBinaryFormat() throws IOException {
        Path wasm = dir.resolve("fac.wasm");
        Files.write(wasm, Wat.parseModule(FAC));
        Path out = dir.resolve("elsewhere.bin");
        Cli.Result c = kiln("compile", wasm.toString(), "-o", out.toString());
        assertEquals(0, c.exit(), c::toString);
        assertFalse(Files.exists(dir.resolve("fac.kiln")));
        Cli.Result r = kiln("run", "--allow-precompiled", "--invoke", "fac", out.toString(), "10");
        assertEquals(factorial(10) + "\n", r.out(), r::toString);
    }

    @Test
    void aCompileThatFailsLeavesTheOutputAsItWas() throws IOException {
        Path wasm = dir.resolve("fac.wasm");
        Files.write(wasm, Wat.parseModule(FAC));
        Path out = dir.resolve("kept.kiln");
        assertEquals(0, kiln("compile", wasm.toString(), "-o", out.toString()).exit());
        byte[] before = Files.readAllBytes(out);
        // valid up to its code section, whose one body is cut short: the error comes after the header,
        // types and functions were read
        byte[] module = Files.readAllBytes(wasm);
        Path broken = dir.resolve("broken.wasm");
        Files.write(broken, java.util.Arrays.copyOf(module, module.length - 3));
        Cli.Result c = kiln("compile", broken.toString(), "-o", out.toString());
        assertEquals(ExitCodes.ERROR, c.exit(), c::toString);
        assertArrayEquals(before, Files.readAllBytes(out), "the earlier artifact is left as it was");
        Path fresh = dir.resolve("fresh.kiln");
        assertEquals(ExitCodes.ERROR, kiln("compile", broken.toString(), "-o", fresh.toString()).exit());
        assertFalse(Files.exists(fresh), "no file is made for a module that does not compile");
    }

    @Test
    void boundsChecksAreGuardPagesByDefaultAndExplicitOnRequest() throws IOException {
        Path wat = write("oob.wat", """
                (module (memory 1)
                  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
                """);
        for (String mode : new String[] {null, "guard", "explicit"}) {
            Path out = dir.resolve("oob-" + mode + ".kiln");
            Cli.Result c = mode == null ? kiln("compile", wat.toString(), "-o", out.toString())
                    : kiln("compile", "-C", "bounds-checks=" + mode, wat.toString(), "-o", out.toString());
            assertEquals(0, c.exit(), c::toString);
            dev.kiln.abi.ArtifactMetadata meta = dev.kiln.abi.ArtifactMetadata.decode(dev.kiln.abi.elf.ElfReader
                    .parse(Files.readAllBytes(out), out.toString()).sectionBytes(dev.kiln.abi.ArtifactMetadata.SECTION),
                    out.toString());
            assertEquals("explicit".equals(mode) ? dev.kiln.abi.BoundsChecks.EXPLICIT : dev.kiln.abi.BoundsChecks.GUARD,
                    meta.options().boundsChecks(), mode);
            Cli.Result inspect = kiln("inspect", out.toString());
            assertTrue(inspect.out().contains(("explicit".equals(mode) ? "explicit" : "guard-page") + " bounds checks"),
                    inspect::toString);
            Cli.Result trap = kiln("run", "--allow-precompiled", "--invoke", "load", out.toString(), "65536");
            assertTrue(trap.err().contains("wasm trap: out of bounds memory access"), trap::toString);
        }
        Cli.Result run = kiln("run", "-C", "bounds-checks=explicit", "--no-cache", "--invoke", "load", wat.toString(),
                "65533");
        assertTrue(run.err().contains("wasm trap: out of bounds memory access"), run::toString);
        Cli.Result bad = kiln("compile", "-C", "bounds-checks=none", wat.toString());
        assertEquals(2, bad.exit(), bad::toString);
        assertTrue(bad.err().contains("bounds-checks=none: expected guard or explicit"), bad::toString);
    }

    @Test
    void defaultOutputReplacesTheExtension() {
        assertEquals(Path.of("a/b/fib.kiln"), CompileCommand.defaultOutput(Path.of("a/b/fib.wat")));
        assertEquals(Path.of("fib.kiln"), CompileCommand.defaultOutput(Path.of("fib")));
        assertEquals(Path.of("x.y.kiln"), CompileCommand.defaultOutput(Path.of("x.y.wasm")));
    }

    @Test
    void compilingAnArtifactOrForAnotherTargetIsRefused() throws IOException {
        Path wat = write("fac.wat", FAC);
        assertEquals(0, kiln("compile", wat.toString()).exit());
        Cli.Result again = kiln("compile", dir.resolve("fac.kiln").toString());
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("already a compiled Kiln artifact"), again::toString);

        Cli.Result bogus = kiln("compile", "--target", "z80", wat.toString());
        assertEquals(2, bogus.exit());
        assertTrue(bogus.err().contains("unknown --target 'z80'"), bogus::toString);
    }

    @Test
    void crossCompilesForTheOtherInstructionSetAndRefusesToRunIt() throws IOException {
        Path wat = write("fac.wat", FAC);
        dev.kiln.abi.Target other = dev.kiln.abi.Target.host() == dev.kiln.abi.Target.X86_64
                ? dev.kiln.abi.Target.AARCH64 : dev.kiln.abi.Target.X86_64;
        Path out = dir.resolve("fac-" + other + ".kiln");
        Cli.Result cross = kiln("compile", "--target", other.toString(), "-o", out.toString(), wat.toString());
        assertEquals(0, cross.exit(), cross::toString);
        byte[] elf = Files.readAllBytes(out);
        assertEquals(other.elfMachine(), (elf[18] & 0xFF) | (elf[19] & 0xFF) << 8, "e_machine of the artifact");
        Cli.Result run = kiln("run", "--allow-precompiled", "--invoke", "fac", out.toString(), "5");
        assertEquals(1, run.exit(), run::toString);
        assertTrue(run.err().contains(out.toString()) && run.err().contains("compiled for " + other)
                && run.err().contains("this machine is " + dev.kiln.abi.Target.host()), run::toString);
    }

    /**
     * {@code kiln compile} takes the compile options and builtins the same way for this machine and
     * for the other instruction set: {@code --no-spectre-guard} is recorded in either artifact, and
     * two builtins of one name are a usage error naming the option.
     */
    @Test
    void compilesWithTheSameOptionsForEitherInstructionSet() throws IOException {
        Path wat = write("fac.wat", FAC);
        Path builtin = write("host.wat", "(module (func (export \"one\") (result i32) (i32.const 1)))");
        for (dev.kiln.abi.Target t : dev.kiln.abi.Target.values()) {
            Path out = dir.resolve("fac-" + t + ".kiln");
            Cli.Result compiled = kiln("compile", "--target", t.toString(), "--no-spectre-guard", "-o", out.toString(),
                    wat.toString());
            assertEquals(0, compiled.exit(), compiled::toString);
            Cli.Result inspected = kiln("inspect", out.toString());
            assertTrue(inspected.out().contains("target: " + t), inspected::toString);
            assertTrue(inspected.out().contains("Spectre guard of checked intrinsics off"), inspected::toString);
            Cli.Result twice = kiln("compile", "--target", t.toString(), "--builtin", "h=" + builtin,
                    "--builtin", "h=" + builtin, "-o", out.toString(), wat.toString());
            assertEquals(2, twice.exit(), twice::toString);
            assertTrue(twice.err().contains("--builtin h=" + builtin + ": two compile-time builtins are named \"h\""),
                    twice::toString);
        }
    }

    @Test
    void runsTextDirectlyAndTheShippedExamples() {
        Path examples = Path.of("..", "examples");
        Cli.Result fac = kiln("run", "--invoke", "fac", examples.resolve("fac.wat").toString(), "20");
        assertEquals(factorial(20) + "\n", fac.out(), fac::toString);

        long a = 0;
        long b = 1;
        for (int i = 0; i < 90; i++) {
            long t = a + b;
            a = b;
            b = t;
        }
        Cli.Result iter = kiln("run", "--invoke", "fib_iter", examples.resolve("fib.wat").toString(), "90");
        assertEquals(a + "\n", iter.out(), iter::toString);

        int[] fib = new int[31];
        fib[1] = 1;
        for (int i = 2; i <= 30; i++) {
            fib[i] = fib[i - 1] + fib[i - 2];
        }
        Cli.Result rec = kiln("run", "--invoke", "fib", examples.resolve("fib.wat").toString(), "30");
        assertEquals(fib[30] + "\n", rec.out(), rec::toString);
    }

    @Test
    void integerArgumentsAreSignedOrUnsignedDecimalOrHex() throws IOException {
        Path wat = write("misc.wat", MISC);
        assertEquals("-1\n", kiln("run", "--invoke", "id32", wat.toString(), "4294967295").out());
        assertEquals("-1\n", kiln("run", "--invoke", "id32", wat.toString(), "0xffffffff").out());
        assertEquals(Integer.MIN_VALUE + "\n", kiln("run", "--invoke", "id32", wat.toString(), "-2147483648").out());
        assertEquals("-1\n", kiln("run", "--invoke", "id64", wat.toString(), "18446744073709551615").out());
        assertEquals(Long.MIN_VALUE + "\n", kiln("run", "--invoke", "id64", wat.toString(), "-9223372036854775808").out());
        assertEquals((-7 / 2) + "\n", kiln("run", "--invoke", "div", wat.toString(), "-7", "2").out());
        Cli.Result none = kiln("run", "--invoke", "nothing", wat.toString());
        assertEquals(0, none.exit(), none::toString);
        assertEquals("", none.out());

        Cli.Result tooBig = kiln("run", "--invoke", "id32", wat.toString(), "4294967296");
        assertEquals(2, tooBig.exit());
        assertTrue(tooBig.err().startsWith("Error: argument 0 of id32 must be an i32"), tooBig::toString);
        Cli.Result word = kiln("run", "--invoke", "id64", wat.toString(), "twelve");
        assertEquals(2, word.exit());
        assertTrue(word.err().contains("got 'twelve'"), word::toString);
        Cli.Result count = kiln("run", "--invoke", "div", wat.toString(), "1");
        assertEquals(2, count.exit());
        assertTrue(count.err().contains("div [i32 i32] -> [i32] takes 2 arguments, got 1"), count::toString);
    }

    @Test
    void vectorArgumentsAndResultsAreUnsigned128BitIntegers() throws IOException {
        Path wat = write("v128.wat", """
                (module
                  (func (export "swap") (param v128 i32) (result v128 i32)
                    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get 0) (local.get 0))
                    (i32.add (local.get 1) (i32x4.extract_lane 0 (local.get 0)))))""");
        Cli.Result r = kiln("run", "--invoke", "swap", wat.toString(), "0x0123456789abcdef_fedcba9876543210", "1");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("0xfedcba98765432100123456789abcdef\n" + (0x76543210 + 1) + "\n", r.out());
        // decimal: 2^64 + 5 is lane 0 = 5, lane 2 = 1
        assertEquals("0x00000000000000050000000000000001\n6\n",
                kiln("run", "--invoke", "swap", wat.toString(), "18446744073709551621", "1").out());
        Cli.Result tooBig = kiln("run", "--invoke", "swap", wat.toString(), "0x1" + "0".repeat(32), "1");
        assertEquals(2, tooBig.exit(), tooBig::toString);
        assertTrue(tooBig.err().contains("argument 0 of swap must be a v128"), tooBig::toString);
        for (String bad : new String[] {"-1", "0x", "+5", "0x-5", "lanes"}) {
            org.junit.jupiter.api.Assertions.assertThrows(NumberFormatException.class, () -> RunCommand.parseV128(bad), bad);
        }
    }

    @Test
    void parseIntegerRanges() {
        assertEquals(0xFFFF_FFFFL, RunCommand.parseInteger("4294967295", 32));
        assertEquals(-(1L << 31), RunCommand.parseInteger("-2147483648", 32));
        assertEquals(1_000_000L, RunCommand.parseInteger("1_000_000", 64));
        for (String bad : new String[] {"-2147483649", "4294967296", "", "-", "--1", "0x", "1.5"}) {
            org.junit.jupiter.api.Assertions.assertThrows(NumberFormatException.class,
                    () -> RunCommand.parseInteger(bad, 32), bad);
        }
        org.junit.jupiter.api.Assertions.assertThrows(NumberFormatException.class,
                () -> RunCommand.parseInteger("-9223372036854775809", 64));
    }

    @Test
    void aTrapPrintsItsMessageAndExits134() throws IOException {
        Path wat = write("misc.wat", MISC);
        Cli.Result r = kiln("run", "--invoke", "div", wat.toString(), "7", "0");
        assertEquals(134, r.exit(), r::toString);
        assertEquals("", r.out());
        assertTrue(r.err().matches("Error: wasm trap: integer divide by zero\n"
                + "error while executing at wasm backtrace:\n"
                + " {4}0: +0x[0-9a-f]+ - <unknown>!<wasm function 0>\n"), r::toString);

        Cli.Result overflow = kiln("run", "--invoke", "div", wat.toString(), "-2147483648", "-1");
        assertEquals(134, overflow.exit());
        assertTrue(overflow.err().startsWith("Error: wasm trap: integer overflow\nerror while executing at wasm backtrace:\n"),
                overflow::toString);

        Cli.Result start = kiln("run", write("start.wat", "(module (func (export \"_start\") unreachable))").toString());
        assertEquals(134, start.exit());
        assertTrue(start.err().startsWith("Error: wasm trap: unreachable\nerror while executing at wasm backtrace:\n"),
                start::toString);
    }

    @Test
    void aTrapPrintsTheWasmBacktraceWithNamesFromTheNameSection() throws IOException {
        // three functions in one strongly connected component (never inlined), named by the name section
        Path wat = write("deep.wat", """
                (module $deep
                  (func $c (param i32) (result i32)
                    (if (result i32) (i32.eq (local.get 0) (i32.const -7))
                      (then (call $a (local.get 0)))
                      (else (i32.div_u (i32.const 1) (local.get 0)))))
                  (func $b (param i32) (result i32) (i32.add (call $c (local.get 0)) (i32.const 1)))
                  (func $a (export "a") (param i32) (result i32) (i32.add (call $b (local.get 0)) (i32.const 2))))
                """);
        Cli.Result r = kiln("run", "--invoke", "a", wat.toString(), "0");
        assertEquals(134, r.exit(), r::toString);
        String[] lines = r.err().split("\n");
        assertEquals(5, lines.length, r::toString);
        assertEquals("Error: wasm trap: integer divide by zero", lines[0]);
        assertEquals("error while executing at wasm backtrace:", lines[1]);
        String module = "(deep|<unknown>)"; // the text format's module name, when the name section carries it
        assertTrue(lines[2].matches(" {4}0: +0x[0-9a-f]+ - " + module + "!c"), lines[2]);
        assertTrue(lines[3].matches(" {4}1: +0x[0-9a-f]+ - " + module + "!b"), lines[3]);
        assertTrue(lines[4].matches(" {4}2: +0x[0-9a-f]+ - " + module + "!a"), lines[4]);
    }

    @Test
    void guestsGetALargeStackAndUnboundedRecursionTraps() throws IOException {
        Path wat = write("misc.wat", MISC);
        // A million nested calls need far more than the test thread's 16 MiB of stack.
        long n = 1_000_000;
        Cli.Result deep = kiln("run", "--invoke", "sum", wat.toString(), Long.toString(n));
        assertEquals(0, deep.exit(), deep::toString);
        assertEquals(n * (n + 1) / 2 + "\n", deep.out());

        Cli.Result forever = kiln("run", "--invoke", "forever", wat.toString(), "0");
        assertEquals(134, forever.exit(), forever::toString);
        assertTrue(forever.err().startsWith("Error: wasm trap: call stack exhausted\n"
                + "error while executing at wasm backtrace:\n    0: "), forever::toString);
        assertTrue(forever.err().contains(" - <unknown>!forever\n      ... "), "a bounded backtrace: " + forever.err().length());
        assertTrue(forever.err().lines().count() < 140, "a bounded backtrace");
    }

    @Test
    void runsStartWhenThereIsNoInvoke() throws IOException {
        Path wat = write("ok.wat", "(module (func (export \"_start\")))");
        Cli.Result r = kiln("run", wat.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.out() + r.err());
    }

    @Test
    void missingStartOrExportSaysWhatToDo() throws IOException {
        Path wat = write("fac.wat", FAC);
        Cli.Result r = kiln("run", wat.toString());
        assertEquals(1, r.exit());
        assertEquals("Error: " + wat + " has no _start export; use --invoke NAME to call one of its exported functions"
                + " (exported functions: fac [i64] -> [i64])\n", r.err());

        Cli.Result wrong = kiln("run", "--invoke", "fact", wat.toString(), "3");
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("exports no function named \"fact\""), wrong::toString);

        Cli.Result late = kiln("run", wat.toString(), "--invoke", "fac", "3");
        assertEquals(2, late.exit());
        assertTrue(late.err().contains("options go before FILE"), late::toString);

        Cli.Result args = kiln("run", write("s.wat", "(module (func (export \"_start\")))").toString(), "a", "--b");
        assertEquals(0, args.exit(), "arguments after FILE are the program's, even if they look like options");
    }

    @Test
    void badInputIsAnErrorWithTheFileAndTheOffset() throws IOException {
        Path missing = dir.resolve("nope.wasm");
        for (String cmd : new String[] {"run", "compile", "inspect", "objdump"}) {
            Cli.Result r = kiln(cmd, missing.toString());
            assertEquals(1, r.exit(), cmd);
            assertEquals("Error: " + missing + ": no such file\n", r.err(), cmd);
        }

        // A type section that claims 5 bytes when the module ends after 1 of them.
        Path truncated = dir.resolve("bad.wasm");
        Files.write(truncated, new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1});
        for (String cmd : new String[] {"run", "compile", "inspect"}) {
            Cli.Result r = kiln(cmd, truncated.toString());
            assertEquals(1, r.exit(), cmd);
            assertTrue(r.err().startsWith("Error: " + truncated + ": "), r::toString);
            assertTrue(r.err().contains("byte offset"), r::toString);
            assertEquals(1, r.err().lines().count(), r::toString);
        }

        Path version2 = dir.resolve("v2.wasm");
        Files.write(version2, new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0});
        Cli.Result v = kiln("run", version2.toString());
        assertEquals(1, v.exit());
        assertTrue(v.err().contains("unknown binary version"), v::toString);

        Path syntax = write("bad.wat", "(module\n  (func (result i32) (i32.const))\n)");
        Cli.Result s = kiln("run", syntax.toString());
        assertEquals(1, s.exit());
        assertTrue(s.err().matches("(?s)Error: .*bad\\.wat: .* at 2:\\d+\\n"), s::toString);

        Path invalid = write("invalid.wat", "(module (func (export \"f\") (result i32) (i64.const 1)))");
        Cli.Result i = kiln("run", "--invoke", "f", invalid.toString());
        assertEquals(1, i.exit());
        assertTrue(i.err().contains("type mismatch"), i::toString);

        Path elf = dir.resolve("junk.kiln");
        Files.write(elf, new byte[] {0x7F, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0});
        Cli.Result e = kiln("run", "--allow-precompiled", elf.toString());
        assertEquals(1, e.exit());
        assertTrue(e.err().startsWith("Error: " + elf + ": artifact damaged"), e::toString);

        Path binary = dir.resolve("random.bin");
        Files.write(binary, new byte[] {(byte) 0xC3, 0x28, 0x00, (byte) 0xFF});
        Cli.Result b = kiln("run", binary.toString());
        assertEquals(1, b.exit());
        assertTrue(b.err().contains("not UTF-8"), b::toString);

        Cli.Result d = kiln("run", dir.toString());
        assertEquals(1, d.exit());
        assertTrue(d.err().contains("is a directory"), d::toString);
    }
}
