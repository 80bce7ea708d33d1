;; Integer division and remainder with their traps: division by zero, signed overflow
;; (INT_MIN / -1 traps for div_s, while INT_MIN rem -1 is 0 and must not fault in idiv), and
;; division by a constant: no checks, a multiplication by the reciprocal (Granlund-Montgomery) or
;; shifts for powers of two, in 32 bits (a 64-bit imul) and 64 bits (mul/imul into rdx:rax).
(module
  (func $div_s (export "div_s") (param $a i32) (param $b i32) (result i32)
    (i32.div_s (local.get $a) (local.get $b)))
  (func $div_u (export "div_u") (param $a i32) (param $b i32) (result i32)
    (i32.div_u (local.get $a) (local.get $b)))
  (func $rem_s (export "rem_s") (param $a i64) (param $b i64) (result i64)
    (i64.rem_s (local.get $a) (local.get $b)))
  (func $rem_u (export "rem_u") (param $a i64) (param $b i64) (result i64)
    (i64.rem_u (local.get $a) (local.get $b)))
  (func $div_by_10 (export "div_by_10") (param $a i32) (result i32)
    (i32.div_u (local.get $a) (i32.const 10)))
  (func $div_by_8 (export "div_by_8") (param $a i32) (result i32)
    (i32.div_s (local.get $a) (i32.const 8)))
  (func $div_s_by_7 (export "div_s_by_7") (param $a i32) (result i32)
    (i32.div_s (local.get $a) (i32.const 7)))
  (func $rem_u_by_1000 (export "rem_u_by_1000") (param $a i64) (result i64)
    (i64.rem_u (local.get $a) (i64.const 1000)))
  (func $div_s_by_minus_3 (export "div_s_by_minus_3") (param $a i64) (result i64)
    (i64.div_s (local.get $a) (i64.const -3)))
)

;; ---- expected ----
;; wasm[0]::div_s:
;;   mov    eax,edi
;;   test   esi,esi
;;   je     .L1
;;   cmp    esi,0xffffffff
;;   jne    .L0
;;   cmp    eax,0x80000000
;;   je     .L2
;; .L0:
;;   cdq
;;   idiv   esi
;;   ret
;; .L1:
;;   call   kiln_trap[integer_divide_by_zero]
;; .L2:
;;   call   kiln_trap[integer_overflow]
;;
;; wasm[1]::div_u:
;;   mov    eax,edi
;;   test   esi,esi
;;   je     .L0
;;   xor    edx,edx
;;   div    esi
;;   ret
;; .L0:
;;   call   kiln_trap[integer_divide_by_zero]
;;
;; wasm[2]::rem_s:
;;   mov    rax,rdi
;;   test   rsi,rsi
;;   je     .L2
;;   cmp    rsi,0xffffffffffffffff
;;   jne    .L0
;;   xor    edx,edx
;;   jmp    .L1
;; .L0:
;;   cqo
;;   idiv   rsi
;; .L1:
;;   mov    rax,rdx
;;   ret
;; .L2:
;;   call   kiln_trap[integer_divide_by_zero]
;;
;; wasm[3]::rem_u:
;;   mov    rax,rdi
;;   test   rsi,rsi
;;   je     .L0
;;   xor    edx,edx
;;   div    rsi
;;   mov    rax,rdx
;;   ret
;; .L0:
;;   call   kiln_trap[integer_divide_by_zero]
;;
;; wasm[4]::div_by_10:
;;   mov    rax,rdi
;;   mov    ecx,0xcccccccd
;;   imul   rax,rcx
;;   shr    rax,0x23
;;   ret
;;
;; wasm[5]::div_by_8:
;;   mov    eax,edi
;;   sar    eax,0x2
;;   shr    eax,0x1d
;;   lea    eax,[rax+rdi*1]
;;   sar    eax,0x3
;;   ret
;;
;; wasm[6]::div_s_by_7:
;;   movsxd rax,edi
;;   imul   rax,rax,0xffffffff92492493
;;   shr    rax,0x20
;;   lea    eax,[rax+rdi*1]
;;   sar    eax,0x2
;;   shr    edi,0x1f
;;   lea    eax,[rax+rdi*1]
;;   ret
;;
;; wasm[7]::rem_u_by_1000:
;;   mov    rax,rdi
;;   shr    rax,0x3
;;   movabs rcx,0x20c49ba5e353f7cf
;;   mul    rcx
;;   shr    rdx,0x4
;;   imul   rax,rdx,0x3e8
;;   sub    rdi,rax
;;   mov    rax,rdi
;;   ret
;;
;; wasm[8]::div_s_by_minus_3:
;;   movabs rcx,0x5555555555555556
;;   mov    rax,rdi
;;   imul   rcx
;;   shr    rdi,0x3f
;;   lea    rdx,[rdx+rdi*1]
;;   mov    rax,rdx
;;   neg    rax
;;   ret
