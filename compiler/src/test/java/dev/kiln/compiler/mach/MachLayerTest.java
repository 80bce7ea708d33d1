package dev.kiln.compiler.mach;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.ValType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ISA-independent pieces of the machine layer on a small made-up register file. */
class MachLayerTest {
    /** r0..r7 integers (r6, r7 scratch), f0..f7 floats (f6, f7 scratch). */
    private static final RegisterDescriptor REGS = ToyRegisters.builder()
            .calleeSaved(4, 5)
            .build();

    @Test
    void descriptorListsCallerSavedRegistersAndRefusesOverlaps() {
        assertArrayEquals(new int[] {0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, REGS.callerSaved());
        assertEquals("%3", REGS.describe(19));
        assertEquals("f2", REGS.describe(10));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> RegisterDescriptor.builder("bad", 4)
                .registers(RegClass.INT, 0, "a", "b").registers(RegClass.FLOAT, 2, "c", "d")
                .allocationOrder(RegClass.INT, 0, 1).scratch(RegClass.INT, 1, 0)
                .allocationOrder(RegClass.FLOAT, 2).scratch(RegClass.FLOAT, 2, 3).build());
        assertTrue(e.getMessage().contains("listed twice"), e.getMessage());
    }

    @Test
    void conventionAssignsRegistersThenStackSlotsPerClass() {
        CallingConvention cc = new CallingConvention(new int[] {0, 1}, new int[] {8}, 0, 8, true);
        CallingConvention.Assignment a = cc.assign(
                List.of(ValType.I32, ValType.F64, ValType.I64, ValType.F32, ValType.EXTERNREF, ValType.V128, ValType.I64),
                List.of(ValType.I32, ValType.F64));
        List<CallingConvention.ArgLocation> p = a.params();
        assertEquals(0, p.get(0).reg());
        assertEquals(8, p.get(1).reg());
        assertEquals(1, p.get(2).reg());
        assertEquals(0, p.get(3).stackOffset(), "the second float goes to the stack");
        assertEquals(8, p.get(4).stackOffset(), "references are integers");
        assertEquals(16, p.get(5).stackOffset(), "v128 takes a 16-byte aligned slot");
        assertEquals(32, p.get(6).stackOffset());
        assertEquals(48, a.stackArgBytes(), "a callee-pops argument area is padded to 16 bytes (tail calls)");
        assertEquals(48, a.results().get(0).stackOffset(), "several results follow the arguments");
        assertEquals(56, a.results().get(1).stackOffset());
        assertEquals(64, a.stackBytes());
        CallingConvention host = new CallingConvention(new int[] {0, 1}, new int[] {8}, 0, 8, false);
        assertEquals(8, host.assign(List.of(ValType.I32, ValType.I32, ValType.I32), List.of()).stackArgBytes(),
                "a caller-pops area is not padded");
        CallingConvention.Assignment one = cc.assign(List.of(), List.of(ValType.F32));
        assertEquals(8, one.results().get(0).reg());
        assertEquals(0, one.stackBytes());
        assertTrue(cc.calleePopsArguments());
    }

    /** Random permutations with cycles, checked by running the sequence on an array of "registers". */
    @Test
    void parallelMovesMatchTheirSimultaneousMeaning() {
        Random rnd = new Random(42);
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + rnd.nextInt(6);
            int[] dsts = new java.util.Random(round).ints(0, 6).distinct().limit(n).toArray();
            List<int[]> moves = new ArrayList<>();
            for (int d : dsts) {
                moves.add(new int[] {d, rnd.nextInt(6)});
            }
            long[] before = new long[8];
            for (int i = 0; i < 8; i++) {
                before[i] = 100 + i;
            }
            long[] state = before.clone();
            Map<Integer, Long> expect = new HashMap<>();
            for (int[] m : moves) {
                expect.put(m[0], before[m[1]]);
            }
            ParallelMoves.sequentialize(moves, mv -> 7, (d, s) -> {
                assertTrue(d != s);
                state[d] = state[s];
            });
            for (Map.Entry<Integer, Long> e : expect.entrySet()) {
                assertEquals(e.getValue(), state[e.getKey()], "round " + round + " moves " + describe(moves));
            }
            for (int r = 0; r < 6; r++) {
                if (!expect.containsKey(r)) {
                    assertEquals(before[r], state[r], "an untouched register keeps its value");
                }
            }
        }
    }

    private static String describe(List<int[]> moves) {
        StringBuilder sb = new StringBuilder();
        for (int[] m : moves) {
            sb.append(m[0]).append("<-").append(m[1]).append(' ');
        }
        return sb.toString();
    }

    @Test
    void virtualRegistersCarryClassAndSlotSize() {
        VirtualRegisters v = new VirtualRegisters(REGS);
        int a = v.create(RegClass.INT);
        int b = v.create(RegClass.FLOAT, 16);
        assertEquals(16, a);
        assertEquals(RegClass.FLOAT, v.classOf(b));
        assertEquals(16, v.slotBytes(v.copyOf(b)));
        assertEquals(19, v.limit());
        assertThrows(IllegalArgumentException.class, () -> v.create(RegClass.INT, 16));
    }
}
