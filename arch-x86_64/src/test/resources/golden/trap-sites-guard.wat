;; Trap sites of code compiled with guard-page bounds checks: each is a 3-byte ud1 out of line,
;; whose ModRM byte is 0xC0 | the trap code (the golden notes the code after it), instead of a
;; 5-byte call to the module's trap stub. The guard-page signal handler takes the SIGILL, reads the
;; code, pushes the address after the ud1 as the stub's call would push its return address (the
;; trap's frame site), and unwinds. Here: signed division (divide by zero, overflow), call_indirect
;; (undefined element, uninitialized element, type mismatch), unreachable in line, and the stack
;; check of a function that calls.
;; option: guard-bounds-checks
(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $indirect (export "indirect") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 0) (local.get 1)))
  (func $abort (export "abort") (param i32) (result i32)
    (if (local.get 0) (then unreachable))
    (call_indirect (type $t) (local.get 0) (local.get 0))))

;; ---- expected ----
;; wasm[0]::div:
;;   mov    eax,edi
;;   test   esi,esi
;;   je     .L1
;;   cmp    esi,0xffffffff
;;   jne    .L0
;;   cmp    eax,0x80000000
;;   je     .L2
;; .L0:
;;   cdq
;;   idiv   esi
;;   ret
;; .L1:
;;   ud1    eax,edx  ; trap integer_divide_by_zero
;; .L2:
;;   ud1    eax,ebx  ; trap integer_overflow
;;
;; wasm[1]::indirect:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   sub    rsp,0x8
;;   mov    rax,QWORD PTR [r14+0x58]
;;   cmp    esi,DWORD PTR [rax+0x8]
;;   jae    .L1
;;   mov    rax,QWORD PTR [rax]
;;   mov    rax,QWORD PTR [rax+rsi*8]
;;   test   rax,rax
;;   je     .L2
;;   mov    ecx,DWORD PTR [r14+0x60]
;;   cmp    ecx,DWORD PTR [rax+0x18]
;;   jne    .L3
;;   mov    QWORD PTR [rsp],r14
;;   mov    r10,QWORD PTR [rax+0x10]
;;   mov    r14,QWORD PTR [rax+0x8]
;;   call   QWORD PTR [rax]
;;   mov    r14,QWORD PTR [rsp]
;;   add    rsp,0x8
;;   ret
;; .L0:
;;   ud1    ecx,edx  ; trap stack_overflow
;; .L1:
;;   ud1    eax,edi  ; trap undefined_element
;; .L2:
;;   ud1    ecx,eax  ; trap uninitialized_element
;; .L3:
;;   ud1    ecx,ecx  ; trap indirect_call_type_mismatch
;;
;; wasm[2]::abort:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   sub    rsp,0x8
;;   test   edi,edi
;;   jne    .L1
;;   mov    rax,QWORD PTR [r14+0x58]
;;   cmp    edi,DWORD PTR [rax+0x8]
;;   jae    .L2
;;   mov    rax,QWORD PTR [rax]
;;   mov    rax,QWORD PTR [rax+rdi*8]
;;   test   rax,rax
;;   je     .L3
;;   mov    ecx,DWORD PTR [r14+0x60]
;;   cmp    ecx,DWORD PTR [rax+0x18]
;;   jne    .L4
;;   mov    QWORD PTR [rsp],r14
;;   mov    r10,QWORD PTR [rax+0x10]
;;   mov    r14,QWORD PTR [rax+0x8]
;;   call   QWORD PTR [rax]
;;   mov    r14,QWORD PTR [rsp]
;;   add    rsp,0x8
;;   ret
;; .L0:
;;   ud1    ecx,edx  ; trap stack_overflow
;; .L1:
;;   ud1    eax,ecx  ; trap unreachable
;; .L2:
;;   ud1    eax,edi  ; trap undefined_element
;; .L3:
;;   ud1    ecx,eax  ; trap uninitialized_element
;; .L4:
;;   ud1    ecx,ecx  ; trap indirect_call_type_mismatch
