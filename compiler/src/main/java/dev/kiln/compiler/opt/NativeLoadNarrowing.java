package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Block;
import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrFunction;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Load narrowing for native memory: {@code ireduce (load.i64 native p)} whose load has no other use
 * becomes {@code load.i32 native p} of at most 4 bytes (an 8-byte or 4-byte load reads the low 4
 * bytes, unsigned; a 1- or 2-byte load keeps its width and sign extension, now to 32 bits). Both
 * targets are little-endian, so the low 4 bytes of the i64 are the 4 bytes at the same address, and
 * a 32-bit load leaves them zero-extended in its register: the {@code ireduce} (the zero extension
 * x86-64 needs for an i32 taken from a 64-bit register) goes, and a single-use i32 load may become
 * the memory operand of its comparison. The builtins' {@code i32.wrap_i64 (u64-native-load p)}, a
 * 64-bit length field read as a 32-bit one, is the shape this finds.
 *
 * <p>Only {@link Op#NATIVE} loads narrow: an unchecked Wasm load relies on guard pages
 * ({@link Op#GUARD_PAGE}), where the full access width is itself the bounds check, and a narrower
 * load would read the last bytes of memory that the wider one traps on. Runs late in the
 * {@link Pipeline} (after {@link GlobalValueNumbering}), so that two loads of one address merge before
 * either is narrowed. Stateless and thread-safe; mutates the function given.
 */
public final class NativeLoadNarrowing {
    private NativeLoadNarrowing() {
    }

    /** Runs the pass on {@code f}; returns whether a load was narrowed. */
    public static boolean run(IrFunction f) {
        int[] uses = new int[f.valueCount()];
        ArrayList<Block> blocks = f.blocks();
        for (int bi = 0; bi < blocks.size(); bi++) {
            ArrayList<Inst> insts = blocks.get(bi).insts(); // indexed: C1 allocates every iterator
            for (int i = 0; i < insts.size(); i++) {
                Inst inst = insts.get(i);
                for (int a = 0; a < inst.args().size(); a++) {
                    uses[inst.arg(a).id()]++;
                }
                for (int t = 0; t < inst.targetCount(); t++) {
                    ArrayList<Value> args = inst.target(t).args();
                    for (int k = 0; k < args.size(); k++) {
                        uses[args.get(k).resolve().id()]++;
                    }
                }
            }
        }
        boolean changed = false;
        for (int bi = 0; bi < blocks.size(); bi++) {
            Block b = blocks.get(bi);
            ArrayList<Inst> insts = b.insts();
            for (int i = 0; i < insts.size(); i++) {
                Inst reduce = insts.get(i);
                if (reduce.op() != Op.IREDUCE) {
                    continue;
                }
                Value wide = reduce.arg(0);
                Inst load = wide.definingInst();
                if (load == null || load.op() != Op.LOAD || (load.aux() & Op.NATIVE) == 0
                        || wide.type() != IrType.I64 || uses[wide.id()] != 1) {
                    continue;
                }
                int width = load.aux() & 0xF;
                int aux = load.aux() & ~0x1F;
                if (width < 4) {
                    aux |= load.aux() & 0x1F; // sign or zero extension to 32 bits: the same low 32 bits
                } else {
                    aux |= 4;
                }
                Block lb = load.block();
                Inst narrow = lb.replace(lb.insts().indexOf(load), Op.LOAD, List.of(load.arg(0), load.arg(1)),
                        load.imm(), null, List.of(IrType.I32)).withAux(aux);
                reduce.result().aliasTo(narrow.result());
                insts.remove(i);
                i--;
                changed = true;
            }
        }
        if (changed) {
            OptUtil.resolveAll(f);
        }
        return changed;
    }
}
