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
}
