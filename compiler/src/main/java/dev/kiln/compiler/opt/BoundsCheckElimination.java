package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Cond;
import dev.kiln.compiler.ir.DominatorTree;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Redundant bounds-check elimination for the checks the translator emits before memory accesses
 * ({@code trapif.ugt end, len} with {@code end = iadd idx, const}, DESIGN §3).
 *
 * <p>A check's end is read as {@code base + c} with a constant {@code c}: {@code iadd base, iconst c}
 * where {@code base} is a {@code uextend} (below 2^32, so with {@code 0 <= c < 2^62} the sum cannot
 * wrap), a bare {@code uextend} ({@code c = 0}), or a constant ({@code base} absent). Two steps:
 * <ol>
 * <li>Widening inside a block: a check followed in the same block by checks of the same base, the
 * same {@code len} value and trap code but a larger {@code c}, with nothing between them that has a
 * side effect other than traps with that same code, is made to check the largest {@code c} at once.
 * Only the point where the same trap fires moves, and nothing observable happens in between.</li>
 * <li>Elimination over the dominator tree: a check is removed when a dominating check of the same
 * base, {@code len} value and trap code had a {@code c} at least as large: having passed it,
 * {@code base + c <= base + c_dominating <= len}. {@code len} must be the same SSA value, so
 * {@link GlobalValueNumbering} should run first to merge the {@code vmctx_load}s of the length.</li>
 * </ol>
 * Finally every remaining check becomes {@code base >s len - c}, or {@code base >=u len} for one byte (see
 * {@link #compareWithLengthLessOffset}).
 *
 * <p>64-bit memories (Wasm 3.0 memory64): the index is any u64, so the translator first emits a
 * <em>guard</em> {@code trapif.ugt idx, len} and then {@code trapif.ugt (iadd idx, c), len}. A guard
 * is read as the check {@code idx + 0 > len}; a check on a base that is not a {@code uextend} is read
 * as {@code base + c} because its guard dominates it (so {@code base <= len < 2^48} and the sum cannot
 * wrap). Guards share facts with the checks of the same base and length (a passed check implies the
 * guard), but are never widened and keep their unsigned form. Loop-invariant checks are hoisted by
 * {@link LoopInvariantCodeMotion} (only from the loop header).
 * Stateless and thread-safe; mutates the function given.
 */
public final class BoundsCheckElimination {
    private BoundsCheckElimination() {
    }

    /**
     * A check read as {@code base + c > len}; {@code base} null for a constant end; {@code guard} for
     * the unsigned {@code base > len} test before a 64-bit memory's check ({@code c = 0}).
     */
    private record Check(Value base, long c, Value len, long code, boolean guard) {
        Check(Value base, long c, Value len, long code) {
            this(base, c, len, code, false);
        }
    }

    private record Key(int base, int len, long code) {
    }

    private static final long MAX_OFFSET = 1L << 62;

    /**
     * The checks on a base that is not a {@code uextend} whose guard {@code trapif.ugt base, len} (same
     * base and length values) comes before them in their block: only those may be read as
     * {@code base + c}. Computed once, before any check is changed or removed.
     */
    private static java.util.Set<Inst> guardedChecks(IrFunction f) {
        java.util.Set<Inst> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (int bI = 0; bI < f.blocks().size(); bI++) {
            Block b = f.blocks().get(bI);
            java.util.Set<Long> guards = new java.util.HashSet<>();
            for (int instI = 0; instI < b.insts().size(); instI++) {
                Inst inst = b.insts().get(instI);
                if (inst.op() != Op.TRAPIF || inst.cond() != Cond.UGT || inst.arg(0).type() != IrType.I64) {
                    continue;
                }
                Value end = inst.arg(0);
                Inst d = end.definingInst();
                if (d != null && d.op() == Op.IADD && OptUtil.isIconst(d.arg(1))) {
                    if (guards.contains(pair(d.arg(0), inst.arg(1)))) {
                        out.add(inst);
                    }
                } else if (!OptUtil.isIconst(end)) {
                    guards.add(pair(end, inst.arg(1)));
                }
            }
        }
        return out;
    }

    private static long pair(Value a, Value b) {
        return (long) a.id() << 32 | (b.id() & 0xFFFF_FFFFL);
    }

    private static Check decompose(Inst inst, java.util.Set<Inst> guarded) {
        if (inst.op() != Op.TRAPIF || inst.cond() != Cond.UGT || inst.arg(0).type() != IrType.I64) {
            return null;
        }
        Value end = inst.arg(0);
        Value len = inst.arg(1);
        if (OptUtil.isIconst(end)) {
            return new Check(null, OptUtil.iconst(end), len, inst.imm());
        }
        Inst d = end.definingInst();
        if (d != null && d.op() == Op.UEXTEND) {
            return new Check(end, 0, len, inst.imm());
        }
        if (d != null && d.op() == Op.IADD && OptUtil.isIconst(d.arg(1))) {
            Value base = d.arg(0);
            long c = OptUtil.iconst(d.arg(1));
            Inst bd = base.definingInst();
            boolean below2to32 = bd != null && bd.op() == Op.UEXTEND;
            if (c >= 0 && c < MAX_OFFSET && (below2to32 || guarded.contains(inst))) {
                // a uextend base is below 2^32; a guarded one (64-bit memory) below the length, 2^48
                return new Check(base, c, len, inst.imm());
            }
            return null;
        }
        // the guard of a 64-bit memory's check (or of a 64-bit table index): base > len, unsigned
        return new Check(end, 0, len, inst.imm(), true);
    }

    private static Key key(Check c) {
        return new Key(c.base() == null ? -1 : c.base().id(), c.len().id(), c.code());
    }

    /** Runs the pass on {@code f}; returns whether a check was removed or widened. */
    public static boolean run(IrFunction f) {
        boolean changed = false;
        java.util.Set<Inst> guarded = guardedChecks(f);
        for (Block b : f.blocks()) {
            changed |= widen(b, guarded);
        }
        changed |= eliminate(f, guarded);
        changed |= compareWithLengthLessOffset(f, guarded);
        if (changed) {
            OptUtil.resolveAll(f);
        }
        return changed;
    }

    /**
     * The final form of each remaining check {@code base + c > len} with {@code c >= 2}:
     * {@code base > len - c}, compared signed. Both sides are exact in 64 bits ({@code base < 2^32},
     * {@code len <= 2^32}, {@code c < 2^62}), so this is the same test; {@code len - c} is computed once
     * per length value and offset, right after the length's load, so it stays out of any loop the load
     * was hoisted from, and the check itself needs neither an addition nor a temporary register
     * ({@code cmp base, lenc; jg}). A one-byte check ({@code c = 1}) becomes {@code base >=u len},
     * which needs no {@code len - 1} either.
     */
    private static boolean compareWithLengthLessOffset(IrFunction f, java.util.Set<Inst> guarded) {
        boolean changed = false;
        Map<Long, Map<Integer, Value>> lenMinus = new HashMap<>();
        ArrayList<Block> blocks = f.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            Block b = blocks.get(bi);
            ArrayList<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst check = insts.get(i);
                Check c = decompose(check, guarded);
                if (c == null || c.base() == null || c.c() < 1 || (c.c() != 1 && c.len().definingInst() == null)) {
                    continue;
                }
                changed = true;
                Value len = c.len();
                if (c.c() == 1) {
                    b.replace(i, Op.TRAPIF, List.of(c.base(), len), check.imm(), Cond.UGE, List.of());
                    continue;
                }
                Map<Integer, Value> byLen = lenMinus.computeIfAbsent(c.c(), k -> new HashMap<>());
                Value lenc = byLen.get(len.id());
                if (lenc == null) {
                    Inst def = len.definingInst();
                    Block db = def.block();
                    int at = db.insts().indexOf(def) + 1;
                    Value k = OptUtil.insertIconst(db, at, IrType.I64, c.c());
                    lenc = OptUtil.insert(db, at + 1, Op.ISUB, List.of(len, k), 0, null, IrType.I64).result();
                    byLen.put(len.id(), lenc);
                    if (db == b) {
                        i += 2; // the length's definition dominates the check: it is above it in this block
                    }
                }
                b.replace(i, Op.TRAPIF, List.of(c.base(), lenc), check.imm(), Cond.SGT, List.of());
            }
        }
        return changed;
    }

    private static boolean widen(Block b, java.util.Set<Inst> guarded) {
        boolean changed = false;
        ArrayList<Inst> insts = b.insts();
        for (int i = 0; i < insts.size(); i++) {
            Check c1 = decompose(insts.get(i), guarded);
            if (c1 == null || c1.guard()) {
                continue;
            }
            Key k1 = key(c1);
            long max = c1.c();
            for (int j = i + 1; j < insts.size(); j++) {
                Inst inst = insts.get(j);
                Check c2 = decompose(inst, guarded);
                if (c2 != null && c2.code() == c1.code()) {
                    if (key(c2).equals(k1) && Long.compareUnsigned(c2.c(), max) > 0) {
                        max = c2.c();
                    }
                    continue; // a check with the same trap code: firing earlier is not observable
                }
                if (inst.op().hasSideEffects()) {
                    break;
                }
            }
            if (max == c1.c()) {
                continue;
            }
            Inst check = insts.get(i);
            Value end;
            if (c1.base() == null) {
                end = OptUtil.insertIconst(b, i, IrType.I64, max);
                i += 1;
            } else {
                Value k = OptUtil.insertIconst(b, i, IrType.I64, max);
                end = OptUtil.insert(b, i + 1, Op.IADD, List.of(c1.base(), k), 0, null, IrType.I64).result();
                i += 2;
            }
            check.args().set(0, end);
            changed = true;
        }
        return changed;
    }

    private static boolean eliminate(IrFunction f, java.util.Set<Inst> guarded) {
        Map<Key, Long> facts = new HashMap<>();
        boolean[] changed = {false};
        OptUtil.scopedDominatorWalk(f, DominatorTree.compute(f), facts, (b, put) -> {
            ArrayList<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); ) {
                Check c = decompose(insts.get(i), guarded);
                if (c == null) {
                    i++;
                    continue;
                }
                Key k = key(c);
                Long known = facts.get(k);
                if (known != null && Long.compareUnsigned(known, c.c()) >= 0) {
                    insts.remove(i);
                    changed[0] = true;
                    continue;
                }
                put.accept(k, c.c());
                i++;
            }
        });
        return changed[0];
    }
}
