;; Instruction selection of bit tests and small multiplications: an and whose only use is a comparison
;; with zero becomes test (with an immediate or a register; the and itself is not computed), and a
;; multiplication by 3, 5 or 9 is one lea, with an added constant folded into its displacement
;; ($collatz_step is the step of the Collatz kernel: test + lea + cmov, no and, imul or second lea).
;; An i32 address x * 4 + 1024 that may wrap (x unbounded) is one 32-bit lea without a base register,
;; which wraps as the Wasm add does ($word_at: the stack slot of an interpreter's operand stack).
(module
  (func $bit_set (export "bit_set") (param $x i32) (result i32)
    (i32.ne (i32.and (local.get $x) (i32.const 8)) (i32.const 0)))

  (func $collatz_step (export "collatz_step") (param $x i64) (result i64)
    (select
      (i64.shr_u (local.get $x) (i64.const 1))
      (i64.add (i64.mul (local.get $x) (i64.const 3)) (i64.const 1))
      (i64.eqz (i64.and (local.get $x) (i64.const 1)))))

  (func $any_common (export "any_common") (param $a i32) (param $b i32) (result i32)
    (if (result i32) (i32.eqz (i32.and (local.get $a) (local.get $b)))
      (then (i32.const 10))
      (else (i32.const 20))))

  (func $times5_plus7 (export "times5_plus7") (param $x i32) (result i32)
    (i32.add (i32.const 7) (i32.mul (local.get $x) (i32.const 5))))

  (func $and_kept (export "and_kept") (param $x i32) (result i32)
    ;; the and has a second use: it is computed, and the comparison tests its result
    (local $m i32)
    (local.set $m (i32.and (local.get $x) (i32.const 12)))
    (select (local.get $m) (i32.const 1) (local.get $m)))

  (func $word_at (export "word_at") (param $x i32) (result i32)
    (i32.load (i32.add (i32.shl (local.get $x) (i32.const 2)) (i32.const 1024))))
  (memory 1)
)

;; ---- expected ----
;; wasm[0]::bit_set:
;;   test   edi,0x8
;;   setne  al
;;   movzx  eax,al
;;   ret
;;
;; wasm[1]::collatz_step:
;;   mov    rax,rdi
;;   shr    rax,1
;;   lea    rcx,[rdi+rdi*2+0x1]
;;   test   rdi,0x1
;;   cmovne rax,rcx
;;   ret
;;
;; wasm[2]::any_common:
;;   test   edi,esi
;;   jne    .L0
;;   mov    eax,0xa
;;   jmp    .L1
;; .L0:
;;   mov    eax,0x14
;; .L1:
;;   ret
;;
;; wasm[3]::times5_plus7:
;;   lea    eax,[rdi+rdi*4+0x7]
;;   ret
;;
;; wasm[4]::and_kept:
;;   and    edi,0xc
;;   mov    eax,0x1
;;   test   edi,edi
;;   cmove  edi,eax
;;   mov    eax,edi
;;   ret
;;
;; wasm[5]::word_at:
;;   lea    eax,[rdi*4+0x400]
;;   mov    rcx,QWORD PTR [r14+0x60]
;;   lea    rcx,[rcx-0x4]
;;   cmp    rax,rcx
;;   jg     .L0
;;   mov    rcx,QWORD PTR [r14+0x58]
;;   mov    eax,DWORD PTR [rcx+rax*1]
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
