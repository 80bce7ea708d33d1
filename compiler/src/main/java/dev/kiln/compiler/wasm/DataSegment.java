package dev.kiln.compiler.wasm;

/**
 * A data segment (spec §2.5.8, binary §5.5.14). The bytes stay in the module; this record gives
 * their range. Immutable and thread-safe.
 *
 * @param active      whether the segment is active (copied at instantiation) or passive
 * @param memoryIndex for active segments the memidx (0 in 2.0), else -1
 * @param offset      for active segments the offset expression (i32), else {@code null}
 * @param dataStart   offset in the module of the first data byte
 * @param dataLength  number of data bytes
 * @param offsetInModule byte offset in the module of the segment
 */
public record DataSegment(boolean active, int memoryIndex, ConstExpr offset, int dataStart, int dataLength,
                          int offsetInModule) {
    /** Exclusive end offset of the data bytes in the module. */
    public int dataEnd() {
        return dataStart + dataLength;
    }
}
