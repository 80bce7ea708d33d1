package dev.kiln.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import dev.kiln.cli.UnpackedDistribution.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The largest real program Kiln runs in its tests: clang 21, the WASI preview1 command
 * {@code llvm.core.wasm} of the npm package {@value #CLANG_PACKAGE} (72.7 MB, 127,818 functions), compiled
 * by the distribution's {@code bin/kiln compile} and run by {@code bin/kiln run}, compiles the SQLite
 * shell's {@code shell.c} (npm package {@value #SQLITE_PACKAGE}) at {@code -O2}; its object file must be
 * byte-identical to the one the same clang writes under node's V8 ({@code node:wasi}). Both packages are
 * fetched with {@code npm pack} into {@code target/clang-it} (npm checks their integrity against the
 * registry's), never committed.
 *
 * <p>This is the whole pipeline at the scale of a compiler: the inliner, the optimizer and the
 * register allocator over 127,818 functions, and a run of some 7 s of guest code. It found a
 * miscompile that no smaller program showed (an edge block's moves hoisted out of a block that had
 * another predecessor, see {@code LiveRangeSplittingTest}). About 70 s on 2 cores: 35-45 s compiling,
 * 15-20 s under node, 7-8 s under Kiln.
 *
 * <p>Skipped when node or npm is missing, or the packages cannot be fetched; under {@code CI=true},
 * where {@code .ci/run} installs node and npm, that fails instead.
 */
class ClangIT {
    /** clang 21 for WASI preview1 (its {@code gen/llvm-resources.tar} is the sysroot and resource dir). */
    static final String CLANG_PACKAGE = "@yowasp/clang@21.1.4-3";
    /** The SQLite amalgamation ({@code deps/sqlite-autoconf-*.tar.gz}), as {@code bench/sqlite-build.sh} pins it. */
    static final String SQLITE_PACKAGE = "sqlite3@6.0.1";
    static final Path WORK = Path.of("target", "clang-it").toAbsolutePath();

    @TempDir
    static Path tmp;
    /** The unpacked distribution. */
    static Path home;
    /** The guest's root directory: the resource tarball unpacked, and shell.c with its headers. */
    static Path root;
    static Path module;

    @BeforeAll
    static void prepare() throws Exception {
        String why = missingTools();
        if (why == null) {
            try {
                fetch();
            } catch (Exception e) {
                why = "could not fetch " + CLANG_PACKAGE + " and " + SQLITE_PACKAGE + " with npm pack: " + e.getMessage();
            }
        }
        if (why != null && "true".equals(System.getenv("CI"))) {
            fail("clang cannot be run under CI=true: " + why);
        }
        String reason = why;
        assumeTrue(reason == null, () -> "skipped: " + reason);

        home = UnpackedDistribution.unpack(tmp);
    }

    private static String missingTools() {
        for (String tool : List.of("node", "npm", "tar")) {
            if (!onPath(tool)) {
                return tool + " is not installed";
            }
        }
        return null;
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Unpacks both packages into {@link #WORK} unless a complete copy (stamp {@code .done}) is there. */
    private static void fetch() throws Exception {
        root = WORK.resolve("root");
        module = WORK.resolve("llvm.core.wasm");
        Path stamp = WORK.resolve(".done");
        String want = CLANG_PACKAGE + " " + SQLITE_PACKAGE;
        if (Files.exists(stamp) && Files.readString(stamp).strip().equals(want)) {
            return;
        }
        exec(Path.of("."), 60, "rm", "-rf", WORK.toString());
        Path download = Files.createDirectories(WORK.resolve("download"));
        Files.createDirectories(root);

        String clang = pack(download, CLANG_PACKAGE);
        exec(download, 300, "tar", "xzf", clang, "package/gen/llvm.core.wasm", "package/gen/llvm-resources.tar");
        Files.move(download.resolve("package/gen/llvm.core.wasm"), module);
        exec(root, 300, "tar", "xf", download.resolve("package/gen/llvm-resources.tar").toString());

        String sqlite = pack(download, SQLITE_PACKAGE);
        exec(download, 120, "tar", "xzf", sqlite, "--wildcards", "package/deps/sqlite-autoconf-*.tar.gz");
        Path amalgamation;
        try (var s = Files.list(download.resolve("package/deps"))) {
            amalgamation = s.filter(p -> p.getFileName().toString().startsWith("sqlite-autoconf-")).findFirst()
                    .orElseThrow(() -> new IOException(SQLITE_PACKAGE + " has no deps/sqlite-autoconf-*.tar.gz"));
        }
        String dir = amalgamation.getFileName().toString().replace(".tar.gz", "");
        exec(download, 120, "tar", "xzf", amalgamation.toString(), dir + "/shell.c", dir + "/sqlite3.h", dir + "/sqlite3ext.h");
        for (String f : List.of("shell.c", "sqlite3.h", "sqlite3ext.h")) {
            Files.move(download.resolve(dir).resolve(f), root.resolve(f));
        }
        exec(Path.of("."), 60, "rm", "-rf", download.toString());
        Files.writeString(stamp, want + "\n");
    }

    /** {@code npm pack PACKAGE} in {@code dir}; returns the archive's file name. */
    private static String pack(Path dir, String pkg) throws Exception {
        String out = exec(dir, 600, "npm", "pack", "--silent", pkg).strip();
        String tgz = out.lines().reduce((a, b) -> b).orElse("");
        if (tgz.isEmpty() || !Files.isRegularFile(dir.resolve(tgz))) {
            throw new IOException("npm pack " + pkg + " wrote no package archive (output: " + out + ")");
        }
        return tgz;
    }

    private static String exec(Path dir, int timeoutSeconds, String... cmd) throws Exception {
        Run r = run(dir, Map.of(), timeoutSeconds, cmd);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited with " + r.exit() + ": " + r.err());
        }
        return r.out();
    }

    /** Runs {@code command} in {@code dir} as {@link UnpackedDistribution#run} does, with the launcher's start-up cache off. */
    private static Run run(Path dir, Map<String, String> extraEnv, int timeoutSeconds, String... command)
            throws IOException, InterruptedException {
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.put("KILN_AOT", "off");
        return UnpackedDistribution.run(tmp, dir, env, "", timeoutSeconds, command);
    }

    /** clang's arguments: shell.c at -O2 into {@code /<out>}, as {@code bench/sqlite-build.sh} builds it. */
    private static List<String> clangArgs(String out) {
        return List.of("clang", "--target=wasm32-wasip1", "--sysroot=/", "-resource-dir=/", "-O2", "-w",
                "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION", "-D_WASI_EMULATED_SIGNAL",
                "-D_WASI_EMULATED_PROCESS_CLOCKS", "-D_WASI_EMULATED_GETPID", "-c", "/shell.c", "-o", "/" + out);
    }

    @Test
    void clangCompilesTheSqliteShellUnderKilnAsUnderV8() throws Exception {
        Files.deleteIfExists(root.resolve("shell-v8.o"));
        Files.deleteIfExists(root.resolve("shell-kiln.o"));

        // V8: node:wasi with the root directory preopened as "/"
        Path runner = Files.writeString(tmp.resolve("wasi-run.mjs"), """
                import { readFile } from 'node:fs/promises';
                import { WASI } from 'node:wasi';
                const [file, root, ...args] = process.argv.slice(2);
                const wasi = new WASI({ version: 'preview1', args, env: {}, preopens: { '/': root }, returnOnExit: true });
                const module = await WebAssembly.compile(await readFile(file));
                const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
                process.exitCode = wasi.start(instance);
                """);
        List<String> node = new ArrayList<>(List.of("node", "--no-warnings", runner.toString(), module.toString(), root.toString()));
        node.addAll(clangArgs("shell-v8.o"));
        Run v8 = run(tmp, Map.of(), 900, node.toArray(String[]::new));
        assertEquals(0, v8.exit(), () -> "clang under node: " + v8);

        Path artifact = tmp.resolve("llvm.kiln");
        Run compile = run(tmp, Map.of("KILN_CACHE_DIR", tmp.resolve("cache").toString()), 1200,
                home.resolve("bin/kiln").toString(), "compile", module.toString(), "-o", artifact.toString());
        assertEquals(0, compile.exit(), compile::toString);

        List<String> kiln = new ArrayList<>(List.of(home.resolve("bin/kiln").toString(), "run", "--allow-precompiled",
                "--dir", root + "::/", artifact.toString()));
        kiln.addAll(clangArgs("shell-kiln.o"));
        Run ours = run(tmp, Map.of(), 900, kiln.toArray(String[]::new));
        assertEquals(0, ours.exit(), () -> "clang under Kiln: " + ours);
        assertEquals(v8.out(), ours.out());

        byte[] expected = Files.readAllBytes(root.resolve("shell-v8.o"));
        byte[] actual = Files.readAllBytes(root.resolve("shell-kiln.o"));
        assertTrue(expected.length > 100_000 && Arrays.equals(Arrays.copyOf(expected, 4), new byte[] {0, 'a', 's', 'm'}),
                () -> "V8's object is a Wasm object file of the shell (" + expected.length + " bytes)");
        assertArrayEquals(expected, actual, "shell.o under Kiln (" + actual.length + " bytes) against V8's ("
                + expected.length + " bytes): first difference at byte " + Arrays.mismatch(expected, actual));
    }
}
