;; A loop whose back edge moves a value into the loop's register: the Collatz step count of $x. The
;; moves of the back edge run before the loop's conditional branch (a mov keeps the compare's flags;
;; the exit does not read the register moved into), so the back edge is `cmp; mov; jne` with no
;; unconditional jmp inside the loop, together with the test/lea selection of flags-and-lea.wat.
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
