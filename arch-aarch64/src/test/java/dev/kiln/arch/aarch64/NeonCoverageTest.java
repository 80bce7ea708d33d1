package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.Target;
import dev.kiln.abi.ValType;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.compiler.ModuleCompiler;
import dev.kiln.compiler.wasm.Opcode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Every SIMD instruction Kiln decodes (prefix {@code 0xFD}: the 236 of Wasm 2.0 and the relaxed ones of
 * 3.0) is lowered by the AArch64 backend: one function per instruction, its operands the function's
 * parameters, compiled for AArch64 with the IR verifier on (a cross-compilation: it runs on every build
 * machine). An instruction without a lowering would fail the compilation with a {@code
 * CompileException} naming it and the function. What the code computes is checked end to end by the
 * spec testsuite in the emulated AArch64 JVM ({@code .ci/aarch64-stage}).
 */
class NeonCoverageTest {
    @Test
    void everySimdInstructionIsLowered() {
        StringBuilder wat = new StringBuilder("(module (memory 1)\n");
        int functions = 0;
        for (Opcode op : Opcode.values()) {
            if (op.prefix() != 0xFD) {
                continue;
            }
            wat.append("  (func");
            for (ValType t : op.operandTypes()) {
                wat.append(" (param ").append(t.toString().toLowerCase(Locale.ROOT)).append(')');
            }
            for (ValType t : op.resultTypes()) {
                wat.append(" (result ").append(t.toString().toLowerCase(Locale.ROOT)).append(')');
            }
            for (int k = 0; k < op.operandTypes().size(); k++) {
                wat.append(" (local.get ").append(k).append(')');
            }
            wat.append(' ').append(op.mnemonic()).append(switch (op.immediate()) {
                case LANE, MEMARG_LANE -> " 1";
                case V128_CONST -> " i32x4 1 -2 0x7fffffff 0";
                case SHUFFLE -> " 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31";
                default -> "";
            }).append(")\n");
            functions++;
        }
        wat.append(')');
        assertTrue(functions >= 256, "SIMD opcodes: " + functions);
        byte[] artifact = new ModuleCompiler(new Aarch64Backend()).compile(wat.toString().getBytes(StandardCharsets.UTF_8),
                "every-simd.wat", CompileOptions.defaults().withVerifyIr(true));
        assertEquals(Target.AARCH64, ElfReader.parse(artifact, "every-simd.wat").target());
    }
}
