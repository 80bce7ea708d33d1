package dev.kiln;

/**
 * Decides what happens when a store's epoch deadline is reached (Wasmtime's
 * {@code Store::epoch_deadline_callback}). Set with {@link Store#epochDeadlineCallback}; only
 * modules compiled with epoch interruption ({@link Engine.Builder#epochInterruption}) check the
 * deadline.
 *
 * <p>The callback runs on the thread that runs the Wasm code, inside the call, at the function
 * entry or loop header whose check found the deadline reached. It may use the store's API (read
 * and write memories, set fuel, set the deadline); it must not close the store. Writes to linear
 * memory are seen by the interrupted code when it continues. Growing a memory or table, or setting
 * a global, of an instance whose code is interrupted is seen only by later calls: the optimizer
 * keeps memory lengths and globals loaded before a check across it (this keeps the check cheap in
 * loops), so the interrupted code may still bounds-check against the old length.
 */
@FunctionalInterface
public interface EpochDeadlineCallback {
    /** Return value of {@link #onEpochDeadline}: trap with {@code interrupt}. */
    long TRAP = -1;

    /**
     * Called when the engine's epoch has reached the store's deadline.
     *
     * @param store the store whose code is running
     * @return the new deadline in epoch ticks beyond the current epoch ({@code >= 0}: the code
     *         continues; 0 calls back again at the next check), or {@link #TRAP} (any negative
     *         value) to trap with {@link dev.kiln.abi.TrapCode#INTERRUPT}
     * @throws Exception to end the call: the exception reaches the Java caller of the export
     *                   unchanged, as one thrown by a host function does
     */
    long onEpochDeadline(Store store) throws Exception;
}
