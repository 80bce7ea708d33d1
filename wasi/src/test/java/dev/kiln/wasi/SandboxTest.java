package dev.kiln.wasi;

import static dev.kiln.wasi.Harness.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way out of a preopen we could think of: absolute paths, {@code ..}, symbolic links (made by
 * the host or by the guest; absolute, relative, chained, looping, in the middle of a path) and every
 * path_* function as the vehicle. Outside the preopen sits a "secret" file and directory that must
 * stay unread and untouched.
 */
class SandboxTest {
    static final long READ = 1L << 1, WRITE = 1L << 6;
    static final int PREOPEN = 3;

    @TempDir
    Path root;
    Path box;
    Path secret;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        box = Files.createDirectory(root.resolve("box"));
        secret = Files.writeString(root.resolve("secret"), "top secret");
        Files.createDirectory(root.resolve("outside"));
        Files.createDirectories(box.resolve("sub/deeper"));
        Files.writeString(box.resolve("sub/inner"), "inner");
        Files.writeString(box.resolve("file"), "file");
        // links the host made
        Files.createSymbolicLink(box.resolve("up"), Path.of(".."));
        Files.createSymbolicLink(box.resolve("to-secret"), Path.of("../secret"));
        Files.createSymbolicLink(box.resolve("abs"), secret);
        Files.createSymbolicLink(box.resolve("abs-dir"), root.resolve("outside"));
        Files.createSymbolicLink(box.resolve("sub/back"), Path.of("../../secret"));
        Files.createSymbolicLink(box.resolve("sub/ok"), Path.of("../file"));
        Files.createSymbolicLink(box.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(box.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(box.resolve("self-up"), Path.of("sub/../.."));
        h = new Harness(WasiContext.builder().preopen(box, ".").stdout(new ByteArrayOutputStream()));
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
        assertEquals("top secret", Files.readString(secret), "the secret file is untouched");
        try (var s = Files.list(root.resolve("outside"))) {
            assertEquals(0, s.count(), "nothing was created outside");
        }
        try (var s = Files.list(root)) {
            assertEquals(List.of("box", "outside", "secret"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static final List<String> ESCAPES = List.of(
            "/etc/passwd", "/", "..", "../secret", "../box/../secret", "sub/../../secret", "sub/deeper/../../../secret",
            "./../secret", "up/secret", "up", "to-secret", "abs", "abs-dir/x", "sub/back", "self-up/secret",
            "up/box/file", "abs-dir");

    @Test
    void openingAnyEscapeIsNotCapable() {
        for (String path : ESCAPES) {
            for (boolean follow : new boolean[] {true, false}) {
                int fd = h.open(PREOPEN, path, 0, READ, 0, follow);
                if (!follow && (path.equals("up") || path.equals("to-secret") || path.equals("abs")
                        || path.equals("abs-dir") || path.equals("sub/back"))) {
                    assertEquals(-Errno.LOOP, fd, path + " not followed: it is a link (O_NOFOLLOW)");
                } else {
                    assertEquals(-Errno.NOTCAPABLE, fd, path + (follow ? " (follow)" : " (nofollow)"));
                }
            }
        }
        assertEquals(-Errno.NOTCAPABLE, h.open(PREOPEN, "../secret", 1 | 8, READ | WRITE, 0, true),
                "O_CREAT|O_TRUNC outside");
        assertEquals(-Errno.NOTCAPABLE, h.open(PREOPEN, "../outside/new", 1, READ | WRITE, 0, true));
        assertEquals(-Errno.LOOP, h.open(PREOPEN, "loop1", 0, READ, 0, true));
    }

    @Test
    void linksThatStayInsideAreFollowed() {
        int fd = h.open(PREOPEN, "sub/ok", 0, READ, 0, true);
        assertEquals("file", h.read(fd, 10));
        fd = h.open(PREOPEN, "sub/deeper/../inner", 0, READ, 0, true);
        assertEquals("inner", h.read(fd, 10));
        fd = h.open(PREOPEN, "./sub/../file", 0, READ, 0, true);
        assertEquals("file", h.read(fd, 10));
    }

    @Test
    void everyPathFunctionRefusesEscapes() {
        int st = h.alloc(64);
        int buf = h.alloc(64);
        int used = h.alloc(4);
        for (String path : List.of("../secret", "/etc/passwd", "up/secret", "sub/back/x", "sub/../../outside/x",
                "abs-dir/x")) {
            String m = path;
            assertEquals(Errno.NOTCAPABLE, h.call("path_filestat_get", PREOPEN, 1, s(path), st), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_filestat_set_times", PREOPEN, 1, s(path), 0L, 0L, 8), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_create_directory", PREOPEN, s(path)), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_remove_directory", PREOPEN, s(path)), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_unlink_file", PREOPEN, s(path)), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_readlink", PREOPEN, s(path), buf, 64, used), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_rename", PREOPEN, s(path), PREOPEN, s("stolen")), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_rename", PREOPEN, s("file"), PREOPEN, s(path)), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_link", PREOPEN, 1, s(path), PREOPEN, s("stolen")), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_link", PREOPEN, 0, s("file"), PREOPEN, s(path)), m);
            assertEquals(Errno.NOTCAPABLE, h.call("path_symlink", s("file"), PREOPEN, s(path)), m);
        }
        // following the host's escaping links, at the end of the path
        assertEquals(Errno.NOTCAPABLE, h.call("path_filestat_get", PREOPEN, 1, s("to-secret"), st));
        assertEquals(Errno.NOTCAPABLE, h.call("path_filestat_set_times", PREOPEN, 1, s("abs"), 0L, 0L, 8));
        assertEquals(Errno.NOTCAPABLE, h.call("path_link", PREOPEN, 1, s("to-secret"), PREOPEN, s("stolen")));
        // not following: the link itself, inside, is fair game (readlink reads its text)
        assertEquals(0, h.call("path_filestat_get", PREOPEN, 0, s("to-secret"), st));
        assertEquals(7, h.u8(st + 16));
        assertEquals(0, h.call("path_readlink", PREOPEN, s("to-secret"), buf, 64, used));
        assertEquals("../secret", h.string(buf, h.i32(used)));
        assertFalse(Files.exists(box.resolve("stolen")));
    }

    @Test
    void guestMadeLinksCannotLeadOutEither() throws Exception {
        assertEquals(Errno.NOTCAPABLE, h.call("path_symlink", s("/etc/passwd"), PREOPEN, s("mine")),
                "absolute targets are refused");
        assertFalse(Files.exists(box.resolve("mine"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, h.call("path_symlink", s("../secret"), PREOPEN, s("mine")), "a relative link may be made...");
        assertEquals(-Errno.NOTCAPABLE, h.open(PREOPEN, "mine", 0, READ, 0, true), "...but not followed out");
        assertEquals(-Errno.NOTCAPABLE, h.open(PREOPEN, "mine", 1 | 8, READ | WRITE, 0, true));
        assertEquals(0, h.call("path_symlink", s("sub/../.."), PREOPEN, s("mine-dir")));
        assertEquals(-Errno.NOTCAPABLE, h.open(PREOPEN, "mine-dir/secret", 0, READ, 0, true));
        assertEquals(Errno.NOTCAPABLE, h.call("path_create_directory", PREOPEN, s("mine-dir/outside/x")));
        // unlinking the link removes the link, inside
        assertEquals(0, h.call("path_unlink_file", PREOPEN, s("mine")));
        assertTrue(Files.exists(secret));
    }

    @Test
    void aSubdirectoryDescriptorIsItsOwnSandbox() {
        // the directories get every directory right: a NOTCAPABLE below must come from the sandbox
        int sub = h.open(PREOPEN, "sub", 2, Descriptor.DIRECTORY_BASE, Descriptor.DIRECTORY_INHERITING, 0,
                true);
        assertTrue(sub > PREOPEN);
        assertEquals("inner", h.read(h.open(sub, "inner", 0, READ, 0, true), 10));
        assertEquals(-Errno.NOTCAPABLE, h.open(sub, "../file", 0, READ, 0, true));
        assertEquals(-Errno.NOTCAPABLE, h.open(sub, "ok", 0, READ, 0, true), "its link leads above it");
        assertEquals(-Errno.NOTCAPABLE, h.open(sub, "deeper/../../file", 0, READ, 0, true));
        int deeper = h.open(sub, "deeper", 2, Descriptor.DIRECTORY_BASE, Descriptor.DIRECTORY_INHERITING, 0,
                true);
        assertTrue(h.open(deeper, ".", 2, READ, 0, true) > deeper, "deeper may open itself");
        assertEquals(-Errno.NOTCAPABLE, h.open(deeper, "..", 2, READ, 0, true));
        int p = h.alloc(8);
        assertEquals(Errno.BADF, h.call("fd_prestat_get", sub, p), "not a preopen");
    }

    @Test
    void readdirOfThePreopenShowsOnlyItsOwnEntries() {
        int buf = h.alloc(4096);
        int used = h.alloc(4);
        assertEquals(0, h.call("fd_readdir", PREOPEN, buf, 4096, 0L, used));
        List<String> names = new java.util.ArrayList<>();
        for (int at = 0; at + 24 <= h.i32(used); ) {
            int len = h.i32(buf + at + 16);
            names.add(h.string(buf + at + 24, len));
            at += 24 + len;
        }
        assertEquals(List.of(".", "..", "abs", "abs-dir", "file", "loop1", "loop2", "self-up", "sub", "to-secret", "up"),
                names);
    }
}
