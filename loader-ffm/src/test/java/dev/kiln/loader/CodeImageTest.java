package dev.kiln.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.Target;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.ElfWriter;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("restricted") // loader-ffm is the one module allowed to call restricted FFM methods
class CodeImageTest {
    /** {@code mov eax, 42; ret} (Intel SDM: B8+rd id; C3). */
    static final byte[] MOV_EAX_42_RET = {(byte) 0xb8, 0x2a, 0, 0, 0, (byte) 0xc3};
    /** {@code lea eax, [rdi + 1]; ret} (8D /r with ModRM 0x47, disp8 1; C3): returns its int argument + 1. */
    static final byte[] LEA_EAX_RDI_PLUS_1_RET = {(byte) 0x8d, 0x47, 0x01, (byte) 0xc3};
    static final FunctionDescriptor INT_VOID = FunctionDescriptor.of(ValueLayout.JAVA_INT);

    @BeforeAll
    static void onlyOnX86_64Linux() {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "CodeImage needs Linux");
        Assumptions.assumeTrue(Target.host() == Target.X86_64, "the test code is x86-64 machine code");
    }

    static byte[] artifact() {
        byte[] text = new byte[32];
        java.util.Arrays.fill(text, (byte) 0xcc);
        System.arraycopy(MOV_EAX_42_RET, 0, text, 0, MOV_EAX_42_RET.length);
        System.arraycopy(LEA_EAX_RDI_PLUS_1_RET, 0, text, 16, LEA_EAX_RDI_PLUS_1_RET.length);
        return new ElfWriter(Target.X86_64).setText(text)
                .setRodata(new byte[] {11, 22, 33})
                .addFunctionSymbol("wasm[0]::answer", 0, MOV_EAX_42_RET.length)
                .addFunctionSymbol("wasm[1]::inc", 16, LEA_EAX_RDI_PLUS_1_RET.length)
                .addSection(".kiln.meta", new byte[] {1})
                .toByteArray();
    }

    private static void checkImage(CodeImage image, String expectedPath) throws Throwable {
        ElfFile elf = image.elf();
        MethodHandle answer = Linker.nativeLinker().downcallHandle(
                image.address(elf.symbol("wasm[0]::answer").orElseThrow().textOffset()), INT_VOID);
        assertEquals(42, (int) answer.invokeExact());
        MethodHandle inc = Linker.nativeLinker().downcallHandle(
                image.address(elf.symbol("wasm[1]::inc").orElseThrow().textOffset()),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        assertEquals(-6, (int) inc.invokeExact(-7));

        assertEquals(image.baseAddress() + 4096, image.textAddress());
        assertEquals((byte) 0xb8, image.text().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(32, image.text().byteSize());
        assertTrue(image.text().isReadOnly());
        assertThrows(IllegalArgumentException.class, () -> image.text().set(ValueLayout.JAVA_BYTE, 0, (byte) 0));
        long rodata = elf.section(".rodata").orElseThrow().addr();
        assertEquals(33, image.image().get(ValueLayout.JAVA_BYTE, rodata + 2));

        ProcMaps textMap = ProcMaps.containing(image.textAddress());
        assertEquals("r-xp", textMap.perms());
        assertTrue(textMap.path().contains(expectedPath), textMap.path());
        assertEquals("r--p", ProcMaps.containing(image.baseAddress()).perms());
        assertEquals("r--p", ProcMaps.containing(image.baseAddress() + rodata).perms());
        List<ProcMaps> all = ProcMaps.overlapping(image.baseAddress(), image.baseAddress() + image.mappedSize());
        assertEquals(3, all.size(), all.toString()); // headers r--, text r-x, rodata r--
        for (ProcMaps m : all) {
            assertEquals('-', m.perms().charAt(1), "writable mapping in the code image: " + m);
        }
        long start = image.baseAddress();
        long size = image.mappedSize();

        image.close();
        assertTrue(image.isClosed());
        image.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> {
            int unused = (int) answer.invokeExact();
        });
        assertThrows(IllegalStateException.class, () -> image.text().get(ValueLayout.JAVA_BYTE, 0));
        assertTrue(ProcMaps.overlapping(start, start + size).isEmpty(), "still mapped after close");
    }

    @Test
    void mapFromFileAndCall(@TempDir Path dir) throws Throwable {
        Path file = dir.resolve("answer.kiln");
        Files.write(file, artifact());
        ElfFile elf = ElfReader.read(file);
        checkImage(CodeImage.map(file, elf), file.getFileName().toString());
    }

    @Test
    void mapFromBytesThroughMemfdAndCall() throws Throwable {
        byte[] bytes = artifact();
        checkImage(CodeImage.map(bytes, ElfReader.parse(bytes)), "memfd:kiln-artifact");
    }

    @Test
    void mapFromBytesLargerThanTheStagingBuffer() throws Throwable {
        // 3 MiB + 5 bytes of text (copied through the 1 MiB staging buffer in four pieces), every byte
        // distinct from its neighbours; a function at the end of it
        byte[] text = new byte[(3 << 20) + 5 + LEA_EAX_RDI_PLUS_1_RET.length];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) (i * 31 + (i >>> 8));
        }
        int at = text.length - LEA_EAX_RDI_PLUS_1_RET.length;
        System.arraycopy(LEA_EAX_RDI_PLUS_1_RET, 0, text, at, LEA_EAX_RDI_PLUS_1_RET.length);
        byte[] rodata = new byte[(1 << 20) + 3];
        for (int i = 0; i < rodata.length; i++) {
            rodata[i] = (byte) (i * 7 + 1);
        }
        byte[] bytes = new ElfWriter(Target.X86_64).setText(text).setRodata(rodata)
                .addFunctionSymbol("wasm[0]::inc", at, LEA_EAX_RDI_PLUS_1_RET.length)
                .addSection(".kiln.meta", new byte[] {1})
                .toByteArray();
        ElfFile elf = ElfReader.parse(bytes);
        try (CodeImage image = CodeImage.map(bytes, elf)) {
            assertTrue(elf.loadedSize() > 4 << 20, "loaded size " + elf.loadedSize());
            assertEquals(-1, java.util.Arrays.mismatch(text, image.text().toArray(ValueLayout.JAVA_BYTE)));
            long ro = elf.section(".rodata").orElseThrow().addr();
            assertEquals(-1, java.util.Arrays.mismatch(rodata,
                    image.image().asSlice(ro, rodata.length).toArray(ValueLayout.JAVA_BYTE)));
            MethodHandle inc = Linker.nativeLinker().downcallHandle(image.address(at),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            assertEquals(100, (int) inc.invokeExact(99));
        }
    }

    @Test
    void addressIsCheckedAgainstText() {
        byte[] bytes = artifact();
        try (CodeImage image = CodeImage.map(bytes, ElfReader.parse(bytes))) {
            assertThrows(IllegalArgumentException.class, () -> image.address(32));
            assertThrows(IllegalArgumentException.class, () -> image.address(-1));
            MemorySegment last = image.address(31);
            assertEquals(image.textAddress() + 31, last.address());
        }
    }

    @Test
    void rejectsMismatchedElfFile(@TempDir Path dir) throws Exception {
        byte[] bytes = artifact();
        ElfFile other = ElfReader.parse(new ElfWriter(Target.X86_64).setText(MOV_EAX_42_RET).toByteArray());
        assertThrows(IllegalArgumentException.class, () -> CodeImage.map(bytes, other));
        Path file = dir.resolve("a.kiln");
        Files.write(file, bytes);
        assertThrows(IllegalArgumentException.class, () -> CodeImage.map(file, other));
    }

    @Test
    void missingFileIsAClearError(@TempDir Path dir) throws Exception {
        // Files.size fails first with NoSuchFileException; LibC.open's own error names the path too.
        NativeException e = assertThrows(NativeException.class,
                () -> LibC.open(dir.resolve("nope.kiln").toString(), LibC.O_RDONLY, 0));
        assertEquals("open", e.function());
        assertEquals(2, e.errno()); // ENOENT
        assertTrue(e.getMessage().contains("nope.kiln") && e.getMessage().contains("No such file or directory"),
                e.getMessage());
    }

    @Test
    void emptyTextMapsWithoutCode() {
        byte[] bytes = new ElfWriter(Target.X86_64).toByteArray();
        try (CodeImage image = CodeImage.map(bytes, ElfReader.parse(bytes))) {
            assertEquals(0, image.textSize());
            assertThrows(IllegalArgumentException.class, () -> image.address(0));
            assertFalse(image.isClosed());
        }
    }
}
