;; target = aarch64
;; Branches on one bit become tbz/tbnz: `x & (1 << k)` as a condition, and its comparison with zero
;; either way round; an i64 bit above 31; a mask of several bits keeps tst + b.cond.
(module
  (func $flag (export "flag") (param $x i32) (result i32)
    (if (result i32) (i32.and (local.get $x) (i32.const 8))
      (then (i32.const 1))
      (else (i32.const 2))))
  (func $clear (export "clear") (param $x i32) (param $y i32) (result i32)
    (block $out
      (br_if $out (i32.eqz (i32.and (i32.const 0x80000000) (local.get $x))))
      (local.set $y (i32.add (local.get $y) (i32.const 1))))
    (local.get $y))
  (func $high (export "high") (param $x i64) (result i64)
    (if (result i64) (i64.ne (i64.and (local.get $x) (i64.const 0x10000000000)) (i64.const 0))
      (then (i64.const 7))
      (else (local.get $x))))
  (func $count (export "count") (param $x i32) (result i32)
    (local $n i32)
    (loop $l
      (if (i32.and (local.get $x) (i32.const 1))
        (then (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      (local.set $x (i32.shr_u (local.get $x) (i32.const 1)))
      (br_if $l (local.get $x)))
    (local.get $n))
  (func $mask (export "mask") (param $x i32) (result i32)
    (if (result i32) (i32.and (local.get $x) (i32.const 3))
      (then (i32.const 1))
      (else (i32.const 2))))
)

;; ---- expected ----
;; wasm[0]::flag:
;;   tbz    w0, #3, .L0
;;   mov    x0, #0x1
;;   b      .L1
;; .L0:
;;   mov    x0, #0x2
;; .L1:
;;   ret
;;
;; wasm[1]::clear:
;;   tbnz   w0, #31, .L0
;;   mov    x0, x1
;;   b      .L1
;; .L0:
;;   add    w0, w1, #0x1
;; .L1:
;;   ret
;;
;; wasm[2]::high:
;;   tbz    x0, #40, .L0
;;   mov    x0, #0x7
;; .L0:
;;   ret
;;
;; wasm[3]::count:
;;   mov    x1, #0x0
;; .L0:
;;   tbz    w0, #0, .L1
;;   add    w1, w1, #0x1
;; .L1:
;;   lsr    w0, w0, #1
;;   cbnz   w0, .L0
;;   mov    x0, x1
;;   ret
;;
;; wasm[4]::mask:
;;   and    w0, w0, #0x3
;;   cbz    w0, .L0
;;   mov    x0, #0x1
;;   b      .L1
;; .L0:
;;   mov    x0, #0x2
;; .L1:
;;   ret
