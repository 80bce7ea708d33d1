;; target = aarch64
;; Byte swaps written with shifts, masks and ors (what clang emits for __builtin_bswap32/64 and
;; big-endian loads, Wasm having no byte-swap instruction) are one bswap (rev on AArch64):
;; $load_be32 is SHA-256's message load, $bswap64 a 64-bit swap written as a chain of eight terms,
;; $swap16 the swap of the low halfword (a swap and one shift).
(module
  (memory 1)
  (func $load_be32 (export "load_be32") (param $p i32) (result i32) (local $x i32)
    (local.set $x (i32.load (local.get $p)))
    (i32.or
      (i32.or (i32.shl (local.get $x) (i32.const 24))
              (i32.shl (i32.and (local.get $x) (i32.const 0xff00)) (i32.const 8)))
      (i32.or (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff00))
              (i32.shr_u (local.get $x) (i32.const 24)))))
  (func $bswap64 (export "bswap64") (param $x i64) (result i64)
    (i64.or (i64.or (i64.or (i64.or (i64.or (i64.or (i64.or
      (i64.shl (local.get $x) (i64.const 56))
      (i64.shl (i64.and (local.get $x) (i64.const 0xff00)) (i64.const 40)))
      (i64.shl (i64.and (local.get $x) (i64.const 0xff0000)) (i64.const 24)))
      (i64.shl (i64.and (local.get $x) (i64.const 0xff000000)) (i64.const 8)))
      (i64.and (i64.shr_u (local.get $x) (i64.const 8)) (i64.const 0xff000000)))
      (i64.and (i64.shr_u (local.get $x) (i64.const 24)) (i64.const 0xff0000)))
      (i64.and (i64.shr_u (local.get $x) (i64.const 40)) (i64.const 0xff00)))
      (i64.shr_u (local.get $x) (i64.const 56))))
  (func $swap16 (export "swap16") (param $x i32) (result i32)
    (i32.or (i32.shl (i32.and (local.get $x) (i32.const 0xff)) (i32.const 8))
            (i32.and (i32.shr_u (local.get $x) (i32.const 8)) (i32.const 0xff))))
)

;; ---- expected ----
;; wasm[0]::load_be32:
;;   ldr    x1, [x21, #96]
;;   sub    x1, x1, #0x4
;;   cmp    x0, x1
;; .L0:
;;   b.gt   .L1
;;   ldr    x1, [x21, #88]
;;   ldr    w0, [x1, w0, uxtw]
;;   rev    w0, w0
;;   ret
;; .L1:
;;   adr    x17, .L0
;;   ldr    x16, [x21]
;;   mov    w9, #0x5
;;   str    w9, [x16]
;;   b      kiln_unwind
;;
;; wasm[1]::bswap64:
;;   rev    x0, x0
;;   ret
;;
;; wasm[2]::swap16:
;;   rev    w0, w0
;;   lsr    w0, w0, #16
;;   ret
