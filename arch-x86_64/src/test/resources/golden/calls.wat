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

  (func $sum9 (export "sum9") (param i32 i64 i32 i64 i32 i64 i32 i64 i32) (param f64 f32 f64) (result i64)
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
  (func $leaf (export "leaf") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
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
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   push   rbx
;;   push   r12
;;   sub    rsp,0x8
;;   mov    rbx,rdi
;;   cmp    ebx,0x2
;;   jae    .L1
;;   mov    rax,rbx
;;   jmp    .L2
;; .L0:
;;   call   kiln_trap[stack_overflow]
;; .L1:
;;   lea    edi,[rbx-0x1]
;;   call   wasm[0]::fib
;;   mov    r12d,eax
;;   lea    edi,[rbx-0x2]
;;   call   wasm[0]::fib
;;   lea    eax,[r12+rax*1]
;; .L2:
;;   add    rsp,0x8
;;   pop    r12
;;   pop    rbx
;;   ret
;;
;; wasm[1]::sum9:
;;   push   rbx
;;   push   r12
;;   mov    rax,QWORD PTR [rsp+0x18]
;;   mov    rbx,QWORD PTR [rsp+0x20]
;;   mov    r12,QWORD PTR [rsp+0x28]
;;   lea    rdi,[rdi+rsi*1]
;;   movsxd rdx,edx
;;   lea    rdx,[rdx+rcx*1]
;;   lea    rdi,[rdi+rdx*1]
;;   lea    r8,[r8+r9*1]
;;   lea    rax,[rax+rbx*1]
;;   lea    r8,[r8+rax*1]
;;   cvtss2sd xmm1,xmm1
;;   addsd  xmm0,xmm1
;;   addsd  xmm0,xmm2
;;   cvttsd2si rax,xmm0
;;   cmp    rax,0x1
;;   jno    .L0
;;   ucomisd xmm0,xmm0
;;   jp     .L1
;;   ucomisd xmm0,QWORD PTR [rip+.L3]
;;   jne    .L2
;; .L0:
;;   lea    r12,[r12+rax*1]
;;   lea    r8,[r8+r12*1]
;;   lea    rax,[rdi+r8*1]
;;   pop    r12
;;   pop    rbx
;;   ret    0x20
;; .L1:
;;   call   kiln_trap[invalid_conversion_to_integer]
;; .L2:
;;   call   kiln_trap[integer_overflow]
;; .L3:
;;   .quad  0xc3e0000000000000
;;
;; wasm[2]::many_args:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   push   rbx
;;   push   r12
;;   sub    rsp,0x28
;;   mov    rax,rdi
;;   mov    edi,eax
;;   xorps  xmm2,xmm2
;;   cvtsi2sd xmm2,rax
;;   mov    edx,0x3
;;   mov    ecx,0x4
;;   mov    r8d,0x5
;;   mov    r9d,0x6
;;   mov    esi,0x7
;;   mov    ebx,0x8
;;   mov    r12d,0x9
;;   movsd  xmm0,QWORD PTR [rip+.L1]
;;   movss  xmm1,DWORD PTR [rip+.L2]
;;   mov    QWORD PTR [rsp],rsi
;;   mov    QWORD PTR [rsp+0x8],rbx
;;   mov    QWORD PTR [rsp+0x10],r12
;;   mov    rsi,rax
;;   call   wasm[1]::sum9
;;   sub    rsp,0x20
;;   add    rsp,0x28
;;   pop    r12
;;   pop    rbx
;;   ret
;; .L0:
;;   call   kiln_trap[stack_overflow]
;;   nop    WORD PTR [rax+rax*1+0x0]
;; .L1:
;;   .quad  0x3ff8000000000000
;; .L2:
;;   .long  0x40200000
;;
;; wasm[3]::leaf:
;;   lea    eax,[rdi+rdi*2]
;;   ret
;;
;; wasm[4]::three_calls:
;;   lea    eax,[rdi+rdi*2]
;;   lea    ecx,[rdi+0x1]
;;   lea    ecx,[rcx+rcx*2]
;;   lea    edx,[rdi+0x2]
;;   lea    edx,[rdx+rdx*2]
;;   lea    eax,[rax+rcx*1]
;;   lea    edx,[rdx+rdi*1]
;;   lea    eax,[rax+rdx*1]
;;   ret
