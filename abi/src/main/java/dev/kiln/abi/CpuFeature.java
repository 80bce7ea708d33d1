package dev.kiln.abi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Optional instruction-set extensions that generated code may use. An artifact records the set its
 * code needs ({@link ArtifactMetadata#cpuFeatures()}, bit {@link #bit()} per feature); the loader
 * refuses it on a CPU without them.
 */
public enum CpuFeature {
    /** SSE4.1 ({@code roundss}/{@code roundsd} for ceil, floor, trunc, nearest). Linux flag {@code sse4_1}. */
    SSE4_1("sse4_1"),
    /** {@code popcnt}. Linux flag {@code popcnt}. */
    POPCNT("popcnt"),
    /** {@code lzcnt} (AMD ABM, Intel Haswell+). Linux flag {@code abm}. */
    LZCNT("abm"),
    /** BMI1, for {@code tzcnt} and {@code andn}. Linux flag {@code bmi1}. */
    BMI1("bmi1"),
    /** BMI2, for {@code rorx} and {@code shlx}/{@code shrx}/{@code sarx}. Linux flag {@code bmi2}. */
    BMI2("bmi2"),
    /**
     * AVX: the VEX.128 encodings of the SSE instructions (three operands, no legacy-SSE instruction in
     * the code). Linux flag {@code avx}, which the kernel reports only when it also enables the YMM
     * state (XSAVE, XCR0 bits 1 and 2), so a flag present means AVX code can run.
     */
    AVX("avx"),
    /** AVX2, for {@code vpbroadcastb/w/d/q} and {@code vbroadcastss} from a register (splats). Linux flag {@code avx2}. */
    AVX2("avx2");

    private final String linuxFlag;

    CpuFeature(String linuxFlag) {
        this.linuxFlag = linuxFlag;
    }

    /** This feature's bit in a feature mask. */
    public long bit() {
        return 1L << ordinal();
    }

    /** The features in {@code mask}. */
    public static Set<CpuFeature> fromMask(long mask) {
        Set<CpuFeature> out = EnumSet.noneOf(CpuFeature.class);
        for (CpuFeature f : values()) {
            if ((mask & f.bit()) != 0) {
                out.add(f);
            }
        }
        return out;
    }

    /** The mask of {@code features}. */
    public static long mask(Set<CpuFeature> features) {
        long m = 0;
        for (CpuFeature f : features) {
            m |= f.bit();
        }
        return m;
    }

    private static volatile Set<CpuFeature> host;

    /**
     * The features of the CPU this JVM runs on, read from the {@code flags} line of
     * {@code /proc/cpuinfo} (x86-64 Linux). Empty when that cannot be read (then code is compiled for
     * the baseline). Cached; thread-safe.
     */
    public static Set<CpuFeature> host() {
        Set<CpuFeature> h = host;
        if (h == null) {
            h = EnumSet.noneOf(CpuFeature.class);
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.toLowerCase(Locale.ROOT).startsWith("flags")) {
                        Set<String> flags = Set.of(line.substring(line.indexOf(':') + 1).trim().split("\\s+"));
                        for (CpuFeature f : values()) {
                            if (flags.contains(f.linuxFlag)) {
                                h.add(f);
                            }
                        }
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // unknown CPU: baseline only
            }
            h = Set.copyOf(h);
            host = h;
        }
        return h;
    }
}
