;; Epoch interruption and fuel metering compiled in (off by default: no other golden file has any
;; check). Pins down the epoch check at the function entry and the loop header (a compare of the
;; store's interrupt flag with 0, the store context kept in a register across the loop, and a branch
;; to the out-of-line slow path that calls the function's epoch stub and jumps back), the stub that
;; keeps every caller-saved register across the libcall, and the fuel charge first in each basic block
;; (the fuel consumed lives in a register: an add and a branch to the `all fuel consumed` trap stub;
;; it is loaded from the store context at the entry and stored back before the return).
;; option: epoch-interruption
;; option: consume-fuel
(module
  (func $count (export "count") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))

;; ---- expected ----
;; wasm[0]::count:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L3
;;   mov    rax,QWORD PTR [r14]
;;   mov    rcx,QWORD PTR [rax+0x40]
;;   cmp    DWORD PTR [r14+0x50],0x0
;;   jne    .L7
;; .L0:
;;   xor    edx,edx
;; .L1:
;;   cmp    DWORD PTR [r14+0x50],0x0
;;   jne    .L8
;; .L2:
;;   lea    rsi,[rcx+0x8]
;;   test   rsi,rsi
;;   jg     .L4
;;   lea    edx,[rdx+0x1]
;;   cmp    edx,edi
;;   jae    .L5
;;   mov    rcx,rsi
;;   jmp    .L1
;; .L3:
;;   call   kiln_trap[stack_overflow]
;; .L4:
;;   call   kiln_trap[out_of_fuel]
;; .L5:
;;   lea    rcx,[rcx+0x9]
;;   test   rcx,rcx
;;   jg     .L6
;;   mov    QWORD PTR [rax+0x40],rcx
;;   mov    eax,edx
;;   ret
;; .L6:
;;   call   kiln_trap[out_of_fuel]
;; .L7:
;;   call   .L9
;;   jmp    .L0
;; .L8:
;;   call   .L9
;;   jmp    .L2
;; .L9:
;;   push   rbp
;;   mov    rbp,rsp
;;   and    rsp,0xfffffffffffffff0
;;   sub    rsp,0x140
;;   mov    QWORD PTR [rsp+0x100],rax
;;   mov    QWORD PTR [rsp+0x108],rcx
;;   mov    QWORD PTR [rsp+0x110],rdx
;;   mov    QWORD PTR [rsp+0x118],rsi
;;   mov    QWORD PTR [rsp+0x120],rdi
;;   mov    QWORD PTR [rsp+0x128],r8
;;   mov    QWORD PTR [rsp+0x130],r9
;;   movups XMMWORD PTR [rsp],xmm0
;;   movups XMMWORD PTR [rsp+0x10],xmm1
;;   movups XMMWORD PTR [rsp+0x20],xmm2
;;   movups XMMWORD PTR [rsp+0x30],xmm3
;;   movups XMMWORD PTR [rsp+0x40],xmm4
;;   movups XMMWORD PTR [rsp+0x50],xmm5
;;   movups XMMWORD PTR [rsp+0x60],xmm6
;;   movups XMMWORD PTR [rsp+0x70],xmm7
;;   movups XMMWORD PTR [rsp+0x80],xmm8
;;   movups XMMWORD PTR [rsp+0x90],xmm9
;;   movups XMMWORD PTR [rsp+0xa0],xmm10
;;   movups XMMWORD PTR [rsp+0xb0],xmm11
;;   movups XMMWORD PTR [rsp+0xc0],xmm12
;;   movups XMMWORD PTR [rsp+0xd0],xmm13
;;   movups XMMWORD PTR [rsp+0xe0],xmm14
;;   movups XMMWORD PTR [rsp+0xf0],xmm15
;;   mov    rdi,QWORD PTR [r14]
;;   call   QWORD PTR [rdi+0x48]
;;   mov    r11,QWORD PTR [r14]
;;   cmp    DWORD PTR [r11],0x0
;;   je     .L10
;;   mov    rsp,rbp
;;   pop    rbp
;;   jmp    kiln_unwind
;; .L10:
;;   movups xmm0,XMMWORD PTR [rsp]
;;   movups xmm1,XMMWORD PTR [rsp+0x10]
;;   movups xmm2,XMMWORD PTR [rsp+0x20]
;;   movups xmm3,XMMWORD PTR [rsp+0x30]
;;   movups xmm4,XMMWORD PTR [rsp+0x40]
;;   movups xmm5,XMMWORD PTR [rsp+0x50]
;;   movups xmm6,XMMWORD PTR [rsp+0x60]
;;   movups xmm7,XMMWORD PTR [rsp+0x70]
;;   movups xmm8,XMMWORD PTR [rsp+0x80]
;;   movups xmm9,XMMWORD PTR [rsp+0x90]
;;   movups xmm10,XMMWORD PTR [rsp+0xa0]
;;   movups xmm11,XMMWORD PTR [rsp+0xb0]
;;   movups xmm12,XMMWORD PTR [rsp+0xc0]
;;   movups xmm13,XMMWORD PTR [rsp+0xd0]
;;   movups xmm14,XMMWORD PTR [rsp+0xe0]
;;   movups xmm15,XMMWORD PTR [rsp+0xf0]
;;   mov    rax,QWORD PTR [rsp+0x100]
;;   mov    rcx,QWORD PTR [rsp+0x108]
;;   mov    rdx,QWORD PTR [rsp+0x110]
;;   mov    rsi,QWORD PTR [rsp+0x118]
;;   mov    rdi,QWORD PTR [rsp+0x120]
;;   mov    r8,QWORD PTR [rsp+0x128]
;;   mov    r9,QWORD PTR [rsp+0x130]
;;   mov    rsp,rbp
;;   pop    rbp
;;   ret
