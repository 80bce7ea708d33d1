package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.compiler.ir.Cond;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A comparison needed as a value and by a branch right after it (x86-64: {@code setl al; movzx eax,
 * al; jge}, the branch reading the comparison's flags): every condition, of i32 and i64, against a
 * register and a constant, on edge values; the branch and the value are both checked against the
 * condition evaluated in Java.
 */
class MaterializedConditionTest {
    private static final long[] VALUES = {0, 1, -1, 2, 0x7fffffffL, Integer.MIN_VALUE, 0xffffffffL, Long.MAX_VALUE,
            Long.MIN_VALUE, 100, -100};

    @Test
    void aComparisonUsedAsAValueAndByABranch() {
        StringBuilder wat = new StringBuilder("(module\n");
        for (String t : new String[] {"i32", "i64"}) {
            for (Cond c : Cond.values()) {
                for (boolean constant : new boolean[] {false, true}) {
                    String rhs = constant ? "(" + t + ".const 100)" : "(local.get 1)";
                    // 10 * (branch taken) + the value: both must agree with the condition
                    wat.append("(func (export \"").append(t).append(LoadCompareTest.wasmName(c)).append(constant ? "_k" : "_r")
                            .append("\") (param ").append(t).append(' ').append(t).append(") (result i32) (local $c i32) (local $r i32)\n")
                            .append("  (local.set $c (").append(t).append('.').append(LoadCompareTest.wasmName(c)).append(" (local.get 0) ")
                            .append(rhs).append("))\n")
                            .append("  (if (local.get $c) (then (local.set $r (i32.const 10))))\n")
                            .append("  (i32.add (local.get $r) (local.get $c)))\n");
                }
            }
        }
        wat.append(")");
        try (Store store = new Store(Engine.create())) {
            Instance instance = Instance.create(store, Module.compile(store.engine(), wat.toString().getBytes(StandardCharsets.UTF_8)));
            int checked = 0;
            for (String t : new String[] {"i32", "i64"}) {
                boolean wide = t.equals("i64");
                for (Cond c : Cond.values()) {
                    for (boolean constant : new boolean[] {false, true}) {
                        Func f = instance.func(t + LoadCompareTest.wasmName(c) + (constant ? "_k" : "_r"));
                        for (long x : VALUES) {
                            for (long y : VALUES) {
                                long rhs = constant ? 100 : y;
                                boolean expected = c.eval(x, rhs, wide ? 64 : 32);
                                Val[] args = wide ? new Val[] {Val.i64(x), Val.i64(y)} : new Val[] {Val.i32((int) x), Val.i32((int) y)};
                                int got = f.call(args)[0].i32();
                                assertEquals(expected ? 11 : 0, got, t + " " + c + " " + x + ", " + rhs);
                                checked++;
                            }
                        }
                    }
                }
            }
            assertEquals(2 * 10 * 2 * VALUES.length * VALUES.length, checked);
        }
    }
}
