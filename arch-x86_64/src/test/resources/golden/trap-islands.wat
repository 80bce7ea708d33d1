;; Trap islands: an out-of-line trap site goes where the code does not fall through (after a return,
;; an unconditional jump or a trap) when its jump reaches it there with a rel8 displacement, so the
;; jump takes 2 bytes instead of 6; a site that no such place reaches waits for the end of the
;; function. In $island the division's check reaches the island after the early return; in $far the
;; stores between the check and the early return are longer than a rel8 reaches, so its site is after
;; all the code.
;; option: guard-bounds-checks
(module
  (memory 1)
  (func $island (export "island") (param i32 i32 i32) (result i32)
    (local.set 0 (i32.div_u (local.get 0) (local.get 1)))
    (if (i32.eqz (local.get 2)) (then (return (local.get 0))))
    (i32.store offset=0 (local.get 2) (local.get 0))
    (i32.store offset=4 (local.get 2) (local.get 0))
    (i32.store offset=8 (local.get 2) (local.get 0))
    (i32.store offset=12 (local.get 2) (local.get 0))
    (i32.store offset=16 (local.get 2) (local.get 0))
    (i32.store offset=20 (local.get 2) (local.get 0))
    (i32.store offset=24 (local.get 2) (local.get 0))
    (i32.store offset=28 (local.get 2) (local.get 0))
    (i32.store offset=32 (local.get 2) (local.get 0))
    (i32.store offset=36 (local.get 2) (local.get 0))
    (i32.store offset=40 (local.get 2) (local.get 0))
    (i32.store offset=44 (local.get 2) (local.get 0))
    (i32.store offset=48 (local.get 2) (local.get 0))
    (i32.store offset=52 (local.get 2) (local.get 0))
    (i32.store offset=56 (local.get 2) (local.get 0))
    (i32.store offset=60 (local.get 2) (local.get 0))
    (local.get 0))
  (func $far (export "far") (param i32 i32 i32) (result i32)
    (local.set 0 (i32.div_u (local.get 0) (local.get 1)))
    (i32.store offset=0 (local.get 2) (local.get 0))
    (i32.store offset=4 (local.get 2) (local.get 0))
    (i32.store offset=8 (local.get 2) (local.get 0))
    (i32.store offset=12 (local.get 2) (local.get 0))
    (i32.store offset=16 (local.get 2) (local.get 0))
    (i32.store offset=20 (local.get 2) (local.get 0))
    (i32.store offset=24 (local.get 2) (local.get 0))
    (i32.store offset=28 (local.get 2) (local.get 0))
    (i32.store offset=32 (local.get 2) (local.get 0))
    (i32.store offset=36 (local.get 2) (local.get 0))
    (i32.store offset=40 (local.get 2) (local.get 0))
    (i32.store offset=44 (local.get 2) (local.get 0))
    (i32.store offset=48 (local.get 2) (local.get 0))
    (i32.store offset=52 (local.get 2) (local.get 0))
    (i32.store offset=56 (local.get 2) (local.get 0))
    (i32.store offset=60 (local.get 2) (local.get 0))
    (i32.store offset=64 (local.get 2) (local.get 0))
    (i32.store offset=68 (local.get 2) (local.get 0))
    (i32.store offset=72 (local.get 2) (local.get 0))
    (i32.store offset=76 (local.get 2) (local.get 0))
    (i32.store offset=80 (local.get 2) (local.get 0))
    (i32.store offset=84 (local.get 2) (local.get 0))
    (i32.store offset=88 (local.get 2) (local.get 0))
    (i32.store offset=92 (local.get 2) (local.get 0))
    (i32.store offset=96 (local.get 2) (local.get 0))
    (i32.store offset=100 (local.get 2) (local.get 0))
    (i32.store offset=104 (local.get 2) (local.get 0))
    (i32.store offset=108 (local.get 2) (local.get 0))
    (i32.store offset=112 (local.get 2) (local.get 0))
    (i32.store offset=116 (local.get 2) (local.get 0))
    (i32.store offset=120 (local.get 2) (local.get 0))
    (i32.store offset=124 (local.get 2) (local.get 0))
    (i32.store offset=128 (local.get 2) (local.get 0))
    (i32.store offset=132 (local.get 2) (local.get 0))
    (i32.store offset=136 (local.get 2) (local.get 0))
    (i32.store offset=140 (local.get 2) (local.get 0))
    (i32.store offset=144 (local.get 2) (local.get 0))
    (i32.store offset=148 (local.get 2) (local.get 0))
    (i32.store offset=152 (local.get 2) (local.get 0))
    (i32.store offset=156 (local.get 2) (local.get 0))
    (if (i32.eqz (local.get 1)) (then (return (local.get 0))))
    (i32.store (local.get 1) (local.get 0))
    (local.get 0)))

;; ---- expected ----
;; wasm[0]::island:
;;   mov    rcx,rdx
;;   mov    eax,edi
;;   test   esi,esi
;;   je     .L0
;;   xor    edx,edx
;;   div    esi
;;   test   ecx,ecx
;;   jne    .L1
;;   ret
;; .L0:
;;   ud1    eax,edx  ; trap integer_divide_by_zero
;; .L1:
;;   mov    rdx,QWORD PTR [r14+0x58]
;;   mov    DWORD PTR [rdx+rcx*1],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x4],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x8],eax
;;   mov    DWORD PTR [rdx+rcx*1+0xc],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x10],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x14],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x18],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x1c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x20],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x24],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x28],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x2c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x30],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x34],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x38],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x3c],eax
;;   ret
;;
;; wasm[1]::far:
;;   mov    rcx,rdx
;;   mov    eax,edi
;;   test   esi,esi
;;   je     .L1
;;   xor    edx,edx
;;   div    esi
;;   mov    rdx,QWORD PTR [r14+0x58]
;;   mov    DWORD PTR [rdx+rcx*1],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x4],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x8],eax
;;   mov    DWORD PTR [rdx+rcx*1+0xc],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x10],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x14],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x18],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x1c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x20],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x24],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x28],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x2c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x30],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x34],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x38],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x3c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x40],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x44],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x48],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x4c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x50],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x54],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x58],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x5c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x60],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x64],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x68],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x6c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x70],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x74],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x78],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x7c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x80],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x84],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x88],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x8c],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x90],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x94],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x98],eax
;;   mov    DWORD PTR [rdx+rcx*1+0x9c],eax
;;   test   esi,esi
;;   jne    .L0
;;   ret
;; .L0:
;;   mov    DWORD PTR [rdx+rsi*1],eax
;;   ret
;; .L1:
;;   ud1    eax,edx  ; trap integer_divide_by_zero
