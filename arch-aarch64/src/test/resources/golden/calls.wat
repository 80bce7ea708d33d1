;; target = aarch64
;; Calls under Kiln's internal convention: bl to a funcidx (a CALL26 relocation), arguments in x0..x7 and
;; v0..v7, the rest on the stack (popped by the callee, rounded to 16 bytes so sp stays aligned), several
;; results in stack slots; an import through its VMContext record (code in x16, upcall in x17, the
;; callee's VMContext in x21, restored afterwards); call_indirect with its three checks; globals.
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (type $t (func (param i64) (result i64)))
  (table 4 funcref)
  (global $g (mut i32) (i32.const 0))
  (func $callee (export "callee") (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
  (func $direct (export "direct") (param i64) (result i64)
    (i64.mul (call $callee (local.get 0)) (i64.const 3)))
  (func $import (export "import") (param i32) (result i32)
    (global.set $g (call $host (local.get 0)))
    (global.get $g))
  (func $indirect (export "indirect") (param i64 i32) (result i64)
    (call_indirect (type $t) (local.get 0) (local.get 1)))
  (func $many (export "many") (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64 i64)
    (local.get 9) (local.get 8))
  (func $call_many (export "call_many") (result i64)
    (call $many (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10))
    (i64.sub))
)

;; ---- expected ----
;; wasm[1]::callee:
;;   add    x0, x0, #0x1
;;   ret
;;
;; wasm[2]::direct:
;;   add    x0, x0, #0x1
;;   mov    x1, #0x3
;;   mul    x0, x0, x1
;;   ret
;;
;; wasm[3]::import:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x20
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L1
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   sub    sp, sp, #0x10
;;   str    x21, [sp]
;;   ldr    x16, [x21, #128]
;;   ldr    x17, [x21, #144]
;;   ldr    x21, [x21, #136]
;;   blr    x16
;;   ldr    x21, [sp]
;;   str    w0, [x21, #96]
;;   ldr    w0, [x21, #96]
;;   add    sp, sp, #0x10
;;   ldp    x29, x30, [sp], #16
;;   ret
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
;;   sub    x17, sp, #0x20
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L7
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   sub    sp, sp, #0x10
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
;;   ldr    w3, [x21, #104]
;;   cmp    w2, w3
;; .L3:
;;   b.ne   .L6
;;   mov    x17, x1
;;   str    x21, [sp]
;;   ldr    x16, [x17]
;;   ldr    x21, [x17, #8]
;;   ldr    x17, [x17, #16]
;;   blr    x16
;;   ldr    x21, [sp]
;;   add    sp, sp, #0x10
;;   ldp    x29, x30, [sp], #16
;;   ret
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
;; wasm[5]::many:
;;   ldr    x0, [sp]
;;   ldr    x1, [sp, #8]
;;   str    x1, [sp, #16]
;;   str    x0, [sp, #24]
;;   add    sp, sp, #0x10
;;   ret
;;
;; wasm[6]::call_many:
;;   mov    x0, #0x1
;;   ret
