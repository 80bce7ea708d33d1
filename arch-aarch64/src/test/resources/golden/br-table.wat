;; target = aarch64
;; br_table: a bounds check to the default target, then adr of a table of 32-bit offsets after the code,
;; ldrsw of the entry and br.
(module
  (func $classify (export "classify") (param $x i32) (result i32)
    (block $d
      (block $c2
        (block $c1
          (block $c0
            (br_table $c0 $c1 $c2 $d (local.get $x)))
          (return (i32.const 10)))
        (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
)

;; ---- expected ----
;; wasm[0]::classify:
;;   cmp    w0, #0x3
;;   b.cs   .L0
;;   adr    x16, .L1
;;   ldrsw  x17, [x16, x0, lsl #2]
;;   add    x16, x16, x17
;;   br     x16
;;   mov    w0, #0xa
;;   ret
;;   mov    w0, #0x14
;;   ret
;;   mov    w0, #0x1e
;;   ret
;; .L0:
;;   mov    w0, #0x28
;;   ret
;; .L1:
;;   .word  0xffffffe0
;;   .word  0xffffffe8
;;   .word  0xfffffff0
