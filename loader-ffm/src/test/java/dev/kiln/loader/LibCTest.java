package dev.kiln.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@SuppressWarnings("restricted") // loader-ffm is the one module allowed to call restricted FFM methods
class LibCTest {
    @BeforeAll
    static void onlyOnLinux() {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "LibC binds Linux glibc");
    }

    @Test
    void pageSizeAndPid() throws Exception {
        long page = LibC.pageSize();
        assertTrue(page >= 4096 && Long.bitCount(page) == 1, "page size " + page);
        assertEquals(ProcessHandle.current().pid(), LibC.getpid());
        // /proc/self/smaps reports KernelPageSize in kB; cross-check with sysconf
        String smaps = Files.readString(Path.of("/proc/self/smaps"));
        assertTrue(smaps.contains("KernelPageSize:        " + (page / 1024) + " kB")
                || smaps.matches("(?s).*KernelPageSize:\\s+" + (page / 1024) + " kB.*"));
    }

    @Test
    void strerrorGivesTheCLibraryText() {
        assertEquals("Invalid argument", LibC.strerror(LibC.EINVAL));
        assertEquals("Cannot allocate memory", LibC.strerror(LibC.ENOMEM));
    }

    @Test
    void mprotectOnABadAddressIsAClearError() {
        NativeException e = assertThrows(NativeException.class, () -> LibC.mprotect(1, 4096, LibC.PROT_READ));
        assertEquals("mprotect", e.function());
        assertEquals(22, e.errno()); // EINVAL: not page aligned
        assertEquals("mprotect(0x1, 4096, PROT_READ) failed: errno 22 (Invalid argument)", e.getMessage());
    }

    @Test
    void munmapAndCloseErrors() {
        NativeException e = assertThrows(NativeException.class, () -> LibC.munmap(3, 4096));
        assertEquals(LibC.EINVAL, e.errno());
        NativeException c = assertThrows(NativeException.class, () -> LibC.close(-1));
        assertEquals(9, c.errno()); // EBADF
        assertTrue(c.getMessage().contains("Bad file descriptor"), c.getMessage());
    }

    @Test
    void memfdWriteFtruncateMmap() {
        long page = LibC.pageSize();
        int fd = LibC.memfd_create("kiln-libc-test", LibC.MFD_CLOEXEC);
        long addr;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment msg = arena.allocateFrom("hello");
            assertEquals(5, LibC.write(fd, msg, 5));
            LibC.ftruncate(fd, 2 * page);
            addr = LibC.mmap(0, 2 * page, LibC.PROT_READ, LibC.MAP_PRIVATE, fd, 0);
        } finally {
            LibC.close(fd);
        }
        MemorySegment view = MemorySegment.ofAddress(addr).reinterpret(2 * page);
        assertEquals("hello", view.getString(0));
        assertEquals(0, view.get(ValueLayout.JAVA_BYTE, 2 * page - 1)); // ftruncate zero-extends
        LibC.madvise(addr, page, LibC.MADV_DONTNEED);
        LibC.munmap(addr, 2 * page);
        try (Arena arena = Arena.ofConfined()) {
            NativeException e = assertThrows(NativeException.class, () -> LibC.write(fd, arena.allocate(1), 1));
            assertEquals(9, e.errno()); // EBADF: the fd is closed
        }
    }

    @Test
    void writeRejectsHeapBuffers() {
        assertThrows(IllegalArgumentException.class, () -> LibC.write(1, MemorySegment.ofArray(new byte[4]), 4));
    }
}
