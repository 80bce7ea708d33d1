package dev.kiln.compiler.mach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The shared linear scan and frame layout over a made-up ISA with six allocatable registers per class:
 * every value gets a location, values live at the same time never share a register, spill slots are
 * sized by the value (16 bytes for a vector) and laid out aligned.
 */
class LinearScanToyTest {
    private static final RegisterDescriptor REGS = ToyRegisters.builder().build();

    /** An instruction that only reads and writes registers. */
    static final class Toy extends MachInst {
        int[] uses;
        int[] defs;
        MachBlock<?> target;
        boolean pmove;

        Toy(int[] defs, int[] uses) {
            this.defs = defs;
            this.uses = uses;
        }

        @Override public int[] uses() { return uses; }
        @Override public int[] defs() { return defs; }
        @Override public boolean earlyClobber() { return false; }
        @Override public Hint hint() { return Hint.NONE; }
        @Override public int hintDst() { return NONE; }
        @Override public int hintSrc() { return NONE; }
        @Override public boolean isParallelMove() { return pmove; }
        @Override public int[] moveDsts() { return defs; }
        @Override public int[] moveSrcs() { return uses; }
        @Override public boolean isJump() { return target != null; }
        @Override public boolean isBranch() { return target != null; }
        @Override public MachBlock<?> jumpTarget() { return target; }
        @Override public void retarget(UnaryOperator<MachBlock<?>> f) {
            if (target != null) {
                target = f.apply(target);
            }
        }
        @Override public void mapRegisters(IntUnaryOperator f) {
            for (int i = 0; i < uses.length; i++) {
                uses[i] = f.applyAsInt(uses[i]);
            }
            for (int i = 0; i < defs.length; i++) {
                defs[i] = f.applyAsInt(defs[i]);
            }
        }
    }

    static final MachIsa<Toy> ISA = new MachIsa<>() {
        @Override public RegisterDescriptor registers() { return REGS; }
        @Override public Toy parallelMove(int[] dsts, int[] srcs) {
            Toy t = new Toy(dsts.clone(), srcs.clone());
            t.pmove = true;
            return t;
        }
        @Override public Toy jump(MachBlock<Toy> target) {
            Toy t = new Toy(new int[0], new int[0]);
            t.target = target;
            return t;
        }
    };

    @Test
    void moreValuesThanRegistersSpillIntoSizedSlots() {
        VirtualRegisters vregs = new VirtualRegisters(REGS);
        MachBlock<Toy> b = new MachBlock<>(0);
        List<Integer> ints = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int v = vregs.create(RegClass.INT);
            ints.add(v);
            b.add(new Toy(new int[] {v}, new int[0]));
        }
        List<Integer> vecs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            int v = vregs.create(RegClass.FLOAT, 16);
            vecs.add(v);
            b.add(new Toy(new int[] {v}, new int[0]));
        }
        // a call-like instruction clobbering r0 with everything live across it
        b.add(new Toy(new int[] {0}, new int[0]));
        List<Integer> all = new ArrayList<>(ints);
        all.addAll(vecs);
        b.add(new Toy(new int[0], all.stream().mapToInt(Integer::intValue).toArray()));
        List<MachBlock<Toy>> blocks = new ArrayList<>(List.of(b));
        LinearScan<Toy> alloc = new LinearScan<>(blocks, REGS, vregs);
        alloc.run(ISA);

        // the final use, its operands renamed to the pieces of split values
        Toy last = null;
        for (Toy t : blocks.get(0).insts) {
            if (t.uses.length == all.size()) {
                last = t;
            }
        }
        int spilledVecs = 0;
        List<Integer> regsTaken = new ArrayList<>();
        for (int k = 0; k < all.size(); k++) {
            int v = last.uses[k];
            LinearScan.Interval it = alloc.interval(v);
            assertTrue(it.assigned >= 0 || it.spillSlot >= 0, "every value has a location");
            assertEquals(vregs.classOf(all.get(k)), vregs.classOf(v), "a piece keeps its value's class");
            if (it.assigned >= 0) {
                assertEquals(vregs.classOf(v), REGS.classOf(it.assigned), "a register of the value's class");
                assertTrue(!regsTaken.contains(it.assigned), "two live values in " + REGS.name(it.assigned));
                regsTaken.add(it.assigned);
            } else {
                assertEquals(vregs.slotBytes(v), alloc.slotBytes(it.spillSlot));
                if (vregs.classOf(v) == RegClass.FLOAT) {
                    spilledVecs++;
                }
            }
        }
        assertTrue(spilledVecs >= 2, "8 vectors live at once, 6 registers");
        // every value live across the clobber of r0 is somewhere else there
        for (int v : all) {
            LinearScan.Interval it = alloc.interval(v);
            int clobber = 2 * 18 + 1;
            if (it.assigned == 0) {
                assertTrue(it.end() <= clobber, REGS.describe(v) + " holds r0 across its clobber");
            }
        }

        FrameLayout frame = new FrameLayout(24, alloc, 1);
        List<int[]> ranges = new ArrayList<>();
        for (int s = 0; s < alloc.spillSlots(); s++) {
            int off = frame.slotOffset(s);
            assertTrue(off >= 24, "above the outgoing area");
            assertEquals(0, off % alloc.slotBytes(s), "slot " + s + " aligned to its size");
            for (int[] r : ranges) {
                assertTrue(off + alloc.slotBytes(s) <= r[0] || off >= r[1], "slots do not overlap");
            }
            ranges.add(new int[] {off, off + alloc.slotBytes(s)});
        }
        int wide = 0;
        for (int s = 0; s < alloc.spillSlots(); s++) {
            wide += alloc.slotBytes(s) == 16 ? 1 : 0;
        }
        int narrow = alloc.spillSlots() - wide;
        assertEquals((wide > 0 ? 32 : 24) + 16 * wide + 8 * narrow, frame.extraOffset(0), "16-byte slots start aligned");
        assertEquals(frame.extraOffset(0) + 8, frame.size());
    }

    /**
     * Two phases of ten integer values each: a phase defines its ten, clobbers r0 with all ten live,
     * then uses all ten {@code 1 + phase * extraUses} times; the first phase's values are dead before
     * the second's are defined. Returns each phase's values.
     */
    private static List<List<Integer>> twoPhases(VirtualRegisters vregs, MachBlock<Toy> b, int extraUses) {
        List<List<Integer>> phases = new ArrayList<>();
        for (int phase = 0; phase < 2; phase++) {
            List<Integer> live = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                int v = vregs.create(RegClass.INT);
                live.add(v);
                b.add(new Toy(new int[] {v}, new int[0]));
            }
            b.add(new Toy(new int[] {0}, new int[0])); // a clobber of r0 with all ten live
            int[] uses = live.stream().mapToInt(Integer::intValue).toArray();
            for (int k = 0; k <= phase * extraUses; k++) {
                b.add(new Toy(new int[0], uses.clone()));
            }
            phases.add(live);
        }
        return phases;
    }

    /**
     * Two phases of ten values each, the first dead before the second is defined: the second phase's
     * spilled values take the slots of the first's (fewer slots than spilled values), no two values
     * whose lifetimes overlap share a slot, and {@link FrameLayout} puts the slots named most often
     * nearest the outgoing area.
     */
    @Test
    void valuesNeverLiveTogetherShareSlotsAndHotSlotsComeFirst() {
        VirtualRegisters vregs = new VirtualRegisters(REGS);
        MachBlock<Toy> b = new MachBlock<>(0);
        twoPhases(vregs, b, 3); // phase 1 names its values four times
        List<MachBlock<Toy>> blocks = new ArrayList<>(List.of(b));
        LinearScan<Toy> alloc = new LinearScan<>(blocks, REGS, vregs);
        alloc.run(ISA);

        // every interval (pieces included) by its family's original register; the hull of each family
        java.util.Map<LinearScan.Interval, int[]> hull = new java.util.HashMap<>();
        java.util.Map<LinearScan.Interval, Integer> slotOf = new java.util.HashMap<>();
        for (int r = REGS.count(); r < REGS.count() + 1000; r++) {
            LinearScan.Interval it = alloc.interval(r);
            if (it == null || it.count == 0) {
                continue;
            }
            LinearScan.Interval root = it.root();
            hull.merge(root, new int[] {it.start(), it.end()},
                    (x, y) -> new int[] {Math.min(x[0], y[0]), Math.max(x[1], y[1])});
            if (it.spillSlot >= 0) {
                Integer before = slotOf.put(root, it.spillSlot);
                assertTrue(before == null || before == it.spillSlot, "the pieces of a value share one slot");
            }
        }
        int spilledFamilies = slotOf.size();
        assertTrue(spilledFamilies >= 6, "ten values live at once, six registers, in each phase: " + spilledFamilies);
        assertTrue(alloc.spillSlots() < spilledFamilies,
                alloc.spillSlots() + " slots for " + spilledFamilies + " spilled values: the phases share none");
        List<LinearScan.Interval> spilled = new ArrayList<>(slotOf.keySet());
        for (LinearScan.Interval x : spilled) {
            for (LinearScan.Interval y : spilled) {
                if (x != y && slotOf.get(x).equals(slotOf.get(y))) {
                    int[] hx = hull.get(x);
                    int[] hy = hull.get(y);
                    assertTrue(hx[1] <= hy[0] || hy[1] <= hx[0], REGS.describe(x.reg) + " and "
                            + REGS.describe(y.reg) + " share slot " + slotOf.get(x) + " while both live");
                }
            }
        }

        // slot references as FrameLayout counts them, then their order in the frame
        long[] refs = new long[alloc.spillSlots()];
        for (Toy t : blocks.get(0).insts) {
            for (int[] regs : new int[][] {t.uses, t.defs}) {
                for (int r : regs) {
                    LinearScan.Interval it = alloc.interval(r);
                    if (it != null && it.assigned < 0 && it.spillSlot >= 0) {
                        refs[it.spillSlot]++;
                    }
                }
            }
        }
        FrameLayout frame = new FrameLayout(16, alloc, 0, blocks);
        for (int x = 0; x < refs.length; x++) {
            assertTrue(frame.slotOffset(x) >= 16, "above the outgoing area");
            for (int y = 0; y < refs.length; y++) {
                if (refs[x] > refs[y]) {
                    assertTrue(frame.slotOffset(x) < frame.slotOffset(y), "slot " + x + " (" + refs[x]
                            + " references) lies above slot " + y + " (" + refs[y] + ")");
                }
            }
        }
        assertEquals(16 + 8 * alloc.spillSlots(), frame.size());
    }

    /**
     * The two phases above with the first phase's values marked rematerializable: each spilled one
     * gets a slot of its own that names it ({@link LinearScan#rematerializedFrom}), shared with no
     * other value, and the frame gives those slots no space.
     */
    @Test
    void rematerializableValuesGetNamedSlotsWithoutStackSpace() {
        VirtualRegisters vregs = new VirtualRegisters(REGS);
        MachBlock<Toy> b = new MachBlock<>(0);
        List<Integer> remat = twoPhases(vregs, b, 0).get(0);
        for (int v : remat) {
            vregs.markRematerializable(v);
        }
        List<MachBlock<Toy>> blocks = new ArrayList<>(List.of(b));
        LinearScan<Toy> alloc = new LinearScan<>(blocks, REGS, vregs);
        alloc.run(ISA);

        java.util.Map<Integer, Integer> familyOfSlot = new java.util.HashMap<>();
        int rematSlots = 0;
        int stackSlots = 0;
        for (int s = 0; s < alloc.spillSlots(); s++) {
            if (alloc.rematerializedFrom(s) >= 0) {
                rematSlots++;
                assertTrue(remat.contains(alloc.rematerializedFrom(s)), "slot " + s + " names a marked value");
            } else {
                stackSlots++;
            }
        }
        for (int r = REGS.count(); r < REGS.count() + 1000; r++) {
            LinearScan.Interval it = alloc.interval(r);
            if (it == null || it.count == 0 || it.spillSlot < 0) {
                continue;
            }
            int root = it.root().reg;
            int from = alloc.rematerializedFrom(it.spillSlot);
            assertEquals(remat.contains(root) ? root : -1, from, REGS.describe(r) + "'s slot");
            Integer other = familyOfSlot.put(it.spillSlot, root);
            if (from >= 0) {
                assertTrue(other == null || other == root, "a rematerialized value's slot is its own");
            }
        }
        assertTrue(rematSlots >= 4, "ten values live at once, six registers: " + rematSlots);
        assertTrue(stackSlots >= 4, "the second phase spills to the stack: " + stackSlots);
        assertEquals(16 + 8 * stackSlots, new FrameLayout(16, alloc, 0, blocks).size(),
                "no stack space for rematerialized values");
        assertTrue(!vregs.isRematerializable(vregs.copyOf(remat.get(0))), "a copy is not marked");
    }
    /**
     * A rematerializable value used before and after a stretch where seven other values are live at
     * once (six registers) is spilled over that stretch and takes a register again at its next use:
     * the uses after the stretch name a piece in a register, not its slot. Without the mark the same
     * value stays in its slot from the eviction on.
     */
    @Test
    void rematerializableValueTakesARegisterAgainAfterPressure() {
        for (boolean marked : new boolean[] {true, false}) {
            VirtualRegisters vregs = new VirtualRegisters(REGS);
            MachBlock<Toy> b = new MachBlock<>(0);
            int base = vregs.create(RegClass.INT);
            if (marked) {
                vregs.markRematerializable(base);
            }
            b.add(new Toy(new int[] {base}, new int[0]));
            b.add(new Toy(new int[0], new int[] {base}));
            int[] burst = new int[7];
            for (int i = 0; i < burst.length; i++) {
                burst[i] = vregs.create(RegClass.INT);
                b.add(new Toy(new int[] {burst[i]}, new int[0]));
            }
            for (int k = 0; k < 3; k++) { // each burst value used often: they outweigh the base
                b.add(new Toy(new int[0], burst.clone()));
            }
            for (int k = 0; k < 4; k++) {
                b.add(new Toy(new int[0], new int[] {base}));
            }
            List<MachBlock<Toy>> blocks = new ArrayList<>(List.of(b));
            LinearScan<Toy> alloc = new LinearScan<>(blocks, REGS, vregs);
            alloc.run(ISA);

            List<Toy> insts = blocks.get(0).insts;
            LinearScan.Interval root = alloc.interval(base).root();
            boolean spilledInBurst = false;
            for (int r = REGS.count(); r < REGS.count() + 1000; r++) {
                LinearScan.Interval p = alloc.interval(r);
                if (p != null && p.count > 0 && p.root() == root && p.assigned < 0) {
                    spilledInBurst = true;
                }
            }
            assertTrue(spilledInBurst, "seven values and the base live at once in six registers: the base is spilled");
            int inRegisters = 0;
            for (int k = insts.size() - 4; k < insts.size(); k++) {
                Toy t = insts.get(k);
                assertEquals(1, t.uses.length, "the last four instructions are the base's uses");
                if (alloc.interval(t.uses[0]).assigned >= 0) {
                    inRegisters++;
                }
            }
            assertEquals(marked ? 4 : 0, inRegisters, (marked ? "a rematerializable" : "an unmarked")
                    + " base at its uses after the burst");
        }
    }
}
