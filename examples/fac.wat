;; Factorial in i64, recursively.
;;   ./kiln run --invoke fac examples/fac.wat 20   -> 2432902008176640000
(module
  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.le_s (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1))))))))
