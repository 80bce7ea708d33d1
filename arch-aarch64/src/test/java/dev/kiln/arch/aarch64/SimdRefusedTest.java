package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.compiler.ModuleCompiler;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The AArch64 backend has no SIMD lowering yet: a module using v128 is refused with a
 * {@link CompileException} naming the function and the instruction, never miscompiled (a
 * cross-compilation, so it runs on every build machine).
 */
class SimdRefusedTest {
    private final ModuleCompiler compiler = new ModuleCompiler(new Aarch64Backend());

    @Test
    void simdIsRefusedNamingTheFunctionAndInstruction() {
        CompileException e = assertThrows(CompileException.class, () -> compiler.compile("""
                (module (func $ok) (func (export "f") (result i32)
                  (i32x4.extract_lane 0 (i32x4.add (v128.const i32x4 1 2 3 4) (v128.const i32x4 1 2 3 4)))))
                """.getBytes(StandardCharsets.UTF_8), "simd.wat", CompileOptions.defaults().withVerifyIr(true)));
        assertTrue(e.getMessage().contains("function 1") && e.getMessage().contains("SIMD"), e.getMessage());
    }
}
