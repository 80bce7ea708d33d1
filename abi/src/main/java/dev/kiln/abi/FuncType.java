package dev.kiln.abi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A WebAssembly function type {@code [params] -> [results]} (spec 3.0 §2.3.6 "Function Types").
 *
 * <p>A function type has two views. {@link #params()} and {@link #results()} are the machine-level
 * {@link ValType}s (every reference a pointer: {@link ValType#FUNCREF} or {@link ValType#EXTERNREF}),
 * which is all the calling convention and a host function's {@code Val}s need. {@link #paramTypes()}
 * and {@link #resultTypes()} are the precise {@link ValueType}s, including typed references such as
 * {@code (ref $t)} or {@code (ref null func)}; for a type built from {@link ValType}s only they are the
 * same types ({@link ValueType#of(ValType)}).
 *
 * <p>Immutable and thread-safe. Equality is structural over the precise types: two types are equal
 * when their parameters and results are equal {@link ValueType}s (a concrete heap type compares by its
 * module-relative typeidx; compare types of different modules with {@link TypeCanonicalizer}).
 */
public final class FuncType {
    private final List<ValType> params;
    private final List<ValType> results;
    private final List<ValueType> paramTypes;
    private final List<ValueType> resultTypes;

    /**
     * A function type of machine-level types (as in Wasm 2.0: {@code funcref} and {@code externref}
     * for references).
     *
     * @param params  parameter types, in order
     * @param results result types, in order (multi-value allows more than one)
     * @throws NullPointerException if a list or an element is {@code null}
     */
    public FuncType(List<ValType> params, List<ValType> results) {
        this.params = List.copyOf(params);
        this.results = List.copyOf(results);
        this.paramTypes = precise(this.params);
        this.resultTypes = precise(this.results);
    }

    private FuncType(List<ValType> params, List<ValType> results, List<ValueType> paramTypes,
                     List<ValueType> resultTypes) {
        this.params = params;
        this.results = results;
        this.paramTypes = paramTypes;
        this.resultTypes = resultTypes;
    }

    /** Convenience factory: {@code FuncType.of(List.of(I32, I32), List.of(I64))}. */
    public static FuncType of(List<ValType> params, List<ValType> results) {
        return new FuncType(params, results);
    }

    /**
     * A function type of precise types, e.g. {@code ofPrecise(List.of(RefType.concrete(false, 0)), List.of())}
     * for {@code (func (param (ref 0)))}.
     *
     * @throws NullPointerException if a list or an element is {@code null}
     */
    public static FuncType ofPrecise(List<? extends ValueType> params, List<? extends ValueType> results) {
        List<ValueType> p = normalize(params);
        List<ValueType> r = normalize(results);
        return new FuncType(machine(p), machine(r), p, r);
    }

    private static List<ValueType> precise(List<ValType> ts) {
        List<ValueType> out = new ArrayList<>(ts.size());
        for (ValType t : ts) {
            out.add(ValueType.of(t));
        }
        return List.copyOf(out);
    }

    private static List<ValueType> normalize(List<? extends ValueType> ts) {
        List<ValueType> out = new ArrayList<>(ts.size());
        for (ValueType t : ts) {
            out.add(Objects.requireNonNull(t, "value type").normalized());
        }
        return List.copyOf(out);
    }

    private static List<ValType> machine(List<ValueType> ts) {
        List<ValType> out = new ArrayList<>(ts.size());
        for (ValueType t : ts) {
            out.add(t.machineType());
        }
        return List.copyOf(out);
    }

    /** Machine-level parameter types, in order. */
    public List<ValType> params() {
        return params;
    }

    /** Machine-level result types, in order. */
    public List<ValType> results() {
        return results;
    }

    /** Precise parameter types, in order ({@link RefType}s for references, never {@link ValType#FUNCREF}). */
    public List<ValueType> paramTypes() {
        return paramTypes;
    }

    /** Precise result types, in order ({@link RefType}s for references, never {@link ValType#FUNCREF}). */
    public List<ValueType> resultTypes() {
        return resultTypes;
    }

    /** Whether a parameter or result is a reference type other than {@code funcref} and {@code externref}. */
    public boolean hasTypedReferences() {
        return !paramTypes.equals(precise(params)) || !resultTypes.equals(precise(results));
    }

    /** This type with every reference replaced by its machine type ({@code funcref} or {@code externref}). */
    public FuncType erased() {
        return hasTypedReferences() ? new FuncType(params, results) : this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FuncType f && paramTypes.equals(f.paramTypes) && resultTypes.equals(f.resultTypes);
    }

    @Override
    public int hashCode() {
        return paramTypes.hashCode() * 31 + resultTypes.hashCode();
    }

    /** The type in the spec's text notation, e.g. {@code [i32 (ref 0)] -> [i64]}. */
    @Override
    public String toString() {
        return paramTypes.stream().map(Object::toString).collect(Collectors.joining(" ", "[", "]"))
                + " -> "
                + resultTypes.stream().map(Object::toString).collect(Collectors.joining(" ", "[", "]"));
    }
}
