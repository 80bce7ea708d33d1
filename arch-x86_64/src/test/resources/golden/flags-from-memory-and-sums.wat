;; Flags that need no instruction of their own. A counted loop that counts down (clang's form of
;; `for (i = n; i != 0; i--)`): the decrement is a `sub` whose ZF the loop's branch reads, with no
;; `test` of the counter. A byte flag in memory tested in a loop condition, and a byte compared with a
;; constant, are compares with memory (`cmp BYTE PTR [m], 0x0`, `cmp BYTE PTR [m], 0x2a`): nothing is
;; loaded into a register. A signed comparison of a zero-extended byte becomes an unsigned one. A
;; comparison needed both as a value and by a branch right after it is materialized (setl; movzx) and
;; the branch reads its flags (jge), with no test of the materialized value. A value computed by an
;; `and`, `or` or `xor` and tested right after has the flags of the test already: the branch follows
;; the `and` with no `test`.
;; option: guard-bounds-checks
(module
  (memory 1)
  ;; the number of non-zero bytes among the $n bytes at $p that are not 42
  (func $count (export "count") (param $p i32) (param $n i32) (result i32)
    (local $c i32)
    (if (local.get $n)
      (then
        (loop $next
          (if (i32.load8_u (local.get $p))
            (then
              (if (i32.ne (i32.load8_u offset=1 (local.get $p)) (i32.const 42))
                (then (local.set $c (i32.add (local.get $c) (i32.const 1)))))))
          (local.set $p (i32.add (local.get $p) (i32.const 2)))
          (local.set $n (i32.add (local.get $n) (i32.const -1)))
          (br_if $next (local.get $n)))))
    (local.get $c))
  ;; whether the byte at $p is below 100 as a signed i32
  (func $small (export "small") (param $p i32) (result i32)
    (i32.lt_s (i32.load8_u (local.get $p)) (i32.const 100)))
  ;; y * 3 when x < 0, plus 1 when x < 0
  (func $negative_bump (export "negative_bump") (param $x i32) (param $y i32) (result i32)
    (local $neg i32)
    (local.set $neg (i32.lt_s (local.get $x) (local.get $y)))
    (if (local.get $neg) (then (local.set $y (i32.mul (local.get $y) (i32.const 3)))))
    (i32.add (local.get $y) (local.get $neg)))
  ;; x & y + 1 when that is not 0, else y
  (func $masked (export "masked") (param $x i32) (param $y i32) (result i32)
    (local $m i32)
    (local.set $m (i32.and (local.get $x) (local.get $y)))
    (if (local.get $m) (then (return (i32.add (local.get $m) (i32.const 1)))))
    (local.get $y))
)

;; ---- expected ----
;; wasm[0]::count:
;;   test   esi,esi
;;   je     .L2
;;   mov    rax,QWORD PTR [r14+0x58]
;;   xor    ecx,ecx
;; .L0:
;;   cmp    BYTE PTR [rax+rdi*1],0x0
;;   je     .L1
;;   cmp    BYTE PTR [rax+rdi*1+0x1],0x2a
;;   je     .L1
;;   lea    ecx,[rcx+0x1]
;; .L1:
;;   lea    edi,[rdi+0x2]
;;   sub    esi,0x1
;;   jne    .L0
;;   mov    rax,rcx
;;   jmp    .L3
;; .L2:
;;   xor    eax,eax
;; .L3:
;;   ret
;;
;; wasm[1]::small:
;;   mov    rax,QWORD PTR [r14+0x58]
;;   cmp    BYTE PTR [rax+rdi*1],0x64
;;   setb   al
;;   movzx  eax,al
;;   ret
;;
;; wasm[2]::negative_bump:
;;   cmp    edi,esi
;;   setl   al
;;   movzx  eax,al
;;   jge    .L0
;;   lea    ecx,[rsi+rsi*2]
;;   jmp    .L1
;; .L0:
;;   mov    rcx,rsi
;; .L1:
;;   lea    eax,[rcx+rax*1]
;;   ret
;;
;; wasm[3]::masked:
;;   and    edi,esi
;;   je     .L0
;;   lea    eax,[rdi+0x1]
;;   ret
;; .L0:
;;   mov    eax,esi
;;   ret
