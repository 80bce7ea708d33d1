;; select and comparisons: a select on a comparison should become cmp + cmov (no branch, no
;; setcc/test pair); a comparison used as a value should be cmp + setcc + movzx.
(module
  (func $max_s (export "max_s") (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.gt_s (local.get $a) (local.get $b))))

  (func $select_i64 (export "select_i64") (param $a i64) (param $b i64) (param $c i32) (result i64)
    (select (local.get $a) (local.get $b) (local.get $c)))

  (func $select_f64 (export "select_f64") (param $a f64) (param $b f64) (param $c i32) (result f64)
    (select (local.get $a) (local.get $b) (local.get $c)))

  (func $is_lt_u (export "is_lt_u") (param $a i64) (param $b i64) (result i32)
    (i64.lt_u (local.get $a) (local.get $b)))

  (func $bits (export "bits") (param $x i32) (result i32)
    (i32.add (i32.popcnt (local.get $x)) (i32.rotl (local.get $x) (i32.const 5))))
)

;; ---- expected ----
;; wasm[0]::max_s:
;;   cmp    edi,esi
;;   mov    eax,edi
;;   cmovle eax,esi
;;   ret
;;
;; wasm[1]::select_i64:
;;   test   edx,edx
;;   mov    rax,rdi
;;   cmove  rax,rsi
;;   ret
;;
;; wasm[2]::select_f64:
;;   test   edi,edi
;;   jne    .L0
;;   movaps xmm0,xmm1
;; .L0:
;;   ret
;;
;; wasm[3]::is_lt_u:
;;   cmp    rdi,rsi
;;   setb   al
;;   movzx  eax,al
;;   ret
;;
;; wasm[4]::bits:
;;   popcnt eax,edi
;;   rol    edi,0x5
;;   lea    eax,[rax+rdi*1]
;;   ret
