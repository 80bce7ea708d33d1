package dev.kiln.builtins;

/**
 * How one input module's indices map into the merged module, per index space (spec §2.5.1):
 * {@code map[old] = new}. Immutable after construction by the linker; thread-safe.
 *
 * @param types    typeidx
 * @param funcs    funcidx (imports included)
 * @param tables   tableidx
 * @param memories memidx
 * @param globals  globalidx
 * @param elems    elemidx
 * @param datas    dataidx
 */
public record IndexMaps(int[] types, int[] funcs, int[] tables, int[] memories, int[] globals, int[] elems,
                        int[] datas) {
    /** The identity maps of a module with these index space sizes. */
    public static IndexMaps identity(int types, int funcs, int tables, int memories, int globals, int elems, int datas) {
        return new IndexMaps(iota(types), iota(funcs), iota(tables), iota(memories), iota(globals), iota(elems),
                iota(datas));
    }

    static int[] iota(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
