;; Live-range splitting. xmm registers are all caller-saved, so a float live across a call cannot
;; keep a register over its whole lifetime. $horner evaluates a polynomial in x (x used five times)
;; before calling $log (recursive, so not inlined) and adds x to the result: x keeps a register
;; (xmm1) for the polynomial and is split before the call, the rest of it living in a stack slot
;; (one store before the call, one reload after it). Spilled whole, x would be stored at the start
;; and reloaded for each of its six uses.
(module
  (func $log (param $x f64) (param $n i32) (result f64)
    (if (result f64) (i32.eqz (local.get $n))
      (then (local.get $x))
      (else (call $log (f64.mul (local.get $x) (f64.const 0.5)) (i32.sub (local.get $n) (i32.const 1))))))

  (func $horner (export "horner") (param $x f64) (param $n i32) (result f64)
    (local $p f64)
    (local.set $p (f64.add (f64.mul (local.get $x) (f64.const 3)) (f64.const 1)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $x)) (f64.const 2)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $x)) (f64.const 5)))
    (local.set $p (f64.add (f64.mul (local.get $p) (local.get $x)) (local.get $x)))
    (f64.add (call $log (local.get $p) (local.get $n)) (local.get $x))))

;; ---- expected ----
;; wasm[0]::log:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   sub    rsp,0x8
;;   test   edi,edi
;;   je     .L0
;;   mulsd  xmm0,QWORD PTR [rip+.L2]
;;   lea    edi,[rdi-0x1]
;;   call   wasm[0]::log
;; .L0:
;;   add    rsp,0x8
;;   ret
;; .L1:
;;   call   kiln_trap[stack_overflow]
;;   nop    DWORD PTR [rax+rax*1+0x0]
;; .L2:
;;   .quad  0x3fe0000000000000
;;
;; wasm[1]::horner:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   sub    rsp,0x8
;;   movaps xmm1,xmm0
;;   movaps xmm0,xmm1
;;   mulsd  xmm0,QWORD PTR [rip+.L1]
;;   addsd  xmm0,QWORD PTR [rip+.L2]
;;   mulsd  xmm0,xmm1
;;   addsd  xmm0,QWORD PTR [rip+.L3]
;;   mulsd  xmm0,xmm1
;;   addsd  xmm0,QWORD PTR [rip+.L4]
;;   mulsd  xmm0,xmm1
;;   addsd  xmm0,xmm1
;;   movsd  QWORD PTR [rsp],xmm1
;;   call   wasm[0]::log
;;   movsd  xmm14,QWORD PTR [rsp]
;;   addsd  xmm0,xmm14
;;   add    rsp,0x8
;;   ret
;; .L0:
;;   call   kiln_trap[stack_overflow]
;;   nop    WORD PTR [rax+rax*1+0x0]
;; .L1:
;;   .quad  0x4008000000000000
;; .L2:
;;   .quad  0x3ff0000000000000
;; .L3:
;;   .quad  0x4000000000000000
;; .L4:
;;   .quad  0x4014000000000000
