package dev.kiln.builtins;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Engine;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SmokeTest {
    static final Engine ENGINE = Engine.builder()
            .compileOptions(dev.kiln.abi.CompileOptions.defaults().withVerifyIr(true)).build();

    static byte[] wat(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final String HOST = """
            (module
              (import "unsafe-intrinsics" "store-data-address" (func $sda (result i64)))
              (import "unsafe-intrinsics" "u8-native-load" (func $load8 (param i64) (result i32)))
              (func (export "get") (result i32)
                (call $load8 (call $sda))))
            """;

    static final String GUEST = """
            (module
              (import "host" "get" (func $get (result i32)))
              (func (export "main") (result i32)
                (i32.add (call $get) (call $get))))
            """;

    @Test
    void getPlusGetIs84() {
        Module m = Module.builder(ENGINE).exposeUnsafeIntrinsics("unsafe-intrinsics")
                .compileTimeBuiltin("host", wat(HOST)).compile(wat(GUEST));
        assertEquals(0, m.imports().size());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(8);
            data.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            try (Store store = new Store(ENGINE, data)) {
                Instance i = Instance.create(store, m);
                assertEquals(84, i.func("main").call()[0].i32());
                data.set(ValueLayout.JAVA_BYTE, 0, (byte) 200);
                assertEquals(400, i.func("main").call()[0].i32());
            }
        }
    }
}
