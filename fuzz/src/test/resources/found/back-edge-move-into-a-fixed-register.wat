(module
  (type (;0;) (func))
  (type (;1;) (func (result f64)))
  (type (;2;) (func (result i32 i32)))
  (type (;3;) (func (result i32 i64 f64 f64 i32)))
  (type (;4;) (func (param i32)))
  (type (;5;) (func (param f64)))
  (type (;6;) (func (result i32)))
  (type (;7;) (func (param f32) (result f64)))
  (type (;8;) (func (param i64 f32 i32) (result i32)))
  (type (;9;) (func (param i32 f64) (result i64)))
  (type (;10;) (func (param f64) (result i32)))
  (import "fuzzing-support" "log-i32" (func (;0;) (type 4)))
  (import "fuzzing-support" "log-f64" (func (;1;) (type 5)))
  (func (;2;) (type 6) (result i32)
    (local i32)
    i32.const 0
    i32.eqz
    if  ;; label = @1
      i32.const 255
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    i32.const 15
    i32.load8_u
    i32.const 14
    i32.load8_u
    i32.const 13
    i32.load8_u
    i32.const 12
    i32.load8_u
    i32.const 11
    i32.load8_u
    i32.const 10
    i32.load8_u
    i32.const 9
    i32.load8_u
    i32.const 8
    i32.load8_u
    i32.const 7
    i32.load8_u
    i32.const 6
    i32.load8_u
    i32.const 5
    i32.load8_u
    i32.const 4
    i32.load8_u
    i32.const 3
    i32.load8_u
    i32.const 2
    i32.load8_u
    i32.const 1
    i32.load8_u
    i32.const 0
    i32.load8_u
    i32.const 177573
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor
    local.tee 0
    i32.const 5
    i32.shl
    local.get 0
    i32.add
    i32.xor)
  (func (;3;) (type 1) (result f64)
    global.get 0
    i32.eqz
    if  ;; label = @1
      f64.const 0x1.ffffffff4bc6ap+30 (;=2.14748e+09;)
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    f64.const -0x1.dp+6 (;=-116;))
  (func (;4;) (type 7) (param f32) (result f64)
    global.get 0
    i32.eqz
    if  ;; label = @1
      f64.const -0x1p-126 (;=-1.17549e-38;)
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    f64.const -0x1p+63 (;=-9.22337e+18;))
  (func (;5;) (type 0)
    global.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    global.get 0
    drop
    i32.const 0
    call 0)
  (func (;6;) (type 8) (param i64 f32 i32) (result i32)
    (local i32 i32 i32)
    global.get 0
    i32.eqz
    if  ;; label = @1
      i32.const 0
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    loop  ;; label = @1
      global.get 0
      i32.eqz
      if  ;; label = @2
        i32.const 7
        return
      end
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
      local.get 3
      if  ;; label = @2
        local.get 2
        return
      else
        block  ;; label = @3
          loop  ;; label = @4
            global.get 0
            i32.eqz
            if  ;; label = @5
              i32.const 32768
              return
            end
            global.get 0
            i32.const 1
            i32.sub
            global.set 0
            global.get 0
            i32.eqz
            if  ;; label = @5
              i32.const -175276
              return
            end
            global.get 0
            i32.const 1
            i32.sub
            global.set 0
            i32.const 4
            call 0
            local.get 4
            local.tee 3
            i32.eqz
            br_if 0 (;@4;)
          end
          call 2
          call 0
          local.get 2
          i32.const 15
          i32.and
          i32.load8_u offset=22
          br_if 0 (;@3;)
          call 2
          call 0
          i32.const -25750
          local.set 4
          i32.const -25750
          local.set 3
          i32.const -25750
          local.set 5
        end
      end
      local.get 3
      if  ;; label = @2
        block  ;; label = @3
          global.get 0
          if  ;; label = @4
            global.get 0
            i32.const 1
            i32.sub
            global.set 0
            global.get 0
            if  ;; label = @5
              global.get 0
              i32.const 1
              i32.sub
              global.set 0
            end
            call 2
            call 0
          end
          global.get 0
          i32.eqz
          if  ;; label = @4
            i32.const -26246
            return
          end
          global.get 0
          i32.const 1
          i32.sub
          global.set 0
          local.get 4
          if (result i32)  ;; label = @4
            local.get 3
            local.tee 5
          else
            i32.const 1814652231
          end
          if  ;; label = @4
            i32.const 7
            i32.load8_s
            i32.eqz
            if  ;; label = @5
              local.get 2
              i32.eqz
              br_if 2 (;@3;)
              local.get 4
              local.set 2
            end
          end
          br 2 (;@1;)
        end
      else
        block  ;; label = @3
          global.get 0
          i32.eqz
          if  ;; label = @4
            i32.const -65537
            return
          end
          global.get 0
          i32.const 1
          i32.sub
          global.set 0
          local.get 0
          i64.const -54
          i64.ne
          local.set 3
          local.get 5
          br_if 0 (;@3;)
          local.get 3
          call 0
          br 2 (;@1;)
        end
      end
    end
    global.get 0
    i32.eqz
    if  ;; label = @1
      i32.const 60766
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    loop  ;; label = @1
      global.get 0
      if  ;; label = @2
        global.get 0
        i32.const 1
        i32.sub
        global.set 0
        br 1 (;@1;)
      end
    end
    local.get 4)
  (func (;7;) (type 0)
    global.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    i64.const 4294957403
    f32.const 0x1.e650fep-65 (;=5.14907e-20;)
    i32.const -1
    call 6
    drop
    i64.const -28354
    f32.const 0x1p+32 (;=4.29497e+09;)
    i32.const -26242
    call 6
    drop
    call 2
    call 0
    i64.const 0
    f32.const 0x0p+0 (;=0;)
    i32.const -98
    call 6
    drop
    i64.const 65474
    f32.const -0x1p+22 (;=-4.1943e+06;)
    i32.const 65535
    call 6
    drop
    call 2
    call 0
    nop
    call 2
    call 0)
  (func (;8;) (type 9) (param i32 f64) (result i64)
    global.get 0
    i32.eqz
    if  ;; label = @1
      i64.const -125
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    local.get 0
    call 0
    i64.const -4280)
  (func (;9;) (type 2) (result i32 i32)
    global.get 0
    i32.eqz
    if  ;; label = @1
      i32.const 0
      i32.const -32768
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    i32.const -32768
    i32.const -7256040)
  (func (;10;) (type 0)
    global.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    call 2
    call 0
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    call 2
    call 0)
  (func (;11;) (type 10) (param f64) (result i32)
    global.get 0
    i32.eqz
    if  ;; label = @1
      i32.const -45
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    i32.const -129)
  (func (;12;) (type 3) (result i32 i64 f64 f64 i32)
    global.get 0
    i32.eqz
    if  ;; label = @1
      i32.const -65534
      i64.const -5288584
      f64.const 0x0p+0 (;=0;)
      f64.const 0x1.ffd4p+15 (;=65514;)
      i32.const -121
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    i32.const -2147483647
    i64.const -2147483648
    f64.const -0x1.0002p+15 (;=-32769;)
    f64.const 0x0p+0 (;=0;)
    i32.const -512)
  (func (;13;) (type 0)
    global.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    block  ;; label = @1
      global.get 0
      i32.eqz
      br_if 0 (;@1;)
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
      global.get 0
      i32.eqz
      br_if 0 (;@1;)
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
      f64.const 0x1.fp+4 (;=31;)
      call 1
      global.get 0
      i32.eqz
      br_if 0 (;@1;)
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
      i32.const 22
      f64.const -0x1p+56 (;=-7.20576e+16;)
      f64.store
    end
    call 2
    call 0)
  (func (;14;) (type 0)
    global.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end)
  (func (;15;) (type 0)
    global.get 0
    i32.eqz
    if  ;; label = @1
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    call 2
    call 0
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    call 2
    call 0
    global.get 0
    if  ;; label = @1
      global.get 0
      i32.const 1
      i32.sub
      global.set 0
    end
    call 2
    call 0)
  (func (;16;) (type 1) (result f64)
    global.get 0
    i32.eqz
    if  ;; label = @1
      f64.const 0x1.fffffffb75c29p+30 (;=2.14748e+09;)
      return
    end
    global.get 0
    i32.const 1
    i32.sub
    global.set 0
    f64.const 0x1.fffffffd9ba5ep+31 (;=4.29497e+09;))
  (func (;17;) (type 0)
    i32.const 10
    global.set 0)
  (memory (;0;) 16 17)
  (global (;0;) (mut i32) (i32.const 10))
  (export "hashMemory" (func 2))
  (export "memory" (memory 0))
  (export "func" (func 3))
  (export "func_0" (func 4))
  (export "func_0_invoker" (func 5))
  (export "func_3" (func 6))
  (export "func_3_invoker" (func 7))
  (export "func_4" (func 8))
  (export "func_5" (func 9))
  (export "func_5_invoker" (func 10))
  (export "func_6" (func 11))
  (export "func_6_invoker" (func 5))
  (export "func_7" (func 12))
  (export "func_9_invoker" (func 13))
  (export "func_10_invoker" (func 14))
  (export "func_11_invoker" (func 15))
  (export "func_12" (func 16))
  (export "hangLimitInitializer" (func 17)))
