package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.HeapType;
import dev.kiln.abi.RefType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Typed function references through the public API: precise types, call_ref, typed tables and globals. */
class TypedReferencesTest extends StoreFixture {
    TypedReferencesTest() {
        super(verifyingEngine());
    }

    private static final String MODULE = """
            (module
              (type $bin (func (param i32 i32) (result i32)))
              (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
              (func $sub (type $bin) (i32.sub (local.get 0) (local.get 1)))
              (table $ops (export "ops") 2 (ref $bin) (ref.func $add))
              (global $op (export "op") (mut (ref null $bin)) (ref.func $sub))
              (elem declare func $add $sub)
              (func (export "apply") (param (ref null $bin)) (param i32 i32) (result i32)
                (call_ref $bin (local.get 1) (local.get 2) (local.get 0)))
              (func (export "apply_slot") (param i32 i32 i32) (result i32)
                (call_ref $bin (local.get 1) (local.get 2) (table.get $ops (local.get 0))))
              (func (export "apply_global") (param i32 i32) (result i32)
                (call_ref $bin (local.get 0) (local.get 1) (global.get $op)))
              (func (export "clear_global") (global.set $op (ref.null $bin)))
              (func (export "first_or_minus") (param (ref null $bin)) (result i32)
                (block $null
                  (return (call_ref $bin (i32.const 10) (i32.const 3) (br_on_null $null (local.get 0)))))
                (i32.const -1))
              (func (export "non_null") (param funcref) (result funcref) (ref.as_non_null (local.get 0)))
              (func (export "get_add") (result (ref $bin)) (ref.func $add)))
            """;

    @Test
    void callRefCallsThroughTablesGlobalsAndParameters() {
        Instance i = Instance.create(store, compile(MODULE));
        assertEquals(7, i.func("apply_slot").call(Val.i32(0), Val.i32(3), Val.i32(4))[0].i32());
        assertEquals(-1, i.func("apply_global").call(Val.i32(3), Val.i32(4))[0].i32());
        Val add = i.func("get_add").call()[0];
        assertFalse(add.isNull());
        assertEquals(9, i.func("apply").call(add, Val.i32(4), Val.i32(5))[0].i32());
        assertEquals(13, i.func("first_or_minus").call(add)[0].i32());
        assertEquals(-1, i.func("first_or_minus").call(Val.nullRef(ValType.FUNCREF))[0].i32());
        assertEquals(add.bits(), i.func("non_null").call(add)[0].bits());
    }

    @Test
    void nullReferencesTrapWithTheSpecWordingAndTheStoreStaysUsable() {
        Instance i = Instance.create(store, compile(MODULE));
        Trap t = assertThrows(Trap.class, () -> i.func("apply").call(Val.nullRef(ValType.FUNCREF), Val.i32(1), Val.i32(2)));
        assertEquals(TrapCode.NULL_FUNCTION_REFERENCE, t.kind());
        assertTrue(t.getMessage().startsWith("null function reference"), t.getMessage());
        i.func("clear_global").call();
        Trap g = assertThrows(Trap.class, () -> i.func("apply_global").call(Val.i32(1), Val.i32(2)));
        assertEquals(TrapCode.NULL_FUNCTION_REFERENCE, g.kind());
        Trap n = assertThrows(Trap.class, () -> i.func("non_null").call(Val.nullRef(ValType.FUNCREF)));
        assertEquals(TrapCode.NULL_REFERENCE, n.kind());
        // the store, the instance and a new instance work after the traps
        assertEquals(7, i.func("apply_slot").call(Val.i32(0), Val.i32(3), Val.i32(4))[0].i32());
        Instance other = Instance.create(store, compile(MODULE));
        assertEquals(-1, other.func("apply_global").call(Val.i32(3), Val.i32(4))[0].i32());
    }

    @Test
    void thePublicTypesArePreciseAndCanonicalAcrossModules() {
        Instance i = Instance.create(store, compile(MODULE));
        FuncType apply = i.func("apply").type();
        // the machine-level view stays what Val needs
        assertEquals(List.of(ValType.FUNCREF, ValType.I32, ValType.I32), apply.params());
        RefType param = (RefType) apply.paramTypes().get(0);
        assertTrue(param.nullable());
        assertTrue(param.heapType().isConcrete());
        RefType result = (RefType) i.func("get_add").type().resultTypes().get(0);
        assertFalse(result.nullable());
        // the same canonical id for the same type, here and in a module that declares it elsewhere
        assertEquals(param.heapType(), result.heapType());
        Instance j = Instance.create(store, compile("""
                (module (type (func)) (type $b (func (param i32 i32) (result i32)))
                  (func (export "f") (param (ref $b))))
                """));
        assertEquals(param.heapType(), ((RefType) j.func("f").type().paramTypes().get(0)).heapType());
        Table ops = i.table("ops");
        assertEquals(ValType.FUNCREF, ops.elementType());
        assertEquals(new RefType(false, param.heapType()), ops.refType());
        Global op = i.global("op");
        assertEquals(ValType.FUNCREF, op.type());
        assertEquals(new RefType(true, param.heapType()), op.valueType());
        // a table of non-nullable references refuses null from the host
        assertThrows(IllegalArgumentException.class, () -> ops.set(0, Val.nullRef(ValType.FUNCREF)));
        assertThrows(IllegalArgumentException.class, () -> ops.grow(1, Val.nullRef(ValType.FUNCREF)));
        assertEquals(HeapType.Kind.CONCRETE, ops.refType().heapType().kind());
    }

    @Test
    void importsMatchByTypeEquivalenceNotByIndex() {
        Instance exporter = Instance.create(store, compile("""
                (module (type $t (func (result i32)))
                  (func (export "f") (param (ref $t)))
                  (func (export "g") (param funcref)))
                """));
        Module importer = compile("""
                (module (type (func (param f64))) (type $u (func (result i32)))
                  (import "m" "f" (func (param (ref $u)))))
                """);
        Instance.create(store, importer, exporter.func("f"));
        LinkException e = assertThrows(LinkException.class, () -> Instance.create(store, importer, exporter.func("g")));
        assertTrue(e.getMessage().contains("incompatible import type"), e.getMessage());
        Module wrongType = compile("""
                (module (type $u (func (result i64)))
                  (import "m" "f" (func (param (ref $u)))))
                """);
        assertThrows(LinkException.class, () -> Instance.create(store, wrongType, exporter.func("f")));
        // a plain host function and a Wasm function of the same erased type keep the same identity
        Func host = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of()), args -> new Val[0]);
        Instance.create(store, compile("(module (import \"m\" \"h\" (func (param i32))))"), host);
        assertNotEquals(exporter.func("f").type(), exporter.func("g").type());
    }
}
