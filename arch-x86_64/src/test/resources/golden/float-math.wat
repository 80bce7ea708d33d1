;; Float math. $poly evaluates c0 + x*(c1 + x*(c2 + x*c3)) by Horner's rule (constants from a
;; RIP-relative pool or materialised); $clamp is min/max with their NaN and -0.0 rules;
;; $convert mixes int<->float conversions, including the trapping f64 -> i32 truncation;
;; $sat is the saturating truncation; $rounding uses SSE4.1 roundsd (available in FEATURES).
(module
  (func $poly (export "poly") (param $x f64) (result f64)
    (f64.add (f64.const 1.0)
      (f64.mul (local.get $x)
        (f64.add (f64.const -0.5)
          (f64.mul (local.get $x)
            (f64.add (f64.const 0.25)
              (f64.mul (local.get $x) (f64.const -0.125))))))))

  (func $clamp (export "clamp") (param $x f32) (param $lo f32) (param $hi f32) (result f32)
    (f32.min (f32.max (local.get $x) (local.get $lo)) (local.get $hi)))

  (func $convert (export "convert") (param $a i32) (param $b i64) (param $x f64) (result i32)
    (i32.trunc_f64_s
      (f64.add
        (f64.add (f64.convert_i32_s (local.get $a)) (f64.convert_i64_u (local.get $b)))
        (f64.sqrt (f64.abs (local.get $x))))))

  (func $sat (export "sat") (param $x f32) (result i64)
    (i64.trunc_sat_f32_u (local.get $x)))

  (func $rounding (export "rounding") (param $x f64) (result f64)
    (f64.add (f64.floor (local.get $x))
      (f64.add (f64.nearest (local.get $x)) (f64.copysign (local.get $x) (f64.const -1)))))

  (func $fcmp (export "fcmp") (param $x f64) (param $y f64) (result i32)
    (if (result i32) (f64.lt (local.get $x) (local.get $y))
      (then (i32.const 1))
      (else (i32.const 2))))
)

;; ---- expected ----
;; wasm[0]::poly:
;;   movaps xmm1,xmm0
;;   mulsd  xmm1,QWORD PTR [rip+.L0]
;;   addsd  xmm1,QWORD PTR [rip+.L1]
;;   mulsd  xmm1,xmm0
;;   addsd  xmm1,QWORD PTR [rip+.L2]
;;   mulsd  xmm1,xmm0
;;   movaps xmm0,xmm1
;;   addsd  xmm0,QWORD PTR [rip+.L3]
;;   ret
;;   nop
;; .L0:
;;   .quad  0xbfc0000000000000
;; .L1:
;;   .quad  0x3fd0000000000000
;; .L2:
;;   .quad  0xbfe0000000000000
;; .L3:
;;   .quad  0x3ff0000000000000
;;
;; wasm[1]::clamp:
;;   ucomiss xmm0,xmm1
;;   jp     .L1
;;   jne    .L0
;;   andps  xmm0,xmm1
;;   jmp    .L2
;; .L0:
;;   maxss  xmm0,xmm1
;;   jmp    .L2
;; .L1:
;;   addss  xmm0,xmm1
;; .L2:
;;   ucomiss xmm0,xmm2
;;   jp     .L4
;;   jne    .L3
;;   orps   xmm0,xmm2
;;   jmp    .L5
;; .L3:
;;   minss  xmm0,xmm2
;;   jmp    .L5
;; .L4:
;;   addss  xmm0,xmm2
;; .L5:
;;   ret
;;
;; wasm[2]::convert:
;;   xorps  xmm1,xmm1
;;   cvtsi2sd xmm1,edi
;;   xorps  xmm2,xmm2
;;   test   rsi,rsi
;;   js     .L0
;;   cvtsi2sd xmm2,rsi
;;   jmp    .L2
;; .L0:
;;   mov    r11,rsi
;;   shr    r11,1
;;   jae    .L1
;;   or     r11,0x1
;; .L1:
;;   cvtsi2sd xmm2,r11
;;   addsd  xmm2,xmm2
;; .L2:
;;   addsd  xmm1,xmm2
;;   andps  xmm0,XMMWORD PTR [rip+.L7]
;;   sqrtsd xmm0,xmm0
;;   addsd  xmm1,xmm0
;;   cvttsd2si eax,xmm1
;;   cmp    eax,0x1
;;   jno    .L3
;;   ucomisd xmm1,xmm1
;;   jp     .L4
;;   ucomisd xmm1,QWORD PTR [rip+.L8]
;;   jbe    .L5
;;   ucomisd xmm1,QWORD PTR [rip+.L9]
;;   ja     .L6
;; .L3:
;;   ret
;; .L4:
;;   call   kiln_trap[invalid_conversion_to_integer]
;; .L5:
;;   call   kiln_trap[integer_overflow]
;; .L6:
;;   call   kiln_trap[integer_overflow]
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;; .L7:
;;   .quad  0x7fffffffffffffff
;;   .quad  0x0
;; .L8:
;;   .quad  0xc1e0000000200000
;; .L9:
;;   .quad  0xc1e0000000000000
;;
;; wasm[3]::sat:
;;   ucomiss xmm0,DWORD PTR [rip+.L4]
;;   jbe    .L2
;;   ucomiss xmm0,DWORD PTR [rip+.L5]
;;   jae    .L1
;;   ucomiss xmm0,DWORD PTR [rip+.L6]
;;   jae    .L0
;;   cvttss2si rax,xmm0
;;   jmp    .L3
;; .L0:
;;   movaps xmm15,xmm0
;;   subss  xmm15,DWORD PTR [rip+.L6]
;;   cvttss2si rax,xmm15
;;   movabs r11,0x8000000000000000
;;   xor    rax,r11
;;   jmp    .L3
;; .L1:
;;   mov    rax,0xffffffffffffffff
;;   jmp    .L3
;; .L2:
;;   xor    eax,eax
;; .L3:
;;   ret
;;   nop
;; .L4:
;;   .long  0xbf800000
;; .L5:
;;   .long  0x5f800000
;; .L6:
;;   .long  0x5f000000
;;
;; wasm[4]::rounding:
;;   roundsd xmm1,xmm0,0x1
;;   roundsd xmm2,xmm0,0x0
;;   movsd  xmm3,QWORD PTR [rip+.L2]
;;   andps  xmm3,XMMWORD PTR [rip+.L0]
;;   andps  xmm0,XMMWORD PTR [rip+.L1]
;;   orps   xmm0,xmm3
;;   addsd  xmm2,xmm0
;;   movaps xmm0,xmm1
;;   addsd  xmm0,xmm2
;;   ret
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    WORD PTR [rax+rax*1+0x0]
;; .L0:
;;   .quad  0x8000000000000000
;;   .quad  0x0
;; .L1:
;;   .quad  0x7fffffffffffffff
;;   .quad  0x0
;; .L2:
;;   .quad  0xbff0000000000000
;;
;; wasm[5]::fcmp:
;;   ucomisd xmm1,xmm0
;;   jbe    .L0
;;   mov    eax,0x1
;;   jmp    .L1
;; .L0:
;;   mov    eax,0x2
;; .L1:
;;   ret
