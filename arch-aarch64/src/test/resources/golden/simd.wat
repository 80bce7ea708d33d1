;; target = aarch64
;; 128-bit SIMD on NEON. $dot is an f32 dot product over linear memory, four lanes per iteration
;; (v128.load as ldr q after its bounds check, fmul/fadd .4s in registers), reduced with ext and a lane
;; move; $count_byte counts the bytes equal to $b in 16 bytes (dup, cmeq, the bitmask through sshr, and,
;; ext, zip1 and addv, then cnt); $shuffles shows the shuffle patterns: rev-like byte orders of one operand
;; (tbl with a pool mask), interleaved low halves (zip1), 16 consecutive bytes of the concatenation (ext),
;; a whole-lane broadcast (dup); $minmax is Wasm's f32x4.min, one fmin; $mul64 is i64x2.mul through
;; general registers (NEON has no 64-bit lane multiply); $shift masks a variable count and shifts right
;; by the negated, dup'ed count (sshl); $widen loads 8 bytes straight into a v register for a widening
;; load (ldr d, then sxtl) and 4 bytes for a splat (ldr s, then dup), after one bounds check for both.
(module
  (memory 1)
  (func $dot (export "dot") (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $acc v128) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i)))
                       (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))
    (local.set $acc (f32x4.add (local.get $acc)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $acc) (local.get $acc))))
    (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc))))

  (func $count_byte (export "count_byte") (param $p i32) (param $b i32) (result i32)
    (i32.popcnt (i8x16.bitmask (i8x16.eq (v128.load (local.get $p)) (i8x16.splat (local.get $b))))))

  (func $shuffles (export "shuffles") (param $x v128) (param $y v128) (result v128)
    (v128.xor
      (v128.xor
        (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $x) (local.get $y))
        (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $x) (local.get $y)))
      (v128.xor
        (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $x) (local.get $y))
        (v128.xor
          (i8x16.shuffle 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 (local.get $x) (local.get $y))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $y))))))

  (func $minmax (export "minmax") (param $x v128) (param $y v128) (result v128)
    (f32x4.min (local.get $x) (local.get $y)))

  (func $mul64 (export "mul64") (param $x v128) (param $y v128) (result v128)
    (i64x2.mul (local.get $x) (local.get $y)))

  (func $shift (export "shift") (param $x v128) (param $n i32) (result v128)
    (i32x4.shr_s (local.get $x) (local.get $n)))

  (func $widen (export "widen") (param $p i32) (result v128)
    (i32x4.add (v128.load16x4_s (local.get $p)) (v128.load32_splat offset=8 (local.get $p))))
)

;; ---- expected ----
;; wasm[0]::dot:
;;   movi   v0.2d, #0x0
;;   ldr    x3, [x21, #96]
;;   sub    x3, x3, #0x10
;;   ldr    x4, [x21, #88]
;;   mov    x5, #0x0
;;   cmp    w5, w2
;;   b.cs   .L3
;; .L0:
;;   add    w6, w0, w5
;;   cmp    x6, x3
;; .L1:
;;   b.gt   .L4
;;   ldr    q1, [x4, w6, uxtw]
;;   add    w6, w1, w5
;;   cmp    x6, x3
;; .L2:
;;   b.gt   .L5
;;   ldr    q2, [x4, w6, uxtw]
;;   fmul   v1.4s, v1.4s, v2.4s
;;   fadd   v0.4s, v0.4s, v1.4s
;;   add    w5, w5, #0x10
;;   cmp    w5, w2
;;   b.cc   .L0
;; .L3:
;;   ext    v1.16b, v0.16b, v0.16b, #8
;;   fadd   v0.4s, v0.4s, v1.4s
;;   mov    s1, v0.s[0]
;;   mov    s0, v0.s[1]
;;   fadd   s0, s1, s0
;;   ret
;; .L4:
;;   adr    x17, .L1
;;   b      .L6
;; .L5:
;;   adr    x17, .L2
;; .L6:
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[1]::count_byte:
;;   ldr    x2, [x21, #96]
;;   sub    x2, x2, #0x10
;;   cmp    x0, x2
;; .L0:
;;   b.gt   .L1
;;   ldr    x2, [x21, #88]
;;   ldr    q0, [x2, w0, uxtw]
;;   dup    v1.16b, w1
;;   cmeq   v0.16b, v0.16b, v1.16b
;;   sshr   v0.16b, v0.16b, #7
;;   ldr    q1, .L2
;;   and    v0.16b, v0.16b, v1.16b
;;   ext    v1.16b, v0.16b, v0.16b, #8
;;   zip1   v0.16b, v0.16b, v1.16b
;;   addv   h0, v0.8h
;;   fmov   w0, s0
;;   fmov   d31, x0
;;   cnt    v31.8b, v31.8b
;;   addv   b31, v31.8b
;;   fmov   w0, s31
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;   nop
;;   nop
;;   nop
;; .L2:
;;   .word  0x08040201
;;   .word  0x80402010
;;   .word  0x08040201
;;   .word  0x80402010
;;
;; wasm[2]::shuffles:
;;   ldr    q2, .L0
;;   tbl    v2.16b, {v0.16b}, v2.16b
;;   ldr    q3, .L1
;;   tbl    v3.16b, {v0.16b}, v3.16b
;;   eor    v2.16b, v2.16b, v3.16b
;;   zip1   v3.16b, v0.16b, v1.16b
;;   ext    v1.16b, v0.16b, v1.16b, #3
;;   zip2   v0.2d, v0.2d, v0.2d
;;   eor    v0.16b, v1.16b, v0.16b
;;   eor    v0.16b, v3.16b, v0.16b
;;   eor    v0.16b, v2.16b, v0.16b
;;   ret
;; .L0:
;;   .word  0x07060504
;;   .word  0x03020100
;;   .word  0x0f0e0d0c
;;   .word  0x0b0a0908
;; .L1:
;;   .word  0x0c0d0e0f
;;   .word  0x08090a0b
;;   .word  0x04050607
;;   .word  0x00010203
;;
;; wasm[3]::minmax:
;;   fmin   v0.4s, v0.4s, v1.4s
;;   ret
;;
;; wasm[4]::mul64:
;;   mov    x0, v0.d[0]
;;   mov    x1, v1.d[0]
;;   mul    x0, x0, x1
;;   mov    x1, v0.d[1]
;;   mov    x2, v1.d[1]
;;   mul    x1, x1, x2
;;   fmov   d0, x0
;;   mov    v0.d[1], x1
;;   ret
;;
;; wasm[5]::shift:
;;   and    w0, w0, #0x1f
;;   neg    w0, w0
;;   dup    v1.4s, w0
;;   sshl   v0.4s, v0.4s, v1.4s
;;   ret
;;
;; wasm[6]::widen:
;;   ldr    x1, [x21, #96]
;;   sub    x1, x1, #0xc
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L1
;;   ldr    x1, [x21, #88]
;;   ldr    d0, [x1, w0, uxtw]
;;   sxtl   v0.4s, v0.4h
;;   add    x16, x1, w0, uxtw
;;   ldr    s1, [x16, #8]
;;   dup    v1.4s, v1.s[0]
;;   add    v0.4s, v0.4s, v1.4s
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
