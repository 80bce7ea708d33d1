package dev.kiln.arch.aarch64;

/**
 * Machine instruction kinds of the AArch64 backend's MIR (instructions over virtual and physical
 * registers, before register allocation). A64 is a three-address load/store ISA, so unlike x86-64
 * no instruction reads and writes the same operand. See {@link MInst} for the operand fields.
 */
enum MOp {
    /** dst = src (W zero-extends into the full register). */
    MOV,
    /** dst = imm ({@code movz}/{@code movn}/{@code movk}/{@code orr} sequence). */
    MOV_IMM,
    /** dst = src op (src2 shifted by {@link MInst#shift} {@link MInst#shiftAmount}); op one of {@link MInst.Alu}. */
    ALU_RR,
    /** dst = src op imm: add/sub with an imm12, and/orr/eor with a logical immediate, shifts by a constant. */
    ALU_RI,
    /** dst = src3 + src * src2 ({@code madd}), or src3 - src * src2 when {@link MInst#negate} ({@code msub}). */
    MADD,
    /** dst = -src. */
    NEG,
    /** flags = src - src2 (cmp), src2 shifted as {@link #ALU_RR}. */
    CMP_RR,
    /** flags = src - imm ({@code cmp}, or {@code cmn} for a negative imm). */
    CMP_RI,
    /** dst = cond ? 1 : 0 ({@code cset}), or with {@link MInst#negate} cond ? -1 : 0 ({@code csetm}). */
    CSET,
    /** dst = cond ? src : src2 (integer {@code csel} or float {@code fcsel} by class). */
    CSEL,
    /** dst = bit count of src: imm 0 leading zeros, 1 trailing zeros, 2 ones. */
    BITCOUNT,
    /** dst = src with its bytes reversed ({@code rev}, within size). */
    REV,
    /** dst = sign-extend (signed) or zero-extend the low imm bits (8, 16, 32) of src within size. */
    EXTEND,
    /** dst = high half of src * src2 (signed or unsigned; i32: through a 64-bit product). */
    MULHI,
    /** dst = src / src2, signed or unsigned; traps on a zero divisor and (when {@link MInst#checkOverflow}) MIN / -1. */
    DIV,
    /** Direct call of funcidx imm ({@code bl}, CALL26 relocation). */
    CALL,
    /** Call of imported function imm through its VMContext record. */
    CALL_IMPORT,
    /** Call through the function record whose address is in src (code, VMContext, upcall), of type imm. */
    CALL_REF,
    /** Tail call of defined funcidx imm ({@code b}, CALL26 relocation; see {@link TailCall}). */
    RETURN_CALL,
    /** Tail call of imported function imm through its VMContext record. */
    RETURN_CALL_IMPORT,
    /** Tail call through the function record whose address is in src, of type imm. */
    RETURN_CALL_REF,
    /** memmove(x0 = destination, x1 = source, x2 = length in bytes): overlap-correct; cannot trap. */
    MEMMOVE,
    /** memset(x0 = destination, low byte of x1, x2 = length in bytes); cannot trap. */
    MEMSET,
    /** dst = VMContext + imm. */
    VMCTX_ADDR,
    /** Calls libcall imm with (vmctx, x1..x7); unwinds if it left a trap code. */
    LIBCALL,
    /** Epoch interruption check (slow path out of line, preserving every register). */
    EPOCH_CHECK,
    /** Return. */
    RET,
    /** Unconditional jump to target. */
    JMP,
    /** if cond (flags) goto target else target2. */
    BCOND,
    /** if src (size) != 0 goto target else target2 ({@code cbnz}/{@code cbz}). */
    CBNZ,
    /**
     * if bit imm of src is one goto target else target2 ({@code tbnz}/{@code tbz}); with negate, the branch
     * to target is taken when the bit is zero.
     */
    TBNZ,
    /** Jump table on src over tableTargets (the last is the default). */
    BR_TABLE,
    /** Parallel move: pdst[i] = psrc[i] (or the constant pconst[i]). */
    PMOVE,
    /** dst = incoming stack parameter at byte offset imm of the caller's outgoing area. */
    LOAD_STACK_PARAM,
    /** Outgoing stack argument at byte offset imm = src. */
    STORE_STACK_ARG,
    /** Result at incoming slot imm (several results) = src. */
    STORE_RESULT,
    /** dst = result at outgoing slot imm after a call returning several values. */
    LOAD_RESULT,
    /** Unconditional trap with trap code imm. */
    TRAP,
    /**
     * {@code throw_ref}: throws the exception object at src through the runtime's unwinder and resumes
     * at the catching call site, or unwinds to the entry when nothing catches it (a terminator).
     */
    THROW,
    /** dst = the store context's pending exception (0 after a normal return of the call just made). */
    EXN_PENDING,
    /** Clears the store context's pending exception. */
    EXN_CLEAR,
    /** Trap with trap code imm if cond holds (after a compare). */
    /** Trap with code imm if src (size) is zero ({@code cbz}), or with negate if it is not ({@code cbnz}). */
    TRAP_IF_ZERO,
    TRAP_IF,
    /** dst = the value at VMContext offset imm. */
    VMCTX_LOAD,
    /** VMContext offset imm = src. */
    VMCTX_STORE,
    /** dst = the {@link MInst#width} bytes at [src + src2 + imm] (src2 scaled by the width when {@link MInst#scaledIndex}). */
    HEAP_LOAD,
    /** [src + src2 + imm] = the low {@link MInst#width} bytes of src3 (NONE: zero, from the zero register). */
    HEAP_STORE,

    // ---- floats (fsize S or D) ----
    /** dst = the float whose bits are imm. */
    FCONST,
    /** dst = src fop src2 ({@link MInst.FAlu}). */
    FALU,
    /** dst = fop src ({@link MInst.FUnary}). */
    FUNARY,
    /** dst = src's magnitude with src2's sign. */
    FCOPYSIGN,
    /** flags = fcmp src, src2. */
    FCMP,
    /** float dst = int src converted (signed or unsigned; {@link MInst#size} is the integer width). */
    CVT_I2F,
    /** int dst = float src truncated (signed or unsigned, trapping or saturating; size is the integer width). */
    CVT_F2I,
    /** float dst = the bits of int src. */
    BITCAST_I2F,
    /** int dst = the bits of float src. */
    BITCAST_F2I,

    // ---- 128-bit SIMD ----
    /** dst = the v128 whose low 64 bits are imm and high 64 bits imm2. */
    VCONST,
    /**
     * One NEON instruction {@link MInst#neon} in arrangement {@link MInst#arr} on dst, src, src2; imm is
     * the shift amount, lane index or ext position where the instruction has one. Vector operands are
     * v registers, the general operand of dup/ins/umov/smov an x register (dst for umov/smov, src for
     * dup/ins). An instruction that reads its destination (bsl, fmla, ins, sqxtn2, ...) lists dst among
     * its uses too.
     */
    VOP
}
