package dev.kiln.compiler.wasm;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.text.Wat;
import org.junit.jupiter.api.Test;

/**
 * The validator's typed function references (Wasm 3.0): reference subtyping
 * ({@code (ref $t) <: (ref null $t) <: (ref null func)}, bottom types), iso-recursive type equivalence,
 * local initialisation, and the instructions that use them.
 */
class TypedReferencesValidatorTest {

    private static void valid(String wat) {
        byte[] bytes = Wat.parseModule(wat);
        assertDoesNotThrow(() -> Validator.validate(ModuleDecoder.decode(bytes), bytes), wat);
    }

    private static void invalid(String reasonPrefix, String wat) {
        byte[] bytes = Wat.parseModule(wat);
        WasmModule m = ModuleDecoder.decode(bytes);
        InvalidModuleException e = assertThrows(InvalidModuleException.class, () -> Validator.validate(m, bytes), wat);
        assertTrue(e.reason().startsWith(reasonPrefix), "expected " + reasonPrefix + " but got " + e.getMessage());
    }

    private static String returning(String resultType, String paramType) {
        return "(module (type $t (func)) (type $u (func (param i32)))"
                + " (func (param " + paramType + ") (result " + resultType + ") (local.get 0)))";
    }

    @Test
    void referenceSubtypingFollowsNullabilityAndHeapTypes() {
        valid(returning("(ref null $t)", "(ref $t)"));
        valid(returning("(ref func)", "(ref $t)"));
        valid(returning("funcref", "(ref $t)"));
        valid(returning("funcref", "(ref null $t)"));
        valid(returning("(ref null $t)", "nullfuncref"));
        valid(returning("(ref $t)", "(ref nofunc)"));
        valid(returning("externref", "(ref noextern)"));
        invalid("type mismatch", returning("(ref $t)", "(ref null $t)"));
        invalid("type mismatch", returning("(ref $t)", "funcref"));
        invalid("type mismatch", returning("(ref null $t)", "funcref"));
        invalid("type mismatch", returning("(ref $u)", "(ref $t)"));
        invalid("type mismatch", returning("funcref", "externref"));
        invalid("type mismatch", returning("(ref null $t)", "nullexternref"));
        invalid("type mismatch", returning("i32", "(ref $t)"));
    }

    @Test
    void equivalentTypesAreInterchangeableAcrossRecursiveGroups() {
        valid("""
                (module
                  (rec (type $t1 (func (param i32 (ref $t1)))))
                  (rec (type $t2 (func (param i32 (ref $t2)))))
                  (func $f1 (param (ref $t1)) (call $f2 (local.get 0)))
                  (func $f2 (param (ref $t2)) (call $f1 (local.get 0))))
                """);
        // isomorphic groups of two are equivalent member by member, not across positions
        valid("""
                (module
                  (rec (type $a0 (func (param (ref $a1)))) (type $a1 (func (param i32 (ref $a0)))))
                  (rec (type $b0 (func (param (ref $b1)))) (type $b1 (func (param i32 (ref $b0)))))
                  (func (param (ref $a0)) (result (ref $b0)) (local.get 0)))
                """);
        invalid("type mismatch", """
                (module
                  (rec (type $a0 (func (param (ref $a1)))) (type $a1 (func (param i32 (ref $a0)))))
                  (rec (type $b0 (func (param (ref $b1)))) (type $b1 (func (param i32 (ref $b0)))))
                  (func (param (ref $a0)) (result (ref $b1)) (local.get 0)))
                """);
        // a singleton group that refers to itself is not the same as a plain type referring to another
        invalid("type mismatch", """
                (module
                  (rec (type $r (func (param (ref $r)))))
                  (type $s (func (param (ref func))))
                  (func (param (ref $r)) (result (ref $s)) (local.get 0)))
                """);
        invalid("unknown type", "(module (type $a (func (param (ref $b)))) (type $b (func (param (ref $a)))))");
    }

    @Test
    void nonDefaultableLocalsMustBeSetBeforeUse() {
        valid("(module (func (local (ref func)) (local.set 0 (ref.func 0)) (drop (local.get 0))) (elem declare func 0))");
        valid("(module (func (param (ref func)) (drop (local.get 0))))");
        valid("(module (func (local (ref null func)) (drop (local.get 0))))");
        invalid("uninitialized local", "(module (func (local (ref func)) (drop (local.get 0))))");
        // initialised inside a block only: uninitialised again after it
        invalid("uninitialized local", """
                (module (elem declare func 0) (func (local (ref func))
                  (block (local.set 0 (ref.func 0)) (drop (local.get 0)))
                  (drop (local.get 0))))
                """);
        invalid("uninitialized local", """
                (module (elem declare func 0) (func (param i32) (local (ref func))
                  (if (local.get 0) (then (local.set 1 (ref.func 0))) (else (drop (local.get 1))))))
                """);
    }

    @Test
    void typedReferenceInstructions() {
        valid("""
                (module (type $t (func (param i32) (result i32)))
                  (func (param (ref null $t)) (result i32) (call_ref $t (i32.const 1) (local.get 0)))
                  (func (param funcref) (result (ref func)) (ref.as_non_null (local.get 0)))
                  (func (param (ref null $t)) (result (ref $t))
                    (block (result (ref $t)) (br_on_non_null 0 (local.get 0)) (unreachable)))
                  (func (param (ref null $t)) (result (ref $t))
                    (block (br_on_null 0 (local.get 0)) (return)) (unreachable)))
                """);
        invalid("type mismatch", """
                (module (type $t (func (param i32) (result i32))) (type $u (func (param i32) (result i32 i32)))
                  (func (param (ref $u)) (result i32) (call_ref $t (i32.const 1) (local.get 0))))
                """);
        invalid("type mismatch", "(module (func (param i32) (drop (ref.as_non_null (local.get 0)))))");
        invalid("type mismatch", """
                (module (func (param funcref) (result i32)
                  (block (result i32) (br_on_non_null 0 (local.get 0)) (i32.const 0))))
                """);
        // the polymorphic stack gives references of the bottom heap type
        valid("(module (type $t (func)) (func (result (ref $t)) (unreachable) (ref.as_non_null)))");
        valid("(module (type $t (func)) (func (unreachable) (call_ref $t)))");
    }

    @Test
    void tablesOfTypedReferences() {
        valid("(module (type $t (func)) (func $f (type $t)) (table 2 (ref $t) (ref.func $f)) (elem declare func $f))");
        invalid("type mismatch", "(module (type $t (func)) (table 2 (ref $t)))");
        invalid("type mismatch", """
                (module (type $t (func)) (type $u (func (param i32))) (func $g (type $u))
                  (table 2 (ref null $t)) (elem (table 0) (i32.const 0) (ref $u) (ref.func $g)))
                """);
        // table.copy and table.init accept a subtype source
        valid("""
                (module (type $t (func)) (table $a 1 funcref) (table $b 1 (ref null $t))
                  (elem $e (ref null $t)) (func (table.copy $a $b (i32.const 0) (i32.const 0) (i32.const 0))
                    (table.init $a $e (i32.const 0) (i32.const 0) (i32.const 0))))
                """);
        invalid("type mismatch", """
                (module (type $t (func)) (table $a 1 funcref) (table $b 1 (ref null $t))
                  (func (table.copy $b $a (i32.const 0) (i32.const 0) (i32.const 0))))
                """);
    }
}
