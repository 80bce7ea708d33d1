package dev.kiln;

import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.loader.CodeImage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The runtime side of Wasm exception handling (design in {@link ExceptionTables}): the two libcalls
 * generated code calls, {@code exn_new} (allocates an exception object in the store) and
 * {@code throw} (the unwinder), the registry of mapped code and its call-site tables that the
 * unwinder looks return addresses up in, and the conversion of an uncaught exception into a
 * {@link WasmException}.
 *
 * <p>The unwinder walks the native stack from the thrower's return-address slot: it reads the return
 * address, finds its call site (a call instruction of some Wasm function of any instance), and steps
 * to the caller's slot, until a call site inside a
 * {@code try_table} with catch clauses (resume there: generated code then dispatches on the tag), a
 * return address that is no Wasm call site (the entry trampoline of the innermost call from the host:
 * the exception is uncaught), or the innermost entry frame. Nothing is paid on the normal path. On
 * x86-64 (no frame pointers) a step adds the site's frame size to the caller's stack pointer at the
 * call: the slot's address plus 8 plus the stack-argument bytes the frame owning the slot pops, minus
 * those the call pushed (they differ after a tail call to a function with more, or fewer, stack
 * arguments than the one called). On AArch64 the slot is the {@code x30} half of a frame record and
 * the walk follows the frame records: the caller's {@code x29} is the other half, its slot 8 bytes
 * above it, its stack pointer in the body that slot minus the site's frame size.
 *
 * <p>Exception objects are bump-allocated from 64 KiB chunks of the store's native memory (per
 * instance, {@link Heap}) and freed when the store closes: there is no collector for {@code exnref}s
 * yet, so a loop that throws and catches forever grows the store by {@code 16 + 8 * payload} bytes
 * (rounded up to 16) per throw.
 *
 * <p>Thread-safe: the registries are concurrent or synchronized; the libcalls run on the thread of
 * the store's call.
 */
final class ExceptionSupport {
    private ExceptionSupport() {
    }

    private record CodeRange(long end, ExceptionTables tables) {
    }

    /** Mapped code by text start address. */
    private static final ConcurrentSkipListMap<Long, CodeRange> CODE = new ConcurrentSkipListMap<>();
    /** Per store: tags by identity. */
    private static final Map<Store, Map<Long, Tag>> TAGS = new WeakHashMap<>();

    /** Whether Wasm frames have frame records ({@code x29}, {@code x30}) that the unwinder follows: AArch64. */
    private static final boolean FRAME_RECORDS = dev.kiln.abi.Target.host() == dev.kiln.abi.Target.AARCH64;

    /** The upcall stubs of the two libcalls, made on first use: code without exceptions never calls them. */
    private static final class Stubs {
        static final MemorySegment EXN_NEW;
        static final MemorySegment THROW;

        static {
            try {
                var lookup = MethodHandles.lookup();
                // both with the shared libcall descriptor
                EXN_NEW = CallShape.libcallStub(lookup.findStatic(ExceptionSupport.class, "exnNew",
                        MethodType.methodType(long.class, MemorySegment.class, int.class)));
                THROW = CallShape.libcallStub(lookup.findStatic(ExceptionSupport.class, "throwException",
                        MethodType.methodType(long.class, MemorySegment.class, long.class, long.class, long.class)));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    static synchronized void registerTag(Store store, Tag tag) {
        TAGS.computeIfAbsent(store, s -> new HashMap<>()).put(tag.identity(), tag);
    }

    private static synchronized Tag tagOf(Store store, long identity) {
        Map<Long, Tag> m = TAGS.get(store);
        return m == null ? null : m.get(identity);
    }

    /**
     * Makes {@code code}'s call sites known to the unwinder and puts the exception libcalls that the
     * code calls ({@code libcalls}, {@link dev.kiln.abi.ArtifactMetadata#libcalls}) into {@code vmctx};
     * returns the module's tables (empty for an artifact without the section).
     */
    static ExceptionTables install(CodeImage code, MemorySegment vmctx, int libcalls) {
        ExceptionTables tables = tablesOf(code);
        long start = code.textAddress();
        long end = start + code.textSize();
        CodeRange existing = CODE.get(start);
        if (existing == null || existing.end() != end || existing.tables() != tables) {
            // code mapped where other, unmapped code was: forget every range it overlaps
            CODE.headMap(end, false).entrySet().removeIf(e -> e.getValue().end() > start);
            CODE.put(start, new CodeRange(end, tables));
        }
        if ((libcalls & 1 << VMContextLayout.LIBCALL_EXN_NEW) != 0) {
            vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.libcall(VMContextLayout.LIBCALL_EXN_NEW), Stubs.EXN_NEW.address());
        }
        if ((libcalls & 1 << VMContextLayout.LIBCALL_THROW) != 0) {
            vmctx.set(ValueLayout.JAVA_LONG, VMContextLayout.libcall(VMContextLayout.LIBCALL_THROW), Stubs.THROW.address());
        }
        return tables;
    }

    private static final Map<CodeImage, ExceptionTables> PARSED = java.util.Collections.synchronizedMap(new WeakHashMap<>());

    /** Whether the code defines exception tags (its throws are calls into Java). */
    static boolean definesTags(CodeImage code) {
        return tablesOf(code).tagTypes().length > 0;
    }

    private static ExceptionTables tablesOf(CodeImage code) {
        // the call sites the frame table describes are in it only (ExceptionTables#encode(int[], int[]));
        // the tables reach the image weakly: a value of PARSED must not keep its key alive
        return PARSED.computeIfAbsent(code, c -> {
            if (c.elf().section(ExceptionTables.SECTION).isEmpty()) {
                return new ExceptionTables(new int[0], List.of());
            }
            java.lang.ref.WeakReference<CodeImage> image = new java.lang.ref.WeakReference<>(c);
            return ExceptionTables.decode(c.elf().sectionBytes(ExceptionTables.SECTION), () -> {
                CodeImage live = image.get();
                if (live == null) {
                    throw new IllegalStateException("the exception tables of unmapped code");
                }
                return live.frameTable();
            });
        });
    }

    private static ExceptionTables.CallSite lookup(long returnAddress) {
        var e = CODE.floorEntry(returnAddress);
        if (e == null || returnAddress >= e.getValue().end()) {
            return null;
        }
        return e.getValue().tables().lookup(returnAddress - e.getKey());
    }

    private static long read64(long address) {
        return MemorySegment.ofAddress(address).reinterpret(8).get(ValueLayout.JAVA_LONG, 0);
    }

    /** Bytes of the chunks exception objects are bump-allocated from. */
    private static final long CHUNK = 64 * 1024;

    /**
     * Where an instance allocates exception objects: a chunk of its store's memory (freed with the
     * store) and the bytes used. Not thread-safe: the instance's store's thread uses it.
     */
    static final class Heap {
        private MemorySegment chunk;
        private long used = CHUNK;

        /** {@code bytes} zeroed bytes, 16-aligned, alive until the store closes. */
        long allocate(Store store, long bytes) {
            long size = (bytes + 15) & -16;
            if (size > CHUNK / 4) {
                return store.allocate(size, 16).address();
            }
            if (used + size > CHUNK) {
                chunk = store.allocate(CHUNK, 16);
                used = 0;
            }
            long at = chunk.address() + used;
            used += size;
            return at;
        }
    }

    /** Libcall {@code exn_new(vmctx, tagidx) -> exception address}; 0 with a trap code left on failure. */
    static long exnNew(MemorySegment vmctx, int tagidx) {
        Instance inst = Instance.forVmctx(vmctx.address());
        try {
            Tag tag = inst.tagAt(tagidx);
            long exn = inst.exceptionHeap().allocate(inst.store(), ExceptionTables.payloadOffset(tag.type().params().size()));
            MemorySegment.ofAddress(exn).reinterpret(8).set(ValueLayout.JAVA_LONG, ExceptionTables.EXN_TAG, tag.identity());
            return exn;
        } catch (Throwable t) {
            if (inst != null) {
                inst.store().setPendingException(t);
                inst.store().storeContext().set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE,
                        TrapCode.HOST_EXCEPTION.code());
            }
            return 0;
        }
    }

    /**
     * Libcall {@code throw(vmctx, exn, raSlot, argBytes) -> resume address or 0} (see
     * {@link VMContextLayout#LIBCALL_THROW}); never throws. {@code argBytes} are the bytes of stack
     * arguments that the frame owning {@code raSlot} pops when it returns (x86-64; AArch64 follows the
     * frame records and ignores it): with a call site's popped bytes they give the caller's stack
     * pointer at the call, which a tail call to a function with more stack arguments than the one
     * called has moved away from the return-address slot. Each site then gives its calling function's
     * own ({@link ExceptionTables.CallSite#callerArgBytes()}) for the next step.
     */
    static long throwException(MemorySegment vmctx, long exn, long raSlot, long argBytes) {
        Instance inst = Instance.forVmctx(vmctx.address());
        if (inst == null) {
            return 0; // cannot happen for a live instance; the caller unwinds on the trap code it finds
        }
        MemorySegment ctx = inst.store().storeContext();
        try {
            long entry = ctx.get(ValueLayout.JAVA_LONG, VMStoreContext.ENTRY_FRAME);
            long slot = raSlot;
            long ownArgs = argBytes & 0xFFFF_FFFFL;
            while (entry == 0 || Long.compareUnsigned(slot, entry) < 0) {
                long ra = read64(slot);
                ExceptionTables.CallSite site = lookup(ra);
                if (site == null) {
                    break; // the entry trampoline: nothing below the host catches it
                }
                // the caller's return-address slot, and its stack pointer in its body
                long callerSlot;
                long callerSp;
                if (FRAME_RECORDS) {
                    callerSlot = read64(slot - 8) + 8;
                    callerSp = callerSlot - site.frameBytes();
                } else {
                    callerSp = slot + 8 + ownArgs - site.popped();
                    callerSlot = callerSp + site.frameBytes();
                }
                if (site.catches()) {
                    ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.PENDING_EXCEPTION, exn);
                    ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.RESUME_SP, callerSp + site.popped());
                    ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.RESUME_FP, callerSlot - 8); // AArch64's x29
                    return ra + (site.resumeOffset() - site.returnOffset()); // its landing pad, if it has one
                }
                slot = callerSlot;
                ownArgs = site.callerArgBytes();
            }
            ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.PENDING_EXCEPTION, exn);
            ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.UNCAUGHT_EXCEPTION.code());
        } catch (Throwable t) {
            inst.store().setPendingException(t);
            ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.HOST_EXCEPTION.code());
        }
        return 0;
    }

    /**
     * A host function threw {@code e}: makes its exception object, leaves it pending with the trap code
     * {@link TrapCode#UNCAUGHT_EXCEPTION}, on which the import adapter throws it into the calling Wasm
     * code, and makes sure that the calling instance ({@code vmctx}, whose import adapter throws it) has
     * the throw libcall, which an instance gets only when its own code throws. Returns false (nothing
     * done) when the object cannot be made.
     */
    static boolean throwFromHost(Store store, WasmException e, MemorySegment vmctx) {
        try {
            int slot = VMContextLayout.libcall(VMContextLayout.LIBCALL_THROW);
            vmctx.reinterpret(slot + 8L).set(ValueLayout.JAVA_LONG, slot, Stubs.THROW.address());
            List<Val> values = e.values();
            MemorySegment exn = store.allocate(ExceptionTables.payloadOffset(values.size()), 16);
            exn.set(ValueLayout.JAVA_LONG, ExceptionTables.EXN_TAG, e.tag().identity());
            for (int i = 0; i < values.size(); i++) {
                exn.set(ValueLayout.JAVA_LONG, ExceptionTables.payloadOffset(i), store.toBits(values.get(i)));
            }
            MemorySegment ctx = store.storeContext();
            ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.PENDING_EXCEPTION, exn.address());
            ctx.set(ValueLayout.JAVA_INT, VMStoreContext.TRAP_CODE, TrapCode.UNCAUGHT_EXCEPTION.code());
            return true;
        } catch (Throwable x) { // on the upcall's path: nothing may escape (making the stub can fail too)
            return false;
        }
    }

    /**
     * The exception an uncaught throw left in the store context, as a {@link WasmException}; clears it.
     */
    static WasmException takeUncaught(Store store) {
        MemorySegment ctx = store.storeContext();
        long exn = ctx.get(ValueLayout.JAVA_LONG, VMStoreContext.PENDING_EXCEPTION);
        ctx.set(ValueLayout.JAVA_LONG, VMStoreContext.PENDING_EXCEPTION, 0);
        return toJava(store, exn);
    }

    /** The Java view of the exception object at {@code exn}. */
    static WasmException toJava(Store store, long exn) {
        Tag tag = tagOf(store, read64(exn + ExceptionTables.EXN_TAG));
        if (tag == null) {
            throw new IllegalStateException("an exception of an unknown tag reached the host");
        }
        List<Val> values = new ArrayList<>();
        List<ValType> params = tag.type().params();
        for (int i = 0; i < params.size(); i++) {
            long bits = read64(exn + ExceptionTables.payloadOffset(i));
            values.add(store.fromBits(params.get(i), params.get(i) == ValType.I32 || params.get(i) == ValType.F32
                    ? bits & 0xFFFF_FFFFL : bits));
        }
        return new WasmException(tag, values);
    }
}
