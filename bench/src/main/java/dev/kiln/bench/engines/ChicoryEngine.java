package dev.kiln.bench.engines;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.kiln.bench.KernelFiles;

/**
 * Chicory 1.7.5, the pure-Java Wasm runtime: either its interpreter or its compiler that translates
 * each Wasm function to JVM bytecode at instantiation (then JIT-compiled by HotSpot). Neither runs SIMD
 * instructions: the compiler rejects them at load, and modules with any are refused for the interpreter
 * too, which would only fail on the first one it executes.
 */
public final class ChicoryEngine implements WasmEngine {
    private final boolean compiled;

    /** The interpreter ({@code compiled == false}) or the bytecode compiler. */
    public ChicoryEngine(boolean compiled) {
        this.compiled = compiled;
    }

    @Override
    public String id() {
        return compiled ? "chicory-compiler" : "chicory-interp";
    }

    @Override
    public String description() {
        return compiled ? "Chicory 1.7.5, compiler to JVM bytecode (runtime compilation)" : "Chicory 1.7.5, interpreter";
    }

    @Override
    public LoadedKernel load(String name, byte[] wasm) throws NotAvailableException {
        if (!compiled && usesSimd(wasm)) {
            // it parses them, then throws "Machine doesn't recognize Instruction" at the first one it runs
            throw new NotAvailableException("Chicory 1.7.5's interpreter does not execute SIMD instructions");
        }
        try {
            WasmModule module = Parser.parse(wasm);
            Instance.Builder builder = Instance.builder(module);
            if (compiled) {
                builder.withMachineFactory(MachineFactoryCompiler::compile);
            }
            ExportFunction run = builder.build().export("run");
            return new LoadedKernel() {
                @Override
                public int run(int n) {
                    return (int) run.apply(n)[0];
                }

                @Override
                public void close() {
                }
            };
        } catch (RuntimeException e) {
            throw new NotAvailableException(NotAvailableException.reasonOf(e), e);
        }
    }

    /** Whether Kiln's decoder finds SIMD instructions in {@code wasm}; a module it rejects is left to Chicory. */
    private static boolean usesSimd(byte[] wasm) {
        try {
            return KernelFiles.simdInstructionCount(wasm) > 0;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
