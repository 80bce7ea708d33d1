package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.compiler.ModuleCompiler;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The AArch64 backend has no exception handling yet: a module that throws, or that calls inside a
 * {@code try_table} with catch clauses, is refused with a {@link CompileException} naming the function
 * and what it uses, never miscompiled; one with tags and try_tables that cannot catch anything
 * compiles.
 */
class ExceptionHandlingRefusedTest {
    private final ModuleCompiler compiler = new ModuleCompiler(new Aarch64Backend());

    private byte[] compile(String wat) {
        return compiler.compile(wat.getBytes(StandardCharsets.UTF_8), "eh.wat", CompileOptions.defaults().withVerifyIr(true));
    }

    @Test
    void aThrowIsRefusedNamingTheFunction() {
        CompileException e = assertThrows(CompileException.class, () -> compile("""
                (module (tag $e) (func $ok) (func $f (throw $e)))
                """));
        assertTrue(e.getMessage().contains("function 1") && e.getMessage().contains("exception handling")
                && e.getMessage().contains("throw"), e.getMessage());
    }

    @Test
    void aCallInsideATryTableIsRefused() {
        CompileException e = assertThrows(CompileException.class, () -> compile("""
                (module (tag $e) (func $g)
                  (func $f (block $h (try_table (catch_all $h) (call $g)))))
                """));
        assertTrue(e.getMessage().contains("function 1") && e.getMessage().contains("try_table"), e.getMessage());
    }

    @Test
    void tagsAndTryTablesThatCatchNothingCompile() {
        assertNotNull(compile("""
                (module (tag (export "t") (param i32)) (func $g)
                  (func (export "f") (block $h (try_table (catch_all $h) (nop))) (try_table (call $g))))
                """));
    }
}
