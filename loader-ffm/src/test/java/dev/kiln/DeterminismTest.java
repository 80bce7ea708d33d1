package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.abi.CompileOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The compiler gives the same bytes for the same input and options, however many threads compile. */
class DeterminismTest {
    @Test
    void sameInputSameArtifactWhateverTheParallelism() throws IOException {
        StringBuilder wat = new StringBuilder("(module (memory 1) (global $g (mut i64) (i64.const 1))\n");
        for (int i = 0; i < 300; i++) {
            wat.append("(func $f").append(i).append(" (export \"f").append(i).append("\") (param i32 f64) (result i64)")
                    .append(" (local $x i64)")
                    .append(" (local.set $x (i64.extend_i32_s (i32.load (i32.and (local.get 0) (i32.const 0xfff0)))))")
                    .append(" (global.set $g (i64.add (global.get $g) (i64.trunc_sat_f64_s (local.get 1))))")
                    .append(i > 0 ? " (drop (call $f" + (i - 1) + " (local.get 0) (local.get 1)))" : "")
                    .append(" (i64.mul (local.get $x) (i64.const ").append(i * 7 + 1).append(")))\n");
        }
        // a large function that inlines small callees, each compiled before it on whichever worker
        wat.append("(func $big (export \"big\") (param i32 f64) (result i64) (local $acc i64)\n");
        for (int i = 0; i < 200; i++) {
            wat.append(" (local.set $acc (i64.add (local.get $acc) (call $f").append(i % 5)
                    .append(" (i32.add (local.get 0) (i32.const ").append(i).append(")) (local.get 1))))\n");
        }
        wat.append(" (local.get $acc))\n");
        // a body too large to be inlined (callers do not wait for it), called by a small function,
        // and two functions that call each other (a component whose members wait only for their own callees)
        wat.append("(func $huge (param i32 f64) (result i64) (local $acc i64)\n");
        for (int i = 0; i < 700; i++) {
            wat.append(" (local.set $acc (i64.add (local.get $acc) (call $f").append(i % 7)
                    .append(" (i32.add (local.get 0) (i32.const ").append(i).append(")) (local.get 1))))\n");
        }
        wat.append(" (local.get $acc))\n");
        wat.append("(func (export \"callsHuge\") (param i32) (result i64) (call $huge (local.get 0) (f64.const 2)))\n");
        wat.append("(func $even (export \"even\") (param i32) (result i64) (if (result i64) (i32.eqz (local.get 0))")
                .append(" (then (call $f1 (local.get 0) (f64.const 1))) (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))\n");
        wat.append("(func $odd (param i32) (result i64) (if (result i64) (i32.eqz (local.get 0))")
                .append(" (then (call $f2 (local.get 0) (f64.const 1))) (else (call $even (i32.sub (local.get 0) (i32.const 1))))))\n");
        byte[] source = wat.append(')').toString().getBytes(StandardCharsets.UTF_8);
        byte[] serial = Module.compile(Engine.builder().compileOptions(new CompileOptions(false, 1, 0)).build(), source)
                .serialize();
        for (int run = 0; run < 3; run++) {
            byte[] parallel = Module.compile(Engine.builder().compileOptions(new CompileOptions(false, 4, 0)).build(),
                    source).serialize();
            // the options are recorded in the artifact: compare the code and everything but that field
            assertArrayEquals(stripOptions(serial), stripOptions(parallel), "run " + run);
        }
        byte[] again = Module.compile(Engine.builder().compileOptions(new CompileOptions(false, 1, 0)).build(), source)
                .serialize();
        assertArrayEquals(serial, again);
    }

    /**
     * The artifact with the recorded parallelism zeroed (it is the only field that differs), and so the
     * CRC32C of the {@code .kiln.checksum} trailer (its last 4 bytes) too.
     */
    private static byte[] stripOptions(byte[] artifact) {
        byte[] copy = artifact.clone();
        java.util.Arrays.fill(copy, copy.length - 4, copy.length, (byte) 0);
        byte[] magic = "KILNMETA".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + magic.length < copy.length; i++) {
            boolean match = true;
            for (int k = 0; k < magic.length && match; k++) {
                match = copy[i + k] == magic[k];
            }
            if (match) {
                // magic, u32 version, u32 machine, u64 features, u32 verifyIr, u32 parallelism
                int p = i + magic.length + 4 + 4 + 8 + 4;
                for (int k = 0; k < 4; k++) {
                    copy[p + k] = 0;
                }
                return copy;
            }
        }
        throw new AssertionError("no .kiln.meta in the artifact");
    }
}
