package dev.kiln.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.FrameTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PackedCode} gives back what it packed: relocations, frame sites and call sites, element by element. */
class PackedCodeTest {
    @Test
    void givesBackEveryRelocationFrameSiteAndCallSite() {
        Random random = new Random(19);
        List<Relocation> relocations = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            RelocKind kind = RelocKind.values()[random.nextInt(RelocKind.values().length)];
            int symbol = i % 7 == 0 ? Relocation.trapStub(dev.kiln.abi.TrapCode.values()[i % 3]) : random.nextInt(1 << 20);
            relocations.add(new Relocation(kind, random.nextInt(1 << 16), symbol, -random.nextInt(8)));
        }
        List<FrameTable.Site> sites = new ArrayList<>();
        int text = 0;
        for (int i = 0; i < 500; i++) {
            text += random.nextInt(3) == 0 ? 0 : random.nextInt(300); // sites may share an offset
            int n = 1 + (i % 5 == 0 ? random.nextInt(4) : 0); // some inside inlined code
            int[] funcs = new int[n];
            int[] offsets = new int[n];
            for (int k = 0; k < n; k++) {
                funcs[k] = i % 11 == 0 ? Integer.MAX_VALUE - k : random.nextInt(200_000);
                // wasm offsets go down as well as up, and reach past 2^31 / 2 apart
                offsets[k] = i % 13 == 0 ? Integer.MAX_VALUE - random.nextInt(9) : random.nextInt(80_000_000);
            }
            int kind = i == 0 ? FrameTable.TRAP_AT_ENTRY : random.nextInt(2);
            sites.add(new FrameTable.Site(text, kind, 8 * random.nextInt(1 << 12), funcs, offsets));
        }
        List<ExceptionTables.CallSite> calls = List.of(new ExceptionTables.CallSite(12, 48, 0, false, -1, 0),
                new ExceptionTables.CallSite(40, 64, 16, true, -1, 8), new ExceptionTables.CallSite(70, 64, 0, true, 90, 0));
        byte[] code = new byte[text + 8];
        PackedCode packed = PackedCode.of(new CompiledCode(code, relocations, 5, sites, calls, 64));

        assertEquals(relocations.size(), packed.relocationCount());
        for (int i = 0; i < relocations.size(); i++) {
            assertEquals(relocations.get(i), packed.relocation(i));
            assertEquals(relocations.get(i).symbol(), packed.relocationSymbol(i));
        }
        List<FrameTable.Site> back = new ArrayList<>();
        packed.frameSites(1000, back);
        assertEquals(sites.size(), back.size());
        int returnAddresses = 0;
        for (int i = 0; i < sites.size(); i++) {
            FrameTable.Site s = sites.get(i);
            FrameTable.Site b = back.get(i);
            assertEquals(s.textOffset() + 1000, b.textOffset(), "site " + i);
            assertEquals(s.kind(), b.kind(), "site " + i);
            assertEquals(s.depth(), b.depth(), "site " + i);
            assertArrayEquals(s.funcIndices(), b.funcIndices(), "site " + i);
            assertArrayEquals(s.wasmOffsets(), b.wasmOffsets(), "site " + i);
            returnAddresses += s.kind() == FrameTable.RETURN_ADDRESS ? 1 : 0;
        }
        assertEquals(returnAddresses, packed.returnAddressCount());
        int[] offsets = new int[returnAddresses + 1];
        int[] depths = new int[returnAddresses + 1];
        assertEquals(returnAddresses + 1, packed.returnAddressSites(-4, offsets, depths, 1));
        int k = 1;
        for (FrameTable.Site s : sites) {
            if (s.kind() == FrameTable.RETURN_ADDRESS) {
                assertEquals(s.textOffset() - 4, offsets[k]);
                assertEquals(s.depth(), depths[k++]);
            }
        }
        List<ExceptionTables.CallSite> callsBack = new ArrayList<>();
        packed.callSites(0, callsBack);
        assertEquals(calls, callsBack);
        assertEquals(64, packed.alignment);
        assertEquals(5, packed.cpuFeatures);

        assertSame(code, packed.code());
        packed.releaseCode();
        assertThrows(IllegalStateException.class, packed::code);
        assertThrows(IllegalStateException.class, packed::relocationCount);
        assertEquals(code.length, packed.length);
        List<FrameTable.Site> after = new ArrayList<>();
        packed.frameSites(0, after);
        assertEquals(sites.size(), after.size(), "the sites stay once the code is released");
    }

    @Test
    void theCodeOfAnIdenticalBodyNamesTheOtherFunctionInItsOutermostFramesOnly() {
        byte[] code = new byte[64];
        List<Relocation> relocations = List.of(new Relocation(RelocKind.values()[0], 4, 17, -4));
        List<FrameTable.Site> sites = List.of(
                new FrameTable.Site(0, FrameTable.TRAP_AT_ENTRY, 0, new int[] {9}, new int[] {1000}),
                new FrameTable.Site(12, FrameTable.RETURN_ADDRESS, 32, new int[] {9}, new int[] {1012}),
                // a trap in a callee inlined twice deep: its frames and the inlined call's stay
                new FrameTable.Site(30, FrameTable.TRAP, 32, new int[] {4, 5, 9}, new int[] {400, 520, 1020}));
        List<ExceptionTables.CallSite> calls = List.of(new ExceptionTables.CallSite(12, 32, 0, true, 40, 0));
        PackedCode packed = PackedCode.of(new CompiledCode(code, relocations, 3, sites, calls, 16));

        PackedCode other = packed.forIdenticalBody(11, 250);
        List<FrameTable.Site> back = new ArrayList<>();
        other.frameSites(0, back);
        assertEquals(3, back.size());
        assertArrayEquals(new int[] {11}, back.get(0).funcIndices());
        assertArrayEquals(new int[] {1250}, back.get(0).wasmOffsets());
        assertEquals(FrameTable.TRAP_AT_ENTRY, back.get(0).kind());
        assertArrayEquals(new int[] {11}, back.get(1).funcIndices());
        assertArrayEquals(new int[] {1262}, back.get(1).wasmOffsets());
        assertEquals(32, back.get(1).depth());
        assertArrayEquals(new int[] {4, 5, 11}, back.get(2).funcIndices());
        assertArrayEquals(new int[] {400, 520, 1270}, back.get(2).wasmOffsets());
        assertEquals(30, back.get(2).textOffset());
        assertSame(code, other.code(), "the machine code is shared");
        assertEquals(relocations, List.of(other.relocation(0)));
        List<ExceptionTables.CallSite> callsBack = new ArrayList<>();
        other.callSites(0, callsBack);
        assertEquals(calls, callsBack);
        assertEquals(16, other.alignment);
        assertEquals(3, other.cpuFeatures);
        // the original keeps its own frames
        List<FrameTable.Site> original = new ArrayList<>();
        packed.frameSites(0, original);
        assertArrayEquals(new int[] {4, 5, 9}, original.get(2).funcIndices());
        assertArrayEquals(new int[] {400, 520, 1020}, original.get(2).wasmOffsets());
    }
}
