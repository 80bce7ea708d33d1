package dev.kiln.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.compiler.RelocKind;
import dev.kiln.compiler.Relocation;
import dev.kiln.compiler.mach.Label;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Branch relaxation of {@link Assembler} ({@link Assembler#relaxBranches()}): the rel8/rel32 choice at
 * the edges of rel8's reach, the map from emission offsets to final ones, alignments and pads computed
 * at final offsets, and references other than jumps (calls, RIP-relative operands, jump-table
 * entries, relocations) resolved at final offsets. Displacements are decoded from the bytes.
 */
class AssemblerRelaxationTest {

    private static int rel32At(byte[] code, int at) {
        return (code[at] & 0xFF) | (code[at + 1] & 0xFF) << 8 | (code[at + 2] & 0xFF) << 16 | code[at + 3] << 24;
    }

    private static Assembler relaxing() {
        Assembler a = new Assembler();
        a.relaxBranches();
        return a;
    }

    @Test
    void forwardJumpIsShortUpToDisplacement127() {
        for (int gap : new int[] {0, 1, 127, 128, 300}) {
            Assembler a = relaxing();
            Label end = a.newLabel();
            a.jmp(end);
            a.nop(gap);
            a.bind(end);
            a.ret();
            byte[] code = a.finish();
            if (gap <= 127) {
                assertEquals((byte) 0xEB, code[0], "gap " + gap);
                assertEquals(gap, code[1] & 0xFF, "gap " + gap);
                assertEquals(2 + gap + 1, code.length);
            } else {
                assertEquals((byte) 0xE9, code[0], "gap " + gap);
                assertEquals(gap, rel32At(code, 1), "gap " + gap);
                assertEquals(5 + gap + 1, code.length);
            }
            assertEquals((byte) 0xC3, code[code.length - 1]);
        }
    }

    @Test
    void backwardConditionalJumpIsShortDownToDisplacementMinus128() {
        for (int gap : new int[] {0, 126, 127, 200}) {
            Assembler a = relaxing();
            Label top = a.newLabel();
            a.bind(top);
            a.nop(gap);
            a.jcc(Cond.NE, top);
            byte[] code = a.finish();
            int disp = -(gap + 2);
            if (disp >= -128) {
                assertEquals((byte) 0x75, code[gap], "gap " + gap);
                assertEquals(disp, code[gap + 1], "gap " + gap);
                assertEquals(gap + 2, code.length);
            } else {
                assertEquals(0x0F, code[gap], "gap " + gap);
                assertEquals((byte) 0x85, code[gap + 1], "gap " + gap);
                assertEquals(-(gap + 6), rel32At(code, gap + 2), "gap " + gap);
                assertEquals(gap + 6, code.length);
            }
        }
    }

    /** A jump that reaches only once the jump between it and its target is short. */
    @Test
    void shorteningOneJumpBringsAnotherInReach() {
        Assembler a = relaxing();
        Label outer = a.newLabel();
        Label inner = a.newLabel();
        a.jcc(Cond.E, outer); // 2 + 2 + 122 + 2 = 128 bytes short of the target if the inner jump stayed long
        a.jmp(inner);
        a.nop(122);
        a.bind(inner);
        a.nop(2);
        a.bind(outer);
        a.ret();
        byte[] code = a.finish();
        assertEquals((byte) 0x74, code[0]);
        assertEquals(2 + 122 + 2, code[1] & 0xFF);
        assertEquals((byte) 0xEB, code[2]);
        assertEquals(122, code[3] & 0xFF);
        assertEquals(2 + 2 + 122 + 2 + 1, code.length);
    }

    @Test
    void emissionOffsetsMapToFinalOnes() {
        Assembler a = relaxing();
        Label l = a.newLabel();
        int beforeJump = a.position();
        a.jmp(l); // 5 bytes in the emission, 2 in the code
        int afterJump = a.position();
        a.nop(1);
        int beforeAlign = a.position();
        a.align(16); // 15 bytes in the emission, 13 in the code (from 3 to 16)
        a.bind(l);
        int afterAlign = a.position();
        a.ret();
        byte[] code = a.finish();
        assertEquals(0, a.finalOffset(beforeJump));
        assertEquals(2, a.finalOffset(afterJump));
        assertEquals(3, a.finalOffset(beforeAlign));
        assertEquals(16, a.finalOffset(afterAlign));
        assertEquals(16, a.finalOffset(l.position()));
        assertEquals((byte) 0xEB, code[0]);
        assertEquals(14, code[1]);
        assertEquals((byte) 0xC3, code[16]);
        assertEquals(17, code.length);
    }

    @Test
    void padIsComputedAtTheFinalOffset() {
        Assembler a = relaxing();
        Label loop = a.newLabel();
        a.jcc(Cond.E, loop); // 2 bytes once relaxed
        int[] seen = {-1};
        a.pad(at -> {
            seen[0] = at;
            return (5 - at) & 63; // the loop header at 5 mod 64
        }, 63);
        a.bind(loop);
        a.ret();
        byte[] code = a.finish();
        assertEquals(2, seen[0]);
        assertEquals(5, a.finalOffset(loop.position()));
        assertEquals((byte) 0xC3, code[5]);
        assertEquals(3, code[1]); // the jump skips the 3 pad bytes
    }

    @Test
    void provisionalOffsetsLayOutWithThePadsAsTheyAreNowAndFinishLaysOutAgain() {
        Assembler a = relaxing();
        Label loop = a.newLabel();
        a.jcc(Cond.E, loop); // 6 bytes in the emission, 2 in the code
        int[] wanted = {0}; // the pad returns 0 until the layout that sizes it is known
        a.pad(at -> wanted[0], 63);
        a.bind(loop);
        int header = a.position();
        a.nop(1);
        int afterHeader = a.position();
        a.jmp(loop); // back, 2 bytes
        int end = a.position();
        java.util.function.IntUnaryOperator unpadded = a.provisionalOffsets();
        assertEquals(0, unpadded.applyAsInt(0));
        assertEquals(2, unpadded.applyAsInt(header), "the header right after the short jcc and an empty pad");
        assertEquals(3, unpadded.applyAsInt(afterHeader));
        assertEquals(5, unpadded.applyAsInt(end));
        wanted[0] = 62 - unpadded.applyAsInt(header); // the header at 62, sized from the layout without it
        byte[] code = a.finish();
        assertEquals(62, a.finalOffset(header));
        assertEquals(65, code.length);
        assertEquals(60, code[1], "the jcc skips the 60 pad bytes");
        assertEquals(-3, code[64], "the back edge is still short");
        assertEquals(2, unpadded.applyAsInt(header), "the provisional map is a snapshot");
        assertEquals(7, new Assembler().provisionalOffsets().applyAsInt(7), "without relaxation, the identity");
    }

    @Test
    void padOutsideItsBoundIsRejected() {
        Assembler a = relaxing();
        a.pad(at -> 9, 8);
        assertThrows(IllegalArgumentException.class, a::finish);
        assertThrows(IllegalArgumentException.class, () -> new Assembler().pad(at -> 0, 0));
    }

    @Test
    void callsRipOperandsTablesAndRelocationsUseFinalOffsets() {
        Assembler a = relaxing();
        Label f = a.newLabel();
        Label pool = a.newLabel();
        Label table = a.newLabel();
        a.bind(f);
        a.jmp(pool); // short once relaxed: 3 bytes saved before everything below
        a.call(f); // backward call: rel32 from the final positions
        a.callRel32(7);
        a.mov(Size.S64, Gpr.RAX, Mem.rip(pool));
        a.bind(table);
        a.emitLabelOffset32(pool, table);
        a.bind(pool);
        a.emitInt64(0x1122334455667788L);
        byte[] code = a.finish();
        // final: jmp 0..2, call 2..7, call 7..12, mov 12..19, table entry 19..23, pool 23..31
        assertEquals((byte) 0xEB, code[0]);
        assertEquals(21, code[1]);
        assertEquals((byte) 0xE8, code[2]);
        assertEquals(-7, rel32At(code, 3));
        assertEquals((byte) 0xE8, code[7]);
        assertEquals(List.of(new Relocation(RelocKind.X86_PC32, 8, 7, -4)), a.relocations());
        assertEquals(23 - 19, rel32At(code, 15));
        assertEquals(23 - 19, rel32At(code, 19));
        assertEquals(0x55667788, rel32At(code, 23));
        assertEquals(31, code.length);
    }

    @Test
    void relaxationMustComeFirstAndFinalOffsetsAfterFinish() {
        Assembler a = new Assembler();
        a.ret();
        assertThrows(IllegalStateException.class, a::relaxBranches);
        Assembler b = relaxing();
        b.ret();
        assertThrows(IllegalStateException.class, () -> b.finalOffset(0));
        assertThrows(IllegalStateException.class, b::relocations);
        b.finish();
        assertEquals(1, b.finalOffset(1));
    }

    @Test
    void unboundTargetIsReportedByName() {
        Assembler a = relaxing();
        a.jmp(a.newLabel("exit"));
        IllegalStateException e = assertThrows(IllegalStateException.class, a::finish);
        assertEquals("label exit is used at offset 0 but never bound", e.getMessage());
    }
}
