;; Tail calls (Wasm 3.0 return_call / return_call_indirect): the frame is torn down and the call is a
;; jmp. $count is tail-recursive with register arguments only: epilogue and jmp. $grow has no stack
;; arguments and tail-calls $many, which has 2 (its 7th and 8th, a 16-byte area): the return address moves
;; down 16 bytes and the staged arguments are copied above it. $shrink drops them again. $dispatch
;; tail-calls through a table: the table checks are IR, the callee's code and VMContext come from the
;; function record (r14 written only when it differs: a predicted branch, not a load chain through
;; r14), and the jump is indirect.
(module
  (type $t (func (param i64) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) $count $shrink)
  (func $count (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $count (i64.sub (local.get $n) (i64.const 1))
                                (i64.add (local.get $acc) (local.get $n))))))
  (func $grow (export "grow") (param $x i64) (result i64)
    (return_call $many (local.get $x) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
                       (i64.const 6) (i64.const 7) (i64.const 8)))
  (func $many (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (return_call $shrink (i64.add (local.get 6) (local.get 7))))
  (func $shrink (param $x i64) (result i64)
    (local.get $x))
  (func $dispatch (export "dispatch") (param $i i32) (param $x i64) (result i64)
    (return_call_indirect (type $t) (local.get $x) (local.get $i))))

;; ---- expected ----
;; wasm[0]::count:
;; .L0:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   test   rdi,rdi
;;   jne    .L2
;;   mov    rax,rsi
;;   ret
;; .L1:
;;   call   kiln_trap[stack_overflow]
;; .L2:
;;   lea    rax,[rdi-0x1]
;;   lea    rsi,[rsi+rdi*1]
;;   mov    rdi,rax
;;   jmp    .L0
;;
;; wasm[1]::grow:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   push   rbx
;;   sub    rsp,0x10
;;   mov    esi,0x2
;;   mov    edx,0x3
;;   mov    ecx,0x4
;;   mov    r8d,0x5
;;   mov    r9d,0x6
;;   mov    eax,0x7
;;   mov    ebx,0x8
;;   mov    QWORD PTR [rsp],rax
;;   mov    QWORD PTR [rsp+0x8],rbx
;;   mov    rbx,QWORD PTR [rsp+0x10]
;;   mov    r11,QWORD PTR [rsp+0x18]
;;   movsd  xmm15,QWORD PTR [rsp+0x8]
;;   movsd  QWORD PTR [rsp+0x18],xmm15
;;   movsd  xmm15,QWORD PTR [rsp]
;;   movsd  QWORD PTR [rsp+0x10],xmm15
;;   mov    QWORD PTR [rsp+0x8],r11
;;   lea    rsp,[rsp+0x8]
;;   jmp    wasm[2]::many
;; .L0:
;;   call   kiln_trap[stack_overflow]
;;
;; wasm[2]::many:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   mov    rax,QWORD PTR [rsp+0x8]
;;   mov    rcx,QWORD PTR [rsp+0x10]
;;   lea    rdi,[rax+rcx*1]
;;   mov    r11,QWORD PTR [rsp]
;;   mov    QWORD PTR [rsp+0x10],r11
;;   lea    rsp,[rsp+0x10]
;;   jmp    wasm[3]::shrink
;; .L0:
;;   call   kiln_trap[stack_overflow]
;;
;; wasm[3]::shrink:
;;   mov    rax,rdi
;;   ret
;;
;; wasm[4]::dispatch:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L1
;;   mov    rax,QWORD PTR [r14+0x58]
;;   cmp    edi,DWORD PTR [rax+0x8]
;;   jae    .L2
;;   mov    rax,QWORD PTR [rax]
;;   mov    rax,QWORD PTR [rax+rdi*8]
;;   test   rax,rax
;;   je     .L3
;;   mov    ecx,DWORD PTR [r14+0x60]
;;   cmp    ecx,DWORD PTR [rax+0x18]
;;   jne    .L4
;;   mov    rdi,rsi
;;   mov    r11,rax
;;   mov    rax,QWORD PTR [r11]
;;   mov    r10,QWORD PTR [r11+0x10]
;;   mov    r11,QWORD PTR [r11+0x8]
;;   cmp    r11,r14
;;   je     .L0
;;   mov    r14,r11
;; .L0:
;;   jmp    rax
;; .L1:
;;   call   kiln_trap[stack_overflow]
;; .L2:
;;   call   kiln_trap[undefined_element]
;; .L3:
;;   call   kiln_trap[uninitialized_element]
;; .L4:
;;   call   kiln_trap[indirect_call_type_mismatch]
