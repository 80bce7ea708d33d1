package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Iso-recursive type equivalence by canonical ids (spec 3.0 §3.2.1). */
class TypeCanonicalizerTest {
    private static FuncType f(List<ValueType> params) {
        return FuncType.ofPrecise(params, List.of());
    }

    @Test
    void plainTypesMatchTheirMachineLevelForm() {
        TypeCanonicalizer c = new TypeCanonicalizer();
        int[] ids = c.canonicalize(List.of(FuncType.of(List.of(ValType.I32, ValType.FUNCREF), List.of(ValType.I64))), null);
        assertEquals(ids[0], c.canonicalize(FuncType.of(List.of(ValType.I32, ValType.FUNCREF), List.of(ValType.I64))));
        assertEquals(ids[0], c.canonicalizeResolved(FuncType.ofPrecise(List.of(ValType.I32, RefType.FUNCREF), List.of(ValType.I64))));
        assertNotEquals(ids[0], c.canonicalize(FuncType.of(List.of(ValType.I32), List.of(ValType.I64))));
    }

    @Test
    void equivalenceIsPositionalWithinGroupsAndByIdentityOutside() {
        TypeCanonicalizer c = new TypeCanonicalizer();
        // module A: 0 = (func), 1 = (func (param (ref 0))); module B: the same types at 1 and 2, after an i32 type
        int[] a = c.canonicalize(List.of(f(List.of()), f(List.of(RefType.concrete(false, 0)))), null);
        int[] b = c.canonicalize(List.of(f(List.of(ValType.I32)), f(List.of()), f(List.of(RefType.concrete(false, 1)))), null);
        assertEquals(a[0], b[1]);
        assertEquals(a[1], b[2]);
        // the resolved form of A's type 1 names type 0 by its canonical id
        assertEquals(a[1], c.canonicalizeResolved(f(List.of(RefType.concrete(false, a[0])))));
        // two groups of two mutually recursive types: equal member by member
        List<FuncType> group = List.of(f(List.of(RefType.concrete(false, 1))), f(List.of(ValType.I32, RefType.concrete(false, 0))));
        int[] g1 = c.canonicalize(group, new int[] {0, 0});
        int[] g2 = c.canonicalize(List.of(group.get(0), group.get(1), group.get(0)), new int[] {0, 0, 2});
        assertEquals(g1[0], g2[0]);
        assertEquals(g1[1], g2[1]);
        assertNotEquals(g1[0], g1[1]);
        // the same type outside a group refers to another type, not to itself
        assertNotEquals(g1[0], g2[2]);
        // the same member list in a group of its own is a different type than inside a pair
        assertNotEquals(g1[1], c.canonicalize(List.of(group.get(1)), new int[] {0})[0]);
    }

    @Test
    void forwardReferencesOutsideTheGroupAreRejected() {
        TypeCanonicalizer c = new TypeCanonicalizer();
        assertThrows(IllegalArgumentException.class,
                () -> c.canonicalize(List.of(f(List.of(RefType.concrete(false, 1))), f(List.of())), null));
        assertThrows(IllegalArgumentException.class,
                () -> c.canonicalizeResolved(f(List.of(RefType.concrete(false, 1_000_000)))));
    }

    @Test
    void funcTypeKeepsBothViews() {
        FuncType t = FuncType.ofPrecise(List.of(RefType.concrete(false, 3), ValType.FUNCREF), List.of(new RefType(true, HeapType.EXTERN)));
        assertEquals(List.of(ValType.FUNCREF, ValType.FUNCREF), t.params());
        assertEquals(List.of(ValType.EXTERNREF), t.results());
        assertEquals(List.of(RefType.concrete(false, 3), RefType.FUNCREF), t.paramTypes());
        assertEquals(FuncType.of(List.of(ValType.FUNCREF, ValType.FUNCREF), List.of(ValType.EXTERNREF)), t.erased());
        assertNotEquals(t, t.erased());
        assertEquals("[(ref 3) funcref] -> [externref]", t.toString());
        assertEquals(FuncType.of(List.of(ValType.I32), List.of()), FuncType.ofPrecise(List.of(ValType.I32), List.of()));
    }
}
