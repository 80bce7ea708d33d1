package dev.kiln.bench.engines;

import dev.kiln.bench.KernelFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The baseline: the kernel's C source compiled by the same clang to a native shared library for the
 * JVM's ISA (x86-64, or AArch64 in the emulated AArch64 report; {@code -O2 -fPIC -shared}) and called through FFM ({@link Linker#nativeLinker()},
 * {@link SymbolLookup#libraryLookup}), in the same JVM as the Wasm engines. Needs
 * {@code --enable-native-access=ALL-UNNAMED}.
 */
public final class NativeEngine implements WasmEngine {
    @Override
    public String id() {
        return "native";
    }

    @Override
    public String description() {
        return "the C kernel compiled natively (" + KernelFiles.compiler() + ", -O2), called through FFM";
    }

    @Override
    public LoadedKernel load(String name, byte[] wasm) throws NotAvailableException {
        Arena arena = Arena.ofShared();
        try {
            SymbolLookup lib = SymbolLookup.libraryLookup(KernelFiles.nativeLibrary(name), arena);
            MethodHandle run = Linker.nativeLinker().downcallHandle(lib.find("run").orElseThrow(() -> new IllegalStateException("lib" + name + ".so exports no run")),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return new LoadedKernel() {
                @Override
                public int run(int n) {
                    try {
                        return (int) run.invokeExact(n);
                    } catch (Throwable t) {
                        throw new IllegalStateException(t);
                    }
                }

                @Override
                public void close() {
                    arena.close();
                }
            };
        } catch (RuntimeException e) {
            arena.close();
            throw new NotAvailableException(NotAvailableException.reasonOf(e), e);
        }
    }
}
