package dev.kiln;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * An exported WebAssembly function of an {@link Instance}, called through a downcall handle on its
 * entry trampoline.
 *
 * <pre>{@code
 * Func fac = instance.func("fac");
 * long r = fac.call(Val.i64(20))[0].i64();
 * }</pre>
 *
 * <p>Belongs to its store and follows its thread-safety rules.
 */
public final class Func {
    private final Instance instance;
    private final String name;
    private final FuncType type;
    private final MethodHandle handle;

    Func(Instance instance, String name, FuncType type, MethodHandle handle) {
        this.instance = instance;
        this.name = name;
        this.type = type;
        this.handle = handle;
    }

    /** The function's type. */
    public FuncType type() {
        return type;
    }

    /** The export name. */
    public String name() {
        return name;
    }

    /**
     * Calls the function.
     *
     * @param args one value per parameter, of the parameter's type
     * @return the results (empty for none)
     * @throws Trap                     if execution traps; the instance stays usable
     * @throws IllegalArgumentException if the arguments do not match the function type
     * @throws IllegalStateException    if the store is closed
     */
    public Val[] call(Val... args) {
        instance.store().ensureOpen();
        List<ValType> params = type.params();
        if (args.length != params.size()) {
            throw new IllegalArgumentException(name + " takes " + params.size() + " arguments " + type + ", got " + args.length);
        }
        List<Object> javaArgs = new ArrayList<>(args.length + 1);
        MemorySegment vmctx = instance.vmctx();
        javaArgs.add(vmctx);
        for (int i = 0; i < args.length; i++) {
            if (args[i].type() != params.get(i)) {
                throw new IllegalArgumentException(name + " argument " + i + " must be " + params.get(i) + ", got "
                        + args[i].type());
            }
            javaArgs.add(switch (params.get(i)) {
                case I32 -> (int) args[i].bits();
                case I64 -> args[i].bits();
                case F32 -> Float.intBitsToFloat((int) args[i].bits());
                case F64 -> Double.longBitsToDouble(args[i].bits());
                default -> throw new IllegalArgumentException(params.get(i) + " arguments are not supported yet");
            });
        }
        Object result;
        try {
            result = handle.invokeWithArguments(javaArgs);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("downcall failed", t);
        }
        int trap = vmctx.get(ValueLayout.JAVA_INT, VMContextLayout.TRAP_CODE);
        if (trap != 0) {
            vmctx.set(ValueLayout.JAVA_INT, VMContextLayout.TRAP_CODE, 0);
            throw new Trap(TrapCode.fromCode(trap));
        }
        if (type.results().isEmpty()) {
            return new Val[0];
        }
        ValType rt = type.results().get(0);
        long bits = switch (rt) {
            case I32 -> (Integer) result;
            case I64 -> (Long) result;
            case F32 -> Float.floatToRawIntBits((Float) result) & 0xFFFF_FFFFL;
            case F64 -> Double.doubleToRawLongBits((Double) result);
            default -> throw new IllegalStateException(rt + " results are not supported yet");
        };
        return new Val[] {new Val(rt, bits)};
    }

    @Override
    public String toString() {
        return "func " + name + " " + type;
    }
}
