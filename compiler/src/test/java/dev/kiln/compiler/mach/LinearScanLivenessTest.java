package dev.kiln.compiler.mach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.mach.LinearScanToyTest.Toy;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The allocator's liveness (path exploration over the values live across blocks) against the textbook
 * dense data flow ({@code in = gen | (out & ~kill)}, {@code out} the union of the successors' {@code in},
 * iterated to the least fixed point over sets of every virtual register) on random control-flow graphs
 * with loops, unreachable blocks, values defined in several blocks (as block parameters are) and values
 * used before any definition.
 */
class LinearScanLivenessTest {
    private static final RegisterDescriptor REGS = ToyRegisters.builder().build();

    @Test
    void pathExplorationMatchesDenseDataFlowOnRandomFunctions() {
        Random random = new Random(19);
        int checkedLive = 0;
        for (int round = 0; round < 300; round++) {
            int nb = 1 + random.nextInt(round < 200 ? 12 : 60);
            int nv = 1 + random.nextInt(round < 200 ? 10 : 80);
            VirtualRegisters vregs = new VirtualRegisters(REGS);
            int[] v = new int[nv];
            for (int i = 0; i < nv; i++) {
                v[i] = vregs.create(RegClass.INT);
            }
            List<MachBlock<Toy>> blocks = new ArrayList<>();
            for (int b = 0; b < nb; b++) {
                blocks.add(new MachBlock<>(b));
            }
            for (MachBlock<Toy> b : blocks) {
                int insts = random.nextInt(6);
                for (int i = 0; i < insts; i++) {
                    int[] uses = new int[random.nextInt(3)];
                    for (int k = 0; k < uses.length; k++) {
                        uses[k] = v[random.nextInt(nv)];
                    }
                    int[] defs = random.nextInt(3) == 0 ? new int[0] : new int[] {v[random.nextInt(nv)]};
                    b.add(new Toy(defs, uses));
                }
                int succs = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(2);
                for (int k = 0; k < succs; k++) {
                    // forward edges mostly, back edges (loops) and self loops too, repeats allowed
                    b.succs.add(blocks.get(random.nextInt(3) == 0 ? random.nextInt(b.index + 1)
                            : Math.min(nb - 1, b.index + 1 + random.nextInt(3))));
                }
            }
            BitSet[] expected = denseLiveIn(blocks, vregs.limit());
            LinearScan<Toy> alloc = new LinearScan<>(blocks, REGS, vregs);
            alloc.buildIntervals();
            for (MachBlock<Toy> b : blocks) {
                for (int r : v) {
                    assertEquals(expected[b.index].get(r), alloc.liveIn(b.index, r),
                            "round " + round + ": " + REGS.describe(r) + " live on entry to block " + b.index);
                    checkedLive += expected[b.index].get(r) ? 1 : 0;
                }
            }
        }
        assertTrue(checkedLive > 1000, "the random functions have values live across blocks: " + checkedLive);
    }

    /** Live-in sets over every register number, by round-robin iteration of the data-flow equations. */
    private static BitSet[] denseLiveIn(List<MachBlock<Toy>> blocks, int regs) {
        int nb = blocks.size();
        BitSet[] gen = new BitSet[nb];
        BitSet[] kill = new BitSet[nb];
        BitSet[] in = new BitSet[nb];
        for (MachBlock<Toy> b : blocks) {
            BitSet g = new BitSet(regs);
            BitSet k = new BitSet(regs);
            for (Toy t : b.insts) {
                for (int u : t.uses()) {
                    if (!k.get(u)) {
                        g.set(u);
                    }
                }
                for (int d : t.defs()) {
                    k.set(d);
                }
            }
            gen[b.index] = g;
            kill[b.index] = k;
            in[b.index] = new BitSet(regs);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = nb - 1; i >= 0; i--) {
                BitSet out = new BitSet(regs);
                for (MachBlock<Toy> s : blocks.get(i).succs) {
                    out.or(in[s.index]);
                }
                out.andNot(kill[i]);
                out.or(gen[i]);
                if (!out.equals(in[i])) {
                    in[i] = out;
                    changed = true;
                }
            }
        }
        return in;
    }
}
