package dev.kiln.compiler.wasm;

/**
 * A cursor over a byte array with the primitive readers of the binary format (spec §5.2 "Values"):
 * bytes, LEB128 integers with the spec's exact length and unused-bit rules, little-endian floats.
 *
 * <p>Reads never go past {@link #end}; doing so throws {@link MalformedModuleException} with
 * {@link #eosMessage()} at the offset where the read started. Not thread-safe.
 */
abstract class BinaryInput {
    /** The module bytes (never copied). */
    final byte[] bytes;
    /** Position of the next byte to read. */
    int pos;
    /** Exclusive limit of reads. */
    int end;

    BinaryInput(byte[] bytes, int pos, int end) {
        this.bytes = bytes;
        this.pos = pos;
        this.end = end;
    }

    /** The wording used when a read runs past {@link #end}. */
    String eosMessage() {
        return "unexpected end of section or function";
    }

    final MalformedModuleException eos() {
        return new MalformedModuleException(eosMessage(), Math.min(pos, end));
    }

    static MalformedModuleException malformed(String reason, long offset) {
        return new MalformedModuleException(reason, offset);
    }

    final int readByte() {
        if (pos >= end) {
            throw eos();
        }
        return bytes[pos++] & 0xFF;
    }

    final int peekByte() {
        if (pos >= end) {
            throw eos();
        }
        return bytes[pos] & 0xFF;
    }

    /** Reads a little-endian 32-bit word. */
    final int readFixed32() {
        if (end - pos < 4) {
            pos = end;
            throw eos();
        }
        int p = pos;
        pos += 4;
        return (bytes[p] & 0xFF) | (bytes[p + 1] & 0xFF) << 8 | (bytes[p + 2] & 0xFF) << 16
                | (bytes[p + 3] & 0xFF) << 24;
    }

    /** Reads a little-endian 64-bit word. */
    final long readFixed64() {
        if (end - pos < 8) {
            pos = end;
            throw eos();
        }
        long lo = readFixed32() & 0xFFFF_FFFFL;
        long hi = readFixed32() & 0xFFFF_FFFFL;
        return lo | hi << 32;
    }

    /** {@code u32} (spec §5.2.2): at most 5 bytes, unused bits of the 5th byte zero. */
    final int readU32() {
        if (pos < end) {
            int b = bytes[pos];
            if (b >= 0) {
                pos++;
                return b;
            }
        }
        return (int) readUnsigned(32);
    }

    /** {@code u32} as a non-negative long. */
    final long readU32AsLong() {
        return readU32() & 0xFFFF_FFFFL;
    }

    /**
     * An unsigned LEB128 integer of {@code bits} bits (1..64): at most ceil(bits/7) bytes
     * ({@code integer representation too long}), unused bits of the last byte zero
     * ({@code integer too large}).
     */
    final long readUnsigned(int bits) {
        int start = pos;
        int maxBytes = (bits + 6) / 7;
        long result = 0;
        for (int i = 0; ; i++) {
            int b = readByte();
            if (i == maxBytes - 1) {
                if ((b & 0x80) != 0) {
                    throw malformed("integer representation too long", start);
                }
                int usedBits = bits - 7 * i;
                if (usedBits < 7 && (b >>> usedBits) != 0) {
                    throw malformed("integer too large", start);
                }
                return result | (long) b << (7 * i);
            }
            result |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return result;
            }
        }
    }

    /**
     * A signed LEB128 integer of {@code bits} bits (1..64), sign-extended to a long: at most
     * ceil(bits/7) bytes, unused bits of the last byte equal to the sign bit.
     */
    final long readSigned(int bits) {
        int start = pos;
        int maxBytes = (bits + 6) / 7;
        long result = 0;
        for (int i = 0; ; i++) {
            int b = readByte();
            int shift = 7 * i;
            if (i == maxBytes - 1) {
                if ((b & 0x80) != 0) {
                    throw malformed("integer representation too long", start);
                }
                int usedBits = bits - shift;
                if (usedBits < 7) {
                    int upper = b >>> (usedBits - 1);
                    if (upper != 0 && upper != (0x7F >>> (usedBits - 1))) {
                        throw malformed("integer too large", start);
                    }
                }
                result |= (long) b << shift;
                int total = shift + 7;
                return total >= 64 ? result : result << (64 - total) >> (64 - total);
            }
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                int total = shift + 7;
                return result << (64 - total) >> (64 - total);
            }
        }
    }

    final int readS32() {
        if (pos < end) {
            int b = bytes[pos];
            if (b >= 0) {
                pos++;
                return b << 25 >> 25;
            }
        }
        return (int) readSigned(32);
    }

    final long readS64() {
        return readSigned(64);
    }

    /**
     * A length or vector count ({@code u32}) that must not exceed the bytes left from where the
     * count starts ({@code length out of bounds}), as the reference interpreter checks it.
     */
    final int readLength() {
        int start = pos;
        long n = readU32AsLong();
        if (n > end - start) {
            throw malformed("length out of bounds", start);
        }
        return (int) n;
    }

    /**
     * A type constructor byte. The reference interpreter reads these as {@code s7} LEB128, so a byte
     * with the continuation bit set is {@code integer representation too long}.
     */
    int typeByte() {
        int at = pos;
        int b = readByte();
        if (b >= 0x80) {
            throw malformed("integer representation too long", at);
        }
        return b;
    }
}
