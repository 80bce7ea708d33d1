;; target = aarch64
;; option: epoch-interruption
;; option: consume-fuel
;; Epoch interruption and fuel: the epoch check at the entry and the loop header loads the store's
;; interrupt flag and calls an out-of-line stub that saves every caller-saved register when it is set
;; (cbnz); each block adds its fuel to a register and traps with b.gt once it is used up.
(module
  (func $spin (export "spin") (param $n i32) (result i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (local.get $n))
)

;; ---- expected ----
;; wasm[0]::spin:
;;   ldr    x16, [x21]
;;   ldr    x16, [x16, #16]
;;   sub    x17, sp, #0x10
;;   cmp    x17, x16
;; .L0:
;;   b.cc   .L10
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   ldr    x1, [x21]
;;   ldr    x2, [x1, #64]
;;   ldr    w30, [x21, #80]
;;   cbnz   w30, .L6
;; .L1:
;;   ldr    w30, [x21, #80]
;;   cbnz   w30, .L7
;; .L2:
;;   add    x3, x2, #0x6
;;   cmp    x3, #0x0
;; .L3:
;;   b.gt   .L11
;;   sub    w0, w0, #0x1
;;   cbz    w0, .L4
;;   mov    x2, x3
;;   b      .L1
;; .L4:
;;   add    x2, x2, #0x7
;;   cmp    x2, #0x0
;; .L5:
;;   b.gt   .L12
;;   str    x2, [x1, #64]
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L6:
;;   bl     .L8
;;   b      .L1
;; .L7:
;;   bl     .L8
;;   b      .L2
;; .L8:
;;   stp    x29, x30, [sp, #-16]!
;;   mov    x29, sp
;;   sub    sp, sp, #0x130
;;   stp    x0, x1, [sp]
;;   stp    x2, x3, [sp, #16]
;;   stp    x4, x5, [sp, #32]
;;   stp    x6, x7, [sp, #48]
;;   stp    x8, x9, [sp, #64]
;;   stp    x10, x11, [sp, #80]
;;   stp    x12, x13, [sp, #96]
;;   stp    x14, x15, [sp, #112]
;;   stp    d0, d1, [sp, #128]
;;   stp    d2, d3, [sp, #144]
;;   stp    d4, d5, [sp, #160]
;;   stp    d6, d7, [sp, #176]
;;   stp    d16, d17, [sp, #192]
;;   stp    d18, d19, [sp, #208]
;;   stp    d20, d21, [sp, #224]
;;   stp    d22, d23, [sp, #240]
;;   stp    d24, d25, [sp, #256]
;;   stp    d26, d27, [sp, #272]
;;   stp    d28, d29, [sp, #288]
;;   ldr    x0, [x21]
;;   ldr    x16, [x0, #72]
;;   blr    x16
;;   ldr    x16, [x21]
;;   ldr    w16, [x16]
;;   cbz    w16, .L9
;;   mov    x17, #0x0
;;   b      kiln_unwind
;; .L9:
;;   ldp    x0, x1, [sp]
;;   ldp    x2, x3, [sp, #16]
;;   ldp    x4, x5, [sp, #32]
;;   ldp    x6, x7, [sp, #48]
;;   ldp    x8, x9, [sp, #64]
;;   ldp    x10, x11, [sp, #80]
;;   ldp    x12, x13, [sp, #96]
;;   ldp    x14, x15, [sp, #112]
;;   ldp    d0, d1, [sp, #128]
;;   ldp    d2, d3, [sp, #144]
;;   ldp    d4, d5, [sp, #160]
;;   ldp    d6, d7, [sp, #176]
;;   ldp    d16, d17, [sp, #192]
;;   ldp    d18, d19, [sp, #208]
;;   ldp    d20, d21, [sp, #224]
;;   ldp    d22, d23, [sp, #240]
;;   ldp    d24, d25, [sp, #256]
;;   ldp    d26, d27, [sp, #272]
;;   ldp    d28, d29, [sp, #288]
;;   mov    sp, x29
;;   ldp    x29, x30, [sp], #16
;;   ret
;; .L10:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0xa
;;   str    w9, [x16]
;;   b      kiln_unwind
;; .L11:
;;   adr    x17, .L3
;;   b      .L13
;; .L12:
;;   adr    x17, .L5
;; .L13:
;;   ldr    x16, [x21]
;;   mov    w9, #0xe
;;   str    w9, [x16]
;;   b      kiln_unwind
