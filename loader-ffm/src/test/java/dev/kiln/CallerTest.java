package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Host functions that receive their {@link Caller}, and the string helpers of {@link Memory}. */
class CallerTest extends StoreFixture {
    private static final FuncType PTR_LEN = FuncType.of(List.of(ValType.I32, ValType.I32), List.of());

    @Test
    void aHostFunctionReadsAStringFromItsCallersMemoryDuringTheStartFunction() {
        List<String> log = new ArrayList<>();
        List<Caller> callers = new ArrayList<>();
        Func print = Func.wrap(store, PTR_LEN, (caller, args) -> {
            callers.add(caller);
            log.add(caller.memory().readString(args[0].i32() & 0xFFFF_FFFFL, args[1].i32()));
            // the exports are there before Instance.create returns
            assertTrue(caller.getExport("hello").orElseThrow() instanceof Func);
            assertTrue(caller.getExport("missing").isEmpty());
            return new Val[0];
        });
        Func puts = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of()), (caller, args) -> {
            log.add(caller.memory().readCString(args[0].i32() & 0xFFFF_FFFFL));
            return new Val[0];
        });
        Module m = compile("""
                (module
                  (import "env" "print" (func $print (param i32 i32)))
                  (import "env" "puts" (func $puts (param i32)))
                  (memory 1)            ;; not exported: the Caller is the only way in
                  (data (i32.const 100) "h\\c3\\a9llo from start")
                  (data (i32.const 200) "C string\\00after")
                  (func $start (call $print (i32.const 100) (i32.const 17)) (call $puts (i32.const 200)))
                  (start $start)
                  (func (export "hello") (call $print (i32.const 100) (i32.const 6))))
                """);
        Instance i = new Linker().define("env", "print", print).define("env", "puts", puts).instantiate(store, m);
        assertEquals(List.of("h\u00e9llo from start", "C string"), log);
        assertSame(i, callers.get(0).instance().orElseThrow(), "the caller is the instance being created");
        i.func("hello").call();
        assertEquals("h\u00e9llo", log.get(2));
        assertSame(store, callers.get(1).store());
    }

    @Test
    void callerGivesStoreDataAndFromJavaHasNoInstance() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(8);
            data.set(ValueLayout.JAVA_LONG, 0, 77);
            store.setData(data);
            Func f = Func.wrap(store, FuncType.of(List.of(), List.of(ValType.I64)),
                    (caller, args) -> new Val[] {Val.i64(caller.data().reinterpret(8).get(ValueLayout.JAVA_LONG, 0))});
            Module m = compile("""
                    (module (import "env" "f" (func $f (result i64)))
                      (func (export "run") (result i64) (call $f)))
                    """);
            Instance i = new Linker().define("env", "f", f).instantiate(store, m);
            assertEquals(77, i.func("run").call()[0].i64());
            Func probe = Func.wrap(store, FuncType.of(List.of(), List.of()), (caller, args) -> {
                assertTrue(caller.instance().isEmpty());
                assertThrows(IllegalStateException.class, caller::memory);
                return new Val[0];
            });
            probe.call();
        }
    }

    @Test
    void aCallerWithoutMemorySaysSo() {
        Func f = Func.wrap(store, FuncType.of(List.of(), List.of()), (caller, args) -> {
            caller.memory();
            return new Val[0];
        });
        Module m = compile("""
                (module (import "env" "f" (func $f)) (func (export "run") (call $f)))
                """);
        Instance i = new Linker().define("env", "f", f).instantiate(store, m);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> i.func("run").call());
        assertTrue(e.getMessage().contains("no memory 0"), e.getMessage());
    }

    @Test
    void stringHelpersCheckBoundsAndEncoding() {
        Instance i = Instance.create(store, compile("(module (memory (export \"m\") 1))"));
        Memory mem = i.memory("m");
        assertEquals(6, mem.writeString(10, "na\u00efve"));
        assertEquals("na\u00efve", mem.readString(10, 6));
        assertEquals(4, mem.writeCString(65532, "abc"));
        assertEquals("abc", mem.readCString(65532));
        assertEquals("", mem.readString(65536, 0));

        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> mem.readString(65530, 7));
        assertTrue(e.getMessage().contains("address 0xfffa"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> mem.writeCString(65533, "abc"));
        assertTrue(e.getMessage().contains("address 0xfffd"), e.getMessage());
        assertEquals('a', (char) mem.read(65532, 1)[0], "a failed write changes nothing");
        e = assertThrows(IndexOutOfBoundsException.class, () -> mem.readString(0xFFFF_FFFFL, 2));
        assertTrue(e.getMessage().contains("0xffffffff"), e.getMessage());
        mem.write(65530, new byte[] {1, 2, 3, 4, 5, 6});
        e = assertThrows(IndexOutOfBoundsException.class, () -> mem.readCString(65530));
        assertTrue(e.getMessage().contains("no NUL terminator after the string at address 0xfffa"), e.getMessage());

        mem.write(0, new byte[] {(byte) 0xC3, 0x28});
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> mem.readString(0, 2));
        assertTrue(bad.getMessage().contains("not valid UTF-8"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mem.writeCString(0, "a\0b"));
    }
}
