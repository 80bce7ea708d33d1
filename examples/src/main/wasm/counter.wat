;; A module with imports: the facade dev.kiln.examples.Counter has an interface Counter.Imports that
;; the Java application implements; "count_to" calls the host's "tick" once per step.
(module
  (import "host" "tick" (func $tick (param i32)))
  (func (export "count_to") (param $n i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (call $tick (local.get $i))
        (br $next)))
    (local.get $i)))
