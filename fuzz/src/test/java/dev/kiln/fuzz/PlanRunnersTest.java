package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.Engine;
import dev.kiln.compiler.text.Wat;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both runners of a plan, Kiln's ({@link KilnRunner}) and V8's ({@code v8-runner.js}), observe a
 * hand-written case exactly as the spec says: host-call traces in order (a re-entrant call included),
 * multi-value results, a NaN written as {@code nan}, traps, the final memory, global and tables (a
 * host table's entries start null in both).
 */
class PlanRunnersTest {
    private static final String WAT = """
            (module
              (import "host" "log_i32" (func $log (param i32)))
              (import "host" "reenter.m0.twice" (func $re (param i32) (result i32)))
              (import "env" "memory" (memory 1 2))
              (import "env" "tab" (table $h 2 externref))
              (export "tab" (table $h))
              (export "mem" (memory 0))
              (global $g (export "g") (mut i64) (i64.const 5))
              (table $t (export "t") 3 funcref)
              (elem (table $t) (i32.const 1) func $twice)
              (func $twice (export "twice") (param i32) (result i32)
                local.get 0
                call $log
                local.get 0
                i32.const 2
                i32.mul)
              (func (export "outer") (param i32) (result i32 f32)
                local.get 0
                call $re
                f32.const nan:0x200000)
              (func (export "boom") unreachable)
              (func (export "store") (param i64)
                i32.const 8
                local.get 0
                i64.store
                local.get 0
                global.set $g))
            """;

    private static final String PLAN = """
            hostfunc host log_i32 i32 - log
            hostfunc host reenter.m0.twice i32 i32 reenter:m0:twice
            hostmemory env memory 1 2
            hosttable env tab externref 2 -
            instantiate m0 m0.wasm
            call m0 outer i32:3
            call m0 boom
            call m0 store i64:-2
            memory m0 mem
            global m0 g
            table m0 t
            table m0 tab
            """;

    private static List<String> expected() {
        byte[] memory = new byte[65536];
        for (int k = 8; k < 16; k++) {
            memory[k] = k == 8 ? (byte) 0xfe : (byte) 0xff;
        }
        String fnv = Integer.toHexString(KilnRunner.fnv(MemorySegment.ofArray(memory), memory.length));
        return List.of("instantiate m0 ok", "host reenter.m0.twice i32:3", "host log_i32 i32:3", "call m0 outer -> i32:6 f32:nan",
                "call m0 boom -> trap", "call m0 store -> ()", "memory m0 mem pages=1 fnv=" + fnv, "global m0 g i64:-2",
                "table m0 t size=3 refs=010", "table m0 tab size=2 refs=00");
    }

    private static Path writeCase(Path dir) throws Exception {
        Files.write(dir.resolve("m0.wasm"), Wat.parseModule(WAT));
        Files.writeString(dir.resolve("plan.txt"), PLAN);
        Files.writeString(dir.resolve("signatures.json"), """
                {"m0":{"twice":{"params":["i32"],"results":["i32"]},"outer":{"params":["i32"],"results":["i32","f32"]},
                "boom":{"params":[],"results":[]},"store":{"params":["i64"],"results":[]},"g":{"type":"i64"}}}""");
        return dir;
    }

    private static List<String> withoutDetails(List<String> lines) {
        return lines.stream().map(l -> l.contains(" # ") ? l.substring(0, l.indexOf(" # ")) : l).toList();
    }

    @Test
    void kilnObservesTheSpecBehaviour(@TempDir Path dir) throws Exception {
        List<String> out = new KilnRunner(Engine.create()).run(writeCase(dir));
        assertEquals(expected(), withoutDetails(out));
        assertEquals("call m0 boom -> trap # UNREACHABLE", out.get(4));
    }

    @Test
    void v8ObservesTheSameBehaviour(@TempDir Path dir) throws Exception {
        Tooling.require("node", "nodejs");
        writeCase(dir);
        try (ChildProcess v8 = DiffFuzzer.v8Process(dir)) {
            assertEquals(ChildProcess.Status.DONE, v8.request("RUN " + dir.toAbsolutePath(), 30_000).status());
        }
        assertEquals(expected(), withoutDetails(Files.readAllLines(dir.resolve("v8.out"))));
    }

    @Test
    void theKilnWorkerRunsAPlanInAChildJvm(@TempDir Path dir) throws Exception {
        writeCase(dir);
        try (ChildProcess kiln = ChildProcess.kilnWorker(dir.resolve("stderr.txt"), 10)) {
            assertEquals(ChildProcess.Status.DONE, kiln.request("RUN " + dir.toAbsolutePath(), 60_000).status());
        }
        assertEquals(expected(), withoutDetails(Files.readAllLines(dir.resolve("kiln.out"))));
    }
}
