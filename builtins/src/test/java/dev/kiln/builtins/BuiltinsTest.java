package dev.kiln.builtins;

import static dev.kiln.builtins.SmokeTest.ENGINE;
import static dev.kiln.builtins.SmokeTest.wat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Trap;
import dev.kiln.Val;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The behaviour of compile-time builtins end to end (DESIGN §4), the core-module counterparts of Wasmtime's tests. */
class BuiltinsTest {
    static final String NS = "unsafe-intrinsics";

    static Module.Builder builder() {
        return Module.builder(ENGINE).exposeUnsafeIntrinsics(NS);
    }

    /** A builtin adding its argument to a constant, for linking tests. */
    static String adder(int k) {
        return "(module (func (export \"add\") (param i32) (result i32) (i32.add (local.get 0) (i32.const " + k + "))))";
    }

    @Test
    void unusedBuiltinsAreHarmless() {
        Module m = builder().compileTimeBuiltin("host", wat(SmokeTest.HOST)).compileTimeBuiltin("unused", wat(adder(1)))
                .compile(wat("(module (func (export \"f\") (result i32) (i32.const 7)))"));
        assertEquals(List.of(), m.imports());
        try (Store store = new Store(ENGINE)) {
            assertEquals(7, Instance.create(store, m).func("f").call()[0].i32());
        }
    }

    @Test
    void severalBuiltinsAtOnce() {
        Module m = builder().compileTimeBuiltin("a", wat(adder(10))).compileTimeBuiltin("b", wat(adder(200)))
                .compile(wat("""
                        (module
                          (import "a" "add" (func $a (param i32) (result i32)))
                          (import "b" "add" (func $b (param i32) (result i32)))
                          (func (export "f") (param i32) (result i32) (call $b (call $a (local.get 0)))))
                        """));
        try (Store store = new Store(ENGINE)) {
            assertEquals(1213, Instance.create(store, m).func("f").call(Val.i32(1003))[0].i32());
        }
    }

    @Test
    void guestImportingTheIntrinsicsIsRejected() {
        CompileException e = assertThrows(CompileException.class, () -> builder()
                .compileTimeBuiltin("host", wat(SmokeTest.HOST))
                .compile(wat("(module (import \"unsafe-intrinsics\" \"u8-native-load\" (func (param i64) (result i32))))")));
        assertTrue(e.getMessage().contains("guest module: import \"unsafe-intrinsics\" \"u8-native-load\": only"
                + " compile-time builtins may import the unsafe intrinsics namespace"), e.getMessage());
    }

    @Test
    void builtinsNeedExposedIntrinsics() {
        CompileException e = assertThrows(CompileException.class, () -> Module.builder(ENGINE)
                .compileTimeBuiltin("host", wat(adder(1))).compile(wat("(module)")));
        assertTrue(e.getMessage().contains("builtin \"host\": compile-time builtins need the unsafe intrinsics exposed"),
                e.getMessage());
    }

    @Test
    void withoutExposureTheNamespaceIsAnOrdinaryImport() {
        Module m = Module.compile(ENGINE, wat("""
                (module (import "unsafe-intrinsics" "u8-native-load" (func $f (param i64) (result i32)))
                  (func (export "g") (result i32) (call $f (i64.const 5))))
                """));
        assertEquals(List.of(new Module.ImportType(NS, "u8-native-load",
                new FuncType(List.of(ValType.I64), List.of(ValType.I32)))), m.imports());
        try (Store store = new Store(ENGINE)) {
            Func host = Func.wrap(store, new FuncType(List.of(ValType.I64), List.of(ValType.I32)),
                    args -> new Val[] {Val.i32((int) args[0].i64() * 3)});
            assertEquals(15, Instance.create(store, m, host).func("g").call()[0].i32());
        }
    }

    @Test
    void satisfiedImportsAreErasedAndOthersKept() {
        Module m = builder().compileTimeBuiltin("host", wat(adder(1))).compile(wat("""
                (module
                  (import "env" "x" (func (param i32)))
                  (import "host" "add" (func $add (param i32) (result i32)))
                  (import "env" "y" (global i32))
                  (func (export "f") (result i32) (call $add (global.get 0))))
                """));
        assertEquals(List.of("env.x", "env.y"), m.imports().stream().map(i -> i.module() + "." + i.name()).toList());
        try (Store store = new Store(ENGINE)) {
            Linker l = new Linker();
            l.define("env", "x", Func.wrap(store, new FuncType(List.of(ValType.I32), List.of()), a -> new Val[0]));
            l.define("env", "y", dev.kiln.Global.create(store, ValType.I32, false, Val.i32(41)));
            assertEquals(42, l.instantiate(store, m).func("f").call()[0].i32());
        }
    }

    @Test
    void rawModeRoundTripsEveryWidthChangingOnlyTheIntendedBytes() {
        Module m = builder().compile(wat("""
                (module
                  (import "unsafe-intrinsics" "u8-native-load" (func $l8 (param i64) (result i32)))
                  (import "unsafe-intrinsics" "u16-native-load" (func $l16 (param i64) (result i32)))
                  (import "unsafe-intrinsics" "u32-native-load" (func $l32 (param i64) (result i32)))
                  (import "unsafe-intrinsics" "u64-native-load" (func $l64 (param i64) (result i64)))
                  (import "unsafe-intrinsics" "u8-native-store" (func $s8 (param i64 i32)))
                  (import "unsafe-intrinsics" "u16-native-store" (func $s16 (param i64 i32)))
                  (import "unsafe-intrinsics" "u32-native-store" (func $s32 (param i64 i32)))
                  (import "unsafe-intrinsics" "u64-native-store" (func $s64 (param i64 i64)))
                  (func (export "l8") (param i64) (result i32) (call $l8 (local.get 0)))
                  (func (export "l16") (param i64) (result i32) (call $l16 (local.get 0)))
                  (func (export "l32") (param i64) (result i32) (call $l32 (local.get 0)))
                  (func (export "l64") (param i64) (result i64) (call $l64 (local.get 0)))
                  (func (export "s8") (param i64 i32) (call $s8 (local.get 0) (local.get 1)))
                  (func (export "s16") (param i64 i32) (call $s16 (local.get 0) (local.get 1)))
                  (func (export "s32") (param i64 i32) (call $s32 (local.get 0) (local.get 1)))
                  (func (export "s64") (param i64 i64) (call $s64 (local.get 0) (local.get 1))))
                """));
        assertEquals(List.of(), m.imports());
        try (Arena arena = Arena.ofConfined(); Store store = new Store(ENGINE)) {
            Instance in = Instance.create(store, m);
            MemorySegment seg = arena.allocate(32);
            int[] widths = {1, 2, 4, 8};
            for (int w : widths) {
                for (int at = 3; at < 3 + 8; at += 5) { // aligned or not
                    seg.fill((byte) 0xA5);
                    byte[] before = seg.toArray(ValueLayout.JAVA_BYTE);
                    long addr = seg.address() + at;
                    long value = 0x8877_6655_4433_2211L;
                    if (w == 8) {
                        in.func("s64").call(Val.i64(addr), Val.i64(value));
                    } else {
                        in.func("s" + w * 8).call(Val.i64(addr), Val.i32((int) value));
                    }
                    byte[] after = seg.toArray(ValueLayout.JAVA_BYTE);
                    for (int i = 0; i < 32; i++) {
                        byte expect = i >= at && i < at + w ? (byte) (value >>> (8 * (i - at))) : before[i];
                        assertEquals(expect, after[i], "width " + w + " at " + at + ": byte " + i);
                    }
                    long mask = w == 8 ? -1L : (1L << (8 * w)) - 1;
                    long read = w == 8 ? in.func("l64").call(Val.i64(addr))[0].i64()
                            : in.func("l" + w * 8).call(Val.i64(addr))[0].i32() & 0xFFFF_FFFFL;
                    assertEquals(value & mask, read, "width " + w + " loads zero-extended");
                }
            }
        }
    }

    @Test
    void storeDataAddress() {
        Module m = builder().compile(wat("""
                (module (import "unsafe-intrinsics" "store-data-address" (func $a (result i64)))
                  (func (export "a") (result i64) (call $a)))
                """));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(64);
            try (Store store = new Store(ENGINE, data)) {
                Instance in = Instance.create(store, m);
                assertEquals(data.address(), in.func("a").call()[0].i64());
                MemorySegment other = arena.allocate(8);
                store.setData(other);
                assertEquals(other.address(), in.func("a").call()[0].i64());
            }
            try (Store none = new Store(ENGINE)) {
                assertEquals(0, Instance.create(none, m).func("a").call()[0].i64());
            }
        }
    }

    static final String CHECKED = """
            (module
              (import "unsafe-intrinsics" "u8-checked-native-load" (func $l8 (param i64 i64 i64) (result i32)))
              (import "unsafe-intrinsics" "u16-checked-native-load" (func $l16 (param i64 i64 i64) (result i32)))
              (import "unsafe-intrinsics" "u32-checked-native-load" (func $l32 (param i64 i64 i64) (result i32)))
              (import "unsafe-intrinsics" "u64-checked-native-load" (func $l64 (param i64 i64 i64) (result i64)))
              (import "unsafe-intrinsics" "u8-checked-native-store" (func $s8 (param i64 i64 i64 i32)))
              (import "unsafe-intrinsics" "u16-checked-native-store" (func $s16 (param i64 i64 i64 i32)))
              (import "unsafe-intrinsics" "u32-checked-native-store" (func $s32 (param i64 i64 i64 i32)))
              (import "unsafe-intrinsics" "u64-checked-native-store" (func $s64 (param i64 i64 i64 i64)))
              (func (export "l1") (param i64 i64 i64) (result i64) (i64.extend_i32_u (call $l8 (local.get 0) (local.get 1) (local.get 2))))
              (func (export "l2") (param i64 i64 i64) (result i64) (i64.extend_i32_u (call $l16 (local.get 0) (local.get 1) (local.get 2))))
              (func (export "l4") (param i64 i64 i64) (result i64) (i64.extend_i32_u (call $l32 (local.get 0) (local.get 1) (local.get 2))))
              (func (export "l8") (param i64 i64 i64) (result i64) (call $l64 (local.get 0) (local.get 1) (local.get 2)))
              (func (export "s1") (param i64 i64 i64 i64) (call $s8 (local.get 0) (local.get 1) (local.get 2) (i32.wrap_i64 (local.get 3))))
              (func (export "s2") (param i64 i64 i64 i64) (call $s16 (local.get 0) (local.get 1) (local.get 2) (i32.wrap_i64 (local.get 3))))
              (func (export "s4") (param i64 i64 i64 i64) (call $s32 (local.get 0) (local.get 1) (local.get 2) (i32.wrap_i64 (local.get 3))))
              (func (export "s8") (param i64 i64 i64 i64) (call $s64 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))
            """;

    @Test
    void checkedFormsTrapOutOfBoundsAndOnOverflowAndSucceedAtTheLastValidByte() {
        Module m = builder().compile(wat(CHECKED));
        try (Arena arena = Arena.ofConfined(); Store store = new Store(ENGINE)) {
            Instance in = Instance.create(store, m);
            long len = 24;
            MemorySegment seg = arena.allocate(len + 16);
            long base = seg.address();
            for (int w : new int[] {1, 2, 4, 8}) {
                seg.fill((byte) 0);
                long last = len - w;
                long v = 0x0102_0304_0506_0708L & (w == 8 ? -1L : (1L << (8 * w)) - 1);
                in.func("s" + w).call(Val.i64(base), Val.i64(last), Val.i64(len), Val.i64(v));
                assertEquals(v, in.func("l" + w).call(Val.i64(base), Val.i64(last), Val.i64(len))[0].i64());
                assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, len), "nothing written past the length");
                for (long bad : new long[] {last + 1, len, -1L, -(long) w, Long.MIN_VALUE, -1L - w + 1}) {
                    for (String op : new String[] {"l", "s"}) {
                        Func f = in.func(op + w);
                        Trap t = assertThrows(Trap.class, () -> {
                            if (op.equals("l")) {
                                f.call(Val.i64(base), Val.i64(bad), Val.i64(len));
                            } else {
                                f.call(Val.i64(base), Val.i64(bad), Val.i64(len), Val.i64(7));
                            }
                        }, op + w + " at offset " + bad);
                        assertTrue(t.getMessage().contains("out of bounds memory access"), t.getMessage());
                    }
                }
                // a length shorter than the access: every offset traps
                assertThrows(Trap.class, () -> in.func("l" + w).call(Val.i64(base), Val.i64(0), Val.i64(w - 1)));
                assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, len));
            }
            // huge lengths are fine as long as offset + size fits
            assertEquals(0, in.func("l8").call(Val.i64(base), Val.i64(0), Val.i64(-1L))[0].i64() & 0);
        }
    }

    @Test
    void eachMalformedIntrinsicImportIsRejected() {
        String[][] cases = {
                {"(import \"unsafe-intrinsics\" \"u9-native-load\" (func (param i64) (result i32)))",
                        "import \"unsafe-intrinsics\" \"u9-native-load\": unknown unsafe intrinsic"},
                {"(import \"unsafe-intrinsics\" \"u8-native-load\" (global i64))",
                        "import \"unsafe-intrinsics\" \"u8-native-load\": unsafe intrinsics are functions, but this imports a global"},
                {"(import \"unsafe-intrinsics\" \"u8-native-load\" (func (param i64 i64) (result i32)))",
                        "wrong parameter count 2, expected 1"},
                {"(import \"unsafe-intrinsics\" \"u8-native-load\" (func (param i32) (result i32)))",
                        "wrong type of parameter 0: i32, expected i64"},
                {"(import \"unsafe-intrinsics\" \"u8-native-load\" (func (param i64)))",
                        "wrong result count 0, expected 1"},
                {"(import \"unsafe-intrinsics\" \"u64-native-load\" (func (param i64) (result i32)))",
                        "wrong result type i32, expected i64"},
                {"(import \"unsafe-intrinsics\" \"store-data-address\" (func (result i32)))",
                        "wrong result type i32, expected i64"},
        };
        for (String[] c : cases) {
            String bad = "(module " + c[0] + ")";
            // in a builtin
            CompileException e = assertThrows(CompileException.class,
                    () -> builder().compileTimeBuiltin("host", wat(bad)).compile(wat("(module)")), c[0]);
            assertTrue(e.getMessage().startsWith("builtin \"host\": " + c[1].substring(0, Math.min(c[1].length(), 0)))
                    && e.getMessage().contains(c[1]), e.getMessage());
            // and in raw mode
            CompileException raw = assertThrows(CompileException.class, () -> builder().compile(wat(bad)), c[0]);
            assertTrue(raw.getMessage().startsWith("guest module: ") && raw.getMessage().contains(c[1]), raw.getMessage());
        }
    }

    @Test
    void guestImportsFromABuiltinAreChecked() {
        CompileException missing = assertThrows(CompileException.class, () -> builder()
                .compileTimeBuiltin("host", wat(adder(1)))
                .compile(wat("(module (import \"host\" \"sub\" (func (param i32) (result i32))))")));
        assertTrue(missing.getMessage().contains("guest module: import \"host\" \"sub\": builtin \"host\" does not export"
                + " \"sub\""), missing.getMessage());
        CompileException type = assertThrows(CompileException.class, () -> builder()
                .compileTimeBuiltin("host", wat(adder(1)))
                .compile(wat("(module (import \"host\" \"add\" (func (param i64) (result i32))))")));
        assertTrue(type.getMessage().contains("import \"host\" \"add\": imported with type [i64] -> [i32], but builtin"
                + " \"host\" exports \"add\" with type [i32] -> [i32]"), type.getMessage());
        CompileException kind = assertThrows(CompileException.class, () -> builder()
                .compileTimeBuiltin("host", wat("(module (global (export \"g\") i32 (i32.const 1)))"))
                .compile(wat("(module (import \"host\" \"g\" (func)))")));
        assertTrue(kind.getMessage().contains("exports \"g\" as a global, not a function"), kind.getMessage());
        CompileException notFunc = assertThrows(CompileException.class, () -> builder()
                .compileTimeBuiltin("host", wat("(module (global (export \"g\") i32 (i32.const 1)))"))
                .compile(wat("(module (import \"host\" \"g\" (global i32)))")));
        assertTrue(notFunc.getMessage().contains("compile-time builtins provide only functions, but this imports a global"),
                notFunc.getMessage());
    }

    @Test
    void refFuncOfABuiltinFunctionAndABuiltinInATable() {
        Module m = builder().compileTimeBuiltin("a", wat(adder(5))).compile(wat("""
                (module
                  (import "a" "add" (func $add (param i32) (result i32)))
                  (type $t (func (param i32) (result i32)))
                  (table 2 funcref)
                  (elem (i32.const 0) func $add)
                  (func (export "viaTable") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0)))
                  (func (export "viaRef") (param i32) (result i32)
                    (table.set (i32.const 1) (ref.func $add))
                    (call_indirect (type $t) (local.get 0) (i32.const 1)))
                  (func (export "ref") (result funcref) (ref.func $add))
                  (export "add" (func $add)))
                """));
        try (Store store = new Store(ENGINE)) {
            Instance in = Instance.create(store, m);
            assertEquals(15, in.func("viaTable").call(Val.i32(10))[0].i32());
            assertEquals(25, in.func("viaRef").call(Val.i32(20))[0].i32());
            assertEquals(8, in.func("add").call(Val.i32(3))[0].i32(), "a builtin function re-exported by the guest");
            assertTrue(!in.func("ref").call()[0].isNull());
        }
    }

    @Test
    void anIntrinsicFunctionReachedIndirectly() {
        // a builtin exporting an intrinsic itself, and the guest calling it through a table
        Module m = builder().compileTimeBuiltin("mem", wat("""
                (module (import "unsafe-intrinsics" "u32-native-load" (func $l (param i64) (result i32)))
                  (export "load" (func $l)))
                """)).compile(wat("""
                (module (import "mem" "load" (func $load (param i64) (result i32)))
                  (type $t (func (param i64) (result i32)))
                  (table funcref (elem $load))
                  (func (export "direct") (param i64) (result i32) (call $load (local.get 0)))
                  (func (export "indirect") (param i64) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))
                """));
        try (Arena arena = Arena.ofConfined(); Store store = new Store(ENGINE)) {
            MemorySegment s = arena.allocate(4);
            s.set(ValueLayout.JAVA_INT, 0, 0x12345678);
            Instance in = Instance.create(store, m);
            assertEquals(0x12345678, in.func("direct").call(Val.i64(s.address()))[0].i32());
            assertEquals(0x12345678, in.func("indirect").call(Val.i64(s.address()))[0].i32());
        }
    }

    @Test
    void anyImportNameWorks() {
        for (String ns : new String[] {"my private ns", "x", "\u00e9t\u00e9"}) {
            for (String builtin : new String[] {"env", "", "wasi_snapshot_preview1"}) {
                Module m = Module.builder(ENGINE).exposeUnsafeIntrinsics(ns).compileTimeBuiltin(builtin, wat("""
                        (module (import "%s" "store-data-address" (func $a (result i64)))
                          (import "%s" "u8-native-load" (func $l (param i64) (result i32)))
                          (func (export "get") (result i32) (call $l (call $a))))
                        """.formatted(ns, ns))).compile(wat("""
                        (module (import "%s" "get" (func $get (result i32)))
                          (func (export "main") (result i32) (i32.add (call $get) (call $get))))
                        """.formatted(builtin)));
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment data = arena.allocate(1);
                    data.set(ValueLayout.JAVA_BYTE, 0, (byte) 21);
                    try (Store store = new Store(ENGINE, data)) {
                        assertEquals(42, Instance.create(store, m).func("main").call()[0].i32());
                    }
                }
            }
        }
    }

    @Test
    void aBuiltinWithItsOwnHostImport() {
        Module m = builder().compileTimeBuiltin("host", wat("""
                (module (import "java" "slow" (func $slow (param i32) (result i32)))
                  (func (export "f") (param i32) (result i32)
                    (if (result i32) (i32.lt_u (local.get 0) (i32.const 100))
                      (then (i32.mul (local.get 0) (i32.const 2)))
                      (else (call $slow (local.get 0))))))
                """)).compile(wat("""
                (module (import "env" "g" (func $g)) (import "host" "f" (func $f (param i32) (result i32)))
                  (func (export "main") (param i32) (result i32) (call $g) (call $f (local.get 0))))
                """));
        assertEquals(List.of("env.g", "java.slow"), m.imports().stream().map(i -> i.module() + "." + i.name()).toList());
        AtomicInteger slowCalls = new AtomicInteger();
        try (Store store = new Store(ENGINE)) {
            Linker l = new Linker();
            l.define("env", "g", Func.wrap(store, new FuncType(List.of(), List.of()), a -> new Val[0]));
            l.define("java", "slow", Func.wrap(store, new FuncType(List.of(ValType.I32), List.of(ValType.I32)), a -> {
                slowCalls.incrementAndGet();
                return new Val[] {Val.i32(-a[0].i32())};
            }));
            Instance in = l.instantiate(store, m);
            assertEquals(84, in.func("main").call(Val.i32(42))[0].i32());
            assertEquals(0, slowCalls.get());
            assertEquals(-1000, in.func("main").call(Val.i32(1000))[0].i32());
            assertEquals(1, slowCalls.get());
        }
    }

    @Test
    void aBuiltinWithItsOwnGlobalsAndTable() {
        Module m = builder().compileTimeBuiltin("counter", wat("""
                (module
                  (global $n (mut i64) (i64.const 100))
                  (global $step i64 (i64.const 3))
                  (type $u (func (result i64)))
                  (table 1 funcref)
                  (elem (i32.const 0) $peek)
                  (func $peek (result i64) (global.get $n))
                  (func (export "next") (result i64)
                    (global.set $n (i64.add (global.get $n) (global.get $step)))
                    (call_indirect (type $u) (i32.const 0))))
                """)).compile(wat("""
                (module (import "counter" "next" (func $next (result i64)))
                  (global $mine (mut i64) (i64.const 7))
                  (func (export "f") (result i64) (global.set $mine (i64.add (global.get $mine) (call $next))) (global.get $mine)))
                """));
        try (Store store = new Store(ENGINE)) {
            Instance in = Instance.create(store, m);
            assertEquals(7 + 103, in.func("f").call()[0].i64());
            assertEquals(7 + 103 + 106, in.func("f").call()[0].i64());
        }
    }

    @Test
    void artifactsWithBuiltinsSerializeLoadAndRun(@TempDir Path dir) throws IOException {
        Module m = builder().compileTimeBuiltin("host", wat(SmokeTest.HOST)).compile(wat(SmokeTest.GUEST));
        Path file = dir.resolve("smoke.kiln");
        Files.write(file, m.serialize());
        Module loaded = Module.load(ENGINE, file);
        Module fromBytes = Module.fromArtifact(ENGINE, m.serialize());
        assertEquals(List.of(), loaded.imports());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(1);
            data.set(ValueLayout.JAVA_BYTE, 0, (byte) 42);
            try (Store store = new Store(ENGINE, data)) {
                assertEquals(84, Instance.create(store, loaded).func("main").call()[0].i32());
                assertEquals(84, Instance.create(store, fromBytes).func("main").call()[0].i32());
            }
        }
    }

    @Test
    void builtinFromAFileIsNamedInErrors(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.wat");
        Files.writeString(f, "(module (import \"unsafe-intrinsics\" \"nope\" (func)))");
        CompileException e = assertThrows(CompileException.class,
                () -> builder().compileTimeBuiltin("bad", f).compile(wat("(module)")));
        assertTrue(e.getMessage().contains("builtin \"bad\" (" + f + "): import \"unsafe-intrinsics\" \"nope\""), e.getMessage());
    }

    @Test
    void hostBuffersZeroCopy() {
        Module m = builder().compileTimeBuiltin(HostBuffers.NAME, HostBuffers.builtin()).compile(wat("""
                (module
                  (import "host-buffers" "len" (func $len (param i32) (result i64)))
                  (import "host-buffers" "get-u8" (func $get8 (param i32 i64) (result i32)))
                  (import "host-buffers" "get-u32" (func $get32 (param i32 i64) (result i32)))
                  (import "host-buffers" "get-u64" (func $get64 (param i32 i64) (result i64)))
                  (import "host-buffers" "set-u8" (func $set8 (param i32 i64 i32)))
                  (import "host-buffers" "set-u32" (func $set32 (param i32 i64 i32)))
                  (import "host-buffers" "set-u64" (func $set64 (param i32 i64 i64)))
                  (func (export "len") (param i32) (result i64) (call $len (local.get 0)))
                  (func (export "sum") (param $h i32) (result i64)
                    (local $i i64) (local $n i64) (local $sum i64)
                    (local.set $n (call $len (local.get $h)))
                    (if (i64.eqz (local.get $n)) (then (return (i64.const 0))))
                    (loop $next
                      (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (call $get8 (local.get $h) (local.get $i)))))
                      (local.set $i (i64.add (local.get $i) (i64.const 1)))
                      (br_if $next (i64.lt_u (local.get $i) (local.get $n))))
                    (local.get $sum))
                  (func (export "get32") (param i32 i64) (result i32) (call $get32 (local.get 0) (local.get 1)))
                  (func (export "get64") (param i32 i64) (result i64) (call $get64 (local.get 0) (local.get 1)))
                  (func (export "set8") (param i32 i64 i32) (call $set8 (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "set32") (param i32 i64 i32) (call $set32 (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "set64") (param i32 i64 i64) (call $set64 (local.get 0) (local.get 1) (local.get 2))))
                """));
        try (Arena arena = Arena.ofConfined(); HostBuffers buffers = new HostBuffers(1);
             Store store = new Store(ENGINE, buffers.storeData())) {
            Instance in = Instance.create(store, m);
            MemorySegment a = arena.allocate(1000);
            for (int i = 0; i < 1000; i++) {
                a.set(ValueLayout.JAVA_BYTE, i, (byte) i);
            }
            long expected = 0;
            for (int i = 0; i < 1000; i++) {
                expected += i & 0xFF;
            }
            MemorySegment b = arena.allocate(16);
            int ha = buffers.register(a);
            int hb = buffers.register(b); // grows the table
            assertEquals(0, ha);
            assertEquals(1, hb);
            assertEquals(1000, in.func("len").call(Val.i32(ha))[0].i64());
            assertEquals(expected, in.func("sum").call(Val.i32(ha))[0].i64());
            in.func("set64").call(Val.i32(hb), Val.i64(8), Val.i64(0x1122334455667788L));
            in.func("set32").call(Val.i32(hb), Val.i64(1), Val.i32(0xCAFEBABE));
            in.func("set8").call(Val.i32(hb), Val.i64(0), Val.i32(0x1FF));
            assertEquals(0x1122334455667788L, b.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
            assertEquals(0xCAFEBABE, b.get(ValueLayout.JAVA_INT_UNALIGNED, 1));
            assertEquals((byte) 0xFF, b.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0xCAFEBABE, in.func("get32").call(Val.i32(hb), Val.i64(1))[0].i32());
            assertEquals(0x1122334455667788L, in.func("get64").call(Val.i32(hb), Val.i64(8))[0].i64());
            // out of bounds: past the end, a free handle, a handle beyond the table
            assertThrows(Trap.class, () -> in.func("get64").call(Val.i32(hb), Val.i64(9)));
            assertThrows(Trap.class, () -> in.func("set8").call(Val.i32(hb), Val.i64(16), Val.i32(0)));
            assertThrows(Trap.class, () -> in.func("len").call(Val.i32(7)));
            assertThrows(Trap.class, () -> in.func("len").call(Val.i32(-1)));
            buffers.unregister(ha);
            assertEquals(0, in.func("len").call(Val.i32(ha))[0].i64(), "a free handle is an empty buffer");
            Trap t = assertThrows(Trap.class, () -> in.func("get32").call(Val.i32(ha), Val.i64(0)));
            assertTrue(t.getMessage().contains("out of bounds memory access"), t.getMessage());
            assertEquals(ha, buffers.register(a), "handles are reused");
        }
    }

    @Test
    void builtinsAreOrdinaryWasmWithGlobalsTablesAndAStartFunction() {
        // a builtin with its own mutable global, initialised by its start function, and its own table
        // of functions called indirectly; a second builtin with a start function of its own; both
        // start functions run once per instance, in the order given, before the guest's
        String counter = """
                (module
                  (global $count (mut i32) (i32.const 0))
                  (global $log (mut i32) (i32.const 0))
                  (type $op (func (param i32) (result i32)))
                  (table 2 funcref)
                  (elem (i32.const 0) $double $negate)
                  (func $double (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
                  (func $negate (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
                  (func $init (global.set $count (i32.const 100))
                    (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (i32.const 1))))
                  (start $init)
                  (func (export "next") (result i32)
                    (global.set $count (i32.add (global.get $count) (i32.const 1)))
                    (global.get $count))
                  (func (export "apply") (param i32 i32) (result i32)
                    (call_indirect (type $op) (local.get 0) (local.get 1)))
                  (func (export "log") (result i32) (global.get $log))
                  (func (export "mark") (param i32)
                    (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (local.get 0)))))
                """;
        String second = """
                (module
                  (import "counter" "mark" (func $mark (param i32)))
                  (func $init (call $mark (i32.const 2)))
                  (start $init))
                """;
        Module m = builder().compileTimeBuiltin("counter", wat(counter)).compileTimeBuiltin("second", wat(second))
                .compile(wat("""
                        (module
                          (import "counter" "next" (func $next (result i32)))
                          (import "counter" "apply" (func $apply (param i32 i32) (result i32)))
                          (import "counter" "log" (func $log (result i32)))
                          (import "counter" "mark" (func $mark (param i32)))
                          (func $start (call $mark (i32.const 3)))
                          (start $start)
                          (func (export "next") (result i32) (call $next))
                          (func (export "apply") (param i32 i32) (result i32) (call $apply (local.get 0) (local.get 1)))
                          (func (export "log") (result i32) (call $log)))
                        """));
        try (Store store = new Store(ENGINE)) {
            Instance a = Instance.create(store, m);
            Instance b = Instance.create(store, m);
            assertEquals(123, a.func("log").call()[0].i32(), "builtins' start functions first, in order, then the guest's");
            assertEquals(101, a.func("next").call()[0].i32());
            assertEquals(102, a.func("next").call()[0].i32());
            assertEquals(101, b.func("next").call()[0].i32(), "each instance has its own builtin globals");
            assertEquals(14, a.func("apply").call(Val.i32(7), Val.i32(0))[0].i32());
            assertEquals(-7, a.func("apply").call(Val.i32(7), Val.i32(1))[0].i32());
            Trap t = assertThrows(Trap.class, () -> a.func("apply").call(Val.i32(7), Val.i32(2)));
            assertTrue(t.getMessage().contains("undefined element"), t.getMessage());
        }
    }

    @Test
    void builtinsHaveMemoriesOfTheirOwn() {
        // a builtin with its own memory and data segments (active and passive), using every memory
        // instruction form with memidx 0 of its own, which the linker renumbers behind the guest's
        String arena = """
                (module
                  (memory 1)
                  (data (i32.const 16) "kiln")
                  (data $tail "!?")
                  (func (export "byte") (param i32) (result i32) (i32.load8_u offset=16 (local.get 0)))
                  (func (export "put") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
                  (func (export "pages") (result i32) (memory.size))
                  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
                  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "tail") (param i32) (memory.init $tail (local.get 0) (i32.const 0) (i32.const 2))))
                """;
        Module m = builder().compileTimeBuiltin("arena", wat(arena)).compile(wat("""
                (module
                  (import "arena" "byte" (func $byte (param i32) (result i32)))
                  (import "arena" "put" (func $put (param i32 i32)))
                  (import "arena" "pages" (func $pages (result i32)))
                  (import "arena" "grow" (func $grow (param i32) (result i32)))
                  (import "arena" "fill" (func $fill (param i32 i32 i32)))
                  (import "arena" "copy" (func $copy (param i32 i32 i32)))
                  (import "arena" "tail" (func $tail (param i32)))
                  (memory (export "memory") 2)
                  (data (i32.const 16) "GUEST")
                  (func (export "byte") (param i32) (result i32) (call $byte (local.get 0)))
                  (func (export "own") (param i32) (result i32) (i32.load8_u offset=16 (local.get 0)))
                  (func (export "put") (param i32 i32) (call $put (local.get 0) (local.get 1)))
                  (func (export "pages") (result i32) (call $pages))
                  (func (export "ownPages") (result i32) (memory.size))
                  (func (export "grow") (param i32) (result i32) (call $grow (local.get 0)))
                  (func (export "fill") (param i32 i32 i32) (call $fill (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "copy") (param i32 i32 i32) (call $copy (local.get 0) (local.get 1) (local.get 2)))
                  (func (export "tail") (param i32) (call $tail (local.get 0))))
                """));
        try (Store store = new Store(ENGINE)) {
            Instance in = Instance.create(store, m);
            assertEquals('k', in.func("byte").call(Val.i32(0))[0].i32(), "the builtin's data, in its memory");
            assertEquals('G', in.func("own").call(Val.i32(0))[0].i32(), "the guest's memory 0 is its own");
            assertEquals(1, in.func("pages").call()[0].i32());
            assertEquals(2, in.func("ownPages").call()[0].i32());
            assertEquals(2L * 65536, in.memory("memory").byteSize(), "the guest exports its own memory");
            in.func("put").call(Val.i32(20), Val.i32('X'));
            assertEquals('X', in.func("byte").call(Val.i32(4))[0].i32());
            assertEquals('G', in.func("own").call(Val.i32(0))[0].i32(), "stores go to the builtin's memory");
            in.func("copy").call(Val.i32(100), Val.i32(16), Val.i32(5));
            assertEquals('k', in.func("byte").call(Val.i32(84))[0].i32());
            assertEquals('X', in.func("byte").call(Val.i32(88))[0].i32());
            in.func("fill").call(Val.i32(200), Val.i32('z'), Val.i32(3));
            assertEquals('z', in.func("byte").call(Val.i32(186))[0].i32());
            in.func("tail").call(Val.i32(300));
            assertEquals('?', in.func("byte").call(Val.i32(285))[0].i32(), "memory.init from the builtin's passive segment");
            assertEquals(1, in.func("grow").call(Val.i32(1))[0].i32());
            assertEquals(2, in.func("pages").call()[0].i32());
            assertEquals(2, in.func("ownPages").call()[0].i32(), "growing the builtin's memory leaves the guest's");
            Trap t = assertThrows(Trap.class, () -> in.func("byte").call(Val.i32(2 * 65536)));
            assertTrue(t.getMessage().contains("out of bounds memory access"), t.getMessage());
        }
    }

    @Test
    void aGuestWithoutAMemoryLinksABuiltinThatHasOne() {
        Module m = builder().compileTimeBuiltin("counter", wat("""
                (module (memory 1)
                  (func (export "bump") (result i32)
                    (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
                    (i32.load (i32.const 8))))
                """)).compile(wat("""
                (module (import "counter" "bump" (func $bump (result i32)))
                  (func (export "bump") (result i32) (call $bump)))
                """));
        try (Store store = new Store(ENGINE)) {
            Instance in = Instance.create(store, m);
            assertEquals(1, in.func("bump").call()[0].i32());
            assertEquals(2, in.func("bump").call()[0].i32());
        }
    }
}
