package dev.kiln.abi;

/**
 * The layout of a table's definition: a native struct owned by the store of the instance that
 * defines the table, pointed to by every VMContext that uses the table (its own and importers').
 * Entries are 8 bytes: a funcref is the address of a function record (0 for null), an externref a
 * handle the store maps to a Java object (0 for null). Constants only; thread-safe.
 *
 * <table>
 * <caption>VMTableDefinition</caption>
 * <tr><th>offset</th><th>field</th></tr>
 * <tr><td>0</td><td>u64 address of the entries</td></tr>
 * <tr><td>8</td><td>u64 current size in entries</td></tr>
 * <tr><td>16</td><td>u64 maximum size in entries</td></tr>
 * </table>
 */
public final class VMTableDefinition {
    private VMTableDefinition() {
    }

    /** Offset of the u64 address of the entries. */
    public static final int BASE = 0;
    /** Offset of the u64 current size in entries. */
    public static final int SIZE = 8;
    /** Offset of the u64 maximum size in entries. */
    public static final int MAX = 16;
    /** Size of the struct in bytes. */
    public static final int BYTES = 24;
}
