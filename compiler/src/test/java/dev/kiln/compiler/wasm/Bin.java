package dev.kiln.compiler.wasm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Test-only builder of binary Wasm: LEB128 encoders, sections, vectors. Written from spec §5. */
final class Bin {
    private Bin() {
    }

    static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00};

    /** Concatenates byte arrays. */
    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The given ints as bytes (each 0..255). */
    static byte[] b(int... values) {
        byte[] r = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            r[i] = (byte) values[i];
        }
        return r;
    }

    static byte[] u32(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        do {
            int byt = (int) (v & 0x7F);
            v >>>= 7;
            out.write(v != 0 ? byt | 0x80 : byt);
        } while (v != 0);
        return out.toByteArray();
    }

    static byte[] sleb(long v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int byt = (int) (v & 0x7F);
            v >>= 7;
            boolean done = (v == 0 && (byt & 0x40) == 0) || (v == -1 && (byt & 0x40) != 0);
            out.write(done ? byt : byt | 0x80);
            if (done) {
                return out.toByteArray();
            }
        }
    }

    static byte[] name(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return cat(u32(utf8.length), utf8);
    }

    /** A vector: count then the elements. */
    static byte[] vec(byte[]... elems) {
        return cat(u32(elems.length), cat(elems));
    }

    static byte[] section(int id, byte[]... content) {
        byte[] c = cat(content);
        return cat(b(id), u32(c.length), c);
    }

    static byte[] module(byte[]... sections) {
        return cat(HEADER, cat(sections));
    }

    /** A function type {@code 0x60 params results}, types given as valtype bytes. */
    static byte[] functype(int[] params, int[] results) {
        return cat(b(0x60), u32(params.length), b(params), u32(results.length), b(results));
    }

    static int[] t(int... types) {
        return types;
    }

    /** A code entry: size, locals vector, instructions (which must include the final end). */
    static byte[] body(byte[] locals, byte[] code) {
        byte[] c = cat(locals, code);
        return cat(u32(c.length), c);
    }

    static byte[] noLocals() {
        return u32(0);
    }

    /** A module with one type, one function of that type, and the given body instructions. */
    static byte[] oneFunc(byte[] functype, byte[] locals, byte[] code, byte[]... extraSectionsBeforeCode) {
        return module(section(1, vec(functype)), section(3, vec(u32(0))), cat(extraSectionsBeforeCode),
                section(10, vec(body(locals, code))));
    }

    static final int I32 = 0x7F;
    static final int I64 = 0x7E;
    static final int F32 = 0x7D;
    static final int F64 = 0x7C;
    static final int V128 = 0x7B;
    static final int FUNCREF = 0x70;
    static final int EXTERNREF = 0x6F;
    static final int END = 0x0B;
}
