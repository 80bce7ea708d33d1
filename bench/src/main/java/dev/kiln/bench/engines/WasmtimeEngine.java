package dev.kiln.bench.engines;

import io.github.kawamuray.wasmtime.Func;
import io.github.kawamuray.wasmtime.Instance;
import io.github.kawamuray.wasmtime.Store;
import io.github.kawamuray.wasmtime.Val;
import java.util.List;

/**
 * Wasmtime (native, Cranelift) through {@code io.github.kawamuray.wasmtime:wasmtime-java:0.19.0}, a JNI
 * binding that bundles Wasmtime 7. When its native library does not load here the reason is reported.
 */
public final class WasmtimeEngine implements WasmEngine {
    @Override
    public String id() {
        return "wasmtime";
    }

    @Override
    public String description() {
        return "Wasmtime 7 (Cranelift) via wasmtime-java 0.19.0 (JNI)";
    }

    @Override
    public LoadedKernel load(String name, byte[] wasm) throws NotAvailableException {
        Store<Void> store;
        try {
            store = Store.withoutData();
        } catch (LinkageError | RuntimeException e) {
            throw new NotAvailableException("wasmtime-java's native library does not load: "
                    + NotAvailableException.reasonOf(e), e);
        }
        try {
            io.github.kawamuray.wasmtime.Module module = io.github.kawamuray.wasmtime.Module.fromBinary(store.engine(), wasm);
            Instance instance = new Instance(store, module, List.of());
            Func run = instance.getFunc(store, "run").orElseThrow(() -> new IllegalStateException("no export run"));
            return new LoadedKernel() {
                @Override
                public int run(int n) {
                    return run.call(store, Val.fromI32(n))[0].i32();
                }

                @Override
                public void close() {
                    run.close();
                    instance.close();
                    module.close();
                    store.close();
                }
            };
        } catch (RuntimeException e) {
            store.close();
            throw new NotAvailableException(NotAvailableException.reasonOf(e), e);
        }
    }
}
