package dev.kiln;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.abi.ValType;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
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
    private final MethodHandle handle;
    // a host function: the Java code and its upcall stub
    private final HostFunction host;
    private final MemorySegment upcall;

    Func(Instance instance, String name, FuncType type, int funcIndex, MethodHandle handle) {
        this.store = instance.store();
        this.name = name;
        this.type = type;
        this.instance = instance;
        this.funcIndex = funcIndex;
        this.handle = handle;
        this.host = null;
        this.upcall = null;
    }

    private Func(Store store, FuncType type, HostFunction host) {
        this.store = store;
        this.name = "host function";
        this.type = type;
        this.instance = null;
        this.funcIndex = -1;
        this.handle = null;
        this.host = host;
        this.upcall = makeUpcall();
    }

    /**
     * A host function of type {@code type} implemented by {@code fn}, for modules instantiated in
     * {@code store} to import. Its upcall stub lives as long as the store.
     *
     * @throws IllegalArgumentException if the type has parameters or results Kiln cannot pass to Java
     *                                  yet (v128, references)
     */
    public static Func wrap(Store store, FuncType type, HostFunction fn) {
        store.ensureOpen();
        return new Func(store, type, fn);
    }

    /** The function's type. */
    public FuncType type() {
        return type;
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

    MemorySegment upcall() {
        return upcall;
    }

    boolean isHost() {
        return host != null;
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
     */
    public Val[] call(Val... args) {
        store.ensureOpen();
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
        if (host != null) {
            try {
                return host.call(args.clone());
            } catch (Exception e) {
                throw Func.<RuntimeException>sneaky(e);
            }
        }
        List<Object> javaArgs = new ArrayList<>(args.length + 1);
        javaArgs.add(instance.vmctx());
        for (int i = 0; i < args.length; i++) {
            javaArgs.add(toJava(args[i]));
        }
        int nResults = type.results().size();
        MemorySegment resultBuffer = null;
        if (nResults > 1) {
            resultBuffer = store.resultBuffer(nResults);
            store.storeContext().set(ValueLayout.JAVA_LONG, VMStoreContext.RESULTS, resultBuffer.address());
        }
        Object result;
        try {
            result = handle.invokeWithArguments(javaArgs);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed", t);
        }
        afterCall();
        if (nResults == 0) {
            return new Val[0];
        }
        if (nResults == 1) {
            return new Val[] {fromJava(type.results().get(0), result)};
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
     * @throws UnsupportedOperationException for a host function or a function with several results
     */
    public MethodHandle handle() {
        if (host != null) {
            throw new UnsupportedOperationException("handle() is for Wasm functions; call a host function directly");
        }
        if (type.results().size() > 1) {
            throw new UnsupportedOperationException("handle() needs at most one result; use call() for " + type);
        }
        MethodHandle bound = MethodHandles.insertArguments(handle, 0, instance.vmctx());
        Class<?> r = bound.type().returnType();
        String check = r == void.class ? "checkVoid" : r == int.class ? "checkInt" : r == long.class ? "checkLong"
                : r == float.class ? "checkFloat" : "checkDouble";
        try {
            MethodHandle filter = MethodHandles.lookup().findVirtual(Func.class, check,
                    r == void.class ? MethodType.methodType(void.class) : MethodType.methodType(r, r)).bindTo(this);
            return MethodHandles.filterReturnValue(bound, filter);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Rethrows what the call left in the store context: a trap, or a host function's exception. */
    private void afterCall() {
        MemorySegment ctx = store.storeContext();
        int trap = ctx.get(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE);
        if (trap != 0) {
            ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, 0);
            if (trap == TrapCode.HOST_EXCEPTION.code()) {
                Throwable t = store.takePendingException();
                throw Func.<RuntimeException>sneaky(t != null ? t : new IllegalStateException("host function failed"));
            }
            throw new Trap(TrapCode.fromCode(trap));
        }
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

    private Object toJava(Val v) {
        return switch (v.type()) {
            case I32 -> (int) v.bits();
            case I64, FUNCREF -> v.bits();
            case EXTERNREF -> store.externHandle(v.ref());
            case F32 -> Float.intBitsToFloat((int) v.bits());
            case F64 -> Double.longBitsToDouble(v.bits());
            default -> throw new IllegalArgumentException(v.type() + " values are not supported yet");
        };
    }

    private Val fromJava(ValType t, Object o) {
        return switch (t) {
            case I32 -> Val.i32((Integer) o);
            case I64 -> Val.i64((Long) o);
            case FUNCREF -> new Val(t, (Long) o);
            case EXTERNREF -> store.fromBits(t, (Long) o);
            case F32 -> new Val(ValType.F32, Float.floatToRawIntBits((Float) o) & 0xFFFF_FFFFL);
            case F64 -> new Val(ValType.F64, Double.doubleToRawLongBits((Double) o));
            default -> throw new IllegalStateException(t + " values are not supported yet");
        };
    }

    static MemoryLayout layout(ValType t) {
        return switch (t) {
            case I32 -> ValueLayout.JAVA_INT;
            case I64, FUNCREF, EXTERNREF -> ValueLayout.JAVA_LONG;
            case F32 -> ValueLayout.JAVA_FLOAT;
            case F64 -> ValueLayout.JAVA_DOUBLE;
            default -> throw new IllegalArgumentException(t + " values cannot cross the host boundary yet");
        };
    }

    private static Class<?> carrier(ValType t) {
        return switch (t) {
            case I32 -> int.class;
            case I64, FUNCREF, EXTERNREF -> long.class;
            case F32 -> float.class;
            case F64 -> double.class;
            default -> throw new IllegalArgumentException(t + " values cannot cross the host boundary yet");
        };
    }

    // ---- host functions: the upcall ------------------------------------------------------------

    private static final MethodHandle DISPATCH;
    private static final MethodHandle DISPATCH_SEVERAL;

    static {
        try {
            DISPATCH = MethodHandles.lookup().findVirtual(Func.class, "dispatch",
                    MethodType.methodType(Object.class, MemorySegment.class, Object[].class));
            DISPATCH_SEVERAL = MethodHandles.lookup().findVirtual(Func.class, "dispatchSeveral",
                    MethodType.methodType(void.class, MemorySegment.class, MemorySegment.class, Object[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Builds the upcall stub that runs this host function: {@code (vmctx, params...) -> result}, or for
     * several results {@code void (vmctx, results*, params...)} where {@code results} points to 8 bytes
     * per result, in order (the import adapter's results area).
     */
    private MemorySegment makeUpcall() {
        List<ValType> params = type.params();
        boolean several = type.results().size() > 1;
        int lead = several ? 2 : 1;
        MemoryLayout[] argLayouts = new MemoryLayout[params.size() + lead];
        Class<?>[] argTypes = new Class<?>[params.size() + lead];
        for (int i = 0; i < lead; i++) {
            argLayouts[i] = ValueLayout.ADDRESS;
            argTypes[i] = MemorySegment.class;
        }
        for (int i = 0; i < params.size(); i++) {
            argLayouts[i + lead] = layout(params.get(i));
            argTypes[i + lead] = carrier(params.get(i));
        }
        if (several) {
            for (ValType t : type.results()) {
                layout(t); // refuses results that cannot cross the boundary, as single results are
            }
        }
        FunctionDescriptor fd = type.results().size() != 1 ? FunctionDescriptor.ofVoid(argLayouts)
                : FunctionDescriptor.of(layout(type.results().get(0)), argLayouts);
        Class<?> ret = type.results().size() != 1 ? void.class : carrier(type.results().get(0));
        MethodHandle mh = (several ? DISPATCH_SEVERAL : DISPATCH).bindTo(this)
                .asCollector(Object[].class, params.size())
                .asType(MethodType.methodType(ret, argTypes));
        return java.lang.foreign.Linker.nativeLinker().upcallStub(mh, fd, store.arena());
    }

    /**
     * Runs in the upcall of a host function with several results: writes them as 8-byte slots to
     * {@code results}; like {@link #dispatch}, never lets anything escape into native code.
     */
    @SuppressWarnings("unused")
    private void dispatchSeveral(MemorySegment vmctx, MemorySegment results, Object[] raw) {
        Val[] out = invokeHost(raw);
        if (out == null) {
            return; // the host function threw: the trap code is set, the adapter unwinds
        }
        try {
            MemorySegment area = results.reinterpret(8L * out.length);
            for (int k = 0; k < out.length; k++) {
                area.set(ValueLayout.JAVA_LONG, 8L * k, store.toBits(out[k]));
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    /**
     * Runs in the upcall: never lets anything escape into native code. A throwable is parked in the
     * store and the store context gets {@link TrapCode#HOST_EXCEPTION}; the import adapter then
     * unwinds to the entry, where {@link #call} rethrows it.
     */
    @SuppressWarnings("unused")
    private Object dispatch(MemorySegment vmctx, Object[] raw) {
        Val[] results = invokeHost(raw);
        if (type.results().isEmpty()) {
            return null;
        }
        try {
            return toJava(results != null ? results[0] : new Val(type.results().get(0), 0));
        } catch (Throwable t) {
            fail(t);
            return toJava(new Val(type.results().get(0), 0));
        }
    }

    /** Calls the host function with the upcall's arguments; its results checked against the type, or {@code null} after {@link #fail}. */
    private Val[] invokeHost(Object[] raw) {
        try {
            Val[] args = new Val[raw.length];
            for (int i = 0; i < raw.length; i++) {
                args[i] = fromJava(type.params().get(i), raw[i]);
            }
            Val[] results = host.call(args);
            boolean ok = type.results().isEmpty()
                    || results != null && results.length == type.results().size();
            for (int k = 0; ok && k < type.results().size(); k++) {
                ok = results[k] != null && results[k].type() == type.results().get(k);
            }
            if (!ok) {
                throw new IllegalStateException("host function returned " + java.util.Arrays.toString(results)
                        + ", its type is " + type);
            }
            return results;
        } catch (Throwable t) {
            fail(t);
            return null;
        }
    }

    /** Parks {@code t} in the store and sets the trap code the import adapter unwinds on. */
    private void fail(Throwable t) {
        store.setPendingException(t);
        store.storeContext().set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.HOST_EXCEPTION.code());
    }

    @Override
    public String toString() {
        return "func " + name + " " + type;
    }
}
