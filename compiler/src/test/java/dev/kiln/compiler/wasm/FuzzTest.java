package dev.kiln.compiler.wasm;

import static dev.kiln.compiler.wasm.Bin.*;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing of decode + validate: whatever the bytes, the only exceptions that may come out
 * are {@link MalformedModuleException} and {@link InvalidModuleException} (never an
 * IndexOutOfBounds, NegativeArraySize, OutOfMemory or other JVM error). Deterministic seed.
 */
class FuzzTest {

    static List<byte[]> seeds() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(module(
                section(1, vec(functype(t(I32, I32), t(I32)), functype(t(), t()))),
                section(2, vec(cat(name("env"), name("f"), b(0x00), u32(1)),
                        cat(name("env"), name("g"), b(0x03, I32, 0x00)))),
                section(3, vec(u32(0), u32(1))),
                section(4, vec(b(FUNCREF, 0x00, 0x02))),
                section(5, vec(b(0x01, 0x01, 0x02))),
                section(6, vec(cat(b(I32, 1), b(0x23, 0x00, END)))),
                section(7, vec(cat(name("add"), b(0x00), u32(1)))),
                section(8, u32(2)),
                section(9, vec(cat(u32(0), b(0x41, 0x00, END), vec(u32(1), u32(2))),
                        cat(u32(5), b(FUNCREF), vec(b(0xD2, 0x00, END))))),
                section(12, u32(2)),
                section(10, vec(
                        body(vec(cat(u32(1), b(I64))), b(0x20, 0x00, 0x20, 0x01, 0x6A, 0x02, 0x7F, 0x41, 0x05,
                                0x0C, 0x00, 0x0B, 0x6A, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0B, END)),
                        body(noLocals(), b(0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xFC, 0x08, 0x00, 0x00,
                                0xFC, 0x09, 0x01, 0x41, 0x00, 0x28, 0x02, 0x04, 0xFD, 0x11, 0xFD, 0x1B, 0x01,
                                0x6A, 0x1A, 0x41, 0x00, 0x0E, 0x02, 0x00, 0x00, 0x00, END)))),
                section(11, vec(cat(u32(0), b(0x41, 0x00, END), vec(b(1), b(2))), cat(u32(1), vec(b(3))))),
                section(0, name("name"), b(1, 7, 1, 0, 4, 'm', 'a', 'i', 'n'))));
        Path suite = TestSuiteFiles.suite20();
        if (suite != null) {
            for (WastBinaryModules.Case c : WastBinaryModules.load(suite)) {
                if (c.kind() == WastBinaryModules.Kind.MODULE && c.bytes().length > 8) {
                    seeds.add(c.bytes());
                }
            }
        }
        return seeds;
    }

    @Test
    void mutatedAndTruncatedModulesOnlyGiveWasmErrors() throws IOException {
        List<byte[]> seeds = seeds();
        Random rnd = new Random(0x6B696C6EL);
        int runs = 0;
        for (byte[] seed : seeds) {
            for (int cut = 0; cut <= seed.length; cut += Math.max(1, seed.length / 64)) {
                run(Arrays.copyOf(seed, cut));
                runs++;
            }
            for (int k = 0; k < 300; k++) {
                byte[] m = seed.clone();
                int edits = 1 + rnd.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = 8 + rnd.nextInt(Math.max(1, m.length - 8));
                    if (at >= m.length) {
                        continue;
                    }
                    switch (rnd.nextInt(4)) {
                        case 0 -> m[at] = (byte) rnd.nextInt(256);
                        case 1 -> m[at] ^= (byte) (1 << rnd.nextInt(8));
                        case 2 -> m[at] = (byte) (rnd.nextBoolean() ? 0xFF : 0x80);
                        default -> m = Arrays.copyOf(m, at);
                    }
                }
                run(m);
                runs++;
            }
        }
        System.out.println("fuzz runs: " + runs);
    }

    private static void run(byte[] bytes) {
        try {
            WasmModule m = ModuleDecoder.decode(bytes);
            Validator.validate(m, bytes);
        } catch (MalformedModuleException | InvalidModuleException e) {
            // expected
        } catch (Throwable t) {
            fail("unexpected " + t + " on " + hex(bytes), t);
        }
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte x : bytes) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }
}
