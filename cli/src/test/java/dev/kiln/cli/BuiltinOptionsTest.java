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
}
