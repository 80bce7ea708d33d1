package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.abi.GuardHandlerLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The AArch64 guard-page signal handler's code: fits its page, needs no relocation, reads the
 * offsets of AArch64 Linux's {@code ucontext_t} and {@code siginfo_t} that {@link SignalHandlerStub}
 * names, and those offsets are the ones glibc's and the kernel's headers for AArch64 define (checked by
 * compiling static assertions with clang-16 for {@code aarch64-linux-gnu} against Debian's
 * {@code libc6-dev-arm64-cross} headers; skipped without them, failed under {@code CI=true}). The
 * behaviour (traps, chaining to HotSpot) is tested end to end in loader-ffm's {@code GuardPage*Test}
 * in the emulated AArch64 JVM ({@code .ci/aarch64-stage}).
 */
class SignalHandlerStubTest {
    private static final Path CROSS_INCLUDE = Path.of("/usr/aarch64-linux-gnu/include");

    @Test
    void theHandlerFitsItsPageAndIsDeterministic() {
        byte[] code = SignalHandlerStub.generate();
        assertTrue(code.length > 0 && code.length <= GuardHandlerLayout.CODE_BYTES, code.length + " bytes");
        assertEquals(0, code.length % 4);
        assertEquals(java.util.HexFormat.of().formatHex(code),
                java.util.HexFormat.of().formatHex(new Aarch64Backend().guardSignalHandler()));
    }

    @Test
    void objdumpShowsTheLinuxOffsetsTheDataPageAndTheChaining() throws Exception {
        GnuAs.require();
        Path bin = Files.createTempFile("kiln-sighandler-a64", ".bin");
        try {
            Files.write(bin, SignalHandlerStub.generate());
            Process p = new ProcessBuilder(GnuAs.PREFIX + "objdump", "-D", "-b", "binary", "-m", "aarch64",
                    bin.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            // the data: the entry's own address plus DATA_OFFSET (64 KiB)
            assertTrue(out.contains("adr\tx9, 0x0"), out);
            assertTrue(out.contains("add\tx9, x9, #0x10, lsl #12"), out);
            assertTrue(out.contains("ldr\tx10, [x2, #440]"), out);  // uc->uc_mcontext.pc
            assertTrue(out.contains("ldr\tx10, [x1, #16]"), out);   // info->si_addr
            assertTrue(out.contains("str\tx10, [x2, #320]"), out);  // uc->uc_mcontext.regs[17]: the trap site
            assertTrue(out.contains("ldar\tx13, [x15]"), out);      // a slot's end, read with acquire
            assertTrue(out.contains("br\tx16"), out);               // the previous handler
            assertTrue(out.contains("mov\tx8, #0x86"), out);        // rt_sigaction on AArch64...
            assertTrue(out.contains("svc\t#0x0"), out);             // ...for SIG_DFL
        } finally {
            Files.deleteIfExists(bin);
        }
    }

    @Test
    void theOffsetsAreThoseOfGlibcAndTheKernelForAarch64() throws Exception {
        requireCrossHeaders();
        // glibc's ucontext_t and siginfo_t, as the handler receives them
        check("""
                #define _GNU_SOURCE
                #include <signal.h>
                #include <stddef.h>
                #include <ucontext.h>
                _Static_assert(offsetof(ucontext_t, uc_mcontext) == %d, "uc_mcontext");
                _Static_assert(offsetof(ucontext_t, uc_mcontext.regs[0]) == %d, "regs");
                _Static_assert(offsetof(ucontext_t, uc_mcontext.regs[17]) == %d, "x17");
                _Static_assert(offsetof(ucontext_t, uc_mcontext.sp) == %d, "sp");
                _Static_assert(offsetof(ucontext_t, uc_mcontext.pc) == %d, "pc");
                _Static_assert(offsetof(siginfo_t, si_addr) == %d, "si_addr");
                _Static_assert(SIGBUS == %d && SIGSEGV == %d, "signal numbers");
                """.formatted(SignalHandlerStub.UC_MCONTEXT, SignalHandlerStub.UC_REGS, SignalHandlerStub.UC_X17,
                SignalHandlerStub.UC_SP, SignalHandlerStub.UC_PC, GuardHandlerLayout.SI_ADDR, GuardHandlerLayout.SIGBUS,
                GuardHandlerLayout.SIGSEGV));
        // the kernel's struct sigaction and system call number, as the SIG_DFL path passes them
        check("""
                #include <asm/signal.h>
                #include <asm/unistd.h>
                _Static_assert(sizeof(struct sigaction) == %d, "kernel struct sigaction");
                _Static_assert(sizeof(sigset_t) == %d, "kernel sigset_t");
                _Static_assert(__NR_rt_sigaction == %d, "rt_sigaction");
                """.formatted(GuardHandlerLayout.KERNEL_SIGACTION_BYTES, GuardHandlerLayout.KERNEL_SIGSET_BYTES,
                SignalHandlerStub.SYS_RT_SIGACTION));
    }

    /** A wrong assertion is reported: the check can fail. */
    @Test
    void aWrongOffsetFailsTheCheck() throws Exception {
        requireCrossHeaders();
        String out = compile("""
                #include <ucontext.h>
                #include <stddef.h>
                _Static_assert(offsetof(ucontext_t, uc_mcontext.pc) == %d, "pc");
                """.formatted(SignalHandlerStub.UC_PC + 8));
        assertTrue(out.contains("static assertion failed") || out.contains("static_assert"), out);
    }

    static void requireCrossHeaders() {
        String missing = null;
        if (!Files.isRegularFile(CROSS_INCLUDE.resolve("sys/ucontext.h"))
                || !Files.isRegularFile(CROSS_INCLUDE.resolve("asm/sigcontext.h"))) {
            missing = "the AArch64 glibc and kernel headers (" + CROSS_INCLUDE
                    + ": apt-get install libc6-dev-arm64-cross)";
        } else if (!onPath(clang())) {
            missing = clang() + " (apt-get install clang-16)";
        }
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("missing " + missing + " (CI=true: .ci/run installs it)");
            }
            assumeTrue(false, "skipped: missing " + missing);
        }
    }

    private static String clang() {
        return System.getenv().getOrDefault("KILN_CLANG", "clang-16");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void check(String source) throws Exception {
        String out = compile(source);
        assertEquals("", out.strip(), "clang for aarch64-linux-gnu rejects:\n" + source);
    }

    /** Compiles {@code source} for aarch64-linux-gnu (syntax and static assertions only); returns its diagnostics. */
    private static String compile(String source) throws Exception {
        Path c = Files.createTempFile("kiln-a64-offsets", ".c");
        try {
            Files.writeString(c, source);
            Process p = new ProcessBuilder(clang(), "--target=aarch64-linux-gnu", "-isystem", CROSS_INCLUDE.toString(),
                    "-fsyntax-only", "-Werror", c.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "clang did not finish");
            return p.exitValue() == 0 ? out : out + "\n(exit " + p.exitValue() + ")";
        } finally {
            Files.deleteIfExists(c);
        }
    }
}
