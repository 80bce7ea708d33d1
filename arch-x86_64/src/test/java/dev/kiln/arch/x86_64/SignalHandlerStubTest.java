package dev.kiln.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.GuardHandlerLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The guard-page signal handler's code: fits its page, needs no relocation, and reads the glibc
 * x86-64 offsets ({@code siginfo_t.si_addr} at 16, {@code ucontext_t.uc_mcontext.gregs[REG_RIP]} at
 * 168) and its data page RIP-relative, as GNU objdump decodes it. The behaviour (traps, chaining to
 * HotSpot) is tested end to end in loader-ffm's {@code GuardPage*Test}.
 */
class SignalHandlerStubTest {
    @Test
    void theHandlerFitsItsPageAndIsDeterministic() {
        byte[] code = SignalHandlerStub.generate();
        assertTrue(code.length > 0 && code.length <= GuardHandlerLayout.CODE_BYTES, code.length + " bytes");
        assertEquals(java.util.HexFormat.of().formatHex(code), java.util.HexFormat.of().formatHex(new X86_64Backend()
                .guardSignalHandler()));
    }

    @Test
    void objdumpShowsTheGlibcOffsetsAndTheDataPage() throws Exception {
        Path bin = Files.createTempFile("kiln-sighandler", ".bin");
        try {
            Files.write(bin, SignalHandlerStub.generate());
            String objdump = System.getProperty("kiln.objdump", "objdump");
            Process p = new ProcessBuilder(objdump, "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel",
                    bin.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            // the data: rip + DATA_OFFSET (64 KiB) - (length of the lea) from offset 0
            assertTrue(out.contains("lea    r11,[rip+0xfff9]"), out);
            assertTrue(out.contains("mov    rax,QWORD PTR [rdx+0xa8]"), out); // uc->uc_mcontext.gregs[REG_RIP]
            assertTrue(out.contains("mov    rax,QWORD PTR [rsi+0x10]"), out); // info->si_addr
            assertTrue(out.contains("mov    QWORD PTR [rdx+0xa8],rax"), out); // resume at the stub
            assertTrue(out.contains("jmp    rax"), out);                       // the previous handler
            assertTrue(out.contains("syscall"), out);                          // rt_sigaction for SIG_DFL
        } finally {
            Files.deleteIfExists(bin);
        }
    }
}
