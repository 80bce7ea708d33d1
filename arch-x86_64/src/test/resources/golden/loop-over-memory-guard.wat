;; The loops of loop-over-memory.wat compiled with guard-page bounds checks (BoundsChecks.GUARD):
;; no compare and branch to a trap stub before the loads, and no load of the memory's length; only
;; the heap base and the zero-extended index feed the addressing mode. An out-of-bounds load faults
;; on the reservation's inaccessible pages and the signal handler turns the fault into the trap.
;; option: guard-bounds-checks
(module
  (memory 1)
  (func $sum_bytes (export "sum_bytes") (param $buf i32) (param $len i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (br_if $done (i32.eqz (local.get $len)))
      (loop $next
        (local.set $sum
          (i32.add (local.get $sum)
                   (i32.load8_u (i32.add (local.get $buf) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $len)))))
    (local.get $sum))

  ;; The same over 32-bit words with a constant offset in the memarg: the offset and the scale
  ;; should fold into the addressing mode.
  (func $sum_words (export "sum_words") (param $buf i32) (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $sum
          (i32.add (local.get $sum)
                   (i32.load offset=16 (i32.add (local.get $buf) (i32.shl (local.get $n) (i32.const 2))))))
        (br $next)))
    (local.get $sum))
)

;; ---- expected ----
;; wasm[0]::sum_bytes:
;;   test   esi,esi
;;   jne    .L0
;;   xor    eax,eax
;;   jmp    .L2
;; .L0:
;;   mov    rax,QWORD PTR [r14+0x58]
;;   xor    ecx,ecx
;;   xor    edx,edx
;; .L1:
;;   lea    r8d,[rdi+rdx*1]
;;   movzx  r8d,BYTE PTR [rax+r8*1]
;;   lea    ecx,[rcx+r8*1]
;;   lea    edx,[rdx+0x1]
;;   cmp    edx,esi
;;   jb     .L1
;;   mov    rax,rcx
;; .L2:
;;   ret
;;
;; wasm[1]::sum_words:
;;   mov    rax,QWORD PTR [r14+0x58]
;;   xor    ecx,ecx
;;   test   esi,esi
;;   je     .L1
;; .L0:
;;   lea    esi,[rsi-0x1]
;;   lea    edx,[rdi+rsi*4]
;;   add    ecx,DWORD PTR [rax+rdx*1+0x10]
;;   test   esi,esi
;;   jne    .L0
;; .L1:
;;   mov    eax,ecx
;;   ret
