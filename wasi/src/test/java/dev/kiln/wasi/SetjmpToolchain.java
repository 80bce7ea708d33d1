package dev.kiln.wasi;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * clang-19 with a wasi-libc that has {@code setjmp}/{@code longjmp}, for C programs whose
 * {@code setjmp}/{@code longjmp} compile to Wasm exception handling ({@code -mllvm -wasm-enable-sjlj}: the
 * legacy {@code try}/{@code catch} encoding and the tag {@code __c_longjmp}, thrown by libsetjmp's
 * {@code __wasm_longjmp}).
 *
 * <p>Debian 12's wasi-libc (a 2022 snapshot) has neither {@code setjmp.h} nor {@code libsetjmp.a}, and
 * clang-16 lowers setjmp to helper functions ({@code saveSetjmp}, {@code testSetjmp}) that later wasi-libc
 * no longer has. So the compiler is Debian's clang-19 ({@code apt-get install clang-19 lld-19
 * libclang-rt-19-dev-wasm32}; {@code .ci/run} installs it), and the sysroot is the wasm32-wasip1 wasi-libc
 * (headers and libraries only) that the npm package {@value #SYSROOT_PACKAGE} carries in
 * {@code gen/llvm-resources.tar}: fetched once with {@code npm pack} (npm checks the package's integrity
 * against the registry's), unpacked into {@code target/wasi-sysroot} and laid out as clang-19's
 * {@code wasm32-wasi} target expects it; the package itself is deleted afterwards.
 *
 * <p>{@link #require()} skips the calling test when something is missing, or fails it under
 * {@code CI=true}.
 */
final class SetjmpToolchain {
    private SetjmpToolchain() {
    }

    /** The npm package whose wasi sysroot is used (pinned: its libc is what the tests were written for). */
    static final String SYSROOT_PACKAGE = "@yowasp/clang@21.1.4-3";
    static final String CLANG = System.getenv().getOrDefault("KILN_CLANG19", "clang-19");
    /** The sysroot: {@code include/wasm32-wasi} and {@code lib/wasm32-wasi} (links to the wasip1 directories). */
    static final Path SYSROOT = Path.of("target", "wasi-sysroot").toAbsolutePath();

    private static String missing;
    private static boolean probed;

    /**
     * Skips the calling test (with the reason) when clang-19 cannot build setjmp programs here; under
     * {@code CI=true} fails it instead, since {@code .ci/run} installs everything needed.
     */
    static void require() {
        String why = missing();
        if (why != null && "true".equals(System.getenv("CI"))) {
            fail("setjmp/longjmp programs cannot be built under CI=true: " + why);
        }
        assumeTrue(why == null, () -> "setjmp/longjmp programs skipped: " + why);
    }

    /** Why setjmp programs cannot be built, or null when they can (the sysroot fetched, a probe built). */
    static synchronized String missing() {
        if (!probed) {
            probed = true;
            missing = probe();
        }
        return missing;
    }

    private static String probe() {
        if (!Toolchain.onPath(CLANG) || !Toolchain.onPath("wasm-ld-19")) {
            return CLANG + " or wasm-ld-19 is not installed (apt-get install clang-19 lld-19 libclang-rt-19-dev-wasm32)";
        }
        if (!Toolchain.onPath("gcc") && !Toolchain.onPath("cc")) {
            return "no native C compiler (gcc or cc) to compare with";
        }
        try {
            fetchSysroot();
        } catch (Throwable e) {
            return "could not fetch the wasi sysroot from the npm package " + SYSROOT_PACKAGE + ": " + e.getMessage();
        }
        try {
            Files.createDirectories(Toolchain.OUT);
            Path probe = Toolchain.OUT.resolve("setjmp-probe.c");
            Files.writeString(probe, """
                    #include <setjmp.h>
                    static jmp_buf env;
                    static void f(void) { longjmp(env, 1); }
                    int main(void) { if (!setjmp(env)) f(); return 0; }
                    """);
            Guest.exec(Toolchain.OUT, wasmCommand(Toolchain.OUT.resolve("setjmp-probe.wasm"), List.of(probe.toString())));
        } catch (Throwable e) {
            return CLANG + " cannot build a setjmp program for wasm32-wasi (is libclang-rt-19-dev-wasm32 installed?): "
                    + e.getMessage();
        }
        return null;
    }

    /**
     * The clang-19 command that builds {@code sources} into the WASI command module {@code out}, with
     * setjmp/longjmp as Wasm exceptions and libsetjmp linked.
     */
    static List<String> wasmCommand(Path out, List<String> sources, String... extra) {
        List<String> cmd = new ArrayList<>(List.of(CLANG, "--target=wasm32-wasi", "--sysroot=" + SYSROOT, "-O2",
                "-mno-simd128", "-mllvm", "-wasm-enable-sjlj", "-o", out.toString()));
        cmd.addAll(List.of(extra));
        cmd.addAll(sources);
        cmd.add("-lsetjmp");
        return cmd;
    }

    /** The native C compiler the outputs are compared with. */
    static String nativeCc() {
        return Toolchain.onPath("gcc") ? "gcc" : "cc";
    }

    /**
     * Unpacks the wasi sysroot of {@link #SYSROOT_PACKAGE} into {@link #SYSROOT} unless a complete one
     * (stamp file {@code .done} naming the package) is there.
     */
    private static void fetchSysroot() throws Exception {
        Path stamp = SYSROOT.resolve(".done");
        if (Files.exists(stamp) && Files.readString(stamp).strip().equals(SYSROOT_PACKAGE)) {
            return;
        }
        if (!Toolchain.onPath("npm")) {
            throw new IOException("npm is not installed (apt-get install npm)");
        }
        deleteRecursively(SYSROOT);
        Path download = Files.createDirectories(SYSROOT.resolve("download"));
        String tgz = Guest.exec(download, List.of("npm", "pack", "--silent", SYSROOT_PACKAGE)).strip();
        tgz = tgz.lines().reduce((a, b) -> b).orElse("");
        if (tgz.isEmpty() || !Files.isRegularFile(download.resolve(tgz))) {
            throw new IOException("npm pack " + SYSROOT_PACKAGE + " wrote no package archive (output: " + tgz + ")");
        }
        Guest.exec(download, List.of("tar", "xzf", tgz, "package/gen/llvm-resources.tar"));
        Guest.exec(SYSROOT, List.of("tar", "xf", download.resolve("package/gen/llvm-resources.tar").toString(),
                "include/wasm32-wasip1", "lib/wasm32-wasip1"));
        for (String d : List.of("include", "lib")) {
            Files.createSymbolicLink(SYSROOT.resolve(d).resolve("wasm32-wasi"), Path.of("wasm32-wasip1"));
        }
        for (String f : List.of("include/wasm32-wasip1/setjmp.h", "lib/wasm32-wasip1/libc.a",
                "lib/wasm32-wasip1/libsetjmp.a", "lib/wasm32-wasip1/crt1-command.o")) {
            if (!Files.isRegularFile(SYSROOT.resolve(f))) {
                throw new IOException(SYSROOT_PACKAGE + " has no " + f + " in gen/llvm-resources.tar");
            }
        }
        deleteRecursively(download);
        Files.writeString(stamp, SYSROOT_PACKAGE + "\n");
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
