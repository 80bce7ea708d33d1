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
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x4]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    eax,DWORD PTR [rax+rdi*1]
;;   bswap  eax
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[1]::bswap64:
;;   mov    rax,rdi
;;   bswap  rax
;;   ret
;;
;; wasm[2]::swap16:
;;   bswap  edi
;;   mov    eax,edi
;;   shr    eax,0x10
;;   ret
