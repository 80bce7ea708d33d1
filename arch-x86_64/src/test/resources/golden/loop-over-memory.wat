;; A loop over linear memory: the sum of the bytes buffer[0 .. len), the kind of loop a C compiler
;; emits for `for (i = 0; i < len; i++) sum += buf[i];`. Pins down the bounds check of each load,
;; the addressing mode of the load (heap base + index + offset), the loop-closing compare and
;; branch, and how the induction variable and the accumulator are kept in registers.
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
;;   mov    rax,QWORD PTR [r14+0x60]
;;   mov    rcx,QWORD PTR [r14+0x58]
;;   xor    edx,edx
;;   xor    r8d,r8d
;; .L1:
;;   lea    r9d,[rdi+r8*1]
;;   cmp    r9,rax
;;   jae    .L3
;;   movzx  r9d,BYTE PTR [rcx+r9*1]
;;   lea    edx,[rdx+r9*1]
;;   lea    r8d,[r8+0x1]
;;   cmp    r8d,esi
;;   jb     .L1
;;   mov    rax,rdx
;; .L2:
;;   ret
;; .L3:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[1]::sum_words:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x14]
;;   mov    rcx,QWORD PTR [r14+0x58]
;;   xor    edx,edx
;;   test   esi,esi
;;   je     .L1
;; .L0:
;;   lea    esi,[rsi-0x1]
;;   lea    r8d,[rdi+rsi*4]
;;   cmp    r8,rax
;;   jg     .L2
;;   add    edx,DWORD PTR [rcx+r8*1+0x10]
;;   test   esi,esi
;;   jne    .L0
;; .L1:
;;   mov    eax,edx
;;   ret
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
