package dev.kiln;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a function type crosses the native boundary (entry trampolines called from Java, host
 * functions called from Wasm), canonicalised so that the JVM's downcall and upcall machinery sees
 * only a few shapes: every distinct {@link FunctionDescriptor} costs stubs, adapters and compiled
 * method-handle code that the JVM keeps for good, so one per Wasm signature would fill the code cache
 * of a JVM that runs many modules.
 *
 * <p>The System V AMD64 calling convention (psABI §3.2.3) assigns integer-class arguments to
 * {@code rdi, rsi, rdx, rcx, r8, r9} and floating-point ones to {@code xmm0-7}, each class in its own
 * order, independently of how the two classes interleave; arguments left over when a class runs out
 * of registers go to 8-byte stack slots in their original order. AAPCS64 (Linux on AArch64, §6.8.2)
 * does the same with {@code x0-x7} and {@code v0-v7}; only the number of integer registers differs, so
 * the canonical form below is computed with the host's count ({@link #INT_REGS}). So a Wasm signature is passed
 * exactly like the canonical one that lists, after the VMContext pointer, its integer-class
 * parameters that get registers as {@code long}s, then its float-class ones that get registers as
 * {@code double}s, then the stack-passed ones in order, all as {@code long}s when the integer
 * registers are full, else (only floats overflowed) all as {@code double}s, so that they too land on
 * the stack. {@code i32} travels in the low half of a {@code long} and {@code f32} in the low half of
 * a {@code double}'s bits (the callee reads only those halves); results come back as a {@code long}
 * ({@code rax}) or a {@code double} ({@code xmm0}). The number of shapes is at most
 * 6 x 9 x 3 (AArch64: 8 x 9 x 3) for register-only signatures, plus one per count of stack slots.
 *
 * <p>Upcalls go further: every upcall whose arguments are all integer-class and fit in registers and
 * whose result is void or integer-class, the host functions of such signatures as well as Kiln's own
 * libcalls ({@link #libcallStub}), shares one descriptor, {@link #integerUpcall()}:
 * {@code (ADDRESS, long x INT_REGS) -> long}. The callee of a register-only call may read argument
 * registers the caller did not set (they hold garbage, which the Java side ignores: an {@code i32}
 * is the low half of its register, as before) and the caller of a void or {@code i32} function
 * ignores all or the high half of {@code rax}/{@code x0}; so the machine code that calls an upcall is
 * the same whichever of these descriptors the stub was made with. Each distinct upcall descriptor
 * makes the JVM generate and load a class of its own (its binding specializer), 10-30 ms of CPU in a
 * fresh JVM that its ahead-of-time cache cannot keep; with one, a WASI command's instance needs one.
 *
 * <p>A shape ({@link Shape}) holds the shared downcall handle and the shared upcall target; a
 * {@code CallShape} adds the per-signature permutation. Thread-safe.
 */
final class CallShape {
    /**
     * Integer registers for parameters after the VMContext pointer ({@code rdi} on x86-64, {@code x0} on
     * AArch64): System V has six integer argument registers, AAPCS64 eight.
     */
    private static final int INT_REGS = java.util.Set.of("aarch64", "arm64").contains(System.getProperty("os.arch")) ? 7 : 5;
    private static final int FLOAT_REGS = 8;

    private static final ConcurrentHashMap<Shape, Shape> SHAPES = new ConcurrentHashMap<>();

    /** The shared part: the canonical signature and its method handles. */
    static final class Shape {
        final int ints;
        final int floats;
        final int stack;
        final boolean stackAsLong;
        /** 'V' void, 'J' long in rax, 'D' double in xmm0. */
        final char result;
        /** Whether a pointer to the results area follows the VMContext (host functions with several results). */
        final boolean resultsPointer;
        private volatile MethodHandle downcall;
        private volatile MethodHandle criticalDowncall;
        private volatile MethodHandle spreader;
        private volatile MethodHandle upcallTarget;

        Shape(int ints, int floats, int stack, boolean stackAsLong, char result, boolean resultsPointer) {
            this.ints = ints;
            this.floats = floats;
            this.stack = stack;
            this.stackAsLong = stack > 0 && stackAsLong;
            this.result = result;
            this.resultsPointer = resultsPointer;
        }

        /** Pointer arguments before the canonical ones: the VMContext, and the results area if any. */
        int lead() {
            return resultsPointer ? 2 : 1;
        }

        int arity() {
            return ints + floats + stack;
        }

        Class<?> carrier(int slot) {
            return slot < ints ? long.class : slot < ints + floats ? double.class : stackAsLong ? long.class : double.class;
        }

        Class<?> resultCarrier() {
            return result == 'V' ? void.class : result == 'J' ? long.class : double.class;
        }

        FunctionDescriptor descriptor() {
            MemoryLayout[] args = new MemoryLayout[lead() + arity()];
            for (int k = 0; k < lead(); k++) {
                args[k] = ValueLayout.ADDRESS;
            }
            for (int k = 0; k < arity(); k++) {
                args[lead() + k] = carrier(k) == long.class ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_DOUBLE;
            }
            return result == 'V' ? FunctionDescriptor.ofVoid(args)
                    : FunctionDescriptor.of(result == 'J' ? ValueLayout.JAVA_LONG : ValueLayout.JAVA_DOUBLE, args);
        }

        /** {@code (MemorySegment entry, MemorySegment vmctx, canonical...) -> result}, one per shape. */
        MethodHandle downcall() {
            MethodHandle h = downcall;
            if (h == null) {
                h = Linker.nativeLinker().downcallHandle(descriptor());
                downcall = h;
            }
            return h;
        }

        /** The same as a critical downcall ({@link Linker.Option#critical}): no thread-state transition. */
        MethodHandle criticalDowncall() {
            MethodHandle h = criticalDowncall;
            if (h == null) {
                h = Linker.nativeLinker().downcallHandle(descriptor(), Linker.Option.critical(false));
                criticalDowncall = h;
            }
            return h;
        }

        /** {@code (MemorySegment entry, MemorySegment vmctx, Object[] canonical) -> Object}, for {@link Func#call}. */
        MethodHandle spreader() {
            MethodHandle h = spreader;
            if (h == null) {
                h = downcall().asSpreader(Object[].class, arity())
                        .asType(MethodType.methodType(Object.class, MemorySegment.class, MemorySegment.class, Object[].class));
                spreader = h;
            }
            return h;
        }

        /**
         * {@code (Func, MemorySegment vmctx, canonical...) -> result} running {@link Func#dispatch}, or
         * {@code (Func, MemorySegment vmctx, MemorySegment results, canonical...) -> void} running
         * {@link Func#dispatchSeveral}.
         */
        MethodHandle upcallTarget() {
            MethodHandle h = upcallTarget;
            if (h == null) {
                Class<?>[] params = new Class<?>[1 + lead() + arity()];
                params[0] = Func.class;
                for (int k = 0; k < lead(); k++) {
                    params[1 + k] = MemorySegment.class;
                }
                for (int k = 0; k < arity(); k++) {
                    params[1 + lead() + k] = carrier(k);
                }
                if (equals(integerUpcall())) {
                    // the shared integer shape: primitives straight through, no array or boxes per call
                    h = INT_REGS == 7 ? Func.DISPATCH_INTEGERS_7 : Func.DISPATCH_INTEGERS_5;
                } else {
                    h = (resultsPointer ? Func.DISPATCH_SEVERAL : Func.DISPATCH).asCollector(Object[].class, arity())
                            .asType(MethodType.methodType(resultCarrier(), params));
                }
                upcallTarget = h;
            }
            return h;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && s.ints == ints && s.floats == floats && s.stack == stack
                    && s.stackAsLong == stackAsLong && s.result == result && s.resultsPointer == resultsPointer;
        }

        @Override
        public int hashCode() {
            return (((ints * 16 + floats) * 4096 + stack) * 8 + (stackAsLong ? 4 : 0) + result) * 2 + (resultsPointer ? 1 : 0);
        }
    }

    final FuncType type;
    final Shape shape;
    /** Per Wasm parameter: its position among the canonical arguments (after the VMContext). */
    private final int[] slot;

    private CallShape(FuncType type, Shape shape, int[] slot) {
        this(type, shape, slot, false);
    }

    private CallShape(FuncType type, Shape shape, int[] slot, boolean slots) {
        this.type = type;
        this.shape = shape;
        this.slot = slot;
        this.slots = slots;
    }

    /**
     * The canonical passing of {@code type} (at most one result; several results travel through the
     * result buffer and the trampoline returns nothing; a signature with a v128 passes a slot area).
     *
     * @throws IllegalArgumentException for parameters or results that cannot cross
     */
    static CallShape of(FuncType type) {
        if (type.params().contains(ValType.V128) || type.results().contains(ValType.V128)) {
            // the v128 entry convention: void entry(vmctx, slots*), 16 bytes per value
            Shape key = new Shape(1, 0, 0, false, 'V', false);
            return new CallShape(type, SHAPES.computeIfAbsent(key, k -> k), new int[0], true);
        }
        return of(type, false);
    }

    /**
     * Whether the entry trampoline takes its parameters and leaves its results in a slot area of 16
     * bytes per value (a signature with a v128: see the x86-64 {@code VectorEntryTrampoline}) whose
     * address is the only canonical argument.
     */
    final boolean slots;

    /**
     * The canonical passing of a host function of {@code type}: with several results, a pointer to the
     * import adapter's results area follows the VMContext (and takes an integer register). A signature
     * of integer-class parameters in registers and at most one integer-class result gets the shared
     * {@link #integerUpcall()} shape, its parameters in the first slots in order. A signature with a
     * v128 has the {@link #slots} shape: {@code void (vmctx, slots*)}, the import adapter's slot area
     * of 16 bytes per value (parameters in, results out).
     *
     * @throws IllegalArgumentException for parameters or results that cannot cross
     */
    static CallShape upcall(FuncType type) {
        if (type.params().contains(ValType.V128) || type.results().contains(ValType.V128)) {
            return of(type);
        }
        for (ValType r : type.results()) {
            floatClass(r); // refuses results that cannot cross the boundary, several as one
        }
        CallShape exact = of(type, type.results().size() > 1);
        Shape s = exact.shape;
        if (!s.resultsPointer && s.floats == 0 && s.stack == 0 && s.result != 'D') {
            return new CallShape(type, integerUpcall(), exact.slot);
        }
        return exact;
    }

    /**
     * The one upcall shape of integer-class signatures: {@code (ADDRESS, long x INT_REGS) -> long}, five
     * {@code long}s on x86-64 (all of System V's integer argument registers after the first), seven on
     * AArch64.
     */
    static Shape integerUpcall() {
        Shape key = new Shape(INT_REGS, 0, 0, true, 'J', false);
        return SHAPES.computeIfAbsent(key, k -> k);
    }

    private static final MethodHandle ZERO = MethodHandles.constant(long.class, 0L);

    /**
     * An upcall stub, allocated for the life of the JVM, that native code calls as a C function of
     * {@code target}'s type: a libcall of the generated code. {@code target} takes a
     * {@link MemorySegment} (a pointer: the VMContext or the store context) and then at most
     * {@code INT_REGS} (five on x86-64) {@code int}s and {@code long}s, and returns {@code void},
     * {@code int} or {@code long}; it must not throw (an exception escaping an upcall ends the JVM).
     * The stub has the shared {@link #integerUpcall()} descriptor, so it costs no class of its own.
     * A target already of the form {@code (MemorySegment, long...) -> long} needs no argument or
     * result conversions (method-handle adapters whose lambda forms a fresh JVM spins per type, a few
     * ms each): at most unused trailing arguments are dropped, and for {@code INT_REGS} longs it is
     * the upcall's target as it is.
     *
     * @throws IllegalArgumentException if {@code target}'s type is not of that form
     */
    static MemorySegment libcallStub(MethodHandle target) {
        MethodType t = target.type();
        if (isLongLibcall(t)) {
            int n = t.parameterCount() - 1;
            MethodHandle h = n == INT_REGS ? target
                    : MethodHandles.dropArguments(target, 1 + n, java.util.Collections.nCopies(INT_REGS - n, long.class));
            return Linker.nativeLinker().upcallStub(h, integerUpcall().descriptor(), java.lang.foreign.Arena.global());
        }
        int ints = t.parameterCount() - 1;
        if (ints < 0 || ints > INT_REGS || t.parameterType(0) != MemorySegment.class
                || !(t.returnType() == void.class || t.returnType() == int.class || t.returnType() == long.class)) {
            throw new IllegalArgumentException("a libcall takes a pointer and at most " + INT_REGS
                    + " integers and returns void or an integer, not " + t);
        }
        Class<?>[] params = new Class<?>[1 + INT_REGS];
        params[0] = MemorySegment.class;
        for (int k = 1; k <= INT_REGS; k++) {
            params[k] = long.class;
        }
        for (int k = 1; k <= ints; k++) {
            if (t.parameterType(k) != int.class && t.parameterType(k) != long.class) {
                throw new IllegalArgumentException("a libcall takes integers after its pointer, not " + t);
            }
        }
        MethodHandle h = t.returnType() == void.class ? MethodHandles.filterReturnValue(target, ZERO) : target;
        // int parameters: the low half of the register (a long-to-int cast); an int result widened
        h = MethodHandles.explicitCastArguments(h, MethodType.methodType(long.class, java.util.Arrays.copyOf(params, 1 + ints)));
        h = MethodHandles.dropArguments(h, 1 + ints, java.util.Arrays.copyOfRange(params, 1 + ints, 1 + INT_REGS));
        return Linker.nativeLinker().upcallStub(h, integerUpcall().descriptor(), java.lang.foreign.Arena.global());
    }

    /** Whether {@code t} is {@code (MemorySegment, long x n) -> long} with {@code n <= INT_REGS}: a libcall in the shared shape. */
    private static boolean isLongLibcall(MethodType t) {
        int n = t.parameterCount() - 1;
        if (n < 0 || n > INT_REGS || t.parameterType(0) != MemorySegment.class || t.returnType() != long.class) {
            return false;
        }
        for (int k = 1; k <= n; k++) {
            if (t.parameterType(k) != long.class) {
                return false;
            }
        }
        return true;
    }

    private static CallShape of(FuncType type, boolean resultsPointer) {
        List<ValType> params = type.params();
        int n = params.size();
        boolean[] isFloat = new boolean[n];
        int ints = 0;
        int floats = 0;
        for (int i = 0; i < n; i++) {
            isFloat[i] = floatClass(params.get(i));
            if (isFloat[i]) {
                floats++;
            } else {
                ints++;
            }
        }
        int intRegLimit = resultsPointer ? INT_REGS - 1 : INT_REGS;
        int intRegs = Math.min(ints, intRegLimit);
        int floatRegs = Math.min(floats, FLOAT_REGS);
        int[] slot = new int[n];
        int nextInt = 0;
        int nextFloat = intRegs;
        int nextStack = intRegs + floatRegs;
        for (int i = 0; i < n; i++) {
            if (!isFloat[i] && nextInt < intRegs) {
                slot[i] = nextInt++;
            } else if (isFloat[i] && nextFloat < intRegs + floatRegs) {
                slot[i] = nextFloat++;
            } else {
                slot[i] = nextStack++;
            }
        }
        List<ValType> results = type.results();
        char result = results.size() != 1 ? 'V' : floatClass(results.get(0)) ? 'D' : 'J';
        Shape key = new Shape(intRegs, floatRegs, n - intRegs - floatRegs, intRegs == intRegLimit, result, resultsPointer);
        return new CallShape(type, SHAPES.computeIfAbsent(key, k -> k), slot);
    }

    private static boolean floatClass(ValType t) {
        return switch (t) {
            case F32, F64 -> true;
            case I32, I64, FUNCREF, EXTERNREF -> false;
            default -> throw new IllegalArgumentException(t + " values cannot cross the host boundary yet");
        };
    }

    /**
     * Whether {@link Func#call} passes this signature through the loader's shared C-call handle
     * ({@link dev.kiln.loader.LibC#callIntegerFunction}: the VMContext and at most five integer-class
     * arguments in registers, an integer-class or no result in {@code rax}) instead of a downcall
     * handle of its own shape: the first call of a fresh JVM then spins no downcall class beyond the
     * one its system calls already made (about 10 ms of CPU and the JIT work behind it). Typed handles
     * ({@link #typed}) keep the exact shape, which passes nothing it does not need.
     */
    boolean callsThroughSharedHandle() {
        return !slots && !shape.resultsPointer && shape.floats == 0 && shape.stack == 0 && shape.result != 'D'
                && shape.ints <= 5 && type.params().size() == shape.ints;
    }

    /** How many distinct shapes this JVM has made so far (for tests). */
    static int shapeCount() {
        return SHAPES.size();
    }

    /**
     * The entry downcall bound to {@code entry}: {@code (MemorySegment vmctx, canonical...) -> result};
     * {@code critical} for a critical downcall.
     */
    MethodHandle entry(MemorySegment entry, boolean critical) {
        return MethodHandles.insertArguments(critical ? shape.criticalDowncall() : shape.downcall(), 0, entry);
    }

    // ---- Func.call and dispatch: values as raw 64-bit patterns --------------------------------------

    /** The canonical arguments, each Wasm parameter's raw bits boxed as its slot's carrier. */
    Object[] toCanonical(long[] bits) {
        Object[] out = new Object[shape.arity()];
        for (int i = 0; i < bits.length; i++) {
            out[slot[i]] = box(shape.carrier(slot[i]), bits[i]);
        }
        return out;
    }

    /** The canonical position (after the VMContext) of Wasm parameter {@code i}. */
    int slot(int i) {
        return slot[i];
    }

    /** The raw bits of Wasm parameter {@code i} from the canonical arguments. */
    long paramBits(Object[] canonical, int i) {
        return unbox(canonical[slot[i]]);
    }

    /** The boxed canonical result carrying {@code bits}. */
    Object resultObject(long bits) {
        return box(shape.resultCarrier(), bits);
    }

    static Object box(Class<?> carrier, long bits) {
        return carrier == long.class ? (Object) bits : (Object) Double.longBitsToDouble(bits);
    }

    /** The raw bits of a canonical value ({@code Long} or {@code Double}). */
    static long unbox(Object o) {
        return o instanceof Double d ? Double.doubleToRawLongBits(d) : (Long) o;
    }

    // ---- Func.handle: a typed view ----------------------------------------------------------------

    /**
     * The conversions of {@link #typed}, made when the first typed handle is: a fresh JVM that only
     * calls through {@link Func#call} does not pay for them.
     */
    private static final class Conversions {
        static final MethodHandle I2L;
        static final MethodHandle L2I;
        static final MethodHandle F2D;
        static final MethodHandle D2F;
        static final MethodHandle F2L;
        static final MethodHandle D2L;
        static final MethodHandle L2D;
        static final MethodHandle I2D;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                I2L = l.findStatic(CallShape.class, "i2l", MethodType.methodType(long.class, int.class));
                L2I = l.findStatic(CallShape.class, "l2i", MethodType.methodType(int.class, long.class));
                F2D = l.findStatic(CallShape.class, "f2d", MethodType.methodType(double.class, float.class));
                D2F = l.findStatic(CallShape.class, "d2f", MethodType.methodType(float.class, double.class));
                F2L = l.findStatic(CallShape.class, "f2l", MethodType.methodType(long.class, float.class));
                D2L = l.findStatic(Double.class, "doubleToRawLongBits", MethodType.methodType(long.class, double.class));
                L2D = l.findStatic(Double.class, "longBitsToDouble", MethodType.methodType(double.class, long.class));
                I2D = MethodHandles.filterReturnValue(I2L, L2D);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private Conversions() {
        }
    }

    private static long i2l(int v) {
        return v;
    }

    private static int l2i(long v) {
        return (int) v;
    }

    /** An f32 in the low half of a double's bits. */
    private static double f2d(float v) {
        return Double.longBitsToDouble(Float.floatToRawIntBits(v) & 0xFFFF_FFFFL);
    }

    private static float d2f(double v) {
        return Float.intBitsToFloat((int) Double.doubleToRawLongBits(v));
    }

    private static long f2l(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFF_FFFFL;
    }

    /** The Java type of a Wasm value in {@link Func#handle()}: int, long, float, double. */
    static Class<?> javaType(ValType t) {
        return switch (t) {
            case I32 -> int.class;
            case F32 -> float.class;
            case F64 -> double.class;
            default -> long.class;
        };
    }

    /**
     * {@code entry} (a handle from {@link #entry}) with the VMContext bound and the Wasm signature's
     * Java types: {@code (params as int/long/float/double) -> result}.
     */
    MethodHandle typed(MethodHandle entry, MemorySegment vmctx) {
        MethodHandle h = MethodHandles.insertArguments(entry, 0, vmctx);     // (canonical...) -> R
        List<ValType> params = type.params();
        Class<?>[] mid = new Class<?>[params.size()];
        int[] reorder = new int[shape.arity()];
        for (int i = 0; i < params.size(); i++) {
            mid[i] = shape.carrier(slot[i]);
            reorder[slot[i]] = i;
        }
        h = MethodHandles.permuteArguments(h, MethodType.methodType(shape.resultCarrier(), mid), reorder);
        MethodHandle[] filters = new MethodHandle[params.size()];
        for (int i = 0; i < params.size(); i++) {
            boolean toLong = mid[i] == long.class;
            filters[i] = switch (params.get(i)) {
                case I32 -> toLong ? Conversions.I2L : Conversions.I2D;
                case F32 -> toLong ? Conversions.F2L : Conversions.F2D;
                case F64 -> toLong ? Conversions.D2L : null;
                default -> toLong ? null : Conversions.L2D;
            };
        }
        h = MethodHandles.filterArguments(h, 0, filters);
        if (type.results().size() == 1) {
            switch (type.results().get(0)) {
                case I32 -> h = MethodHandles.filterReturnValue(h, Conversions.L2I);
                case F32 -> h = MethodHandles.filterReturnValue(h, Conversions.D2F);
                default -> {
                }
            }
        }
        return h;
    }
}
