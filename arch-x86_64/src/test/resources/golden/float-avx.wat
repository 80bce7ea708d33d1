;; Scalar f32/f64 code with AVX: the same three-operand VEX forms as the SIMD code (vaddsd
;; xmm_d, xmm_a, xmm_b: no movaps before a two-operand addsd), constants and loads folded as the
;; second source, conversions and compares VEX-encoded.
;; option: avx
(module
  (memory 1)
  (func $poly (export "poly") (param $x f64) (param $y f64) (result f64)
    (f64.add (f64.mul (f64.add (local.get $x) (f64.const 1.5)) (local.get $y))
             (f64.div (local.get $x) (local.get $y))))

  (func $sum (export "sum") (param $p i32) (param $n i32) (result f32)
    (local $acc f32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (f32.add (local.get $acc)
          (f32.mul (f32.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 2))))
                   (f32.convert_i32_s (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (f32.neg (f32.abs (local.get $acc)))))

;; ---- expected ----
;; wasm[0]::poly:
;;   vaddsd xmm2,xmm0,QWORD PTR [rip+.L0]
;;   vmulsd xmm2,xmm2,xmm1
;;   vdivsd xmm0,xmm0,xmm1
;;   vaddsd xmm0,xmm2,xmm0
;;   ret
;;   nop    DWORD PTR [rax]
;; .L0:
;;   .quad  0x3ff8000000000000
;;
;; wasm[1]::sum:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x4]
;;   mov    rcx,QWORD PTR [r14+0x58]
;;   xor    edx,edx
;;   vxorps xmm0,xmm0,xmm0
;;   cmp    edx,esi
;;   jae    .L1
;; .L0:
;;   lea    r8d,[rdi+rdx*4]
;;   cmp    r8,rax
;;   jg     .L2
;;   vxorps xmm1,xmm1,xmm1
;;   vcvtsi2ss xmm1,xmm1,edx
;;   vmulss xmm1,xmm1,DWORD PTR [rcx+r8*1]
;;   vaddss xmm0,xmm1,xmm0
;;   lea    edx,[rdx+0x1]
;;   cmp    edx,esi
;;   jb     .L0
;; .L1:
;;   vandps xmm0,xmm0,XMMWORD PTR [rip+.L3]
;;   vxorps xmm0,xmm0,XMMWORD PTR [rip+.L4]
;;   ret
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
;;   xchg   ax,ax
;; .L3:
;;   .quad  0x7fffffff
;;   .quad  0x0
;; .L4:
;;   .quad  0x80000000
;;   .quad  0x0
