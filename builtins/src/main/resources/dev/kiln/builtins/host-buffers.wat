;; The zero-copy host buffer builtin of Kiln (dev.kiln.builtins.HostBuffers). Compile-time builtin:
;; link it with Module.builder(engine).exposeUnsafeIntrinsics("unsafe-intrinsics")
;;     .compileTimeBuiltin("host-buffers", HostBuffers.builtin()).
;;
;; Store data (the store's native struct, see HostBuffers.HEADER):
;;   +0 u64 address of the handle table, +8 u64 size of the table in bytes (16 per handle).
;; Handle table entry h (at address + 16*h): +0 u64 address of the buffer, +8 u64 its length in bytes;
;; a free handle is {0, 0}. Every access is checked: a handle outside the table or an offset with
;; offset + size > length traps with "out of bounds memory access".
;;
;; Exports (handles are i32, offsets and lengths i64 bytes, native byte order, any alignment):
;;   len (h) -> i64
;;   get-u8/get-u32 (h, offset) -> i32, get-u64 (h, offset) -> i64
;;   set-u8/set-u32 (h, offset, value i32), set-u64 (h, offset, value i64)
;; Every function is written flat (no calls besides intrinsics) so that the inliner flattens it into
;; the guest; the table look-ups are loop-invariant and leave the guest's loops.
(module
  (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
  (import "unsafe-intrinsics" "u64-native-load" (func $ld64 (param i64) (result i64)))
  (import "unsafe-intrinsics" "u64-checked-native-load" (func $cld64 (param i64 i64 i64) (result i64)))
  (import "unsafe-intrinsics" "u8-checked-native-load" (func $cld8 (param i64 i64 i64) (result i32)))
  (import "unsafe-intrinsics" "u32-checked-native-load" (func $cld32 (param i64 i64 i64) (result i32)))
  (import "unsafe-intrinsics" "u8-checked-native-store" (func $cst8 (param i64 i64 i64 i32)))
  (import "unsafe-intrinsics" "u32-checked-native-store" (func $cst32 (param i64 i64 i64 i32)))
  (import "unsafe-intrinsics" "u64-checked-native-store" (func $cst64 (param i64 i64 i64 i64)))
  (func (export "len") (param $h i32) (result i64)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8)))))
  (func (export "get-u8") (param $h i32) (param $offset i64) (result i32)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cld8 (call $cld64 (call $ld64 (local.get $t)) (local.get $e) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $offset) (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8))))))
  (func (export "get-u32") (param $h i32) (param $offset i64) (result i32)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cld32 (call $cld64 (call $ld64 (local.get $t)) (local.get $e) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $offset) (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8))))))
  (func (export "get-u64") (param $h i32) (param $offset i64) (result i64)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cld64 (call $cld64 (call $ld64 (local.get $t)) (local.get $e) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $offset) (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8))))))
  (func (export "set-u8") (param $h i32) (param $offset i64) (param $value i32)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cst8 (call $cld64 (call $ld64 (local.get $t)) (local.get $e) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $offset) (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $value)))
  (func (export "set-u32") (param $h i32) (param $offset i64) (param $value i32)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cst32 (call $cld64 (call $ld64 (local.get $t)) (local.get $e) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $offset) (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $value)))
  (func (export "set-u64") (param $h i32) (param $offset i64) (param $value i64)
    (local $t i64) (local $e i64)
    (local.set $t (call $sda))
    (local.set $e (i64.shl (i64.extend_i32_u (local.get $h)) (i64.const 4)))
    (call $cst64 (call $cld64 (call $ld64 (local.get $t)) (local.get $e) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $offset) (call $cld64 (call $ld64 (local.get $t)) (i64.add (local.get $e) (i64.const 8)) (call $ld64 (i64.add (local.get $t) (i64.const 8)))) (local.get $value)))
)
