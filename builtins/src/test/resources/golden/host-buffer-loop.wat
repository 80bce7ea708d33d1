;; A guest loop summing a host buffer through compile-time builtins (DESIGN §4). Each function is
;; compiled together with a builtin, and its loop must come out as hand-written native code would:
;; one load per element, no call. The first line of each block is the guest; the builtin is given
;; after "builtin NAME:" lines; the expected listing of the guest's exported function follows.
;;
;; sum_u32: the builtin `get(i)` reads element i of a u32 array whose base address and element count
;; are the two u64 fields of the store data, with the checked intrinsic (bounds check and Spectre
;; guard in the loop, the store-data loads hoisted out of it).
;; builtin host:
;;   (module
;;     (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
;;     (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
;;     (import "unsafe-intrinsics" "u32-checked-native-load" (func $ld32 (param i64 i64 i64) (result i32)))
;;     (func (export "get") (param $i i64) (result i32)
;;       (call $ld32 (call $ld64 (call $sda)) (i64.shl (local.get $i) (i64.const 2))
;;                   (i64.shl (call $ld64 (i64.add (call $sda) (i64.const 8))) (i64.const 2))))
;;     (func (export "count") (result i64) (call $ld64 (i64.add (call $sda) (i64.const 8)))))
;; builtin host-buffers: HostBuffers.builtin()
;; check sum_u32: calls=0 loop-calls=0 loop-loads=1
;; check sum_bytes: calls=0 loop-calls=0 loop-loads=1
(module
  (import "host" "get" (func $get (param i64) (result i32)))
  (import "host" "count" (func $count (result i64)))
  (import "host-buffers" "len" (func $len (param i32) (result i64)))
  (import "host-buffers" "get-u8" (func $get_u8 (param i32 i64) (result i32)))
  (func $sum_u32 (export "sum_u32") (result i32)
    (local $i i64) (local $n i64) (local $sum i32)
    (local.set $n (call $count))
    (if (i64.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (call $get (local.get $i))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))
  ;; the same over the bytes of HostBuffers handle h (handle-table look-ups hoisted; the bounds check
  ;; goes, since i starts at 0 < n and the loop's exit test keeps it below n, the same length value;
  ;; the Spectre guard's cmov stays)
  (func $sum_bytes (export "sum_bytes") (param $h i32) (result i64)
    (local $i i64) (local $n i64) (local $sum i64)
    (local.set $n (call $len (local.get $h)))
    (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
    (loop $next
      (local.set $sum (i64.add (local.get $sum)
        (i64.extend_i32_u (call $get_u8 (local.get $h) (local.get $i)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))
)

;; ---- expected ----
;; wasm[0]::sum_u32:
;;   push   rbx
;;   mov    rax,QWORD PTR [r14]
;;   mov    rax,QWORD PTR [rax+0x28]
;;   mov    rcx,QWORD PTR [rax+0x8]
;;   test   rcx,rcx
;;   jne    .L0
;;   xor    eax,eax
;;   pop    rbx
;;   ret
;; .L0:
;;   mov    rax,QWORD PTR [rax]
;;   mov    rdx,rcx
;;   shl    rdx,0x2
;;   lea    rsi,[rdx-0x3]
;;   cmp    rdx,0x4
;;   mov    edx,0x0
;;   cmovae rdx,rsi
;;   mov    rsi,rax
;;   neg    rsi
;;   xor    edi,edi
;;   xor    r8d,r8d
;;   nop    DWORD PTR [rax+rax*1+0x0]
;; .L1:
;;   mov    r9,r8
;;   shl    r9,0x2
;;   cmp    r9,rdx
;;   jae    .L2
;;   mov    rbx,rsi
;;   cmovb  rbx,r9
;;   add    edi,DWORD PTR [rax+rbx*1]
;;   lea    r8,[r8+0x1]
;;   cmp    r8,rcx
;;   jb     .L1
;;   mov    eax,edi
;;   pop    rbx
;;   ret
;; .L2:
;;   ud1    eax,ebp  ; trap memory_out_of_bounds
;; wasm[1]::sum_bytes:
;;   mov    rax,QWORD PTR [r14]
;;   mov    rax,QWORD PTR [rax+0x28]
;;   shl    rdi,0x4
;;   mov    rcx,QWORD PTR [rax]
;;   lea    rdx,[rdi+0x8]
;;   mov    rax,QWORD PTR [rax+0x8]
;;   lea    rsi,[rax-0x7]
;;   cmp    rax,0x8
;;   mov    eax,0x0
;;   cmovae rax,rsi
;;   cmp    rdx,rax
;;   jae    .L0
;;   mov    rsi,rcx
;;   neg    rsi
;;   cmp    rdx,rax
;;   mov    r8,rsi
;;   cmovb  r8,rdx
;;   mov    rdx,QWORD PTR [rcx+r8*1]
;;   test   rdx,rdx
;;   jne    .L1
;;   xor    eax,eax
;;   ret
;; .L0:
;;   ud1    eax,ebp  ; trap memory_out_of_bounds
;; .L1:
;;   cmp    rdi,rax
;;   jae    .L3
;;   cmovb  rsi,rdi
;;   mov    rax,QWORD PTR [rcx+rsi*1]
;;   mov    rcx,rax
;;   neg    rcx
;;   xor    esi,esi
;;   xor    edi,edi
;; .L2:
;;   cmp    rdi,rdx
;;   mov    r8,rcx
;;   cmovb  r8,rdi
;;   movzx  r8d,BYTE PTR [rax+r8*1]
;;   lea    rsi,[rsi+r8*1]
;;   lea    rdi,[rdi+0x1]
;;   cmp    rdi,rdx
;;   jb     .L2
;;   mov    rax,rsi
;;   ret
;; .L3:
;;   ud1    eax,ebp  ; trap memory_out_of_bounds
