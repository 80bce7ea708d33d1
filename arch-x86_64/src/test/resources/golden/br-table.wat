;; br_table: a dense switch with a default. A careful lowering is one bounds compare, a jump
;; through a table of code offsets (or a short compare chain for few targets), and each case
;; block reaching the join with its value in the result register.
(module
  (func $switch (export "switch") (param $k i32) (result i32)
    (block $default
      (block $c3
        (block $c2
          (block $c1
            (block $c0
              (br_table $c0 $c1 $c2 $c3 $default (local.get $k)))
            (return (i32.const 100)))
          (return (i32.const 201)))
        (return (i32.add (local.get $k) (i32.const 300))))
      (return (i32.mul (local.get $k) (i32.const 7))))
    (i32.const -1))

  ;; A br_table carrying a value to its targets (the block results).
  (func $pick (export "pick") (param $k i32) (param $v i32) (result i32)
    (block $b (result i32)
      (block $a (result i32)
        (br_table $a $b $a (i32.add (local.get $v) (i32.const 1)) (local.get $k)))
      (i32.const 10)
      (i32.mul))
    )
)

;; ---- expected ----
;; wasm[0]::switch:
;;   cmp    edi,0x4
;;   jae    .L4
;;   lea    r10,[rip+.L5]
;;   movsxd r11,DWORD PTR [r10+rdi*4]
;;   add    r10,r11
;;   jmp    r10
;; .L0:
;;   mov    eax,0x64
;;   ret
;; .L1:
;;   mov    eax,0xc9
;;   ret
;; .L2:
;;   lea    eax,[rdi+0x12c]
;;   ret
;; .L3:
;;   imul   eax,edi,0x7
;;   ret
;; .L4:
;;   mov    eax,0xffffffff
;;   ret
;;   nop
;; .L5:
;;   .long  .L0-.L5
;;   .long  .L1-.L5
;;   .long  .L2-.L5
;;   .long  .L3-.L5
;;
;; wasm[1]::pick:
;;   lea    esi,[rsi+0x1]
;;   cmp    edi,0x2
;;   jae    .L1
;;   lea    r10,[rip+.L3]
;;   movsxd r11,DWORD PTR [r10+rdi*4]
;;   add    r10,r11
;;   jmp    r10
;; .L0:
;;   mov    rax,rsi
;;   jmp    .L2
;; .L1:
;;   imul   eax,esi,0xa
;; .L2:
;;   ret
;;   xchg   ax,ax
;; .L3:
;;   .long  .L1-.L3
;;   .long  .L0-.L3
