package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMStoreContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The runtime side of epoch interruption and fuel metering (DESIGN §3 "Containing a guest"): the
 * epoch libcall that generated code calls when a deadline is reached, the stores it serves, the
 * timer behind {@link Store#setTimeout}, and the checks that a module's code and an engine agree.
 */
final class Interruption {
    private Interruption() {
    }

    /** Open stores by VMStoreContext address, for the epoch libcall. */
    private static final Map<Long, Store> BY_CONTEXT = new ConcurrentHashMap<>();

    /**
     * {@code void epochDeadline(storeContext)}: the slow path of an epoch check, made on first use
     * (an upcall stub costs a fresh JVM a few ms, and only code compiled with epoch interruption
     * calls it).
     */
    private static final class EpochLibcall {
        static final MemorySegment STUB;

        static {
            try {
                var mh = MethodHandles.lookup().findStatic(Interruption.class, "epochDeadline",
                        MethodType.methodType(void.class, MemorySegment.class));
                STUB = CallShape.libcallStub(mh); // the shared libcall shape: no upcall class of its own
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    /**
     * The address of the epoch libcall for a store of {@code engine}: the upcall stub when the engine
     * has epoch interruption, else 0. Only code compiled with epoch checks calls it, and
     * {@link #checkModule} lets such code run only in such an engine.
     */
    static long epochLibcall(Engine engine) {
        return engine.epochInterruption() ? EpochLibcall.STUB.address() : 0L;
    }

    /** One daemon thread for every store's timeout. */
    private static final class Timer {
        static final ScheduledExecutorService INSTANCE = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kiln-timeout");
            t.setDaemon(true);
            return t;
        });
    }

    static ScheduledExecutorService timer() {
        return Timer.INSTANCE;
    }

    static void register(Store store) {
        BY_CONTEXT.put(store.storeContext().address(), store);
    }

    /** The open store whose VMStoreContext is at {@code address}, or null. */
    static Store storeAt(long address) {
        return BY_CONTEXT.get(address);
    }

    static void unregister(Store store) {
        BY_CONTEXT.remove(store.storeContext().address());
    }

    /** The epoch libcall (an upcall): nothing may escape it. */
    private static void epochDeadline(MemorySegment storeContext) {
        Store store = BY_CONTEXT.get(storeContext.address());
        MemorySegment ctx = storeContext.reinterpret(VMStoreContext.SIZE);
        try {
            if (store != null && !store.takeInterrupt()) {
                return; // raised for an earlier deadline: go on
            }
            if (store == null || !store.onEpochDeadline()) {
                ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.INTERRUPT.code());
            }
        } catch (Throwable t) {
            if (store != null) {
                store.setPendingException(t);
            }
            ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.HOST_EXCEPTION.code());
        } finally {
            if (store != null) {
                store.epochReached(); // still reached (a trap, no callback or no extension): the next check stops too
            }
        }
    }

    /**
     * Refuses a module whose code does not match the engine's interruption settings (as Wasmtime
     * refuses an artifact compiled under another configuration): checks the store's API could not
     * control, or store APIs without checks behind them.
     *
     * @throws IllegalArgumentException naming the setting that differs
     */
    static void checkModule(Engine engine, ArtifactMetadata meta, String name) {
        CompileOptions code = meta.options();
        CompileOptions want = engine.compileOptions();
        String what = name != null ? "module " + name : "the module";
        if (code.epochInterruption() != want.epochInterruption()) {
            throw new IllegalArgumentException(what + " was compiled " + (code.epochInterruption() ? "with" : "without")
                    + " epoch interruption, but the engine has it " + (want.epochInterruption() ? "on" : "off")
                    + "; use an engine built with epochInterruption(" + code.epochInterruption()
                    + ") or compile the module again with this engine");
        }
        if (code.consumeFuel() != want.consumeFuel()) {
            throw new IllegalArgumentException(what + " was compiled " + (code.consumeFuel() ? "with" : "without")
                    + " fuel metering, but the engine has it " + (want.consumeFuel() ? "on" : "off")
                    + "; use an engine built with consumeFuel(" + code.consumeFuel()
                    + ") or compile the module again with this engine");
        }
    }
}
