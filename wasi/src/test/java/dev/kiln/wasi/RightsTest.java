package dev.kiln.wasi;

import static dev.kiln.wasi.Descriptor.DIRECTORY_BASE;
import static dev.kiln.wasi.Descriptor.DIRECTORY_INHERITING;
import static dev.kiln.wasi.Descriptor.REGULAR_FILE_BASE;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_ADVISE;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_ALLOCATE;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_DATASYNC;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_FDSTAT_SET_FLAGS;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_FILESTAT_GET;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_FILESTAT_SET_SIZE;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_FILESTAT_SET_TIMES;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_READ;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_READDIR;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_SEEK;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_SYNC;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_TELL;
import static dev.kiln.wasi.Descriptor.RIGHT_FD_WRITE;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_CREATE_DIRECTORY;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_CREATE_FILE;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_FILESTAT_GET;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_FILESTAT_SET_SIZE;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_FILESTAT_SET_TIMES;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_LINK_SOURCE;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_LINK_TARGET;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_OPEN;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_READLINK;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_REMOVE_DIRECTORY;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_RENAME_SOURCE;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_RENAME_TARGET;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_SYMLINK;
import static dev.kiln.wasi.Descriptor.RIGHT_PATH_UNLINK_FILE;
import static dev.kiln.wasi.Descriptor.RIGHT_POLL_FD_READWRITE;
import static dev.kiln.wasi.Harness.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WASI preview1 rights: what preopens and opened descriptors hold, that path_open intersects with the
 * parent's inheriting rights and the file type, that every function checks its right, and that
 * fd_fdstat_set_rights only drops.
 */
class RightsTest {
    static final int PREOPEN = 3, CREAT = 1, DIRECTORY = 2, TRUNC = 8;

    @TempDir
    Path box;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        Files.writeString(box.resolve("file"), "0123456789");
        Files.createDirectory(box.resolve("dir"));
        h = new Harness(WasiContext.builder().preopen(box, "/").stdout(new ByteArrayOutputStream()));
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void aPreopenHoldsDirectoryRightsAndPassesOnFileRights() {
        assertArrayEquals(new long[] {DIRECTORY_BASE, DIRECTORY_INHERITING}, h.rights(PREOPEN));
        long base = h.rights(PREOPEN)[0];
        assertEquals(0, base & (RIGHT_FD_READ | RIGHT_FD_WRITE | RIGHT_FD_SEEK | RIGHT_FD_TELL
                | RIGHT_FD_FILESTAT_SET_SIZE), "a directory is not read, written, seeked or resized");
        // reopening it with its own rights gives the same rights (the wasi-testsuite helper does this)
        int again = h.open(PREOPEN, ".", DIRECTORY, DIRECTORY_BASE, DIRECTORY_INHERITING, 0, false);
        assertTrue(again > PREOPEN, "errno " + -again);
        assertArrayEquals(new long[] {DIRECTORY_BASE, DIRECTORY_INHERITING}, h.rights(again));
    }

    @Test
    void openedDescriptorsGetTheRequestedRightsTheirTypeAndParentAllow() {
        int all = h.open(PREOPEN, "file", 0, -1L, -1L, 0, false);
        assertArrayEquals(new long[] {REGULAR_FILE_BASE, 0}, h.rights(all), "a file passes nothing on");
        int ro = h.open(PREOPEN, "file", 0, RIGHT_FD_READ, 0, 0, false);
        assertArrayEquals(new long[] {RIGHT_FD_READ, 0}, h.rights(ro));
        int dir = h.open(PREOPEN, "dir", DIRECTORY, RIGHT_FD_SEEK | RIGHT_FD_READDIR | RIGHT_PATH_OPEN,
                RIGHT_FD_READ | RIGHT_FD_SEEK, 0, false);
        assertArrayEquals(new long[] {RIGHT_FD_READDIR | RIGHT_PATH_OPEN, RIGHT_FD_READ | RIGHT_FD_SEEK},
                h.rights(dir), "no seek right on a directory");
        // below that directory, only what it passes on
        int inner = h.open(dir, ".", DIRECTORY, ~RIGHT_FD_WRITE, -1L, 0, false);
        assertArrayEquals(new long[] {0, RIGHT_FD_READ | RIGHT_FD_SEEK}, h.rights(inner));
        assertEquals(-Errno.NOTCAPABLE, h.open(inner, ".", DIRECTORY, 0, 0, 0, false), "no PATH_OPEN");
        assertEquals(-Errno.ISDIR, h.open(PREOPEN, "dir", DIRECTORY, RIGHT_FD_READ | RIGHT_FD_WRITE, 0, 0, false),
                "a directory is not opened for writing");
    }

    @Test
    void readAndWriteNeedTheirRights() {
        int ro = h.open(PREOPEN, "file", 0, RIGHT_FD_READ, 0, 0, false);
        assertEquals("0123", h.read(ro, 4));
        assertEquals(Errno.NOTCAPABLE, h.write(ro, "x"));
        int r = h.alloc(8);
        assertEquals(Errno.NOTCAPABLE, h.call("fd_seek", ro, 0L, 0, r), "no FD_SEEK");
        assertEquals(Errno.NOTCAPABLE, h.call("fd_tell", ro, r), "no FD_TELL");
        assertEquals(Errno.NOTCAPABLE, h.call("fd_pread", ro, h.iovs(4), 1, 0L, r), "fd_pread needs FD_SEEK too");

        int rw = h.open(PREOPEN, "file", 0, RIGHT_FD_READ | RIGHT_FD_WRITE | RIGHT_FD_SEEK, 0, 0, false);
        assertEquals(0, h.call("fd_fdstat_set_rights", rw, RIGHT_FD_WRITE | RIGHT_FD_SEEK, 0L));
        assertEquals(Errno.NOTCAPABLE, h.call("fd_read", rw, h.iovs(4), 1, r), "the read right was dropped");
        assertEquals(0, h.write(rw, "A"));
        assertEquals(Errno.NOTCAPABLE, h.call("fd_fdstat_set_rights", rw, RIGHT_FD_WRITE | RIGHT_FD_SEEK
                | RIGHT_FD_READ, 0L), "and cannot be regained");
        assertEquals(Errno.NOTCAPABLE, h.call("fd_fdstat_set_rights", rw, RIGHT_FD_WRITE, RIGHT_FD_READ),
                "nor added as an inheriting right");
        assertArrayEquals(new long[] {RIGHT_FD_WRITE | RIGHT_FD_SEEK, 0}, h.rights(rw));
    }

    @Test
    void aDirectoryPassesOnOnlyItsInheritingRights() throws Exception {
        int d = h.open(PREOPEN, ".", DIRECTORY, DIRECTORY_BASE, DIRECTORY_INHERITING, 0, false);
        assertEquals(0, h.call("fd_fdstat_set_rights", d, DIRECTORY_BASE, DIRECTORY_INHERITING & ~RIGHT_FD_WRITE));
        int f = h.open(d, "file", 0, RIGHT_FD_READ | RIGHT_FD_WRITE, 0, 0, false);
        assertArrayEquals(new long[] {RIGHT_FD_READ, 0}, h.rights(f), "FD_WRITE is no longer passed on");
        assertEquals(Errno.NOTCAPABLE, h.write(f, "x"));
        assertEquals("0123456789", Files.readString(box.resolve("file")));
    }

    @Test
    void truncationNeedsPathFilestatSetSizeNotWrite() throws Exception {
        int d = h.open(PREOPEN, ".", DIRECTORY, DIRECTORY_BASE, DIRECTORY_INHERITING, 0, false);
        int f = h.open(d, "file", TRUNC, 0, 0, 0, false);
        assertTrue(f > d, "errno " + -f);
        assertEquals(0, Files.size(box.resolve("file")));
        Files.writeString(box.resolve("file"), "0123456789");
        assertEquals(0, h.call("fd_fdstat_set_rights", d, DIRECTORY_BASE & ~RIGHT_PATH_FILESTAT_SET_SIZE,
                DIRECTORY_INHERITING));
        assertEquals(-Errno.NOTCAPABLE, h.open(d, "file", TRUNC, 0, 0, 0, false));
        assertEquals(10, Files.size(box.resolve("file")), "not truncated");
        assertTrue(h.open(d, "file", 0, 0, 0, 0, false) > d, "opening without O_TRUNC still works");
    }

    /** Every fd_* function on a file, refused without its right (the descriptor has every other one). */
    @Test
    void everyFileFunctionChecksItsRight() throws Exception {
        int r = h.alloc(64);
        Map<Long, IntSupplier> calls = new LinkedHashMap<>();
        calls.put(RIGHT_FD_READ, () -> h.call("fd_read", fd, h.iovs(4), 1, r));
        calls.put(RIGHT_FD_WRITE, () -> h.write(fd, "x"));
        calls.put(RIGHT_FD_SEEK, () -> h.call("fd_seek", fd, 1L, 0, r));
        calls.put(RIGHT_FD_TELL, () -> h.call("fd_tell", fd, r));
        calls.put(RIGHT_FD_ADVISE, () -> h.call("fd_advise", fd, 0L, 1L, 0));
        calls.put(RIGHT_FD_ALLOCATE, () -> h.call("fd_allocate", fd, 0L, 100L));
        calls.put(RIGHT_FD_DATASYNC, () -> h.call("fd_datasync", fd));
        calls.put(RIGHT_FD_SYNC, () -> h.call("fd_sync", fd));
        calls.put(RIGHT_FD_FDSTAT_SET_FLAGS, () -> h.call("fd_fdstat_set_flags", fd, 1));
        calls.put(RIGHT_FD_FILESTAT_GET, () -> h.call("fd_filestat_get", fd, r));
        calls.put(RIGHT_FD_FILESTAT_SET_SIZE, () -> h.call("fd_filestat_set_size", fd, 1L));
        calls.put(RIGHT_FD_FILESTAT_SET_TIMES, () -> h.call("fd_filestat_set_times", fd, 0L, 0L, 2));
        for (Map.Entry<Long, IntSupplier> c : calls.entrySet()) {
            fd = h.open(PREOPEN, "file", 0, REGULAR_FILE_BASE & ~c.getKey(), 0, 0, false);
            assertEquals(Errno.NOTCAPABLE, c.getValue().getAsInt(), "without right " + Long.numberOfTrailingZeros(c.getKey()));
            assertEquals(0, h.call("fd_close", fd));
            fd = h.open(PREOPEN, "file", 0, REGULAR_FILE_BASE, 0, 0, false);
            assertEquals(0, c.getValue().getAsInt(), "with right " + Long.numberOfTrailingZeros(c.getKey()));
            assertEquals(0, h.call("fd_close", fd));
        }
    }

    private int fd;

    /** Every path_* function and fd_readdir on a directory, refused without its right, the file system unchanged. */
    @Test
    void everyDirectoryFunctionChecksItsRight() throws Exception {
        Files.createSymbolicLink(box.resolve("link"), Path.of("file"));
        Files.createDirectory(box.resolve("empty"));
        int r = h.alloc(256);
        Map<Long, IntSupplier> calls = new LinkedHashMap<>();
        calls.put(RIGHT_PATH_OPEN, () -> err(h.open(fd, "file", 0, RIGHT_FD_READ, 0, 0, false)));
        calls.put(RIGHT_PATH_CREATE_FILE, () -> err(h.open(fd, "new", CREAT, RIGHT_FD_READ, 0, 0, false)));
        calls.put(RIGHT_PATH_CREATE_DIRECTORY, () -> h.call("path_create_directory", fd, s("newdir")));
        calls.put(RIGHT_PATH_FILESTAT_GET, () -> h.call("path_filestat_get", fd, 0, s("file"), r));
        calls.put(RIGHT_PATH_FILESTAT_SET_TIMES, () -> h.call("path_filestat_set_times", fd, 0, s("file"), 0L, 0L, 2));
        calls.put(RIGHT_PATH_READLINK, () -> h.call("path_readlink", fd, s("link"), r, 64, r + 128));
        calls.put(RIGHT_PATH_SYMLINK, () -> h.call("path_symlink", s("file"), fd, s("link2")));
        calls.put(RIGHT_PATH_LINK_SOURCE, () -> h.call("path_link", fd, 0, s("file"), PREOPEN, s("hard")));
        calls.put(RIGHT_PATH_LINK_TARGET, () -> h.call("path_link", PREOPEN, 0, s("file"), fd, s("hard")));
        calls.put(RIGHT_PATH_RENAME_SOURCE, () -> h.call("path_rename", fd, s("file"), PREOPEN, s("moved")));
        calls.put(RIGHT_PATH_RENAME_TARGET, () -> h.call("path_rename", PREOPEN, s("file"), fd, s("moved")));
        calls.put(RIGHT_PATH_UNLINK_FILE, () -> h.call("path_unlink_file", fd, s("link")));
        calls.put(RIGHT_PATH_REMOVE_DIRECTORY, () -> h.call("path_remove_directory", fd, s("empty")));
        calls.put(RIGHT_FD_READDIR, () -> h.call("fd_readdir", fd, r, 256, 0L, r + 250));
        for (Map.Entry<Long, IntSupplier> c : calls.entrySet()) {
            fd = h.open(PREOPEN, ".", DIRECTORY, DIRECTORY_BASE & ~c.getKey(), DIRECTORY_INHERITING, 0, false);
            assertEquals(Errno.NOTCAPABLE, c.getValue().getAsInt(), "without right " + Long.numberOfTrailingZeros(c.getKey()));
            assertEquals(0, h.call("fd_close", fd));
        }
        try (var s = Files.list(box)) {
            assertEquals(java.util.List.of("dir", "empty", "file", "link"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "nothing was created, moved or removed");
        }
        assertTrue(Files.isSymbolicLink(box.resolve("link")));
        assertTrue(Files.exists(box.resolve("file"), LinkOption.NOFOLLOW_LINKS));
        // and each works with it
        for (Map.Entry<Long, IntSupplier> c : calls.entrySet()) {
            fd = h.open(PREOPEN, ".", DIRECTORY, DIRECTORY_BASE, DIRECTORY_INHERITING, 0, false);
            assertEquals(0, c.getValue().getAsInt(), "with right " + Long.numberOfTrailingZeros(c.getKey()));
            assertEquals(0, h.call("fd_close", fd));
            resetTree();
        }
    }

    private void resetTree() throws Exception {
        for (String n : new String[] {"new", "link2", "hard", "moved"}) {
            Files.deleteIfExists(box.resolve(n));
        }
        Files.deleteIfExists(box.resolve("newdir"));
        if (!Files.exists(box.resolve("file"))) {
            Files.writeString(box.resolve("file"), "0123456789");
        }
        if (!Files.exists(box.resolve("link"), LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(box.resolve("link"), Path.of("file"));
        }
        if (!Files.exists(box.resolve("empty"))) {
            Files.createDirectory(box.resolve("empty"));
        }
    }

    /** path_open's errno from {@link Harness#open}'s fd-or-minus-errno (0 when it opened). */
    private static int err(int fdOrMinusErrno) {
        return fdOrMinusErrno < 0 ? -fdOrMinusErrno : 0;
    }

    @Test
    void pollingADescriptorNeedsPollFdReadwrite() {
        int f = h.open(PREOPEN, "file", 0, RIGHT_FD_READ, 0, 0, false);
        int g = h.open(PREOPEN, "file", 0, RIGHT_FD_READ | RIGHT_POLL_FD_READWRITE, 0, 0, false);
        int in = h.alloc(96);
        int out = h.alloc(64);
        int n = h.alloc(4);
        for (int i = 0; i < 2; i++) {
            h.setI64(in + 48 * i, 10 + i); // userdata
            h.mem().set(java.lang.foreign.ValueLayout.JAVA_BYTE, in + 48 * i + 8, (byte) 1); // fd_read
            h.setI32(in + 48 * i + 16, i == 0 ? f : g);
        }
        assertEquals(0, h.call("poll_oneoff", in, out, 2, n));
        assertEquals(2, h.i32(n));
        assertEquals(10, h.i64(out));
        assertEquals(Errno.NOTCAPABLE, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 8));
        assertEquals(11, h.i64(out + 32));
        assertEquals(0, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, out + 40));
        assertEquals(10, h.i64(out + 48), "10 bytes to read");
    }
}
