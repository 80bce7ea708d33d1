package dev.kiln.abi;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Canonical ids of defined function types under iso-recursive type equivalence (spec 3.0 §3.2.1
 * "Type Equivalence" and appendix "Type Soundness": two defined types are equal when they are the
 * same projection of equal recursive type groups, where references inside a group are compared by
 * their position in the group and references outside it by the canonical identity of their target).
 *
 * <p>Each type gets the id of the key {@code group-description "." position}; a group description
 * lists its members with in-group references written as relative positions and references to earlier
 * types written as those types' canonical ids, so that ids are equal exactly when the types are
 * equivalent (the standard canonicalisation by hash-consing of Wasmtime's {@code TypeRegistry} and
 * the reference interpreter). A function type with no concrete references in a group of its own gets
 * the same id as the same {@link FuncType} built from {@link ValType}s, which is how host functions
 * compare with Wasm ones.
 *
 * <p>Thread-safe: ids are interned in a concurrent map; one instance gives consistent ids across all
 * modules that use it. Only function types exist until the GC proposal, so subtyping between distinct
 * defined types does not arise: a defined type matches exactly the types equivalent to it.
 */
public final class TypeCanonicalizer {
    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();

    /**
     * The canonical ids of a module's types.
     *
     * @param types       the module's function types by typeidx (precise types with module-relative
     *                    concrete heap types)
     * @param groupStarts for each typeidx, the typeidx that starts its recursive type group ({@code null}:
     *                    every type is a group of its own)
     * @return the canonical id of each type
     * @throws IllegalArgumentException if a type refers to a type index at or beyond the end of its own
     *                                  group (the validator reports that as {@code unknown type})
     */
    public int[] canonicalize(List<FuncType> types, int[] groupStarts) {
        int n = types.size();
        int[] out = new int[n];
        int i = 0;
        while (i < n) {
            int start = groupStarts == null ? i : groupStarts[i];
            int end = i + 1;
            while (end < n && groupStarts != null && groupStarts[end] == start) {
                end++;
            }
            StringBuilder group = new StringBuilder("rec{");
            for (int j = start; j < end; j++) {
                FuncType t = types.get(j);
                group.append("func(");
                describe(group, t.paramTypes(), start, end, out);
                group.append(")->(");
                describe(group, t.resultTypes(), start, end, out);
                group.append(");");
            }
            group.append('}');
            String g = group.toString();
            for (int j = start; j < end; j++) {
                out[j] = ids.computeIfAbsent(g + "." + (j - start), k -> next.getAndIncrement());
            }
            i = end;
        }
        return out;
    }

    /**
     * The canonical id of one function type in a recursive group of its own, as the only type of a
     * module: a concrete heap type 0 refers to the type itself.
     *
     * @throws IllegalArgumentException if the type has a concrete heap type other than 0
     */
    public int canonicalize(FuncType type) {
        return canonicalize(List.of(type), null)[0];
    }

    /**
     * The canonical id of one function type in a recursive group of its own (e.g. a host function's)
     * whose concrete heap types are already canonical ids of this canonicalizer (not typeidx).
     *
     * @throws IllegalArgumentException if a concrete heap type is not an id this canonicalizer gave
     */
    public int canonicalizeResolved(FuncType type) {
        StringBuilder group = new StringBuilder("rec{func(");
        describe(group, type.paramTypes(), -1, -1, null);
        group.append(")->(");
        describe(group, type.resultTypes(), -1, -1, null);
        group.append(");}.0");
        return ids.computeIfAbsent(group.toString(), k -> next.getAndIncrement());
    }

    /** Whether {@code id} is a canonical id this canonicalizer gave out. */
    public boolean isId(int id) {
        return id >= 0 && id < next.get();
    }

    /** Describes value types; {@code ids == null}: concrete heap types are canonical ids already. */
    private void describe(StringBuilder sb, List<ValueType> ts, int start, int end, int[] ids) {
        for (ValueType v : ts) {
            if (v instanceof RefType r) {
                sb.append(r.nullable() ? "(ref null " : "(ref ");
                HeapType h = r.heapType();
                if (h.isConcrete() && ids == null) {
                    if (!isId(h.typeIndex())) {
                        throw new IllegalArgumentException("no function type has canonical id " + h.typeIndex());
                    }
                    sb.append("id.").append(h.typeIndex());
                } else if (h.isConcrete()) {
                    int k = h.typeIndex();
                    if (k >= end) {
                        throw new IllegalArgumentException("unknown type " + k);
                    }
                    sb.append(k >= start ? "rec." + (k - start) : "id." + ids[k]);
                } else {
                    sb.append(h);
                }
                sb.append(')');
            } else {
                sb.append(v);
            }
            sb.append(' ');
        }
    }
}
