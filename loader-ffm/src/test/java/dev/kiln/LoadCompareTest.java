package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.compiler.ir.Cond;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Loads compared with constants and loads used as conditions, which x86-64 compiles to a compare
 * with memory ({@code cmp byte [m], 0x80}) without loading: every load width and extension of Wasm,
 * every comparison, constants at and beyond the edges of each loaded range, and memory holding
 * the values at those edges; each result is checked against the comparison evaluated in Java.
 */
class LoadCompareTest {
    /** A Wasm load: its instruction, value type, loaded bytes and whether it sign-extends. */
    private record Load(String op, String type, int bytes, boolean signed) {
        long extend(long raw) {
            long v = bytes == 8 ? raw : raw & ((1L << (8 * bytes)) - 1);
            if (signed && bytes < 8) {
                int shift = 64 - 8 * bytes;
                v = v << shift >> shift;
            }
            return type.equals("i32") ? (int) v : v;
        }
    }

    private static final List<Load> LOADS = List.of(
            new Load("i32.load8_u", "i32", 1, false), new Load("i32.load8_s", "i32", 1, true),
            new Load("i32.load16_u", "i32", 2, false), new Load("i32.load16_s", "i32", 2, true),
            new Load("i32.load", "i32", 4, false),
            new Load("i64.load8_u", "i64", 1, false), new Load("i64.load8_s", "i64", 1, true),
            new Load("i64.load16_u", "i64", 2, false), new Load("i64.load16_s", "i64", 2, true),
            new Load("i64.load32_u", "i64", 4, false), new Load("i64.load32_s", "i64", 4, true),
            new Load("i64.load", "i64", 8, false));

    private static final long[] CONSTANTS = {0, 1, -1, 0x7f, 0x80, 0xff, 0x100, -0x80, -0x81, 0x7fff, 0x8000,
            0xffff, 0x10000, -0x8000, -0x8001, 0x7fffffffL, Integer.MIN_VALUE, 0xffffffffL, 0x100000000L};

    private static final long[] MEMORY = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffffL,
            0x80000000L, 0xffffffffL, 0x1_0000_0080L, -1L, Long.MIN_VALUE, 0x2a};

    /** The Wasm name of comparison {@code c} ({@code lt_s}, ...), after {@code i32.} or {@code i64.}. */
    static String wasmName(Cond c) {
        return switch (c) {
            case EQ -> "eq";
            case NE -> "ne";
            case SLT -> "lt_s";
            case ULT -> "lt_u";
            case SGT -> "gt_s";
            case UGT -> "gt_u";
            case SLE -> "le_s";
            case ULE -> "le_u";
            case SGE -> "ge_s";
            case UGE -> "ge_u";
        };
    }

    @Test
    void comparisonsOfLoadsWithConstantsAndLoadsAsConditions() {
        StringBuilder wat = new StringBuilder("(module (memory (export \"mem\") 1)\n");
        List<String> names = new ArrayList<>();
        List<long[]> cases = new ArrayList<>(); // {load index, cond ordinal or -1 (brif) or -2 (select), constant}
        for (int l = 0; l < LOADS.size(); l++) {
            Load load = LOADS.get(l);
            String read = "(" + load.op() + " offset=8 (local.get 0))";
            for (Cond c : Cond.values()) {
                for (long k : CONSTANTS) {
                    long constant = load.type().equals("i32") ? (int) k : k;
                    String name = "f" + names.size();
                    // the compare feeds an if (a fused branch) in one function, a value in the next
                    wat.append("(func (export \"").append(name).append("\") (param i32) (result i32)\n")
                            .append("  (if (result i32) (").append(load.type()).append('.').append(wasmName(c))
                            .append(' ').append(read).append(" (").append(load.type()).append(".const ")
                            .append(constant).append(")) (then (i32.const 1)) (else (i32.const 0))))\n");
                    names.add(name);
                    cases.add(new long[] {l, c.ordinal(), constant});
                }
            }
            String name = "f" + names.size();
            String condition = load.type().equals("i64") ? "(i64.ne " + read + " (i64.const 0))" : read;
            wat.append("(func (export \"").append(name).append("\") (param i32) (result i32)\n")
                    .append("  (if (result i32) ").append(condition).append(" (then (i32.const 1)) (else (i32.const 0))))\n");
            names.add(name);
            cases.add(new long[] {l, -1, 0});
            if (load.type().equals("i32")) {
                name = "f" + names.size();
                wat.append("(func (export \"").append(name).append("\") (param i32) (result i32)\n")
                        .append("  (select (i32.const 1) (i32.const 0) ").append(read).append("))\n");
                names.add(name);
                cases.add(new long[] {l, -2, 0});
            }
        }
        wat.append(")");
        try (Store store = new Store(Engine.create())) {
            Instance instance = Instance.create(store, Module.compile(store.engine(), wat.toString().getBytes(StandardCharsets.UTF_8)));
            Memory memory = instance.memory("mem");
            int checked = 0;
            for (long raw : MEMORY) {
                byte[] bytes = new byte[8];
                for (int i = 0; i < 8; i++) {
                    bytes[i] = (byte) (raw >>> (8 * i));
                }
                memory.write(100 + 8, bytes);
                for (int n = 0; n < names.size(); n++) {
                    long[] c = cases.get(n);
                    Load load = LOADS.get((int) c[0]);
                    long value = load.extend(raw);
                    boolean expected = c[1] < 0 ? value != 0
                            : Cond.values()[(int) c[1]].eval(value, c[2], load.type().equals("i32") ? 32 : 64);
                    int got = instance.func(names.get(n)).call(Val.i32(100))[0].i32();
                    assertEquals(expected ? 1 : 0, got, () -> load.op() + " of 0x" + Long.toHexString(raw) + " "
                            + (c[1] == -1 ? "as a condition" : c[1] == -2 ? "in a select" : Cond.values()[(int) c[1]]
                            + " " + c[2]));
                    checked++;
                }
            }
            assertEquals(MEMORY.length * names.size(), checked);
        }
    }
}
