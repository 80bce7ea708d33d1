package dev.kiln;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Owns instances and all the native memory they use (VMContexts, and later memories and tables).
 * Closing the store frees all of it; calls into its instances then throw
 * {@link IllegalStateException}.
 *
 * <pre>{@code
 * try (Store store = new Store(engine)) {
 *     Instance instance = Instance.create(store, module);
 *     int r = instance.func("fib").call(Val.i32(20))[0].i32();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: use a store from one thread at a time (separate stores may run on separate
 * threads concurrently). Do not close a store while one of its calls is running.
 */
public final class Store implements AutoCloseable {
    private final Engine engine;
    /** Native memory from calloc, freed on close (a shared arena's close costs a thread handshake). */
    private final java.util.List<Long> allocations = new java.util.ArrayList<>();
    /** For upcall stubs of host functions; created on first use, closed with the store. */
    private Arena upcallArena;
    private final java.util.List<AutoCloseable> resources = new java.util.ArrayList<>();
    private volatile boolean closed;

    private final MemorySegment storeContext;
    private Throwable pendingException;

    /** A new, empty store without store data. */
    public Store(Engine engine) {
        this.engine = engine;
        this.storeContext = allocate(dev.kiln.abi.VMStoreContext.SIZE, 16);
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.STACK_BUDGET,
                engine.stackBudget());
        initInterruption();
    }

    /**
     * A new, empty store whose store data is {@code storeData} (see {@link #setData}).
     *
     * <pre>{@code
     * StructLayout layout = MemoryLayout.structLayout(ValueLayout.JAVA_LONG.withName("base"),
     *         ValueLayout.JAVA_LONG.withName("length"));
     * MemorySegment data = arena.allocate(layout);
     * try (Store store = new Store(engine, data)) { ... }
     * }</pre>
     *
     * @param storeData native memory, or {@link MemorySegment#NULL} for none
     * @throws IllegalArgumentException if {@code storeData} is a heap segment
     */
    public Store(Engine engine, MemorySegment storeData) {
        this(engine);
        setData(storeData);
    }

    private MemorySegment data = MemorySegment.NULL;

    /**
     * Sets the store data: a native segment, typically a struct described by a
     * {@link java.lang.foreign.StructLayout}, whose address the unsafe intrinsic
     * {@code store-data-address} returns to compile-time builtins (DESIGN §4). The embedder reads and
     * writes its fields with {@link java.lang.invoke.VarHandle}s of the same layout. The store keeps a
     * reference to the segment but does not own it: its arena must stay open while code of this store
     * may run. The address may not change while a call into this store is active (compiled code reads
     * it once per function and keeps it across calls), so a host function called from Wasm cannot set
     * it.
     *
     * @param storeData native memory, or {@link MemorySegment#NULL} for none (the address is then 0)
     * @throws IllegalArgumentException if {@code storeData} is a heap segment (it has no stable address)
     * @throws IllegalStateException    if the store is closed, or a call into the store is active
     */
    public void setData(MemorySegment storeData) {
        ensureOpen();
        if (storeContext.get(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.ENTRY_FRAME) != 0) {
            throw new IllegalStateException("the store data cannot change while a call into the store is active"
                    + " (a host function called from Wasm may not call setData)");
        }
        if (!storeData.isNative()) {
            throw new IllegalArgumentException("store data must be native memory (from an Arena), not a heap segment");
        }
        this.data = storeData;
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.STORE_DATA,
                storeData.address());
    }

    /** The store data ({@link MemorySegment#NULL} when none was set). */
    public MemorySegment data() {
        return data;
    }

    /** The store's VMStoreContext (trap code, unwind record, stack limit), shared by its instances. */
    MemorySegment storeContext() {
        return storeContext;
    }

    /** The arena of host functions' upcall stubs. */
    Arena arena() {
        ensureOpen();
        if (upcallArena == null) {
            upcallArena = Arena.ofShared();
        }
        return upcallArena;
    }

    private MemorySegment results;

    /** A buffer of at least {@code count} 8-byte slots for the results of a multi-value call. */
    MemorySegment resultBuffer(int count) {
        if (results == null || results.byteSize() < 8L * count) {
            results = allocate(8L * Math.max(count, 16), 16);
        }
        return results;
    }

    void setPendingException(Throwable t) {
        pendingException = t;
    }

    /**
     * Whether the pending host exception is control flow rather than a failure: it declined a stack
     * trace (constructed with {@code writableStackTrace} false), as WASI's {@code proc_exit} does. Its
     * unwinding records no Wasm backtrace: for a large module, the first one decodes the whole frame
     * table ({@code llvm.core.wasm}: 150 MB of arrays, 0.2 s), and an exit needs none.
     */
    boolean pendingIsControlFlow() {
        return pendingException != null && pendingException.getStackTrace().length == 0;
    }

    Throwable takePendingException() {
        Throwable t = pendingException;
        pendingException = null;
        return t;
    }

    // ---- backtraces (DESIGN §3 "Frame info") -------------------------------------------------------

    /** Modules with instances in this store: the code a backtrace may walk through. */
    private final java.util.List<Module> codeModules = new java.util.concurrent.CopyOnWriteArrayList<>();
    private WasmBacktrace pendingBacktrace;

    /** Records that instances of {@code module} live in this store (their code may be on a backtrace). */
    void addCodeModule(Module module) {
        if (!codeModules.contains(module)) {
            codeModules.add(module);
        }
    }

    /** The module of this store whose {@code .text} holds {@code pc}, or null. */
    Module moduleAt(long pc) {
        for (Module m : codeModules) {
            long text = m.code().textAddress();
            if (pc >= text && pc < text + m.code().textSize()) {
                return m;
            }
        }
        return null;
    }

    /** Called by the backtrace libcall: the frames of the activation that is unwinding. */
    void setPendingBacktrace(WasmBacktrace bt) {
        pendingBacktrace = bt;
    }

    /** The frames recorded since the last call, or an empty backtrace. */
    WasmBacktrace takePendingBacktrace() {
        WasmBacktrace bt = pendingBacktrace;
        pendingBacktrace = null;
        return bt != null ? bt : new WasmBacktrace();
    }

    /**
     * The store's instances' VMContexts (guarded by {@code this}): their interrupt flags are what
     * {@link #epochReached} raises, and they are unregistered on close.
     */
    private final java.util.List<MemorySegment> instanceContexts = new java.util.ArrayList<>();

    /**
     * Records a new instance's VMContext (at least {@link dev.kiln.abi.VMContextLayout#HEADER_SIZE}
     * bytes); its interrupt flag starts raised when the store's flags are.
     */
    synchronized void registered(MemorySegment vmctx) {
        instanceContexts.add(vmctx);
        if (interruptRaised) {
            INT_AT.setVolatile(vmctx, (long) dev.kiln.abi.VMContextLayout.INTERRUPT, 1);
        }
    }

    private StoreLimits limits = StoreLimits.defaults();
    private int instanceCount;
    private int tableCount;
    private int memoryCount;

    /**
     * Sets the store's resource limits; they apply to instances, memories and tables created
     * afterwards (see {@link StoreLimits}). A new store has {@link StoreLimits#defaults()}.
     *
     * @return this store
     * @throws IllegalStateException if the store is closed
     */
    public Store limits(StoreLimits limits) {
        ensureOpen();
        this.limits = java.util.Objects.requireNonNull(limits);
        return this;
    }

    /** The store's resource limits. */
    public StoreLimits limits() {
        return limits;
    }

    /**
     * Counts the objects an instantiation creates against the limits, before anything is allocated.
     *
     * @throws ResourceLimitException if a count would pass its limit
     */
    void reserve(int instances, int tables, int memories, String what) {
        ensureOpen();
        check(instanceCount, instances, limits.instances(), "instances", what);
        check(tableCount, tables, limits.tables(), "tables", what);
        check(memoryCount, memories, limits.memories(), "memories", what);
        instanceCount += instances;
        tableCount += tables;
        memoryCount += memories;
    }

    private static void check(int have, int more, int limit, String kind, String what) {
        if (more > 0 && have + (long) more > limit) {
            throw new ResourceLimitException(what + " would make " + (have + (long) more) + " " + kind
                    + " in the store, its limit is " + limit);
        }
    }

    /** The engine of the store. */
    public Engine engine() {
        return engine;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the store is closed");
        }
    }

    /** The thread whose stack floor the store context holds, or null before the first call. */
    private Thread floorThread;

    /**
     * Prepares a call from Java into Wasm: checks that the store is open and that the store context's
     * stack floor ({@link dev.kiln.abi.VMStoreContext#STACK_FLOOR}) is the calling thread's (one
     * reference compare when the same platform thread calls again).
     *
     * @throws IllegalStateException if the store is closed
     */
    /**
     * {@link #enter()} for a critical downcall, which must never call into Java: the trap path then
     * records no backtrace (the libcall slot is 0 until {@link #leaveCritical()}). Critical calls
     * never nest (their code cannot call the host).
     */
    void enterCritical() {
        enter();
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.BACKTRACE_LIBCALL, 0L);
    }

    /** Ends a critical downcall: traps record backtraces again. */
    void leaveCritical() {
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.BACKTRACE_LIBCALL,
                Backtraces.LIBCALL.address());
    }

    void enter() {
        ensureOpen();
        Thread t = Thread.currentThread();
        if (t != floorThread || t.isVirtual()) {
            storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.STACK_FLOOR,
                    ThreadStackFloor.current());
            floorThread = t;
        }
    }

    /**
     * Allocates zeroed native memory owned by the store, freed when it closes: {@code bytes} bytes,
     * aligned to {@code alignment} (at most 16).
     */
    MemorySegment allocate(long bytes, long alignment) {
        ensureOpen();
        if (alignment > 16) {
            throw new IllegalArgumentException("alignment " + alignment + " above 16");
        }
        long address = dev.kiln.loader.LibC.calloc(bytes);
        allocations.add(address);
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    private final java.util.List<Object> externs = new java.util.ArrayList<>();
    private final java.util.IdentityHashMap<Object, Long> externHandles = new java.util.IdentityHashMap<>();

    /** The handle of an externref to {@code o} (0 for null); the store keeps {@code o} alive until it closes. */
    long externHandle(Object o) {
        if (o == null) {
            return 0;
        }
        Long h = externHandles.get(o);
        if (h == null) {
            externs.add(o);
            h = (long) externs.size();
            externHandles.put(o, h);
        }
        return h;
    }

    /** The object of externref handle {@code h} (null for 0). */
    Object externObject(long h) {
        return h == 0 ? null : externs.get((int) (h - 1));
    }

    /** The bits a value has in native memory: an externref becomes its handle. */
    long toBits(Val v) {
        return v.type() == dev.kiln.abi.ValType.EXTERNREF ? externHandle(v.ref()) : v.bits();
    }

    /** A value from its native bits: an externref handle becomes its object. */
    Val fromBits(dev.kiln.abi.ValType t, long bits) {
        return switch (t) {
            case I32 -> Val.i32((int) bits);
            case F32 -> new Val(t, bits & 0xFFFF_FFFFL);
            case EXTERNREF -> new Val(t, bits, externObject(bits));
            default -> new Val(t, bits);
        };
    }

    /** Registers native memory (a linear memory reservation) to release when the store closes. */
    void own(AutoCloseable resource) {
        ensureOpen();
        resources.add(resource);
    }

    /**
     * Frees every instance's native memory: VMContexts, linear memories, tables, host functions'
     * upcall stubs. Idempotent. Afterwards every entry point of the store's objects (calls, handles
     * from {@link Func#handle()}, segments from {@link Memory#segment()}, globals, tables) throws
     * {@link IllegalStateException}.
     *
     * @throws IllegalStateException if a call into the store is running (a host function closing its
     *                               own store): the Wasm frames below it still use its memory
     */
    @Override
    public void close() {
        if (!closed && storeContext.get(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.ENTRY_FRAME) != 0) {
            throw new IllegalStateException("cannot close a store while a call into it is running");
        }
        if (!closed) {
            closed = true;
            closeInterruption();
            Instance.unregister(instanceContexts); // no tick reads them any more: the store is closed
            instanceContexts.clear();
            for (long a : allocations) {
                dev.kiln.loader.LibC.free(a);
            }
            allocations.clear();
            if (upcallArena != null) {
                upcallArena.close();
            }
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    // unmapping failed: the address space stays reserved; nothing else depends on it
                }
            }
            resources.clear();
        }
    }

    // ---- epoch interruption and fuel (DESIGN §3 "Containing a guest") -----------------------------

    private static final java.lang.invoke.VarHandle LONG_AT = java.lang.foreign.ValueLayout.JAVA_LONG.varHandle();
    private volatile EpochDeadlineCallback epochCallback;
    private java.util.concurrent.ScheduledFuture<?> timeout;

    private void initInterruption() {
        LONG_AT.setVolatile(storeContext, (long) dev.kiln.abi.VMStoreContext.EPOCH_DEADLINE, -1L); // never
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.EPOCH_ADDRESS,
                engine.epochAddress());
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.EPOCH_LIBCALL,
                Interruption.epochLibcall(engine)); // 0 without epoch interruption: no code calls it
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.BACKTRACE_LIBCALL,
                Backtraces.LIBCALL.address());
        Interruption.register(this);
        if (engine.epochInterruption()) {
            engine.registerInterruptible(this);
        }
    }

    private synchronized void closeInterruption() {
        if (timeout != null) {
            timeout.cancel(false);
        }
        engine.unregisterInterruptible(this);
        Interruption.unregister(this);
    }

    private static final java.lang.invoke.VarHandle INT_AT = java.lang.foreign.ValueLayout.JAVA_INT.varHandle();

    /** Whether the interrupt flags of the store's instances are raised (guarded by {@code this}). */
    private boolean interruptRaised;

    /**
     * Raises the interrupt flag of every instance of the store ({@link dev.kiln.abi.VMContextLayout#INTERRUPT}),
     * which generated code tests at function entries and loop headers, when the engine's epoch
     * {@code now} has reached the deadline. Called after the epoch or the deadline changed (each
     * written before this reads the other, so of two racing writers one sees both new values); never
     * clears the flags (only the epoch libcall does, see {@link #takeInterrupt}). Synchronized with
     * {@link #close}'s {@code closeInterruption}: an engine tick racing with the close never writes a
     * VMContext after it is freed.
     */
    synchronized void epochReached(long now) {
        if (closed) {
            return;
        }
        if (Long.compareUnsigned(now, epochDeadline()) >= 0) {
            interruptRaised = true;
            for (MemorySegment vmctx : instanceContexts) {
                INT_AT.setVolatile(vmctx, (long) dev.kiln.abi.VMContextLayout.INTERRUPT, 1);
            }
        }
    }

    /** {@link #epochReached(long)} at the engine's current epoch. */
    void epochReached() {
        epochReached(engine.epoch());
    }

    /**
     * In the epoch libcall: clears the interrupt flags, then says whether the deadline is really
     * reached (a flag raised for an earlier deadline is stale: the code just goes on). Synchronized
     * with {@link #epochReached}, so a flag raised by a tick after the clear stays raised.
     */
    synchronized boolean takeInterrupt() {
        interruptRaised = false;
        for (MemorySegment vmctx : instanceContexts) {
            INT_AT.setVolatile(vmctx, (long) dev.kiln.abi.VMContextLayout.INTERRUPT, 0);
        }
        return Long.compareUnsigned(engine.epoch(), epochDeadline()) >= 0;
    }

    private void requireEpoch(String method) {
        ensureOpen();
        if (!engine.epochInterruption()) {
            throw new IllegalStateException(method + " needs epoch interruption, which this store's engine does not "
                    + "compile in: build the engine with Engine.builder().epochInterruption(true)");
        }
    }

    private void requireFuel(String method) {
        ensureOpen();
        if (!engine.consumeFuel()) {
            throw new IllegalStateException(method + " needs fuel metering, which this store's engine does not "
                    + "compile in: build the engine with Engine.builder().consumeFuel(true)");
        }
    }

    /**
     * Sets the epoch deadline to {@code ticksBeyondCurrent} ticks after the engine's current epoch
     * (Wasmtime's {@code Store::set_epoch_deadline}): once {@link Engine#incrementEpoch()} has been
     * called that many times, code of this store stops at its next function entry or loop header and
     * traps with {@code interrupt}, or calls the {@link #epochDeadlineCallback}. A new store has no
     * deadline (unlike Wasmtime, whose default deadline of 0 traps at once). May be called from any
     * thread, also while a call runs.
     *
     * @param ticksBeyondCurrent epoch ticks from now, {@code >= 0} (0: at the next check)
     * @throws IllegalArgumentException if {@code ticksBeyondCurrent} is negative
     * @throws IllegalStateException    if the engine was built without epoch interruption, or the store is closed
     */
    public void setEpochDeadline(long ticksBeyondCurrent) {
        requireEpoch("setEpochDeadline");
        if (ticksBeyondCurrent < 0) {
            throw new IllegalArgumentException("epoch deadline must be >= 0 ticks, got " + ticksBeyondCurrent);
        }
        long now = engine.epoch();
        long deadline = now + ticksBeyondCurrent;
        LONG_AT.setVolatile(storeContext, (long) dev.kiln.abi.VMStoreContext.EPOCH_DEADLINE,
                deadline < now ? Long.MAX_VALUE : deadline);
        epochReached();
    }

    /**
     * The epoch at which code of this store is interrupted ({@code -1}, read as unsigned the largest
     * u64: never, the initial value).
     */
    public long epochDeadline() {
        return (long) LONG_AT.getVolatile(storeContext, (long) dev.kiln.abi.VMStoreContext.EPOCH_DEADLINE);
    }

    /**
     * What happens at the deadline (Wasmtime's {@code Store::epoch_deadline_callback}): {@code null}
     * (the default, Wasmtime's {@code epoch_deadline_trap}) traps with {@code interrupt}; a callback
     * may instead extend the deadline and let the code continue, or trap.
     *
     * @throws IllegalStateException if the engine was built without epoch interruption, or the store is closed
     */
    public void epochDeadlineCallback(EpochDeadlineCallback callback) {
        requireEpoch("epochDeadlineCallback");
        this.epochCallback = callback;
    }

    /**
     * Interrupts code of this store once {@code timeout} has elapsed from now: a call running then,
     * or made later, stops at its next function entry or loop header and traps with
     * {@code interrupt} (or calls the {@link #epochDeadlineCallback}), until
     * {@link #setEpochDeadline} sets a new deadline. A daemon timer thread lowers the store's
     * deadline when the time is up; this store alone is affected, the engine's epoch is not
     * touched. Replaces the timeout set before; {@code null} cancels it. The stop comes within
     * the timer's latency plus the time to the next check (a loop iteration or a call).
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     * @throws IllegalStateException    if the engine was built without epoch interruption, or the store is closed
     */
    public synchronized void setTimeout(java.time.Duration timeout) {
        requireEpoch("setTimeout");
        if (this.timeout != null) {
            this.timeout.cancel(false);
            this.timeout = null;
        }
        if (timeout == null) {
            return;
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout);
        }
        this.timeout = Interruption.timer().schedule(this::expire, timeout.toNanos(),
                java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private synchronized void expire() {
        if (!closed) {
            LONG_AT.setVolatile(storeContext, (long) dev.kiln.abi.VMStoreContext.EPOCH_DEADLINE, 0L);
            epochReached();
        }
    }

    /**
     * Called by the epoch libcall at a reached deadline: {@code true} when the code may continue
     * (the callback extended the deadline), {@code false} to trap with {@code interrupt}.
     */
    boolean onEpochDeadline() throws Exception {
        EpochDeadlineCallback cb = epochCallback;
        if (cb == null) {
            return false;
        }
        long ticks = cb.onEpochDeadline(this);
        if (ticks < 0) {
            return false;
        }
        setEpochDeadline(ticks);
        return true;
    }

    /**
     * Sets the fuel left (Wasmtime's {@code Store::set_fuel}). Code charges each basic block's
     * Wasm instruction count (see {@link Engine.Builder#consumeFuel}) and traps with
     * {@code all fuel consumed} when a block costs more than is left. A new store has 0 fuel.
     *
     * @param fuel units of fuel, {@code >= 0}
     * @throws IllegalArgumentException if {@code fuel} is negative
     * @throws IllegalStateException    if the engine was built without fuel metering, or the store is closed
     */
    public void setFuel(long fuel) {
        requireFuel("setFuel");
        if (fuel < 0) {
            throw new IllegalArgumentException("fuel must be >= 0, got " + fuel);
        }
        storeContext.set(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.FUEL_CONSUMED, -fuel);
    }

    /**
     * The fuel left (Wasmtime's {@code Store::get_fuel}); 0 after an {@code all fuel consumed} trap.
     *
     * @throws IllegalStateException if the engine was built without fuel metering, or the store is closed
     */
    public long getFuel() {
        requireFuel("getFuel");
        long consumed = storeContext.get(java.lang.foreign.ValueLayout.JAVA_LONG, dev.kiln.abi.VMStoreContext.FUEL_CONSUMED);
        return consumed >= 0 ? 0 : -consumed;
    }

    /**
     * Adds {@code fuel} to the fuel left (saturating at {@link Long#MAX_VALUE}).
     *
     * @throws IllegalArgumentException if {@code fuel} is negative
     * @throws IllegalStateException    if the engine was built without fuel metering, or the store is closed
     */
    public void addFuel(long fuel) {
        if (fuel < 0) {
            throw new IllegalArgumentException("fuel to add must be >= 0, got " + fuel);
        }
        long left = getFuel();
        setFuel(left + fuel < 0 ? Long.MAX_VALUE : left + fuel);
    }
}
