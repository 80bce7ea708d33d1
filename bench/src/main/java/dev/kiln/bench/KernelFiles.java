package dev.kiln.bench;

import dev.kiln.compiler.wasm.CodeReader;
import dev.kiln.compiler.wasm.FunctionBody;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The compiled kernels, found as class path resources under {@code kernels/}: {@code <name>.wasm},
 * {@code <name>.simd.wasm} (built with {@code -msimd128}) and {@code lib<name>.so} (x86-64; the AArch64
 * libraries are under {@code kernels/aarch64/} and are the ones used when this JVM runs on AArch64), written by {@code src/main/c/build.sh} during the build. When the
 * build had no clang, {@code kernels/UNAVAILABLE} (or {@code kernels/aarch64/UNAVAILABLE} for the AArch64
 * libraries) holds the reason instead and {@link #unavailableReason()} returns it.
 *
 * <p>Thread-safe.
 */
public final class KernelFiles {
    private static final String DIR = "kernels/";
    /** Where the native libraries for this JVM's ISA are, under {@link #DIR}. */
    private static final String NATIVE_SUBDIR = "aarch64".equals(System.getProperty("os.arch")) ? "aarch64/" : "";
    private static Path nativeDir;

    private KernelFiles() {
    }

    /**
     * Why the kernels cannot be used (no clang at build time, or the build step did not run), or empty
     * when they are there.
     */
    public static Optional<String> unavailableReason() {
        String reason = text("UNAVAILABLE");
        if (reason != null) {
            return Optional.of(reason.strip());
        }
        if (KernelFiles.class.getClassLoader().getResource(DIR + "KERNELS") == null) {
            return Optional.of("the kernels were not built (bench/src/main/c/build.sh did not run: was the build "
                    + "run with -DskipKernels?)");
        }
        String nativeReason = NATIVE_SUBDIR.isEmpty() ? null : text(NATIVE_SUBDIR + "UNAVAILABLE");
        if (nativeReason != null) {
            return Optional.of("the native " + System.getProperty("os.arch") + " kernels were not built: "
                    + nativeReason.strip());
        }
        return Optional.empty();
    }

    /** The clang that built the kernels (its {@code --version} line), or {@code "unknown"}. */
    public static String compiler() {
        String v = text("COMPILER");
        return v == null ? "unknown" : v.strip();
    }

    /**
     * The Wasm binary of kernel {@code name} ({@code <name>.wasm}; for a SIMD build such as
     * {@code "matmul.simd"}, {@code matmul.simd.wasm}).
     *
     * @throws IllegalStateException if it was not built
     */
    public static byte[] wasm(String name) {
        try (InputStream in = open(name + ".wasm")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A file holding the native shared library of kernel {@code name} for this JVM's ISA: the build output
     * itself when the class path is a directory, else a copy in a temporary directory (deleted at exit).
     * A SIMD build ({@code "matmul.simd"}) shares its source's library ({@code libmatmul.so}).
     *
     * @throws IllegalStateException if it was not built
     */
    public static synchronized Path nativeLibrary(String name) {
        String file = "lib" + Kernel.sourceOf(name) + ".so";
        var url = KernelFiles.class.getClassLoader().getResource(DIR + NATIVE_SUBDIR + file);
        if (url == null) {
            throw missing(NATIVE_SUBDIR + file);
        }
        try {
            if ("file".equals(url.getProtocol())) {
                return Path.of(url.toURI());
            }
            if (nativeDir == null) {
                nativeDir = Files.createTempDirectory("kiln-bench-kernels");
                nativeDir.toFile().deleteOnExit();
            }
            Path target = nativeDir.resolve(file);
            try (InputStream in = url.openStream()) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            target.toFile().deleteOnExit();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The directory holding the kernel files, when they are on the class path as plain files (as in a
     * build tree), for tools outside the JVM (node).
     */
    public static Optional<Path> directory() {
        var url = KernelFiles.class.getClassLoader().getResource(DIR + "KERNELS");
        if (url == null || !"file".equals(url.getProtocol())) {
            return Optional.empty();
        }
        try {
            return Optional.of(Path.of(url.toURI()).getParent());
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    /**
     * How many SIMD instructions (opcode prefix {@code 0xFD}, Wasm 2.0 §5.4.8) the function bodies of
     * {@code wasm} hold, as Kiln's decoder reads them: 0 for a module built without {@code -msimd128}.
     *
     * @throws dev.kiln.compiler.wasm.MalformedModuleException if {@code wasm} is not a well-formed module
     */
    public static int simdInstructionCount(byte[] wasm) {
        WasmModule module = ModuleDecoder.decode(wasm);
        int count = 0;
        for (FunctionBody body : module.code()) {
            CodeReader r = new CodeReader(module.bytes(), body.codeStart(), body.codeEnd());
            while (r.hasNext()) {
                if (r.next().prefix() == 0xFD) {
                    count++;
                }
            }
        }
        return count;
    }

    private static InputStream open(String file) {
        InputStream in = KernelFiles.class.getClassLoader().getResourceAsStream(DIR + file);
        if (in == null) {
            throw missing(file);
        }
        return in;
    }

    private static IllegalStateException missing(String file) {
        return new IllegalStateException("kernel file " + DIR + file + " is not on the class path: "
                + unavailableReason().orElse("rebuild the bench module"));
    }

    private static String text(String file) {
        try (InputStream in = KernelFiles.class.getClassLoader().getResourceAsStream(DIR + file)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
