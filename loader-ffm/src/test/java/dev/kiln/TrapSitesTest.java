package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.GuardHandlerLayout;
import dev.kiln.abi.Target;
import dev.kiln.abi.TrapCode;
import dev.kiln.loader.GuardSignalHandler;
import dev.kiln.loader.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Trap sites of code compiled with guard-page bounds checks: on x86-64 a {@code ud1} carrying the
 * trap code, which the guard-page signal handler takes as {@code SIGILL}; with explicit checks, a call
 * to the module's trap stub. Both raise the same trap with the same backtrace.
 */
class TrapSitesTest {
    private static final String WAT = """
            (module
              (type $t (func (param i32) (result i32)))
              (table 2 funcref)
              (elem (i32.const 0) $id)
              (func $id (param i32) (result i32) (local.get 0))
              (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
              (func (export "rem") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))
              (func (export "indirect") (param i32 i32) (result i32)
                (call_indirect (type $t) (local.get 0) (local.get 1)))
              (func (export "mismatch") (param i32) (result i64)
                (call_indirect (param i64) (result i64) (i64.const 1) (local.get 0)))
              (func $deep (export "deep") (param i32) (result i32)
                (if (result i32) (local.get 0)
                  (then (i32.add (i32.const 1) (call $deep (i32.sub (local.get 0) (i32.const 1)))))
                  (else unreachable)))
              (func (export "convert") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
              (func $recurse (export "recurse") (param i32) (result i32)
                (i32.add (call $recurse (local.get 0)) (i32.const 1))))
            """;

    private final Store guardStore = new Store(engine(BoundsChecks.GUARD));
    private final Store explicitStore = new Store(engine(BoundsChecks.EXPLICIT));

    private static Engine engine(BoundsChecks checks) {
        return Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true).withBoundsChecks(checks))
                .build();
    }

    @AfterEach
    void close() {
        guardStore.close();
        explicitStore.close();
    }

    private static List<String> trapStubs(Module m) {
        return m.code().elf().symbols().stream().map(s -> s.name()).filter(n -> n.startsWith("kiln_trap["))
                .collect(Collectors.toList());
    }

    /** The trap and its backtrace (funcidx and module offset of each frame) of {@code name(args)}. */
    private static String trapOf(Instance i, String name, Val... args) {
        Trap t = assertThrows(Trap.class, () -> i.func(name).call(args), name);
        String frames = t.backtrace().frames().stream().limit(4)
                .map(f -> f.funcIndex() + "@" + f.moduleOffset()).collect(Collectors.joining(" "));
        return t.kind() + " " + frames;
    }

    @Test
    void everyTrapKindIsTheSameWithUd1SitesAsWithTrapStubCalls() {
        byte[] wasm = WAT.getBytes(StandardCharsets.UTF_8);
        Module guard = Module.compile(guardStore.engine(), wasm);
        Module explicit = Module.compile(explicitStore.engine(), wasm);
        assertFalse(trapStubs(explicit).isEmpty(), "explicit checks call trap stubs");
        if (Target.host() == Target.X86_64) {
            assertEquals(List.of(), trapStubs(guard), "x86-64 guard-mode trap sites are ud1, no stub is called");
        }
        Instance g = Instance.create(guardStore, guard);
        Instance e = Instance.create(explicitStore, explicit);
        Object[][] cases = {
            {"div", TrapCode.INTEGER_DIVIDE_BY_ZERO, new Val[] {Val.i32(7), Val.i32(0)}},
            {"div", TrapCode.INTEGER_OVERFLOW, new Val[] {Val.i32(Integer.MIN_VALUE), Val.i32(-1)}},
            {"rem", TrapCode.INTEGER_DIVIDE_BY_ZERO, new Val[] {Val.i32(7), Val.i32(0)}},
            {"indirect", TrapCode.UNDEFINED_ELEMENT, new Val[] {Val.i32(3), Val.i32(5)}},
            {"indirect", TrapCode.UNINITIALIZED_ELEMENT, new Val[] {Val.i32(3), Val.i32(1)}},
            {"mismatch", TrapCode.INDIRECT_CALL_TYPE_MISMATCH, new Val[] {Val.i32(0)}},
            {"deep", TrapCode.UNREACHABLE, new Val[] {Val.i32(3)}},
            {"convert", TrapCode.INVALID_CONVERSION_TO_INTEGER, new Val[] {Val.f64(Double.NaN)}},
            {"recurse", TrapCode.STACK_OVERFLOW, new Val[] {Val.i32(0)}},
        };
        for (Object[] c : cases) {
            String name = (String) c[0];
            Val[] args = (Val[]) c[2];
            String viaSignal = trapOf(g, name, args);
            assertTrue(viaSignal.startsWith(c[1] + " "), name + ": " + viaSignal);
            assertEquals(trapOf(e, name, args), viaSignal, name + ": the same trap and backtrace");
        }
        // the instance still runs after the traps
        assertEquals(3, g.func("div").call(Val.i32(7), Val.i32(2))[0].i32());
        assertEquals(-3, g.func("div").call(Val.i32(7), Val.i32(-2))[0].i32());
    }

    @Test
    void onX8664SigillGoesToTheGuardPageHandler() {
        Module guard = Module.compile(guardStore.engine(), WAT.getBytes(StandardCharsets.UTF_8));
        Instance.create(guardStore, guard);
        assertTrue(GuardSignalHandler.isInstalled());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment current = arena.allocate(LibC.SIGACTION);
            LibC.sigaction(GuardHandlerLayout.SIGILL, MemorySegment.NULL, current);
            long handler = current.get(ValueLayout.JAVA_LONG, LibC.SIGACTION_HANDLER);
            if (Target.host() == Target.X86_64) {
                assertEquals(GuardSignalHandler.handlerAddress(), handler, "SIGILL goes to Kiln's handler");
            } else {
                assertTrue(handler != GuardSignalHandler.handlerAddress(), "only x86-64 code traps with ud1");
            }
        }
    }
}
