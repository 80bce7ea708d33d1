;; target = aarch64
;; Loops over linear memory compiled with guard-page bounds checks (BoundsChecks.GUARD, the default
;; for 32-bit memories): no compare and b.hi to a trap stub before the loads and stores, and no load
;; of the memory's length; the heap base and the i32 index, read as a W register extended by uxtw, feed
;; the addressing mode ([base, windex, uxtw], a shifted uxtw for scaled indices, the static offset in
;; the immediate). An out-of-bounds access faults on the reservation's inaccessible pages and the
;; signal handler (SignalHandlerStub) turns the fault into the trap, with the access as the trap site.
;; A store of more than one byte is preceded by a load of the same bytes into the zero register (an
;; unaligned store straddling the end of memory faults there before writing anything), unless a load
;; or store of the same bytes earlier in the block proves it in bounds (scale_words).
;; option: guard-bounds-checks
(module
  (memory 1)
  ;; for (i = 0; i < len; i++) sum += buf[i];
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

  ;; The same over 32-bit words with a constant offset in the memarg.
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

  ;; A byte loop unrolled by 4 as clang emits it (constant memarg offsets), copying with a xor:
  ;; for (i = 0; i < n; i += 4) { dst[i..i+3] = src[i..i+3] ^ 0x5a; }
  (func $xor_bytes (export "xor_bytes") (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (i32.store8 (i32.add (local.get $dst) (local.get $i))
          (i32.xor (i32.load8_u (i32.add (local.get $src) (local.get $i))) (i32.const 0x5a)))
        (i32.store8 offset=1 (i32.add (local.get $dst) (local.get $i))
          (i32.xor (i32.load8_u offset=1 (i32.add (local.get $src) (local.get $i))) (i32.const 0x5a)))
        (i32.store8 offset=2 (i32.add (local.get $dst) (local.get $i))
          (i32.xor (i32.load8_u offset=2 (i32.add (local.get $src) (local.get $i))) (i32.const 0x5a)))
        (i32.store8 offset=3 (i32.add (local.get $dst) (local.get $i))
          (i32.xor (i32.load8_u offset=3 (i32.add (local.get $src) (local.get $i))) (i32.const 0x5a)))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $n))))))

  ;; for (i = 0; i < n; i++) words[i] = words[i] * 3 + 1;  (32-bit loads and stores, scaled index)
  (func $scale_words (export "scale_words") (param $words i32) (param $n i32)
    (local $i i32) (local $at i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (local.set $at (i32.add (local.get $words) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store (local.get $at)
          (i32.add (i32.mul (i32.load (local.get $at)) (i32.const 3)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $n))))))

  ;; for (i = 0; i < n; i++) slots[i] = v;  (a 64-bit store nothing proves in bounds: probed first)
  (func $fill_slots (export "fill_slots") (param $slots i32) (param $n i32) (param $v i64)
    (local $i i32)
    (block $done
      (br_if $done (i32.eqz (local.get $n)))
      (loop $next
        (i64.store (i32.add (local.get $slots) (i32.shl (local.get $i) (i32.const 3))) (local.get $v))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $n))))))

  ;; A table lookup whose constant no load immediate reaches: table[x & 255] at 20128 becomes a scaled
  ;; index with the static offset added to the base ([base + 20128, index, uxtw #2]).
  (func $lookup (export "lookup") (param $x i32) (result i32)
    (i32.load (i32.add (i32.shl (i32.and (local.get $x) (i32.const 255)) (i32.const 2)) (i32.const 20128))))
)

;; ---- expected ----
;; wasm[0]::sum_bytes:
;;   cbnz   w1, .L0
;;   mov    x0, #0x0
;;   b      .L2
;; .L0:
;;   ldr    x2, [x21, #88]
;;   mov    x3, #0x0
;;   mov    x4, #0x0
;; .L1:
;;   add    w5, w0, w4
;;   ldrb   w5, [x2, w5, uxtw]
;;   add    w3, w3, w5
;;   add    w4, w4, #0x1
;;   cmp    w4, w1
;;   b.cc   .L1
;;   mov    x0, x3
;; .L2:
;;   ret
;;
;; wasm[1]::sum_words:
;;   ldr    x2, [x21, #88]
;;   mov    x3, #0x0
;;   cbz    w1, .L1
;; .L0:
;;   sub    w1, w1, #0x1
;;   add    w4, w0, w1, lsl #2
;;   add    x16, x2, w4, uxtw
;;   ldr    w4, [x16, #16]
;;   add    w3, w3, w4
;;   cbnz   w1, .L0
;; .L1:
;;   mov    x0, x3
;;   ret
;;
;; wasm[2]::xor_bytes:
;;   cbz    w2, .L1
;;   ldr    x3, [x21, #88]
;;   mov    x4, #0x0
;; .L0:
;;   add    w5, w0, w4
;;   add    w6, w1, w4
;;   ldrb   w7, [x3, w6, uxtw]
;;   mov    w8, #0x5a
;;   eor    w7, w7, w8
;;   strb   w7, [x3, w5, uxtw]
;;   add    x16, x3, w6, uxtw
;;   ldrb   w7, [x16, #1]
;;   mov    w8, #0x5a
;;   eor    w7, w7, w8
;;   add    x16, x3, w5, uxtw
;;   strb   w7, [x16, #1]
;;   add    x16, x3, w6, uxtw
;;   ldrb   w7, [x16, #2]
;;   mov    w8, #0x5a
;;   eor    w7, w7, w8
;;   add    x16, x3, w5, uxtw
;;   strb   w7, [x16, #2]
;;   add    x16, x3, w6, uxtw
;;   ldrb   w6, [x16, #3]
;;   mov    w7, #0x5a
;;   eor    w6, w6, w7
;;   add    x16, x3, w5, uxtw
;;   strb   w6, [x16, #3]
;;   add    w4, w4, #0x4
;;   cmp    w4, w2
;;   b.cc   .L0
;; .L1:
;;   ret
;;
;; wasm[3]::scale_words:
;;   cbz    w1, .L1
;;   ldr    x2, [x21, #88]
;;   mov    x3, #0x0
;; .L0:
;;   add    w4, w0, w3, lsl #2
;;   ldr    w5, [x2, w4, uxtw]
;;   mov    w6, #0x3
;;   mul    w5, w5, w6
;;   add    w5, w5, #0x1
;;   str    w5, [x2, w4, uxtw]
;;   add    w3, w3, #0x1
;;   cmp    w3, w1
;;   b.cc   .L0
;; .L1:
;;   ret
;;
;; wasm[4]::fill_slots:
;;   cbz    w1, .L1
;;   ldr    x3, [x21, #88]
;;   mov    x4, #0x0
;; .L0:
;;   add    w5, w0, w4, lsl #3
;;   ldr    xzr, [x3, w5, uxtw]
;;   str    x2, [x3, w5, uxtw]
;;   add    w4, w4, #0x1
;;   cmp    w4, w1
;;   b.cc   .L0
;; .L1:
;;   ret
;;
;; wasm[5]::lookup:
;;   and    w0, w0, #0xff
;;   ldr    x1, [x21, #88]
;;   add    x1, x1, #0x4, lsl #12
;;   add    x1, x1, #0xea0
;;   ldr    w0, [x1, w0, uxtw #2]
;;   ret
