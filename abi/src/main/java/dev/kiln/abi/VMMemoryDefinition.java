package dev.kiln.abi;

/**
 * The layout of a linear memory's definition: inline in the VMContext of the instance that defines
 * the memory (or in native memory owned by the store for a host-created memory), pointed to by the
 * VMContexts that import it. Constants only; thread-safe.
 *
 * <table>
 * <caption>VMMemoryDefinition</caption>
 * <tr><th>offset</th><th>field</th></tr>
 * <tr><td>0</td><td>u64 base address (never changes: the memory is a reservation)</td></tr>
 * <tr><td>8</td><td>u64 current length in bytes</td></tr>
 * <tr><td>16</td><td>u64 maximum length in bytes</td></tr>
 * </table>
 */
public final class VMMemoryDefinition {
    private VMMemoryDefinition() {
    }

    /** Offset of the u64 base address. */
    public static final int BASE = 0;
    /** Offset of the u64 current length in bytes. */
    public static final int LENGTH = 8;
    /** Offset of the u64 maximum length in bytes. */
    public static final int MAX_LENGTH = 16;
    /** Size of the struct in bytes. */
    public static final int BYTES = 24;
}
