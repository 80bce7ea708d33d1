package dev.kiln.compiler.mach;

import dev.kiln.abi.ValType;
import java.util.ArrayList;
import java.util.List;

/**
 * Where arguments and results of a call live, computed from a register descriptor's argument
 * registers; the one place a backend's conventions are defined (lowering of parameters and calls,
 * entry trampolines and import adapters all ask it).
 *
 * <p><b>Kiln's internal convention</b> (Wasm to Wasm; both ISAs, after Cranelift's {@code tail}
 * convention so that {@code return_call} can be a real tail call):
 * <ul>
 * <li>the callee's VMContext in a fixed callee-saved register (x86-64 {@code r14}, AArch64
 *     {@code x21}), never allocated;</li>
 * <li>integer and reference arguments in the integer argument registers in order, f32/f64/v128
 *     arguments in the float argument registers in order, independently of each other; the rest in
 *     parameter order on the stack, in 8-byte slots (16-byte, 16-byte aligned for v128) from the stack
 *     pointer at the call upwards ({@link ArgLocation#stackOffset});</li>
 * <li>one result in the first integer or float result register; several results all in the stack
 *     area, after the stack arguments (the caller reserves room for both);</li>
 * <li><b>the callee pops its stack arguments</b> ({@link #calleePopsArguments}): it returns with the
 *     stack pointer above them (x86-64 {@code ret imm16}), and a caller that keeps a fixed frame
 *     re-adjusts its stack pointer after such a call. The size of the incoming argument area is thus a
 *     fact of the callee's own signature, so a tail call to a function with more stack arguments than
 *     the caller can grow the area in place (moving the return address), as Cranelift's {@code tail}
 *     convention does; results, which lie above the arguments, stay where the caller expects them.
 *     The argument area is padded to a multiple of 16 bytes, so that a tail call, which moves the
 *     return address by the difference of two such areas, keeps the stack pointer as aligned at the
 *     callee's entry as a call does;</li>
 * <li>i32 values are zero-extended in their 64-bit registers (Kiln's own invariant, kept by every
 *     backend); callee-saved registers as in the host convention.</li>
 * </ul>
 *
 * <p><b>The host convention</b> (System V AMD64 or AAPCS64) is used at the Java boundary: entry
 * trampolines receive {@code (vmctx, params...)} with it, import adapters call host upcalls with it;
 * the caller pops, i32 values may carry garbage in their upper half.
 *
 * <p>Immutable and thread-safe.
 */
public final class CallingConvention {
    private final int[] intArgs;
    private final int[] floatArgs;
    private final int intResult;
    private final int floatResult;
    private final boolean calleePops;

    /**
     * A convention passing integers in {@code intArgs} and floats in {@code floatArgs} (in order),
     * returning one result in {@code intResult} or {@code floatResult}.
     *
     * @param calleePops whether the callee pops its stack arguments
     */
    public CallingConvention(int[] intArgs, int[] floatArgs, int intResult, int floatResult, boolean calleePops) {
        this.intArgs = intArgs.clone();
        this.floatArgs = floatArgs.clone();
        this.intResult = intResult;
        this.floatResult = floatResult;
        this.calleePops = calleePops;
    }

    /** Whether a callee returns with its stack arguments popped. */
    public boolean calleePopsArguments() {
        return calleePops;
    }

    private int resultRegister(ValType t) {
        return isFloatClass(t) ? floatResult : intResult;
    }

    private static boolean isFloatClass(ValType t) {
        return t.isFloat() || t == ValType.V128;
    }

    /** Where one value goes: a register, or a stack slot at {@code stackOffset} bytes from the area's start. */
    public record ArgLocation(int reg, int stackOffset, ValType type) {
        /** Whether the value is in a register. */
        public boolean inRegister() {
            return reg != MachInst.NONE;
        }
    }

    /**
     * Locations of a call's values.
     *
     * @param params         one per parameter
     * @param stackArgBytes  bytes of stack arguments (a multiple of 8; of 16 when the callee pops)
     * @param results        one per result: a register for a single result, stack slots (after the
     *                       arguments) for several
     * @param stackBytes     bytes of the whole stack area: arguments and stack results (a multiple of 8)
     */
    public record Assignment(List<ArgLocation> params, int stackArgBytes, List<ArgLocation> results, int stackBytes) {
    }

    /** Locations of {@code params} and {@code results}. */
    public Assignment assign(List<ValType> params, List<ValType> results) {
        List<ArgLocation> ps = new ArrayList<>(params.size());
        int ni = 0;
        int nf = 0;
        int stack = 0;
        for (ValType t : params) {
            if (isFloatClass(t) ? nf < floatArgs.length : ni < intArgs.length) {
                ps.add(new ArgLocation(isFloatClass(t) ? floatArgs[nf++] : intArgs[ni++], -1, t));
            } else {
                stack = align(stack, t);
                ps.add(new ArgLocation(MachInst.NONE, stack, t));
                stack += slot(t);
            }
        }
        int argBytes = calleePops ? (stack + 15) & -16 : stack;
        stack = argBytes;
        List<ArgLocation> rs = new ArrayList<>(results.size());
        if (results.size() == 1) {
            rs.add(new ArgLocation(resultRegister(results.get(0)), -1, results.get(0)));
        } else {
            for (ValType t : results) {
                stack = align(stack, t);
                rs.add(new ArgLocation(MachInst.NONE, stack, t));
                stack += slot(t);
            }
        }
        return new Assignment(ps, argBytes, rs, stack);
    }

    private static int slot(ValType t) {
        return t == ValType.V128 ? 16 : 8;
    }

    private static int align(int at, ValType t) {
        return t == ValType.V128 ? (at + 15) & -16 : at;
    }
}
