package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.FrameTable;
import dev.kiln.abi.VMStoreContext;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Captures Wasm backtraces (DESIGN §3 "Frame info"): the backtrace libcall that the trap path of
 * x86-64 code calls before it unwinds ({@link VMStoreContext#BACKTRACE_LIBCALL}), while the trapping
 * frames are still on the stack, and the walk over them.
 *
 * <p>The walk: {@code sp} points at an address in Wasm code, the trap's (or, for a host function that
 * threw, the return address of the Wasm call it was called from). The code image holding it gives
 * the {@link FrameTable} site: its Wasm frames (inlined ones included) and its depth, the bytes from
 * the function body's stack pointer ({@code slot + 8}) to the function's own return address. That
 * return address is the next slot; the walk goes on while it is the return address of a call in
 * Wasm code, and stops at the entry trampoline, an import adapter or the host (whose return
 * addresses are no sites), or at the innermost entry frame. It reads only stack slots between
 * {@code sp} and that entry frame, so a walk never reads outside the thread's stack. Frames of an
 * enclosing activation (Wasm called the host, which called Wasm again) are added when the exception
 * passes through that activation's own trap path.
 *
 * <p>On AArch64 the walk follows frame records instead ({@link #walkFrameRecords}): the unwind stub
 * passes the trap site, x29 and x30, and each Wasm frame with calls has a record {@code {caller's x29,
 * return address}} at x29, so only the trapping frame (a prologue's stack check, or a function
 * without a frame record) needs its site's depth, which is 0 exactly when the return address is still in x30.
 *
 * <p>Called on the thread that trapped; nothing escapes the upcall. Costs nothing unless a trap
 * happens. A tail call that grew its stack-argument area moves its caller's return address, and a
 * walk past such a frame stops early.
 */
final class Backtraces {
    private Backtraces() {
    }

    /** Every address: the walk reads stack slots and nothing else. */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    /** A bound on the walk (a 1 GiB stack of minimal frames has fewer). */
    private static final int MAX_WALK = 1 << 26;
    /** Whether compiled code here is AArch64's (frame records) rather than x86-64's (frame sizes). */
    private static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    /** {@code void backtrace(storeContext, sp, trap)}: the backtrace libcall. */
    static final MemorySegment LIBCALL;

    static {
        try {
            var mh = MethodHandles.lookup().findStatic(Backtraces.class, "backtrace",
                    MethodType.methodType(long.class, MemorySegment.class, long.class, long.class));
            LIBCALL = CallShape.libcallStub(mh); // the shared libcall descriptor
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The libcall (an upcall): records the frames above {@code sp} as the store's pending backtrace.
     * Written in the shared libcall shape ({@link CallShape#libcallStub}): {@code trap} is an
     * {@code i32} in the low half of its register; returns 0.
     */
    private static long backtrace(MemorySegment storeContext, long sp, long trap) {
        record(storeContext, sp, (int) trap != 0);
        return 0;
    }

    private static void record(MemorySegment storeContext, long sp, boolean trap) {
        try {
            Store store = Interruption.storeAt(storeContext.address());
            if (store == null || store.pendingIsControlFlow()) {
                return;
            }
            long entry = storeContext.reinterpret(VMStoreContext.SIZE).get(ValueLayout.JAVA_LONG, VMStoreContext.ENTRY_FRAME);
            WasmBacktrace bt = new WasmBacktrace();
            if (AARCH64) {
                walkFrameRecords(store, sp, trap, entry, bt);
            } else {
                walk(store, sp, trap, entry, bt);
            }
            store.setPendingBacktrace(bt);
        } catch (Throwable t) {
            // a backtrace is a courtesy: the trap itself must still reach the caller
        }
    }

    private static void walk(Store store, long sp, boolean trap, long entry, WasmBacktrace bt) {
        long slot = sp;
        for (int n = 0; n < MAX_WALK && (entry == 0 || slot < entry); n++) {
            long pc = ALL.get(ValueLayout.JAVA_LONG_UNALIGNED, slot);
            Module m = store.moduleAt(pc);
            if (m == null) {
                return;
            }
            FrameTable table = m.frameTable();
            int offset = (int) (pc - m.code().textAddress());
            int i = table.find(offset, trap);
            int depth;
            if (i >= 0) {
                int frames = table.frameCount(i);
                for (int k = 0; k < frames; k++) {
                    int f = table.funcIndex(i, k);
                    bt.add(new FrameInfo(table.moduleName(), f, functionName(m, f), table.wasmOffset(i, k), k < frames - 1));
                }
                depth = table.depth(i);
            } else if (trap) {
                // a trap at an instruction the frame info does not list (a fused guard-page access):
                // the function holding it, without an offset, and the depth of its other sites
                depth = unlisted(m, table, offset, bt);
                if (depth < 0) {
                    return;
                }
            } else {
                return; // the end of this activation's Wasm frames
            }
            slot += 8 + depth;
            trap = false;
        }
    }

    /**
     * The AArch64 walk. {@code rec} points at {x29, x30, site} as the unwind stub stored them: with
     * {@code trap}, {@code site} is the trap site (or a trapping libcall's return address) in the
     * function whose frame record x29 is, unless that site's depth is 0 (a prologue's stack check, or
     * a function without a frame record: x29 is still the caller's and x30 the return address);
     * without, x29's record holds the return address of the Wasm call the trap came back through.
     * Reads only frame records below the entry frame, each above the one before.
     */
    private static void walkFrameRecords(Store store, long rec, boolean trap, long entry, WasmBacktrace bt) {
        long fp = ALL.get(ValueLayout.JAVA_LONG, rec);
        long lr = ALL.get(ValueLayout.JAVA_LONG, rec + 8);
        long pc;
        if (trap) {
            pc = ALL.get(ValueLayout.JAVA_LONG, rec + 16);
        } else {
            if (!belowEntry(fp, entry)) {
                return;
            }
            pc = ALL.get(ValueLayout.JAVA_LONG, fp + 8);
            fp = ALL.get(ValueLayout.JAVA_LONG, fp);
        }
        for (int n = 0; n < MAX_WALK; n++) {
            Module m = store.moduleAt(pc);
            if (m == null) {
                return;
            }
            FrameTable table = m.frameTable();
            int i = table.find((int) (pc - m.code().textAddress()), trap);
            if (i < 0) {
                return; // the entry trampoline or an import adapter: the end of this activation's frames
            }
            int frames = table.frameCount(i);
            for (int k = 0; k < frames; k++) {
                int f = table.funcIndex(i, k);
                bt.add(new FrameInfo(table.moduleName(), f, functionName(m, f), table.wasmOffset(i, k), k < frames - 1));
            }
            if (trap && table.depth(i) == 0) {
                pc = lr; // x29 is already the caller's
            } else {
                if (!belowEntry(fp, entry)) {
                    return;
                }
                pc = ALL.get(ValueLayout.JAVA_LONG, fp + 8);
                long next = ALL.get(ValueLayout.JAVA_LONG, fp);
                if (Long.compareUnsigned(next, fp) <= 0) {
                    return;
                }
                fp = next;
            }
            trap = false;
        }
    }

    /** Whether frame record {@code fp} lies in this activation: non-null, 16-byte aligned, below the entry frame. */
    private static boolean belowEntry(long fp, long entry) {
        return fp != 0 && (fp & 15) == 0 && (entry == 0 || Long.compareUnsigned(fp, entry) < 0);
    }

    /** Adds the frame of the function containing {@code offset}; returns its depth, or -1 if unknown. */
    private static int unlisted(Module m, FrameTable table, int offset, WasmBacktrace bt) {
        ArtifactMetadata meta = m.metadata();
        var funcs = meta.functions();
        for (int k = 0; k < funcs.size(); k++) {
            ArtifactMetadata.FunctionInfo f = funcs.get(k);
            if (offset >= f.textOffset() && offset < f.textOffset() + f.size()) {
                for (int i = table.ceiling(f.textOffset()); i >= 0 && i < table.size()
                        && table.textOffset(i) < f.textOffset() + f.size(); i++) {
                    if (table.kind(i) != FrameTable.TRAP_AT_ENTRY) {
                        int funcIndex = meta.importedFunctions() + k;
                        bt.add(new FrameInfo(table.moduleName(), funcIndex, f.name(), -1, false));
                        return table.depth(i);
                    }
                }
                return -1;
            }
        }
        return -1;
    }

    private static String functionName(Module m, int funcIndex) {
        ArtifactMetadata meta = m.metadata();
        int k = funcIndex - meta.importedFunctions();
        return k >= 0 && k < meta.functions().size() ? meta.functions().get(k).name() : null;
    }
}
