;; memory.size and memory.grow (a libcall into the runtime, which changes the memory length the
;; bounds checks read), a store and load around it, and a global counter in the VMContext.
(module
  (memory 1 16)
  (global $grows (mut i32) (i32.const 0))
  (func $grow_and_store (export "grow_and_store") (param $pages i32) (param $v i64) (result i32)
    (local $old i32)
    (local.set $old (memory.grow (local.get $pages)))
    (if (i32.ne (local.get $old) (i32.const -1))
      (then
        (global.set $grows (i32.add (global.get $grows) (i32.const 1)))
        (i64.store offset=8 (i32.shl (local.get $old) (i32.const 16)) (local.get $v))))
    (i32.add (local.get $old) (memory.size)))

  ;; Two accesses to the same address: the second bounds check is dominated by the first.
  (func $swap_halves (export "swap_halves") (param $p i32)
    (i64.store (local.get $p)
      (i64.rotl (i64.load (local.get $p)) (i64.const 32))))
)

;; ---- expected ----
;; wasm[0]::grow_and_store:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   push   rbx
;;   mov    rbx,rsi
;;   xor    esi,esi
;;   mov    rdx,rdi
;;   mov    rdi,r14
;;   call   QWORD PTR [r14+0x38]
;;   mov    r11,QWORD PTR [r14]
;;   cmp    DWORD PTR [r11],0x0
;;   jne    .L2
;;   mov    eax,eax
;;   cmp    eax,0xffffffff
;;   je     .L0
;;   mov    ecx,DWORD PTR [r14+0x70]
;;   lea    ecx,[rcx+0x1]
;;   mov    DWORD PTR [r14+0x70],ecx
;;   mov    ecx,eax
;;   shl    ecx,0x10
;;   mov    rdx,QWORD PTR [r14+0x60]
;;   lea    rdx,[rdx-0x10]
;;   cmp    rcx,rdx
;;   jg     .L3
;;   mov    rdx,QWORD PTR [r14+0x58]
;;   mov    QWORD PTR [rdx+rcx*1+0x8],rbx
;; .L0:
;;   mov    rcx,QWORD PTR [r14+0x60]
;;   shr    rcx,0x10
;;   mov    ecx,ecx
;;   lea    eax,[rcx+rax*1]
;;   pop    rbx
;;   ret
;; .L1:
;;   call   kiln_trap[stack_overflow]
;; .L2:
;;   call   kiln_unwind
;; .L3:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[1]::swap_halves:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rax,[rax-0x8]
;;   cmp    rdi,rax
;;   jg     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   mov    rcx,QWORD PTR [rax+rdi*1]
;;   rol    rcx,0x20
;;   mov    QWORD PTR [rax+rdi*1],rcx
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
