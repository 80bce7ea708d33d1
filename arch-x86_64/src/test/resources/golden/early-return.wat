;; Shrink-wrapping: an early return at the top of a function that saves registers runs before they
;; are pushed ($fib's n < 2 is cmp, jge, mov, ret after the stack check), and the other edge of the
;; entry branch pushes them; $sum_list walks a linked list recursively with a null test first.
(module
  (memory 1)
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func $sum_list (export "sum_list") (param $p i32) (result i32)
    (if (result i32) (i32.eqz (local.get $p))
      (then (i32.const 0))
      (else (i32.add (i32.load (local.get $p))
                     (call $sum_list (i32.load offset=4 (local.get $p)))))))
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
;;   jge    .L1
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
;; wasm[1]::sum_list:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   test   edi,edi
;;   jne    .L0
;;   xor    eax,eax
;;   ret
;; .L0:
;;   push   rbx
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x8]
;;   cmp    rdi,rax
;;   jg     .L2
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    ebx,DWORD PTR [rax+rdi*1]
;;   mov    edi,DWORD PTR [rax+rdi*1+0x4]
;;   call   wasm[1]::sum_list
;;   lea    eax,[rbx+rax*1]
;;   pop    rbx
;;   ret
;; .L1:
;;   call   kiln_trap[stack_overflow]
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
