package dev.kiln.wasi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.Func;
import dev.kiln.Global;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lua 5.4 from Debian's source package ({@code apt-get source lua5.4}, fetched at test time through
 * a private source list built from the system's own apt sources, so the system's apt configuration
 * is untouched), built for wasm32-wasi and natively with the same sources; a Lua script prints the
 * same under Kiln as natively, and an uncaught error ends both the same way.
 *
 * <p>Lua raises and catches errors with {@code setjmp}/{@code longjmp} (pcall, error, the stack
 * overflow check, coroutines). Lua is built unmodified as a WASI command by clang-19 with
 * wasi-libc's real setjmp ({@link SetjmpToolchain}: {@code -mllvm -wasm-enable-sjlj -lsetjmp}), so every
 * Lua error is a Wasm exception that Kiln unwinds, on x86-64 and on AArch64 ({@code .ci/aarch64-stage}).
 * With {@code -Dkiln.lua.unwinding=host} Lua is built by clang-16 with Debian's wasi-libc and
 * {@code src/test/lua/kiln_host_throw.h} instead, which defines LUAI_TRY/LUAI_THROW as calls of two host
 * functions that this test defines, {@code kiln.try} and {@code kiln.throw}: try calls the exported
 * {@code kiln_call} and catches the Java exception throw raises, restoring {@code __stack_pointer}
 * (Java exceptions of host functions unwinding through Wasm frames, at the scale of a real program).
 */
class LuaTest {
    static final Path WORK = Toolchain.OUT.getParent().resolve("lua").toAbsolutePath();
    static final Path PORT = Path.of("src", "test", "lua").toAbsolutePath();
    static Path src;
    static Path wasm;
    static Path exe;

    @TempDir
    Path tmp;

    /** A Lua error on its way from kiln.throw to kiln.try. */
    static final class LuaThrow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LuaThrow() {
            super("lua error", null, false, false);
        }
    }

    /** How Lua's errors unwind in the module under test. */
    enum Unwinding {
        /** wasi-libc's setjmp/longjmp: Wasm exceptions (the default). */
        SETJMP,
        /** the host functions kiln.try and kiln.throw: Java exceptions ({@code -Dkiln.lua.unwinding=host}). */
        HOST
    }

    /** SETJMP on every backend; {@code -Dkiln.lua.unwinding=host} selects HOST. */
    static final Unwinding UNWINDING = Unwinding.valueOf(System.getProperty("kiln.lua.unwinding", "setjmp")
            .toUpperCase(java.util.Locale.ROOT));

    @BeforeAll
    static void build() throws Exception {
        if (UNWINDING == Unwinding.SETJMP) {
            SetjmpToolchain.require();
        } else {
            String missing = Toolchain.missing();
            assumeTrue(missing == null, () -> "Lua skipped: " + missing);
        }
        src = fetchSources();
        wasm = WORK.resolve(UNWINDING == Unwinding.SETJMP ? "lua-setjmp.wasm" : "lua-host-throw.wasm");
        exe = WORK.resolve("lua-native");
        List<String> sources = new ArrayList<>();
        try (Stream<Path> s = Files.list(src)) {
            s.filter(p -> p.toString().endsWith(".c") && !p.getFileName().toString().equals("luac.c"))
                    .map(Path::toString).sorted().forEach(sources::add);
        }
        // Debian's luaconf.h includes a header that debian/rules generates: the multiarch triplet for
        // C module paths (unused here)
        Path multiarch = Files.createDirectories(WORK.resolve("multiarch"));
        Files.writeString(multiarch.resolve("lua5.4-deb-multiarch.h"), "#define DEB_HOST_MULTIARCH \"kiln\"\n");
        List<String> flags = List.of("-I" + multiarch, "-include", PORT.resolve("kiln_lua.h").toString(),
                "-D_WASI_EMULATED_SIGNAL", "-D_WASI_EMULATED_PROCESS_CLOCKS");
        List<String> libs = List.of("-lwasi-emulated-signal", "-lwasi-emulated-process-clocks");
        if (!Files.exists(wasm) && UNWINDING == Unwinding.SETJMP) {
            List<String> all = new ArrayList<>(sources);
            all.add(PORT.resolve("kiln_port.c").toString());
            all.addAll(libs);
            Guest.exec(WORK, SetjmpToolchain.wasmCommand(wasm, all, flags.toArray(String[]::new)));
        } else if (!Files.exists(wasm)) {
            List<String> cmd = new ArrayList<>(List.of(Toolchain.CLANG, "--target=wasm32-wasi",
                    "--sysroot=" + Toolchain.SYSROOT, "-O2", "-mno-simd128", "-mexec-model=reactor",
                    "-I" + PORT.resolve("include"), "-o", wasm.toString()));
            cmd.addAll(flags);
            cmd.addAll(List.of("-include", PORT.resolve("kiln_host_throw.h").toString()));
            cmd.addAll(sources);
            cmd.addAll(List.of(PORT.resolve("kiln_port.c").toString(), PORT.resolve("kiln_host_throw.c").toString()));
            cmd.addAll(libs);
            cmd.add("-Wl,--export=__stack_pointer");
            Guest.exec(WORK, cmd);
        }
        if (!Files.exists(exe)) {
            List<String> cmd = new ArrayList<>(List.of(Toolchain.onPath("gcc") ? "gcc" : "cc", "-O2",
                    "-I" + multiarch, "-o", exe.toString()));
            cmd.addAll(sources);
            cmd.add("-lm");
            Guest.exec(WORK, cmd);
        }
    }

    /**
     * The {@code src} directory of Debian's lua5.4 source package, fetched once into target/lua.
     * Skips the test when apt-get or the network is not there.
     */
    static Path fetchSources() throws Exception {
        Files.createDirectories(WORK);
        try (Stream<Path> s = Files.list(WORK)) {
            Path found = s.filter(p -> p.getFileName().toString().startsWith("lua5.4-") && Files.isDirectory(p))
                    .findFirst().orElse(null);
            if (found != null && Files.exists(found.resolve("src/lua.c"))) {
                return found.resolve("src");
            }
        }
        assumeTrue(Toolchain.onPath("apt-get"), "Lua skipped: no apt-get to fetch Debian's lua5.4 source package");
        List<String> debSrc = debSrcLines();
        assumeTrue(!debSrc.isEmpty(), "Lua skipped: no Debian apt sources found in /etc/apt to derive a deb-src line from");
        Path list = Files.write(WORK.resolve("sources.list"), debSrc);
        Path lists = Files.createDirectories(WORK.resolve("lists/partial")).getParent();
        List<String> opts = new ArrayList<>(List.of("-o", "Dir::Etc::sourcelist=" + list,
                "-o", "Dir::Etc::sourceparts=/nonexistent", "-o", "Dir::State::Lists=" + lists,
                "-o", "Dir::Cache=" + Files.createDirectories(WORK.resolve("cache")),
                "-o", "APT::Sandbox::User=" + System.getProperty("user.name")));
        List<String> update = new ArrayList<>(List.of("apt-get", "-q"));
        update.addAll(opts);
        update.add("update");
        try {
            Guest.exec(WORK, update);
            List<String> source = new ArrayList<>(List.of("apt-get", "-q"));
            source.addAll(opts);
            source.add("source");
            if (!Toolchain.onPath("dpkg-source")) {
                source.add("--download-only"); // no dpkg-dev: the upstream tarball is unpacked below
            }
            source.add("lua5.4");
            Guest.exec(WORK, source);
        } catch (AssertionError e) {
            assumeTrue(false, "Lua skipped: apt-get could not fetch lua5.4's sources: " + e.getMessage());
        }
        try (Stream<Path> s = Files.list(WORK)) {
            Path dir = s.filter(p -> p.getFileName().toString().startsWith("lua5.4-") && Files.isDirectory(p))
                    .findFirst().orElse(null);
            if (dir == null) { // no dpkg-source: unpack the upstream tarball ourselves
                Path orig;
                try (Stream<Path> t = Files.list(WORK)) {
                    orig = t.filter(p -> p.getFileName().toString().matches("lua5\\.4_.*\\.orig\\.tar\\.gz"))
                            .findFirst().orElseThrow();
                }
                Path into = Files.createDirectories(WORK.resolve("lua5.4-orig"));
                Guest.exec(into, List.of("tar", "xzf", orig.toString(), "--strip-components=1"));
                dir = into;
            }
            return dir.resolve("src");
        }
    }

    /** deb-src lines for the URIs and first suite of the system's Debian sources (deb822 or one-line). */
    static List<String> debSrcLines() throws Exception {
        List<String> out = new ArrayList<>();
        Path dir = Path.of("/etc/apt/sources.list.d");
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".sources")).sorted().forEach(files::add);
            }
        }
        for (Path f : files) {
            String uri = null;
            String suite = null;
            String signedBy = null;
            for (String line : Files.readAllLines(f)) {
                String l = line.strip();
                if (l.startsWith("URIs:") && uri == null) {
                    uri = l.substring(5).strip().split("\\s+")[0];
                } else if (l.startsWith("Suites:") && suite == null) {
                    suite = l.substring(7).strip().split("\\s+")[0];
                } else if (l.startsWith("Signed-By:") && signedBy == null) {
                    signedBy = l.substring(10).strip();
                }
            }
            if (uri != null && suite != null) {
                out.add("deb-src " + (signedBy != null && signedBy.startsWith("/") ? "[signed-by=" + signedBy + "] " : "")
                        + uri + " " + suite + " main");
                return out;
            }
        }
        Path one = Path.of("/etc/apt/sources.list");
        if (Files.exists(one)) {
            for (String line : Files.readAllLines(one)) {
                if (line.startsWith("deb ")) {
                    out.add("deb-src " + line.substring(4));
                    return out;
                }
            }
        }
        return out;
    }

    /**
     * Runs the Lua module with {@code dir} preopened as "." and an empty stdin: as a WASI command, or
     * (the {@link Unwinding#HOST} build) its _initialize and then kiln_main, with kiln.try and kiln.throw
     * defined.
     */
    static Guest.Outcome runLua(List<String> args, Map<String, String> env, Path dir) throws Exception {
        if (UNWINDING == Unwinding.SETJMP) {
            return Guest.run(wasm, args, env, dir, "");
        }
        Module module = Guest.module(wasm);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        WasiContext.Builder b = WasiContext.builder().args(args).stdout(out).stderr(err).preopen(dir, ".")
                .stdin(new ByteArrayInputStream(new byte[0]));
        env.forEach(b::env);
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try (WasiContext wasi = b.build(); Store store = new Store(Guest.ENGINE)) {
                AtomicReference<Instance> self = new AtomicReference<>();
                Linker linker = wasi.define(store, new Linker());
                linker.define("kiln", "throw", Func.wrap(store, FuncType.of(List.of(), List.of()), a -> {
                    throw new LuaThrow();
                }));
                linker.define("kiln", "try", Func.wrap(store,
                        FuncType.of(List.of(ValType.I32, ValType.I32, ValType.I32), List.of(ValType.I32)), a -> {
                            Global sp = self.get().global("__stack_pointer");
                            Val saved = sp.get();
                            try {
                                self.get().func("kiln_call").call(a);
                                return new Val[] {Val.i32(0)};
                            } catch (LuaThrow e) {
                                sp.set(saved);
                                return new Val[] {Val.i32(1)};
                            }
                        }));
                Instance instance = linker.instantiate(store, module);
                self.set(instance);
                wasi.bind(instance.memory("memory"));
                instance.func("_initialize").call();
                try {
                    instance.func("kiln_main").call();
                    result.set(0);
                } catch (WasiExit e) {
                    result.set(e.status());
                }
                wasi.flush();
            } catch (Throwable e) {
                result.set(e);
            }
        }, "lua", Guest.THREAD_STACK);
        t.start();
        t.join();
        if (result.get() instanceof Throwable e) {
            throw new AssertionError("lua failed; stdout:\n" + out + "\nstderr:\n" + err, e);
        }
        return new Guest.Outcome((Integer) result.get(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aScriptPrintsTheSameUnderKilnAsNatively() throws Exception {
        Path k = Files.createDirectory(tmp.resolve("kiln"));
        Path n = Files.createDirectory(tmp.resolve("native"));
        Files.copy(PORT.resolve("test.lua"), k.resolve("test.lua"));
        Files.copy(PORT.resolve("test.lua"), n.resolve("test.lua"));
        List<String> args = List.of("lua", "test.lua", "first", "second");
        Map<String, String> env = Map.of("KILN_LUA", "yes");
        Guest.Outcome kiln = runLua(args, env, k);
        Guest.Outcome nat = Guest.runNative(exe, args, env, n, "");
        assertEquals(nat.stdout(), kiln.stdout(), () -> "native:\n" + nat + "\nKiln:\n" + kiln);
        assertEquals(0, nat.status(), nat::toString);
        assertEquals(0, kiln.status(), kiln::toString);
        assertTrue(kiln.stdout().contains("stack overflow caught\tfalse\ttrue"), kiln::toString);
        assertTrue(kiln.stdout().endsWith("no newline at the end"), kiln::toString);
    }

    @Test
    void luaErrorsAreWasmExceptionsOfWasiLibcsSetjmp() throws Exception {
        assumeTrue(UNWINDING == Unwinding.SETJMP, "the build of -Dkiln.lua.unwinding=host throws through the host");
        WasmModule m = ModuleDecoder.decode(Files.readAllBytes(wasm));
        assertTrue(m.tagCount() >= 1, "the module has the tag __c_longjmp");
        assertTrue(m.imports().stream().noneMatch(i -> i.module().equals("kiln")), "no host functions of ours");
        assertTrue(m.exports().stream().anyMatch(e -> e.name().equals("_start")), "a WASI command");
    }

    @Test
    void anUncaughtErrorExitsWithStatus1AndAMessage() throws Exception {
        Files.writeString(tmp.resolve("bad.lua"), "print('before')\nlocal t = nil\nprint(t.x)\n");
        Guest.Outcome kiln = runLua(List.of("lua", "bad.lua"), Map.of(), tmp);
        Guest.Outcome nat = Guest.runNative(exe, List.of("lua", "bad.lua"), Map.of(), tmp, "");
        assertEquals(nat.stdout(), kiln.stdout());
        assertEquals(nat.status(), kiln.status());
        assertNotEquals(0, kiln.status());
        assertTrue(kiln.stderr().contains("bad.lua:3: attempt to index a nil value (local 't')"), kiln::toString);
    }
}
