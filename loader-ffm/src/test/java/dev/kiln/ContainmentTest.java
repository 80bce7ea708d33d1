package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing done through the public API crashes the JVM: use after close, damaged artifacts. */
class ContainmentTest {
    private final Engine engine = Engine.create();

    private static final String WAT = """
            (module
              (memory (export "memory") 1)
              (global $g (export "g") (mut i32) (i32.const 5))
              (table (export "t") 2 funcref)
              (data (i32.const 16) "kiln")
              (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
              (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))
            """;

    private Module module() {
        return Module.compile(engine, WAT.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyEntryPointThrowsAfterClose() throws Throwable {
        Store store = new Store(engine);
        Instance instance = Instance.create(store, module());
        Func add = instance.func("add");
        MethodHandle handle = add.handle();
        assertEquals(5, (int) handle.invokeExact(2, 3));
        MemorySegment bytes = instance.memory("memory").segment();
        assertEquals('k', bytes.get(ValueLayout.JAVA_BYTE, 16));
        Global g = instance.global("g");
        Table t = instance.table("t");
        Memory memory = instance.memory("memory");
        store.close();

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            int r = (int) handle.invokeExact(2, 3);
        });
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> add.call(Val.i32(1), Val.i32(2)));
        assertThrows(IllegalStateException.class, add::handle);
        assertThrows(IllegalStateException.class, () -> bytes.get(ValueLayout.JAVA_BYTE, 16));
        assertThrows(IllegalStateException.class, memory::segment);
        assertThrows(IllegalStateException.class, () -> memory.grow(1));
        assertThrows(IllegalStateException.class, () -> memory.readString(16, 4));
        assertThrows(IllegalStateException.class, g::get);
        assertThrows(IllegalStateException.class, () -> g.set(Val.i32(1)));
        assertThrows(IllegalStateException.class, () -> t.get(0));
        assertThrows(IllegalStateException.class, () -> t.grow(1, new Val(ValType.FUNCREF, 0)));
        assertThrows(IllegalStateException.class, () -> Instance.create(store, module()));
        assertThrows(IllegalStateException.class, () -> Func.wrap(store, FuncType.of(List.of(), List.of()), a -> a));
        store.close(); // idempotent
    }

    @Test
    void aHostFunctionCannotCloseItsOwnStoreUnderRunningWasm() {
        try (Store store = new Store(engine)) {
            Func closer = Func.wrap(store, FuncType.of(List.of(), List.of()), args -> {
                store.close();
                return new Val[0];
            });
            Module m = Module.compile(engine, """
                    (module (import "env" "close" (func $close))
                      (func (export "run") (result i32) (call $close) (i32.const 7)))
                    """.getBytes(StandardCharsets.UTF_8));
            Instance i = new Linker().define("env", "close", closer).instantiate(store, m);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> i.func("run").call());
            assertTrue(e.getMessage().contains("while a call into it is running"), e.getMessage());
            assertTrue(!store.isClosed());
        }
    }

    /**
     * 100 random single-bit flips of an artifact file: each is refused as "artifact damaged" naming
     * the file, before anything of it is parsed or mapped. The checksum covers every byte, so there
     * is no bit whose flip may load; the undamaged file still loads and runs.
     */
    @Test
    void randomBitFlipsAreRefused(@TempDir Path dir) throws Exception {
        byte[] artifact = module().serialize();
        Path good = dir.resolve("good.kiln");
        Files.write(good, artifact);
        try (Store store = new Store(engine)) {
            assertEquals(9, Instance.create(store, Module.load(engine, good)).func("add").call(Val.i32(4), Val.i32(5))[0].i32());
        }
        Random rnd = new Random(0x6b696c6e18L);
        for (int trial = 0; trial < 100; trial++) {
            int bit = rnd.nextInt(8 * artifact.length);
            byte[] damaged = artifact.clone();
            damaged[bit / 8] ^= (byte) (1 << (bit % 8));
            Path file = dir.resolve("flip" + trial + ".kiln");
            Files.write(file, damaged);
            ArtifactFormatException e = assertThrows(ArtifactFormatException.class, () -> Module.load(engine, file),
                    "bit " + bit + " of " + 8 * artifact.length);
            assertTrue(e.isDamaged() && e.getMessage().startsWith(file + ": artifact damaged: "), e.getMessage());
            ArtifactFormatException fromBytes = assertThrows(ArtifactFormatException.class,
                    () -> Module.fromArtifact(engine, damaged));
            assertTrue(fromBytes.isDamaged(), fromBytes.getMessage());
        }
        assertArrayEquals(artifact, Files.readAllBytes(good));
    }
}
