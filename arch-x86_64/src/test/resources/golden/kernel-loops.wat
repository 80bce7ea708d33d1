;; The loop nests of two classic kernels (the shapes of bench's matmul and sieve), with guard-page
;; bounds checks (the x86-64 default): a dense f64 matrix multiply (i-k-j order, the inner loop over
;; j) and a byte sieve. Their inner loops carry no bounds check, no spill or reload and no constant
;; materialized in a register: the sieve stores its 1 as an immediate. The matrix multiply needs all
;; twelve allocatable registers in its inner loops, so two values of the outermost loop (c and i) live
;; in stack slots across them: stored once per row, never inside the inner loops.
;; option: guard-bounds-checks
(module
  (memory 1)
  ;; c[i][j] += a[i][k] * b[k][j] for n x n matrices of f64 at byte addresses a, b and c
  (func $matmul (export "matmul") (param $a i32) (param $b i32) (param $c i32) (param $n i32)
    (local $i i32) (local $k i32) (local $j i32) (local $aik f64) (local $crow i32) (local $brow i32)
    (local $stride i32)
    (local.set $stride (i32.shl (local.get $n) (i32.const 3)))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $rows
        (local.set $crow (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $stride))))
        (local.set $k (i32.const 0))
        (loop $ks
          (local.set $aik (f64.load (i32.add (local.get $a)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $k)) (i32.const 3)))))
          (local.set $brow (i32.add (local.get $b) (i32.mul (local.get $k) (local.get $stride))))
          (local.set $j (i32.const 0))
          (loop $cols
            (f64.store (i32.add (local.get $crow) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $crow) (local.get $j)))
                       (f64.mul (local.get $aik) (f64.load (i32.add (local.get $brow) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $cols (i32.lt_u (local.get $j) (local.get $stride))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $ks (i32.lt_u (local.get $k) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $rows (i32.lt_u (local.get $i) (local.get $n))))))

  ;; marks the multiples of every unmarked i in flags[0..n) (bytes); returns how many i stayed unmarked
  (func $sieve (export "sieve") (param $flags i32) (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (local.set $i (i32.const 2))
    (block $done
      (br_if $done (i32.le_u (local.get $n) (i32.const 2)))
      (loop $outer
        (if (i32.eqz (i32.load8_u (i32.add (local.get $flags) (local.get $i))))
          (then
            (local.set $count (i32.add (local.get $count) (i32.const 1)))
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $marked
              (loop $mark
                (br_if $marked (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (i32.add (local.get $flags) (local.get $j)) (i32.const 1))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $mark)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (local.get $n)))))
    (local.get $count))
)

;; ---- expected ----
;; wasm[0]::matmul:
;;   push   rbx
;;   push   rbp
;;   push   r12
;;   push   r13
;;   push   r15
;;   sub    rsp,0x10
;;   mov    QWORD PTR [rsp+0x8],rdx
;;   mov    eax,ecx
;;   shl    eax,0x3
;;   test   ecx,ecx
;;   je     .L3
;;   mov    r8,QWORD PTR [r14+0x58]
;;   xor    r9d,r9d
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;; .L0:
;;   mov    ebx,r9d
;;   imul   ebx,eax
;;   lea    ebx,[rdx+rbx*1]
;;   mov    r12d,r9d
;;   imul   r12d,ecx
;;   xor    r13d,r13d
;;   mov    QWORD PTR [rsp],r9
;; .L1:
;;   lea    r15d,[r12+r13*1]
;;   lea    r15d,[rdi+r15*8]
;;   movsd  xmm0,QWORD PTR [r8+r15*1]
;;   mov    r15d,r13d
;;   imul   r15d,eax
;;   lea    r15d,[rsi+r15*1]
;;   xor    ebp,ebp
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax+rax*1+0x0]
;; .L2:
;;   lea    edx,[rbx+rbp*1]
;;   movsd  xmm1,QWORD PTR [r8+rdx*1]
;;   lea    r9d,[r15+rbp*1]
;;   movaps xmm2,xmm0
;;   mulsd  xmm2,QWORD PTR [r8+r9*1]
;;   addsd  xmm1,xmm2
;;   movsd  QWORD PTR [r8+rdx*1],xmm1
;;   lea    ebp,[rbp+0x8]
;;   cmp    ebp,eax
;;   jb     .L2
;;   lea    r13d,[r13+0x1]
;;   cmp    r13d,ecx
;;   jb     .L1
;;   mov    r10,QWORD PTR [rsp]
;;   lea    r9d,[r10+0x1]
;;   cmp    r9d,ecx
;;   jae    .L3
;;   mov    QWORD PTR [rsp],r9
;;   mov    rdx,QWORD PTR [rsp+0x8]
;;   mov    r9,QWORD PTR [rsp]
;;   jmp    .L0
;; .L3:
;;   add    rsp,0x10
;;   pop    r15
;;   pop    r13
;;   pop    r12
;;   pop    rbp
;;   pop    rbx
;;   ret
;;
;; wasm[1]::sieve:
;;   cmp    esi,0x2
;;   ja     .L0
;;   xor    eax,eax
;;   jmp    .L4
;; .L0:
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    ecx,0x2
;;   xor    edx,edx
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax+rax*1+0x0]
;; .L1:
;;   lea    r8d,[rdi+rcx*1]
;;   cmp    BYTE PTR [rax+r8*1],0x0
;;   jne    .L3
;;   lea    edx,[rdx+0x1]
;;   mov    r8d,ecx
;;   imul   r8d,ecx
;;   cmp    r8d,esi
;;   jae    .L3
;; .L2:
;;   lea    r9d,[rdi+r8*1]
;;   mov    BYTE PTR [rax+r9*1],0x1
;;   lea    r8d,[r8+rcx*1]
;;   cmp    r8d,esi
;;   jb     .L2
;; .L3:
;;   lea    ecx,[rcx+0x1]
;;   cmp    ecx,esi
;;   jb     .L1
;;   mov    rax,rdx
;; .L4:
;;   ret
