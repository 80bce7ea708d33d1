;; target = aarch64
;; Linear memory: the explicit bounds check (a compare with the memory's length and a b.hi to the trap),
;; loads and stores in register-offset form [base, index] or with the static offset folded into an
;; immediate (an offset no load reaches is added to the index first), sign-extending loads, zeros stored
;; from the zero register, and memory.grow / memory.fill through the runtime's libcalls.
(module
  (memory 1 100)
  (func $load (export "load") (param $p i32) (result i32)
    (i32.load (local.get $p)))
  (func $load_offset (export "load_offset") (param $p i32) (result i64)
    (i64.load8_s offset=16 (local.get $p)))
  (func $store (export "store") (param $p i32) (param $v f64)
    (f64.store offset=8 (local.get $p) (local.get $v)))
  (func $sum (export "sum") (param $p i32) (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $s))
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $far (export "far") (param $p i32) (result i32)
    (i32.load offset=1048570 (local.get $p)))
  (func $fill (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func $zero (export "zero") (param $p i32)
    (i64.store (local.get $p) (i64.const 0))
    (f32.store offset=12 (local.get $p) (f32.const 0))
    (i32.store8 offset=9 (local.get $p) (i32.const 0)))
)

;; ---- expected ----
;; wasm[0]::load:
;;   ldr    x1, [x21, #96]
;;   sub    x1, x1, #0x4
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L1
;;   ldr    x1, [x21, #88]
;;   ldr    w0, [x1, w0, uxtw]
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[1]::load_offset:
;;   ldr    x1, [x21, #96]
;;   sub    x1, x1, #0x11
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L1
;;   ldr    x1, [x21, #88]
;;   add    x16, x1, w0, uxtw
;;   ldrsb  x0, [x16, #16]
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[2]::store:
;;   ldr    x1, [x21, #96]
;;   sub    x1, x1, #0x10
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L1
;;   ldr    x1, [x21, #88]
;;   add    x16, x1, w0, uxtw
;;   str    d0, [x16, #8]
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[3]::sum:
;;   ldr    x2, [x21, #96]
;;   sub    x2, x2, #0x4
;;   ldr    x3, [x21, #88]
;;   mov    x4, x0
;;   mov    x0, #0x0
;;   cbz    w1, .L2
;; .L0:
;;   cmp    x4, x2
;; .L1:
;;   b.gt   .L3
;;   ldr    w5, [x3, w4, uxtw]
;;   add    w0, w0, w5
;;   add    w4, w4, #0x4
;;   sub    w1, w1, #0x1
;;   cbnz   w1, .L0
;; .L2:
;;   ret
;; .L3:
;;   adr    x17, .L1
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[4]::grow:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L2
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   mov    w1, #0x0
;;   mov    x2, x0
;;   mov    x0, x21
;;   ldr    x16, [x21, #56]
;;   blr    x16
;;   ldr    x16, [x21]
;;   ldr    w16, [x16]
;;   cbz    w16, .L1
;;   mov    x17, x30
;;   b      kiln_unwind
;; .L1:
;;   mov    w0, w0
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L2:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[5]::far:
;;   ldr    x1, [x21, #96]
;;   sub    x1, x1, #0xff, lsl #12
;;   sub    x1, x1, #0xffe
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L1
;;   ldr    x1, [x21, #88]
;;   add    x0, x0, #0xff, lsl #12
;;   add    x0, x0, #0xffa
;;   ldr    w0, [x1, x0]
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[6]::fill:
;;   ldr    x3, [x21, #96]
;;   add    x4, x0, x2
;;   cmp    x4, x3
;; .L0:
;;   b.hi   .L4
;;   ldr    x3, [x21, #88]
;;   add    x0, x3, x0
;;   cbz    x2, .L3
;;   and    w1, w1, #0xff
;;   cmp    x2, #0x8
;;   b.cc   .L2
;;   mov    x16, #0x101010101010101
;;   mul    x16, x1, x16
;; .L1:
;;   str    x16, [x0], #8
;;   sub    x2, x2, #0x8
;;   cmp    x2, #0x8
;;   b.cs   .L1
;;   cbz    x2, .L3
;; .L2:
;;   strb   w1, [x0], #1
;;   subs   x2, x2, #0x1
;;   b.ne   .L2
;; .L3:
;;   ret
;; .L4:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[7]::zero:
;;   ldr    x1, [x21, #96]
;;   sub    x2, x1, #0x10
;;   sub    x1, x1, #0x8
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L2
;;   ldr    x1, [x21, #88]
;;   str    xzr, [x1, w0, uxtw]
;;   cmp    x0, x2
;; .L1:
;;   b.gt   .L3
;;   add    x16, x1, w0, uxtw
;;   str    wzr, [x16, #12]
;;   add    x16, x1, w0, uxtw
;;   strb   wzr, [x16, #9]
;;   ret
;; .L2:
;;   adr    x17, .L0
;;   b      .L4
;; .L3:
;;   adr    x17, .L1
;; .L4:
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
