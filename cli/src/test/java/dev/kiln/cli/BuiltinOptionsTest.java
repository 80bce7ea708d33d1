package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln compile} and {@code kiln run} with {@code --unsafe-intrinsics} and {@code --builtin}. */
class BuiltinOptionsTest {
    @TempDir
    Path dir;

    static final String MATH = "(module (func (export \"triple\") (param i32) (result i32)"
            + " (i32.mul (local.get 0) (i32.const 3))))";
    static final String GUEST = "(module (import \"math\" \"triple\" (func $t (param i32) (result i32)))"
            + " (func (export \"f\") (param i32) (result i32) (i32.add (call $t (local.get 0)) (i32.const 1))))";

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void compileWithABuiltinNamedByItsStemThenRunTheArtifact() throws IOException {
        Path math = write("math.wat", MATH);
        Path guest = write("guest.wat", GUEST);
        Cli.Result c = kiln("compile", "--unsafe-intrinsics", "unsafe-intrinsics", "--builtin", math.toString(),
                guest.toString());
        assertEquals(0, c.exit(), c::toString);
        Cli.Result r = kiln("run", "--allow-precompiled", "--invoke", "f", dir.resolve("guest.kiln").toString(),
                "14");
        assertEquals("43\n", r.out(), r::toString);
        Cli.Result again = kiln("run", "--allow-precompiled", "--builtin", math.toString(),
                dir.resolve("guest.kiln").toString());
        assertEquals(2, again.exit(), again::toString);
        assertTrue(again.err().contains("is already compiled"), again::toString);
    }

    @Test
    void runWithAnExplicitlyNamedBuiltin() throws IOException {
        Path lib = write("lib.wat", MATH);
        Path guest = write("guest.wat", GUEST);
        Cli.Result r = kiln("run", "--unsafe-intrinsics", "unsafe-intrinsics", "--builtin", "math=" + lib,
                "--invoke", "f", guest.toString(), "2");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("7\n", r.out());
    }

    @Test
    void builtinsWithoutIntrinsicsOrWithAMissingFileAreErrors() throws IOException {
        Path math = write("math.wat", MATH);
        Path guest = write("guest.wat", GUEST);
        Cli.Result r = kiln("compile", "--builtin", math.toString(), guest.toString());
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().contains("builtin \"math\" (" + math + "): compile-time builtins need the unsafe intrinsics"
                + " exposed"), r::toString);
        Cli.Result missing = kiln("compile", "--unsafe-intrinsics", "u", "--builtin", "m=" + dir.resolve("nope.wat"),
                guest.toString());
        assertEquals(2, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("no such file"), missing::toString);
    }

    static final String COUNTER = """
            (module
              (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
              (import "unsafe-intrinsics" "u32-native-load" (func $ld (param i64) (result i32)))
              (import "unsafe-intrinsics" "u32-native-store" (func $st (param i64 i32)))
              (import "unsafe-intrinsics" "u8-checked-native-load" (func $ldc (param i64 i64 i64) (result i32)))
              (func (export "has-data") (result i32) (i64.ne (call $sda) (i64.const 0)))
              (func (export "bump") (result i32)
                (call $st (i64.add (call $sda) (i64.const 12)) (i32.add (call $ld (i64.add (call $sda) (i64.const 12))) (i32.const 1)))
                (call $ld (i64.add (call $sda) (i64.const 12))))
              (func (export "byte") (param i64) (result i32) (call $ldc (call $sda) (local.get 0) (i64.const 16))))
            """;
    static final String COUNTER_GUEST = """
            (module
              (import "counter" "has-data" (func $has (result i32)))
              (import "counter" "bump" (func $bump (result i32)))
              (import "counter" "byte" (func $byte (param i64) (result i32)))
              (func (export "has") (result i32) (call $has))
              (func (export "twice") (result i32) (drop (call $bump)) (call $bump))
              (func (export "byte") (param i64) (result i32) (call $byte (local.get 0))))
            """;

    @Test
    void storeDataGivesBuiltinsZeroedBytes() throws IOException {
        Path counter = write("counter.wat", COUNTER);
        Path guest = write("guest.wat", COUNTER_GUEST);
        String[] common = {"run", "--unsafe-intrinsics", "unsafe-intrinsics", "--builtin", counter.toString()};
        Cli.Result none = kiln(concat(common, "--invoke", "has", guest.toString()));
        assertEquals("0\n", none.out(), none::toString);
        Cli.Result has = kiln(concat(common, "--store-data", "16", "--invoke", "has", guest.toString()));
        assertEquals("1\n", has.out(), has::toString);
        Cli.Result twice = kiln(concat(common, "--store-data", "1k", "--invoke", "twice", guest.toString()));
        assertEquals("2\n", twice.out(), twice::toString);
        Cli.Result bad = kiln(concat(common, "--store-data", "lots", "--invoke", "twice", guest.toString()));
        assertEquals(2, bad.exit(), bad::toString);
        assertTrue(bad.err().contains("--store-data lots: expected a size in bytes"), bad::toString);
    }

    @Test
    void withoutTheSpectreGuardCheckedIntrinsicsStillTrap() throws IOException {
        Path counter = write("counter.wat", COUNTER);
        Path guest = write("guest.wat", COUNTER_GUEST);
        String[] common = {"run", "--unsafe-intrinsics", "unsafe-intrinsics", "--builtin", counter.toString(),
            "--no-spectre-guard", "--store-data", "16"};
        Cli.Result in = kiln(concat(common, "--invoke", "byte", guest.toString(), "15"));
        assertEquals("0\n", in.out(), in::toString);
        Cli.Result out = kiln(concat(common, "--invoke", "byte", guest.toString(), "16"));
        assertEquals(134, out.exit(), out::toString);
        assertTrue(out.err().contains("out of bounds memory access"), out::toString);
        // the artifact records the choice
        Cli.Result c = kiln("compile", "--unsafe-intrinsics", "unsafe-intrinsics", "--builtin", counter.toString(),
                "--no-spectre-guard", guest.toString());
        assertEquals(0, c.exit(), c::toString);
        Cli.Result inspect = kiln("inspect", dir.resolve("guest.kiln").toString());
        assertTrue(inspect.out().contains("Spectre guard of checked intrinsics off"), inspect::toString);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
