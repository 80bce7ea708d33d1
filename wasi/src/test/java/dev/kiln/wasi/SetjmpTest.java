package dev.kiln.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Opcode;
import dev.kiln.compiler.wasm.WasmModule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code src/test/c/setjmp.c}, a C program that uses {@code setjmp}/{@code longjmp} in the ways C
 * programs do (a non-local exit through up to 65 frames, nested jmp_bufs passing an error outwards, a
 * loop driven by longjmp, {@code longjmp(env, 0)}, a longjmp out of callbacks called through function
 * pointers, 100,000 jumps in a row), built for wasm32-wasi by clang-19 with the real wasi-libc setjmp
 * ({@link SetjmpToolchain}: Wasm exception handling in the legacy encoding) and natively by gcc, runs under
 * Kiln as {@code kiln run} runs it and prints byte for byte what the native build prints, with the
 * host's backend (x86-64, and AArch64 in the emulated JVM of {@code .ci/aarch64-stage}).
 */
class SetjmpTest {
    static Path wasm;
    static Path exe;

    @TempDir
    Path tmp;

    @BeforeAll
    static void build() throws Exception {
        SetjmpToolchain.require();
        Path src = Toolchain.SOURCES.resolve("setjmp.c");
        wasm = Toolchain.OUT.resolve("setjmp.wasm");
        exe = Toolchain.OUT.resolve("setjmp");
        Guest.exec(Toolchain.OUT, SetjmpToolchain.wasmCommand(wasm, List.of(src.toString())));
        Guest.exec(Toolchain.OUT, List.of(SetjmpToolchain.nativeCc(), "-O2", "-o", exe.toString(), src.toString()));
    }

    @Test
    void theModuleThrowsAndCatchesWasmExceptions() throws Exception {
        WasmModule m = ModuleDecoder.decode(Files.readAllBytes(wasm));
        int throwsSeen = 0;
        int catches = 0;
        for (FunctionBody body : m.code()) {
            CodeReader r = new CodeReader(m.bytes(), body.codeStart(), body.codeEnd());
            while (r.hasNext()) {
                Opcode op = r.next();
                if (op == Opcode.THROW) {
                    throwsSeen++;
                } else if (op == Opcode.CATCH) {
                    catches++;
                }
            }
        }
        assertTrue(m.tagCount() >= 1, "the module defines or imports the tag __c_longjmp");
        assertTrue(throwsSeen >= 1, "__wasm_longjmp throws");
        assertTrue(catches >= 5, "every function that calls setjmp catches; found " + catches);
    }

    @Test
    void kilnPrintsWhatTheNativeBuildPrints() throws Exception {
        Path k = Files.createDirectory(tmp.resolve("kiln"));
        Path n = Files.createDirectory(tmp.resolve("native"));
        Guest.Outcome nat = Guest.runNative(exe, List.of("setjmp"), Map.of(), n, "");
        Guest.Outcome kiln = Guest.run(wasm, List.of("setjmp"), Map.of(), k, "");
        assertEquals(0, nat.status(), nat::toString);
        assertTrue(nat.stdout().contains("exit through 65 frames: setjmp returned 164, entered 65, returned normally 0")
                && nat.stdout().contains("setjmp returned 1 after 2 longjmp(env, 0)")
                && nat.stdout().contains("handler jumped out: -26 (setjmp returned 2 times)")
                && nat.stdout().endsWith("100000 jumps, total 5000050000\nend\n"), nat::toString);
        assertEquals(nat.stdout(), kiln.stdout(), () -> "native:\n" + nat + "\nKiln:\n" + kiln);
        assertEquals(0, kiln.status(), kiln::toString);
    }
}
