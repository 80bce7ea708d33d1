package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Functions and blocks with several results, through calls, stack arguments and the entry trampoline. */
class MultiValueTest {
    private final Engine engine = Engine.create();
    private final Store store = new Store(engine);

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void severalResultsThroughCallsAndTheHost() {
        Instance i = Instance.create(store, Module.compile(engine, """
                (module
                  (func $divmod (param i64 i64) (result i64 i64) (i64.div_u (local.get 0) (local.get 1)) (i64.rem_u (local.get 0) (local.get 1)))
                  (func $mix (param i32 i32 i32 i32 i32 i32 i32 i32) (result f64 i32 i64 f32)
                    (f64.convert_i32_s (local.get 0)) (local.get 7) (i64.extend_i32_s (local.get 6)) (f32.const 2.5))
                  (func (export "divmod") (param i64 i64) (result i64 i64) (call $divmod (local.get 0) (local.get 1)))
                  (func (export "sum_divmod") (param i64 i64) (result i64)
                    (call $divmod (local.get 0) (local.get 1)) (i64.add))
                  (func (export "mix") (param i32) (result f64 i32 i64 f32)
                    (call $mix (local.get 0) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5) (i32.const 6) (i32.const 7)))
                  (func (export "swap_block") (param i32 i32) (result i32 i32)
                    (local.get 0) (local.get 1)
                    (block (param i32 i32) (result i32 i32)
                      (local.set 0) (local.set 1) (local.get 0) (local.get 1))))
                """.getBytes(StandardCharsets.UTF_8)));
        Val[] dm = i.func("divmod").call(Val.i64(47), Val.i64(5));
        assertEquals(9, dm[0].i64());
        assertEquals(2, dm[1].i64());
        assertEquals(11, i.func("sum_divmod").call(Val.i64(47), Val.i64(5))[0].i64());
        Val[] mix = i.func("mix").call(Val.i32(-9));
        assertEquals(-9.0, mix[0].f64());
        assertEquals(7, mix[1].i32());
        assertEquals(6L, mix[2].i64());
        assertEquals(2.5f, mix[3].f32());
        Val[] sw = i.func("swap_block").call(Val.i32(1), Val.i32(2));
        assertEquals(2, sw[0].i32());
        assertEquals(1, sw[1].i32());
    }
}
