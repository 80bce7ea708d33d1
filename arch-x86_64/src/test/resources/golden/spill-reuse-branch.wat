;; A spilled value still in r10 where a block begins: when every way into the block carries the
;; same spilled value in r10 (the fall-through from the code above and each jump to its label, as
;; the assembler emits them), the block's code starts from it (CodeEmitter.assumeEntryState). After
;; the loop of fourteen accumulators, $base (spilled) is reloaded into r10 to address the load the
;; branch tests; the two stores of the fall-through block address through r10 without a reload,
;; and where both ways into the block after them carry it, r10 still holds it for the last add
;; (the folded slot operands of the xor chain do not touch r10).
;; In $contradicted (eighteen values loaded and used twice, no loop) the block after $second is
;; entered by a branch that carries the spilled $base in r10 and by entries of a jump table that is
;; emitted after the function's code: the table's reference contradicts what the block's code first
;; assumed, so the function is emitted again without the assumption there, and the block reloads
;; $base for its store. Compiled with guard-page bounds checks, the default, as a module is by `kiln`.
;; option: guard-bounds-checks
(module
  (memory 1)
  (func $across (export "across") (param $p i32) (param $base i32) (param $count i32) (result i32)
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
    (block $skip
      (br_if $skip (i32.eqz (i32.load (local.get $base))))
      (i32.store offset=4 (local.get $base) (local.get $a))
      (i32.store offset=8 (local.get $base) (local.get $b)))
    (i32.add (local.get $base) (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (local.get $a) (i32.const 3)) (local.get $b)) (i32.const 3)) (local.get $c)) (i32.const 3)) (local.get $d)) (i32.const 3)) (local.get $e)) (i32.const 3)) (local.get $f)) (i32.const 3)) (local.get $g)) (i32.const 3)) (local.get $h)) (i32.const 3)) (local.get $i)) (i32.const 3)) (local.get $j)) (i32.const 3)) (local.get $k)) (i32.const 3)) (local.get $l)) (i32.const 3)) (local.get $m)) (i32.const 3)) (local.get $n))))
  (func $contradicted (export "contradicted") (param $p i32) (param $base i32) (param $count i32) (param $sel i32) (result i32)
    (local $v0 i32) (local $v1 i32) (local $v2 i32) (local $v3 i32) (local $v4 i32) (local $v5 i32) (local $v6 i32) (local $v7 i32) (local $v8 i32) (local $v9 i32) (local $v10 i32) (local $v11 i32) (local $v12 i32) (local $v13 i32) (local $v14 i32) (local $v15 i32) (local $v16 i32) (local $v17 i32) (local $t i32)
    (local.set $v0 (i32.load offset=0 (local.get $p)))
    (local.set $v1 (i32.load offset=4 (local.get $p)))
    (local.set $v2 (i32.load offset=8 (local.get $p)))
    (local.set $v3 (i32.load offset=12 (local.get $p)))
    (local.set $v4 (i32.load offset=16 (local.get $p)))
    (local.set $v5 (i32.load offset=20 (local.get $p)))
    (local.set $v6 (i32.load offset=24 (local.get $p)))
    (local.set $v7 (i32.load offset=28 (local.get $p)))
    (local.set $v8 (i32.load offset=32 (local.get $p)))
    (local.set $v9 (i32.load offset=36 (local.get $p)))
    (local.set $v10 (i32.load offset=40 (local.get $p)))
    (local.set $v11 (i32.load offset=44 (local.get $p)))
    (local.set $v12 (i32.load offset=48 (local.get $p)))
    (local.set $v13 (i32.load offset=52 (local.get $p)))
    (local.set $v14 (i32.load offset=56 (local.get $p)))
    (local.set $v15 (i32.load offset=60 (local.get $p)))
    (local.set $v16 (i32.load offset=64 (local.get $p)))
    (local.set $v17 (i32.load offset=68 (local.get $p)))
    (local.set $t (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (local.get $v0) (i32.const 3)) (local.get $v1)) (i32.const 3)) (local.get $v2)) (i32.const 3)) (local.get $v3)) (i32.const 3)) (local.get $v4)) (i32.const 3)) (local.get $v5)) (i32.const 3)) (local.get $v6)) (i32.const 3)) (local.get $v7)) (i32.const 3)) (local.get $v8)) (i32.const 3)) (local.get $v9)) (i32.const 3)) (local.get $v10)) (i32.const 3)) (local.get $v11)) (i32.const 3)) (local.get $v12)) (i32.const 3)) (local.get $v13)) (i32.const 3)) (local.get $v14)) (i32.const 3)) (local.get $v15)) (i32.const 3)) (local.get $v16)) (i32.const 3)) (local.get $v17)))
    (block $done
      (block $second
        (block $first
          (br_if $second (i32.eqz (i32.load (local.get $base))))
          (br_table $first $second $first $second $first (local.get $sel)))
        (i32.store offset=4 (local.get $base) (local.get $v0))
        (br $done))
      (i32.store offset=8 (local.get $base) (local.get $v1)))
    (i32.add (local.get $t) (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (i32.xor (i32.mul (local.get $v0) (i32.const 3)) (local.get $v1)) (i32.const 3)) (local.get $v2)) (i32.const 3)) (local.get $v3)) (i32.const 3)) (local.get $v4)) (i32.const 3)) (local.get $v5)) (i32.const 3)) (local.get $v6)) (i32.const 3)) (local.get $v7)) (i32.const 3)) (local.get $v8)) (i32.const 3)) (local.get $v9)) (i32.const 3)) (local.get $v10)) (i32.const 3)) (local.get $v11)) (i32.const 3)) (local.get $v12)) (i32.const 3)) (local.get $v13)) (i32.const 3)) (local.get $v14)) (i32.const 3)) (local.get $v15)) (i32.const 3)) (local.get $v16)) (i32.const 3)) (local.get $v17))))
)

;; ---- expected ----
;; wasm[0]::across:
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x60
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    QWORD PTR [rsp],rsi
;;   mov    QWORD PTR [rsp+0x58],rdx
;;   xor    ecx,ecx
;;   xor    r8d,r8d
;;   xor    r9d,r9d
;;   xor    ebx,ebx
;;   xor    r12d,r12d
;;   xor    r13d,r13d
;;   xor    r15d,r15d
;;   xor    ebp,ebp
;;   xor    esi,esi
;;   xor    edx,edx
;;   mov    QWORD PTR [rsp+0x28],0x0
;;   mov    QWORD PTR [rsp+0x30],0x0
;;   mov    QWORD PTR [rsp+0x38],0x0
;;   mov    QWORD PTR [rsp+0x40],0x0
;;   mov    QWORD PTR [rsp+0x48],0x0
;; .L0:
;;   add    ecx,DWORD PTR [rax+rdi*1]
;;   add    r8d,DWORD PTR [rax+rdi*1+0x4]
;;   add    r9d,DWORD PTR [rax+rdi*1+0x8]
;;   add    ebx,DWORD PTR [rax+rdi*1+0xc]
;;   add    r12d,DWORD PTR [rax+rdi*1+0x10]
;;   add    r13d,DWORD PTR [rax+rdi*1+0x14]
;;   add    r15d,DWORD PTR [rax+rdi*1+0x18]
;;   add    ebp,DWORD PTR [rax+rdi*1+0x1c]
;;   add    esi,DWORD PTR [rax+rdi*1+0x20]
;;   add    edx,DWORD PTR [rax+rdi*1+0x24]
;;   mov    r10,QWORD PTR [rsp+0x28]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x8],r11
;;   mov    r11,QWORD PTR [rsp+0x8]
;;   add    r11d,DWORD PTR [rax+rdi*1+0x28]
;;   mov    QWORD PTR [rsp+0x8],r11
;;   mov    r10,QWORD PTR [rsp+0x30]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x10],r11
;;   mov    r11,QWORD PTR [rsp+0x10]
;;   add    r11d,DWORD PTR [rax+rdi*1+0x2c]
;;   mov    QWORD PTR [rsp+0x10],r11
;;   mov    r10,QWORD PTR [rsp+0x38]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x18],r11
;;   mov    r11,QWORD PTR [rsp+0x18]
;;   add    r11d,DWORD PTR [rax+rdi*1+0x30]
;;   mov    QWORD PTR [rsp+0x18],r11
;;   mov    r10,QWORD PTR [rsp+0x40]
;;   mov    r11d,r10d
;;   mov    QWORD PTR [rsp+0x20],r11
;;   mov    r11,QWORD PTR [rsp+0x20]
;;   add    r11d,DWORD PTR [rax+rdi*1+0x34]
;;   mov    QWORD PTR [rsp+0x20],r11
;;   lea    edi,[rdi+0x4]
;;   mov    QWORD PTR [rsp+0x50],rdx
;;   mov    r10,QWORD PTR [rsp+0x48]
;;   lea    edx,[r10+0x1]
;;   cmp    edx,DWORD PTR [rsp+0x58]
;;   jae    .L1
;;   mov    r10,QWORD PTR [rsp+0x8]
;;   mov    QWORD PTR [rsp+0x28],r10
;;   mov    r10,QWORD PTR [rsp+0x10]
;;   mov    QWORD PTR [rsp+0x30],r10
;;   mov    r10,QWORD PTR [rsp+0x18]
;;   mov    QWORD PTR [rsp+0x38],r10
;;   mov    r10,QWORD PTR [rsp+0x20]
;;   mov    QWORD PTR [rsp+0x40],r10
;;   mov    QWORD PTR [rsp+0x48],rdx
;;   mov    rdx,QWORD PTR [rsp+0x50]
;;   jmp    .L0
;; .L1:
;;   mov    r10,QWORD PTR [rsp]
;;   cmp    DWORD PTR [rax+r10*1],0x0
;;   je     .L2
;;   mov    DWORD PTR [rax+r10*1+0x4],ecx
;;   mov    DWORD PTR [rax+r10*1+0x8],r8d
;; .L2:
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,r8d
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,r9d
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,ebx
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,r12d
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,r13d
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,r15d
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,ebp
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,esi
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,DWORD PTR [rsp+0x50]
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,DWORD PTR [rsp+0x8]
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,DWORD PTR [rsp+0x10]
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,DWORD PTR [rsp+0x18]
;;   lea    ecx,[rcx+rcx*2]
;;   xor    ecx,DWORD PTR [rsp+0x20]
;;   lea    eax,[rcx+r10*1]
;;   add    rsp,0x60
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;;
;; wasm[1]::contradicted:
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x50
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    edx,DWORD PTR [rax+rdi*1]
;;   mov    r8d,DWORD PTR [rax+rdi*1+0x4]
;;   mov    r9d,DWORD PTR [rax+rdi*1+0x8]
;;   mov    ebx,DWORD PTR [rax+rdi*1+0xc]
;;   mov    r12d,DWORD PTR [rax+rdi*1+0x10]
;;   mov    r13d,DWORD PTR [rax+rdi*1+0x14]
;;   mov    r15d,DWORD PTR [rax+rdi*1+0x18]
;;   mov    ebp,DWORD PTR [rax+rdi*1+0x1c]
;;   mov    QWORD PTR [rsp+0x18],rcx
;;   mov    ecx,DWORD PTR [rax+rdi*1+0x20]
;;   mov    QWORD PTR [rsp+0x8],rdx
;;   mov    edx,DWORD PTR [rax+rdi*1+0x24]
;;   mov    QWORD PTR [rsp+0x10],r8
;;   mov    r8d,DWORD PTR [rax+rdi*1+0x28]
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x2c]
;;   mov    QWORD PTR [rsp+0x20],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x30]
;;   mov    QWORD PTR [rsp+0x28],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x34]
;;   mov    QWORD PTR [rsp+0x30],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x38]
;;   mov    QWORD PTR [rsp+0x38],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x3c]
;;   mov    QWORD PTR [rsp+0x40],r11
;;   mov    r11d,DWORD PTR [rax+rdi*1+0x40]
;;   mov    QWORD PTR [rsp+0x48],r11
;;   mov    QWORD PTR [rsp],rsi
;;   mov    r10,QWORD PTR [rsp+0x8]
;;   lea    esi,[r10+r10*2]
;;   xor    esi,DWORD PTR [rsp+0x10]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,r9d
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,ebx
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,r12d
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,r13d
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,r15d
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,ebp
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,ecx
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,edx
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,r8d
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rsp+0x20]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rsp+0x28]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rsp+0x30]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rsp+0x38]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rsp+0x40]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rsp+0x48]
;;   lea    esi,[rsi+rsi*2]
;;   xor    esi,DWORD PTR [rax+rdi*1+0x44]
;;   mov    r10,QWORD PTR [rsp]
;;   cmp    DWORD PTR [rax+r10*1],0x0
;;   je     .L1
;;   mov    r10,QWORD PTR [rsp+0x18]
;;   mov    r11d,r10d
;;   cmp    r11d,0x4
;;   jae    .L0
;;   lea    r10,[rip+.L3]
;;   movsxd r11,DWORD PTR [r10+r11*4]
;;   add    r10,r11
;;   jmp    r10
;; .L0:
;;   mov    r10,QWORD PTR [rsp]
;;   mov    r11,QWORD PTR [rsp+0x8]
;;   mov    DWORD PTR [rax+r10*1+0x4],r11d
;;   jmp    .L2
;; .L1:
;;   mov    r10,QWORD PTR [rsp]
;;   mov    r11,QWORD PTR [rsp+0x10]
;;   mov    DWORD PTR [rax+r10*1+0x8],r11d
;; .L2:
;;   lea    eax,[rsi+rsi*1]
;;   add    rsp,0x50
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;; .L3:
;;   .long  .L0-.L3
;;   .long  .L1-.L3
;;   .long  .L0-.L3
;;   .long  .L1-.L3
