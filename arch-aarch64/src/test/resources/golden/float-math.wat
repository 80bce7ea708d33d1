;; target = aarch64
;; Floating point: A64's fmin/fmax already have Wasm's semantics (NaN if either operand is NaN, -0 below
;; +0), rounding is frintn/frintm/frintp/frintz, copysign moves the sign bit with bfi, constants come
;; from fmov immediates, movi for +0 or a literal pool after the code. Conversions: the saturating forms
;; are one fcvtzs/fcvtzu; the trapping ones check NaN (b.vs) and the range first; integer to float is one
;; scvtf/ucvtf (u64 included).
(module
  (func $min (export "min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func $max (export "max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
  (func $nearest (export "nearest") (param f64) (result f64) (f64.nearest (local.get 0)))
  (func $copysign (export "copysign") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  (func $poly (export "poly") (param $x f64) (result f64)
    (f64.add (f64.mul (local.get $x) (f64.const 2.5)) (f64.const 0.1)))
  (func $lt (export "lt") (param f64 f64) (result i32) (f64.lt (local.get 0) (local.get 1)))
  (func $trunc_s32 (export "trunc_s32") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func $trunc_u64 (export "trunc_u64") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))
  (func $trunc_s64 (export "trunc_s64") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
  (func $sat_s32 (export "sat_s32") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
  (func $from_u64 (export "from_u64") (param i64) (result f32) (f32.convert_i64_u (local.get 0)))
)

;; ---- expected ----
;; wasm[0]::min:
;;   fmin   d0, d0, d1
;;   ret
;;
;; wasm[1]::max:
;;   fmax   s0, s0, s1
;;   ret
;;
;; wasm[2]::nearest:
;;   frintn d0, d0
;;   ret
;;
;; wasm[3]::copysign:
;;   fmov   w16, s0
;;   fmov   w17, s1
;;   lsr    w17, w17, #31
;;   bfi    w16, w17, #31, #1
;;   fmov   s0, w16
;;   ret
;;
;; wasm[4]::poly:
;;   fmov   d1, #2.500000000000000000e+00
;;   fmul   d0, d0, d1
;;   ldr    d1, .L0
;;   fadd   d0, d0, d1
;;   ret
;;   nop
;; .L0:
;;   .word  0x9999999a
;;   .word  0x3fb99999
;;
;; wasm[5]::lt:
;;   fcmp   d0, d1
;;   cset   w0, mi
;;   ret
;;
;; wasm[6]::trunc_s32:
;;   fcmp   d0, d0
;; .L0:
;;   b.vs   .L3
;;   fcvtzs x17, d0
;;   cmp    x17, w17, sxtw
;; .L1:
;;   b.ne   .L2
;;   mov    w0, w17
;;   ret
;; .L2:
;;   adr    x17, .L1
;;   ldr    x16, [x21]
;;   mov    w9, #0x3
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L3:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x4
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[7]::trunc_u64:
;;   fcmp   s0, s0
;; .L0:
;;   b.vs   .L6
;;   ldr    s31, .L7
;;   fcmp   s0, s31
;; .L1:
;;   b.ge   .L3
;;   fmov   s31, #-1.000000000000000000e+00
;;   fcmp   s0, s31
;; .L2:
;;   b.ls   .L4
;;   fcvtzu x0, s0
;;   ret
;; .L3:
;;   adr    x17, .L1
;;   b      .L5
;; .L4:
;;   adr    x17, .L2
;; .L5:
;;   ldr    x16, [x21]
;;   mov    w9, #0x3
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L6:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x4
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L7:
;;   .word  0x5f800000
;;   .word  0x00000000
;;
;; wasm[8]::trunc_s64:
;;   fcmp   d0, d0
;; .L0:
;;   b.vs   .L6
;;   ldr    d31, .L7
;;   fcmp   d0, d31
;; .L1:
;;   b.ge   .L3
;;   ldr    d31, .L8
;;   fcmp   d0, d31
;; .L2:
;;   b.mi   .L4
;;   fcvtzs x0, d0
;;   ret
;; .L3:
;;   adr    x17, .L1
;;   b      .L5
;; .L4:
;;   adr    x17, .L2
;; .L5:
;;   ldr    x16, [x21]
;;   mov    w9, #0x3
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L6:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x4
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L7:
;;   .word  0x00000000
;;   .word  0x43e00000
;; .L8:
;;   .word  0x00000000
;;   .word  0xc3e00000
;;
;; wasm[9]::sat_s32:
;;   fcvtzs w0, s0
;;   ret
;;
;; wasm[10]::from_u64:
;;   ucvtf  s0, x0
;;   ret
