package dev.kiln.compiler.wasm;

import static dev.kiln.compiler.wasm.Bin.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** Reports decode + validate throughput on a synthetic ~8 MB module. Prints, asserts no timing. */
class ThroughputTest {

    @Test
    void decodeAndValidateThroughput() {
        // A body mixing locals, arithmetic, memory access, blocks and branches (about 1 KB).
        ByteArrayOutputStream code = new ByteArrayOutputStream();
        for (int i = 0; i < 40; i++) {
            code.writeBytes(b(0x02, 0x40, 0x20, 0, 0x20, 1, 0x6A, 0x21, 2, 0x20, 2, 0x28, 2, 0x10, 0x20, 1,
                    0x6C, 0x21, 1, 0x20, 1, 0x0D, 0, 0x41, 0x7F, 0x20, 0, 0x36, 2, 0x08, END));
        }
        code.writeBytes(b(0x20, 1, END));
        byte[] bodyBytes = body(vec(cat(u32(1), b(I32))), code.toByteArray());
        int n = 8000;
        byte[][] bodies = new byte[n][];
        byte[][] funcs = new byte[n][];
        for (int i = 0; i < n; i++) {
            bodies[i] = bodyBytes;
            funcs[i] = u32(0);
        }
        byte[] m = module(section(1, vec(functype(t(I32, I32), t(I32)))), section(3, vec(funcs)),
                section(5, vec(b(0, 1))), section(10, vec(bodies)));
        double best = 0;
        for (int round = 0; round < 8; round++) {
            long t0 = System.nanoTime();
            WasmModule wm = ModuleDecoder.decode(m);
            Validator.validate(wm, m);
            long t1 = System.nanoTime();
            assertEquals(n, wm.code().size());
            best = Math.max(best, m.length / 1e6 / ((t1 - t0) / 1e9));
        }
        System.out.printf("decode+validate: %.1f MB module, best %.0f MB/s%n", m.length / 1e6, best);
    }
}
