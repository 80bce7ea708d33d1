;; target = aarch64
;; Integer division and remainder with Wasm's traps: cbz on the divisor (integer divide by zero), and
;; for div_s the signed-overflow check INT_MIN / -1 as cmn + ccmp + b.vs (sdiv itself never faults);
;; remainders are msub over the quotient, where INT_MIN rem -1 comes out 0 without a check. Division by
;; a constant needs no check: a multiplication by the reciprocal (umulh/smull) or shifts.
(module
  (func $div_s (export "div_s") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))
  (func $div_u (export "div_u") (param $a i64) (param $b i64) (result i64)
    (i64.div_u (local.get $a) (local.get $b)))
  (func $rem_s (export "rem_s") (param $a i64) (param $b i64) (result i64)
    (i64.rem_s (local.get $a) (local.get $b)))
  (func $rem_u (export "rem_u") (param $a i32) (param $b i32) (result i32)
    (i32.rem_u (local.get $a) (local.get $b)))
  (func $div_by_10 (export "div_by_10") (param $a i32) (result i32)
    (i32.div_u (local.get $a) (i32.const 10)))
  (func $rem_u_by_1000 (export "rem_u_by_1000") (param $a i64) (result i64)
    (i64.rem_u (local.get $a) (i64.const 1000)))
)

;; ---- expected ----
;; wasm[0]::div_s:
;; .L0:
;;   cbz    w1, .L2
;;   cmn    w1, #0x1
;;   ccmp   w0, #0x1, #0x0, eq
;; .L1:
;;   b.vs   .L3
;;   sdiv   w0, w0, w1
;;   ret
;; .L2:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x2
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L3:
;;   adr    x17, .L1
;;   ldr    x16, [x21]
;;   mov    w9, #0x3
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[1]::div_u:
;; .L0:
;;   cbz    x1, .L1
;;   udiv   x0, x0, x1
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x2
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[2]::rem_s:
;; .L0:
;;   cbz    x1, .L1
;;   sdiv   x2, x0, x1
;;   msub   x0, x2, x1, x0
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x2
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[3]::rem_u:
;; .L0:
;;   cbz    w1, .L1
;;   udiv   w2, w0, w1
;;   msub   w0, w2, w1, w0
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x2
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[4]::div_by_10:
;;   mov    w1, #0xcccd
;;   movk   w1, #0xcccc, lsl #16
;;   umull  x0, w0, w1
;;   lsr    x0, x0, #32
;;   lsr    w0, w0, #3
;;   ret
;;
;; wasm[5]::rem_u_by_1000:
;;   lsr    x1, x0, #3
;;   mov    x2, #0xf7cf
;;   movk   x2, #0xe353, lsl #16
;;   movk   x2, #0x9ba5, lsl #32
;;   movk   x2, #0x20c4, lsl #48
;;   umulh  x1, x1, x2
;;   lsr    x1, x1, #4
;;   mov    x2, #0x3e8
;;   msub   x0, x1, x2, x0
;;   ret
