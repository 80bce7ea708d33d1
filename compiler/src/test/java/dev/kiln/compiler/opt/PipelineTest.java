package dev.kiln.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ValType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.text.Command;
import dev.kiln.compiler.text.Script;
import dev.kiln.compiler.text.Wast;
import dev.kiln.compiler.translate.FunctionTranslator;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline with the verifier after every pass, on the examples and on every function of
 * the spec testsuite's modules, comparing behaviour before and after with the IR interpreter.
 */
class PipelineTest {
    private static Path find(String rel) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve(rel);
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    @Test
    void fibExampleShrinksAndBehavesTheSame() throws IOException {
        Path p = find("examples/fib.wat");
        Assumptions.assumeTrue(p != null, "examples/fib.wat not found");
        String wat = Files.readString(p);
        var t = OptTestSupport.translateAll(wat);
        var opt = OptTestSupport.translateAll(wat);
        for (int i = 0; i < opt.functions().size(); i++) {
            IrFunction f = opt.functions().get(i);
            int before = OptTestSupport.size(f);
            Pipeline.optimize(f, j -> t.functions().get(j), true);
            int after = OptTestSupport.size(f);
            System.out.println(f.name() + ": " + before + " -> " + after + " instructions\n" + OptTestSupport.print(f));
            assertTrue(after < before, f.name());
        }
        for (long n = 0; n < 16; n++) {
            assertEquals(OptTestSupport.run(t, t.functions().get(0), 0, n), OptTestSupport.run(t, opt.functions().get(0), 0, n));
        }
        for (long n = 0; n < 92; n += 7) {
            assertEquals(OptTestSupport.run(t, t.functions().get(1), 0, n), OptTestSupport.run(t, opt.functions().get(1), 0, n));
        }
    }

    private static long randomArg(Random r, IrType t) {
        long[] ints = {0, 1, -1, 2, 7, 8, 31, 32, 63, 64, 100, 65532, 65535, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE,
            Long.MIN_VALUE, Long.MAX_VALUE};
        return switch (t) {
            case I32, I64 -> r.nextBoolean() ? ints[r.nextInt(ints.length)] : r.nextLong();
            case F32 -> Float.floatToRawIntBits(new float[] {0f, -0f, 1.5f, -2.5f, 1e10f, Float.NaN}[r.nextInt(6)]) & 0xFFFF_FFFFL;
            case F64 -> Double.doubleToRawLongBits(new double[] {0, -0.0, 1.5, -2.5, 1e300, 3e9, Double.NaN}[r.nextInt(7)]);
            case V128, I8X16, I16X8, I32X4, I64X2, F32X4, F64X2 -> 0;
        };
    }

    @Test
    void specTestsuiteFunctionsVerifyAfterEveryPassAndBehaveTheSame() throws IOException {
        Path dir = find("shared/wasm-testsuite/2.0");
        Assumptions.assumeTrue(dir != null, "spec testsuite not found");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".wast")).sorted().toList();
        }
        long functions = 0;
        long instsBefore = 0;
        long instsAfter = 0;
        long compared = 0;
        long[] changedBy = new long[16];
        List<String> passNames = new ArrayList<>();
        Random r = new Random(2024);
        for (Path file : files) {
            Script script;
            try {
                script = Wast.parse(Files.readString(file), file.getFileName().toString());
            } catch (RuntimeException e) {
                continue;
            }
            for (Command c : script.commands()) {
                if (!(c instanceof Command.Module m)) {
                    continue;
                }
                byte[] bytes;
                WasmModule module;
                try {
                    bytes = m.module().binary();
                    module = ModuleDecoder.decode(bytes);
                    Validator.validate(module, bytes);
                } catch (RuntimeException e) {
                    continue;
                }
                if (module.importedGlobalCount() > 0 || module.importedMemoryCount() > 0) {
                    continue;
                }
                List<ValType> globals = new ArrayList<>();
                for (var g : module.globals()) {
                    globals.add(g.type().valType());
                }
                VMContextLayout layout = VMContextLayout.forModule(module.memories().size(), globals, module.data().size());
                int imported = module.importedFunctionCount();
                int defined = module.code().size();
                List<IrFunction> original = new ArrayList<>();
                for (int i = 0; i < imported; i++) {
                    original.add(null);
                }
                for (int i = 0; i < defined; i++) {
                    IrFunction f;
                    try {
                        f = FunctionTranslator.translate(module, bytes, imported + i, "f", layout);
                    } catch (RuntimeException e) {
                        f = null; // not supported by the translator yet
                    }
                    original.add(f);
                }
                int pages = module.memories().isEmpty() ? 0 : (int) Math.min(module.memories().get(0).limits().min(), 1000);
                var t = new OptTestSupport.Translated(module, original, layout);
                for (int i = imported; i < imported + defined; i++) {
                    if (original.get(i) == null) {
                        continue;
                    }
                    IrFunction f = FunctionTranslator.translate(module, bytes, i, "f" + i, layout);
                    functions++;
                    instsBefore += OptTestSupport.size(f);
                    List<Pipeline.PassResult> passes;
                    try {
                        passes = Pipeline.optimize(f, j -> original.get(j), true);
                    } catch (RuntimeException e) {
                        throw new AssertionError(file.getFileName() + ":" + c.line() + " function " + i + ": " + e.getMessage(), e);
                    }
                    for (int k = 0; k < passes.size(); k++) {
                        if (passNames.size() <= k) {
                            passNames.add(passes.get(k).pass());
                        }
                        changedBy[k] += passes.get(k).changed() ? 1 : 0;
                    }
                    instsAfter += OptTestSupport.size(f);
                    if (pages > 16) {
                        continue;
                    }
                    IrFunction before = original.get(i);
                    for (int run = 0; run < 3; run++) {
                        long[] args = new long[before.entry().params().size()];
                        for (int a = 0; a < args.length; a++) {
                            args[a] = randomArg(r, before.entry().params().get(a).type());
                        }
                        OptTestSupport.Machine m1 = new OptTestSupport.Machine(layout, original::get, pages);
                        m1.fuel = 20_000;
                        OptTestSupport.Outcome expected;
                        try {
                            expected = m1.run(before, args);
                        } catch (RuntimeException | StackOverflowError e) {
                            break; // out of fuel, an import, or an operation the interpreter lacks
                        }
                        OptTestSupport.Machine m2 = new OptTestSupport.Machine(layout, original::get, pages);
                        m2.fuel = 40_000;
                        OptTestSupport.Outcome actual = m2.run(f, args);
                        assertEquals(expected, actual, file.getFileName() + ":" + c.line() + " function " + i + " args "
                                + java.util.Arrays.toString(args) + "\n" + OptTestSupport.print(before) + OptTestSupport.print(f));
                        compared++;
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < passNames.size(); k++) {
            sb.append(' ').append(passNames.get(k)).append('=').append(changedBy[k]);
        }
        System.out.printf("spec corpus: %d functions, %d -> %d IR instructions (%.1f%%), %d runs compared; changed by:%s%n",
                functions, instsBefore, instsAfter, 100.0 * (instsBefore - instsAfter) / Math.max(1, instsBefore), compared, sb);
        assertTrue(functions > 1000, "the corpus has many functions: " + functions);
        assertTrue(compared > 1000, "many runs compared: " + compared);
    }
}
