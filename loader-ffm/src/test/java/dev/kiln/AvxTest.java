package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CpuFeature;
import dev.kiln.abi.Target;
import dev.kiln.abi.elf.ElfReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * AVX on x86-64: code compiled with AVX/AVX2 (VEX encodings, three-operand forms, broadcasts) records
 * them in the artifact only where it uses them, computes what the SSE4.1 code computes, and an
 * artifact needing a feature the host lacks is refused at load with a clear error.
 */
class AvxTest {
    private static final String WAT = """
            (module
              (func (export "saxpy") (param $a f32) (param $x v128) (param $y v128) (result v128)
                (f32x4.add (f32x4.mul (f32x4.splat (local.get $a)) (local.get $x)) (local.get $y)))
              (func (export "below") (param $b i32) (param $x v128) (result i32)
                (i8x16.bitmask (i8x16.lt_u (local.get $x) (i8x16.splat (local.get $b)))))
              (func (export "mix") (param $x v128) (param $y v128) (param $k i32) (result v128)
                (i64x2.mul (i16x8.add (local.get $x) (i16x8.splat (local.get $k)))
                           (i32x4.shl (i32x4.replace_lane 1 (local.get $y) (local.get $k)) (i32.const 3))))
              (func (export "poly") (param $x f64) (param $y f64) (result f64)
                (f64.add (f64.mul (f64.sub (local.get $x) (f64.const 0.25)) (local.get $y))
                         (f64.div (local.get $y) (local.get $x))))
              (func (export "int") (param $x i32) (result i32) (i32.mul (local.get $x) (i32.const 7))))
            """;

    private static final String INTEGER_ONLY = """
            (module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
            """;

    private static boolean hostHasAvx2() {
        Set<CpuFeature> host = CpuFeature.host();
        return Target.host() == Target.X86_64 && host.contains(CpuFeature.AVX) && host.contains(CpuFeature.AVX2);
    }

    private static Set<CpuFeature> withoutAvx() {
        Set<CpuFeature> f = EnumSet.noneOf(CpuFeature.class);
        f.addAll(CpuFeature.host());
        f.remove(CpuFeature.AVX);
        f.remove(CpuFeature.AVX2);
        return f;
    }

    private static Engine engine(Set<CpuFeature> features) {
        return Engine.builder().compileOptions(CompileOptions.defaults().withVerifyIr(true).withCpuFeatures(features))
                .build();
    }

    private static long recorded(Module m) throws IOException {
        byte[] artifact = m.serialize();
        return ArtifactMetadata.decode(ElfReader.parse(artifact, "t").sectionBytes(ArtifactMetadata.SECTION), "t")
                .cpuFeatures();
    }

    /** Every export of {@link #WAT} over a few inputs, results as text. */
    private static List<String> run(Engine engine) {
        List<String> out = new ArrayList<>();
        try (Store store = new Store(engine)) {
            Instance in = Instance.create(store, Module.compile(engine, WAT.getBytes()));
            long[][] vs = {{0, 0}, {0x3F80_0000_4000_0000L, 0xC040_0000_7F80_0000L}, {0x0102_0304_8090_A0B0L, -1L},
                {0x7FC0_0000_0000_0001L, 0x8000_0000_4120_0000L}};
            int[] ks = {0, 1, -7, 0x12345};
            for (long[] x : vs) {
                for (long[] y : vs) {
                    for (int k : ks) {
                        Val vx = Val.v128(x[0], x[1]);
                        Val vy = Val.v128(y[0], y[1]);
                        Val r = in.func("saxpy").call(Val.f32(k * 0.5f), vx, vy)[0];
                        out.add(Long.toHexString(r.v128Low()) + ":" + Long.toHexString(r.v128High()));
                        out.add(Integer.toString(in.func("below").call(Val.i32(k), vx)[0].i32()));
                        Val m = in.func("mix").call(vx, vy, Val.i32(k))[0];
                        out.add(Long.toHexString(m.v128Low()) + ":" + Long.toHexString(m.v128High()));
                    }
                }
            }
            for (double x : new double[] {1, -2.5, 1e300, 0.0}) {
                out.add(Double.toString(in.func("poly").call(Val.f64(x), Val.f64(3.0))[0].f64()));
            }
            out.add(Integer.toString(in.func("int").call(Val.i32(6))[0].i32()));
        }
        return out;
    }

    @Test
    void vexCodeComputesWhatSseCodeComputes() {
        assumeTrue(hostHasAvx2(), "this machine has no AVX2: only the SSE4.1 code can run here");
        List<String> avx = run(engine(CpuFeature.host()));
        List<String> sse = run(engine(withoutAvx()));
        assertEquals(sse, avx);
        // spot checks against values worked out by hand
        assertEquals("42", avx.getLast());
        assertEquals("0:0", avx.getFirst()); // 0 * 0 + 0 in every lane
        assertEquals(Double.toString((1 - 0.25) * 3 + 3.0 / 1), avx.get(avx.size() - 5));
    }

    /**
     * 40 vectors live at once, combined into 40 more that stay live too, far more than the 16 xmm
     * registers: the three-operand forms meet split and spilled live ranges (reloads, spill stores of
     * their destinations); the digest must be the SSE4.1 code's.
     */
    @Test
    void threeOperandFormsUnderRegisterPressure() {
        assumeTrue(hostHasAvx2(), "this machine has no AVX2");
        int n = 40;
        StringBuilder sb = new StringBuilder("(module (func (export \"p\") (param $x v128) (result i64)\n");
        for (int k = 0; k < 2 * n; k++) {
            sb.append("  (local $v").append(k).append(" v128)\n");
        }
        sb.append("  (local $d v128)\n");
        for (int k = 0; k < n; k++) {
            sb.append("  (local.set $v").append(k).append(" (i32x4.mul (local.get $x) (v128.const i32x4 ").append(k + 3)
                    .append(' ').append(7 * k + 1).append(' ').append(-k).append(' ').append(k * k).append(")))\n");
        }
        for (int k = 0; k < n; k++) {
            sb.append("  (local.set $v").append(n + k).append(" (f32x4.sub (local.get $v").append(k)
                    .append(") (i32x4.sub (local.get $v").append((k * 7 + 3) % n).append(") (local.get $v")
                    .append((k * 13 + 5) % n).append("))))\n");
        }
        sb.append("  (local.set $d (local.get $v0))\n");
        for (int k = 1; k < 2 * n; k++) {
            sb.append("  (local.set $d (v128.xor (i8x16.shuffle 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 0 (local.get $d)")
                    .append(" (local.get $d)) (local.get $v").append(k).append(")))\n");
        }
        sb.append("  (i64.add (i64x2.extract_lane 0 (local.get $d)) (i64x2.extract_lane 1 (local.get $v")
                .append(2 * n - 1).append(")))))");
        String wat = sb.toString();
        long[] digests = new long[2];
        int i = 0;
        for (Set<CpuFeature> f : List.of(CpuFeature.host(), withoutAvx())) {
            Engine e = engine(f);
            try (Store store = new Store(e)) {
                Instance in = Instance.create(store, Module.compile(e, wat.getBytes()));
                digests[i++] = in.func("p").call(Val.v128(0x0123_4567_89AB_CDEFL, 0x0F1E_2D3C_4B5A_6978L))[0].i64();
            }
        }
        assertEquals(digests[1], digests[0]);
    }

    /**
     * A v128 load folded into the packed operation that uses it ({@code vpaddd x, x, [m]}) reads
     * unaligned addresses and the last 16 bytes of memory like the SSE4.1 code's separate load, and an
     * access running past the end traps there (the guard-page fault is the folded instruction's) with
     * the function in the backtrace.
     */
    @Test
    void foldedLoadsReadUnalignedMemoryAndTrapAtItsEnd() {
        assumeTrue(hostHasAvx2(), "this machine has no AVX2");
        String wat = """
                (module
                  (memory 1)
                  (data (i32.const 0) "\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f\\10\\11\\12\\13\\14")
                  (data (i32.const 65516) "\\f1\\f2\\f3\\f4\\f5\\f6\\f7\\f8\\f9\\fa\\fb\\fc\\fd\\fe\\ff\\80\\81\\82\\83\\84")
                  (func (export "add") (param $p i32) (param $x v128) (result v128)
                    (i32x4.add (v128.load (local.get $p)) (local.get $x)))
                  (func (export "sub") (param $p i32) (param $x v128) (result v128)
                    (i8x16.sub (local.get $x) (v128.load offset=3 (local.get $p))))
                  (func (export "mul") (param $p i32) (param $q i32) (result v128)
                    (f32x4.mul (v128.load (local.get $p)) (v128.load (local.get $q)))))
                """;
            int[] addresses = {0, 1, 3, 7, 65504, 65517, 65520};
            List<List<String>> results = new ArrayList<>();
            for (Set<CpuFeature> f : List.of(CpuFeature.host(), withoutAvx())) {
                Engine e = engine(f);
                List<String> out = new ArrayList<>();
                try (Store store = new Store(e)) {
                    Instance in = Instance.create(store, Module.compile(e, wat.getBytes()));
                    Val x = Val.v128(0x0102_0304_0506_0708L, 0x7F80_0001_FFFF_FFFFL);
                    for (int p : addresses) {
                        Val a = in.func("add").call(Val.i32(p), x)[0];
                        Val s = in.func("sub").call(Val.i32(Math.min(p, 65517)), x)[0]; // reads p + 3 ... p + 18
                        Val m = in.func("mul").call(Val.i32(p), Val.i32(65520 - p))[0];
                        out.add(p + ": " + Long.toHexString(a.v128Low()) + ":" + Long.toHexString(a.v128High()) + " "
                                + Long.toHexString(s.v128Low()) + ":" + Long.toHexString(s.v128High()) + " "
                                + Long.toHexString(m.v128Low()) + ":" + Long.toHexString(m.v128High()));
                    }
                    for (int p : new int[] {65521, 65535, -1}) {
                        Trap t = assertThrows(Trap.class, () -> in.func("add").call(Val.i32(p), x));
                        assertTrue(t.getMessage().contains("out of bounds memory access"), t.getMessage());
                        t = assertThrows(Trap.class, () -> in.func("sub").call(Val.i32(p - 3), x));
                        assertTrue(t.getMessage().contains("out of bounds memory access"), t.getMessage());
                        assertEquals(1, t.backtrace().frames().get(0).funcIndex(), t.backtrace().toString()); // "sub" itself
                    }
                }
                results.add(out);
            }
            assertEquals(results.get(1), results.get(0));
            // lane 0: 0x04030201 + 0x05060708; lane 2: 0x0c0b0a09 + 0xffffffff wraps
        assertTrue(results.get(0).getFirst().startsWith("0: 909090909090909:8f8f0e0e0c0b0a08 "), results.get(0).getFirst());
        }

    @Test
    void theArtifactRecordsAvxOnlyWhereTheCodeUsesIt() throws IOException {
        assumeTrue(hostHasAvx2(), "this machine has no AVX2");
        long avx = recorded(Module.compile(engine(CpuFeature.host()), WAT.getBytes()));
        assertTrue((avx & CpuFeature.AVX.bit()) != 0, "VEX code records AVX");
        assertTrue((avx & CpuFeature.AVX2.bit()) != 0, "vpbroadcast* records AVX2");
        long sse = recorded(Module.compile(engine(withoutAvx()), WAT.getBytes()));
        assertEquals(0, sse & (CpuFeature.AVX.bit() | CpuFeature.AVX2.bit()), "compiled without AVX: not recorded");
        long integer = recorded(Module.compile(engine(CpuFeature.host()), INTEGER_ONLY.getBytes()));
        assertEquals(0, integer & (CpuFeature.AVX.bit() | CpuFeature.AVX2.bit()), "no xmm instruction: no AVX needed");
    }

    @Test
    void anArtifactNeedingAvx2IsRefusedOnAHostWithoutIt() throws IOException {
        Set<CpuFeature> noAvx2 = EnumSet.of(CpuFeature.SSE4_1, CpuFeature.POPCNT, CpuFeature.AVX);
        long required = CpuFeature.mask(EnumSet.of(CpuFeature.SSE4_1, CpuFeature.AVX, CpuFeature.AVX2));
        ArtifactFormatException e = assertThrows(ArtifactFormatException.class,
                () -> Module.checkCpuFeatures(required, noAvx2, "kernels.kiln"));
        assertTrue(e.getMessage().contains("kernels.kiln") && e.getMessage().contains("[AVX2]")
                && e.getMessage().contains("lacks") && e.getMessage().contains("compile the module again"), e.getMessage());
        Set<CpuFeature> sseOnly = EnumSet.of(CpuFeature.SSE4_1);
        e = assertThrows(ArtifactFormatException.class, () -> Module.checkCpuFeatures(required, sseOnly, "k"));
        assertTrue(e.getMessage().contains("[AVX, AVX2]"), e.getMessage());
        assertDoesNotThrow(() -> Module.checkCpuFeatures(required, EnumSet.allOf(CpuFeature.class), "k"));
        assertThrows(ArtifactFormatException.class, () -> Module.checkCpuFeatures(1L << 62, EnumSet.allOf(CpuFeature.class), "k"));
        if (hostHasAvx2()) {
            // what a real artifact records is what the check refuses
            long recorded = recorded(Module.compile(engine(CpuFeature.host()), WAT.getBytes()));
            assertThrows(ArtifactFormatException.class, () -> Module.checkCpuFeatures(recorded, noAvx2, "k"));
            assertDoesNotThrow(() -> Module.checkCpuFeatures(recorded, CpuFeature.host(), "k"));
        }
    }
}
