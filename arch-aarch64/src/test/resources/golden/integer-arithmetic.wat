;; target = aarch64
;; Integer arithmetic in A64's own forms: madd/msub for a multiply feeding an add or subtract, shifted
;; register operands, add/sub and logical immediates, csel/cset for select and comparisons, and
;; cbz/cbnz for branches on a value.
(module
  (func $madd (export "madd") (param $a i64) (param $b i64) (param $c i64) (result i64)
    (i64.add (i64.mul (local.get $a) (local.get $b)) (local.get $c)))
  (func $msub (export "msub") (param $a i32) (param $b i32) (param $c i32) (result i32)
    (i32.sub (local.get $c) (i32.mul (local.get $a) (local.get $b))))
  (func $shifted (export "shifted") (param $a i64) (param $b i64) (result i64)
    (i64.add (local.get $a) (i64.shl (local.get $b) (i64.const 3))))
  (func $masks (export "masks") (param $a i32) (result i32)
    (i32.xor (i32.and (local.get $a) (i32.const 0xff00)) (i32.const 1)))
  (func $select (export "select") (param $a i32) (param $b i32) (result i32)
    (select (local.get $a) (local.get $b) (i32.lt_s (local.get $a) (local.get $b))))
  (func $cmp (export "cmp") (param $a i64) (result i32)
    (i64.ge_u (local.get $a) (i64.const 100)))
  (func $count (export "count") (param $n i32) (result i32) (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $s (i32.add (local.get $s) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $s))
  (func $rot (export "rot") (param $a i32) (param $b i32) (result i32)
    (i32.rotl (local.get $a) (local.get $b)))
  (func $bits (export "bits") (param $a i64) (result i64)
    (i64.add (i64.popcnt (local.get $a)) (i64.ctz (local.get $a))))
)

;; ---- expected ----
;; wasm[0]::madd:
;;   madd   x0, x0, x1, x2
;;   ret
;;
;; wasm[1]::msub:
;;   msub   w0, w0, w1, w2
;;   ret
;;
;; wasm[2]::shifted:
;;   add    x0, x0, x1, lsl #3
;;   ret
;;
;; wasm[3]::masks:
;;   and    w0, w0, #0xff00
;;   eor    w0, w0, #0x1
;;   ret
;;
;; wasm[4]::select:
;;   cmp    w0, w1
;;   csel   w0, w0, w1, lt
;;   ret
;;
;; wasm[5]::cmp:
;;   cmp    x0, #0x64
;;   cset   w0, cs
;;   ret
;;
;; wasm[6]::count:
;;   mov    x1, #0x0
;;   cbz    w0, .L1
;; .L0:
;;   add    w1, w1, w0
;;   sub    w0, w0, #0x1
;;   cbnz   w0, .L0
;; .L1:
;;   mov    x0, x1
;;   ret
;;
;; wasm[7]::rot:
;;   neg    w1, w1
;;   ror    w0, w0, w1
;;   ret
;;
;; wasm[8]::bits:
;;   fmov   d31, x0
;;   cnt    v31.8b, v31.8b
;;   addv   b31, v31.8b
;;   fmov   w1, s31
;;   rbit   x0, x0
;;   clz    x0, x0
;;   add    x0, x1, x0
;;   ret
