package dev.kiln.compiler.wasm;

import dev.kiln.abi.ValType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every WebAssembly 2.0 instruction (spec §5.4 "Instructions" for the binary encoding, §6.5 for
 * the text mnemonics): MVP, sign extension, non-trapping float-to-int, multi-value, bulk memory,
 * reference types and fixed-width SIMD (§5.4.8, prefix {@code 0xFD}).
 *
 * <p>Each constant carries
 * <ul>
 *   <li>{@link #mnemonic()}: the instruction's name exactly as the text format writes it
 *       ({@code "i32.add"}, {@code "v128.load8x8_s"}, {@code "i8x16.shuffle"});</li>
 *   <li>{@link #prefix()}: 0 for single-byte opcodes, {@code 0xFC} or {@code 0xFD} for prefixed ones;</li>
 *   <li>{@link #code()}: the opcode byte (prefix 0) or the {@code u32} that follows the prefix;</li>
 *   <li>{@link #immediate()}: the shape of the immediates that follow in the binary format;</li>
 *   <li>for instructions with a fixed, non-polymorphic type, {@link #operandTypes()} and
 *       {@link #resultTypes()} (spec §3.3); {@code null} for instructions whose typing depends on
 *       their immediates or on the context (control, variable, reference, table instructions,
 *       {@code drop}, {@code select}, {@code call}...).</li>
 *   <li>for memory accesses, {@link #memoryAccessBytes()} (the number of bytes read or written, which
 *       fixes the natural alignment), and for lane instructions {@link #laneCount()}.</li>
 * </ul>
 *
 * <p>Java constant names are the mnemonic upper-cased with {@code '.'} replaced by {@code '_'}
 * ({@code I32_ADD}, {@code LOCAL_GET}, {@code BR_TABLE}, {@code V128_LOAD8X8_S}); the one exception is
 * the typed {@code select} ({@code 0x1C}, written {@code select (result t)*} in text), which is
 * {@link #SELECT_T} and shares the mnemonic {@code "select"} with {@link #SELECT}.
 *
 * <p>Immutable and thread-safe.
 */
public enum Opcode {
    UNREACHABLE(0, 0x00, "unreachable", Immediate.NONE, null, 0, 0),
    NOP(0, 0x01, "nop", Immediate.NONE, ">", 0, 0),
    BLOCK(0, 0x02, "block", Immediate.BLOCKTYPE, null, 0, 0),
    LOOP(0, 0x03, "loop", Immediate.BLOCKTYPE, null, 0, 0),
    IF(0, 0x04, "if", Immediate.BLOCKTYPE, null, 0, 0),
    ELSE(0, 0x05, "else", Immediate.NONE, null, 0, 0),
    END(0, 0x0B, "end", Immediate.NONE, null, 0, 0),
    BR(0, 0x0C, "br", Immediate.LABEL, null, 0, 0),
    BR_IF(0, 0x0D, "br_if", Immediate.LABEL, null, 0, 0),
    BR_TABLE(0, 0x0E, "br_table", Immediate.BR_TABLE, null, 0, 0),
    RETURN(0, 0x0F, "return", Immediate.NONE, null, 0, 0),
    CALL(0, 0x10, "call", Immediate.FUNCIDX, null, 0, 0),
    CALL_INDIRECT(0, 0x11, "call_indirect", Immediate.CALL_INDIRECT, null, 0, 0),
    /** Wasm 3.0 tail calls (spec §3.3.8): {@code return_call funcidx}. */
    RETURN_CALL(0, 0x12, "return_call", Immediate.FUNCIDX, null, 0, 0),
    /** Wasm 3.0 tail calls: {@code return_call_indirect typeidx tableidx}. */
    RETURN_CALL_INDIRECT(0, 0x13, "return_call_indirect", Immediate.CALL_INDIRECT, null, 0, 0),
    /** Typed function references: call the function a {@code (ref null $t)} operand refers to. */
    CALL_REF(0, 0x14, "call_ref", Immediate.TYPEIDX, null, 0, 0),
    /** Typed function references and tail calls: {@code call_ref} in tail position. */
    RETURN_CALL_REF(0, 0x15, "return_call_ref", Immediate.TYPEIDX, null, 0, 0),
    /** Exception handling (Wasm 3.0, spec §3.3.8): {@code throw tagidx}. */
    THROW(0, 0x08, "throw", Immediate.TAGIDX, null, 0, 0),
    /** Exception handling: {@code throw_ref} rethrows the exception an {@code exnref} operand refers to. */
    THROW_REF(0, 0x0A, "throw_ref", Immediate.NONE, null, 0, 0),
    /** Exception handling: {@code try_table blocktype vec(catch)}. */
    TRY_TABLE(0, 0x1F, "try_table", Immediate.TRY_TABLE, null, 0, 0),
    /** Legacy exception handling (the encoding before {@code exnref}, still emitted by clang 16): {@code try blocktype}. */
    TRY(0, 0x06, "try", Immediate.BLOCKTYPE, null, 0, 0),
    /** Legacy exception handling: {@code catch tagidx} starts a handler of a {@code try}. */
    CATCH(0, 0x07, "catch", Immediate.TAGIDX, null, 0, 0),
    /** Legacy exception handling: {@code rethrow labelidx} rethrows the exception a {@code catch} caught. */
    RETHROW(0, 0x09, "rethrow", Immediate.LABEL, null, 0, 0),
    /** Legacy exception handling: {@code delegate labelidx} ends a {@code try} and hands its exceptions outward. */
    DELEGATE(0, 0x18, "delegate", Immediate.LABEL, null, 0, 0),
    /** Legacy exception handling: {@code catch_all} starts the catch-all handler of a {@code try}. */
    CATCH_ALL(0, 0x19, "catch_all", Immediate.NONE, null, 0, 0),
    DROP(0, 0x1A, "drop", Immediate.NONE, null, 0, 0),
    SELECT(0, 0x1B, "select", Immediate.NONE, null, 0, 0),
    SELECT_T(0, 0x1C, "select", Immediate.SELECT_T, null, 0, 0),
    LOCAL_GET(0, 0x20, "local.get", Immediate.LOCALIDX, null, 0, 0),
    LOCAL_SET(0, 0x21, "local.set", Immediate.LOCALIDX, null, 0, 0),
    LOCAL_TEE(0, 0x22, "local.tee", Immediate.LOCALIDX, null, 0, 0),
    GLOBAL_GET(0, 0x23, "global.get", Immediate.GLOBALIDX, null, 0, 0),
    GLOBAL_SET(0, 0x24, "global.set", Immediate.GLOBALIDX, null, 0, 0),
    TABLE_GET(0, 0x25, "table.get", Immediate.TABLEIDX, null, 0, 0),
    TABLE_SET(0, 0x26, "table.set", Immediate.TABLEIDX, null, 0, 0),
    I32_LOAD(0, 0x28, "i32.load", Immediate.MEMARG, "i>i", 4, 0),
    I64_LOAD(0, 0x29, "i64.load", Immediate.MEMARG, "i>I", 8, 0),
    F32_LOAD(0, 0x2A, "f32.load", Immediate.MEMARG, "i>f", 4, 0),
    F64_LOAD(0, 0x2B, "f64.load", Immediate.MEMARG, "i>F", 8, 0),
    I32_LOAD8_S(0, 0x2C, "i32.load8_s", Immediate.MEMARG, "i>i", 1, 0),
    I32_LOAD8_U(0, 0x2D, "i32.load8_u", Immediate.MEMARG, "i>i", 1, 0),
    I32_LOAD16_S(0, 0x2E, "i32.load16_s", Immediate.MEMARG, "i>i", 2, 0),
    I32_LOAD16_U(0, 0x2F, "i32.load16_u", Immediate.MEMARG, "i>i", 2, 0),
    I64_LOAD8_S(0, 0x30, "i64.load8_s", Immediate.MEMARG, "i>I", 1, 0),
    I64_LOAD8_U(0, 0x31, "i64.load8_u", Immediate.MEMARG, "i>I", 1, 0),
    I64_LOAD16_S(0, 0x32, "i64.load16_s", Immediate.MEMARG, "i>I", 2, 0),
    I64_LOAD16_U(0, 0x33, "i64.load16_u", Immediate.MEMARG, "i>I", 2, 0),
    I64_LOAD32_S(0, 0x34, "i64.load32_s", Immediate.MEMARG, "i>I", 4, 0),
    I64_LOAD32_U(0, 0x35, "i64.load32_u", Immediate.MEMARG, "i>I", 4, 0),
    I32_STORE(0, 0x36, "i32.store", Immediate.MEMARG, "ii>", 4, 0),
    I64_STORE(0, 0x37, "i64.store", Immediate.MEMARG, "iI>", 8, 0),
    F32_STORE(0, 0x38, "f32.store", Immediate.MEMARG, "if>", 4, 0),
    F64_STORE(0, 0x39, "f64.store", Immediate.MEMARG, "iF>", 8, 0),
    I32_STORE8(0, 0x3A, "i32.store8", Immediate.MEMARG, "ii>", 1, 0),
    I32_STORE16(0, 0x3B, "i32.store16", Immediate.MEMARG, "ii>", 2, 0),
    I64_STORE8(0, 0x3C, "i64.store8", Immediate.MEMARG, "iI>", 1, 0),
    I64_STORE16(0, 0x3D, "i64.store16", Immediate.MEMARG, "iI>", 2, 0),
    I64_STORE32(0, 0x3E, "i64.store32", Immediate.MEMARG, "iI>", 4, 0),
    MEMORY_SIZE(0, 0x3F, "memory.size", Immediate.MEMIDX, ">i", 0, 0),
    MEMORY_GROW(0, 0x40, "memory.grow", Immediate.MEMIDX, "i>i", 0, 0),
    I32_CONST(0, 0x41, "i32.const", Immediate.I32, ">i", 0, 0),
    I64_CONST(0, 0x42, "i64.const", Immediate.I64, ">I", 0, 0),
    F32_CONST(0, 0x43, "f32.const", Immediate.F32, ">f", 0, 0),
    F64_CONST(0, 0x44, "f64.const", Immediate.F64, ">F", 0, 0),
    I32_EQZ(0, 0x45, "i32.eqz", Immediate.NONE, "i>i", 0, 0),
    I32_EQ(0, 0x46, "i32.eq", Immediate.NONE, "ii>i", 0, 0),
    I32_NE(0, 0x47, "i32.ne", Immediate.NONE, "ii>i", 0, 0),
    I32_LT_S(0, 0x48, "i32.lt_s", Immediate.NONE, "ii>i", 0, 0),
    I32_LT_U(0, 0x49, "i32.lt_u", Immediate.NONE, "ii>i", 0, 0),
    I32_GT_S(0, 0x4A, "i32.gt_s", Immediate.NONE, "ii>i", 0, 0),
    I32_GT_U(0, 0x4B, "i32.gt_u", Immediate.NONE, "ii>i", 0, 0),
    I32_LE_S(0, 0x4C, "i32.le_s", Immediate.NONE, "ii>i", 0, 0),
    I32_LE_U(0, 0x4D, "i32.le_u", Immediate.NONE, "ii>i", 0, 0),
    I32_GE_S(0, 0x4E, "i32.ge_s", Immediate.NONE, "ii>i", 0, 0),
    I32_GE_U(0, 0x4F, "i32.ge_u", Immediate.NONE, "ii>i", 0, 0),
    I64_EQZ(0, 0x50, "i64.eqz", Immediate.NONE, "I>i", 0, 0),
    I64_EQ(0, 0x51, "i64.eq", Immediate.NONE, "II>i", 0, 0),
    I64_NE(0, 0x52, "i64.ne", Immediate.NONE, "II>i", 0, 0),
    I64_LT_S(0, 0x53, "i64.lt_s", Immediate.NONE, "II>i", 0, 0),
    I64_LT_U(0, 0x54, "i64.lt_u", Immediate.NONE, "II>i", 0, 0),
    I64_GT_S(0, 0x55, "i64.gt_s", Immediate.NONE, "II>i", 0, 0),
    I64_GT_U(0, 0x56, "i64.gt_u", Immediate.NONE, "II>i", 0, 0),
    I64_LE_S(0, 0x57, "i64.le_s", Immediate.NONE, "II>i", 0, 0),
    I64_LE_U(0, 0x58, "i64.le_u", Immediate.NONE, "II>i", 0, 0),
    I64_GE_S(0, 0x59, "i64.ge_s", Immediate.NONE, "II>i", 0, 0),
    I64_GE_U(0, 0x5A, "i64.ge_u", Immediate.NONE, "II>i", 0, 0),
    F32_EQ(0, 0x5B, "f32.eq", Immediate.NONE, "ff>i", 0, 0),
    F32_NE(0, 0x5C, "f32.ne", Immediate.NONE, "ff>i", 0, 0),
    F32_LT(0, 0x5D, "f32.lt", Immediate.NONE, "ff>i", 0, 0),
    F32_GT(0, 0x5E, "f32.gt", Immediate.NONE, "ff>i", 0, 0),
    F32_LE(0, 0x5F, "f32.le", Immediate.NONE, "ff>i", 0, 0),
    F32_GE(0, 0x60, "f32.ge", Immediate.NONE, "ff>i", 0, 0),
    F64_EQ(0, 0x61, "f64.eq", Immediate.NONE, "FF>i", 0, 0),
    F64_NE(0, 0x62, "f64.ne", Immediate.NONE, "FF>i", 0, 0),
    F64_LT(0, 0x63, "f64.lt", Immediate.NONE, "FF>i", 0, 0),
    F64_GT(0, 0x64, "f64.gt", Immediate.NONE, "FF>i", 0, 0),
    F64_LE(0, 0x65, "f64.le", Immediate.NONE, "FF>i", 0, 0),
    F64_GE(0, 0x66, "f64.ge", Immediate.NONE, "FF>i", 0, 0),
    I32_CLZ(0, 0x67, "i32.clz", Immediate.NONE, "i>i", 0, 0),
    I32_CTZ(0, 0x68, "i32.ctz", Immediate.NONE, "i>i", 0, 0),
    I32_POPCNT(0, 0x69, "i32.popcnt", Immediate.NONE, "i>i", 0, 0),
    I32_ADD(0, 0x6A, "i32.add", Immediate.NONE, "ii>i", 0, 0),
    I32_SUB(0, 0x6B, "i32.sub", Immediate.NONE, "ii>i", 0, 0),
    I32_MUL(0, 0x6C, "i32.mul", Immediate.NONE, "ii>i", 0, 0),
    I32_DIV_S(0, 0x6D, "i32.div_s", Immediate.NONE, "ii>i", 0, 0),
    I32_DIV_U(0, 0x6E, "i32.div_u", Immediate.NONE, "ii>i", 0, 0),
    I32_REM_S(0, 0x6F, "i32.rem_s", Immediate.NONE, "ii>i", 0, 0),
    I32_REM_U(0, 0x70, "i32.rem_u", Immediate.NONE, "ii>i", 0, 0),
    I32_AND(0, 0x71, "i32.and", Immediate.NONE, "ii>i", 0, 0),
    I32_OR(0, 0x72, "i32.or", Immediate.NONE, "ii>i", 0, 0),
    I32_XOR(0, 0x73, "i32.xor", Immediate.NONE, "ii>i", 0, 0),
    I32_SHL(0, 0x74, "i32.shl", Immediate.NONE, "ii>i", 0, 0),
    I32_SHR_S(0, 0x75, "i32.shr_s", Immediate.NONE, "ii>i", 0, 0),
    I32_SHR_U(0, 0x76, "i32.shr_u", Immediate.NONE, "ii>i", 0, 0),
    I32_ROTL(0, 0x77, "i32.rotl", Immediate.NONE, "ii>i", 0, 0),
    I32_ROTR(0, 0x78, "i32.rotr", Immediate.NONE, "ii>i", 0, 0),
    I64_CLZ(0, 0x79, "i64.clz", Immediate.NONE, "I>I", 0, 0),
    I64_CTZ(0, 0x7A, "i64.ctz", Immediate.NONE, "I>I", 0, 0),
    I64_POPCNT(0, 0x7B, "i64.popcnt", Immediate.NONE, "I>I", 0, 0),
    I64_ADD(0, 0x7C, "i64.add", Immediate.NONE, "II>I", 0, 0),
    I64_SUB(0, 0x7D, "i64.sub", Immediate.NONE, "II>I", 0, 0),
    I64_MUL(0, 0x7E, "i64.mul", Immediate.NONE, "II>I", 0, 0),
    I64_DIV_S(0, 0x7F, "i64.div_s", Immediate.NONE, "II>I", 0, 0),
    I64_DIV_U(0, 0x80, "i64.div_u", Immediate.NONE, "II>I", 0, 0),
    I64_REM_S(0, 0x81, "i64.rem_s", Immediate.NONE, "II>I", 0, 0),
    I64_REM_U(0, 0x82, "i64.rem_u", Immediate.NONE, "II>I", 0, 0),
    I64_AND(0, 0x83, "i64.and", Immediate.NONE, "II>I", 0, 0),
    I64_OR(0, 0x84, "i64.or", Immediate.NONE, "II>I", 0, 0),
    I64_XOR(0, 0x85, "i64.xor", Immediate.NONE, "II>I", 0, 0),
    I64_SHL(0, 0x86, "i64.shl", Immediate.NONE, "II>I", 0, 0),
    I64_SHR_S(0, 0x87, "i64.shr_s", Immediate.NONE, "II>I", 0, 0),
    I64_SHR_U(0, 0x88, "i64.shr_u", Immediate.NONE, "II>I", 0, 0),
    I64_ROTL(0, 0x89, "i64.rotl", Immediate.NONE, "II>I", 0, 0),
    I64_ROTR(0, 0x8A, "i64.rotr", Immediate.NONE, "II>I", 0, 0),
    F32_ABS(0, 0x8B, "f32.abs", Immediate.NONE, "f>f", 0, 0),
    F32_NEG(0, 0x8C, "f32.neg", Immediate.NONE, "f>f", 0, 0),
    F32_CEIL(0, 0x8D, "f32.ceil", Immediate.NONE, "f>f", 0, 0),
    F32_FLOOR(0, 0x8E, "f32.floor", Immediate.NONE, "f>f", 0, 0),
    F32_TRUNC(0, 0x8F, "f32.trunc", Immediate.NONE, "f>f", 0, 0),
    F32_NEAREST(0, 0x90, "f32.nearest", Immediate.NONE, "f>f", 0, 0),
    F32_SQRT(0, 0x91, "f32.sqrt", Immediate.NONE, "f>f", 0, 0),
    F32_ADD(0, 0x92, "f32.add", Immediate.NONE, "ff>f", 0, 0),
    F32_SUB(0, 0x93, "f32.sub", Immediate.NONE, "ff>f", 0, 0),
    F32_MUL(0, 0x94, "f32.mul", Immediate.NONE, "ff>f", 0, 0),
    F32_DIV(0, 0x95, "f32.div", Immediate.NONE, "ff>f", 0, 0),
    F32_MIN(0, 0x96, "f32.min", Immediate.NONE, "ff>f", 0, 0),
    F32_MAX(0, 0x97, "f32.max", Immediate.NONE, "ff>f", 0, 0),
    F32_COPYSIGN(0, 0x98, "f32.copysign", Immediate.NONE, "ff>f", 0, 0),
    F64_ABS(0, 0x99, "f64.abs", Immediate.NONE, "F>F", 0, 0),
    F64_NEG(0, 0x9A, "f64.neg", Immediate.NONE, "F>F", 0, 0),
    F64_CEIL(0, 0x9B, "f64.ceil", Immediate.NONE, "F>F", 0, 0),
    F64_FLOOR(0, 0x9C, "f64.floor", Immediate.NONE, "F>F", 0, 0),
    F64_TRUNC(0, 0x9D, "f64.trunc", Immediate.NONE, "F>F", 0, 0),
    F64_NEAREST(0, 0x9E, "f64.nearest", Immediate.NONE, "F>F", 0, 0),
    F64_SQRT(0, 0x9F, "f64.sqrt", Immediate.NONE, "F>F", 0, 0),
    F64_ADD(0, 0xA0, "f64.add", Immediate.NONE, "FF>F", 0, 0),
    F64_SUB(0, 0xA1, "f64.sub", Immediate.NONE, "FF>F", 0, 0),
    F64_MUL(0, 0xA2, "f64.mul", Immediate.NONE, "FF>F", 0, 0),
    F64_DIV(0, 0xA3, "f64.div", Immediate.NONE, "FF>F", 0, 0),
    F64_MIN(0, 0xA4, "f64.min", Immediate.NONE, "FF>F", 0, 0),
    F64_MAX(0, 0xA5, "f64.max", Immediate.NONE, "FF>F", 0, 0),
    F64_COPYSIGN(0, 0xA6, "f64.copysign", Immediate.NONE, "FF>F", 0, 0),
    I32_WRAP_I64(0, 0xA7, "i32.wrap_i64", Immediate.NONE, "I>i", 0, 0),
    I32_TRUNC_F32_S(0, 0xA8, "i32.trunc_f32_s", Immediate.NONE, "f>i", 0, 0),
    I32_TRUNC_F32_U(0, 0xA9, "i32.trunc_f32_u", Immediate.NONE, "f>i", 0, 0),
    I32_TRUNC_F64_S(0, 0xAA, "i32.trunc_f64_s", Immediate.NONE, "F>i", 0, 0),
    I32_TRUNC_F64_U(0, 0xAB, "i32.trunc_f64_u", Immediate.NONE, "F>i", 0, 0),
    I64_EXTEND_I32_S(0, 0xAC, "i64.extend_i32_s", Immediate.NONE, "i>I", 0, 0),
    I64_EXTEND_I32_U(0, 0xAD, "i64.extend_i32_u", Immediate.NONE, "i>I", 0, 0),
    I64_TRUNC_F32_S(0, 0xAE, "i64.trunc_f32_s", Immediate.NONE, "f>I", 0, 0),
    I64_TRUNC_F32_U(0, 0xAF, "i64.trunc_f32_u", Immediate.NONE, "f>I", 0, 0),
    I64_TRUNC_F64_S(0, 0xB0, "i64.trunc_f64_s", Immediate.NONE, "F>I", 0, 0),
    I64_TRUNC_F64_U(0, 0xB1, "i64.trunc_f64_u", Immediate.NONE, "F>I", 0, 0),
    F32_CONVERT_I32_S(0, 0xB2, "f32.convert_i32_s", Immediate.NONE, "i>f", 0, 0),
    F32_CONVERT_I32_U(0, 0xB3, "f32.convert_i32_u", Immediate.NONE, "i>f", 0, 0),
    F32_CONVERT_I64_S(0, 0xB4, "f32.convert_i64_s", Immediate.NONE, "I>f", 0, 0),
    F32_CONVERT_I64_U(0, 0xB5, "f32.convert_i64_u", Immediate.NONE, "I>f", 0, 0),
    F32_DEMOTE_F64(0, 0xB6, "f32.demote_f64", Immediate.NONE, "F>f", 0, 0),
    F64_CONVERT_I32_S(0, 0xB7, "f64.convert_i32_s", Immediate.NONE, "i>F", 0, 0),
    F64_CONVERT_I32_U(0, 0xB8, "f64.convert_i32_u", Immediate.NONE, "i>F", 0, 0),
    F64_CONVERT_I64_S(0, 0xB9, "f64.convert_i64_s", Immediate.NONE, "I>F", 0, 0),
    F64_CONVERT_I64_U(0, 0xBA, "f64.convert_i64_u", Immediate.NONE, "I>F", 0, 0),
    F64_PROMOTE_F32(0, 0xBB, "f64.promote_f32", Immediate.NONE, "f>F", 0, 0),
    I32_REINTERPRET_F32(0, 0xBC, "i32.reinterpret_f32", Immediate.NONE, "f>i", 0, 0),
    I64_REINTERPRET_F64(0, 0xBD, "i64.reinterpret_f64", Immediate.NONE, "F>I", 0, 0),
    F32_REINTERPRET_I32(0, 0xBE, "f32.reinterpret_i32", Immediate.NONE, "i>f", 0, 0),
    F64_REINTERPRET_I64(0, 0xBF, "f64.reinterpret_i64", Immediate.NONE, "I>F", 0, 0),
    I32_EXTEND8_S(0, 0xC0, "i32.extend8_s", Immediate.NONE, "i>i", 0, 0),
    I32_EXTEND16_S(0, 0xC1, "i32.extend16_s", Immediate.NONE, "i>i", 0, 0),
    I64_EXTEND8_S(0, 0xC2, "i64.extend8_s", Immediate.NONE, "I>I", 0, 0),
    I64_EXTEND16_S(0, 0xC3, "i64.extend16_s", Immediate.NONE, "I>I", 0, 0),
    I64_EXTEND32_S(0, 0xC4, "i64.extend32_s", Immediate.NONE, "I>I", 0, 0),
    REF_NULL(0, 0xD0, "ref.null", Immediate.REF_NULL, null, 0, 0),
    REF_IS_NULL(0, 0xD1, "ref.is_null", Immediate.NONE, null, 0, 0),
    REF_FUNC(0, 0xD2, "ref.func", Immediate.FUNCIDX, null, 0, 0),
    /** Typed function references: trap on null, else the operand as a non-nullable reference. */
    REF_AS_NON_NULL(0, 0xD4, "ref.as_non_null", Immediate.NONE, null, 0, 0),
    /** Typed function references: branch if the operand is null, else keep it as non-nullable. */
    BR_ON_NULL(0, 0xD5, "br_on_null", Immediate.LABEL, null, 0, 0),
    /** Typed function references: branch with the operand if it is not null, else drop it. */
    BR_ON_NON_NULL(0, 0xD6, "br_on_non_null", Immediate.LABEL, null, 0, 0),
    I32_TRUNC_SAT_F32_S(0xFC, 0, "i32.trunc_sat_f32_s", Immediate.NONE, "f>i", 0, 0),
    I32_TRUNC_SAT_F32_U(0xFC, 1, "i32.trunc_sat_f32_u", Immediate.NONE, "f>i", 0, 0),
    I32_TRUNC_SAT_F64_S(0xFC, 2, "i32.trunc_sat_f64_s", Immediate.NONE, "F>i", 0, 0),
    I32_TRUNC_SAT_F64_U(0xFC, 3, "i32.trunc_sat_f64_u", Immediate.NONE, "F>i", 0, 0),
    I64_TRUNC_SAT_F32_S(0xFC, 4, "i64.trunc_sat_f32_s", Immediate.NONE, "f>I", 0, 0),
    I64_TRUNC_SAT_F32_U(0xFC, 5, "i64.trunc_sat_f32_u", Immediate.NONE, "f>I", 0, 0),
    I64_TRUNC_SAT_F64_S(0xFC, 6, "i64.trunc_sat_f64_s", Immediate.NONE, "F>I", 0, 0),
    I64_TRUNC_SAT_F64_U(0xFC, 7, "i64.trunc_sat_f64_u", Immediate.NONE, "F>I", 0, 0),
    MEMORY_INIT(0xFC, 8, "memory.init", Immediate.MEMORY_INIT, "iii>", 0, 0),
    DATA_DROP(0xFC, 9, "data.drop", Immediate.DATAIDX, ">", 0, 0),
    MEMORY_COPY(0xFC, 10, "memory.copy", Immediate.MEMORY_COPY, "iii>", 0, 0),
    MEMORY_FILL(0xFC, 11, "memory.fill", Immediate.MEMORY_FILL, "iii>", 0, 0),
    TABLE_INIT(0xFC, 12, "table.init", Immediate.TABLE_INIT, "iii>", 0, 0),
    ELEM_DROP(0xFC, 13, "elem.drop", Immediate.ELEMIDX, ">", 0, 0),
    TABLE_COPY(0xFC, 14, "table.copy", Immediate.TABLE_COPY, "iii>", 0, 0),
    TABLE_GROW(0xFC, 15, "table.grow", Immediate.TABLEIDX, null, 0, 0),
    TABLE_SIZE(0xFC, 16, "table.size", Immediate.TABLEIDX, ">i", 0, 0),
    TABLE_FILL(0xFC, 17, "table.fill", Immediate.TABLEIDX, null, 0, 0),
    V128_LOAD(0xFD, 0, "v128.load", Immediate.MEMARG, "i>v", 16, 0),
    V128_LOAD8X8_S(0xFD, 1, "v128.load8x8_s", Immediate.MEMARG, "i>v", 8, 0),
    V128_LOAD8X8_U(0xFD, 2, "v128.load8x8_u", Immediate.MEMARG, "i>v", 8, 0),
    V128_LOAD16X4_S(0xFD, 3, "v128.load16x4_s", Immediate.MEMARG, "i>v", 8, 0),
    V128_LOAD16X4_U(0xFD, 4, "v128.load16x4_u", Immediate.MEMARG, "i>v", 8, 0),
    V128_LOAD32X2_S(0xFD, 5, "v128.load32x2_s", Immediate.MEMARG, "i>v", 8, 0),
    V128_LOAD32X2_U(0xFD, 6, "v128.load32x2_u", Immediate.MEMARG, "i>v", 8, 0),
    V128_LOAD8_SPLAT(0xFD, 7, "v128.load8_splat", Immediate.MEMARG, "i>v", 1, 0),
    V128_LOAD16_SPLAT(0xFD, 8, "v128.load16_splat", Immediate.MEMARG, "i>v", 2, 0),
    V128_LOAD32_SPLAT(0xFD, 9, "v128.load32_splat", Immediate.MEMARG, "i>v", 4, 0),
    V128_LOAD64_SPLAT(0xFD, 10, "v128.load64_splat", Immediate.MEMARG, "i>v", 8, 0),
    V128_STORE(0xFD, 11, "v128.store", Immediate.MEMARG, "iv>", 16, 0),
    V128_CONST(0xFD, 12, "v128.const", Immediate.V128_CONST, ">v", 0, 0),
    I8X16_SHUFFLE(0xFD, 13, "i8x16.shuffle", Immediate.SHUFFLE, "vv>v", 0, 32),
    I8X16_SWIZZLE(0xFD, 14, "i8x16.swizzle", Immediate.NONE, "vv>v", 0, 0),
    I8X16_SPLAT(0xFD, 15, "i8x16.splat", Immediate.NONE, "i>v", 0, 0),
    I16X8_SPLAT(0xFD, 16, "i16x8.splat", Immediate.NONE, "i>v", 0, 0),
    I32X4_SPLAT(0xFD, 17, "i32x4.splat", Immediate.NONE, "i>v", 0, 0),
    I64X2_SPLAT(0xFD, 18, "i64x2.splat", Immediate.NONE, "I>v", 0, 0),
    F32X4_SPLAT(0xFD, 19, "f32x4.splat", Immediate.NONE, "f>v", 0, 0),
    F64X2_SPLAT(0xFD, 20, "f64x2.splat", Immediate.NONE, "F>v", 0, 0),
    I8X16_EXTRACT_LANE_S(0xFD, 21, "i8x16.extract_lane_s", Immediate.LANE, "v>i", 0, 16),
    I8X16_EXTRACT_LANE_U(0xFD, 22, "i8x16.extract_lane_u", Immediate.LANE, "v>i", 0, 16),
    I8X16_REPLACE_LANE(0xFD, 23, "i8x16.replace_lane", Immediate.LANE, "vi>v", 0, 16),
    I16X8_EXTRACT_LANE_S(0xFD, 24, "i16x8.extract_lane_s", Immediate.LANE, "v>i", 0, 8),
    I16X8_EXTRACT_LANE_U(0xFD, 25, "i16x8.extract_lane_u", Immediate.LANE, "v>i", 0, 8),
    I16X8_REPLACE_LANE(0xFD, 26, "i16x8.replace_lane", Immediate.LANE, "vi>v", 0, 8),
    I32X4_EXTRACT_LANE(0xFD, 27, "i32x4.extract_lane", Immediate.LANE, "v>i", 0, 4),
    I32X4_REPLACE_LANE(0xFD, 28, "i32x4.replace_lane", Immediate.LANE, "vi>v", 0, 4),
    I64X2_EXTRACT_LANE(0xFD, 29, "i64x2.extract_lane", Immediate.LANE, "v>I", 0, 2),
    I64X2_REPLACE_LANE(0xFD, 30, "i64x2.replace_lane", Immediate.LANE, "vI>v", 0, 2),
    F32X4_EXTRACT_LANE(0xFD, 31, "f32x4.extract_lane", Immediate.LANE, "v>f", 0, 4),
    F32X4_REPLACE_LANE(0xFD, 32, "f32x4.replace_lane", Immediate.LANE, "vf>v", 0, 4),
    F64X2_EXTRACT_LANE(0xFD, 33, "f64x2.extract_lane", Immediate.LANE, "v>F", 0, 2),
    F64X2_REPLACE_LANE(0xFD, 34, "f64x2.replace_lane", Immediate.LANE, "vF>v", 0, 2),
    I8X16_EQ(0xFD, 35, "i8x16.eq", Immediate.NONE, "vv>v", 0, 0),
    I8X16_NE(0xFD, 36, "i8x16.ne", Immediate.NONE, "vv>v", 0, 0),
    I8X16_LT_S(0xFD, 37, "i8x16.lt_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_LT_U(0xFD, 38, "i8x16.lt_u", Immediate.NONE, "vv>v", 0, 0),
    I8X16_GT_S(0xFD, 39, "i8x16.gt_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_GT_U(0xFD, 40, "i8x16.gt_u", Immediate.NONE, "vv>v", 0, 0),
    I8X16_LE_S(0xFD, 41, "i8x16.le_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_LE_U(0xFD, 42, "i8x16.le_u", Immediate.NONE, "vv>v", 0, 0),
    I8X16_GE_S(0xFD, 43, "i8x16.ge_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_GE_U(0xFD, 44, "i8x16.ge_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EQ(0xFD, 45, "i16x8.eq", Immediate.NONE, "vv>v", 0, 0),
    I16X8_NE(0xFD, 46, "i16x8.ne", Immediate.NONE, "vv>v", 0, 0),
    I16X8_LT_S(0xFD, 47, "i16x8.lt_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_LT_U(0xFD, 48, "i16x8.lt_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_GT_S(0xFD, 49, "i16x8.gt_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_GT_U(0xFD, 50, "i16x8.gt_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_LE_S(0xFD, 51, "i16x8.le_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_LE_U(0xFD, 52, "i16x8.le_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_GE_S(0xFD, 53, "i16x8.ge_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_GE_U(0xFD, 54, "i16x8.ge_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_EQ(0xFD, 55, "i32x4.eq", Immediate.NONE, "vv>v", 0, 0),
    I32X4_NE(0xFD, 56, "i32x4.ne", Immediate.NONE, "vv>v", 0, 0),
    I32X4_LT_S(0xFD, 57, "i32x4.lt_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_LT_U(0xFD, 58, "i32x4.lt_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_GT_S(0xFD, 59, "i32x4.gt_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_GT_U(0xFD, 60, "i32x4.gt_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_LE_S(0xFD, 61, "i32x4.le_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_LE_U(0xFD, 62, "i32x4.le_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_GE_S(0xFD, 63, "i32x4.ge_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_GE_U(0xFD, 64, "i32x4.ge_u", Immediate.NONE, "vv>v", 0, 0),
    F32X4_EQ(0xFD, 65, "f32x4.eq", Immediate.NONE, "vv>v", 0, 0),
    F32X4_NE(0xFD, 66, "f32x4.ne", Immediate.NONE, "vv>v", 0, 0),
    F32X4_LT(0xFD, 67, "f32x4.lt", Immediate.NONE, "vv>v", 0, 0),
    F32X4_GT(0xFD, 68, "f32x4.gt", Immediate.NONE, "vv>v", 0, 0),
    F32X4_LE(0xFD, 69, "f32x4.le", Immediate.NONE, "vv>v", 0, 0),
    F32X4_GE(0xFD, 70, "f32x4.ge", Immediate.NONE, "vv>v", 0, 0),
    F64X2_EQ(0xFD, 71, "f64x2.eq", Immediate.NONE, "vv>v", 0, 0),
    F64X2_NE(0xFD, 72, "f64x2.ne", Immediate.NONE, "vv>v", 0, 0),
    F64X2_LT(0xFD, 73, "f64x2.lt", Immediate.NONE, "vv>v", 0, 0),
    F64X2_GT(0xFD, 74, "f64x2.gt", Immediate.NONE, "vv>v", 0, 0),
    F64X2_LE(0xFD, 75, "f64x2.le", Immediate.NONE, "vv>v", 0, 0),
    F64X2_GE(0xFD, 76, "f64x2.ge", Immediate.NONE, "vv>v", 0, 0),
    V128_NOT(0xFD, 77, "v128.not", Immediate.NONE, "v>v", 0, 0),
    V128_AND(0xFD, 78, "v128.and", Immediate.NONE, "vv>v", 0, 0),
    V128_ANDNOT(0xFD, 79, "v128.andnot", Immediate.NONE, "vv>v", 0, 0),
    V128_OR(0xFD, 80, "v128.or", Immediate.NONE, "vv>v", 0, 0),
    V128_XOR(0xFD, 81, "v128.xor", Immediate.NONE, "vv>v", 0, 0),
    V128_BITSELECT(0xFD, 82, "v128.bitselect", Immediate.NONE, "vvv>v", 0, 0),
    V128_ANY_TRUE(0xFD, 83, "v128.any_true", Immediate.NONE, "v>i", 0, 0),
    V128_LOAD8_LANE(0xFD, 84, "v128.load8_lane", Immediate.MEMARG_LANE, "iv>v", 1, 16),
    V128_LOAD16_LANE(0xFD, 85, "v128.load16_lane", Immediate.MEMARG_LANE, "iv>v", 2, 8),
    V128_LOAD32_LANE(0xFD, 86, "v128.load32_lane", Immediate.MEMARG_LANE, "iv>v", 4, 4),
    V128_LOAD64_LANE(0xFD, 87, "v128.load64_lane", Immediate.MEMARG_LANE, "iv>v", 8, 2),
    V128_STORE8_LANE(0xFD, 88, "v128.store8_lane", Immediate.MEMARG_LANE, "iv>", 1, 16),
    V128_STORE16_LANE(0xFD, 89, "v128.store16_lane", Immediate.MEMARG_LANE, "iv>", 2, 8),
    V128_STORE32_LANE(0xFD, 90, "v128.store32_lane", Immediate.MEMARG_LANE, "iv>", 4, 4),
    V128_STORE64_LANE(0xFD, 91, "v128.store64_lane", Immediate.MEMARG_LANE, "iv>", 8, 2),
    V128_LOAD32_ZERO(0xFD, 92, "v128.load32_zero", Immediate.MEMARG, "i>v", 4, 0),
    V128_LOAD64_ZERO(0xFD, 93, "v128.load64_zero", Immediate.MEMARG, "i>v", 8, 0),
    F32X4_DEMOTE_F64X2_ZERO(0xFD, 94, "f32x4.demote_f64x2_zero", Immediate.NONE, "v>v", 0, 0),
    F64X2_PROMOTE_LOW_F32X4(0xFD, 95, "f64x2.promote_low_f32x4", Immediate.NONE, "v>v", 0, 0),
    I8X16_ABS(0xFD, 96, "i8x16.abs", Immediate.NONE, "v>v", 0, 0),
    I8X16_NEG(0xFD, 97, "i8x16.neg", Immediate.NONE, "v>v", 0, 0),
    I8X16_POPCNT(0xFD, 98, "i8x16.popcnt", Immediate.NONE, "v>v", 0, 0),
    I8X16_ALL_TRUE(0xFD, 99, "i8x16.all_true", Immediate.NONE, "v>i", 0, 0),
    I8X16_BITMASK(0xFD, 100, "i8x16.bitmask", Immediate.NONE, "v>i", 0, 0),
    I8X16_NARROW_I16X8_S(0xFD, 101, "i8x16.narrow_i16x8_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_NARROW_I16X8_U(0xFD, 102, "i8x16.narrow_i16x8_u", Immediate.NONE, "vv>v", 0, 0),
    F32X4_CEIL(0xFD, 103, "f32x4.ceil", Immediate.NONE, "v>v", 0, 0),
    F32X4_FLOOR(0xFD, 104, "f32x4.floor", Immediate.NONE, "v>v", 0, 0),
    F32X4_TRUNC(0xFD, 105, "f32x4.trunc", Immediate.NONE, "v>v", 0, 0),
    F32X4_NEAREST(0xFD, 106, "f32x4.nearest", Immediate.NONE, "v>v", 0, 0),
    I8X16_SHL(0xFD, 107, "i8x16.shl", Immediate.NONE, "vi>v", 0, 0),
    I8X16_SHR_S(0xFD, 108, "i8x16.shr_s", Immediate.NONE, "vi>v", 0, 0),
    I8X16_SHR_U(0xFD, 109, "i8x16.shr_u", Immediate.NONE, "vi>v", 0, 0),
    I8X16_ADD(0xFD, 110, "i8x16.add", Immediate.NONE, "vv>v", 0, 0),
    I8X16_ADD_SAT_S(0xFD, 111, "i8x16.add_sat_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_ADD_SAT_U(0xFD, 112, "i8x16.add_sat_u", Immediate.NONE, "vv>v", 0, 0),
    I8X16_SUB(0xFD, 113, "i8x16.sub", Immediate.NONE, "vv>v", 0, 0),
    I8X16_SUB_SAT_S(0xFD, 114, "i8x16.sub_sat_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_SUB_SAT_U(0xFD, 115, "i8x16.sub_sat_u", Immediate.NONE, "vv>v", 0, 0),
    F64X2_CEIL(0xFD, 116, "f64x2.ceil", Immediate.NONE, "v>v", 0, 0),
    F64X2_FLOOR(0xFD, 117, "f64x2.floor", Immediate.NONE, "v>v", 0, 0),
    I8X16_MIN_S(0xFD, 118, "i8x16.min_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_MIN_U(0xFD, 119, "i8x16.min_u", Immediate.NONE, "vv>v", 0, 0),
    I8X16_MAX_S(0xFD, 120, "i8x16.max_s", Immediate.NONE, "vv>v", 0, 0),
    I8X16_MAX_U(0xFD, 121, "i8x16.max_u", Immediate.NONE, "vv>v", 0, 0),
    F64X2_TRUNC(0xFD, 122, "f64x2.trunc", Immediate.NONE, "v>v", 0, 0),
    I8X16_AVGR_U(0xFD, 123, "i8x16.avgr_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EXTADD_PAIRWISE_I8X16_S(0xFD, 124, "i16x8.extadd_pairwise_i8x16_s", Immediate.NONE, "v>v", 0, 0),
    I16X8_EXTADD_PAIRWISE_I8X16_U(0xFD, 125, "i16x8.extadd_pairwise_i8x16_u", Immediate.NONE, "v>v", 0, 0),
    I32X4_EXTADD_PAIRWISE_I16X8_S(0xFD, 126, "i32x4.extadd_pairwise_i16x8_s", Immediate.NONE, "v>v", 0, 0),
    I32X4_EXTADD_PAIRWISE_I16X8_U(0xFD, 127, "i32x4.extadd_pairwise_i16x8_u", Immediate.NONE, "v>v", 0, 0),
    I16X8_ABS(0xFD, 128, "i16x8.abs", Immediate.NONE, "v>v", 0, 0),
    I16X8_NEG(0xFD, 129, "i16x8.neg", Immediate.NONE, "v>v", 0, 0),
    I16X8_Q15MULR_SAT_S(0xFD, 130, "i16x8.q15mulr_sat_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_ALL_TRUE(0xFD, 131, "i16x8.all_true", Immediate.NONE, "v>i", 0, 0),
    I16X8_BITMASK(0xFD, 132, "i16x8.bitmask", Immediate.NONE, "v>i", 0, 0),
    I16X8_NARROW_I32X4_S(0xFD, 133, "i16x8.narrow_i32x4_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_NARROW_I32X4_U(0xFD, 134, "i16x8.narrow_i32x4_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EXTEND_LOW_I8X16_S(0xFD, 135, "i16x8.extend_low_i8x16_s", Immediate.NONE, "v>v", 0, 0),
    I16X8_EXTEND_HIGH_I8X16_S(0xFD, 136, "i16x8.extend_high_i8x16_s", Immediate.NONE, "v>v", 0, 0),
    I16X8_EXTEND_LOW_I8X16_U(0xFD, 137, "i16x8.extend_low_i8x16_u", Immediate.NONE, "v>v", 0, 0),
    I16X8_EXTEND_HIGH_I8X16_U(0xFD, 138, "i16x8.extend_high_i8x16_u", Immediate.NONE, "v>v", 0, 0),
    I16X8_SHL(0xFD, 139, "i16x8.shl", Immediate.NONE, "vi>v", 0, 0),
    I16X8_SHR_S(0xFD, 140, "i16x8.shr_s", Immediate.NONE, "vi>v", 0, 0),
    I16X8_SHR_U(0xFD, 141, "i16x8.shr_u", Immediate.NONE, "vi>v", 0, 0),
    I16X8_ADD(0xFD, 142, "i16x8.add", Immediate.NONE, "vv>v", 0, 0),
    I16X8_ADD_SAT_S(0xFD, 143, "i16x8.add_sat_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_ADD_SAT_U(0xFD, 144, "i16x8.add_sat_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_SUB(0xFD, 145, "i16x8.sub", Immediate.NONE, "vv>v", 0, 0),
    I16X8_SUB_SAT_S(0xFD, 146, "i16x8.sub_sat_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_SUB_SAT_U(0xFD, 147, "i16x8.sub_sat_u", Immediate.NONE, "vv>v", 0, 0),
    F64X2_NEAREST(0xFD, 148, "f64x2.nearest", Immediate.NONE, "v>v", 0, 0),
    I16X8_MUL(0xFD, 149, "i16x8.mul", Immediate.NONE, "vv>v", 0, 0),
    I16X8_MIN_S(0xFD, 150, "i16x8.min_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_MIN_U(0xFD, 151, "i16x8.min_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_MAX_S(0xFD, 152, "i16x8.max_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_MAX_U(0xFD, 153, "i16x8.max_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_AVGR_U(0xFD, 155, "i16x8.avgr_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EXTMUL_LOW_I8X16_S(0xFD, 156, "i16x8.extmul_low_i8x16_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EXTMUL_HIGH_I8X16_S(0xFD, 157, "i16x8.extmul_high_i8x16_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EXTMUL_LOW_I8X16_U(0xFD, 158, "i16x8.extmul_low_i8x16_u", Immediate.NONE, "vv>v", 0, 0),
    I16X8_EXTMUL_HIGH_I8X16_U(0xFD, 159, "i16x8.extmul_high_i8x16_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_ABS(0xFD, 160, "i32x4.abs", Immediate.NONE, "v>v", 0, 0),
    I32X4_NEG(0xFD, 161, "i32x4.neg", Immediate.NONE, "v>v", 0, 0),
    I32X4_ALL_TRUE(0xFD, 163, "i32x4.all_true", Immediate.NONE, "v>i", 0, 0),
    I32X4_BITMASK(0xFD, 164, "i32x4.bitmask", Immediate.NONE, "v>i", 0, 0),
    I32X4_EXTEND_LOW_I16X8_S(0xFD, 167, "i32x4.extend_low_i16x8_s", Immediate.NONE, "v>v", 0, 0),
    I32X4_EXTEND_HIGH_I16X8_S(0xFD, 168, "i32x4.extend_high_i16x8_s", Immediate.NONE, "v>v", 0, 0),
    I32X4_EXTEND_LOW_I16X8_U(0xFD, 169, "i32x4.extend_low_i16x8_u", Immediate.NONE, "v>v", 0, 0),
    I32X4_EXTEND_HIGH_I16X8_U(0xFD, 170, "i32x4.extend_high_i16x8_u", Immediate.NONE, "v>v", 0, 0),
    I32X4_SHL(0xFD, 171, "i32x4.shl", Immediate.NONE, "vi>v", 0, 0),
    I32X4_SHR_S(0xFD, 172, "i32x4.shr_s", Immediate.NONE, "vi>v", 0, 0),
    I32X4_SHR_U(0xFD, 173, "i32x4.shr_u", Immediate.NONE, "vi>v", 0, 0),
    I32X4_ADD(0xFD, 174, "i32x4.add", Immediate.NONE, "vv>v", 0, 0),
    I32X4_SUB(0xFD, 177, "i32x4.sub", Immediate.NONE, "vv>v", 0, 0),
    I32X4_MUL(0xFD, 181, "i32x4.mul", Immediate.NONE, "vv>v", 0, 0),
    I32X4_MIN_S(0xFD, 182, "i32x4.min_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_MIN_U(0xFD, 183, "i32x4.min_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_MAX_S(0xFD, 184, "i32x4.max_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_MAX_U(0xFD, 185, "i32x4.max_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_DOT_I16X8_S(0xFD, 186, "i32x4.dot_i16x8_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_EXTMUL_LOW_I16X8_S(0xFD, 188, "i32x4.extmul_low_i16x8_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_EXTMUL_HIGH_I16X8_S(0xFD, 189, "i32x4.extmul_high_i16x8_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_EXTMUL_LOW_I16X8_U(0xFD, 190, "i32x4.extmul_low_i16x8_u", Immediate.NONE, "vv>v", 0, 0),
    I32X4_EXTMUL_HIGH_I16X8_U(0xFD, 191, "i32x4.extmul_high_i16x8_u", Immediate.NONE, "vv>v", 0, 0),
    I64X2_ABS(0xFD, 192, "i64x2.abs", Immediate.NONE, "v>v", 0, 0),
    I64X2_NEG(0xFD, 193, "i64x2.neg", Immediate.NONE, "v>v", 0, 0),
    I64X2_ALL_TRUE(0xFD, 195, "i64x2.all_true", Immediate.NONE, "v>i", 0, 0),
    I64X2_BITMASK(0xFD, 196, "i64x2.bitmask", Immediate.NONE, "v>i", 0, 0),
    I64X2_EXTEND_LOW_I32X4_S(0xFD, 199, "i64x2.extend_low_i32x4_s", Immediate.NONE, "v>v", 0, 0),
    I64X2_EXTEND_HIGH_I32X4_S(0xFD, 200, "i64x2.extend_high_i32x4_s", Immediate.NONE, "v>v", 0, 0),
    I64X2_EXTEND_LOW_I32X4_U(0xFD, 201, "i64x2.extend_low_i32x4_u", Immediate.NONE, "v>v", 0, 0),
    I64X2_EXTEND_HIGH_I32X4_U(0xFD, 202, "i64x2.extend_high_i32x4_u", Immediate.NONE, "v>v", 0, 0),
    I64X2_SHL(0xFD, 203, "i64x2.shl", Immediate.NONE, "vi>v", 0, 0),
    I64X2_SHR_S(0xFD, 204, "i64x2.shr_s", Immediate.NONE, "vi>v", 0, 0),
    I64X2_SHR_U(0xFD, 205, "i64x2.shr_u", Immediate.NONE, "vi>v", 0, 0),
    I64X2_ADD(0xFD, 206, "i64x2.add", Immediate.NONE, "vv>v", 0, 0),
    I64X2_SUB(0xFD, 209, "i64x2.sub", Immediate.NONE, "vv>v", 0, 0),
    I64X2_MUL(0xFD, 213, "i64x2.mul", Immediate.NONE, "vv>v", 0, 0),
    I64X2_EQ(0xFD, 214, "i64x2.eq", Immediate.NONE, "vv>v", 0, 0),
    I64X2_NE(0xFD, 215, "i64x2.ne", Immediate.NONE, "vv>v", 0, 0),
    I64X2_LT_S(0xFD, 216, "i64x2.lt_s", Immediate.NONE, "vv>v", 0, 0),
    I64X2_GT_S(0xFD, 217, "i64x2.gt_s", Immediate.NONE, "vv>v", 0, 0),
    I64X2_LE_S(0xFD, 218, "i64x2.le_s", Immediate.NONE, "vv>v", 0, 0),
    I64X2_GE_S(0xFD, 219, "i64x2.ge_s", Immediate.NONE, "vv>v", 0, 0),
    I64X2_EXTMUL_LOW_I32X4_S(0xFD, 220, "i64x2.extmul_low_i32x4_s", Immediate.NONE, "vv>v", 0, 0),
    I64X2_EXTMUL_HIGH_I32X4_S(0xFD, 221, "i64x2.extmul_high_i32x4_s", Immediate.NONE, "vv>v", 0, 0),
    I64X2_EXTMUL_LOW_I32X4_U(0xFD, 222, "i64x2.extmul_low_i32x4_u", Immediate.NONE, "vv>v", 0, 0),
    I64X2_EXTMUL_HIGH_I32X4_U(0xFD, 223, "i64x2.extmul_high_i32x4_u", Immediate.NONE, "vv>v", 0, 0),
    F32X4_ABS(0xFD, 224, "f32x4.abs", Immediate.NONE, "v>v", 0, 0),
    F32X4_NEG(0xFD, 225, "f32x4.neg", Immediate.NONE, "v>v", 0, 0),
    F32X4_SQRT(0xFD, 227, "f32x4.sqrt", Immediate.NONE, "v>v", 0, 0),
    F32X4_ADD(0xFD, 228, "f32x4.add", Immediate.NONE, "vv>v", 0, 0),
    F32X4_SUB(0xFD, 229, "f32x4.sub", Immediate.NONE, "vv>v", 0, 0),
    F32X4_MUL(0xFD, 230, "f32x4.mul", Immediate.NONE, "vv>v", 0, 0),
    F32X4_DIV(0xFD, 231, "f32x4.div", Immediate.NONE, "vv>v", 0, 0),
    F32X4_MIN(0xFD, 232, "f32x4.min", Immediate.NONE, "vv>v", 0, 0),
    F32X4_MAX(0xFD, 233, "f32x4.max", Immediate.NONE, "vv>v", 0, 0),
    F32X4_PMIN(0xFD, 234, "f32x4.pmin", Immediate.NONE, "vv>v", 0, 0),
    F32X4_PMAX(0xFD, 235, "f32x4.pmax", Immediate.NONE, "vv>v", 0, 0),
    F64X2_ABS(0xFD, 236, "f64x2.abs", Immediate.NONE, "v>v", 0, 0),
    F64X2_NEG(0xFD, 237, "f64x2.neg", Immediate.NONE, "v>v", 0, 0),
    F64X2_SQRT(0xFD, 239, "f64x2.sqrt", Immediate.NONE, "v>v", 0, 0),
    F64X2_ADD(0xFD, 240, "f64x2.add", Immediate.NONE, "vv>v", 0, 0),
    F64X2_SUB(0xFD, 241, "f64x2.sub", Immediate.NONE, "vv>v", 0, 0),
    F64X2_MUL(0xFD, 242, "f64x2.mul", Immediate.NONE, "vv>v", 0, 0),
    F64X2_DIV(0xFD, 243, "f64x2.div", Immediate.NONE, "vv>v", 0, 0),
    F64X2_MIN(0xFD, 244, "f64x2.min", Immediate.NONE, "vv>v", 0, 0),
    F64X2_MAX(0xFD, 245, "f64x2.max", Immediate.NONE, "vv>v", 0, 0),
    F64X2_PMIN(0xFD, 246, "f64x2.pmin", Immediate.NONE, "vv>v", 0, 0),
    F64X2_PMAX(0xFD, 247, "f64x2.pmax", Immediate.NONE, "vv>v", 0, 0),
    I32X4_TRUNC_SAT_F32X4_S(0xFD, 248, "i32x4.trunc_sat_f32x4_s", Immediate.NONE, "v>v", 0, 0),
    I32X4_TRUNC_SAT_F32X4_U(0xFD, 249, "i32x4.trunc_sat_f32x4_u", Immediate.NONE, "v>v", 0, 0),
    F32X4_CONVERT_I32X4_S(0xFD, 250, "f32x4.convert_i32x4_s", Immediate.NONE, "v>v", 0, 0),
    F32X4_CONVERT_I32X4_U(0xFD, 251, "f32x4.convert_i32x4_u", Immediate.NONE, "v>v", 0, 0),
    I32X4_TRUNC_SAT_F64X2_S_ZERO(0xFD, 252, "i32x4.trunc_sat_f64x2_s_zero", Immediate.NONE, "v>v", 0, 0),
    I32X4_TRUNC_SAT_F64X2_U_ZERO(0xFD, 253, "i32x4.trunc_sat_f64x2_u_zero", Immediate.NONE, "v>v", 0, 0),
    F64X2_CONVERT_LOW_I32X4_S(0xFD, 254, "f64x2.convert_low_i32x4_s", Immediate.NONE, "v>v", 0, 0),
    F64X2_CONVERT_LOW_I32X4_U(0xFD, 255, "f64x2.convert_low_i32x4_u", Immediate.NONE, "v>v", 0, 0),

    // ---- relaxed SIMD (Wasm 3.0, §4.4.3.8 "Relaxed vector instructions") ----
    I8X16_RELAXED_SWIZZLE(0xFD, 0x100, "i8x16.relaxed_swizzle", Immediate.NONE, "vv>v", 0, 0),
    I32X4_RELAXED_TRUNC_F32X4_S(0xFD, 0x101, "i32x4.relaxed_trunc_f32x4_s", Immediate.NONE, "v>v", 0, 0),
    I32X4_RELAXED_TRUNC_F32X4_U(0xFD, 0x102, "i32x4.relaxed_trunc_f32x4_u", Immediate.NONE, "v>v", 0, 0),
    I32X4_RELAXED_TRUNC_F64X2_S_ZERO(0xFD, 0x103, "i32x4.relaxed_trunc_f64x2_s_zero", Immediate.NONE, "v>v", 0, 0),
    I32X4_RELAXED_TRUNC_F64X2_U_ZERO(0xFD, 0x104, "i32x4.relaxed_trunc_f64x2_u_zero", Immediate.NONE, "v>v", 0, 0),
    F32X4_RELAXED_MADD(0xFD, 0x105, "f32x4.relaxed_madd", Immediate.NONE, "vvv>v", 0, 0),
    F32X4_RELAXED_NMADD(0xFD, 0x106, "f32x4.relaxed_nmadd", Immediate.NONE, "vvv>v", 0, 0),
    F64X2_RELAXED_MADD(0xFD, 0x107, "f64x2.relaxed_madd", Immediate.NONE, "vvv>v", 0, 0),
    F64X2_RELAXED_NMADD(0xFD, 0x108, "f64x2.relaxed_nmadd", Immediate.NONE, "vvv>v", 0, 0),
    I8X16_RELAXED_LANESELECT(0xFD, 0x109, "i8x16.relaxed_laneselect", Immediate.NONE, "vvv>v", 0, 0),
    I16X8_RELAXED_LANESELECT(0xFD, 0x10A, "i16x8.relaxed_laneselect", Immediate.NONE, "vvv>v", 0, 0),
    I32X4_RELAXED_LANESELECT(0xFD, 0x10B, "i32x4.relaxed_laneselect", Immediate.NONE, "vvv>v", 0, 0),
    I64X2_RELAXED_LANESELECT(0xFD, 0x10C, "i64x2.relaxed_laneselect", Immediate.NONE, "vvv>v", 0, 0),
    F32X4_RELAXED_MIN(0xFD, 0x10D, "f32x4.relaxed_min", Immediate.NONE, "vv>v", 0, 0),
    F32X4_RELAXED_MAX(0xFD, 0x10E, "f32x4.relaxed_max", Immediate.NONE, "vv>v", 0, 0),
    F64X2_RELAXED_MIN(0xFD, 0x10F, "f64x2.relaxed_min", Immediate.NONE, "vv>v", 0, 0),
    F64X2_RELAXED_MAX(0xFD, 0x110, "f64x2.relaxed_max", Immediate.NONE, "vv>v", 0, 0),
    I16X8_RELAXED_Q15MULR_S(0xFD, 0x111, "i16x8.relaxed_q15mulr_s", Immediate.NONE, "vv>v", 0, 0),
    I16X8_RELAXED_DOT_I8X16_I7X16_S(0xFD, 0x112, "i16x8.relaxed_dot_i8x16_i7x16_s", Immediate.NONE, "vv>v", 0, 0),
    I32X4_RELAXED_DOT_I8X16_I7X16_ADD_S(0xFD, 0x113, "i32x4.relaxed_dot_i8x16_i7x16_add_s", Immediate.NONE, "vvv>v", 0, 0);

    /**
     * The shape of the immediates that follow an opcode in the binary format (spec §5.4). Indices are
     * {@code u32} LEB128 unless said otherwise.
     */
    public enum Immediate {
        /** No immediate. */
        NONE,
        /** A blocktype: {@code 0x40} (empty), a valtype byte, or an {@code s33} typeidx. */
        BLOCKTYPE,
        /** A labelidx ({@code br}, {@code br_if}). */
        LABEL,
        /** A tagidx ({@code throw}, legacy {@code catch}). */
        TAGIDX,
        /**
         * A blocktype then a vector of catch clauses ({@code try_table}): each a kind byte
         * ({@code 0x00} catch, {@code 0x01} catch_ref, {@code 0x02} catch_all, {@code 0x03} catch_all_ref),
         * a tagidx for the first two, then a labelidx.
         */
        TRY_TABLE,
        /** A vector of labelidx followed by the default labelidx. */
        BR_TABLE,
        /** A funcidx ({@code call}, {@code ref.func}). */
        FUNCIDX,
        /** A typeidx then a tableidx. */
        CALL_INDIRECT,
        /** A typeidx ({@code call_ref}, {@code return_call_ref}). */
        TYPEIDX,
        /** A localidx. */
        LOCALIDX,
        /** A globalidx. */
        GLOBALIDX,
        /** A tableidx ({@code table.get/set/grow/size/fill}). */
        TABLEIDX,
        /** A memarg: {@code u32} alignment exponent (log2 bytes) then {@code u32} offset in bytes. */
        MEMARG,
        /** A memidx, which must be the byte {@code 0x00} in 2.0 ({@code memory.size/grow}). */
        MEMIDX,
        /** An {@code i32} as signed LEB128. */
        I32,
        /** An {@code i64} as signed LEB128. */
        I64,
        /** An {@code f32}: 4 bytes little-endian IEEE 754. */
        F32,
        /** An {@code f64}: 8 bytes little-endian IEEE 754. */
        F64,
        /** A vector of valtypes ({@code select t*}). */
        SELECT_T,
        /** A heap type: an abstract heap type byte ({@code 0x70} func, {@code 0x6F} extern, ...) or an s33 typeidx. */
        REF_NULL,
        /** An elemidx ({@code elem.drop}). */
        ELEMIDX,
        /** A dataidx ({@code data.drop}). */
        DATAIDX,
        /** A dataidx then the byte {@code 0x00} (memidx). */
        MEMORY_INIT,
        /** Two {@code 0x00} bytes (destination and source memidx). */
        MEMORY_COPY,
        /** One {@code 0x00} byte (memidx). */
        MEMORY_FILL,
        /** An elemidx then a tableidx. */
        TABLE_INIT,
        /** Two tableidx: destination then source. */
        TABLE_COPY,
        /** 16 raw bytes. */
        V128_CONST,
        /** 16 lane index bytes, each below 32. */
        SHUFFLE,
        /** One lane index byte. */
        LANE,
        /** A memarg then one lane index byte. */
        MEMARG_LANE
    }

    private static final Opcode[] SINGLE = new Opcode[256];
    private static final Opcode[] PREFIX_FC = new Opcode[32];
    private static final Opcode[] PREFIX_FD = new Opcode[0x114];
    private static final Map<String, Opcode> BY_MNEMONIC = new HashMap<>();

    static {
        for (Opcode op : values()) {
            Opcode[] table = switch (op.prefix) {
                case 0 -> SINGLE;
                case 0xFC -> PREFIX_FC;
                default -> PREFIX_FD;
            };
            if (table[op.code] != null) {
                throw new AssertionError("duplicate opcode " + op);
            }
            table[op.code] = op;
            BY_MNEMONIC.putIfAbsent(op.mnemonic, op);
        }
    }

    private final int prefix;
    private final int code;
    private final String mnemonic;
    private final Immediate immediate;
    private final List<ValType> operandTypes;
    private final List<ValType> resultTypes;
    private final int memoryAccessBytes;
    private final int laneCount;

    Opcode(int prefix, int code, String mnemonic, Immediate immediate, String signature,
           int memoryAccessBytes, int laneCount) {
        this.prefix = prefix;
        this.code = code;
        this.mnemonic = mnemonic;
        this.immediate = immediate;
        this.memoryAccessBytes = memoryAccessBytes;
        this.laneCount = laneCount;
        if (signature == null) {
            this.operandTypes = null;
            this.resultTypes = null;
        } else {
            int arrow = signature.indexOf('>');
            this.operandTypes = parseTypes(signature.substring(0, arrow));
            this.resultTypes = parseTypes(signature.substring(arrow + 1));
        }
    }

    private static List<ValType> parseTypes(String letters) {
        List<ValType> types = new ArrayList<>(letters.length());
        for (int i = 0; i < letters.length(); i++) {
            types.add(switch (letters.charAt(i)) {
                case 'i' -> ValType.I32;
                case 'I' -> ValType.I64;
                case 'f' -> ValType.F32;
                case 'F' -> ValType.F64;
                case 'v' -> ValType.V128;
                default -> throw new AssertionError(letters);
            });
        }
        return Collections.unmodifiableList(types);
    }

    /** The text-format mnemonic, e.g. {@code "i32.add"}; {@code "select"} for both selects. */
    public String mnemonic() {
        return mnemonic;
    }

    /** 0 for single-byte opcodes, else the prefix byte {@code 0xFC} or {@code 0xFD}. */
    public int prefix() {
        return prefix;
    }

    /** The opcode byte (prefix 0) or the {@code u32} sub-opcode after the prefix. */
    public int code() {
        return code;
    }

    /** The shape of the immediates that follow the opcode in the binary format. */
    public Immediate immediate() {
        return immediate;
    }

    /**
     * The operand types popped, bottom of the stack first, for instructions with a fixed type
     * (numeric, memory, SIMD, bulk memory); {@code null} for instructions whose typing depends on
     * their immediates or the context. Unmodifiable.
     */
    public List<ValType> operandTypes() {
        return operandTypes;
    }

    /** The result types pushed, or {@code null} exactly when {@link #operandTypes()} is. Unmodifiable. */
    public List<ValType> resultTypes() {
        return resultTypes;
    }

    /**
     * For loads and stores (immediate {@link Immediate#MEMARG} or {@link Immediate#MEMARG_LANE}): the
     * number of bytes accessed in memory (1, 2, 4, 8 or 16), whose log2 is the largest valid alignment
     * exponent (spec §3.3.7). For {@code v128.load8x8_s} it is 8, for {@code v128.load32_splat} 4.
     * 0 for every other instruction.
     */
    public int memoryAccessBytes() {
        return memoryAccessBytes;
    }

    /**
     * The natural alignment exponent log2({@link #memoryAccessBytes()}), i.e. the largest valid
     * {@code memarg.align}; -1 for non-memory instructions.
     */
    public int naturalAlignment() {
        return memoryAccessBytes == 0 ? -1 : Integer.numberOfTrailingZeros(memoryAccessBytes);
    }

    /**
     * For {@link Immediate#LANE} and {@link Immediate#MEMARG_LANE}: the number of lanes (the lane
     * index must be below it); for {@link Immediate#SHUFFLE}: 32; 0 otherwise.
     */
    public int laneCount() {
        return laneCount;
    }

    /** Whether this opcode has a prefix byte ({@code 0xFC} or {@code 0xFD}). */
    public boolean isPrefixed() {
        return prefix != 0;
    }

    /**
     * The opcode with this text mnemonic, or {@code null} if there is none. {@code "select"} gives
     * {@link #SELECT}; the text parser picks {@link #SELECT_T} when a result type follows.
     */
    public static Opcode byMnemonic(String mnemonic) {
        return BY_MNEMONIC.get(mnemonic);
    }

    /**
     * The opcode with this encoding, or {@code null} if it encodes no Wasm 2.0 instruction.
     *
     * @param prefix 0 for a single-byte opcode (then {@code code} is the byte, 0..255), or
     *               {@code 0xFC}/{@code 0xFD}
     * @param code   the opcode byte, or the {@code u32} after the prefix (any int; out-of-range
     *               values give {@code null})
     */
    public static Opcode decode(int prefix, int code) {
        Opcode[] table = switch (prefix) {
            case 0 -> SINGLE;
            case 0xFC -> PREFIX_FC;
            case 0xFD -> PREFIX_FD;
            default -> null;
        };
        if (table == null || code < 0 || code >= table.length) {
            return null;
        }
        return table[code];
    }

    /** The mnemonic. */
    @Override
    public String toString() {
        return mnemonic;
    }
}
