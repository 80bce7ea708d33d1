package dev.kiln;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * A WebAssembly function: an export of an {@link Instance} (native code called through a downcall
 * handle on its entry trampoline), or a host function written in Java ({@link #wrap}) that modules
 * import.
 *
 * <pre>{@code
 * Func fac = instance.func("fac");
 * long r = fac.call(Val.i64(20))[0].i64();
 * }</pre>
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Func implements Extern {
    private final Store store;
    private final String name;
    private final FuncType type;
    // a Wasm function: its instance, funcidx and entry downcall
    private final Instance instance;
    private final int funcIndex;
    /**
     * The entry trampoline (Wasm function) or null: a segment of the global scope, so a downcall does not
     * acquire and release the code image's shared arena (two atomic updates, about 10 ns of a 20 ns
     * call). The code stays mapped while this function is reachable (its instance keeps the module,
     * whose cleaner unmaps the image), and every path into the entry uses this function after the
     * downcall returns (the result check), so it is reachable for the whole call.
     */
    private final MemorySegment entry;
    /** How the type crosses the native boundary (both kinds of function). */
    private final CallShape shape;
    // a host function: the Java code (one of the two forms) and its upcall stub, made when an instance
    // first imports it
    private final HostFunction host;
    private final HostFunction.WithCaller hostWithCaller;
    private MemorySegment upcall; // guarded by this
    /** The canonical id of the type ({@link RuntimeTypes}). */
    private final int typeId;
    /** Whether a parameter or result is an exnref (exception handling): such values stay in Wasm for now. */
    private final boolean exnrefs;

    private static boolean hasExnref(FuncType type) {
        return java.util.stream.Stream.concat(type.paramTypes().stream(), type.resultTypes().stream())
                .anyMatch(v -> v instanceof dev.kiln.abi.RefType r && r.heapType().top() == dev.kiln.abi.HeapType.Kind.EXN);
    }

    Func(Instance instance, String name, FuncType type, int funcIndex, MemorySegment entry, int typeId) {
        this.typeId = typeId;
        this.exnrefs = hasExnref(type);
        this.store = instance.store();
        this.name = name;
        this.type = type;
        this.instance = instance;
        this.funcIndex = funcIndex;
        this.entry = MemorySegment.ofAddress(entry.address());
        this.shape = CallShape.of(type);
        this.host = null;
        this.hostWithCaller = null;
        this.upcall = null;
    }

    private Func(Store store, FuncType type, HostFunction host, HostFunction.WithCaller hostWithCaller) {
        this.typeId = RuntimeTypes.CANON.canonicalizeResolved(type);
        this.exnrefs = hasExnref(type);
        this.store = store;
        this.name = "host function";
        this.type = type;
        this.instance = null;
        this.funcIndex = -1;
        this.entry = null;
        this.shape = CallShape.upcall(type);
        this.host = host;
        this.hostWithCaller = hostWithCaller; // the shape above rejects what cannot cross the boundary
    }

    /**
     * A host function of type {@code type} implemented by {@code fn}, for modules instantiated in
     * {@code store} to import. Its upcall stub lives as long as the store.
     *
     * @throws IllegalArgumentException if the type has parameters or results Kiln cannot pass to Java
     *                                  yet
     */
    public static Func wrap(Store store, FuncType type, HostFunction fn) {
        store.ensureOpen();
        return new Func(store, type, java.util.Objects.requireNonNull(fn), null);
    }

    /**
     * A host function of type {@code type} implemented by {@code fn}, which also receives its
     * {@link Caller}: the calling instance's exports, memory 0 and the store data, from the start
     * function on. Its upcall stub lives as long as the store.
     *
     * <pre>{@code
     * Func puts = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of()), (caller, args) -> {
     *     System.out.println(caller.memory().readCString(args[0].i32() & 0xFFFF_FFFFL));
     *     return new Val[0];
     * });
     * }</pre>
     *
     * @throws IllegalArgumentException if the type has parameters or results Kiln cannot pass to Java
     *                                  yet
     * @throws IllegalStateException    if the store is closed
     */
    public static Func wrap(Store store, FuncType type, HostFunction.WithCaller fn) {
        store.ensureOpen();
        return new Func(store, type, null, java.util.Objects.requireNonNull(fn));
    }

    /**
     * The function's type. Its {@link FuncType#params()} and {@link FuncType#results()} are the
     * machine-level types (what {@link #call} takes and returns as {@link Val}s); its
     * {@link FuncType#paramTypes()} and {@link FuncType#resultTypes()} the precise ones, where a
     * concrete reference type such as {@code (ref $t)} is in canonical form: its
     * {@link dev.kiln.abi.HeapType#typeIndex()} is the process-wide canonical id of {@code $t}, equal
     * for equivalent types of any module (spec 3.0 §3.2.1 type equivalence), which a host may use in
     * the types of its own functions ({@link #wrap}).
     */
    public FuncType type() {
        return type;
    }

    /** The canonical id of this function's type: equal exactly for equivalent function types. */
    int typeId() {
        return typeId;
    }

    /** The export name, or "host function". */
    public String name() {
        return name;
    }

    Store store() {
        return store;
    }

    /** The instance of a Wasm function, or null for a host function. */
    Instance instance() {
        return instance;
    }

    int funcIndex() {
        return funcIndex;
    }

    /**
     * The upcall stub of a host function, made on first use: a WASI context defines dozens of functions
     * and a program imports a few, and each stub costs the JVM a few milliseconds to spin.
     */
    synchronized MemorySegment upcall() {
        if (upcall == null) {
            upcall = makeUpcall();
        }
        return upcall;
    }

    boolean isHost() {
        return host != null || hostWithCaller != null;
    }

    /** Runs the host function's Java code; {@code instance} is the calling instance or null. */
    private Val[] runHost(Instance caller, Val[] args) throws Exception {
        return host != null ? host.call(args) : hostWithCaller.call(new Caller(store, caller), args);
    }

    /**
     * Calls the function.
     *
     * @param args one value per parameter, of the parameter's type
     * @return the results (empty for none)
     * @throws Trap                     if execution traps; the instance stays usable
     * @throws IllegalArgumentException if the arguments do not match the function type
     * @throws IllegalStateException    if the store is closed
     * @throws RuntimeException         or any other exception a host function threw, unchanged
     * @throws WasmException            if a Wasm exception is not caught below this call
     * @throws UnsupportedOperationException if a parameter or result is an {@code exnref}, which cannot
     *                                  cross into Java yet
     */
    public Val[] call(Val... args) {
        if (exnrefs) {
            throw new UnsupportedOperationException(name + " " + type + ": exnref values cannot cross between Java"
                    + " and Wasm yet");
        }
        store.enter();
        List<ValType> params = type.params();
        if (args.length != params.size()) {
            throw new IllegalArgumentException(name + " takes " + params.size() + " arguments " + type + ", got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            if (args[i].type() != params.get(i)) {
                throw new IllegalArgumentException(name + " argument " + i + " must be " + params.get(i) + ", got "
                        + args[i].type());
            }
        }
        if (isHost()) {
            try {
                return runHost(null, args.clone());
            } catch (Exception e) {
                throw Func.<RuntimeException>sneaky(e);
            }
        }
        if (shape.slots) {
            return callWithSlots(args);
        }
        long[] bits = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            bits[i] = store.toBits(args[i]);
        }
        int nResults = type.results().size();
        MemorySegment resultBuffer = null;
        if (nResults > 1) {
            resultBuffer = store.resultBuffer(nResults);
            store.storeContext().set(ValueLayout.JAVA_LONG, VMStoreContext.RESULTS, resultBuffer.address());
        }
        long resultBits;
        if (shape.callsThroughSharedHandle()) {
            long[] a = java.util.Arrays.copyOf(bits, 5); // integer parameters are canonical slots 0..n-1, in order
            resultBits = dev.kiln.loader.LibC.callIntegerFunction(entry, instance.vmctx().address(), a[0], a[1], a[2],
                    a[3], a[4]);
        } else {
            try {
                Object r = shape.shape.spreader().invokeExact(entry, instance.vmctx(), shape.toCanonical(bits));
                resultBits = r == null ? 0 : CallShape.unbox(r); // null: a void shape
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("downcall failed", t);
            }
        }
        afterCall();
        if (nResults == 0) {
            return new Val[0];
        }
        if (nResults == 1) {
            return new Val[] {store.fromBits(type.results().get(0), resultBits)};
        }
        // the buffer the trampoline wrote to (a nested call may have replaced the store's buffer)
        resultBuffer = MemorySegment.ofAddress(store.storeContext().get(ValueLayout.JAVA_LONG, VMStoreContext.RESULTS))
                .reinterpret(8L * nResults);
        Val[] out = new Val[nResults];
        for (int k = 0; k < nResults; k++) {
            ValType t = type.results().get(k);
            out[k] = store.fromBits(t, resultBuffer.get(ValueLayout.JAVA_LONG, 8L * k));
        }
        return out;
    }

    /**
     * A method handle that calls this Wasm function with Java primitives ({@code int} for i32,
     * {@code long} for i64 and references, {@code float}, {@code double}) and returns its single result
     * or {@code void}, checking for traps like {@link #call}: the fast path for hot calls, meant for
     * {@code invokeExact}.
     *
     * <pre>{@code
     * MethodHandle add = instance.func("add").handle();   // (int,int)int
     * int r = (int) add.invokeExact(2, 3);
     * }</pre>
     *
     * <p>Each invocation first checks that the store is open (one field read), so a handle kept after
     * {@link Store#close()} throws {@link IllegalStateException} instead of running freed code.
     *
     * @throws UnsupportedOperationException for a host function or a function with several results
     * @throws IllegalStateException         if the store is closed (also thrown by the handle when
     *                                       invoked after the store was closed)
     */
    public MethodHandle handle() {
        return typedHandle(false);
    }

    /**
     * Like {@link #handle()}, through a critical downcall ({@link java.lang.foreign.Linker.Option#critical
     * Linker.Option.critical(false)}): the thread stays in the Java state, which saves the two
     * thread-state transitions of an ordinary downcall (several nanoseconds per call). The price: while
     * the function runs, the JVM cannot reach a safepoint, so garbage collection and every other
     * thread that needs one wait for it. Use it only for functions that return quickly.
     *
     * <p>Wasm code running in a critical downcall must never call into Java, so only modules that
     * provably cannot are accepted: no imported functions, no tables and no element segments (table
     * operations are calls into the runtime's Java code), no memory ({@code memory.grow} is one), no
     * exception tags (a throw is one), and not compiled with epoch interruption (the deadline's slow
     * path is one; an upcall from a critical downcall would abort the JVM); {@link #isCritical()} says whether the
     * function's module qualifies. For the same reason a trap under a critical handle carries no Wasm
     * backtrace (recording one is a call into Java). A finer, per-export test needs the compiler to record each
     * export's call graph in the artifact.
     *
     * @throws UnsupportedOperationException if the module may call into Java, for a host function, or
     *                                       a function with several results
     * @throws IllegalStateException         if the store is closed (also thrown by the handle when
     *                                       invoked after the store was closed)
     */
    public MethodHandle criticalHandle() {
        if (!isCritical()) {
            throw new UnsupportedOperationException(name + ": its module may call into Java (it imports functions,"
                    + " has tables, element segments, a memory or tags, or was compiled with epoch interruption),"
                    + " which a critical downcall must never do; use handle()");
        }
        return typedHandle(true);
    }

    /**
     * Whether {@link #criticalHandle()} may be used: a Wasm function of a module without imported
     * functions, tables and element segments, whose code therefore never calls into Java.
     */
    public boolean isCritical() {
        return instance != null && instance.module().neverCallsHost();
    }

    private MethodHandle typedHandle(boolean critical) {
        store.ensureOpen();
        if (isHost()) {
            throw new UnsupportedOperationException("handle() is for Wasm functions; call a host function directly");
        }
        if (type.results().size() > 1) {
            throw new UnsupportedOperationException("handle() needs at most one result; use call() for " + type);
        }
        if (shape.slots) {
            throw new UnsupportedOperationException("handle() has no Java type for v128; use call() for " + type);
        }
        MethodHandle bound = shape.typed(shape.entry(entry, critical), instance.vmctx());
        Class<?> r = bound.type().returnType();
        String check = (r == void.class ? "checkVoid" : r == int.class ? "checkInt" : r == long.class ? "checkLong"
                : r == float.class ? "checkFloat" : "checkDouble") + (critical ? "Critical" : "");
        try {
            MethodHandle filter = MethodHandles.lookup().findVirtual(Func.class, check,
                    r == void.class ? MethodType.methodType(void.class) : MethodType.methodType(r, r)).bindTo(this);
            // the guard runs before the downcall: use after close throws instead of touching freed memory
            return MethodHandles.foldArguments(MethodHandles.filterReturnValue(bound, filter),
                    (critical ? ENTER_CRITICAL : ENTER).bindTo(store));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rethrows what the call left in the store context: a trap, or a host function's exception. */
    /**
     * {@link #call} of a signature with a v128 parameter or result: the entry trampoline reads the
     * parameters from and writes the results to a slot area of 16 bytes per value.
     */
    private Val[] callWithSlots(Val[] args) {
        List<ValType> params = type.params();
        List<ValType> results = type.results();
        long[] high = new long[args.length];
        for (int i = 0; i < args.length; i++) {
            if (params.get(i) == ValType.V128) {
                try {
                    high[i] = args[i].v128High();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + " argument " + i + ": " + e.getMessage(), e);
                }
            }
        }
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment slots = arena.allocate(16L * Math.max(1, Math.max(args.length, results.size())), 16);
            for (int i = 0; i < args.length; i++) {
                slots.set(ValueLayout.JAVA_LONG, 16L * i, store.toBits(args[i]));
                slots.set(ValueLayout.JAVA_LONG, 16L * i + 8, high[i]);
            }
            try {
                Object ignored = shape.shape.spreader().invokeExact(entry, instance.vmctx(),
                        new Object[] {(Object) slots.address()});
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("downcall failed", t);
            }
            afterCall();
            Val[] out = new Val[results.size()];
            for (int k = 0; k < out.length; k++) {
                long lo = slots.get(ValueLayout.JAVA_LONG, 16L * k);
                out[k] = results.get(k) == ValType.V128 ? Val.v128(lo, slots.get(ValueLayout.JAVA_LONG, 16L * k + 8))
                        : store.fromBits(results.get(k), lo);
            }
            return out;
        }
    }

    private void afterCall() {
        MemorySegment ctx = store.storeContext();
        int trap = ctx.get(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE);
        if (trap != 0) {
            ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, 0);
            if (trap == TrapCode.OUT_OF_FUEL.code()) {
                // compiled code keeps the fuel consumed in a register between calls: all of it is gone
                ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.FUEL_CONSUMED, 0L);
            }
            WasmBacktrace frames = store.takePendingBacktrace();
            if (trap == TrapCode.UNCAUGHT_EXCEPTION.code()) {
                WasmException uncaught = ExceptionSupport.takeUncaught(store);
                attach(uncaught, frames);
                throw uncaught;
            }
            if (trap == TrapCode.HOST_EXCEPTION.code()) {
                Throwable t = store.takePendingException();
                if (t == null) {
                    t = new IllegalStateException("host function failed");
                }
                attach(t, frames);
                throw Func.<RuntimeException>sneaky(t);
            }
            throw new Trap(TrapCode.fromCode(trap), frames);
        }
    }

    /**
     * Adds the Wasm frames an exception unwound to its backtrace: a trap's own, else one attached as
     * a suppressed exception (see {@link WasmBacktrace#of}).
     */
    private static void attach(Throwable t, WasmBacktrace frames) {
        if (frames.isEmpty()) {
            return;
        }
        java.util.Optional<WasmBacktrace> existing = WasmBacktrace.of(t);
        if (existing.isPresent()) {
            existing.get().addAll(frames);
        } else {
            t.addSuppressed(frames);
        }
    }

    // a critical downcall must not call into Java: its trap path records no backtrace (Store#enterCritical)

    @SuppressWarnings("unused")
    private void checkVoidCritical() {
        store.leaveCritical();
        afterCall();
    }

    @SuppressWarnings("unused")
    private int checkIntCritical(int v) {
        store.leaveCritical();
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private long checkLongCritical(long v) {
        store.leaveCritical();
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private float checkFloatCritical(float v) {
        store.leaveCritical();
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private double checkDoubleCritical(double v) {
        store.leaveCritical();
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private void checkVoid() {
        afterCall();
    }

    @SuppressWarnings("unused")
    private int checkInt(int v) {
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private long checkLong(long v) {
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private float checkFloat(float v) {
        afterCall();
        return v;
    }

    @SuppressWarnings("unused")
    private double checkDouble(double v) {
        afterCall();
        return v;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }

    // ---- host functions: the upcall ------------------------------------------------------------

    /** {@code (Func, MemorySegment vmctx, Object[] canonical) -> Object}: the upcall target of every shape. */
    static final MethodHandle DISPATCH;
    /** {@code (Func, MemorySegment vmctx, MemorySegment results, Object[] canonical) -> void}: for several results. */
    static final MethodHandle DISPATCH_SEVERAL;
    /**
     * {@code (Func, MemorySegment vmctx, long x 5) -> long} and {@code (Func, MemorySegment vmctx, long x 7) -> long}:
     * the upcall targets of the shared integer shape ({@link CallShape#integerUpcall()}) on x86-64 and AArch64.
     */
    static final MethodHandle DISPATCH_INTEGERS_5;
    static final MethodHandle DISPATCH_INTEGERS_7;
    private static final MethodHandle ENTER;
    private static final MethodHandle ENTER_CRITICAL;

    static {
        try {
            ENTER = MethodHandles.lookup().findVirtual(Store.class, "enter", MethodType.methodType(void.class));
            ENTER_CRITICAL = MethodHandles.lookup().findVirtual(Store.class, "enterCritical", MethodType.methodType(void.class));
            DISPATCH = MethodHandles.lookup().findVirtual(Func.class, "dispatch",
                    MethodType.methodType(Object.class, MemorySegment.class, Object[].class));
            DISPATCH_SEVERAL = MethodHandles.lookup().findVirtual(Func.class, "dispatchSeveral",
                    MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, Object[].class));
            Class<?>[] longs = new Class<?>[7];
            java.util.Arrays.fill(longs, long.class);
            DISPATCH_INTEGERS_5 = MethodHandles.lookup().findVirtual(Func.class, "dispatchIntegers",
                    MethodType.methodType(long.class, MemorySegment.class, java.util.Arrays.copyOf(longs, 5)));
            DISPATCH_INTEGERS_7 = MethodHandles.lookup().findVirtual(Func.class, "dispatchIntegers",
                    MethodType.methodType(long.class, MemorySegment.class, longs));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Builds the upcall stub that runs this host function: {@code (vmctx, params...) -> result}, or for
     * several results {@code void (vmctx, results*, params...)} where {@code results} points to 8 bytes
     * per result, in order (the import adapter's results area). The stub is this function's own (freed
     * with the store); its descriptor and Java target are those of the signature's canonical
     * {@link CallShape}, shared by every host function of that shape.
     */
    private MemorySegment makeUpcall() {
        return java.lang.foreign.Linker.nativeLinker().upcallStub(shape.shape.upcallTarget().bindTo(this),
                shape.shape.descriptor(), store.arena());
    }

    /**
     * Runs in the upcall: never lets anything escape into native code. A throwable is parked in the
     * store and the store context gets {@link TrapCode#HOST_EXCEPTION}; the import adapter then
     * unwinds to the entry, where {@link #call} rethrows it.
     */
    @SuppressWarnings("unused")
    private Object dispatch(MemorySegment vmctx, Object[] raw) {
        if (shape.slots) {
            dispatchSlots(vmctx, (Long) raw[0]);
            return null;
        }
        Val[] results = invokeHost(vmctx, raw);
        if (type.results().isEmpty()) {
            // a void function of the shared integer shape still returns a long, which the adapter ignores
            return shape.shape.result == 'V' ? null : shape.resultObject(0);
        }
        return shape.resultObject(results == null ? 0 : store.toBits(results[0]));
    }

    /**
     * Runs in the upcall of a host function of the shared integer shape on x86-64 (its integer
     * parameters in the first of the five registers after the VMContext, in order); like
     * {@link #dispatch}, never lets anything escape into native code.
     *
     * @return the result's raw bits (0 for none or after {@link #fail})
     */
    @SuppressWarnings("unused")
    private long dispatchIntegers(MemorySegment vmctx, long a0, long a1, long a2, long a3, long a4) {
        return dispatchIntegers(vmctx, a0, a1, a2, a3, a4, 0, 0);
    }

    /** As the five-register form, for AArch64's seven integer registers after the VMContext. */
    private long dispatchIntegers(MemorySegment vmctx, long a0, long a1, long a2, long a3, long a4, long a5, long a6) {
        Val[] args;
        try {
            List<ValType> params = type.params();
            args = new Val[params.size()];
            for (int i = 0; i < args.length; i++) {
                long bits = switch (shape.slot(i)) {
                    case 0 -> a0;
                    case 1 -> a1;
                    case 2 -> a2;
                    case 3 -> a3;
                    case 4 -> a4;
                    case 5 -> a5;
                    default -> a6;
                };
                args[i] = store.fromBits(params.get(i), bits);
            }
        } catch (Throwable t) {
            fail(t, vmctx);
            return 0;
        }
        Val[] results = invokeHost(vmctx, args);
        try {
            return results == null || type.results().isEmpty() ? 0 : store.toBits(results[0]);
        } catch (Throwable t) {
            fail(t, vmctx);
            return 0;
        }
    }

    /**
     * Runs in the upcall of a host function with several results: writes them as 8-byte slots to
     * {@code results}; like {@link #dispatch}, never lets anything escape into native code.
     */
    @SuppressWarnings("unused")
    private void dispatchSeveral(MemorySegment vmctx, MemorySegment results, Object[] raw) {
        Val[] out = invokeHost(vmctx, raw);
        if (out == null) {
            return; // the host function threw: the trap code is set, the adapter unwinds
        }
        try {
            MemorySegment area = results.reinterpret(8L * out.length);
            for (int k = 0; k < out.length; k++) {
                area.set(ValueLayout.JAVA_LONG, 8L * k, store.toBits(out[k]));
            }
        } catch (Throwable t) {
            fail(t, vmctx);
        }
    }

    /**
     * Runs in the upcall of a host function whose signature has a v128: reads the parameters from the
     * import adapter's slot area at {@code slotsAddress} (16 bytes per value) and writes the results
     * over them; like {@link #dispatch}, never lets anything escape into native code.
     */
    private void dispatchSlots(MemorySegment vmctx, long slotsAddress) {
        try {
            List<ValType> params = type.params();
            List<ValType> resultTypes = type.results();
            MemorySegment slots = MemorySegment.ofAddress(slotsAddress)
                    .reinterpret(16L * Math.max(1, Math.max(params.size(), resultTypes.size())));
            Val[] args = new Val[params.size()];
            for (int i = 0; i < args.length; i++) {
                long low = slots.get(ValueLayout.JAVA_LONG, 16L * i);
                args[i] = params.get(i) == ValType.V128 ? Val.v128(low, slots.get(ValueLayout.JAVA_LONG, 16L * i + 8))
                        : store.fromBits(params.get(i), low);
            }
            Val[] out = invokeHost(vmctx, args);
            for (int k = 0; out != null && k < out.length; k++) {
                boolean v128 = resultTypes.get(k) == ValType.V128;
                slots.set(ValueLayout.JAVA_LONG, 16L * k, v128 ? out[k].v128Low() : store.toBits(out[k]));
                slots.set(ValueLayout.JAVA_LONG, 16L * k + 8, v128 ? out[k].v128High() : 0L);
            }
        } catch (Throwable t) {
            fail(t, vmctx);
        }
    }

    /**
     * Calls the host function with the upcall's canonical arguments; its results checked against the
     * type, or {@code null} after {@link #fail}.
     */
    private Val[] invokeHost(MemorySegment vmctx, Object[] raw) {
        Val[] args;
        try {
            List<ValType> params = type.params();
            args = new Val[params.size()];
            for (int i = 0; i < args.length; i++) {
                args[i] = store.fromBits(params.get(i), shape.paramBits(raw, i));
            }
        } catch (Throwable t) {
            fail(t, vmctx);
            return null;
        }
        return invokeHost(vmctx, args);
    }

    /** Calls the host function with {@code args}; its results checked against the type, or {@code null} after {@link #fail}. */
    private Val[] invokeHost(MemorySegment vmctx, Val[] args) {
        try {
            Val[] results = runHost(hostWithCaller == null ? null : Instance.forVmctx(vmctx.address()), args);
            boolean ok = type.results().isEmpty() || results != null && results.length == type.results().size();
            for (int k = 0; ok && k < type.results().size(); k++) {
                ok = results[k] != null && results[k].type() == type.results().get(k);
            }
            if (!ok) {
                throw new IllegalStateException("host function returned " + java.util.Arrays.toString(results)
                        + ", its type is " + type);
            }
            return results;
        } catch (Throwable t) {
            fail(t, vmctx);
            return null;
        }
    }

    /**
     * Parks {@code t} in the store and sets the trap code the import adapter unwinds on; {@code vmctx} is
     * the calling instance's, whose adapter it is.
     */
    private void fail(Throwable t, MemorySegment vmctx) {
        if (t instanceof WasmException e && e.tag().store() == store && ExceptionSupport.throwFromHost(store, e, vmctx)) {
            return; // the import adapter throws it into Wasm, where a handler may catch it
        }
        store.setPendingException(t);
        store.storeContext().set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.HOST_EXCEPTION.code());
    }

    @Override
    public String toString() {
        return "func " + name + " " + type;
    }
}
