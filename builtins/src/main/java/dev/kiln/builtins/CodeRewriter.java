package dev.kiln.builtins;

import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.Opcode;

/**
 * Re-encodes a Wasm expression (a function body or a constant expression) with every index
 * immediate renumbered through {@link IndexMaps}: {@code call} and {@code ref.func} (funcidx),
 * {@code global.get/set} (globalidx), {@code call_indirect} (typeidx and tableidx), block types that
 * are typeidx, {@code table.get/set/size/grow/fill/copy/init} (tableidx), {@code table.init} and
 * {@code elem.drop} (elemidx), {@code memory.init} and {@code data.drop} (dataidx), and the memidx of
 * loads, stores ({@code memarg}), {@code memory.size/grow/fill/copy/init}: a memarg whose memory
 * moves is re-encoded in the Wasm 3.0 multi-memory form (alignment flag bit 6, then the memidx,
 * spec §5.4.7). Every other instruction is copied byte for byte (labels and locals are relative to
 * the function; constants, lanes and SIMD immediates carry no module index). Stateless and
 * thread-safe.
 */
final class CodeRewriter {
    private CodeRewriter() {
    }

    /**
     * Appends the rewritten instructions of {@code bytes[start, end)} to {@code out}.
     *
     * @throws dev.kiln.compiler.wasm.MalformedModuleException if an instruction is malformed (the
     *         input is expected to be validated already)
     */
    static void rewrite(byte[] bytes, int start, int end, IndexMaps maps, WasmWriter out) {
        CodeReader r = new CodeReader(bytes, start, end);
        while (r.hasNext()) {
            Opcode op = r.next();
            switch (op.immediate()) {
                case TYPEIDX -> opcode(op, out).u32(maps.types()[r.index()]);
                case REF_NULL -> {
                    if (r.heapType().isConcrete()) {
                        opcode(op, out).s64(maps.types()[r.heapType().typeIndex()]);
                    } else {
                        copy(bytes, r, out);
                    }
                }
                case BLOCKTYPE -> {
                    if (r.blockRefType() != null && r.blockRefType().heapType().isConcrete()) {
                        opcode(op, out).byte_(r.blockRefType().nullable() ? 0x63 : 0x64)
                                .s64(maps.types()[r.blockRefType().heapType().typeIndex()]);
                    } else if (r.blockType() >= 0) {
                        opcode(op, out).s64(maps.types()[r.blockType()]);
                    } else {
                        copy(bytes, r, out);
                    }
                }
                case FUNCIDX -> opcode(op, out).u32(maps.funcs()[r.index()]);
                case GLOBALIDX -> opcode(op, out).u32(maps.globals()[r.index()]);
                case TABLEIDX -> opcode(op, out).u32(maps.tables()[r.index()]);
                case ELEMIDX -> opcode(op, out).u32(maps.elems()[r.index()]);
                case DATAIDX -> opcode(op, out).u32(maps.datas()[r.index()]);
                case CALL_INDIRECT -> opcode(op, out).u32(maps.types()[r.index()]).u32(maps.tables()[r.index2()]);
                case TABLE_INIT -> opcode(op, out).u32(maps.elems()[r.index()]).u32(maps.tables()[r.index2()]);
                case TABLE_COPY -> opcode(op, out).u32(maps.tables()[r.index()]).u32(maps.tables()[r.index2()]);
                case MEMORY_INIT -> opcode(op, out).u32(maps.datas()[r.index()]).u32(maps.memories()[r.index2()]);
                case MEMIDX, MEMORY_FILL -> opcode(op, out).u32(maps.memories()[r.index()]);
                case MEMORY_COPY -> opcode(op, out).u32(maps.memories()[r.index()]).u32(maps.memories()[r.index2()]);
                case MEMARG, MEMARG_LANE -> {
                    int memory = maps.memories()[r.memIndex()];
                    if (memory == r.memIndex()) {
                        copy(bytes, r, out);
                    } else {
                        opcode(op, out).u32(r.memAlign() | 64).u32(memory).u64(r.memOffset());
                        if (op.immediate() == Opcode.Immediate.MEMARG_LANE) {
                            out.byte_(r.lane());
                        }
                    }
                }
                default -> copy(bytes, r, out);
            }
        }
    }

    private static void copy(byte[] bytes, CodeReader r, WasmWriter out) {
        out.bytes(bytes, r.offset(), r.position());
    }

    private static WasmWriter opcode(Opcode op, WasmWriter out) {
        if (op.isPrefixed()) {
            return out.byte_(op.prefix()).u32(op.code());
        }
        return out.byte_(op.code());
    }
}
