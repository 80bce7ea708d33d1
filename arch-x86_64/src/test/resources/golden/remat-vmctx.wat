;; A spilled value that the VMContext holds is read from there, not from a stack slot
;; (X86_64Backend.markRematerializable). The linear memory's base address, an invariant 64-bit field
;; at [r14+0x58], is loaded once into r12 for the first load; across the eight calls the
;; callee-saved registers go to the call results, and the base's interval is spilled. Its spill
;; stores nothing and takes no stack slot (the frame holds four spilled i32 values and the saved
;; r14), and it is spilled only up to its next use: the store after the last call loads it again
;; from [r14+0x58] into a register of its own (LinearScan.spillUntilNextUse), not from the frame.
;; option: guard-bounds-checks
(module
  (import "env" "g" (func $g (param i32) (result i32)))
  (memory 1)
  (func $sum (export "sum") (param $p i32) (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $i i32)
    (local.set $i (i32.load (local.get $p)))
    (local.set $a (call $g (local.get $n)))
    (local.set $b (call $g (local.get $a)))
    (local.set $c (call $g (local.get $b)))
    (local.set $d (call $g (local.get $c)))
    (local.set $e (call $g (local.get $d)))
    (local.set $f (call $g (local.get $e)))
    (local.set $n (call $g (i32.mul (local.get $a) (i32.add (local.get $b) (i32.mul (local.get $c) (i32.add (local.get $d) (i32.mul (local.get $e) (local.get $f))))))))
    (local.set $n (call $g (i32.mul (local.get $n) (i32.add (local.get $b) (i32.mul (local.get $c) (i32.add (local.get $d) (i32.mul (local.get $e) (local.get $f))))))))
    (i32.store offset=4 (local.get $p) (local.get $n))
    (i32.add (local.get $i) (i32.add (local.get $a) (i32.mul (local.get $b) (i32.add (local.get $c) (i32.mul (local.get $d) (i32.add (local.get $e) (local.get $f)))))))))

;; ---- expected ----
;; wasm[1]::sum:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x30
;;   mov    rbx,rdi
;;   mov    r12,QWORD PTR [r14+0x58]
;;   mov    r13d,DWORD PTR [r12+rbx*1]
;;   mov    edi,esi
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    r15d,eax
;;   mov    edi,r15d
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    ebp,eax
;;   mov    edi,ebp
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    edi,eax
;;   mov    QWORD PTR [rsp+0x10],r13
;;   mov    r13,rax
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    edi,eax
;;   mov    QWORD PTR [rsp],r13
;;   mov    r13,rax
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    edi,eax
;;   mov    QWORD PTR [rsp+0x8],rbx
;;   mov    rbx,rax
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    ecx,ebx
;;   imul   ecx,eax
;;   lea    ecx,[rcx+r13*1]
;;   imul   ecx,DWORD PTR [rsp]
;;   lea    ecx,[rcx+rbp*1]
;;   mov    edi,r15d
;;   imul   edi,ecx
;;   mov    QWORD PTR [rsp+0x18],r13
;;   mov    r13,rax
;;   mov    r12,rcx
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    edi,eax
;;   imul   edi,r12d
;;   mov    QWORD PTR [rsp+0x20],r14
;;   mov    r11,QWORD PTR [r14+0x78]
;;   mov    r10,QWORD PTR [r14+0x88]
;;   mov    r14,QWORD PTR [r14+0x80]
;;   call   r11
;;   mov    r14,QWORD PTR [rsp+0x20]
;;   mov    rcx,QWORD PTR [r14+0x58]
;;   mov    r10,QWORD PTR [rsp+0x8]
;;   mov    DWORD PTR [rcx+r10*1+0x4],eax
;;   lea    eax,[rbx+r13*1]
;;   imul   eax,DWORD PTR [rsp+0x18]
;;   add    eax,DWORD PTR [rsp]
;;   imul   eax,ebp
;;   lea    eax,[rax+r15*1]
;;   add    eax,DWORD PTR [rsp+0x10]
;;   add    rsp,0x30
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L0:
;;   ud1    ecx,edx  ; trap stack_overflow
