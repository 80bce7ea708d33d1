package dev.kiln.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/** Random mutations of binary inputs (bytes, LEB128 fields, chunks) and of text (tokens, parentheses, numbers). */
final class Mutator {
    private static final int[] INTERESTING = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x41, 0x0b, 0x10, 0x20, 0x6f, 0x70};
    private static final String[] TOKENS = {"(", ")", "$f0", "i32.const", "0x80000000", "-0", "nan:0x1", "inf",
            "local.get", "block", "end", "(param i32)", "(result i64)", "\"\\ff\"", "\"\\u{10ffff}\"", "offset=4294967296",
            "align=3", "18446744073709551616", "0x1p+128", "(;", ";;", "\n", "$", "memory", "table", "elem", "data", "br_table",
            "ref.null", "func", "extern", "(module", "1_000", "0x_1", "f32.const 0x1.fffffep127", "select (result i32)"};

    private Mutator() {
    }

    static byte[] mutateBinary(byte[] in, Random r) {
        byte[] b = in.clone();
        int n = 1 + (r.nextInt(4) == 0 ? r.nextInt(8) : 0);
        for (int k = 0; k < n; k++) {
            b = mutateOnce(b, r);
        }
        return b;
    }

    private static byte[] mutateOnce(byte[] b, Random r) {
        if (b.length == 0) {
            return new byte[]{(byte) r.nextInt(256)};
        }
        int at = r.nextInt(b.length);
        switch (r.nextInt(8)) {
            case 0, 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
            case 2 -> b[at] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
            case 3 -> b[at] = (byte) r.nextInt(256);
            case 4 -> { // insert bytes (a LEB128 continuation, or random)
                int len = 1 + r.nextInt(4);
                byte[] c = new byte[b.length + len];
                System.arraycopy(b, 0, c, 0, at);
                for (int k = 0; k < len; k++) {
                    c[at + k] = (byte) (r.nextBoolean() ? 0x80 : r.nextInt(256));
                }
                System.arraycopy(b, at, c, at + len, b.length - at);
                return c;
            }
            case 5 -> { // delete a chunk
                int len = Math.min(b.length - at, 1 + r.nextInt(8));
                byte[] c = new byte[b.length - len];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(b, at + len, c, at, b.length - at - len);
                return c;
            }
            case 6 -> { // duplicate a chunk
                int len = Math.min(b.length - at, 1 + r.nextInt(16));
                ByteArrayOutputStream o = new ByteArrayOutputStream();
                o.write(b, 0, at + len);
                o.write(b, at, len);
                o.write(b, at + len, b.length - at - len);
                return o.toByteArray();
            }
            default -> { // truncate
                byte[] c = new byte[at];
                System.arraycopy(b, 0, c, 0, at);
                return c;
            }
        }
        return b;
    }

    static byte[] mutateText(byte[] in, Random r) {
        String s = new String(in, StandardCharsets.UTF_8);
        int n = 1 + r.nextInt(3);
        for (int k = 0; k < n && !s.isEmpty(); k++) {
            int at = r.nextInt(s.length());
            int end = Math.min(s.length(), at + 1 + r.nextInt(12));
            s = switch (r.nextInt(6)) {
                case 0 -> s.substring(0, at) + s.substring(end); // delete
                case 1 -> s.substring(0, at) + " " + TOKENS[r.nextInt(TOKENS.length)] + " " + s.substring(at); // insert a token
                case 2 -> s.substring(0, at) + TOKENS[r.nextInt(TOKENS.length)] + s.substring(end); // replace
                case 3 -> s.substring(0, at) + s.substring(at, end) + s.substring(at); // duplicate
                case 4 -> s.substring(0, at) + (char) (r.nextBoolean() ? r.nextInt(128) : r.nextInt(0x3000)) + s.substring(at);
                default -> s.replaceFirst("[0-9]+", r.nextBoolean() ? "4294967296" : Long.toString(r.nextLong()));
            };
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
