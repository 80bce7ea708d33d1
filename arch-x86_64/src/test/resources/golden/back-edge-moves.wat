;; A loop whose back edge moves a value into the loop's register: the Collatz step count of $x. The
;; moves of the back edge run before the loop's conditional branch (a mov keeps the compare's flags;
;; the exit does not read the register moved into), so the back edge is `cmp; mov; jne` with no
;; unconditional jmp inside the loop, together with the test/lea selection of flags-and-lea.wat.
;;
;; $nested: an outer loop whose back edge is a block with two predecessors, the inner loop's exit
;; and the branch around the inner loop ($p = 0). Its jump back to the outer header moves $t into
;; $a's register, which the inner loop does not read. That block must keep its move for the branch
;; around the inner loop (`je` to it), so the inner loop's exit falls into it: `jb inner; mov; jmp
;; outer`. The moves are not run before the inner loop's `jb`, as $steps's are, because the block
;; would then no longer be emitted for its other predecessor.
(module
  (func $steps (export "steps") (param $x i64) (result i32)
    (local $n i32)
    (if (i64.ne (local.get $x) (i64.const 1))
      (then
        (loop $next
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (local.set $x
            (select
              (i64.shr_u (local.get $x) (i64.const 1))
              (i64.add (i64.mul (local.get $x) (i64.const 3)) (i64.const 1))
              (i64.eqz (i64.and (local.get $x) (i64.const 1)))))
          (br_if $next (i64.ne (local.get $x) (i64.const 1))))))
    (local.get $n))

  (global $g (mut i32) (i32.const 0))
  (func $nested (export "nested") (param $n i32) (param $p i32) (result i32)
    (local $i i32) (local $a i32) (local $t i32)
    (local.set $a (i32.const 1))
    (loop $outer
      (global.set $g (i32.xor (global.get $g) (local.get $i)))
      (if (i32.ge_u (local.get $i) (local.get $n))
        (then (return (local.get $a))))
      (local.set $t (i32.add (i32.mul (local.get $a) (i32.const 3)) (local.get $i)))
      (global.set $g (i32.add (global.get $g) (local.get $a)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (block $exit
        (br_if $exit (i32.eqz (local.get $p)))
        (loop $inner
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (global.set $g (i32.sub (global.get $g) (local.get $i)))
          (br_if $inner (i32.lt_u (local.get $i) (local.get $p)))))
      (local.set $a (local.get $t))
      (br $outer))
    (unreachable))
)

;; ---- expected ----
;; wasm[0]::steps:
;;   cmp    rdi,0x1
;;   je     .L1
;;   xor    eax,eax
;; .L0:
;;   lea    eax,[rax+0x1]
;;   mov    rcx,rdi
;;   shr    rcx,1
;;   lea    rdx,[rdi+rdi*2+0x1]
;;   test   rdi,0x1
;;   cmovne rcx,rdx
;;   cmp    rcx,0x1
;;   mov    rdi,rcx
;;   jne    .L0
;;   jmp    .L2
;; .L1:
;;   xor    eax,eax
;; .L2:
;;   ret
;;
;; wasm[1]::nested:
;;   mov    eax,DWORD PTR [r14+0x58]
;;   mov    rdx,rax
;;   xor    eax,eax
;;   mov    ecx,0x1
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax+rax*1+0x0]
;; .L0:
;;   xor    edx,eax
;;   mov    DWORD PTR [r14+0x58],edx
;;   cmp    eax,edi
;;   jb     .L1
;;   mov    eax,ecx
;;   ret
;; .L1:
;;   lea    r8d,[rcx+rcx*2]
;;   lea    r8d,[r8+rax*1]
;;   lea    edx,[rdx+rcx*1]
;;   mov    DWORD PTR [r14+0x58],edx
;;   lea    eax,[rax+0x1]
;;   test   esi,esi
;;   je     .L3
;; .L2:
;;   lea    eax,[rax+0x1]
;;   sub    edx,eax
;;   mov    DWORD PTR [r14+0x58],edx
;;   cmp    eax,esi
;;   jb     .L2
;; .L3:
;;   mov    rcx,r8
;;   jmp    .L0
