;; Fibonacci numbers, recursively and with a loop.
;;   ./kiln run --invoke fib examples/fib.wat 30        -> 832040
;;   ./kiln run --invoke fib_iter examples/fib.wat 90   -> 2880067194370816120
(module
  ;; fib(n) = n for n < 2, fib(n-1) + fib(n-2) otherwise; i32 arithmetic wraps.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else
        (i32.add
          (call $fib (i32.sub (local.get $n) (i32.const 1)))
          (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; The same sequence in i64 with a loop: a, b = b, a + b, n times.
  (func $fib_iter (export "fib_iter") (param $n i64) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $next
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $next)))
    (local.get $a)))
