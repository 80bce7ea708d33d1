package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Scalar float arithmetic with an operand loaded from memory, which x86-64 compiles to an operation
 * with a memory operand ({@code mulsd xmm0, [m]}): add, sub, mul and div of f32 and f64 with the load
 * as either operand (only the right one of sub and div can be read from memory), on signed zeros,
 * infinities, NaN, subnormals and ordinary values, each result checked against Java's IEEE 754
 * arithmetic (NaN results only as NaN: Wasm leaves their payload open).
 */
class FloatLoadOperandTest {
    private static final String[] OPS = {"add", "sub", "mul", "div"};
    private static final double[] VALUES = {0.0, -0.0, 1.5, -3.25, 1e308, -1e-310, Double.MIN_VALUE,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 7.0, 1.0 / 3};

    private static DoubleBinaryOperator java(String op, boolean single) {
        return switch (op) {
            case "add" -> single ? (x, y) -> (float) x + (float) y : (x, y) -> x + y;
            case "sub" -> single ? (x, y) -> (float) x - (float) y : (x, y) -> x - y;
            case "mul" -> single ? (x, y) -> (float) x * (float) y : (x, y) -> x * y;
            default -> single ? (x, y) -> (float) x / (float) y : (x, y) -> x / y;
        };
    }

    @Test
    void arithmeticWithAnOperandInMemory() {
        StringBuilder wat = new StringBuilder("(module (memory (export \"mem\") 1)\n");
        for (String t : new String[] {"f32", "f64"}) {
            for (String op : OPS) {
                // the load on the right, then on the left, of an operand passed in a register
                wat.append("(func (export \"").append(t).append(op).append("R\") (param ").append(t).append(") (result ")
                        .append(t).append(") (").append(t).append('.').append(op).append(" (local.get 0) (")
                        .append(t).append(".load offset=16 (i32.const 0))))\n");
                wat.append("(func (export \"").append(t).append(op).append("L\") (param ").append(t).append(") (result ")
                        .append(t).append(") (").append(t).append('.').append(op).append(" (").append(t)
                        .append(".load offset=16 (i32.const 0)) (local.get 0)))\n");
            }
        }
        wat.append(")");
        try (Store store = new Store(Engine.create())) {
            Instance instance = Instance.create(store, Module.compile(store.engine(), wat.toString().getBytes(StandardCharsets.UTF_8)));
            Memory memory = instance.memory("mem");
            int checked = 0;
            for (boolean single : new boolean[] {true, false}) {
                String t = single ? "f32" : "f64";
                for (double inMemory : VALUES) {
                    ByteBuffer bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                    if (single) {
                        bytes.putFloat((float) inMemory);
                    } else {
                        bytes.putDouble(inMemory);
                    }
                    memory.write(16, bytes.array());
                    for (double inRegister : VALUES) {
                        for (String op : OPS) {
                            DoubleBinaryOperator f = java(op, single);
                            for (boolean memoryOnTheRight : new boolean[] {true, false}) {
                                Func func = instance.func(t + op + (memoryOnTheRight ? "R" : "L"));
                                Val arg = single ? Val.f32((float) inRegister) : Val.f64(inRegister);
                                Val result = func.call(arg)[0];
                                double got = single ? result.f32() : result.f64();
                                double expected = memoryOnTheRight ? f.applyAsDouble(inRegister, inMemory)
                                        : f.applyAsDouble(inMemory, inRegister);
                                String what = t + "." + op + (memoryOnTheRight ? " (reg, mem) " : " (mem, reg) ")
                                        + inRegister + ", " + inMemory;
                                if (Double.isNaN(expected)) {
                                    assertTrue(Double.isNaN(got), what + " gave " + got);
                                } else if (single) {
                                    assertEquals(Float.floatToRawIntBits((float) expected), Float.floatToRawIntBits((float) got), what);
                                } else {
                                    assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(got), what);
                                }
                                checked++;
                            }
                        }
                    }
                }
            }
            assertEquals(2 * VALUES.length * VALUES.length * OPS.length * 2, checked);
        }
    }
}
