;; target = aarch64
;; Tail calls (Wasm 3.0): the frame is torn down like an epilogue and the callee is reached with b or br;
;; with stack arguments, the caller's x29/x30 go to x9/x10 and the staged arguments are copied to the
;; callee's area (here nine i64 on the stack from a caller with none); return_call_indirect after its
;; checks; a tail call to an import through its VMContext record.
(module
  (import "env" "host" (func $host (param i64) (result i64)))
  (type $t (func (param i64) (result i64)))
  (table 2 funcref)
  (func $count (export "count") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $count (i64.sub (local.get $n) (i64.const 1))
                                (i64.add (local.get $acc) (i64.const 1))))))
  (func $wide (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (local.get 16))
  (func $grow (export "grow") (param $x i64) (result i64)
    (return_call $wide (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
                       (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
                       (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x)
                       (local.get $x) (i64.const 7)))
  (func $indirect (export "indirect") (param $x i64) (param $i i32) (result i64)
    (return_call_indirect (type $t) (local.get $x) (local.get $i)))
  (func $import (export "import") (param $x i64) (result i64)
    (return_call $host (local.get $x)))
)

;; ---- expected ----
;; wasm[1]::count:
;; .L0:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;; .L1:
;;   b.cc   .L3
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   cmp    x0, #0x0
;;   b.ne   .L2
;;   mov    x0, x1
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L2:
;;   sub    x0, x0, #0x1
;;   add    x1, x1, #0x1
;;   mov    sp, x29
;;   ldp    x29, x30, [sp], #16
;;   b      .L0
;; .L3:
;;   adr    x17, .L1
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[2]::wide:
;;   ldr    x0, [sp, #64]
;;   add    sp, sp, #0x50
;;   ret
;;
;; wasm[3]::grow:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x60
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L1
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   sub    sp, sp, #0x50
;;   mov    x7, x0
;;   mov    x0, #0x7
;;   str    x7, [sp]
;;   str    x7, [sp, #8]
;;   str    x7, [sp, #16]
;;   str    x7, [sp, #24]
;;   str    x7, [sp, #32]
;;   str    x7, [sp, #40]
;;   str    x7, [sp, #48]
;;   str    x7, [sp, #56]
;;   str    x0, [sp, #64]
;;   mov    x0, x7
;;   mov    x1, x7
;;   mov    x2, x7
;;   mov    x3, x7
;;   mov    x4, x7
;;   mov    x5, x7
;;   mov    x6, x7
;;   ldp    x9, x10, [x29]
;;   sub    x30, x29, #0x40
;;   ldr    d30, [sp, #72]
;;   str    d30, [x30, #72]
;;   ldr    d30, [sp, #64]
;;   str    d30, [x30, #64]
;;   ldr    d30, [sp, #56]
;;   str    d30, [x30, #56]
;;   ldr    d30, [sp, #48]
;;   str    d30, [x30, #48]
;;   ldr    d30, [sp, #40]
;;   str    d30, [x30, #40]
;;   ldr    d30, [sp, #32]
;;   str    d30, [x30, #32]
;;   ldr    d30, [sp, #24]
;;   str    d30, [x30, #24]
;;   ldr    d30, [sp, #16]
;;   str    d30, [x30, #16]
;;   ldr    d30, [sp, #8]
;;   str    d30, [x30, #8]
;;   ldr    d30, [sp]
;;   str    d30, [x30]
;;   mov    sp, x30
;;   mov    x29, x9
;;   mov    x30, x10
;;   b      wasm[2]::wide
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[4]::indirect:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L7
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   ldr    x2, [x21, #88]
;;   ldr    w3, [x2, #8]
;;   cmp    w1, w3
;; .L1:
;;   b.cs   .L4
;;   ldr    x2, [x2]
;;   ldr    x1, [x2, w1, uxtw #3]
;; .L2:
;;   cbz    x1, .L5
;;   ldr    w2, [x1, #24]
;;   ldr    w3, [x21, #96]
;;   cmp    w2, w3
;; .L3:
;;   b.ne   .L6
;;   ldr    x16, [x1]
;;   ldr    x21, [x1, #8]
;;   ldr    x17, [x1, #16]
;;   mov    sp, x29
;;   ldp    x29, x30, [sp], #16
;;   br     x16
;; .L4:
;;   adr    x17, .L1
;;   ldr    x16, [x21]
;;   mov    w9, #0x7
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L5:
;;   adr    x17, .L2
;;   ldr    x16, [x21]
;;   mov    w9, #0x8
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L6:
;;   adr    x17, .L3
;;   ldr    x16, [x21]
;;   mov    w9, #0x9
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L7:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[5]::import:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L1
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   ldr    x16, [x21, #112]
;;   ldr    x17, [x21, #128]
;;   ldr    x21, [x21, #120]
;;   mov    sp, x29
;;   ldp    x29, x30, [sp], #16
;;   br     x16
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
