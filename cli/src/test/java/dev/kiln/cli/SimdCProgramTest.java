package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Opcode;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A WASI C program with vector code in every lane shape ({@code src/test/resources/wasi/simd.c}: loops
 * that clang auto-vectorizes, and clang's vector extensions with {@code __builtin_shufflevector}) built
 * by the same clang-16 for wasm32-wasi with {@code -O2 -msimd128} and natively with {@code -O2}: the
 * module really uses Wasm SIMD (counted with Kiln's own decoder), and {@code kiln run} prints exactly
 * what the native build prints. Skipped without clang-16 and wasi-libc, failed instead under
 * {@code CI=true}.
 */
class SimdCProgramTest {
    @TempDir
    static Path dir;
    static Path wasm;
    static Path exe;

    @BeforeAll
    static void build() throws Exception {
        WasiClang.require();
        Path src = Path.of("src/test/resources/wasi/simd.c").toAbsolutePath();
        wasm = dir.resolve("simd.wasm");
        exe = dir.resolve("simd");
        exec("clang-16", "--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-msimd128", "-o", wasm.toString(), src.toString());
        exec("clang-16", "-O2", "-o", exe.toString(), src.toString());
    }

    @Test
    void theModuleUsesSimdInEveryLaneShape() throws Exception {
        Map<String, Integer> simd = simdInstructions(Files.readAllBytes(wasm));
        int total = simd.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(total >= 200, () -> "expected a vectorized module, found " + total + " SIMD instructions: " + simd);
        for (String shape : List.of("i8x16.", "i16x8.", "i32x4.", "i64x2.", "f32x4.", "f64x2.", "v128.")) {
            assertTrue(simd.keySet().stream().anyMatch(m -> m.startsWith(shape)), () -> "no " + shape + "* in " + simd);
        }
        for (String op : List.of("i8x16.shuffle", "v128.bitselect", "i8x16.narrow_i16x8_u", "i32x4.trunc_sat_f32x4_s",
                "f32x4.convert_i32x4_s", "i64x2.mul", "f64x2.div", "v128.load16x4_s")) {
            assertTrue(simd.containsKey(op), () -> "no " + op + " in " + simd);
        }
    }

    @Test
    void kilnRunPrintsWhatTheNativeBuildPrints() throws Exception {
        Process p = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] nativeOut = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the native build did not finish");
        assertEquals(0, p.exitValue(), "the native build's exit status");
        String expected = new String(nativeOut, StandardCharsets.UTF_8);
        assertEquals(14, expected.lines().count(), expected);
        assertTrue(expected.endsWith("\n") && expected.lines().toList().getLast().startsWith("classify: "), expected);

        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Cli.Result run;
        try {
            run = kiln("run", "--no-cache", wasm.toString());
        } finally {
            System.setOut(stdout);
        }
        assertEquals(0, run.exit(), run::toString);
        assertEquals(expected, captured.toString(StandardCharsets.UTF_8), "kiln run's stdout against the native build's");
        assertTrue(java.util.Arrays.equals(nativeOut, captured.toByteArray()), "byte for byte");
    }

    /** How many times each SIMD instruction (prefix {@code 0xFD}) occurs in the module's function bodies. */
    static Map<String, Integer> simdInstructions(byte[] bytes) {
        WasmModule module = ModuleDecoder.decode(bytes);
        Map<String, Integer> count = new TreeMap<>();
        for (FunctionBody body : module.code()) {
            CodeReader r = new CodeReader(module.bytes(), body.codeStart(), body.codeEnd());
            while (r.hasNext()) {
                Opcode op = r.next();
                if (op.prefix() == 0xFD) {
                    count.merge(op.mnemonic(), 1, Integer::sum);
                }
            }
        }
        return count;
    }

    private static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, List.of(command) + "\n" + log);
    }
}
