package dev.kiln.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Random valid modules from binaryen's translate-to-fuzz ({@code wasm-opt -ttf}, Debian package
 * {@code binaryen}): a random byte string is read as a recipe for a module with the Wasm 2.0 features
 * Kiln compiles (no SIMD), with NaNs turned into 0 ({@code --denan}). The modules import
 * {@code fuzzing-support.log-*} functions and guard loops and recursion with a hang limit, so that
 * every export terminates.
 */
final class TtfGenerator {
    /**
     * The binaryen feature flags of the Wasm 2.0 features Kiln supports. SIMD is excluded, and so are
     * reference types: binaryen 108 types {@code ref.func} as a non-nullable {@code (ref func)}, which is
     * the later typed function references proposal ({@link WatGenerator} covers reference types).
     */
    static final List<String> FEATURES = List.of("--enable-sign-ext", "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int", "--enable-bulk-memory", "--enable-multivalue");

    private TtfGenerator() {
    }

    static boolean available() {
        return Tools.onPath("wasm-opt");
    }

    /** Generates one module from {@code seed}; {@code scratch} is a directory for the tool's files. */
    static byte[] generate(long seed, Path scratch) throws IOException, InterruptedException {
        Random random = new Random(seed);
        byte[] recipe = new byte[512 + random.nextInt(16 * 1024)];
        random.nextBytes(recipe);
        Path in = scratch.resolve("ttf-input.dat");
        Path out = scratch.resolve("ttf.wasm");
        Files.write(in, recipe);
        Files.deleteIfExists(out);
        // --denan: NaNs become 0 where they arise, since the spec leaves NaN payloads open and a payload
        // stored to memory would make the engines differ for nothing (f32.min of two NaNs, say)
        List<String> cmd = new ArrayList<>(List.of("wasm-opt", "-ttf", in.toString(), "--denan", "-o", out.toString()));
        cmd.addAll(FEATURES);
        Tools.run(cmd, scratch, 60, TimeUnit.SECONDS);
        return Files.readAllBytes(out);
    }
}
