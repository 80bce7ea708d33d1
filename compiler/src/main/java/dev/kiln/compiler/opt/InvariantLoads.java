package dev.kiln.compiler.opt;

import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMMemoryDefinition;
import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.BitSet;

/**
 * The alias facts of one module's VMContext: which of its fields no store, call, {@code memory.grow}
 * or host re-entry changes while a function runs, so that their loads are marked
 * {@link Op#INVARIANT} and {@link GlobalValueNumbering} and {@link LoopInvariantCodeMotion} treat them
 * like arithmetic (merged across calls and stores, hoisted from anywhere in a loop).
 *
 * <p>Invariant, all set at instantiation (DESIGN §3): the store context pointer; libc's
 * {@code mprotect} and the libcall addresses; the type ids; the base address and maximum length of a
 * defined memory (Kiln's memories are reservations that never move); the address of an imported
 * memory's definition, and through it that memory's base address and maximum length; the address of
 * an imported global's slot, and through it the value of an imported immutable global; the value of
 * a defined immutable global; a data segment's address; the address of a table's definition. Not
 * invariant: memory lengths ({@code memory.grow}, also by another instance or the host), mutable
 * globals, data segment lengths ({@code data.drop}), and the fields of a table's definition (its size
 * changes with {@code table.grow}, and its entries move when it grows beyond its capacity).
 *
 * <p>Immutable and thread-safe once built; {@link #mark} mutates only the function given.
 */
public final class InvariantLoads {
    /** VMContext byte offsets at which an 8-byte (or narrower) invariant field starts. */
    private final BitSet vmctx = new BitSet();
    /** VMContext offsets holding the address of an imported memory's definition. */
    private final BitSet memoryImports = new BitSet();
    /** VMContext offsets holding the address of an imported immutable global's slot. */
    private final BitSet immutableGlobalImports = new BitSet();

    /**
     * The facts of a module with {@code layout}.
     *
     * @param layout                the module's VMContext layout
     * @param importedGlobalMutable for each imported global (by import order), whether it is mutable
     * @param definedGlobalMutable  for each defined global, whether it is mutable
     */
    public InvariantLoads(VMContextLayout layout, boolean[] importedGlobalMutable, boolean[] definedGlobalMutable) {
        vmctx.set(VMContextLayout.STORE_CONTEXT);
        for (int i = 0; i < VMContextLayout.LIBCALLS; i++) {
            vmctx.set(VMContextLayout.libcall(i));
        }
        for (int m = 0; m < layout.memories(); m++) {
            if (layout.memoryImported(m)) {
                vmctx.set(layout.memoryImport(m));
                memoryImports.set(layout.memoryImport(m));
            } else {
                vmctx.set(layout.memoryBase(m) + VMMemoryDefinition.BASE);
                vmctx.set(layout.memoryMaxLength(m));
            }
        }
        for (int t = 0; t < layout.types(); t++) {
            vmctx.set(layout.typeId(t));
        }
        for (int t = 0; t < layout.tables(); t++) {
            vmctx.set(layout.table(t));
        }
        for (int g = 0; g < layout.importedGlobals(); g++) {
            vmctx.set(layout.globalImport(g));
            if (g < importedGlobalMutable.length && !importedGlobalMutable[g]) {
                immutableGlobalImports.set(layout.globalImport(g));
            }
        }
        for (int g = 0; g < layout.globals() && g < definedGlobalMutable.length; g++) {
            if (!definedGlobalMutable[g]) {
                vmctx.set(layout.global(g));
            }
        }
        for (int d = 0; d < layout.dataSegments(); d++) {
            vmctx.set(layout.dataSegmentBase(d));
        }
    }

    /** Marks the invariant loads of {@code f} {@link Op#INVARIANT}; returns whether one was marked. */
    public boolean mark(IrFunction f) {
        boolean changed = false;
        var bList = f.blocks();
        for (int bIndex = 0; bIndex < bList.size(); bIndex++) {
            Block b = bList.get(bIndex);
            var instList = b.insts();
            for (int instIndex = 0; instIndex < instList.size(); instIndex++) {
                Inst inst = instList.get(instIndex);
                if ((inst.aux() & Op.INVARIANT) != 0) {
                    continue;
                }
                if (inst.op() == Op.VMCTX_LOAD && vmctx.get((int) inst.imm())
                        || inst.op() == Op.LOAD && throughInvariantPointer(inst)) {
                    inst.withAux(inst.aux() | Op.INVARIANT);
                    changed = true;
                }
            }
        }
        return changed;
    }

    /**
     * Whether {@code load} reads, at a constant offset from an imported memory's definition or an
     * imported immutable global's slot, a field that never changes.
     */
    private boolean throughInvariantPointer(Inst load) {
        Inst pointer = load.arg(0).resolve().definingInst();
        Value index = load.arg(1);
        if (pointer == null || pointer.op() != Op.VMCTX_LOAD || !OptUtil.isIconst(index)) {
            return false;
        }
        long offset = load.imm() + OptUtil.iconst(index);
        int at = (int) pointer.imm();
        if (memoryImports.get(at)) {
            return offset == VMMemoryDefinition.BASE || offset == VMMemoryDefinition.MAX_LENGTH;
        }
        return immutableGlobalImports.get(at) && offset == 0;
    }
}
