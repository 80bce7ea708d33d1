package dev.kiln.wasi;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's clang-16 for wasm32-wasi (packages clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)
 * and a native C compiler, found once. {@link #missing()} says why C programs cannot be built.
 */
final class Toolchain {
    private Toolchain() {
    }

    static final String CLANG = System.getenv().getOrDefault("KILN_CLANG", "clang-16");
    static final Path SYSROOT = Path.of(System.getenv().getOrDefault("KILN_WASI_SYSROOT", "/usr"));
    /** Where test programs are built. */
    static final Path OUT = Path.of("target", "c-programs").toAbsolutePath();
    static final Path SOURCES = Path.of("src", "test", "c").toAbsolutePath();

    private static String missing;
    private static String nativeCc;
    private static boolean probed;

    static boolean onPath(String cmd) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, cmd))) {
                return true;
            }
        }
        return false;
    }

    /** Why the C programs cannot be built, or null when they can. */
    static synchronized String missing() {
        if (!probed) {
            probed = true;
            if (!onPath(CLANG)) {
                missing = CLANG + " is not installed (apt-get install clang-16 lld-16 wasi-libc libclang-rt-16-dev-wasm32)";
            } else if (!Files.exists(SYSROOT.resolve("lib/wasm32-wasi/libc.a"))) {
                missing = "wasi-libc is not installed (no " + SYSROOT.resolve("lib/wasm32-wasi/libc.a")
                        + "; apt-get install wasi-libc)";
            } else {
                try {
                    Files.createDirectories(OUT);
                    Path probe = OUT.resolve("probe.c");
                    Files.writeString(probe, "int main(void) { return 0; }\n");
                    Guest.exec(OUT, wasmCommand(probe, OUT.resolve("probe.wasm")));
                } catch (Throwable e) {
                    missing = CLANG + " cannot build wasm32-wasi programs (need lld-16 and libclang-rt-16-dev-wasm32): "
                            + e.getMessage();
                }
            }
            nativeCc = onPath("gcc") ? "gcc" : onPath(CLANG) ? CLANG : onPath("cc") ? "cc" : null;
            if (missing == null && nativeCc == null) {
                missing = "no native C compiler (gcc, clang-16 or cc)";
            }
        }
        return missing;
    }

    static List<String> wasmCommand(Path source, Path out, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(CLANG, "--target=wasm32-wasi", "--sysroot=" + SYSROOT, "-O2",
                "-mno-simd128", "-o", out.toString(), source.toString()));
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /** Builds {@code src/test/c/NAME.c} to {@code NAME.wasm} (wasm32-wasi) and {@code NAME} (native), once. */
    static Path[] build(String name) throws Exception {
        Path src = SOURCES.resolve(name + ".c");
        Path wasm = OUT.resolve(name + ".wasm");
        Path exe = OUT.resolve(name);
        Path header = SOURCES.resolve("common.h");
        if (!Files.exists(wasm) || Files.getLastModifiedTime(wasm).compareTo(Files.getLastModifiedTime(src)) < 0
                || Files.getLastModifiedTime(wasm).compareTo(Files.getLastModifiedTime(header)) < 0) {
            Guest.exec(OUT, wasmCommand(src, wasm));
        }
        if (!Files.exists(exe) || Files.getLastModifiedTime(exe).compareTo(Files.getLastModifiedTime(src)) < 0
                || Files.getLastModifiedTime(exe).compareTo(Files.getLastModifiedTime(header)) < 0) {
            Guest.exec(OUT, List.of(nativeCc, "-O2", "-o", exe.toString(), src.toString(), "-lm"));
        }
        return new Path[] {wasm, exe};
    }
}
