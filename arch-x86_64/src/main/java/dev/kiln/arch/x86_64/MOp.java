package dev.kiln.arch.x86_64;

/**
 * Machine instruction kinds of the x86-64 backend's MIR (instructions over virtual and physical
 * registers, before register allocation). See {@link MInst} for the operand conventions.
 */
enum MOp {
    /** dst = src (size S32 zero-extends into the full register). */
    MOV_RR,
    /** dst = imm. */
    MOV_RI,
    /** dst = zero-extend the low 32 bits of src (never elided, unlike a 32-bit {@link #MOV_RR}). */
    ZEXT32,
    /** dst op= src (two-address: dst is used and defined). */
    ALU_RR,
    /** dst = src + src2 + imm (lea: three-address, flags untouched; src2 may be NONE). */
    LEA,
    /** dst op= imm (imm fits in a sign-extended 32 bits). */
    ALU_RI,
    /** flags = dst - src (dst is only read). */
    CMP_RR,
    /**
     * flags = dst - the {@link MInst#size} bytes at [src + src2 * scale + imm], or at [VMContext + imm]
     * when src is NONE (a load folded into its comparison).
     */
    CMP_RM,
    /**
     * flags = the {@link MInst#size} bytes at [src + src2 * scale + imm] (or [VMContext + imm] when src
     * is NONE) - imm2: a load compared with a constant without being loaded.
     */
    CMP_MI,
    /**
     * dst op= the {@link MInst#size} bytes at [src + src2 * scale + imm] (two-address, like
     * {@link #ALU_RR}; {@code add sub and or xor}): a load folded into the operation that uses it.
     */
    ALU_RM,
    /** flags = dst - imm. */
    CMP_RI,
    /** flags = dst &amp; src. */
    TEST_RR,
    /** flags = dst &amp; imm (a {@code band} with a constant read only by a comparison with zero). */
    TEST_RI,
    /** dst *= src. */
    IMUL_RR,
    /** dst = src * imm. */
    IMUL_RRI,
    /** dst shift= cl (the count is in physical rcx). */
    SHIFT_CL,
    /** dst = src shifted (shl, shr or sar) by src2 modulo the width: BMI2 {@code shlx}/{@code shrx}/{@code sarx}; no flags. */
    SHIFTX,
    /** dst shift= imm. */
    SHIFT_RI,
    /** dst = cond ? 1 : 0 (setcc + movzx). */
    SETCC,
    /** if cond: dst = src (dst is used and defined). */
    CMOV,
    /** dst = count of src's bits: imm 0 leading zeros, 1 trailing zeros, 2 ones. */
    BITCOUNT,
    /** dst = sign-extend the low imm bits (8, 16, 32) of src. */
    MOVSX,
    /** dst = -dst (two's complement {@code neg}). */
    NEG,
    /** dst = dst with its bytes reversed ({@code bswap}, 32 or 64 bits). */
    BSWAP,
    /** rdx = high 64 bits of rax * src (unsigned {@code mul}, or signed one-operand {@code imul} when signed). */
    MULHI,
    /** Division or remainder of rax by src; result in rax (quotient) or rdx (remainder); traps. */
    DIVREM,
    /** Direct call of funcidx imm; argument registers are physical uses, caller-saved registers defs. */
    CALL,
    /** Call of imported function imm through its VMContext record (code, callee VMContext, upcall). */
    CALL_IMPORT,
    /** Call through the function record whose address is in src (checked by the IR before it); imm is the typeidx. */
    CALL_REF,
    /** dst = VMContext + imm. */
    VMCTX_ADDR,
    /** Calls libcall imm with (vmctx, rsi, rdx, rcx, r8, r9); unwinds if it left a trap code. */
    LIBCALL,
    /**
     * Epoch interruption check: tests the VMContext's interrupt flag and, once it is raised, calls the
     * epoch libcall out of line through a stub that preserves every register.
     */
    EPOCH_CHECK,
    /** Return (uses rax when the function has a result). */
    RET,
    /**
     * Tail call of funcidx imm ({@link TailCall}): the arguments are in their registers and staged in
     * the outgoing area; {@link MInst#popped} bytes of them on the stack. Ends the block.
     */
    RETURN_CALL,
    /** Tail call of imported function imm through its VMContext record ({@link TailCall}). Ends the block. */
    RETURN_CALL_IMPORT,
    /** Tail call through the function record whose address is in src ({@link TailCall}). Ends the block. */
    RETURN_CALL_REF,
    /** Unconditional jump to target. */
    JMP,
    /** if cond goto target else goto target2. */
    JCC,
    /** Jump table on src over tableTargets (the last is the default). */
    BR_TABLE,
    /** Parallel move into block parameters: pdst[i] = psrc[i] (or the constant pconst[i]). */
    PMOVE,
    /** dst = incoming stack parameter number imm (0 = first stack-passed parameter). */
    LOAD_STACK_PARAM,
    /** outgoing stack argument number imm = src. */
    STORE_STACK_ARG,
    /** Result number imm of several: into the caller's outgoing area at incoming slot imm. */
    STORE_RESULT,
    /** dst = result read back from outgoing slot imm after a call returning several values. */
    LOAD_RESULT,
    /** Unconditional trap with trap code imm. */
    TRAP,
    /**
     * Exception handling: throws the exception at the address in src through the throw libcall
     * ({@code VMContextLayout.LIBCALL_THROW}), then resumes where it says or unwinds to the entry.
     * Ends the block.
     */
    THROW,
    /** Exception handling: dst = the store context's pending exception (0 after a normal return). */
    EXN_PENDING,
    /** Exception handling: clears the store context's pending exception. */
    EXN_CLEAR,
    /** Trap with trap code imm if cond holds (after a compare). */
    TRAP_IF,
    /** dst = the value at VMContext offset imm (size: integer width or float precision by class). */
    VMCTX_LOAD,
    /** VMContext offset imm = src. */
    VMCTX_STORE,
    /** dst = the {@link MInst#width} bytes at [src + src2 * scale + imm] (sign-extended if signed). */
    HEAP_LOAD,
    /** [src + src2 * scale + imm] = the low {@link MInst#width} bytes of src3, or of the constant imm2 when src3 is NONE. */
    HEAP_STORE,
    /** memmove: copies rcx bytes from rsi to rdi (host addresses, checked by the IR), overlap-correct. */
    MEMMOVE,
    /** memset: writes the byte al to the rcx bytes at rdi (a host address, checked by the IR). */
    MEMSET,

    // ---- floats (size S32: single precision, S64: double precision) ----
    /** xmm dst = xmm src. */
    XMOV,
    /** xmm dst = the float whose bits are imm. */
    XCONST,
    /** dst fop= src, {@link MInst#fop} one of add, sub, mul, div, and, or, xor (dst is used and defined). */
    FALU,
    /** dst fop= [constant imm] (and/xor with a sign mask). */
    FALU_CONST,
    /**
     * dst op= the {@link MInst#size} bytes (f32 or f64) at [src + src2 * scale + imm]: a load folded
     * into the scalar float operation ({@link MInst#fop} add, sub, mul, div) that uses it.
     */
    FALU_RM,
    /** dst = Wasm min (imm 0) or max (imm 1) of dst and src (dst is used and defined). */
    FMINMAX,
    /** dst = sqrt(src). */
    FSQRT,
    /** dst = round(src) with SSE4.1 rounding mode imm. */
    FROUND,
    /** gpr dst = (a cond b) ? 1 : 0 for the {@code FloatCond} ordinal imm. */
    FCMP_SET,
    /** flags = ucomis(a=dst, b=src) for a fused branch. */
    FCMP_FLAGS,
    /** if cond: xmm dst = xmm src (dst is used and defined). */
    XCMOV,
    /** dst = src converted between single and double precision (size is the destination's). */
    FCVT,
    /** xmm dst = gpr src converted (signed or unsigned; imm is the integer width 32 or 64). */
    CVT_I2F,
    /** gpr dst = xmm src truncated (signed or unsigned, trapping or saturating; imm is the float width). */
    CVT_F2I,
    /** xmm dst = the bits of gpr src (movd/movq by size). */
    BITCAST_I2F,
    /** gpr dst = the bits of xmm src. */
    BITCAST_F2I,

    // ---- 128-bit vectors (SimdLowering; each one machine instruction) ----
    /**
     * xmm dst = {@link MInst#packed} of dst and src (dst is used and defined), or of src alone for
     * the forms that only write dst ({@link MInst#packedWritesOnly}); imm is the imm8 when the form has one.
     */
    VPACKED,
    /** xmm dst = {@link MInst#packed} of dst and the 16-byte pool constant (imm low, imm2 high 64 bits). */
    VPACKED_CONST,
    /**
     * xmm dst = {@link MInst#packed} of dst (or {@link MInst#vsrc1}) and the 16 bytes at the heap address
     * (src base, src2 index, scale, imm displacement; a guard-page fault there is {@link MInst#source}'s):
     * a v128 load folded into its only use. AVX only: the VEX form needs no 16-byte alignment.
     */
    VPACKED_RM,
    /** xmm dst = the 128-bit constant (imm low, imm2 high 64 bits). */
    VCONST,
    /** xmm dst = dst shifted by imm ({@link MInst#pshift}; dst is used and defined). */
    VSHIFT,
    /** gpr dst = lane imm of xmm src, {@link MInst#width} bytes wide, zero-extended. */
    PEXTR,
    /** xmm dst (used and defined): lane imm, {@link MInst#width} bytes wide, = the low bytes of gpr src. */
    PINSR,
    /** gpr dst = the sign bits of xmm src's lanes ({@link MInst#width}: 1 pmovmskb, 4 movmskps, 8 movmskpd). */
    VMOVMSK
}
