;; Wasmtime's zero-copy example of compile-time builtins: the guest increments each byte of a host
;; buffer in place through `get` and `set` builtins that share a `bounds-check` helper. The store
;; data is the host's struct { u64 address; u64 length }. Bottom-up inlining puts the helper into
;; `get` and `set` and both into the guest: no call is left in the loop. The byte store may alias
;; the store data (both are native memory), so loop versioning reads the buffer's address and length
;; once before the loop, checks that [address, address + length) does not overlap the store data's
;; 12 bytes it reads, and runs a loop with one load per element; the original loop, which reads both
;; fields each element, runs when the ranges overlap (it comes last). In the checked loop the bounds
;; check i < length goes too (InductionCheckElimination): i starts below the length, as the check
;; before the loop found, and the loop's exit test keeps it there, so the loop is the 6 instructions
;; of the same loop over linear memory.
;; builtin host:
;;   (module
;;     (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
;;     (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
;;     (import "unsafe-intrinsics" "u8-native-load" (func $ld8 (param i64) (result i32)))
;;     (import "unsafe-intrinsics" "u8-native-store" (func $st8 (param i64 i32)))
;;     (func $base (result i64) (call $ld64 (call $sda)))
;;     (func $len (export "len") (result i32) (i32.wrap_i64 (call $ld64 (i64.add (call $sda) (i64.const 8)))))
;;     (func $bounds-check (param $i i32)
;;       (if (i32.ge_u (local.get $i) (call $len)) (then (unreachable))))
;;     (func (export "get") (param $i i32) (result i32)
;;       (call $bounds-check (local.get $i))
;;       (call $ld8 (i64.add (call $base) (i64.extend_i32_u (local.get $i)))))
;;     (func (export "set") (param $i i32) (param $v i32)
;;       (call $bounds-check (local.get $i))
;;       (call $st8 (i64.add (call $base) (i64.extend_i32_u (local.get $i))) (local.get $v))))
;; check increment_all: calls=0 loop-calls=0 loop-loads=1 loop-compares=1
(module
  (import "host" "len" (func $len (result i32)))
  (import "host" "get" (func $get (param i32) (result i32)))
  (import "host" "set" (func $set (param i32 i32)))
  (func $increment_all (export "increment_all") (local $i i32) (local $n i32)
    (local.set $n (call $len))
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (call $set (local.get $i) (i32.add (call $get (local.get $i)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $n))))))
)

;; ---- expected ----
;; wasm[0]::increment_all:
;;   mov    rax,QWORD PTR [r14]
;;   mov    rax,QWORD PTR [rax+0x28]
;;   mov    ecx,DWORD PTR [rax+0x8]
;;   test   ecx,ecx
;;   je     .L1
;;   xor    edx,edx
;;   cmp    edx,ecx
;;   jae    .L2
;;   mov    rsi,QWORD PTR [rax]
;;   lea    rdi,[rax+0xb]
;;   cmp    rdi,rax
;;   jb     .L2
;;   lea    r8d,[rcx-0x1]
;;   lea    r8,[r8+rsi*1]
;;   cmp    r8,rsi
;;   jb     .L2
;;   cmp    r8,rax
;;   setb   r8b
;;   movzx  r8d,r8b
;;   cmp    rdi,rsi
;;   setb   dil
;;   movzx  edi,dil
;;   or     r8d,edi
;;   je     .L2
;; .L0:
;;   movzx  eax,BYTE PTR [rsi+rdx*1]
;;   lea    eax,[rax+0x1]
;;   mov    BYTE PTR [rsi+rdx*1],al
;;   lea    edx,[rdx+0x1]
;;   cmp    edx,ecx
;;   jb     .L0
;; .L1:
;;   ret
;; .L2:
;;   cmp    edx,DWORD PTR [rax+0x8]
;;   jae    .L3
;;   mov    rsi,QWORD PTR [rax]
;;   movzx  edi,BYTE PTR [rsi+rdx*1]
;;   lea    edi,[rdi+0x1]
;;   mov    BYTE PTR [rsi+rdx*1],dil
;;   lea    edx,[rdx+0x1]
;;   cmp    edx,ecx
;;   jb     .L2
;;   jmp    .L1
;; .L3:
;;   ud1    eax,ecx  ; trap unreachable
