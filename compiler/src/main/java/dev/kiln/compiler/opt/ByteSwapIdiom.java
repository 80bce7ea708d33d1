package dev.kiln.compiler.opt;

import dev.kiln.compiler.ir.Inst;
import dev.kiln.compiler.ir.IrType;
import dev.kiln.compiler.ir.Op;
import dev.kiln.compiler.ir.Value;

/**
 * Recognizes byte swaps written with shifts, byte masks and ors, the form every Wasm producer emits
 * for a big-endian load or {@code __builtin_bswap32/64} (Wasm has no byte-swap instruction), e.g.
 * {@code (x << 24) | ((x & 0xff00) << 8) | ((x >> 8) & 0xff00) | (x >> 24)}.
 *
 * <p>The analysis follows LLVM's {@code recognizeBSwapOrBitReverseIdiom} at byte granularity: for
 * each byte of a value it computes where the byte comes from (a byte of one source value, or zero)
 * through {@code bor}, {@code band} with a constant whose bytes are each {@code 0x00} or
 * {@code 0xff}, {@code ishl}/{@code ushr}/{@code rotl}/{@code rotr} by a constant multiple of 8, and
 * {@code bswap}. A value whose bytes are those of {@code bswap s}, shifted by whole bytes and with some
 * bytes cleared, is rewritten as {@code bswap s}, then one shift, then one {@code band}, when that
 * takes fewer instructions than the tree it replaces. The instructions of the tree are left to
 * dead-code elimination. i32 and i64 only. Stateless and thread-safe.
 */
final class ByteSwapIdiom {
    private ByteSwapIdiom() {
    }

    /** A byte that is known to be zero. */
    private static final int ZERO = -1;
    /** How deep the analysis looks through operands. */
    private static final int MAX_DEPTH = 10;
    /** How many operands it looks at from one root (a 64-bit swap has about 30). */
    private static final int MAX_NODES = 64;

    /**
     * A rewrite: {@code bswap source}, then shifted right by {@code shiftBytes} bytes (left when
     * negative), then masked with {@code mask} when {@code masked}.
     */
    record Plan(Value source, int shiftBytes, boolean masked, long mask) {
        /** Instructions the rewrite takes, constants not counted. */
        int cost() {
            return 1 + (shiftBytes != 0 ? 1 : 0) + (masked ? 1 : 0);
        }
    }

    /** Where each byte of a value comes from, and how many instructions the tree for it has. */
    private record Bytes(Value source, int[] from, int ops) {
    }

    /**
     * The rewrite of {@code inst} (an i32 or i64 {@code bor}, shift or rotate), or {@code null} when its
     * bytes are not a byte swap of one value or the rewrite would not be shorter.
     */
    static Plan match(Inst inst) {
        IrType t = inst.result().type();
        if (t != IrType.I32 && t != IrType.I64) {
            return null;
        }
        int w = t.bits() / 8;
        Bytes b = analyse(inst.result(), t, w, 0, new int[] {MAX_NODES});
        if (b.ops() == 0) {
            return null;
        }
        int[] p = b.from();
        Integer s = null;
        int kept = 0;
        for (int i = 0; i < w; i++) {
            if (p[i] == ZERO) {
                continue;
            }
            kept++;
            int si = w - 1 - i - p[i];
            if (s == null) {
                s = si;
            } else if (s != si) {
                return null;
            }
        }
        if (kept < 2) {
            return null; // one byte or none: a shift and a mask already
        }
        long mask = 0;
        boolean masked = false;
        for (int i = 0; i < w; i++) {
            int src = w - 1 - i - s; // the byte of the source that the shifted bswap puts here
            boolean shiftedIn = src >= 0 && src < w;
            if (p[i] != ZERO) {
                mask |= 0xFFL << (8 * i);
            } else if (shiftedIn) {
                masked = true;
            }
        }
        Plan plan = new Plan(b.source(), s, masked, OptUtil.canon(t, mask));
        return plan.cost() < b.ops() ? plan : null;
    }

    private static Bytes leaf(Value v, int w) {
        int[] p = new int[w];
        for (int i = 0; i < w; i++) {
            p[i] = i;
        }
        return new Bytes(v, p, 0);
    }

    private static Bytes analyse(Value v, IrType t, int w, int depth, int[] budget) {
        v = v.resolve();
        Inst d = v.definingInst();
        if (d == null || depth > MAX_DEPTH || --budget[0] < 0 || d.resultCount() != 1 || d.result().type() != t) {
            return leaf(v, w);
        }
        int bits = 8 * w;
        switch (d.op()) {
            case BOR -> {
                Bytes a = analyse(d.arg(0), t, w, depth + 1, budget);
                Bytes b = analyse(d.arg(1), t, w, depth + 1, budget);
                if (a.source() != b.source()) {
                    return leaf(v, w); // two sources
                }
                int[] p = new int[w];
                for (int i = 0; i < w; i++) {
                    if (a.from()[i] == ZERO) {
                        p[i] = b.from()[i];
                    } else if (b.from()[i] == ZERO) {
                        p[i] = a.from()[i];
                    } else {
                        return leaf(v, w); // both sides may set the byte
                    }
                }
                return new Bytes(a.source(), p, a.ops() + b.ops() + 1);
            }
            case BAND -> {
                if (!OptUtil.isIconst(d.arg(1))) {
                    return leaf(v, w);
                }
                long c = OptUtil.iconst(d.arg(1));
                Bytes a = analyse(d.arg(0), t, w, depth + 1, budget);
                int[] p = new int[w];
                for (int i = 0; i < w; i++) {
                    int m = (int) (c >>> (8 * i)) & 0xFF;
                    if (m != 0 && m != 0xFF) {
                        return leaf(v, w);
                    }
                    p[i] = m == 0 ? ZERO : a.from()[i];
                }
                return new Bytes(a.source(), p, a.ops() + 1);
            }
            case ISHL, USHR, ROTL, ROTR -> {
                if (!OptUtil.isIconst(d.arg(1))) {
                    return leaf(v, w);
                }
                int k = (int) (OptUtil.iconst(d.arg(1)) & (bits - 1));
                if (k % 8 != 0) {
                    return leaf(v, w);
                }
                int n = k / 8;
                Bytes a = analyse(d.arg(0), t, w, depth + 1, budget);
                int[] p = new int[w];
                for (int i = 0; i < w; i++) {
                    int j = switch (d.op()) {
                        case ISHL -> i - n;
                        case USHR -> i + n;
                        case ROTL -> Math.floorMod(i - n, w);
                        default -> Math.floorMod(i + n, w);
                    };
                    p[i] = j < 0 || j >= w ? ZERO : a.from()[j];
                }
                return new Bytes(a.source(), p, a.ops() + 1);
            }
            case BSWAP -> {
                Bytes a = analyse(d.arg(0), t, w, depth + 1, budget);
                int[] p = new int[w];
                for (int i = 0; i < w; i++) {
                    p[i] = a.from()[w - 1 - i];
                }
                return new Bytes(a.source(), p, a.ops() + 1);
            }
            default -> {
                return leaf(v, w);
            }
        }
    }
}
