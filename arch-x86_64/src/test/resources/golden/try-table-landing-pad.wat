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
;;   jb     .L2
;;   push   rbx
;;   mov    rbx,rdi
;;   test   ebx,ebx
;;   jge    .L1
;;   xor    esi,esi
;;   mov    rdi,r14
;;   call   QWORD PTR [r14+0x40]
;;   mov    r11,QWORD PTR [r14]
;;   cmp    DWORD PTR [r11],0x0
;;   jne    .L3
;;   mov    DWORD PTR [rax+0x10],ebx
;;   mov    rsi,rax
;;   mov    rdi,r14
;;   lea    rdx,[rsp+0x8]
;;   mov    ecx,0x0
;;   call   QWORD PTR [r14+0x48]
;;   test   rax,rax
;;   jne    .L0
;;   mov    r11,QWORD PTR [r14]
;;   jmp    .L4
;; .L0:
;;   mov    r11,QWORD PTR [r14]
;;   mov    rsp,QWORD PTR [r11+0x68]
;;   jmp    rax
;; .L1:
;;   lea    eax,[rbx+rbx*2]
;;   pop    rbx
;;   ret
;; .L2:
;;   call   kiln_trap[stack_overflow]
;; .L3:
;;   call   kiln_unwind
;; .L4:
;;   call   kiln_unwind
;;
;; wasm[1]:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L3
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
;;   mov    r11,QWORD PTR [r14]
;;   mov    QWORD PTR [r11+0x60],0x0
;;   mov    rax,QWORD PTR [r14+0x8]
;;   mov    rax,QWORD PTR [rax]
;;   cmp    rax,QWORD PTR [rcx]
;;   jne    .L1
;;   mov    eax,DWORD PTR [rcx+0x10]
;;   not    eax
;;   add    rsp,0x10
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L1:
;;   mov    rsi,rcx
;;   mov    rdi,r14
;;   lea    rdx,[rsp+0x38]
;;   mov    ecx,0x0
;;   call   QWORD PTR [r14+0x48]
;;   test   rax,rax
;;   jne    .L2
;;   mov    r11,QWORD PTR [r14]
;;   jmp    .L4
;; .L2:
;;   mov    r11,QWORD PTR [r14]
;;   mov    rsp,QWORD PTR [r11+0x68]
;;   jmp    rax
;;   mov    r14,QWORD PTR [rsp]
;;   mov    rcx,QWORD PTR [r14]
;;   mov    rcx,QWORD PTR [rcx+0x60]
;;   jmp    .L0
;; .L3:
;;   call   kiln_trap[stack_overflow]
;; .L4:
;;   call   kiln_unwind
