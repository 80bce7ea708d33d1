package dev.kiln.compiler.opt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Which functions may return with another instance's VMContext. */
class TailCallReachTest {
    @Test
    void tailCallsOutOfTheInstanceAndTheirDirectTailCallersAreMarked() {
        String wat = """
                (module
                  (type $t (func (result i32)))
                  (import "env" "host" (func $host (result i32)))
                  (table 1 funcref)
                  (func $toHost (result i32) (return_call $host))
                  (func $viaTable (result i32) (return_call_indirect (type $t) (i32.const 0)))
                  (func $chain (result i32) (return_call $toHost))
                  (func $chain2 (result i32) (return_call $chain))
                  (func $callsOnly (result i32) (call $toHost))
                  (func $local (result i32) (return_call $callsOnly))
                  (func $self (param i32) (result i32) (return_call $self (local.get 0))))
                """;
        byte[] bytes = Wat.parseModule(wat);
        WasmModule m = ModuleDecoder.decode(bytes);
        TailCallReach.TailCalls[] calls = new TailCallReach.TailCalls[m.code().size()];
        var bodies = dev.kiln.compiler.wasm.Validator.validateAllButBodies(m, bytes);
        for (int i = 0; i < calls.length; i++) {
            calls[i] = DirectCalls.validateAndRead(bodies, i, 1, calls.length, funcIndex -> false).tailCalls();
        }
        BitSet marked = TailCallReach.anotherInstance(calls);
        BitSet want = new BitSet();
        want.set(0, 4); // toHost, viaTable, chain, chain2; a call (not a tail call) restores its own VMContext
        assertEquals(want, marked);
    }
}
