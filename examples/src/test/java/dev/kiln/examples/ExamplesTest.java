package dev.kiln.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Engine;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Trap;
import dev.kiln.abi.CompilerService;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The example project's Wasm, compiled by kiln-maven-plugin, called through the generated facades
 * with only Kiln's runtime (kiln-loader-ffm, kiln-abi) on the class path.
 */
class ExamplesTest {
    @Test
    void theRuntimeOnlySetCarriesNoCompiler() {
        assertTrue(ServiceLoader.load(CompilerService.class).findFirst().isEmpty(), "a CompilerService is on the class path");
        assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.kiln.compiler.KilnCompilerService"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Module.compile(Engine.create(), "(module)".getBytes()));
        assertTrue(e.getMessage().contains("kiln-compiler"), e.getMessage());
    }

    @Test
    void calculatorRunsItsPrecompiledArtifact() {
        try (Calculator calc = Calculator.instantiate()) {
            assertEquals(3, calc.add(1, 2));
            assertEquals(-1, calc.add(Integer.MAX_VALUE, Integer.MIN_VALUE));
            assertEquals(21L, calc.gcd(1071L, 462L));
            assertEquals(3L, calc.gcd(1_234_567_890_123L, 42L));
            Calculator.DivmodResults qr = calc.divmod(17, 5);
            assertEquals(3, qr.result0());
            assertEquals(2, qr.result1());
            Trap t = assertThrows(Trap.class, () -> calc.divmod(1, 0));
            assertEquals("integer divide by zero", t.getMessage().lines().findFirst().orElseThrow());
        }
    }

    @Test
    void oneModuleManyInstancesInCallerOwnedStores() {
        Engine engine = Engine.create();
        Module module = Calculator.module(engine);
        try (Store a = new Store(engine); Store b = new Store(engine)) {
            assertEquals(10, Calculator.instantiate(a, module).add(4, 6));
            assertEquals(11, Calculator.instantiate(b, module).add(5, 6));
        }
    }

    @Test
    void importsAreAJavaInterface() {
        List<Integer> ticks = new ArrayList<>();
        try (Counter counter = Counter.instantiate(ticks::add)) {
            assertEquals(4, counter.countTo(4));
        }
        assertEquals(List.of(1, 2, 3, 4), ticks);
    }

    @Test
    void anExceptionFromAnImportReachesTheCaller() {
        IllegalStateException boom = new IllegalStateException("stop at 2");
        try (Counter counter = Counter.instantiate(i -> {
            if (i == 2) {
                throw boom;
            }
        })) {
            assertEquals(boom, assertThrows(IllegalStateException.class, () -> counter.countTo(5)));
        }
    }
}
