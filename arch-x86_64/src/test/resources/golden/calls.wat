;; Call-heavy code. $fib is the classic doubly recursive Fibonacci: two direct calls per
;; activation, a value (the first call's result) live across the second call, the stack-limit
;; check in every prologue. $many_args calls a function with 9 integer and 3 float arguments, so
;; arguments 7..9 go to the outgoing stack area; $sum9 reads them back from the caller's frame.
(module
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func $sum9 (param i32 i64 i32 i64 i32 i64 i32 i64 i32) (param f64 f32 f64) (result i64)
    (i64.add
      (i64.add
        (i64.add (i64.extend_i32_u (local.get 0)) (local.get 1))
        (i64.add (i64.extend_i32_s (local.get 2)) (local.get 3)))
      (i64.add
        (i64.add
          (i64.add (i64.extend_i32_u (local.get 4)) (local.get 5))
          (i64.add (i64.extend_i32_u (local.get 6)) (local.get 7)))
        (i64.add
          (i64.extend_i32_u (local.get 8))
          (i64.trunc_f64_s
            (f64.add (f64.add (local.get 9) (f64.promote_f32 (local.get 10))) (local.get 11)))))))

  (func $many_args (export "many_args") (param $x i64) (result i64)
    (call $sum9
      (i32.wrap_i64 (local.get $x)) (local.get $x)
      (i32.const 3) (i64.const 4) (i32.const 5) (i64.const 6)
      (i32.const 7) (i64.const 8) (i32.const 9)
      (f64.const 1.5) (f32.const 2.5) (f64.convert_i64_s (local.get $x))))

  ;; Three calls in a row whose results are all needed at the end: what survives a call
  ;; must live in a callee-saved register or a spill slot.
  (func $leaf (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $three_calls (export "three_calls") (param $a i32) (result i32)
    (local $x i32) (local $y i32) (local $z i32)
    (local.set $x (call $leaf (local.get $a)))
    (local.set $y (call $leaf (i32.add (local.get $a) (i32.const 1))))
    (local.set $z (call $leaf (i32.add (local.get $a) (i32.const 2))))
    (i32.add (i32.add (local.get $x) (local.get $y)) (i32.add (local.get $z) (local.get $a))))
)

;; ---- expected ----
;; wasm[0]::fib:
;;   mov    r11,QWORD PTR [r14]
;;   lea    r10,[rsp-0x18]
;;   cmp    r10,QWORD PTR [r11+0x10]
;;   jb     .L2
;;   push   rbx
;;   push   r12
;;   sub    rsp,0x8
;;   mov    rbx,rdi
;;   cmp    ebx,0x2
;;   jae    .L0
;;   mov    rax,rbx
;;   jmp    .L1
;; .L0:
;;   mov    edi,ebx
;;   sub    edi,0x1
;;   call   wasm[0]::fib
;;   mov    r12d,eax
;;   mov    edi,ebx
;;   sub    edi,0x2
;;   call   wasm[0]::fib
;;   add    r12d,eax
;;   mov    rax,r12
;; .L1:
;;   add    rsp,0x8
;;   pop    r12
;;   pop    rbx
;;   ret
;; .L2:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0xa
;;   jmp    kiln_unwind
;;
;; wasm[1]::sum9:
;;   mov    r11,QWORD PTR [r14]
;;   lea    r10,[rsp-0x10]
;;   cmp    r10,QWORD PTR [r11+0x10]
;;   jb     .L3
;;   push   rbx
;;   push   r12
;;   mov    rax,QWORD PTR [rsp+0x18]
;;   mov    rbx,QWORD PTR [rsp+0x20]
;;   mov    r12,QWORD PTR [rsp+0x28]
;;   mov    edi,edi
;;   add    rdi,rsi
;;   movsxd rdx,edx
;;   add    rdx,rcx
;;   add    rdi,rdx
;;   mov    ecx,r8d
;;   add    rcx,r9
;;   mov    eax,eax
;;   add    rax,rbx
;;   add    rcx,rax
;;   mov    eax,r12d
;;   cvtss2sd xmm1,xmm1
;;   addsd  xmm0,xmm1
;;   addsd  xmm0,xmm2
;;   cvttsd2si rdx,xmm0
;;   cmp    rdx,0x1
;;   jno    .L0
;;   ucomisd xmm0,xmm0
;;   jp     .L2
;;   ucomisd xmm0,QWORD PTR [rip+.L4]
;;   jne    .L1
;; .L0:
;;   add    rax,rdx
;;   add    rcx,rax
;;   mov    rax,rdi
;;   add    rax,rcx
;;   pop    r12
;;   pop    rbx
;;   ret
;; .L1:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0x3
;;   jmp    kiln_unwind
;; .L2:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0x4
;;   jmp    kiln_unwind
;; .L3:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0xa
;;   jmp    kiln_unwind
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax+0x0]
;; .L4:
;;   .quad  0xc3e0000000000000
;;   .quad  0x0
;;
;; wasm[2]::many_args:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L3
;;   mov    eax,edi
;;   xorps  xmm0,xmm0
;;   cvtsi2sd xmm0,rdi
;;   mov    eax,eax
;;   add    rax,rdi
;;   add    rax,0x7
;;   movabs r11,0x4010000000000000
;;   movq   xmm1,r11
;;   addsd  xmm1,xmm0
;;   cvttsd2si rcx,xmm1
;;   cmp    rcx,0x1
;;   jno    .L0
;;   ucomisd xmm1,xmm1
;;   jp     .L2
;;   ucomisd xmm1,QWORD PTR [rip+.L4]
;;   jne    .L1
;; .L0:
;;   add    rcx,0x9
;;   add    rcx,0x1a
;;   add    rax,rcx
;;   ret
;; .L1:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0x3
;;   jmp    kiln_unwind
;; .L2:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0x4
;;   jmp    kiln_unwind
;; .L3:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0xa
;;   jmp    kiln_unwind
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax+0x0]
;; .L4:
;;   .quad  0xc3e0000000000000
;;   .quad  0x0
;;
;; wasm[3]::leaf:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   imul   eax,edi,0x3
;;   ret
;; .L0:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0xa
;;   jmp    kiln_unwind
;;
;; wasm[4]::three_calls:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   imul   eax,edi,0x3
;;   mov    ecx,edi
;;   add    ecx,0x1
;;   imul   ecx,ecx,0x3
;;   mov    edx,edi
;;   add    edx,0x2
;;   imul   edx,edx,0x3
;;   add    eax,ecx
;;   add    edx,edi
;;   add    eax,edx
;;   ret
;; .L0:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0xa
;;   jmp    kiln_unwind
