package dev.kiln.wasi;

import static dev.kiln.wasi.Harness.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fd_* and path_* functions on a preopened directory, checked against the host file system. */
class FileSystemTest {
    static final long READ = 1L << 1, SEEK = 1L << 2, TELL = 1L << 5, WRITE = 1L << 6, READDIR = 1L << 14;
    /** What wasi-libc asks for a file opened O_RDWR: every right of a regular file. */
    static final long RW = Descriptor.REGULAR_FILE_BASE;
    static final int CREAT = 1, DIRECTORY = 2, EXCL = 4, TRUNC = 8, APPEND = 1;
    static final int PREOPEN = 3;

    @TempDir
    Path root;
    Path box;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        box = Files.createDirectory(root.resolve("box"));
        h = new Harness(WasiContext.builder().preopen(box, "/sandbox").stdout(new ByteArrayOutputStream()));
    }

    @org.junit.jupiter.api.AfterEach
    void tearDown() {
        h.close();
    }

    @Test
    void preopenIsDescriptor3WithItsGuestName() {
        int p = h.alloc(8);
        assertEquals(0, h.call("fd_prestat_get", PREOPEN, p));
        assertEquals(0, h.u8(p), "tag dir");
        assertEquals("/sandbox".length(), h.i32(p + 4));
        int name = h.alloc(8);
        assertEquals(Errno.NAMETOOLONG, h.call("fd_prestat_dir_name", PREOPEN, name, 3));
        assertEquals(0, h.call("fd_prestat_dir_name", PREOPEN, name, 8));
        assertEquals("/sandbox", h.string(name, 8));
        assertEquals(Errno.BADF, h.call("fd_prestat_get", 4, p));
        int st = h.alloc(24);
        assertEquals(0, h.call("fd_fdstat_get", PREOPEN, st));
        assertEquals(3, h.u8(st), "directory");
    }

    @Test
    void createWriteSeekReadAndStatAFile() throws Exception {
        int fd = h.open(PREOPEN, "notes.txt", CREAT | EXCL, RW, 0, true);
        assertTrue(fd > PREOPEN, "fd " + fd);
        assertEquals(0, h.write(fd, "hello, world"));
        assertEquals("hello, world", Files.readString(box.resolve("notes.txt")));
        int r = h.alloc(8);
        assertEquals(0, h.call("fd_tell", fd, r));
        assertEquals(12, h.i64(r));
        assertEquals(0, h.call("fd_seek", fd, -5L, 1, r));
        assertEquals(7, h.i64(r));
        assertEquals("world", h.read(fd, 100));
        assertEquals("", h.read(fd, 100), "end of file");
        assertEquals(0, h.call("fd_seek", fd, 0L, 0, r));
        assertEquals("hel", h.read(fd, 3));
        assertEquals(Errno.INVAL, h.call("fd_seek", fd, -100L, 1, r));
        assertEquals(Errno.INVAL, h.call("fd_seek", fd, 0L, 3, r));
        assertEquals(0, h.call("fd_seek", fd, -2L, 2, r));
        assertEquals(10, h.i64(r));

        // pwrite/pread leave the position alone
        int n = h.alloc(4);
        assertEquals(0, h.call("fd_pwrite", fd, h.iovsOf("W".getBytes(), "O".getBytes()), 2, 7L, n));
        assertEquals(2, h.i32(n));
        int iov = h.iovs(3, 4);
        assertEquals(0, h.call("fd_pread", fd, iov, 2, 5L, n));
        assertEquals(7, h.i32(n));
        assertEquals(", W", h.string(h.i32(iov), 3));
        assertEquals("Orld", h.string(h.i32(iov + 8), 4));
        assertEquals(0, h.call("fd_tell", fd, r));
        assertEquals(10, h.i64(r));
        assertEquals("hello, WOrld", Files.readString(box.resolve("notes.txt")));

        int st = h.alloc(64);
        assertEquals(0, h.call("fd_filestat_get", fd, st));
        Map<String, Object> a = Files.readAttributes(box.resolve("notes.txt"), "unix:ino,dev,nlink");
        assertEquals((Long) a.get("dev"), h.i64(st));
        assertEquals((Long) a.get("ino"), h.i64(st + 8));
        assertEquals(4, h.u8(st + 16), "regular file");
        assertEquals(1, h.i64(st + 24));
        assertEquals(12, h.i64(st + 32));
        long mtime = Files.getLastModifiedTime(box.resolve("notes.txt")).to(TimeUnit.NANOSECONDS);
        assertEquals(mtime, h.i64(st + 48));

        assertEquals(0, h.call("fd_filestat_set_size", fd, 5L));
        assertEquals("hello", Files.readString(box.resolve("notes.txt")));
        assertEquals(0, h.call("fd_filestat_set_size", fd, 8L));
        assertEquals("hello\0\0\0", Files.readString(box.resolve("notes.txt")));
        assertEquals(0, h.call("fd_allocate", fd, 0L, 10L));
        assertEquals(10, Files.size(box.resolve("notes.txt")));
        assertEquals(0, h.call("fd_advise", fd, 0L, 10L, 1));
        assertEquals(Errno.INVAL, h.call("fd_advise", fd, 0L, 10L, 6));
        assertEquals(0, h.call("fd_datasync", fd));
        assertEquals(0, h.call("fd_sync", fd));
        assertEquals(0, h.call("fd_close", fd));
        assertEquals(Errno.BADF, h.call("fd_close", fd));
        assertEquals(Errno.BADF, h.write(fd, "x"));
    }

    @Test
    void openFlagsFollowPosix() throws Exception {
        Files.writeString(box.resolve("f"), "0123456789");
        assertEquals(-Errno.EXIST, h.open(PREOPEN, "f", CREAT | EXCL, RW, 0, true));
        assertEquals(-Errno.NOENT, h.open(PREOPEN, "missing", 0, RW, 0, true));
        assertEquals(-Errno.NOTDIR, h.open(PREOPEN, "f", DIRECTORY, READ, 0, true));
        assertEquals(-Errno.NOTDIR, h.open(PREOPEN, "f/", 0, READ, 0, true));
        assertEquals(-Errno.NOTDIR, h.open(PREOPEN, "f/x", 0, READ, 0, true));
        assertEquals(-Errno.INVAL, h.open(PREOPEN, "f", 16, READ, 0, true));

        int ro = h.open(PREOPEN, "f", 0, READ | SEEK, 0, true);
        assertEquals(Errno.NOTCAPABLE, h.write(ro, "x"), "read-only descriptor");
        assertEquals("0123", h.read(ro, 4));

        int ap = h.open(PREOPEN, "f", 0, WRITE | SEEK | (1L << 3), APPEND, true); // FD_FDSTAT_SET_FLAGS
        assertEquals(Errno.NOTCAPABLE, h.call("fd_read", ap, h.iovs(4), 1, h.alloc(4)), "write-only descriptor");
        assertEquals(0, h.write(ap, "A"));
        assertEquals("0123456789A", Files.readString(box.resolve("f")));
        int st = h.alloc(24);
        assertEquals(0, h.call("fd_fdstat_get", ap, st));
        assertEquals(APPEND, h.mem().get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, st + 2));
        assertEquals(0, h.call("fd_fdstat_set_flags", ap, 0));
        int r = h.alloc(8);
        assertEquals(0, h.call("fd_seek", ap, 0L, 0, r));
        assertEquals(0, h.write(ap, "B"));
        assertEquals("B123456789A", Files.readString(box.resolve("f")));
        assertEquals(Errno.NOTSUP, h.call("fd_fdstat_set_flags", ap, 16));

        int tr = h.open(PREOPEN, "f", TRUNC, RW, 0, true);
        assertTrue(tr > 0);
        assertEquals(0, Files.size(box.resolve("f")));
        Files.writeString(box.resolve("f"), "0123456789");
        int truncatedReadOnly = h.open(PREOPEN, "f", TRUNC, READ, 0, true);
        assertTrue(truncatedReadOnly > 0, "O_TRUNC needs PATH_FILESTAT_SET_SIZE on the directory, not FD_WRITE");
        assertEquals(0, Files.size(box.resolve("f")));

        int created = h.open(PREOPEN, "ro-created", CREAT, READ, 0, true);
        assertTrue(created > 0 && Files.isRegularFile(box.resolve("ro-created")), "O_CREAT|O_RDONLY creates");

        Files.createDirectory(box.resolve("d"));
        assertEquals(-Errno.ISDIR, h.open(PREOPEN, "d", 0, RW, 0, true));
        int d = h.open(PREOPEN, "d", DIRECTORY, READ | READDIR, 0, true);
        assertTrue(d > 0);
        assertEquals(Errno.ISDIR, h.call("fd_read", d, h.iovs(4), 1, h.alloc(4)));
        assertEquals(Errno.BADF, h.write(d, "x"));
        assertEquals(0, h.call("fd_fdstat_get", d, st));
        assertEquals(3, h.u8(st));

        // rights can be dropped, not regained
        assertEquals(0, h.call("fd_fdstat_set_rights", ro, READ, 0L));
        assertEquals(Errno.NOTCAPABLE, h.call("fd_fdstat_set_rights", ro, READ | WRITE, 0L));
    }

    @Test
    void descriptorsAreRenumberedAndReused() throws Exception {
        Files.writeString(box.resolve("a"), "A");
        Files.writeString(box.resolve("b"), "B");
        int a = h.open(PREOPEN, "a", 0, READ, 0, true);
        int b = h.open(PREOPEN, "b", 0, READ, 0, true);
        assertEquals(a + 1, b);
        assertEquals(0, h.call("fd_renumber", a, b));
        assertEquals("A", h.read(b, 10));
        assertEquals(Errno.BADF, h.call("fd_close", a));
        assertEquals(Errno.BADF, h.call("fd_renumber", a, b));
        assertEquals(Errno.BADF, h.call("fd_renumber", b, 99));
        int c = h.open(PREOPEN, "b", 0, READ, 0, true);
        assertEquals(a, c, "the lowest free descriptor is reused");
    }

    @Test
    void readdirListsEveryEntryWithCookiesAndTypes() throws Exception {
        Files.writeString(box.resolve("file"), "x");
        Files.createDirectory(box.resolve("dir"));
        Files.createSymbolicLink(box.resolve("link"), Path.of("file"));
        for (int i = 0; i < 30; i++) {
            Files.writeString(box.resolve("many-" + i), "");
        }
        List<String> expected = new ArrayList<>(List.of(".", ".."));
        try (Stream<Path> s = Files.list(box)) {
            s.map(p -> p.getFileName().toString()).sorted().forEach(expected::add);
        }
        // read with a small buffer, continuing from the last whole entry's d_next
        List<String> names = new ArrayList<>();
        Map<String, Integer> types = new java.util.HashMap<>();
        int buf = h.alloc(128);
        int used = h.alloc(4);
        long cookie = 0;
        while (true) {
            assertEquals(0, h.call("readdir".isEmpty() ? "" : "fd_readdir", PREOPEN, buf, 128, cookie, used));
            int n = h.i32(used);
            int at = 0;
            boolean progressed = false;
            while (at + 24 <= n) {
                int len = h.i32(buf + at + 16);
                if (at + 24 + len > n) {
                    break;
                }
                String name = h.string(buf + at + 24, len);
                names.add(name);
                types.put(name, h.u8(buf + at + 20));
                cookie = h.i64(buf + at);
                at += 24 + len;
                progressed = true;
            }
            if (n < 128) {
                break;
            }
            assertTrue(progressed, "a 128-byte buffer holds at least one entry");
        }
        assertEquals(expected, names);
        assertEquals(4, types.get("file"));
        assertEquals(3, types.get("dir"));
        assertEquals(7, types.get("link"));
        assertEquals(3, types.get("."));
        assertEquals(Errno.NOTDIR, h.call("fd_readdir", 1, buf, 128, 0L, used));
    }

    @Test
    void directoriesAreCreatedRemovedAndRenamed() throws Exception {
        assertEquals(0, h.call("path_create_directory", PREOPEN, s("d")));
        assertTrue(Files.isDirectory(box.resolve("d")));
        assertEquals(Errno.EXIST, h.call("path_create_directory", PREOPEN, s("d")));
        assertEquals(Errno.NOENT, h.call("path_create_directory", PREOPEN, s("no/d")));
        assertEquals(0, h.call("path_create_directory", PREOPEN, s("d/e")));
        assertEquals(Errno.NOTEMPTY, h.call("path_remove_directory", PREOPEN, s("d")));
        Files.writeString(box.resolve("d/e/f"), "x");
        assertEquals(Errno.NOTDIR, h.call("path_remove_directory", PREOPEN, s("d/e/f")));
        assertEquals(Errno.ISDIR, h.call("path_unlink_file", PREOPEN, s("d/e")));
        assertEquals(Errno.NOENT, h.call("path_unlink_file", PREOPEN, s("d/e/g")));
        assertEquals(0, h.call("path_rename", PREOPEN, s("d/e/f"), PREOPEN, s("g")));
        assertEquals("x", Files.readString(box.resolve("g")));
        assertEquals(Errno.NOENT, h.call("path_rename", PREOPEN, s("d/e/f"), PREOPEN, s("g")));
        assertEquals(Errno.ISDIR, h.call("path_rename", PREOPEN, s("g"), PREOPEN, s("d")));
        assertEquals(Errno.NOTDIR, h.call("path_rename", PREOPEN, s("d"), PREOPEN, s("g")));
        assertEquals(0, h.call("path_remove_directory", PREOPEN, s("d/e")));
        assertEquals(0, h.call("path_rename", PREOPEN, s("d"), PREOPEN, s("d2")));
        assertTrue(Files.isDirectory(box.resolve("d2")));
        Files.writeString(box.resolve("h"), "y");
        assertEquals(0, h.call("path_rename", PREOPEN, s("h"), PREOPEN, s("g")), "rename replaces a file");
        assertEquals("y", Files.readString(box.resolve("g")));
        assertEquals(0, h.call("path_unlink_file", PREOPEN, s("g")));
        assertFalse(Files.exists(box.resolve("g")));
        assertEquals(0, h.call("path_remove_directory", PREOPEN, s("d2")));
        assertEquals(Errno.BUSY, h.call("path_remove_directory", PREOPEN, s(".")));
        assertEquals(Errno.BUSY, h.call("path_rename", PREOPEN, s("."), PREOPEN, s("x")));
        assertTrue(Files.isDirectory(box));
    }

    @Test
    void linksAreCreatedReadAndStatted() throws Exception {
        Files.writeString(box.resolve("target"), "data");
        assertEquals(0, h.call("path_symlink", s("target"), PREOPEN, s("sym")));
        assertEquals(Path.of("target"), Files.readSymbolicLink(box.resolve("sym")));
        assertEquals(Errno.EXIST, h.call("path_symlink", s("target"), PREOPEN, s("sym")));
        int buf = h.alloc(64);
        int used = h.alloc(4);
        assertEquals(0, h.call("path_readlink", PREOPEN, s("sym"), buf, 64, used));
        assertEquals("target", h.string(buf, h.i32(used)));
        assertEquals(0, h.call("path_readlink", PREOPEN, s("sym"), buf, 3, used));
        assertEquals(3, h.i32(used), "truncated to the buffer");
        assertEquals(Errno.INVAL, h.call("path_readlink", PREOPEN, s("target"), buf, 64, used));

        int st = h.alloc(64);
        assertEquals(0, h.call("path_filestat_get", PREOPEN, 0, s("sym"), st));
        assertEquals(7, h.u8(st + 16), "not following: the link itself");
        assertEquals(0, h.call("path_filestat_get", PREOPEN, 1, s("sym"), st));
        assertEquals(4, h.u8(st + 16), "following: the file");
        assertEquals(4, h.i64(st + 32));
        assertEquals(Errno.NOENT, h.call("path_filestat_get", PREOPEN, 1, s("nothing"), st));
        assertEquals(Errno.NOTDIR, h.call("path_filestat_get", PREOPEN, 1, s("target/"), st));
        assertEquals(-Errno.LOOP, h.open(PREOPEN, "sym", 0, READ, 0, false), "O_NOFOLLOW on a link");
        int fd = h.open(PREOPEN, "sym", 0, READ, 0, true);
        assertEquals("data", h.read(fd, 10));

        assertEquals(0, h.call("path_link", PREOPEN, 0, s("target"), PREOPEN, s("hard")));
        assertEquals(0, h.call("path_filestat_get", PREOPEN, 0, s("hard"), st));
        assertEquals(2, h.i64(st + 24), "two links");
        assertEquals(Files.getAttribute(box.resolve("target"), "unix:ino"), h.i64(st + 8));
        assertEquals(Errno.EXIST, h.call("path_link", PREOPEN, 0, s("target"), PREOPEN, s("hard")));
        Files.createDirectory(box.resolve("dir"));
        assertEquals(Errno.PERM, h.call("path_link", PREOPEN, 0, s("dir"), PREOPEN, s("dir2")));

        // a dangling link: following it ends at a missing file, creating follows it
        assertEquals(0, h.call("path_symlink", s("later"), PREOPEN, s("dangling")));
        assertEquals(Errno.NOENT, h.call("path_filestat_get", PREOPEN, 1, s("dangling"), st));
        int created = h.open(PREOPEN, "dangling", CREAT, RW, 0, true);
        assertTrue(created > 0);
        assertTrue(Files.isRegularFile(box.resolve("later")));
    }

    @Test
    void timesAreSetExplicitlyOrToNow() throws Exception {
        Path f = Files.writeString(box.resolve("t"), "x");
        long mtim = 1_600_000_000_123_456_789L;
        long atim = 1_500_000_000_000_000_000L;
        assertEquals(0, h.call("path_filestat_set_times", PREOPEN, 1, s("t"), atim, mtim, 1 | 4));
        assertEquals(mtim / 1000, Files.getLastModifiedTime(f).to(TimeUnit.MICROSECONDS));
        FileTime access = (FileTime) Files.getAttribute(f, "lastAccessTime");
        assertEquals(atim / 1000, access.to(TimeUnit.MICROSECONDS));
        assertEquals(Errno.INVAL, h.call("path_filestat_set_times", PREOPEN, 1, s("t"), atim, mtim, 1 | 2));
        assertEquals(Errno.INVAL, h.call("path_filestat_set_times", PREOPEN, 1, s("t"), atim, mtim, 4 | 8));
        int fd = h.open(PREOPEN, "t", 0, RW, 0, true);
        long before = System.currentTimeMillis() - 2000;
        assertEquals(0, h.call("fd_filestat_set_times", fd, 0L, 0L, 8));
        assertTrue(Files.getLastModifiedTime(f).toMillis() >= before);
        assertEquals(atim / 1000, ((FileTime) Files.getAttribute(f, "lastAccessTime")).to(TimeUnit.MICROSECONDS),
                "access time untouched");
        assertEquals(0, h.call("fd_filestat_set_times", PREOPEN, 0L, mtim, 4));
        assertEquals(mtim / 1000, Files.getLastModifiedTime(box).to(TimeUnit.MICROSECONDS));
        assertEquals(Errno.BADF, h.call("fd_filestat_set_times", 1, 0L, 0L, 8));
        assertTrue(Files.exists(f, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void pathsMustBeUtf8WithoutNul() {
        int st = h.alloc(64);
        assertEquals(Errno.INVAL, h.call("path_filestat_get", PREOPEN, 0, s("a\0b"), st));
        int bad = h.put(new byte[] {(byte) 0xFF, (byte) 0xFE});
        assertEquals(Errno.ILSEQ, h.call("path_filestat_get", PREOPEN, 0, bad, 2, st));
        assertEquals(Errno.NOENT, h.call("path_filestat_get", PREOPEN, 0, s(""), st));
        assertEquals(Errno.NOTDIR, h.call("path_filestat_get", 1, 0, s("x"), st), "stdout is no directory");
        assertEquals(Errno.BADF, h.call("path_filestat_get", 42, 0, s("x"), st));
        assertEquals(Errno.FAULT, h.call("path_filestat_get", PREOPEN, 0, (int) h.memory.byteSize() - 1, 2, st));
        assertEquals(0, h.call("path_filestat_get", PREOPEN, 0, s("."), st));
        assertEquals(3, h.u8(st + 16));
        assertEquals(StandardCharsets.UTF_8, StandardCharsets.UTF_8);
    }
}
