package dev.kiln.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link ExceptionBenchmark}'s module in the legacy exception-handling encoding ({@code try}, {@code catch},
 * opcodes 0x06/0x07, binary format only: neither Kiln's nor wabt's text parser reads it), the encoding that
 * clang emits and the only one node 20's V8 runs. Same functions, same work and same results as
 * {@link ExceptionBenchmark#WAT}, each {@code try_table}+{@code block} pair replaced by one
 * {@code try (result i32) ... catch $e end}:
 * <ul>
 * <li>{@code throwCatch3Frames(n)}: n iterations of a call, inside a {@code try}, whose callee throws three
 *     frames down, caught by {@code catch $e} (the payload is added up);</li>
 * <li>{@code throwCatchLocal(n)}: n throws caught in the same function;</li>
 * <li>{@code callInTryNoThrow(n)}, {@code callNoTry(n)}: the same call chain without a throw, inside a
 *     {@code try} and outside one.</li>
 * </ul>
 * {@code main(DIR)} writes the module to {@code DIR/exceptions-legacy.wasm} for {@code bench/node/kernels.mjs}.
 */
public final class LegacyExceptionKernel {
    private LegacyExceptionKernel() {
    }

    /** The exported functions, in {@link ExceptionBenchmark}'s order. */
    public static final String[] EXPORTS = {"throwCatch3Frames", "throwCatchLocal", "callInTryNoThrow", "callNoTry"};

    private static final int I32 = 0x7F;
    private static final int VOID = 0x40;
    private static final int LOCAL_GET = 0x20;
    private static final int LOCAL_SET = 0x21;
    private static final int LOCAL_TEE = 0x22;
    private static final int I32_CONST = 0x41;
    private static final int I32_ADD = 0x6A;
    private static final int I32_SUB = 0x6B;
    private static final int I32_AND = 0x71;
    private static final int I32_OR = 0x72;
    private static final int CALL = 0x10;
    private static final int IF = 0x04;
    private static final int LOOP = 0x03;
    private static final int BR_IF = 0x0D;
    private static final int END = 0x0B;
    private static final int TRY = 0x06;
    private static final int CATCH = 0x07;
    private static final int THROW = 0x08;
    /** The bit that makes $f3 throw (0x40000000). */
    private static final int THROW_BIT = 0x4000_0000;
    // function indices: $f3 0, $f2 1, $f1 2, then the exports
    private static final int F3 = 0;
    private static final int F1 = 2;

    /** The module's bytes (Wasm binary format, version 1, with a tag section: the exception-handling proposal). */
    public static byte[] module() {
        Out m = new Out();
        m.bytes(0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00);
        // type 0: [i32] -> [i32]; type 1: [i32] -> [] (the tag)
        m.section(1, new Out().u32(2).bytes(0x60, 1, I32, 1, I32).bytes(0x60, 1, I32, 0));
        Out funcs = new Out().u32(7);
        for (int i = 0; i < 7; i++) {
            funcs.u32(0);
        }
        m.section(3, funcs);
        m.section(13, new Out().u32(1).bytes(0x00).u32(1)); // tag 0: attribute 0 (exception), type 1
        Out exports = new Out().u32(EXPORTS.length);
        for (int i = 0; i < EXPORTS.length; i++) {
            exports.name(EXPORTS[i]).bytes(0x00).u32(3 + i);
        }
        m.section(7, exports);
        Out code = new Out().u32(7);
        // $f3: if (x & bit) throw $e(x); x + 1
        code.body(false, new Out().bytes(LOCAL_GET, 0).i32(THROW_BIT).bytes(I32_AND, IF, VOID, LOCAL_GET, 0, THROW, 0, END)
                .bytes(LOCAL_GET, 0).i32(1).bytes(I32_ADD));
        // $f2: $f3(x) + 2; $f1: $f2(x) + 3
        code.body(false, new Out().bytes(LOCAL_GET, 0, CALL, F3).i32(2).bytes(I32_ADD));
        code.body(false, new Out().bytes(LOCAL_GET, 0, CALL, 1).i32(3).bytes(I32_ADD));
        // throwCatch3Frames: try (result i32) $f1(n | bit) catch $e end
        code.body(true, loop(new Out().bytes(TRY, I32, LOCAL_GET, 0).i32(THROW_BIT).bytes(I32_OR, CALL, F1, CATCH, 0, END)));
        // throwCatchLocal: try (result i32) throw $e(n) catch $e end
        code.body(true, loop(new Out().bytes(TRY, I32, LOCAL_GET, 0, THROW, 0, CATCH, 0, END)));
        // callInTryNoThrow: try (result i32) $f1(n) catch $e end
        code.body(true, loop(new Out().bytes(TRY, I32, LOCAL_GET, 0, CALL, F1, CATCH, 0, END)));
        // callNoTry: $f1(n)
        code.body(true, loop(new Out().bytes(LOCAL_GET, 0, CALL, F1)));
        m.section(10, code);
        return m.toByteArray();
    }

    /**
     * {@code loop { acc += <step>; n -= 1; br_if (n != 0) } acc} around {@code step}, which leaves one i32
     * (local 0 is n, local 1 acc).
     */
    private static Out loop(Out step) {
        return new Out().bytes(LOOP, VOID).append(step).bytes(LOCAL_GET, 1, I32_ADD, LOCAL_SET, 1)
                .bytes(LOCAL_GET, 0).i32(1).bytes(I32_SUB, LOCAL_TEE, 0, BR_IF, 0, END, LOCAL_GET, 1);
    }

    /** Writes {@code exceptions-legacy.wasm} into the directory {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        Files.write(dir.resolve("exceptions-legacy.wasm"), module());
    }

    /** A byte buffer with the binary format's encodings (LEB128, names, sections, function bodies). */
    private static final class Out extends ByteArrayOutputStream {
        Out bytes(int... bs) {
            for (int b : bs) {
                write(b);
            }
            return this;
        }

        Out u32(int v) {
            do {
                int b = v & 0x7F;
                v >>>= 7;
                write(v != 0 ? b | 0x80 : b);
            } while (v != 0);
            return this;
        }

        /** {@code i32.const v} (signed LEB128). */
        Out i32(int v) {
            write(I32_CONST);
            while (true) {
                int b = v & 0x7F;
                v >>= 7;
                if ((v == 0 && (b & 0x40) == 0) || (v == -1 && (b & 0x40) != 0)) {
                    write(b);
                    return this;
                }
                write(b | 0x80);
            }
        }

        Out name(String s) {
            byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            u32(b.length);
            write(b, 0, b.length);
            return this;
        }

        Out append(Out o) {
            write(o.buf, 0, o.count);
            return this;
        }

        Out section(int id, Out content) {
            return bytes(id).u32(content.count).append(content);
        }

        /** A function body: its locals (one i32 local when {@code acc}) and {@code expr} with the final end. */
        Out body(boolean acc, Out expr) {
            Out b = acc ? new Out().bytes(1, 1, I32) : new Out().bytes(0);
            b.append(expr).bytes(END);
            return u32(b.count).append(b);
        }
    }
}
