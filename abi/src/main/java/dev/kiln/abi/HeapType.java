package dev.kiln.abi;

import java.util.Locale;

/**
 * A WebAssembly heap type (spec 3.0 §2.3.3 "Heap Types"; binary §5.3.3): an abstract heap type
 * ({@code func}, {@code extern}, the bottom types {@code nofunc} and {@code noextern}, {@code exn} of
 * exception handling, and the GC heap types {@code any}, {@code eq}, {@code i31}, {@code struct},
 * {@code array}, {@code none}, {@code noexn}) or a concrete type given by its typeidx.
 *
 * <p>A concrete heap type's {@link #typeIndex()} indexes the type section of the module that uses it:
 * two concrete heap types of different modules are compared by the canonical form of their recursive
 * type groups ({@link TypeCanonicalizer}), never by index. Kiln's function references only need the
 * function family ({@code func}, concrete function types, {@code nofunc}) and the extern family
 * ({@code extern}, {@code noextern}); the other abstract types are decoded and validated (subtyping
 * within their hierarchy) so that later features can use them.
 *
 * <p>Immutable and thread-safe; equality is structural.
 *
 * @param kind      which heap type; {@link Kind#CONCRETE} for a typeidx
 * @param typeIndex the typeidx of a concrete heap type, else -1
 */
public record HeapType(Kind kind, int typeIndex) {
    /** The kinds of heap types: the abstract ones with their binary byte, and {@link #CONCRETE}. */
    public enum Kind {
        /** {@code func}, binary {@code 0x70}: every function reference. */
        FUNC(0x70),
        /** {@code extern}, binary {@code 0x6F}: every host reference. */
        EXTERN(0x6F),
        /** {@code exn}, binary {@code 0x69}: exception references (exception handling). */
        EXN(0x69),
        /** {@code any}, binary {@code 0x6E}: the top of the GC hierarchy. */
        ANY(0x6E),
        /** {@code eq}, binary {@code 0x6D}. */
        EQ(0x6D),
        /** {@code i31}, binary {@code 0x6C}. */
        I31(0x6C),
        /** {@code struct}, binary {@code 0x6B}. */
        STRUCT(0x6B),
        /** {@code array}, binary {@code 0x6A}. */
        ARRAY(0x6A),
        /** {@code none}, binary {@code 0x71}: the bottom of the GC hierarchy. */
        NONE(0x71),
        /** {@code nofunc}, binary {@code 0x73}: the bottom of the function hierarchy. */
        NOFUNC(0x73),
        /** {@code noextern}, binary {@code 0x72}: the bottom of the extern hierarchy. */
        NOEXTERN(0x72),
        /** {@code noexn}, binary {@code 0x74}: the bottom of the exception hierarchy. */
        NOEXN(0x74),
        /** A concrete type, binary: its typeidx as a non-negative s33. */
        CONCRETE(-1);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        /** The abstract heap type's byte in the binary format; -1 for {@link #CONCRETE}. */
        public int code() {
            return code;
        }
    }

    /** {@code func}. */
    public static final HeapType FUNC = new HeapType(Kind.FUNC, -1);
    /** {@code extern}. */
    public static final HeapType EXTERN = new HeapType(Kind.EXTERN, -1);
    /** {@code nofunc}. */
    public static final HeapType NOFUNC = new HeapType(Kind.NOFUNC, -1);
    /** {@code noextern}. */
    public static final HeapType NOEXTERN = new HeapType(Kind.NOEXTERN, -1);

    /**
     * @throws IllegalArgumentException if a concrete type has a negative index or an abstract one an
     *                                  index other than -1
     */
    public HeapType {
        java.util.Objects.requireNonNull(kind, "kind");
        if (kind == Kind.CONCRETE ? typeIndex < 0 : typeIndex != -1) {
            throw new IllegalArgumentException("heap type " + kind + " with type index " + typeIndex);
        }
    }

    /** The abstract heap type {@code kind} (not {@link Kind#CONCRETE}). */
    public static HeapType of(Kind kind) {
        return new HeapType(kind, -1);
    }

    /** The concrete heap type of typeidx {@code typeIndex} (non-negative). */
    public static HeapType concrete(int typeIndex) {
        return new HeapType(Kind.CONCRETE, typeIndex);
    }

    /**
     * The abstract heap type whose binary byte is {@code code}, or {@code null} if none is.
     *
     * @param code a byte of the binary format, 0..255
     */
    public static HeapType fromCode(int code) {
        for (Kind k : Kind.values()) {
            if (k.code == code) {
                return of(k);
            }
        }
        return null;
    }

    /** Whether this is a concrete type index. */
    public boolean isConcrete() {
        return kind == Kind.CONCRETE;
    }

    /**
     * The top of this heap type's hierarchy: {@code func} for function types (concrete types are
     * function types until the GC proposal adds others), {@code extern}, {@code exn} or {@code any}.
     */
    public Kind top() {
        return switch (kind) {
            case FUNC, NOFUNC, CONCRETE -> Kind.FUNC;
            case EXTERN, NOEXTERN -> Kind.EXTERN;
            case EXN, NOEXN -> Kind.EXN;
            case ANY, EQ, I31, STRUCT, ARRAY, NONE -> Kind.ANY;
        };
    }

    /** The bottom of this heap type's hierarchy: {@code nofunc}, {@code noextern}, {@code noexn} or {@code none}. */
    public Kind bottom() {
        return switch (top()) {
            case FUNC -> Kind.NOFUNC;
            case EXTERN -> Kind.NOEXTERN;
            case EXN -> Kind.NOEXN;
            default -> Kind.NONE;
        };
    }

    /** The text form: {@code func}, {@code extern}, ... or the typeidx of a concrete type. */
    @Override
    public String toString() {
        return kind == Kind.CONCRETE ? Integer.toString(typeIndex) : kind.name().toLowerCase(Locale.ROOT);
    }
}
