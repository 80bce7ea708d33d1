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
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x40
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x40]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    ecx,DWORD PTR [rax+rdi*1]
;;   mov    edx,DWORD PTR [rax+rdi*1+0x4]
;;   mov    esi,DWORD PTR [rax+rdi*1+0x8]
;;   mov    r8d,DWORD PTR [rax+rdi*1+0xc]
;;   mov    r9d,DWORD PTR [rax+rdi*1+0x10]
;;   mov    ebx,DWORD PTR [rax+rdi*1+0x14]
;;   mov    r12d,DWORD PTR [rax+rdi*1+0x18]
;;   mov    r13d,DWORD PTR [rax+rdi*1+0x1c]
;;   mov    r15d,DWORD PTR [rax+rdi*1+0x20]
;;   mov    ebp,DWORD PTR [rax+rdi*1+0x24]
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x28]
;;   mov    QWORD PTR [rsp+0x18],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x2c]
;;   mov    QWORD PTR [rsp+0x20],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x30]
;;   mov    QWORD PTR [rsp+0x28],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x34]
;;   mov    QWORD PTR [rsp+0x30],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x38]
;;   mov    QWORD PTR [rsp+0x38],r11
;;   mov    eax,DWORD PTR [rax+rdi*1+0x3c]
;;   lea    edi,[rcx+rdx*1]
;;   mov    QWORD PTR [rsp+0x8],rax
;;   lea    eax,[rsi+r8*1]
;;   lea    edi,[rdi+rax*1]
;;   lea    eax,[r9+rbx*1]
;;   mov    QWORD PTR [rsp],r15
;;   lea    r15d,[r12+r13*1]
;;   lea    eax,[rax+r15*1]
;;   lea    edi,[rdi+rax*1]
;;   mov    r15d,DWORD PTR [rsp]
;;   add    r15d,ebp
;;   mov    eax,DWORD PTR [rsp+0x18]
;;   add    eax,DWORD PTR [rsp+0x20]
;;   lea    r15d,[r15+rax*1]
;;   mov    eax,DWORD PTR [rsp+0x28]
;;   add    eax,DWORD PTR [rsp+0x30]
;;   mov    QWORD PTR [rsp+0x10],rbp
;;   mov    ebp,DWORD PTR [rsp+0x38]
;;   add    ebp,DWORD PTR [rsp+0x8]
;;   lea    eax,[rax+rbp*1]
;;   lea    r15d,[r15+rax*1]
;;   xor    edi,r15d
;;   sub    ecx,edx
;;   sub    esi,r8d
;;   sub    ecx,esi
;;   sub    r9d,ebx
;;   sub    r12d,r13d
;;   sub    r9d,r12d
;;   sub    ecx,r9d
;;   mov    r15d,DWORD PTR [rsp]
;;   sub    r15d,DWORD PTR [rsp+0x10]
;;   mov    eax,DWORD PTR [rsp+0x18]
;;   sub    eax,DWORD PTR [rsp+0x20]
;;   sub    r15d,eax
;;   mov    eax,DWORD PTR [rsp+0x28]
;;   sub    eax,DWORD PTR [rsp+0x30]
;;   mov    edx,DWORD PTR [rsp+0x38]
;;   sub    edx,DWORD PTR [rsp+0x8]
;;   sub    eax,edx
;;   sub    r15d,eax
;;   imul   ecx,r15d
;;   lea    eax,[rdi+rcx*1]
;;   add    rsp,0x40
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
