package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.TrapCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * i32 address arithmetic wraps modulo 2^32 before the access, however the backend computes it
 * (x86-64: {@code lea eax, [rdi*4 + 0x400]}, a 32-bit lea without a base register): an index whose
 * scaled sum passes 2^32 lands at the small address the Wasm add gives, not 4 GiB beyond it.
 */
class AddressWrapTest {
    @Test
    void scaledIndexPlusConstantWrapsLikeTheWasmAdd() {
        String wat = """
                (module (memory (export "mem") 1)
                  (func (export "shl1") (param i32) (result i32)
                    (i32.load8_u (i32.add (i32.shl (local.get 0) (i32.const 1)) (i32.const 1024))))
                  (func (export "shl2") (param i32) (result i32)
                    (i32.load8_u (i32.add (i32.shl (local.get 0) (i32.const 2)) (i32.const 1024))))
                  (func (export "shl3") (param i32) (result i32)
                    (i32.load8_u (i32.add (i32.const 1024) (i32.shl (local.get 0) (i32.const 3))))))
                """;
        for (Engine engine : new Engine[] {Engine.create(),
                Engine.builder().compileOptions(Engine.create().compileOptions().withBoundsChecks(dev.kiln.abi.BoundsChecks.EXPLICIT)).build()}) {
            try (Store store = new Store(engine)) {
                Instance instance = Instance.create(store, Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8)));
                instance.memory("mem").write(8, new byte[] {0x5a});
                for (int k = 1; k <= 3; k++) {
                    Func f = instance.func("shl" + k);
                    // x << k == 2^32 - 1024 + 8: (x << k) + 1024 wraps to 8, where the marker byte is
                    long target = (1L << 32) - 1024 + 8;
                    int x = (int) (target >>> k);
                    assertEquals(0x5a, f.call(Val.i32(x))[0].i32(), "shl" + k + " of " + Integer.toUnsignedString(x));
                    // without the wrap the address would be 2^32 + 8, out of bounds; and an index past the
                    // memory still traps
                    int far = (int) ((70_000L - 1024) >>> k);
                    assertSame(TrapCode.MEMORY_OUT_OF_BOUNDS, assertThrows(Trap.class, () -> f.call(Val.i32(far))).kind());
                }
            }
        }
    }
}
