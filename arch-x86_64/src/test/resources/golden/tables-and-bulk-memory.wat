;; The Wasm checks the translator builds as IR (DESIGN §2.5), as they come out on x86-64.
;; $dispatch: call_indirect is a table bounds check, the entry read, a null check, a type-id
;; check against the VMContext's canonical id and a call through the function record (code,
;; callee VMContext, upcall). $get/$set: table.get/table.set check the index against the table's
;; current size (its definition is behind an invariant VMContext pointer) and address the entry as
;; [entries + index*8]. $copy/$fill/$init: bulk memory checks each range in 64-bit arithmetic
;; (zero-extended i32 operands cannot wrap), then rep movsb (overlap-correct) or rep stosb.
(module
  (type $bin (func (param i32 i32) (result i32)))
  (table $t 4 funcref)
  (memory 1)
  (data $d "kiln")
  (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
  (elem (table $t) (i32.const 0) func $add)

  (func $dispatch (export "dispatch") (param $i i32) (param $a i32) (result i32)
    (call_indirect $t (type $bin) (local.get $a) (i32.const 7) (local.get $i)))

  (func $get (export "get") (param $i i32) (result funcref)
    (table.get $t (local.get $i)))

  (func $set (export "set") (param $i i32) (param $r funcref)
    (table.set $t (local.get $i) (local.get $r)))

  (func $size (export "size") (result i32)
    (table.size $t))

  (func $copy (export "copy") (param $d i32) (param $s i32) (param $n i32)
    (memory.copy (local.get $d) (local.get $s) (local.get $n)))

  (func $fill (export "fill") (param $d i32) (param $v i32) (param $n i32)
    (memory.fill (local.get $d) (local.get $v) (local.get $n)))

  (func $init (export "init") (param $d i32) (param $s i32) (param $n i32)
    (memory.init $d (local.get $d) (local.get $s) (local.get $n))))

;; ---- expected ----
;; wasm[0]::add:
;;   lea    eax,[rdi+rsi*1]
;;   ret
;;
;; wasm[1]::dispatch:
;;   mov    r11,QWORD PTR [r14]
;;   cmp    rsp,QWORD PTR [r11+0x10]
;;   jb     .L0
;;   sub    rsp,0x8
;;   mov    rax,QWORD PTR [r14+0x70]
;;   cmp    edi,DWORD PTR [rax+0x8]
;;   jae    .L1
;;   mov    rax,QWORD PTR [rax]
;;   mov    rax,QWORD PTR [rax+rdi*8]
;;   test   rax,rax
;;   je     .L2
;;   mov    ecx,DWORD PTR [r14+0x78]
;;   cmp    ecx,DWORD PTR [rax+0x18]
;;   jne    .L3
;;   mov    ecx,0x7
;;   mov    edi,esi
;;   mov    esi,ecx
;;   mov    QWORD PTR [rsp],r14
;;   mov    r10,QWORD PTR [rax+0x10]
;;   mov    r14,QWORD PTR [rax+0x8]
;;   call   QWORD PTR [rax]
;;   mov    r14,QWORD PTR [rsp]
;;   add    rsp,0x8
;;   ret
;; .L0:
;;   call   kiln_trap[stack_overflow]
;; .L1:
;;   call   kiln_trap[undefined_element]
;; .L2:
;;   call   kiln_trap[uninitialized_element]
;; .L3:
;;   call   kiln_trap[indirect_call_type_mismatch]
;;
;; wasm[2]::get:
;;   mov    rax,QWORD PTR [r14+0x70]
;;   cmp    edi,DWORD PTR [rax+0x8]
;;   jae    .L0
;;   mov    rax,QWORD PTR [rax]
;;   mov    rax,QWORD PTR [rax+rdi*8]
;;   ret
;; .L0:
;;   call   kiln_trap[table_out_of_bounds]
;;
;; wasm[3]::set:
;;   mov    rax,QWORD PTR [r14+0x70]
;;   cmp    edi,DWORD PTR [rax+0x8]
;;   jae    .L0
;;   mov    rax,QWORD PTR [rax]
;;   mov    QWORD PTR [rax+rdi*8],rsi
;;   ret
;; .L0:
;;   call   kiln_trap[table_out_of_bounds]
;;
;; wasm[4]::size:
;;   mov    rax,QWORD PTR [r14+0x70]
;;   mov    eax,DWORD PTR [rax+0x8]
;;   ret
;;
;; wasm[5]::copy:
;;   mov    rax,QWORD PTR [r14+0x60]
;;   lea    rcx,[rdi+rdx*1]
;;   cmp    rcx,rax
;;   ja     .L2
;;   lea    rcx,[rsi+rdx*1]
;;   cmp    rcx,rax
;;   ja     .L3
;;   mov    rax,QWORD PTR [r14+0x58]
;;   lea    rdi,[rax+rdi*1]
;;   lea    rsi,[rax+rsi*1]
;;   mov    rcx,rdx
;;   cmp    rdi,rsi
;;   jbe    .L0
;;   lea    rdi,[rdi+rcx*1-0x1]
;;   lea    rsi,[rsi+rcx*1-0x1]
;;   std
;;   rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
;;   cld
;;   jmp    .L1
;; .L0:
;;   rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
;; .L1:
;;   ret
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L3:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[6]::fill:
;;   lea    rax,[rdi+rdx*1]
;;   cmp    rax,QWORD PTR [r14+0x60]
;;   ja     .L0
;;   mov    rax,QWORD PTR [r14+0x58]
;;   lea    rdi,[rax+rdi*1]
;;   mov    rax,rsi
;;   mov    rcx,rdx
;;   rep stos BYTE PTR es:[rdi],al
;;   ret
;; .L0:
;;   call   kiln_trap[memory_out_of_bounds]
;;
;; wasm[7]::init:
;;   lea    rax,[rsi+rdx*1]
;;   cmp    rax,QWORD PTR [r14+0x98]
;;   ja     .L2
;;   lea    rax,[rdi+rdx*1]
;;   cmp    rax,QWORD PTR [r14+0x60]
;;   ja     .L3
;;   mov    rax,QWORD PTR [r14+0x58]
;;   lea    rdi,[rax+rdi*1]
;;   mov    rax,QWORD PTR [r14+0x90]
;;   lea    rsi,[rax+rsi*1]
;;   mov    rcx,rdx
;;   cmp    rdi,rsi
;;   jbe    .L0
;;   lea    rdi,[rdi+rcx*1-0x1]
;;   lea    rsi,[rsi+rcx*1-0x1]
;;   std
;;   rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
;;   cld
;;   jmp    .L1
;; .L0:
;;   rep movs BYTE PTR es:[rdi],BYTE PTR ds:[rsi]
;; .L1:
;;   ret
;; .L2:
;;   call   kiln_trap[memory_out_of_bounds]
;; .L3:
;;   call   kiln_trap[memory_out_of_bounds]
