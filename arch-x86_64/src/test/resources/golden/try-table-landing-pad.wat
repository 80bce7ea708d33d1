;; A call inside a try_table with a catch clause: on the normal path nothing follows the call but the
;; use of its result (no test for a pending exception); the unwinder resumes at the call's landing pad
;; after the function's code, which reloads the VMContext, reads the pending exception, clears it and
;; dispatches on its tag.
(module
  (tag $e (param i32))
  (func $may_throw (param $x i32) (result i32)
    (if (i32.lt_s (local.get $x) (i32.const 0)) (then (throw $e (local.get $x))))
    (i32.mul (local.get $x) (i32.const 3)))
  (func (export "guarded") (param $x i32) (result i32)
    (block $caught (result i32)
      (try_table (catch $e $caught)
        (return (i32.add (call $may_throw (local.get $x)) (i32.const 1))))
      (unreachable))
    (i32.xor (i32.const -1))))

;; ---- expected ----
;; wasm[0]::may_throw:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   push   rbx
;;   mov    rbx,rdi
;;   test   ebx,ebx
;;   jge    .L4
;;   xor    esi,esi
;;   mov    rdi,r14
;;   call   QWORD PTR [r14+0x40]
;;   mov    r11,QWORD PTR [r14]
;;   cmp    DWORD PTR [r11],0x0
;;   jne    .L2
;;   mov    DWORD PTR [rax+0x10],ebx
;;   mov    rsi,rax
;;   mov    rdi,r14
;;   lea    rdx,[rsp+0x8]
;;   mov    ecx,0x0
;;   call   QWORD PTR [r14+0x48]
;;   test   rax,rax
;;   jne    .L0
;;   mov    r11,QWORD PTR [r14]
;;   jmp    .L3
;; .L0:
;;   mov    r11,QWORD PTR [r14]
;;   mov    rsp,QWORD PTR [r11+0x68]
;;   jmp    rax
;; .L1:
;;   call   kiln_trap[stack_overflow]
;; .L2:
;;   call   kiln_unwind
;; .L3:
;;   call   kiln_unwind
;; .L4:
;;   lea    eax,[rbx+rbx*2]
;;   pop    rbx
;;   ret
;;
;; wasm[1]:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x10
;;   mov    QWORD PTR [rsp],r14
;;   call   wasm[0]::may_throw
;;   mov    r14,QWORD PTR [rsp]
;;   lea    eax,[rax+0x1]
;;   add    rsp,0x10
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L0:
;;   call   kiln_trap[stack_overflow]
;; .L1:
;;   mov    r11,QWORD PTR [r14]
;;   mov    QWORD PTR [r11+0x60],0x0
;;   mov    rax,QWORD PTR [r14+0x8]
;;   mov    rax,QWORD PTR [rax]
;;   cmp    rax,QWORD PTR [rcx]
;;   jne    .L2
;;   mov    eax,DWORD PTR [rcx+0x10]
;;   not    eax
;;   add    rsp,0x10
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L2:
;;   mov    rsi,rcx
;;   mov    rdi,r14
;;   lea    rdx,[rsp+0x38]
;;   mov    ecx,0x0
;;   call   QWORD PTR [r14+0x48]
;;   test   rax,rax
;;   jne    .L3
;;   mov    r11,QWORD PTR [r14]
;;   jmp    .L4
;; .L3:
;;   mov    r11,QWORD PTR [r14]
;;   mov    rsp,QWORD PTR [r11+0x68]
;;   jmp    rax
;; .L4:
;;   call   kiln_unwind
;;   mov    r14,QWORD PTR [rsp]
;;   mov    rcx,QWORD PTR [r14]
;;   mov    rcx,QWORD PTR [rcx+0x60]
;;   jmp    .L1
