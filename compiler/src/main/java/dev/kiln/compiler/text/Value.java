package dev.kiln.compiler.text;

import dev.kiln.abi.ValType;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A constant value in a WAST script: an argument of {@code invoke} or an exact expected result.
 * Immutable (the v128 byte array is copied on the way in and out).
 */
public sealed interface Value {

    /**
     * A number: {@code i32}/{@code f32} in the low 32 bits of {@code bits} (zero-extended), {@code i64}/
     * {@code f64} as all 64 bits; floats as raw IEEE 754 bits (NaN payloads preserved).
     */
    record Num(ValType type, long bits) implements Value {
        @Override
        public String toString() {
            return "(" + type + ".const 0x" + Long.toHexString(bits) + ")";
        }
    }

    /** A {@code v128}: 16 bytes, lane 0 first, each lane little-endian (as in memory). */
    record V128(byte[] bytes) implements Value {
        /** @param bytes exactly 16 bytes (copied) */
        public V128 {
            if (bytes.length != 16) {
                throw new IllegalArgumentException("v128 needs 16 bytes, got " + bytes.length);
            }
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof V128 v && Arrays.equals(bytes, v.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "(v128.const 0x" + HexFormat.of().formatHex(bytes) + ")";
        }
    }

    /** {@code (ref.null func)} ({@link ValType#FUNCREF}) or {@code (ref.null extern)} ({@link ValType#EXTERNREF}). */
    record RefNull(ValType type) implements Value { }

    /** {@code (ref.extern N)}: a host reference, identified by the script's number {@code N} (u32). */
    record RefExtern(long id) implements Value { }
}
