;; A spilled value used by several instructions in a row: r10, the scratch register it is reloaded
;; into, still holds it at the next use when nothing in between writes r10 and no label intervenes
;; (CodeEmitter.scratch0Holds), so a run of uses reloads it once. Fourteen accumulators of a loop,
;; used again after it, weigh more than $base, which is not used in the loop: $base stays in its slot,
;; and after the loop it is the address of three stores in a row.
(module
  (memory 1)
  (func $reuse (export "reuse") (param $p i32) (param $base i32) (param $count i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32) (local $d i32) (local $e i32) (local $f i32) (local $g i32) (local $h i32) (local $i i32) (local $j i32) (local $k i32) (local $l i32) (local $m i32) (local $n i32) (local $t i32)
    (loop $l
      (local.set $a (i32.add (local.get $a) (i32.load offset=0 (local.get $p))))
      (local.set $b (i32.add (local.get $b) (i32.load offset=4 (local.get $p))))
      (local.set $c (i32.add (local.get $c) (i32.load offset=8 (local.get $p))))
      (local.set $d (i32.add (local.get $d) (i32.load offset=12 (local.get $p))))
      (local.set $e (i32.add (local.get $e) (i32.load offset=16 (local.get $p))))
      (local.set $f (i32.add (local.get $f) (i32.load offset=20 (local.get $p))))
      (local.set $g (i32.add (local.get $g) (i32.load offset=24 (local.get $p))))
      (local.set $h (i32.add (local.get $h) (i32.load offset=28 (local.get $p))))
      (local.set $i (i32.add (local.get $i) (i32.load offset=32 (local.get $p))))
      (local.set $j (i32.add (local.get $j) (i32.load offset=36 (local.get $p))))
      (local.set $k (i32.add (local.get $k) (i32.load offset=40 (local.get $p))))
      (local.set $l (i32.add (local.get $l) (i32.load offset=44 (local.get $p))))
      (local.set $m (i32.add (local.get $m) (i32.load offset=48 (local.get $p))))
      (local.set $n (i32.add (local.get $n) (i32.load offset=52 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br_if $l (i32.lt_u (local.tee $t (i32.add (local.get $t) (i32.const 1))) (local.get $count))))
    (i32.store offset=0 (local.get $base) (local.get $a))
    (i32.store offset=4 (local.get $base) (local.get $b))
    (i32.store offset=8 (local.get $base) (local.get $c))
    (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (local.get $a) (i32.const 3)) (local.get $b)) (i32.const 3)) (local.get $c)) (i32.const 3)) (local.get $d)) (i32.const 3)) (local.get $e)) (i32.const 3)) (local.get $f)) (i32.const 3)) (local.get $g)) (i32.const 3)) (local.get $h)) (i32.const 3)) (local.get $i)) (i32.const 3)) (local.get $j)) (i32.const 3)) (local.get $k)) (i32.const 3)) (local.get $l)) (i32.const 3)) (local.get $m)) (i32.const 3)) (local.get $n)))
)

;; ---- expected ----
;; wasm[0]::reuse:
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x80
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rcx,[rax-0xc]
;;   lea    r8,[rax-0x8]
;;   lea    r9,[rax-0x4]
;;   lea    rax,[rax-0x38]
;;   mov    rbx,QWORD PTR [r14+0x58]
;;   mov    QWORD PTR [rsp+0x60],rcx
;;   mov    QWORD PTR [rsp+0x68],r8
;;   mov    QWORD PTR [rsp+0x70],r9
;;   mov    QWORD PTR [rsp],rsi
;;   mov    QWORD PTR [rsp+0x58],rdx
;;   mov    QWORD PTR [rsp+0x78],rax
;;   mov    r12,rdi
;;   xor    edi,edi
;;   xor    r13d,r13d
;;   xor    r15d,r15d
;;   xor    ebp,ebp
;;   xor    ecx,ecx
;;   xor    r8d,r8d
;;   xor    r9d,r9d
;;   xor    esi,esi
;;   xor    edx,edx
;;   xor    eax,eax
;;   mov    QWORD PTR [rsp+0x28],0x0
;;   mov    QWORD PTR [rsp+0x30],0x0
;;   mov    QWORD PTR [rsp+0x38],0x0
;;   mov    QWORD PTR [rsp+0x40],0x0
;;   mov    QWORD PTR [rsp+0x48],0x0
;; .L0:
;;   cmp    r12,QWORD PTR [rsp+0x78]
;;   jg     .L4
;;   add    edi,DWORD PTR [rbx+r12*1]
;;   add    r13d,DWORD PTR [rbx+r12*1+0x4]
;;   add    r15d,DWORD PTR [rbx+r12*1+0x8]
;;   add    ebp,DWORD PTR [rbx+r12*1+0xc]
;;   add    ecx,DWORD PTR [rbx+r12*1+0x10]
;;   add    r8d,DWORD PTR [rbx+r12*1+0x14]
;;   add    r9d,DWORD PTR [rbx+r12*1+0x18]
;;   add    esi,DWORD PTR [rbx+r12*1+0x1c]
;;   add    edx,DWORD PTR [rbx+r12*1+0x20]
;;   add    eax,DWORD PTR [rbx+r12*1+0x24]
;;   mov    r10,QWORD PTR [rsp+0x28]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x8],r11
;;   mov    r11,QWORD PTR [rsp+0x8]
;;   add    r11d,DWORD PTR [rbx+r12*1+0x28]
;;   mov    QWORD PTR [rsp+0x8],r11
;;   mov    r10,QWORD PTR [rsp+0x30]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x10],r11
;;   mov    r11,QWORD PTR [rsp+0x10]
;;   add    r11d,DWORD PTR [rbx+r12*1+0x2c]
;;   mov    QWORD PTR [rsp+0x10],r11
;;   mov    r10,QWORD PTR [rsp+0x38]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x18],r11
;;   mov    r11,QWORD PTR [rsp+0x18]
;;   add    r11d,DWORD PTR [rbx+r12*1+0x30]
;;   mov    QWORD PTR [rsp+0x18],r11
;;   mov    r10,QWORD PTR [rsp+0x40]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x20],r11
;;   mov    r11,QWORD PTR [rsp+0x20]
;;   add    r11d,DWORD PTR [rbx+r12*1+0x34]
;;   mov    QWORD PTR [rsp+0x20],r11
;;   lea    r12d,[r12+0x4]
;;   mov    QWORD PTR [rsp+0x50],rax
;;   mov    r10,QWORD PTR [rsp+0x48]
;;   lea    eax,[r10+0x1]
;;   cmp    eax,DWORD PTR [rsp+0x58]
;;   jae    .L1
;;   mov    r10,QWORD PTR [rsp+0x8]
;;   mov    QWORD PTR [rsp+0x28],r10
;;   mov    r10,QWORD PTR [rsp+0x10]
;;   mov    QWORD PTR [rsp+0x30],r10
;;   mov    r10,QWORD PTR [rsp+0x18]
;;   mov    QWORD PTR [rsp+0x38],r10
;;   mov    r10,QWORD PTR [rsp+0x20]
;;   mov    QWORD PTR [rsp+0x40],r10
;;   mov    QWORD PTR [rsp+0x48],rax
;;   mov    rax,QWORD PTR [rsp+0x50]
;;   jmp    .L0
;; .L1:
;;   mov    r10,QWORD PTR [rsp]
;;   mov    r11,QWORD PTR [rsp+0x70]
;;   cmp    r10,r11
;;   jg     .L5
;;   mov    DWORD PTR [rbx+r10*1],edi
;;   mov    r11,QWORD PTR [rsp+0x68]
;;   cmp    r10,r11
;;   jg     .L2
;;   mov    DWORD PTR [rbx+r10*1+0x4],r13d
;;   mov    r11,QWORD PTR [rsp+0x60]
;;   cmp    r10,r11
;;   jg     .L3
;;   mov    DWORD PTR [rbx+r10*1+0x8],r15d
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,r13d
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,r15d
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,ebp
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,ecx
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,r8d
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,r9d
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,esi
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,edx
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,DWORD PTR [rsp+0x50]
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,DWORD PTR [rsp+0x8]
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,DWORD PTR [rsp+0x10]
;;   lea    edi,[rdi+rdi*2]
;;   xor    edi,DWORD PTR [rsp+0x18]
;;   lea    edi,[rdi+rdi*2]
;;   mov    eax,edi
;;   xor    eax,DWORD PTR [rsp+0x20]
;;   add    rsp,0x80
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L3:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L4:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L5:
;;   call   kiln_trap[memory_out_of_bounds]
