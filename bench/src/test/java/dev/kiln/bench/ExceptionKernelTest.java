package dev.kiln.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Engine;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Opcode;
import dev.kiln.compiler.wasm.WasmModule;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ExceptionBenchmark}'s two encodings do the same work: {@link LegacyExceptionKernel}'s module uses
 * only the legacy instructions, and each of its exports returns what the {@code try_table} module's export
 * of the same name returns, which the test also computes by hand.
 */
class ExceptionKernelTest {
    @Test
    void theLegacyModuleUsesTryAndCatchOnly() {
        WasmModule m = ModuleDecoder.decode(LegacyExceptionKernel.module());
        Map<Opcode, Integer> count = new EnumMap<>(Opcode.class);
        for (FunctionBody body : m.code()) {
            CodeReader r = new CodeReader(m.bytes(), body.codeStart(), body.codeEnd());
            while (r.hasNext()) {
                count.merge(r.next(), 1, Integer::sum);
            }
        }
        assertEquals(3, count.get(Opcode.TRY), count::toString);
        assertEquals(3, count.get(Opcode.CATCH), count::toString);
        assertEquals(2, count.get(Opcode.THROW), count::toString);
        assertTrue(!count.containsKey(Opcode.TRY_TABLE), count::toString);
        assertEquals(1, m.tagCount());
    }

    @Test
    void bothEncodingsComputeTheSameResults() {
        Engine engine = Engine.create();
        Module tryTable = Module.compile(engine, ExceptionBenchmark.WAT.getBytes(StandardCharsets.UTF_8));
        Module legacy = Module.compile(engine, LegacyExceptionKernel.module());
        try (Store store = new Store(engine)) {
            Instance a = Instance.create(store, tryTable);
            Instance b = Instance.create(store, legacy);
            for (int n : new int[] {1, 7, 1000}) {
                // every iteration of throwCatch3Frames catches n | 0x40000000 thrown by $f3; of throwCatchLocal, n;
                // the others add $f1(n) = n + 6
                int thrown = 0;
                int local = 0;
                int called = 0;
                for (int i = n; i > 0; i--) {
                    thrown += i | 0x4000_0000;
                    local += i;
                    called += i + 6;
                }
                int[] expected = {thrown, local, called, called};
                for (int e = 0; e < LegacyExceptionKernel.EXPORTS.length; e++) {
                    String name = LegacyExceptionKernel.EXPORTS[e];
                    assertEquals(expected[e], a.func(name).call(Val.i32(n))[0].i32(), name + " (try_table), n " + n);
                    assertEquals(expected[e], b.func(name).call(Val.i32(n))[0].i32(), name + " (legacy), n " + n);
                }
            }
        }
    }
}
