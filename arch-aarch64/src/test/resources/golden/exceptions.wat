;; target = aarch64
;; Exception handling: a throw (the exn_new libcall, the payload stored, the throw libcall with this frame
;; record's return-address slot, the resume with sp and x29 from the store context), and a call inside a
;; try_table that catches: its VMContext saved and reloaded, the pending exception read after it, the
;; dispatch clearing it and comparing the tag; a value live across the call in a spill slot, not in a
;; callee-saved register.
(module
  (tag $e (param i32))
  (func $thrower (export "thrower") (param i32)
    (throw $e (local.get 0)))
  (func $catcher (export "catcher") (param i32) (result i32)
    (local $k i32)
    (local.set $k (i32.mul (local.get 0) (i32.const 3)))
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $thrower (local.get 0)))
      (local.get $k)
      (return))
    (i32.add (local.get $k))))

;; ---- expected ----
;; wasm[0]::thrower:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x20
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L3
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   str    x19, [sp, #-16]!
;;   mov    x19, x0
;;   mov    w1, #0x0
;;   mov    x0, x21
;;   ldr    x16, [x21, #64]
;;   blr    x16
;;   ldr    x16, [x21]
;;   ldr    w16, [x16]
;;   cbz    w16, .L1
;;   mov    x17, x30
;;   b      kiln_unwind
;; .L1:
;;   str    w19, [x0, #16]
;;   mov    x1, x0
;;   mov    x0, x21
;;   add    x2, x29, #0x8
;;   ldr    x16, [x21, #72]
;;   blr    x16
;;   ldr    x16, [x21]
;;   ldr    w16, [x16]
;;   cbz    w16, .L2
;;   mov    x17, x30
;;   b      kiln_unwind
;; .L2:
;;   ldr    x16, [x21]
;;   ldr    x17, [x16, #104]
;;   mov    sp, x17
;;   ldr    x29, [x16, #112]
;;   br     x0
;; .L3:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[1]::catcher:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0xb0
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L4
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   stp    x19, x20, [sp, #-16]!
;;   stp    x22, x23, [sp, #-16]!
;;   stp    x24, x25, [sp, #-16]!
;;   stp    x26, x27, [sp, #-16]!
;;   str    x28, [sp, #-16]!
;;   stp    d8, d9, [sp, #-16]!
;;   stp    d10, d11, [sp, #-16]!
;;   stp    d12, d13, [sp, #-16]!
;;   stp    d14, d15, [sp, #-16]!
;;   sub    sp, sp, #0x10
;;   mov    w1, #0x3
;;   mul    w1, w0, w1
;;   str    x1, [sp]
;;   str    x21, [sp, #8]
;;   bl     wasm[0]::thrower
;;   ldr    x21, [sp, #8]
;;   ldr    x16, [sp]
;;   mov    x0, x16
;;   add    sp, sp, #0x10
;;   ldp    d14, d15, [sp], #16
;;   ldp    d12, d13, [sp], #16
;;   ldp    d10, d11, [sp], #16
;;   ldp    d8, d9, [sp], #16
;;   ldr    x28, [sp], #16
;;   ldp    x26, x27, [sp], #16
;;   ldp    x24, x25, [sp], #16
;;   ldp    x22, x23, [sp], #16
;;   ldp    x19, x20, [sp], #16
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L1:
;;   ldr    x16, [x21]
;;   str    xzr, [x16, #96]
;;   ldr    x1, [x0]
;;   ldr    x2, [x21, #8]
;;   ldr    x2, [x2]
;;   cmp    x1, x2
;;   b.ne   .L2
;;   ldr    w0, [x0, #16]
;;   ldr    x16, [sp]
;;   add    w0, w0, w16
;;   add    sp, sp, #0x10
;;   ldp    d14, d15, [sp], #16
;;   ldp    d12, d13, [sp], #16
;;   ldp    d10, d11, [sp], #16
;;   ldp    d8, d9, [sp], #16
;;   ldr    x28, [sp], #16
;;   ldp    x26, x27, [sp], #16
;;   ldp    x24, x25, [sp], #16
;;   ldp    x22, x23, [sp], #16
;;   ldp    x19, x20, [sp], #16
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L2:
;;   mov    x1, x0
;;   mov    x0, x21
;;   add    x2, x29, #0x8
;;   ldr    x16, [x21, #72]
;;   blr    x16
;;   ldr    x16, [x21]
;;   ldr    w16, [x16]
;;   cbz    w16, .L3
;;   mov    x17, x30
;;   b      kiln_unwind
;; .L3:
;;   ldr    x16, [x21]
;;   ldr    x17, [x16, #104]
;;   mov    sp, x17
;;   ldr    x29, [x16, #112]
;;   br     x0
;;   ldr    x21, [sp, #8]
;;   ldr    x0, [x21]
;;   ldr    x0, [x0, #96]
;;   b      .L1
;; .L4:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
