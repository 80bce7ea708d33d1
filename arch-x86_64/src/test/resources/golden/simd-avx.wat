;; 128-bit SIMD with AVX but without AVX2: the three-operand VEX forms, and splats as on SSE4.1
;; (vpshufb with a zero register, vpshufd), since vpbroadcast* from a register needs AVX2; v128 loads
;; as memory operands.
;; option: avx
(module
  (func $splats (export "splats") (param $b i32) (param $w i32) (param $f f32) (result v128)
    (v128.xor (v128.xor (i8x16.splat (local.get $b)) (i16x8.splat (local.get $w)))
              (f32x4.splat (local.get $f))))

  (func $saxpy (export "saxpy") (param $a v128) (param $x v128) (param $y v128) (result v128)
    (f32x4.add (f32x4.mul (local.get $a) (local.get $x)) (local.get $y)))

  (func $shifts (export "shifts") (param $x v128) (param $n i32) (result v128)
    (v128.or (i32x4.shl (local.get $x) (i32.const 3))
             (i16x8.shr_u (local.get $x) (local.get $n))))

  (func $replace (export "replace") (param $x v128) (param $v i32) (result v128)
    (i32x4.replace_lane 2 (local.get $x) (local.get $v)))

  ;; a v128 load used only by a packed operation is its memory operand (VEX needs no alignment):
  ;; either operand of a commutative operation, the second of another; the first operand of a
  ;; subtraction stays a load
  (memory 1)
  (func $dot (export "dot") (param $p i32) (param $q i32) (result v128)
    (f32x4.mul (v128.load (local.get $p)) (v128.load offset=16 (local.get $q))))
  (func $diff (export "diff") (param $p i32) (param $x v128) (result v128)
    (i16x8.sub (local.get $x) (v128.load offset=3 (local.get $p))))
  (func $rdiff (export "rdiff") (param $p i32) (param $x v128) (result v128)
    (i16x8.sub (v128.load (local.get $p)) (local.get $x))))

;; ---- expected ----
;; wasm[0]::splats:
;;   vmovd  xmm1,edi
;;   vpxor  xmm2,xmm2,xmm2
;;   vpshufb xmm1,xmm1,xmm2
;;   vmovd  xmm2,esi
;;   vpshuflw xmm2,xmm2,0x0
;;   vpshufd xmm2,xmm2,0x0
;;   vpxor  xmm1,xmm1,xmm2
;;   vpshufd xmm0,xmm0,0x0
;;   vpxor  xmm0,xmm1,xmm0
;;   ret
;;
;; wasm[1]::saxpy:
;;   vmulps xmm0,xmm0,xmm1
;;   vaddps xmm0,xmm0,xmm2
;;   ret
;;
;; wasm[2]::shifts:
;;   vpslld xmm1,xmm0,0x3
;;   and    edi,0xf
;;   vmovd  xmm2,edi
;;   vpsrlw xmm0,xmm0,xmm2
;;   vpor   xmm0,xmm1,xmm0
;;   ret
;;
;; wasm[3]::replace:
;;   vpinsrd xmm0,xmm0,edi,0x2
;;   ret
;;
;; wasm[4]::dot:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rcx,[rax-0x20]
;;   lea    rax,[rax-0x10]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   vmovups xmm0,XMMWORD PTR [rax+rdi*1]
;;   cmp    rsi,rcx
;;   jg     .L1
;;   vmulps xmm0,xmm0,XMMWORD PTR [rax+rsi*1+0x10]
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L1:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[5]::diff:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x13]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   vpsubw xmm0,xmm0,XMMWORD PTR [rax+rdi*1+0x3]
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[6]::rdiff:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x10]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   vmovups xmm1,XMMWORD PTR [rax+rdi*1]
;;   vpsubw xmm0,xmm1,xmm0
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
