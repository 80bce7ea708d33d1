;; The `get(i)` sum loop over a u32 array whose address and element count are the two u64 fields of
;; the store data, once with the unchecked intrinsic (`get`: one load per element plus the loop's own
;; compare and branch) and once with the checked one compiled without the Spectre guard
;; (`get-checked`, trusted code: one more compare and branch, the bounds check). The store-data loads
;; are invariant or loop-invariant and leave the loop. With the guard (the default), see
;; host-buffer-loop.wat: the guard adds a compare and a conditional move.
;; option: no-spectre-guard
;; builtin host:
;;   (module
;;     (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
;;     (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
;;     (import "unsafe-intrinsics" "u32-native-load" (func $ld32 (param i64) (result i32)))
;;     (import "unsafe-intrinsics" "u32-checked-native-load" (func $ld32c (param i64 i64 i64) (result i32)))
;;     (func (export "get") (param $i i64) (result i32)
;;       (call $ld32 (i64.add (call $ld64 (call $sda)) (i64.shl (local.get $i) (i64.const 2)))))
;;     (func (export "get-checked") (param $i i64) (result i32)
;;       (call $ld32c (call $ld64 (call $sda)) (i64.shl (local.get $i) (i64.const 2))
;;                    (i64.shl (call $ld64 (i64.add (call $sda) (i64.const 8))) (i64.const 2))))
;;     (func (export "count") (result i64) (call $ld64 (i64.add (call $sda) (i64.const 8)))))
;; check sum: calls=0 loop-calls=0 loop-loads=1 loop-compares=1
;; check sum_checked: calls=0 loop-calls=0 loop-loads=1 loop-compares=2
(module
  (import "host" "get" (func $get (param i64) (result i32)))
  (import "host" "get-checked" (func $get_checked (param i64) (result i32)))
  (import "host" "count" (func $count (result i64)))
  (func $sum (export "sum") (result i32) (local $i i64) (local $n i64) (local $sum i32)
    (local.set $n (call $count))
    (if (i64.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (call $get (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))
  (func $sum_checked (export "sum_checked") (result i32) (local $i i64) (local $n i64) (local $sum i32)
    (local.set $n (call $count))
    (if (i64.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (call $get_checked (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))
)

;; ---- expected ----
;; wasm[0]::sum:
;;   mov    rax,QWORD PTR [r14]
;;   mov    rax,QWORD PTR [rax+0x28]
;;   mov    rcx,QWORD PTR [rax+0x8]
;;   test   rcx,rcx
;;   jne    .L0
;;   xor    eax,eax
;;   ret
;; .L0:
;;   mov    rax,QWORD PTR [rax]
;;   xor    edx,edx
;;   xor    esi,esi
;; .L1:
;;   add    edx,DWORD PTR [rax+rsi*4]
;;   lea    rsi,[rsi+0x1]
;;   cmp    rsi,rcx
;;   jb     .L1
;;   mov    eax,edx
;;   ret
;; wasm[1]::sum_checked:
;;   mov    rax,QWORD PTR [r14]
;;   mov    rax,QWORD PTR [rax+0x28]
;;   mov    rcx,QWORD PTR [rax+0x8]
;;   test   rcx,rcx
;;   jne    .L0
;;   xor    eax,eax
;;   ret
;; .L0:
;;   mov    rax,QWORD PTR [rax]
;;   mov    rdx,rcx
;;   shl    rdx,0x2
;;   lea    rsi,[rdx-0x3]
;;   cmp    rdx,0x4
;;   mov    edx,0x0
;;   cmovae rdx,rsi
;;   xor    esi,esi
;;   xor    edi,edi
;;   nop    WORD PTR [rax+rax*1+0x0]
;;   nop    DWORD PTR [rax+rax*1+0x0]
;; .L1:
;;   mov    r8,rdi
;;   shl    r8,0x2
;;   cmp    r8,rdx
;;   jae    .L2
;;   add    esi,DWORD PTR [rax+r8*1]
;;   lea    rdi,[rdi+0x1]
;;   cmp    rdi,rcx
;;   jb     .L1
;;   mov    eax,esi
;;   ret
;; .L2:
;;   ud1    eax,ebp  ; trap memory_out_of_bounds
