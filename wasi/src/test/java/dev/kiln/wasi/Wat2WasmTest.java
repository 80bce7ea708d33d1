package dev.kiln.wasi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * wabt's {@code wat2wasm}, built for WASI, from the Maven artifact com.dylibso.chicory:wabt:1.0.0 (a
 * resource named {@code wat2wasm} at the jar root, on the test class path): a 1.4 MB C++ program
 * that reads a file from a preopened directory and writes another. Its output must decode, and equal
 * what Debian's native wat2wasm writes when that is installed.
 */
class Wat2WasmTest {
    static final String WAT = """
            (module
              (type $bin (func (param i32 i32) (result i32)))
              (import "env" "log" (func $log (param i32)))
              (memory (export "memory") 1 4)
              (table 2 funcref)
              (global $counter (mut i32) (i32.const 0))
              (data (i32.const 16) "hello, wat2wasm")
              (elem (i32.const 0) $add $mul)
              (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
              (func $mul (type $bin) (i32.mul (local.get 0) (local.get 1)))
              (func (export "apply") (param $op i32) (param $a i32) (param $b i32) (result i32)
                (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
                (call $log (global.get $counter))
                (call_indirect (type $bin) (local.get $a) (local.get $b) (local.get $op)))
              (func $fib (export "fib") (param $n i64) (result i64)
                (if (result i64) (i64.lt_u (local.get $n) (i64.const 2))
                  (then (local.get $n))
                  (else (i64.add (call $fib (i64.sub (local.get $n) (i64.const 1)))
                                 (call $fib (i64.sub (local.get $n) (i64.const 2))))))))
            """;

    static Path wat2wasm;

    @TempDir
    Path dir;

    @BeforeAll
    static void extract(@TempDir Path tmp) throws Exception {
        try (InputStream in = Wat2WasmTest.class.getResourceAsStream("/wat2wasm")) {
            assertNotNull(in, "the wat2wasm resource of com.dylibso.chicory:wabt is on the test class path");
            wat2wasm = Files.createDirectories(Toolchain.OUT.getParent().resolve("wabt")).resolve("wat2wasm.wasm");
            Files.write(wat2wasm, in.readAllBytes());
        }
    }

    @Test
    void convertsAWatFileUnderKiln() throws Exception {
        Files.writeString(dir.resolve("in.wat"), WAT);
        Guest.Outcome r = Guest.run(wat2wasm, List.of("wat2wasm", "in.wat", "-o", "out.wasm"), Map.of(), dir, "");
        assertEquals(0, r.status(), r::toString);
        byte[] out = Files.readAllBytes(dir.resolve("out.wasm"));
        WasmModule m = ModuleDecoder.decode(out);
        assertEquals(List.of("memory", "apply", "fib"), m.exports().stream().map(e -> e.name()).toList());
        if (Toolchain.onPath("wat2wasm")) {
            Guest.exec(dir, List.of("wat2wasm", "in.wat", "-o", "native.wasm"));
            assertArrayEquals(Files.readAllBytes(dir.resolve("native.wasm")), out, "same bytes as the native wat2wasm");
        }
    }

    @Test
    void reportsErrorsWithLineAndColumn() throws Exception {
        Files.writeString(dir.resolve("bad.wat"), "(module\n  (func (result i32) (i32.add (i32.const 1))))\n");
        Guest.Outcome r = Guest.run(wat2wasm, List.of("wat2wasm", "bad.wat"), Map.of(), dir, "");
        assertNotEquals(0, r.status(), r::toString);
        assertTrue(r.stderr().contains("bad.wat:2:"), r::toString);
        assertTrue(r.stderr().contains("error"), r::toString);
    }

    @Test
    void cannotReadOutsideItsPreopen() throws Exception {
        Path inner = Files.createDirectory(dir.resolve("inner"));
        Files.writeString(dir.resolve("outside.wat"), WAT);
        Guest.Outcome r = Guest.run(wat2wasm, List.of("wat2wasm", "../outside.wat", "-o", "x.wasm"), Map.of(), inner, "");
        assertNotEquals(0, r.status(), r::toString);
        assertTrue(r.stderr().contains("outside.wat"), r::toString);
        assertTrue(!Files.exists(inner.resolve("x.wasm")));
    }
}
