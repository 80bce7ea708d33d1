;; The guest of bench HostBufferBenchmark.slowPathBuiltin (an i64 count whose low half the loop tests,
;; an i64 sum) over the reader of cold-slow-path.wat.
;; "Inline fast path, out-of-line slow path": the builtin `next` returns the next byte of a host
;; buffer whose cursor and end live in the store data { u64 cursor; u64 end }; when the buffer is
;; used up it calls `refill`, a helper that calls the host (an import of the builtin), so `refill`
;; is a cold callee: `next` is inlined into the guest's loop and the one call left, to `refill`, is on
;; the slow path only. The cursor and the end are read once before the loop and carried in registers
;; (LoopLoadForwarding): the fast path stores the cursor but reads neither; the slow path reads both
;; again right after the call, which may have changed them. WindowSplitting then gives the loop an
;; inner loop per window: K = min(n - 1, end - cursor) iterations of the fast path with no
;; compare of the cursor against the end, no call and no store (the cursor is stored once, when the
;; inner loop ends), behind a check once per window that the bytes read do not overlap the store
;; data; then the original loop goes on (the slow path after a window, the last iteration of the
;; count) and runs the fast path itself where the check fails.
;; builtin reader:
;;   (module
;;     (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
;;     (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
;;     (import "unsafe-intrinsics" "u64-native-store" (func $st64 (param i64 i64)))
;;     (import "unsafe-intrinsics" "u8-native-load" (func $ld8 (param i64) (result i32)))
;;     (import "env" "refill" (func $host-refill (result i32)))
;;     (func $refill (result i32) (call $host-refill))
;;     (func (export "next") (result i32) (local $cursor i64)
;;       (local.set $cursor (call $ld64 (call $sda)))
;;       (if (result i32) (i64.lt_u (local.get $cursor) (call $ld64 (i64.add (call $sda) (i64.const 8))))
;;         (then
;;           (call $st64 (call $sda) (i64.add (local.get $cursor) (i64.const 1)))
;;           (call $ld8 (local.get $cursor)))
;;         (else (call $refill)))))
;; check sum: calls=1 loop-calls=0 loop-loads=1 loop-compares=1
(module
  (import "reader" "next" (func $next (result i32)))
  (func $sum (export "sum") (param $n i64) (result i64) (local $sum i64)
    (block $done
      (br_if $done (i64.eqz (local.get $n)))
      (loop $again
        (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $next))))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br_if $again (i32.wrap_i64 (local.get $n)))))
    (local.get $sum))
)

;; ---- expected ----
;; wasm[1]::sum:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L8
;;   test   rdi,rdi
;;   jne    .L0
;;   xor    eax,eax
;;   ret
;; .L0:
;;   push   rbx
;;   push   r12
;;   push   r13
;;   mov    rax,QWORD PTR [r14]
;;   mov    rbx,QWORD PTR [rax+0x28]
;;   mov    rax,QWORD PTR [rbx]
;;   mov    rcx,QWORD PTR [rbx+0x8]
;;   mov    r13,rdi
;;   xor    r12d,r12d
;;   cmp    rax,rcx
;;   jae    .L3
;; .L1:
;;   mov    rdx,rcx
;;   sub    rdx,rax
;;   mov    esi,r13d
;;   lea    esi,[rsi-0x1]
;;   cmp    rdx,rsi
;;   cmovae rdx,rsi
;;   cmp    rdx,0x4
;;   jb     .L4
;;   mov    rsi,r13
;;   sub    rsi,rdx
;;   lea    rdx,[rdx-0x1]
;;   movabs rdi,0x4000000000000000
;;   cmp    rdx,rdi
;;   jae    .L7
;;   lea    rdx,[rax+rdx*1]
;;   cmp    rax,rdx
;;   ja     .L7
;;   lea    rdi,[rbx+0x7]
;;   cmp    rbx,rdi
;;   ja     .L7
;;   cmp    rdx,rbx
;;   setb   dl
;;   movzx  edx,dl
;;   cmp    rdi,rax
;;   setb   dil
;;   movzx  edi,dil
;;   or     edx,edi
;;   je     .L7
;; .L2:
;;   movzx  edx,BYTE PTR [rax]
;;   lea    rax,[rax+0x1]
;;   lea    r12,[r12+rdx*1]
;;   lea    r13,[r13-0x1]
;;   cmp    r13,rsi
;;   jne    .L2
;;   mov    QWORD PTR [rbx],rax
;;   cmp    rax,rcx
;;   jb     .L1
;; .L3:
;;   call   wasm[2]::reader::refill
;;   mov    rcx,QWORD PTR [rbx+0x8]
;;   mov    rdx,QWORD PTR [rbx]
;;   jmp    .L5
;; .L4:
;;   lea    rdx,[rax+0x1]
;;   mov    QWORD PTR [rbx],rdx
;;   movzx  eax,BYTE PTR [rax]
;; .L5:
;;   lea    rax,[rax+r12*1]
;;   lea    r13,[r13-0x1]
;;   mov    esi,r13d
;;   test   esi,esi
;;   je     .L6
;;   mov    r12,rax
;;   mov    rax,rdx
;;   cmp    rax,rcx
;;   jb     .L1
;;   jmp    .L3
;; .L6:
;;   pop    r13
;;   pop    r12
;;   pop    rbx
;;   ret
;;   nop    DWORD PTR [rax]
;; .L7:
;;   lea    rdx,[rax+0x1]
;;   mov    QWORD PTR [rbx],rdx
;;   movzx  eax,BYTE PTR [rax]
;;   lea    r12,[r12+rax*1]
;;   lea    r13,[r13-0x1]
;;   cmp    r13,rsi
;;   mov    rax,rdx
;;   jne    .L7
;;   mov    rax,rdx
;;   cmp    rax,rcx
;;   jb     .L1
;;   jmp    .L3
;; .L8:
;;   ud1    ecx,edx  ; trap stack_overflow
