;; target = aarch64
;; Integer arithmetic in A64's own forms: madd/msub for a multiply feeding an add or subtract, shifted
;; register operands, add/sub and logical immediates, csel/cset for select and comparisons, and
;; cbz/cbnz for branches on a value.
(module
  (func $madd (export "madd") (param $a i64) (param $b i64) (param $c i64) (result i64)
    (i64.add (i64.mul (local.get $a) (local.get $b)) (local.get $c)))
  (func $msub (export "msub") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub (local.get $c) (i32.mul (local.get $a) (local.get $b))))
  (func $shifted (export "shifted") (param $a i64) (param $b i64) (result i64)
    (i64.add (local.get $a) (i64.shl (local.get $b) (i64.const 3))))
  (func $masks (export "masks") (param $a i32) (result i32)
    (i32.xor (i32.and (local.get $a) (i32.const 0xff00)) (i32.const 1)))
  (func $select (export "select") (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_s (local.get $a) (local.get $b))))
  (func $cmp (export "cmp") (param $a i64) (result i32)
    (i64.ge_u (local.get $a) (i64.const 100)))
  (func $count (export "count") (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $s))
  (func $rot (export "rot") (param $a i32) (param $b i32) (result i32)
    (i32.rotl (local.get $a) (local.get $b)))
  (func $bits (export "bits") (param $a i64) (result i64)
    (i64.add (i64.popcnt (local.get $a)) (i64.ctz (local.get $a))))
)

;; ---- expected ----
;; wasm[0]::madd:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   madd   x0, x0, x1, x2
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;   udf    #0
;;
;; wasm[1]::msub:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   msub   w0, w0, w1, w2
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;   udf    #0
;;
;; wasm[2]::shifted:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   add    x0, x0, x1, lsl #3
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;   udf    #0
;;
;; wasm[3]::masks:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   and    w0, w0, #0xff00
;;   eor    w0, w0, #0x1
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;
;; wasm[4]::select:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   cmp    w0, w1
;;   csel   w0, w0, w1, lt
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;
;; wasm[5]::cmp:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   cmp    x0, #0x64
;;   cset   w0, cs
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;
;; wasm[6]::count:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L2
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   mov    x1, #0x0
;;   cbz    w0, .L1
;; .L0:
;;   add    w1, w1, w0
;;   sub    w0, w0, #0x1
;;   cbnz   w0, .L0
;; .L1:
;;   mov    x0, x1
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L2:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;
;; wasm[7]::rot:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   neg    w1, w1
;;   ror    w0, w0, w1
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
;;   udf    #0
;;
;; wasm[8]::bits:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;;   b.cc   .L0
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   fmov   d31, x0
;;   cnt    v31.8b, v31.8b
;;   addv   b31, v31.8b
;;   fmov   w1, s31
;;   rbit   x0, x0
;;   clz    x0, x0
;;   add    x0, x1, x0
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L0:
;;   ldr    x16, [x21]
;;   mov    w17, #0xa
;;   str    w17, [x16]
;;   b      kiln_unwind
