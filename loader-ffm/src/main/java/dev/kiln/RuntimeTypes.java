package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.HeapType;
import dev.kiln.abi.RefType;
import dev.kiln.abi.TypeCanonicalizer;
import dev.kiln.abi.ValueType;
import java.util.ArrayList;
import java.util.List;

/**
 * Types at run time: every module's function types get process-wide canonical ids (iso-recursive
 * equivalence, {@link TypeCanonicalizer}), which {@code call_indirect} compares and import matching
 * uses. Reference types seen through the public API are in <em>canonical form</em>: a concrete heap
 * type's {@link HeapType#typeIndex()} is the canonical id of the type, not a module's typeidx, so that
 * types of different modules compare with {@code equals}.
 *
 * <p>Thread-safe.
 */
final class RuntimeTypes {
    /** The one canonicalizer of the process: ids are comparable across engines, stores and modules. */
    static final TypeCanonicalizer CANON = new TypeCanonicalizer();

    private RuntimeTypes() {
    }

    /** The canonical id of each of {@code meta}'s types, by typeidx. */
    static int[] canonicalIds(ArtifactMetadata meta) {
        return CANON.canonicalize(meta.types(), meta.typeInfo().recGroupStarts());
    }

    /** {@code v} with concrete heap types (typeidx of the module) replaced by their canonical ids. */
    static ValueType resolve(ValueType v, int[] canon) {
        if (v instanceof RefType r && r.heapType().isConcrete()) {
            return RefType.concrete(r.nullable(), canon[r.heapType().typeIndex()]);
        }
        return v == null ? null : v.normalized();
    }

    /** {@code t} in canonical form. */
    static FuncType resolve(FuncType t, int[] canon) {
        if (!t.hasTypedReferences()) {
            return t;
        }
        List<ValueType> p = new ArrayList<>();
        for (ValueType v : t.paramTypes()) {
            p.add(resolve(v, canon));
        }
        List<ValueType> r = new ArrayList<>();
        for (ValueType v : t.resultTypes()) {
            r.add(resolve(v, canon));
        }
        return FuncType.ofPrecise(p, r);
    }

    /**
     * Subtyping of value types in canonical form (spec 3.0 §3.3.3 and §3.3.2): equal types; a
     * non-nullable reference below its nullable form; a concrete function type below {@code func}; the
     * bottom types {@code nofunc}/{@code noextern}/{@code noexn}/{@code none} below their hierarchy.
     */
    static boolean matches(ValueType actual, ValueType expected) {
        if (actual.equals(expected)) {
            return true;
        }
        if (!(actual instanceof RefType a) || !(expected instanceof RefType e)) {
            return false;
        }
        if (a.nullable() && !e.nullable()) {
            return false;
        }
        HeapType ha = a.heapType();
        HeapType he = e.heapType();
        if (ha.equals(he)) {
            return true;
        }
        if (ha.top() != he.top()) {
            return false;
        }
        if (ha.kind() == ha.bottom()) {
            return true;
        }
        if (ha.isConcrete()) {
            return he.kind() == HeapType.Kind.FUNC;
        }
        return switch (ha.kind()) {
            case I31, STRUCT, ARRAY -> he.kind() == HeapType.Kind.EQ || he.kind() == HeapType.Kind.ANY;
            case EQ -> he.kind() == HeapType.Kind.ANY;
            default -> false;
        };
    }
}
