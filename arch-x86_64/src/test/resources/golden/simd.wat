;; 128-bit SIMD on SSE4.1. $dot is an f32 dot product over linear memory, four lanes per iteration
;; (v128.load as movups with its bounds check, mulps/addps in registers), reduced with shuffles;
;; $count_byte counts the bytes equal to $b in 16 bytes (splat by pshufb, pcmpeqb, pmovmskb, popcnt);
;; $shuffles shows the shuffle patterns: whole 32-bit lanes of one operand (pshufd), bytes of one
;; operand (pshufb with a pool mask), interleaved low halves (punpcklbw), 16 consecutive bytes of the
;; concatenation (palignr); $minmax is Wasm's f32x4.min
;; with its NaN and -0 rules; $mul64 is i64x2.mul from three pmuludq (no pmullq in SSE4.1).
(module
  (memory 1)
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc v128) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i)))
                       (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $acc (f32x4.add (local.get $acc)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))))

  (func $count_byte (export "count_byte") (param $p i32) (param $b i32) (result i32)
    (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (i8x16.splat (local.get $b))))))

  (func $shuffles (export "shuffles") (param $x v128) (param $y v128) (result v128)
    (v128.xor
      (v128.xor
        (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $x) (local.get $y))
        (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $x) (local.get $y)))
      (v128.xor
        (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $x) (local.get $y))
        (i8x16.shuffle 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 (local.get $x) (local.get $y)))))

  (func $minmax (export "minmax") (param $x v128) (param $y v128) (result v128)
    (f32x4.min (local.get $x) (local.get $y)))

  (func $mul64 (export "mul64") (param $x v128) (param $y v128) (result v128)
    (i64x2.mul (local.get $x) (local.get $y))))

;; ---- expected ----
;; wasm[0]::dot:
;;   pxor   xmm0,xmm0
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x10]
;;   mov    rcx,QWORD PTR [r14+0x58]
;;   xor    r8d,r8d
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   cmp    r8d,edx
;;   jae    .L1
;; .L0:
;;   lea    r9d,[rdi+r8*1]
;;   cmp    r9,rax
;;   jg     .L2
;;   movups xmm1,XMMWORD PTR [rcx+r9*1]
;;   lea    r9d,[rsi+r8*1]
;;   cmp    r9,rax
;;   jg     .L3
;;   movups xmm2,XMMWORD PTR [rcx+r9*1]
;;   mulps  xmm1,xmm2
;;   addps  xmm1,xmm0
;;   lea    r8d,[r8+0x10]
;;   movaps xmm0,xmm1
;;   cmp    r8d,edx
;;   jb     .L0
;; .L1:
;;   pshufd xmm1,xmm0,0x4e
;;   addps  xmm1,xmm0
;;   movaps xmm0,xmm1
;;   pshufd xmm1,xmm1,0x1
;;   addss  xmm0,xmm1
;;   ret
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L3:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[1]::count_byte:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x10]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   movups xmm0,XMMWORD PTR [rax+rdi*1]
;;   movd   xmm1,esi
;;   pxor   xmm2,xmm2
;;   pshufb xmm1,xmm2
;;   pcmpeqb xmm0,xmm1
;;   pmovmskb eax,xmm0
;;   popcnt eax,eax
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[2]::shuffles:
;;   pshufd xmm2,xmm0,0xb1
;;   movaps xmm3,xmm0
;;   pshufb xmm3,XMMWORD PTR [rip+.L0]
;;   pxor   xmm2,xmm3
;;   movaps xmm3,xmm0
;;   punpcklbw xmm3,xmm1
;;   palignr xmm1,xmm0,0x3
;;   movaps xmm0,xmm3
;;   pxor   xmm0,xmm1
;;   movaps xmm1,xmm2
;;   pxor   xmm1,xmm0
;;   movaps xmm0,xmm1
;;   ret
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax]
;; .L0:
;;   .quad  0x8090a0b0c0d0e0f
;;   .quad  0x1020304050607
;;
;; wasm[3]::minmax:
;;   movaps xmm2,xmm1
;;   minps  xmm2,xmm0
;;   minps  xmm0,xmm1
;;   orps   xmm2,xmm0
;;   cmpunordps xmm0,xmm2
;;   orps   xmm2,xmm0
;;   psrld  xmm0,0xa
;;   andnps xmm0,xmm2
;;   ret
;;
;; wasm[4]::mul64:
;;   movaps xmm2,xmm0
;;   psrlq  xmm2,0x20
;;   pmuludq xmm2,xmm1
;;   movaps xmm3,xmm1
;;   psrlq  xmm3,0x20
;;   pmuludq xmm3,xmm0
;;   paddq  xmm2,xmm3
;;   psllq  xmm2,0x20
;;   pmuludq xmm0,xmm1
;;   paddq  xmm0,xmm2
;;   ret
