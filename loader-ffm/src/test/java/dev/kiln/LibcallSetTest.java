package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.abi.VMContextLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The libcalls an artifact records ({@link dev.kiln.abi.ArtifactMetadata#libcalls}) are those its code
 * calls: an instance makes an upcall stub only for those, so a C program with a function table and
 * no table operation gets none of the five table libcalls.
 */
class LibcallSetTest {
    private static final Engine ENGINE = Engine.builder().build();

    private static int libcalls(String wat) {
        return Module.compile(ENGINE, wat.getBytes(StandardCharsets.UTF_8)).metadata().libcalls();
    }

    private static int bit(int id) {
        return 1 << id;
    }

    @Test
    void aTableAndAMemoryWithoutTheirOperationsNeedNoLibcall() {
        assertEquals(0, libcalls("""
                (module (import "host" "f" (func $f (param i32)))
                  (type $t (func (result i32))) (memory 1) (table 2 funcref)
                  (func $one (result i32) i32.const 1) (elem (i32.const 0) $one)
                  (func (export "run") (result i32) (call $f (i32.const 0)) (call_indirect (type $t) (i32.const 0))))"""));
    }

    @Test
    void eachOperationNeedsItsOwnLibcall() {
        assertEquals(bit(VMContextLayout.LIBCALL_MEMORY_GROW), libcalls("""
                (module (memory 1) (func (export "g") (result i32) (memory.grow (i32.const 1))))"""));
        assertEquals(bit(VMContextLayout.LIBCALL_TABLE_GROW) | bit(VMContextLayout.LIBCALL_TABLE_FILL)
                | bit(VMContextLayout.LIBCALL_TABLE_COPY) | bit(VMContextLayout.LIBCALL_TABLE_INIT)
                | bit(VMContextLayout.LIBCALL_ELEM_DROP), libcalls("""
                (module (table $t 1 funcref) (elem $e func)
                  (func (export "g") (result i32) (table.grow $t (ref.null func) (i32.const 1)))
                  (func (export "f") (table.fill $t (i32.const 0) (ref.null func) (i32.const 1)))
                  (func (export "c") (table.copy $t $t (i32.const 0) (i32.const 0) (i32.const 1)))
                  (func (export "i") (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 0)))
                  (func (export "d") (elem.drop $e)))"""));
        assertEquals(bit(VMContextLayout.LIBCALL_EXN_NEW) | bit(VMContextLayout.LIBCALL_THROW), libcalls("""
                (module (tag $x) (func (export "t") (throw $x)))"""));
        assertEquals(bit(VMContextLayout.LIBCALL_THROW), libcalls("""
                (module (func (export "r") (param exnref) (throw_ref (local.get 0))))"""));
    }
}
