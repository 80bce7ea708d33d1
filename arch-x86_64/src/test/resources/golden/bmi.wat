;; With BMI1/BMI2 (recorded in the artifact's CPU features when used), the copies that two-address
;; x86 needs go: a rotate of a value that stays live is one rorx (no mov, no flags), and ~a & b is
;; one andn; a shift by a variable count is shlx/shrx/sarx with the count in any register (no copy
;; into cl). $sigma1_ch is the e-side of a SHA-256 round: Σ1(e) + Ch(e, f, g).
;; option: bmi
(module
  (func $sigma1_ch (export "sigma1_ch") (param $e i32) (param $f i32) (param $g i32) (result i32)
    (i32.add
      (i32.xor (i32.xor (i32.rotr (local.get $e) (i32.const 6)) (i32.rotr (local.get $e) (i32.const 11)))
               (i32.rotr (local.get $e) (i32.const 25)))
      (i32.xor (i32.and (local.get $e) (local.get $f))
               (i32.and (i32.xor (local.get $e) (i32.const -1)) (local.get $g)))))
  (func $rotl64 (export "rotl64") (param $x i64) (result i64)
    (i64.xor (i64.rotl (local.get $x) (i64.const 7)) (local.get $x)))
  (func $shifts (export "shifts") (param $x i32) (param $y i64) (param $n i32) (result i64)
    (i64.add (i64.extend_i32_u (i32.add (i32.shl (local.get $x) (local.get $n)) (i32.shr_s (local.get $x) (local.get $n))))
             (i64.shr_u (local.get $y) (i64.extend_i32_u (local.get $n)))))
)

;; ---- expected ----
;; wasm[0]::sigma1_ch:
;;   rorx   eax,edi,0x6
;;   rorx   ecx,edi,0xb
;;   xor    eax,ecx
;;   rorx   ecx,edi,0x19
;;   xor    eax,ecx
;;   and    esi,edi
;;   andn   edi,edi,edx
;;   xor    esi,edi
;;   lea    eax,[rax+rsi*1]
;;   ret
;;
;; wasm[1]::rotl64:
;;   rorx   rax,rdi,0x39
;;   xor    rax,rdi
;;   ret
;;
;; wasm[2]::shifts:
;;   shlx   eax,edi,edx
;;   sarx   ecx,edi,edx
;;   lea    eax,[rax+rcx*1]
;;   shrx   rcx,rsi,rdx
;;   lea    rax,[rax+rcx*1]
;;   ret
