;; More live values than registers: sixteen loads from memory are all live until the final
;; combination, which uses each value twice (so nothing can be folded early). With 12 allocatable
;; general-purpose registers the allocator has to spill; the golden output shows which values it
;; spills, where the spill code goes and how the reloads are folded (or not) into the arithmetic.
(module
  (memory 1)
  (func $pressure (export "pressure") (param $p i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32)
    (local $e i32) (local $f i32) (local $g i32) (local $h i32)
    (local $i i32) (local $j i32) (local $k i32) (local $l i32)
    (local $m i32) (local $n i32) (local $o i32) (local $q i32)
    (local.set $a (i32.load offset=0 (local.get $p)))
    (local.set $b (i32.load offset=4 (local.get $p)))
    (local.set $c (i32.load offset=8 (local.get $p)))
    (local.set $d (i32.load offset=12 (local.get $p)))
    (local.set $e (i32.load offset=16 (local.get $p)))
    (local.set $f (i32.load offset=20 (local.get $p)))
    (local.set $g (i32.load offset=24 (local.get $p)))
    (local.set $h (i32.load offset=28 (local.get $p)))
    (local.set $i (i32.load offset=32 (local.get $p)))
    (local.set $j (i32.load offset=36 (local.get $p)))
    (local.set $k (i32.load offset=40 (local.get $p)))
    (local.set $l (i32.load offset=44 (local.get $p)))
    (local.set $m (i32.load offset=48 (local.get $p)))
    (local.set $n (i32.load offset=52 (local.get $p)))
    (local.set $o (i32.load offset=56 (local.get $p)))
    (local.set $q (i32.load offset=60 (local.get $p)))
    (i32.add
      (i32.xor
        (i32.add (i32.add (i32.add (local.get $a) (local.get $b)) (i32.add (local.get $c) (local.get $d)))
                 (i32.add (i32.add (local.get $e) (local.get $f)) (i32.add (local.get $g) (local.get $h))))
        (i32.add (i32.add (i32.add (local.get $i) (local.get $j)) (i32.add (local.get $k) (local.get $l)))
                 (i32.add (i32.add (local.get $m) (local.get $n)) (i32.add (local.get $o) (local.get $q)))))
      (i32.mul
        (i32.sub (i32.sub (i32.sub (local.get $a) (local.get $b)) (i32.sub (local.get $c) (local.get $d)))
                 (i32.sub (i32.sub (local.get $e) (local.get $f)) (i32.sub (local.get $g) (local.get $h))))
        (i32.sub (i32.sub (i32.sub (local.get $i) (local.get $j)) (i32.sub (local.get $k) (local.get $l)))
                 (i32.sub (i32.sub (local.get $m) (local.get $n)) (i32.sub (local.get $o) (local.get $q)))))))
)

;; ---- expected ----
;; wasm[0]::pressure:
;;   mov    r11,QWORD PTR [r14]
;;   lea    r10,[rsp-0x68]
;;   cmp    r10,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x40
;;   mov    eax,edi
;;   mov    rcx,QWORD PTR [r14+0x68]
;;   mov    rdx,rax
;;   add    rdx,0x4
;;   cmp    rdx,rcx
;;   ja     .L0
;;   mov    rcx,QWORD PTR [r14+0x60]
;;   mov    eax,DWORD PTR [rcx+rax*1]
;;   mov    ecx,edi
;;   mov    rdx,QWORD PTR [r14+0x68]
;;   mov    rsi,rcx
;;   add    rsi,0x8
;;   cmp    rsi,rdx
;;   ja     .L0
;;   mov    rdx,QWORD PTR [r14+0x60]
;;   mov    ecx,DWORD PTR [rdx+rcx*1+0x4]
;;   mov    edx,edi
;;   mov    rsi,QWORD PTR [r14+0x68]
;;   mov    r8,rdx
;;   add    r8,0xc
;;   cmp    r8,rsi
;;   ja     .L0
;;   mov    rsi,QWORD PTR [r14+0x60]
;;   mov    edx,DWORD PTR [rsi+rdx*1+0x8]
;;   mov    esi,edi
;;   mov    r8,QWORD PTR [r14+0x68]
;;   mov    r9,rsi
;;   add    r9,0x10
;;   cmp    r9,r8
;;   ja     .L0
;;   mov    r8,QWORD PTR [r14+0x60]
;;   mov    esi,DWORD PTR [r8+rsi*1+0xc]
;;   mov    r8d,edi
;;   mov    r9,QWORD PTR [r14+0x68]
;;   mov    rbx,r8
;;   add    rbx,0x14
;;   cmp    rbx,r9
;;   ja     .L0
;;   mov    r9,QWORD PTR [r14+0x60]
;;   mov    r8d,DWORD PTR [r9+r8*1+0x10]
;;   mov    r9d,edi
;;   mov    rbx,QWORD PTR [r14+0x68]
;;   mov    r12,r9
;;   add    r12,0x18
;;   cmp    r12,rbx
;;   ja     .L0
;;   mov    rbx,QWORD PTR [r14+0x60]
;;   mov    r9d,DWORD PTR [rbx+r9*1+0x14]
;;   mov    ebx,edi
;;   mov    r12,QWORD PTR [r14+0x68]
;;   mov    r13,rbx
;;   add    r13,0x1c
;;   cmp    r13,r12
;;   ja     .L0
;;   mov    r12,QWORD PTR [r14+0x60]
;;   mov    ebx,DWORD PTR [r12+rbx*1+0x18]
;;   mov    r12d,edi
;;   mov    r13,QWORD PTR [r14+0x68]
;;   mov    r15,r12
;;   add    r15,0x20
;;   cmp    r15,r13
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r12d,DWORD PTR [r13+r12*1+0x1c]
;;   mov    r13d,edi
;;   mov    r15,QWORD PTR [r14+0x68]
;;   mov    rbp,r13
;;   add    rbp,0x24
;;   cmp    rbp,r15
;;   ja     .L0
;;   mov    r15,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r15+r13*1+0x20]
;;   mov    QWORD PTR [rsp],r11
;;   mov    r15d,edi
;;   mov    rbp,QWORD PTR [r14+0x68]
;;   mov    r13,r15
;;   add    r13,0x28
;;   cmp    r13,rbp
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r13+r15*1+0x24]
;;   mov    QWORD PTR [rsp+0x8],r11
;;   mov    r15d,edi
;;   mov    rbp,QWORD PTR [r14+0x68]
;;   mov    r13,r15
;;   add    r13,0x2c
;;   cmp    r13,rbp
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r13+r15*1+0x28]
;;   mov    QWORD PTR [rsp+0x10],r11
;;   mov    r15d,edi
;;   mov    rbp,QWORD PTR [r14+0x68]
;;   mov    r13,r15
;;   add    r13,0x30
;;   cmp    r13,rbp
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r13+r15*1+0x2c]
;;   mov    QWORD PTR [rsp+0x18],r11
;;   mov    r15d,edi
;;   mov    rbp,QWORD PTR [r14+0x68]
;;   mov    r13,r15
;;   add    r13,0x34
;;   cmp    r13,rbp
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r13+r15*1+0x30]
;;   mov    QWORD PTR [rsp+0x20],r11
;;   mov    r15d,edi
;;   mov    rbp,QWORD PTR [r14+0x68]
;;   mov    r13,r15
;;   add    r13,0x38
;;   cmp    r13,rbp
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r13+r15*1+0x34]
;;   mov    QWORD PTR [rsp+0x28],r11
;;   mov    r15d,edi
;;   mov    rbp,QWORD PTR [r14+0x68]
;;   mov    r13,r15
;;   add    r13,0x3c
;;   cmp    r13,rbp
;;   ja     .L0
;;   mov    r13,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r13+r15*1+0x38]
;;   mov    QWORD PTR [rsp+0x38],r11
;;   mov    edi,edi
;;   mov    r15,QWORD PTR [r14+0x68]
;;   mov    rbp,rdi
;;   add    rbp,0x40
;;   cmp    rbp,r15
;;   ja     .L0
;;   mov    r15,QWORD PTR [r14+0x60]
;;   mov    r11d,DWORD PTR [r15+rdi*1+0x3c]
;;   mov    QWORD PTR [rsp+0x30],r11
;;   mov    r15d,eax
;;   add    r15d,ecx
;;   mov    ebp,edx
;;   add    ebp,esi
;;   add    r15d,ebp
;;   mov    ebp,r8d
;;   add    ebp,r9d
;;   mov    edi,ebx
;;   add    edi,r12d
;;   add    ebp,edi
;;   add    r15d,ebp
;;   mov    r10,QWORD PTR [rsp]
;;   mov    edi,r10d
;;   mov    r10,QWORD PTR [rsp+0x8]
;;   add    edi,r10d
;;   mov    r10,QWORD PTR [rsp+0x10]
;;   mov    ebp,r10d
;;   mov    r10,QWORD PTR [rsp+0x18]
;;   add    ebp,r10d
;;   add    edi,ebp
;;   mov    r10,QWORD PTR [rsp+0x20]
;;   mov    ebp,r10d
;;   mov    r10,QWORD PTR [rsp+0x28]
;;   add    ebp,r10d
;;   mov    r10,QWORD PTR [rsp+0x38]
;;   mov    r13d,r10d
;;   mov    r10,QWORD PTR [rsp+0x30]
;;   add    r13d,r10d
;;   add    ebp,r13d
;;   add    edi,ebp
;;   xor    r15d,edi
;;   sub    eax,ecx
;;   sub    edx,esi
;;   sub    eax,edx
;;   sub    r8d,r9d
;;   sub    ebx,r12d
;;   sub    r8d,ebx
;;   sub    eax,r8d
;;   mov    r10,QWORD PTR [rsp]
;;   mov    ecx,r10d
;;   mov    r10,QWORD PTR [rsp+0x8]
;;   sub    ecx,r10d
;;   mov    r10,QWORD PTR [rsp+0x10]
;;   mov    edx,r10d
;;   mov    r10,QWORD PTR [rsp+0x18]
;;   sub    edx,r10d
;;   sub    ecx,edx
;;   mov    r10,QWORD PTR [rsp+0x20]
;;   mov    edx,r10d
;;   mov    r10,QWORD PTR [rsp+0x28]
;;   sub    edx,r10d
;;   mov    r10,QWORD PTR [rsp+0x38]
;;   mov    esi,r10d
;;   mov    r10,QWORD PTR [rsp+0x30]
;;   sub    esi,r10d
;;   sub    edx,esi
;;   sub    ecx,edx
;;   imul   eax,ecx
;;   mov    ecx,r15d
;;   add    ecx,eax
;;   mov    eax,ecx
;;   add    rsp,0x40
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L0:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0x5
;;   jmp    kiln_unwind
;; .L1:
;;   mov    r11,QWORD PTR [r14]
;;   mov    DWORD PTR [r11],0xa
;;   jmp    kiln_unwind
