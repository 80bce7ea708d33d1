package dev.kiln.compiler.ir;

/**
 * IR opcodes. Integer operations work on {@link IrType#I32} or {@link IrType#I64} values and wrap
 * modulo 2^N like Wasm; shift and rotate counts are taken modulo the width. Operations marked
 * "traps" check their Wasm trap conditions themselves (the backend emits the check).
 *
 * <p>Operands are {@link Inst#args()}; immediates are {@link Inst#imm()} (a constant, a funcidx, a
 * trap code) and {@link Inst#cond()}; branch targets are {@link Inst#targets()}.
 *
 * <p>Wasm checks that are the same on every ISA are not operations here but IR built by the
 * translator from {@link #VMCTX_LOAD}, {@link #LOAD}, {@link #ICMP} and {@link #TRAPIF}, so the
 * optimizer sees them: linear-memory bounds, table bounds and the null and type-id checks of
 * {@code call_indirect}, bulk-memory bounds; {@code memory.grow} and the rare table and bulk
 * operations are {@link #LIBCALL}s into the runtime. What a backend implements beyond arithmetic,
 * loads, stores and branches are these primitives: {@link #CALL} (direct, or through an imported
 * function's record), {@link #CALL_REF} (through a function record), {@link #LIBCALL} (the runtime's
 * C-convention entry points, with the unwind when one traps), {@link #MEMMOVE} and {@link #MEMSET}
 * (byte copies and fills on host addresses that were checked), {@link #EPOCH_CHECK} (the
 * interruption check, whose slow path preserves registers), and the operations
 * whose trap conditions are machine facts: integer division ({@link #SDIV} ... {@link #UREM}, where
 * x86 faults on {@code MIN / -1} and AArch64 does not), trapping float-to-int conversion
 * ({@link #FCVT_TO_SINT}, {@link #FCVT_TO_UINT}) and {@link #FMIN}/{@link #FMAX} (Wasm's NaN and
 * signed-zero rules differ from each ISA's min/max instructions).
 */
public enum Op {
    /** {@code v = iconst.T imm}: an integer constant (imm holds the bits, sign-extended for i32). */
    ICONST(Flags.PURE),
    /** {@code v = iadd a, b}. */
    IADD(Flags.PURE),
    /** {@code v = isub a, b}. */
    ISUB(Flags.PURE),
    /** {@code v = imul a, b}. */
    IMUL(Flags.PURE),
    /** {@code v = band a, b}. */
    BAND(Flags.PURE),
    /** {@code v = bor a, b}. */
    BOR(Flags.PURE),
    /** {@code v = bxor a, b}. */
    BXOR(Flags.PURE),
    /** {@code v = ishl a, b}: shift left by {@code b mod bits}. */
    ISHL(Flags.PURE),
    /** {@code v = sshr a, b}: arithmetic shift right by {@code b mod bits}. */
    SSHR(Flags.PURE),
    /** {@code v = ushr a, b}: logical shift right by {@code b mod bits}. */
    USHR(Flags.PURE),
    /** {@code v = rotl a, b}. */
    ROTL(Flags.PURE),
    /** {@code v = rotr a, b}. */
    ROTR(Flags.PURE),
    /**
     * {@code v = umulhi a, b}: the high half (bits N..2N-1) of the unsigned 2N-bit product; produced by
     * division by a constant ({@code opt.DivisionByConstant}), not by the translator.
     */
    UMULHI(Flags.PURE),
    /** {@code v = smulhi a, b}: the high half of the signed 2N-bit product (as {@link #UMULHI}). */
    SMULHI(Flags.PURE),
    /** {@code v = sdiv a, b}: signed division; traps on {@code b == 0} and on {@code MIN / -1}. */
    SDIV(Flags.TRAPS),
    /** {@code v = udiv a, b}: unsigned division; traps on {@code b == 0}. */
    UDIV(Flags.TRAPS),
    /** {@code v = srem a, b}: signed remainder (sign of a); traps on {@code b == 0}; {@code MIN rem -1 = 0}. */
    SREM(Flags.TRAPS),
    /** {@code v = urem a, b}: unsigned remainder; traps on {@code b == 0}. */
    UREM(Flags.TRAPS),
    /** {@code v = clz a}: number of leading zero bits (the width for 0). */
    CLZ(Flags.PURE),
    /** {@code v = ctz a}: number of trailing zero bits (the width for 0). */
    CTZ(Flags.PURE),
    /** {@code v = popcnt a}: number of one bits. */
    POPCNT(Flags.PURE),
    /**
     * {@code v = bswap a}: the bytes of {@code a} in reverse order (i32 or i64). No Wasm instruction
     * maps to it; {@link dev.kiln.compiler.opt.ByteSwapIdiom} forms it from shifts, masks and ors.
     */
    BSWAP(Flags.PURE),
    /** {@code v = icmp.cond a, b}: 1 if the condition holds, else 0; the result is i32. */
    ICMP(Flags.PURE),
    /** {@code v = select c, a, b}: {@code c != 0 ? a : b} ({@code c} is i32). */
    SELECT(Flags.PURE),
    /** {@code v = uextend a}: zero-extend i32 to i64. */
    UEXTEND(Flags.PURE),
    /** {@code v = sextend a}: sign-extend i32 to i64. */
    SEXTEND(Flags.PURE),
    /** {@code v = ireduce a}: the low 32 bits of an i64. */
    IREDUCE(Flags.PURE),
    /** {@code v = sextend_low.T a, imm}: sign-extend the low {@code imm} (8, 16, 32) bits of a within T. */
    SEXTEND_LOW(Flags.PURE),
    /** {@code v = fconst.T imm}: a float constant; imm holds the IEEE 754 bits (f32 in the low 32). */
    FCONST(Flags.PURE),
    /** {@code v = fadd a, b} (IEEE 754 round to nearest even; NaN results are arithmetic NaNs). */
    FADD(Flags.PURE),
    /** {@code v = fsub a, b}. */
    FSUB(Flags.PURE),
    /** {@code v = fmul a, b}. */
    FMUL(Flags.PURE),
    /** {@code v = fdiv a, b}. */
    FDIV(Flags.PURE),
    /** {@code v = fmin a, b}: Wasm {@code min}: NaN if either is NaN, -0 below +0. */
    FMIN(Flags.PURE),
    /** {@code v = fmax a, b}: Wasm {@code max}: NaN if either is NaN, +0 above -0. */
    FMAX(Flags.PURE),
    /** {@code v = fcopysign a, b}: a's magnitude with b's sign bit. */
    FCOPYSIGN(Flags.PURE),
    /** {@code v = fsqrt a}. */
    FSQRT(Flags.PURE),
    /** {@code v = fabs a}: clears the sign bit (NaNs included). */
    FABS(Flags.PURE),
    /** {@code v = fneg a}: flips the sign bit (NaNs included). */
    FNEG(Flags.PURE),
    /** {@code v = fceil a}. */
    FCEIL(Flags.PURE),
    /** {@code v = ffloor a}. */
    FFLOOR(Flags.PURE),
    /** {@code v = ftrunc a}: round toward zero. */
    FTRUNC(Flags.PURE),
    /** {@code v = fnearest a}: round to nearest, ties to even. */
    FNEAREST(Flags.PURE),
    /** {@code v = fcmp.cond a, b}: 1 if the comparison holds (false when unordered, except {@code ne}); i32. imm is the {@link FloatCond} ordinal. */
    FCMP(Flags.PURE),
    /** {@code v = fpromote a}: f32 to f64. */
    FPROMOTE(Flags.PURE),
    /** {@code v = fdemote a}: f64 to f32, round to nearest even. */
    FDEMOTE(Flags.PURE),
    /** {@code v = fcvt_from_sint a}: signed integer (i32 or i64) to float. */
    FCVT_FROM_SINT(Flags.PURE),
    /** {@code v = fcvt_from_uint a}: unsigned integer (i32 or i64) to float. */
    FCVT_FROM_UINT(Flags.PURE),
    /** {@code v = fcvt_to_sint a}: float to signed integer, toward zero; traps on NaN and out of range. */
    FCVT_TO_SINT(Flags.TRAPS),
    /** {@code v = fcvt_to_uint a}: float to unsigned integer, toward zero; traps on NaN and out of range. */
    FCVT_TO_UINT(Flags.TRAPS),
    /** {@code v = fcvt_to_sint_sat a}: saturating: NaN gives 0, out of range the nearest bound. */
    FCVT_TO_SINT_SAT(Flags.PURE),
    /** {@code v = fcvt_to_uint_sat a}: saturating unsigned conversion. */
    FCVT_TO_UINT_SAT(Flags.PURE),
    /** {@code v = bitcast a}: reinterprets the bits between i32 and f32 or i64 and f64. */
    BITCAST(Flags.PURE),
    /**
     * {@code v = simd.T args...}: a fixed-width SIMD operation (Wasm 2.0 §4.4.3 "Vector Instructions")
     * on {@link IrType#V128} values: imm is the instruction's opcode after the {@code 0xFD} prefix
     * ({@code wasm.Opcode#code()}), {@link Inst#aux()} its lane index (extract/replace lane), the
     * operands and result type those of the Wasm instruction, with these forms besides: {@code
     * v128.const} (12) takes the low and high 64 bits as two i64 operands; {@code i8x16.shuffle} (13)
     * takes {@code a, b} then its 16 lane indices as two i64 operands (index k in byte k, little-endian);
     * the memory forms are built by the translator from {@link #LOAD}/{@link #STORE} and these:
     * {@code v128.load8x8_s ... load32x2_u} (1..6) widen an i64, {@code v128.load32_zero}/{@code
     * load64_zero} (92, 93) place an i32/i64 in lane 0 of a zero vector. The lane-wise instructions
     * are not {@code simd} but the scalar operations with a lane-shaped type ({@link LaneOps}). Pure; the
     * simplifier folds the forms {@code opt.VectorFold} lists when their operands are constants, and GVN
     * merges equal ones. The semantics, NaN and saturation rules included, are the spec's; a backend
     * implements every form (finding a lane-wise operation's with {@link LaneOps#opcode}) or throws a
     * {@code CompileException}.
     */
    SIMD(Flags.PURE),
    /** {@code v = vmctx_load.T imm}: loads a T from the VMContext at byte offset imm. */
    VMCTX_LOAD(Flags.PURE_READ),
    /** {@code vmctx_store v, imm}: stores v into the VMContext at byte offset imm. */
    VMCTX_STORE(Flags.EFFECT),
    /**
     * {@code v = load.T base, index, imm}: reads {@link Inst#aux()} bytes (1, 2, 4, 8; bit 4 set:
     * sign-extend) at host address {@code base + index + imm} (both i64) and widens them to T. The
     * caller has checked the bounds. With {@link #NATIVE} set in aux, the load is an unsafe
     * native-memory intrinsic (DESIGN §4) whose address was computed outside the Wasm heap: it may be
     * hoisted out of a loop like a trap (from the header, when nothing in the loop writes memory).
     */
    LOAD(Flags.PURE_READ),
    /** {@code store base, index, value, imm}: writes the low {@link Inst#aux()} bytes of value at {@code base + index + imm}. */
    STORE(Flags.EFFECT),
    /** {@code trapif.cond a, b, code}: traps with trap code imm when the integer comparison holds. */
    TRAPIF(Flags.TRAPS),
    /**
     * {@code memmove dst, src, len}: copies {@code len} bytes from host address {@code src} to host
     * address {@code dst} (all i64), correct when the ranges overlap (as C {@code memmove}). The
     * translator has checked both ranges against their memory or data segment; the operation cannot
     * trap. Backend primitive for {@code memory.copy} and {@code memory.init}: the destination always
     * lies in linear memory, so it writes only linear memory.
     */
    MEMMOVE(Flags.EFFECT),
    /**
     * {@code memset dst, value, len}: writes the low byte of {@code value} (i32) to the {@code len}
     * bytes (i64) at host address {@code dst} (i64). Checked by the translator, cannot trap. Backend
     * primitive for {@code memory.fill}; writes only linear memory.
     */
    MEMSET(Flags.EFFECT),
    /** {@code v = vmctx_addr imm}: the address of the VMContext plus imm (a function record: a funcref). */
    VMCTX_ADDR(Flags.PURE),
    /**
     * {@code r... = call_ref typeidx(args..., ref)}: calls the function whose function record
     * ({@code VMContextLayout.FUNCTION_RECORD_*}) is at {@code ref} (an i64 address, the last operand)
     * with {@code args}, in the record's VMContext, through the record's code address; imm is the
     * typeidx of the callee's type, which gives the argument and result locations. The preceding IR
     * has checked that {@code ref} is not null and that the record's type id is the one of type imm
     * ({@code call_indirect}: table bounds, null entry, type id; {@code call_ref}: null). Backend
     * primitive: the call itself, like {@link #CALL} of an imported function.
     */
    CALL_REF(Flags.EFFECT),
    /**
     * {@code [v =] libcall args...}: calls runtime libcall imm ({@code VMContextLayout.LIBCALL_*}) with
     * {@code (vmctx, args...)}; traps if the libcall leaves a trap code.
     */
    LIBCALL(Flags.EFFECT | Flags.TRAPS),
    /**
     * {@code epoch_check}: epoch interruption (DESIGN §3): when the instance's interrupt flag
     * ({@code vmctx + VMContextLayout.INTERRUPT}, raised by the host once the engine's epoch reaches the
     * store's deadline) is set, calls the host out of line, which moves the deadline on or traps with
     * {@code interrupt}. No operands: a check is a compare with memory through the VMContext register
     * and a branch, and keeps no register busy. Built only when the module is compiled with epoch interruption, at
     * function entries and loop headers; never moved, and removed only from an inlined callee's entry. The
     * slow path preserves every register, so the check is not a call for register allocation. For
     * the optimizer it writes linear memory (the host may write it), not the VMContext (memory
     * lengths, globals), so loads of those stay hoisted across it.
     */
    EPOCH_CHECK(Flags.EFFECT | Flags.TRAPS),
    /** {@code r0, r1, ... = call funcidx(args...)}: a direct call to the function with funcidx imm. */
    CALL(Flags.EFFECT),
    /** {@code jump block(args)}: terminator. */
    JUMP(Flags.TERMINATOR),
    /** {@code brif c, then(args), else(args)}: branch on {@code c != 0} (i32); terminator. */
    BRIF(Flags.TERMINATOR),
    /** {@code br_table i, [t0, t1, ..., default]}: targets[i] if i is in range, else the last; terminator. */
    BR_TABLE(Flags.TERMINATOR),
    /** {@code return args...}: terminator. */
    RETURN(Flags.TERMINATOR),
    /**
     * {@code return_call funcidx(args...)}: a tail call (Wasm 3.0 {@code return_call}) to the function
     * with funcidx imm, whose results are this function's results; the caller's frame is gone before
     * the callee runs, so an unbounded chain of tail calls runs in constant stack. Terminator.
     */
    RETURN_CALL(Flags.TERMINATOR | Flags.EFFECT),
    /**
     * {@code return_call_ref typeidx(args..., ref)}: a tail call through {@code ref} (i64), the address
     * of a function record ({@code VMContextLayout}: code, VMContext, host upcall, type id) of type imm,
     * already checked non-null and of that type (by {@code return_call_indirect}'s checks, or the
     * typed reference's); the callee may belong to another instance or be a host function. Terminator.
     */
    RETURN_CALL_REF(Flags.TERMINATOR | Flags.EFFECT),
    /** {@code trap code}: always traps with trap code imm; terminator. */
    TRAP(Flags.TERMINATOR),
    /**
     * {@code throw_ref exn}: throws the exception whose object is at host address {@code exn} (i64,
     * not null) out of the function: the runtime unwinds to the nearest calling frame whose call
     * site lies in a {@code try_table} with catch clauses, or, when there is none below the entry,
     * to the entry like a trap. Exceptions caught in the same function never get here: the
     * translator branches to the handler itself. Exception handling (Wasm 3.0 §4.4.8).
     */
    THROW_REF(Flags.TERMINATOR | Flags.EFFECT),
    /**
     * {@code v = exn_pending}: the i64 address of the exception the runtime unwound to this call
     * site with, 0 after a normal return; read right after a call marked {@link #IN_TRY}.
     */
    EXN_PENDING(Flags.EFFECT),
    /** {@code exn_clear}: forgets the pending exception (the handler has taken it). */
    EXN_CLEAR(Flags.EFFECT);

    /**
     * Flag in the {@link Inst#aux()} of a {@link #LOAD} or {@link #STORE}: the access comes from an
     * unsafe native-memory intrinsic rather than a Wasm memory instruction (no Wasm bounds check
     * guards it). Backends ignore it (they read only the width and sign bits).
     */
    public static final int NATIVE = 32;

    /**
     * Aux flag of {@link #CALL} and {@link #CALL_REF}: the call lies in a {@code try_table} with catch
     * clauses, so the runtime may resume right after it with an exception pending ({@link #EXN_PENDING}).
     * The backend keeps no value in a register across such a call (frames it skips do not restore
     * callee-saved registers) and reloads the VMContext after it; the inliner leaves it alone.
     */
    public static final int IN_TRY = 512;

    /**
     * Flag in the {@link Inst#aux()} of a {@link #VMCTX_LOAD} or {@link #LOAD}: the location read never
     * changes while the function runs (no store, call, {@code memory.grow} or host re-entry changes it)
     * and reading it cannot fault, so the load is as pure as arithmetic on its operands: GVN merges it
     * across calls and stores, LICM hoists it from anywhere in a loop. Set for the VMContext fields fixed
     * at instantiation (the store context pointer, the base address of a memory, which never moves, and
     * the addresses of imported memories' definitions and imported globals' slots; see
     * {@code opt.InvariantLoads}) and for the store-data address in the store context, which
     * {@code Store.setData} may not change while a call is active. Backends ignore it.
     */
    public static final int INVARIANT = 64;

    /**
     * Flag in the {@link Inst#aux()} of a {@link #LOAD} or {@link #STORE}: the access is to a runtime
     * structure reached through the VMContext (a table's or an imported memory's definition, a table's
     * entries, a function record), never to linear memory, so Wasm stores and bulk memory operations
     * do not change what such a load reads; only a runtime store ({@code table.set}), a call, a
     * libcall or the host do. The translator emits such a load only at an address it has checked, and
     * one of constant offset through an {@link #INVARIANT} definition pointer cannot fault
     * ({@code opt.LoopInvariantCodeMotion} may hoist it). Backends ignore it.
     */
    public static final int RUNTIME = 128;

    /**
     * Flag in the {@link Inst#aux()} of a {@link #LOAD} or {@link #STORE}: the access has no explicit
     * bounds check and relies on guard pages ({@code BoundsChecks.GUARD}): out of bounds it faults, and
     * the fault is the trap {@code out of bounds memory access}. Such a load is kept even when its
     * result is unused (as a {@link #TRAPIF} would be) and, like every Wasm load, is never moved out of
     * a loop. Backends use it only to record the access as a trap site in the frame info.
     */
    public static final int GUARD_PAGE = 256;

    /**
     * Whether {@code inst} is an interruption check: an {@link #EPOCH_CHECK}, or the {@link #TRAPIF}
     * with trap code {@code all fuel consumed} that fuel metering puts at the start of a basic block
     * (after adding the block's cost to the fuel consumed, an SSA value).
     */
    public static boolean isInterruptionCheck(Inst inst) {
        return inst.op() == EPOCH_CHECK
                || inst.op() == TRAPIF && inst.imm() == dev.kiln.abi.TrapCode.OUT_OF_FUEL.code();
    }

    /** Whether {@code inst} must stay even when unused: it has side effects or is a {@link #GUARD_PAGE} load. */
    public static boolean mustKeep(Inst inst) {
        return inst.op().hasSideEffects() || inst.op() == LOAD && (inst.aux() & GUARD_PAGE) != 0;
    }

    private final int flags;

    Op(int flags) {
        this.flags = flags;
    }

    /** Whether the instruction ends a block. */
    public boolean isTerminator() {
        return (flags & Flags.TERMINATOR) != 0;
    }

    /** Whether removing or reordering an unused instance could change behaviour (calls, traps). */
    public boolean hasSideEffects() {
        return (flags & (Flags.EFFECT | Flags.TRAPS | Flags.TERMINATOR)) != 0;
    }

    /**
     * Whether the result depends on state that stores, calls or other effects may change: loads of
     * linear memory, native memory, runtime structures (tables, function records) or the VMContext (see
     * {@code opt.OptUtil#clobbers} for which writes change which reads).
     */
    public boolean readsMemory() {
        return (flags & Flags.PURE_READ) != 0;
    }

    /** Whether the instruction may trap. */
    public boolean canTrap() {
        return (flags & Flags.TRAPS) != 0;
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    private static final class Flags {
        static final int PURE = 0;
        static final int TERMINATOR = 1;
        static final int EFFECT = 2;
        static final int TRAPS = 4;
        /** No side effect, but reads state that effects may change: not freely movable across them. */
        static final int PURE_READ = 8;
    }
}
