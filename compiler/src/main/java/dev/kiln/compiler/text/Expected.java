package dev.kiln.compiler.text;

import dev.kiln.abi.ValType;

import java.util.List;

/** One expected result of an {@code assert_return}. Immutable. */
public sealed interface Expected {

    /** The result must equal {@code value} bit for bit (for floats: the raw bits). */
    record Exact(Value value) implements Expected { }

    /** {@code nan:canonical}: a NaN of {@code type} (F32 or F64) with only the top mantissa bit set, either sign. */
    record CanonicalNan(ValType type) implements Expected { }

    /** {@code nan:arithmetic}: a NaN of {@code type} (F32 or F64) with the top mantissa bit set, any payload. */
    record ArithmeticNan(ValType type) implements Expected { }

    /**
     * A {@code v128.const f32x4 ...} or {@code f64x2 ...} pattern with at least one NaN pattern lane.
     *
     * @param laneType F32 or F64
     * @param lanes one pattern per lane (4 or 2): {@link Exact} with a {@link Value.Num}, {@link CanonicalNan}
     *     or {@link ArithmeticNan}
     */
    record V128Lanes(ValType laneType, List<Expected> lanes) implements Expected {
        public V128Lanes {
            lanes = List.copyOf(lanes);
        }
    }

    /** {@code (ref.func)}: any non-null function reference. */
    record AnyRefFunc() implements Expected { }

    /** {@code (ref.extern)}: any non-null external reference. */
    record AnyRefExtern() implements Expected { }

    /** {@code (ref.null)} (Wasm 3.0 scripts): a null reference of any type. */
    record AnyRefNull() implements Expected { }

    /**
     * A result abbreviation of the GC proposal ({@code (ref.i31)}, {@code (ref.struct)},
     * {@code (ref.array)}, {@code (ref.eq)}, {@code (ref.any)}, {@code (ref.host n)}): a non-null
     * reference of that kind. Kiln has no GC references yet, so no value matches it.
     *
     * @param kind the abbreviation's keyword, e.g. {@code ref.struct}
     */
    record AnyRefOf(String kind) implements Expected { }

    /** {@code (either r1 r2 ...)}: any one of the alternatives. */
    record Either(List<Expected> alternatives) implements Expected {
        public Either {
            alternatives = List.copyOf(alternatives);
        }
    }
}
