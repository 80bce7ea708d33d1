package dev.kiln.compiler;

import dev.kiln.abi.FrameTable;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects the frame info of one function while a backend emits it (DESIGN §3 "Frame info";
 * {@link FrameTable}): the code offsets of its trap sites and call return addresses with the IR
 * instruction each comes from, whose Wasm offset and inlined frames ({@link Inst#sourceOffset()},
 * {@link Inst#inlineSite()}) become the site's frames. Shared by every backend. Not thread-safe.
 */
public final class FrameSiteRecorder {
    private final IrFunction function;
    /** Site i's code offset is {@code codeOffsets[i]}, its kind {@code kinds[i]}; {@link #count} sites. */
    private int[] codeOffsets = new int[8];
    private int[] kinds = new int[8];
    private int count;
    private final List<Inst> sources = new ArrayList<>();

    /** @param function the function being emitted (its funcidx, body offset and inline sites) */
    public FrameSiteRecorder(IrFunction function) {
        this.function = function;
    }

    /** A recorder for another emission of the same function, with no sites yet. */
    public FrameSiteRecorder emptyCopy() {
        return new FrameSiteRecorder(function);
    }

    /**
     * Records a site.
     *
     * @param codeOffset byte offset in the function's code: the return address of a call, the
     *                   faulting instruction, or the return address of a trap site's out-of-line call
     * @param kind       {@link FrameTable#RETURN_ADDRESS}, {@link FrameTable#TRAP} or {@link FrameTable#TRAP_AT_ENTRY}
     * @param source     the IR instruction, or null for the function's entry (a prologue check)
     */
    public void add(int codeOffset, int kind, Inst source) {
        if (count == codeOffsets.length) {
            codeOffsets = java.util.Arrays.copyOf(codeOffsets, 2 * count);
            kinds = java.util.Arrays.copyOf(kinds, 2 * count);
        }
        codeOffsets[count] = codeOffset;
        kinds[count] = kind;
        count++;
        sources.add(source);
    }

    /**
     * The sites, ascending by code offset.
     *
     * @param depth bytes from the body's stack pointer to the return address (the frame the prologue
     *              builds); {@link FrameTable#TRAP_AT_ENTRY} sites get 0
     */
    public List<FrameTable.Site> sites(int depth) {
        return sites(depth, x -> x);
    }

    /**
     * The sites, ascending by code offset, their offsets mapped by {@code toFinal} (for an assembler
     * that relaxes branches: from emission offsets to final ones; it must keep their order).
     *
     * @param depth   as for {@link #sites(int)}
     * @param toFinal the code offset of each recorded offset
     */
    public List<FrameTable.Site> sites(int depth, java.util.function.IntUnaryOperator toFinal) {
        List<FrameTable.Site> out = new ArrayList<>(count);
        List<IrFunction.InlineSite> inlineSites = function.inlineSites();
        for (int i = 0; i < count; i++) {
            Inst src = sources.get(i);
            // the frames innermost first: the inlined functions up the chain of inline sites, then this one
            int frames = 1;
            for (int site = src == null ? 0 : src.inlineSite(); site != 0; site = inlineSites.get(site - 1).parent()) {
                frames++;
            }
            int[] funcs = new int[frames];
            int[] wasm = new int[frames];
            int k = 0;
            int offset = src == null ? function.bodyOffset() : src.sourceOffset();
            for (int site = src == null ? 0 : src.inlineSite(); site != 0; ) {
                IrFunction.InlineSite s = inlineSites.get(site - 1);
                funcs[k] = s.funcIndex();
                wasm[k++] = offset;
                offset = s.callOffset();
                site = s.parent();
            }
            funcs[k] = function.funcIndex();
            wasm[k] = offset < 0 ? function.bodyOffset() : offset;
            int kind = kinds[i];
            out.add(new FrameTable.Site(toFinal.applyAsInt(codeOffsets[i]), kind, kind == FrameTable.TRAP_AT_ENTRY ? 0 : depth, funcs, wasm));
        }
        // by text offset, stable: sorted as primitive keys (offset, then position in out), no comparator
        long[] keys = new long[out.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = (long) out.get(i).textOffset() << 32 | i;
        }
        java.util.Arrays.sort(keys);
        List<FrameTable.Site> sorted = new ArrayList<>(keys.length);
        for (long k : keys) {
            sorted.add(out.get((int) k));
        }
        return sorted;
    }
}
