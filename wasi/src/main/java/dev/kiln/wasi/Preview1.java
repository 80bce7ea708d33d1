package dev.kiln.wasi;

import static dev.kiln.wasi.Descriptor.FDFLAG_APPEND;
import static dev.kiln.wasi.Descriptor.FDFLAG_DSYNC;
import static dev.kiln.wasi.Descriptor.FDFLAG_NONBLOCK;
import static dev.kiln.wasi.Descriptor.FDFLAG_RSYNC;
import static dev.kiln.wasi.Descriptor.FDFLAG_SYNC;
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

import dev.kiln.Func;
import dev.kiln.Linker;
import dev.kiln.Store;
import dev.kiln.Val;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The host functions of {@code wasi_snapshot_preview1} over a {@link WasiContext}. Each function
 * reads its arguments, does the work and returns an {@link Errno} value; out-of-bounds pointers give
 * {@link Errno#FAULT}, host I/O errors their POSIX counterpart. Struct layouts (offsets in bytes,
 * little-endian) are those of the witx definitions for wasm32.
 */
final class Preview1 {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
    private static final LinkOption[] FOLLOW = {};
    /** Symbolic links followed in one path lookup before {@link Errno#LOOP} (Linux's MAXSYMLINKS is 40). */
    static final int MAX_SYMLINKS = 32;
    private static final long MONOTONIC_BASE = System.nanoTime() - 1_000_000_000L;

    /** One cached single-result array per errno value: returning an errno allocates nothing. */
    private static final Val[][] RESULTS = new Val[Errno.NOTCAPABLE + 1][];

    static {
        for (int i = 0; i < RESULTS.length; i++) {
            RESULTS[i] = new Val[] {Val.i32(i)};
        }
    }

    private final WasiContext ctx;
    private final List<Descriptor> fds;
    /** The memory of the current call ({@link #enter}): refreshed on every call, memory may have grown. */
    private MemorySegment mem;
    /** Scratch buffer for gathering writes to Java streams. */
    private byte[] scratch = new byte[8192];

    Preview1(WasiContext ctx) {
        this.ctx = ctx;
        this.fds = ctx.fds;
    }

    /** A WASI error: unwinds a host function to its wrapper, which returns {@link #errno}. */
    static final class WasiError extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        WasiError(int errno) {
            super(Errno.name(errno), null, false, false);
            this.errno = errno;
        }
    }

    @FunctionalInterface
    private interface Impl {
        int call(Val[] a) throws Exception;
    }

    // ---- registration --------------------------------------------------------------------------

    private static FuncType sig(String params, boolean result) {
        List<ValType> ps = new ArrayList<>();
        for (char c : params.toCharArray()) {
            ps.add(c == 'I' ? ValType.I64 : ValType.I32);
        }
        return FuncType.of(ps, result ? List.of(ValType.I32) : List.of());
    }

    private void def(Store store, Linker linker, String name, String params, Impl impl) {
        linker.define(WasiContext.MODULE, name, Func.wrap(store, sig(params, true), args -> {
            int errno;
            try {
                mem = ctx.memory().segment();
                errno = impl.call(args);
            } catch (WasiError e) {
                errno = e.errno;
            } catch (IndexOutOfBoundsException e) {
                errno = Errno.FAULT;
            } catch (IOException e) {
                errno = errnoOf(e);
            } catch (UncheckedIOException e) {
                errno = errnoOf(e.getCause());
            } catch (InvalidPathException e) {
                errno = Errno.INVAL;
            } catch (SecurityException e) {
                errno = Errno.ACCES;
            } finally {
                mem = null;
            }
            return RESULTS[errno];
        }));
    }

    void define(Store store, Linker linker) {
        def(store, linker, "args_get", "ii", a -> strings(ctx.args, p(a[0]), p(a[1])));
        def(store, linker, "args_sizes_get", "ii", a -> sizes(ctx.args, p(a[0]), p(a[1])));
        def(store, linker, "environ_get", "ii", a -> strings(ctx.env, p(a[0]), p(a[1])));
        def(store, linker, "environ_sizes_get", "ii", a -> sizes(ctx.env, p(a[0]), p(a[1])));
        def(store, linker, "clock_res_get", "ii", a -> clockResGet(a[0].i32(), p(a[1])));
        def(store, linker, "clock_time_get", "iIi", a -> clockTimeGet(a[0].i32(), p(a[2])));
        def(store, linker, "fd_advise", "iIIi", a -> fdAdvise(a[0].i32(), a[1].i64(), a[2].i64(), a[3].i32()));
        def(store, linker, "fd_allocate", "iII", a -> fdAllocate(a[0].i32(), a[1].i64(), a[2].i64()));
        def(store, linker, "fd_close", "i", a -> fdClose(a[0].i32()));
        def(store, linker, "fd_datasync", "i", a -> fdSync(a[0].i32(), false));
        def(store, linker, "fd_sync", "i", a -> fdSync(a[0].i32(), true));
        def(store, linker, "fd_fdstat_get", "ii", a -> fdFdstatGet(a[0].i32(), p(a[1])));
        def(store, linker, "fd_fdstat_set_flags", "ii", a -> fdFdstatSetFlags(a[0].i32(), a[1].i32()));
        def(store, linker, "fd_fdstat_set_rights", "iII", a -> fdFdstatSetRights(a[0].i32(), a[1].i64(), a[2].i64()));
        def(store, linker, "fd_filestat_get", "ii", a -> fdFilestatGet(a[0].i32(), p(a[1])));
        def(store, linker, "fd_filestat_set_size", "iI", a -> fdFilestatSetSize(a[0].i32(), a[1].i64()));
        def(store, linker, "fd_filestat_set_times", "iIIi",
                a -> fdFilestatSetTimes(a[0].i32(), a[1].i64(), a[2].i64(), a[3].i32()));
        def(store, linker, "fd_pread", "iiiIi", a -> fdRead(a[0].i32(), p(a[1]), a[2].i32(), a[3].i64(), p(a[4])));
        def(store, linker, "fd_pwrite", "iiiIi", a -> fdWrite(a[0].i32(), p(a[1]), a[2].i32(), a[3].i64(), p(a[4])));
        def(store, linker, "fd_read", "iiii", a -> fdRead(a[0].i32(), p(a[1]), a[2].i32(), -1, p(a[3])));
        def(store, linker, "fd_write", "iiii", a -> fdWrite(a[0].i32(), p(a[1]), a[2].i32(), -1, p(a[3])));
        def(store, linker, "fd_prestat_get", "ii", a -> fdPrestatGet(a[0].i32(), p(a[1])));
        def(store, linker, "fd_prestat_dir_name", "iii", a -> fdPrestatDirName(a[0].i32(), p(a[1]), a[2].i32()));
        def(store, linker, "fd_readdir", "iiiIi", a -> fdReaddir(a[0].i32(), p(a[1]), a[2].i32(), a[3].i64(), p(a[4])));
        def(store, linker, "fd_renumber", "ii", a -> fdRenumber(a[0].i32(), a[1].i32()));
        def(store, linker, "fd_seek", "iIii", a -> fdSeek(a[0].i32(), a[1].i64(), a[2].i32(), p(a[3])));
        def(store, linker, "fd_tell", "ii", a -> fdSeek(a[0].i32(), 0, 1, p(a[1])));
        def(store, linker, "path_create_directory", "iii", a -> pathCreateDirectory(a[0].i32(), str(a[1], a[2])));
        def(store, linker, "path_filestat_get", "iiiii",
                a -> pathFilestatGet(a[0].i32(), a[1].i32(), str(a[2], a[3]), p(a[4])));
        def(store, linker, "path_filestat_set_times", "iiiiIIi", a -> pathFilestatSetTimes(a[0].i32(), a[1].i32(),
                str(a[2], a[3]), a[4].i64(), a[5].i64(), a[6].i32()));
        def(store, linker, "path_link", "iiiiiii", a -> pathLink(a[0].i32(), a[1].i32(), str(a[2], a[3]), a[4].i32(),
                str(a[5], a[6])));
        def(store, linker, "path_open", "iiiiiIIii", a -> pathOpen(a[0].i32(), a[1].i32(), str(a[2], a[3]), a[4].i32(),
                a[5].i64(), a[6].i64(), a[7].i32(), p(a[8])));
        def(store, linker, "path_readlink", "iiiiii",
                a -> pathReadlink(a[0].i32(), str(a[1], a[2]), p(a[3]), a[4].i32(), p(a[5])));
        def(store, linker, "path_remove_directory", "iii", a -> pathRemove(a[0].i32(), str(a[1], a[2]), true));
        def(store, linker, "path_unlink_file", "iii", a -> pathRemove(a[0].i32(), str(a[1], a[2]), false));
        def(store, linker, "path_rename", "iiiiii",
                a -> pathRename(a[0].i32(), str(a[1], a[2]), a[3].i32(), str(a[4], a[5])));
        def(store, linker, "path_symlink", "iiiii", a -> pathSymlink(str(a[0], a[1]), a[2].i32(), str(a[3], a[4])));
        def(store, linker, "poll_oneoff", "iiii", a -> pollOneoff(p(a[0]), p(a[1]), a[2].i32(), p(a[3])));
        linker.define(WasiContext.MODULE, "proc_exit", Func.wrap(store, sig("i", false), a -> {
            throw new WasiExit(a[0].i32());
        }));
        def(store, linker, "proc_raise", "i", a -> procRaise(a[0].i32()));
        def(store, linker, "sched_yield", "", a -> {
            Thread.yield();
            return Errno.SUCCESS;
        });
        def(store, linker, "random_get", "ii", a -> randomGet(p(a[0]), a[1].i32()));
        def(store, linker, "sock_accept", "iii", a -> notSocket(a[0].i32()));
        def(store, linker, "sock_recv", "iiiiii", a -> notSocket(a[0].i32()));
        def(store, linker, "sock_send", "iiiii", a -> notSocket(a[0].i32()));
        def(store, linker, "sock_shutdown", "ii", a -> notSocket(a[0].i32()));
    }

    /** The names of every function {@link #define} defines, in witx order. */
    static final List<String> FUNCTIONS = List.of("args_get", "args_sizes_get", "environ_get", "environ_sizes_get",
            "clock_res_get", "clock_time_get", "fd_advise", "fd_allocate", "fd_close", "fd_datasync",
            "fd_fdstat_get", "fd_fdstat_set_flags", "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size",
            "fd_filestat_set_times", "fd_pread", "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read",
            "fd_readdir", "fd_renumber", "fd_seek", "fd_sync", "fd_tell", "fd_write", "path_create_directory",
            "path_filestat_get", "path_filestat_set_times", "path_link", "path_open", "path_readlink",
            "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file", "poll_oneoff", "proc_exit",
            "proc_raise", "sched_yield", "random_get", "sock_accept", "sock_recv", "sock_send", "sock_shutdown");

    // ---- memory helpers ------------------------------------------------------------------------

    /** A guest pointer (u32) as a byte offset. */
    private static long p(Val v) {
        return v.i32() & 0xFFFF_FFFFL;
    }

    private String str(Val ptr, Val len) throws WasiError {
        long n = p(len);
        byte[] b = new byte[(int) Math.min(n, Integer.MAX_VALUE - 8)];
        if (n > b.length) {
            throw new WasiError(Errno.NAMETOOLONG);
        }
        MemorySegment.copy(mem, I8, p(ptr), b, 0, b.length);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new WasiError(Errno.ILSEQ);
        }
    }

    private void putBytes(byte[] b, long addr) {
        MemorySegment.copy(b, 0, mem, I8, addr, b.length);
    }

    // ---- args, environ, clocks, random ---------------------------------------------------------

    private int strings(List<String> list, long ptrs, long buf) {
        long at = buf;
        for (int i = 0; i < list.size(); i++) {
            byte[] b = list.get(i).getBytes(StandardCharsets.UTF_8);
            mem.set(I32, ptrs + 4L * i, (int) at);
            putBytes(b, at);
            mem.set(I8, at + b.length, (byte) 0);
            at += b.length + 1;
        }
        return Errno.SUCCESS;
    }

    private int sizes(List<String> list, long countPtr, long sizePtr) {
        long total = 0;
        for (String s : list) {
            total += s.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        mem.set(I32, countPtr, list.size());
        mem.set(I32, sizePtr, (int) total);
        return Errno.SUCCESS;
    }

    /** witx {@code clockid}: realtime, monotonic, process_cputime_id, thread_cputime_id. */
    private static final int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME = 2,
            CLOCK_THREAD_CPUTIME = 3;

    private int clockResGet(int id, long resPtr) {
        long res = switch (id) {
            case CLOCK_REALTIME -> 1000L; // Instant.now(): microseconds on Linux
            case CLOCK_MONOTONIC -> 1L;
            case CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME -> 1000L;
            default -> -1;
        };
        if (res < 0) {
            return Errno.INVAL;
        }
        mem.set(I64, resPtr, res);
        return Errno.SUCCESS;
    }

    /** The value of a clock in nanoseconds, or -1 for an unknown clock. */
    static long now(int id) {
        return switch (id) {
            case CLOCK_REALTIME -> {
                Instant t = Instant.now();
                yield t.getEpochSecond() * 1_000_000_000L + t.getNano();
            }
            case CLOCK_MONOTONIC -> System.nanoTime() - MONOTONIC_BASE;
            case CLOCK_PROCESS_CPUTIME, CLOCK_THREAD_CPUTIME -> cpuTime();
            default -> -1;
        };
    }

    private static long cpuTime() {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        long v = t.isCurrentThreadCpuTimeSupported() ? t.getCurrentThreadCpuTime() : -1;
        return v >= 0 ? v : System.nanoTime() - MONOTONIC_BASE;
    }

    private int clockTimeGet(int id, long timePtr) {
        long t = now(id);
        if (t < 0) {
            return Errno.INVAL;
        }
        mem.set(I64, timePtr, t);
        return Errno.SUCCESS;
    }

    private int randomGet(long buf, int len) {
        long n = len & 0xFFFF_FFFFL;
        MemorySegment target = mem.asSlice(buf, n); // bounds-checks the whole range first
        byte[] b = new byte[(int) Math.min(n, 65536)];
        for (long done = 0; done < n; done += b.length) {
            int chunk = (int) Math.min(b.length, n - done);
            if (chunk < b.length) {
                b = new byte[chunk];
            }
            ctx.random().nextBytes(b);
            MemorySegment.copy(b, 0, target, I8, done, chunk);
        }
        return Errno.SUCCESS;
    }

    private int procRaise(int sig) {
        // witx signal: 0 (none) .. 30 (sys). Kiln delivers no signals: an unknown one is invalid,
        // a known one is a function the host does not implement.
        return sig < 0 || sig > 30 ? Errno.INVAL : Errno.NOSYS;
    }

    private int notSocket(int fd) throws WasiError {
        get(fd);
        return Errno.NOTSOCK;
    }

    // ---- descriptors ---------------------------------------------------------------------------

    private Descriptor get(int fd) throws WasiError {
        if (fd < 0 || fd >= fds.size() || fds.get(fd) == null) {
            throw new WasiError(Errno.BADF);
        }
        return fds.get(fd);
    }

    /**
     * The directory {@code fd}, holding every right of {@code rights}.
     *
     * @throws WasiError {@link Errno#BADF} (no such descriptor), {@link Errno#NOTDIR} (not a directory),
     *                   {@link Errno#NOTCAPABLE} (a right is missing)
     */
    private Descriptor.Dir dir(int fd, long rights) throws WasiError {
        if (get(fd) instanceof Descriptor.Dir d) {
            d.require(rights);
            return d;
        }
        throw new WasiError(Errno.NOTDIR);
    }

    private int allocate(Descriptor d) throws WasiError {
        for (int i = 3; i < fds.size(); i++) {
            if (fds.get(i) == null) {
                fds.set(i, d);
                return i;
            }
        }
        if (fds.size() >= 1 << 20) {
            throw new WasiError(Errno.NFILE);
        }
        fds.add(d);
        return fds.size() - 1;
    }

    private int fdClose(int fd) throws WasiError, IOException {
        Descriptor d = get(fd);
        fds.set(fd, null);
        d.close();
        return Errno.SUCCESS;
    }

    private int fdRenumber(int from, int to) throws WasiError, IOException {
        Descriptor d = get(from);
        Descriptor old = get(to);
        if (from == to) {
            return Errno.SUCCESS;
        }
        fds.set(to, d);
        fds.set(from, null);
        old.close();
        return Errno.SUCCESS;
    }

    private int fdSync(int fd, boolean metadata) throws WasiError, IOException {
        Descriptor d = get(fd);
        d.require(metadata ? RIGHT_FD_SYNC : RIGHT_FD_DATASYNC);
        switch (d) {
            case Descriptor.File f -> f.channel.force(metadata);
            case Descriptor.Stream s -> {
                if (s.out != null) {
                    s.out.flush();
                }
            }
            case Descriptor.Dir dir -> {
                // directories are synced by the host's file system; nothing to do from Java
            }
        }
        return Errno.SUCCESS;
    }

    private int fdAdvise(int fd, long offset, long len, int advice) throws WasiError {
        Descriptor d = get(fd);
        if (advice < 0 || advice > 5) { // normal, sequential, random, willneed, dontneed, noreuse
            return Errno.INVAL;
        }
        if (!(d instanceof Descriptor.File)) {
            return d instanceof Descriptor.Dir ? Errno.BADF : Errno.SPIPE;
        }
        d.require(RIGHT_FD_ADVISE);
        if (offset < 0 || len < 0) {
            return Errno.INVAL;
        }
        return Errno.SUCCESS; // advice is only a hint
    }

    /**
     * The file {@code fd}, holding every right of {@code rights}.
     *
     * @throws WasiError {@link Errno#BADF} (no such descriptor), {@link Errno#ISDIR} (a directory),
     *                   {@link Errno#SPIPE} (a stream), {@link Errno#NOTCAPABLE} (a right is missing)
     */
    private Descriptor.File file(int fd, long rights) throws WasiError {
        Descriptor d = get(fd);
        if (d instanceof Descriptor.File f) {
            f.require(rights);
            return f;
        }
        throw new WasiError(d instanceof Descriptor.Dir ? Errno.ISDIR : Errno.SPIPE);
    }

    private int fdAllocate(int fd, long offset, long len) throws WasiError, IOException {
        Descriptor.File f = file(fd, RIGHT_FD_ALLOCATE);
        if (offset < 0 || len < 0 || offset + len < 0) {
            return Errno.INVAL;
        }
        if (!f.writable) {
            return Errno.BADF;
        }
        extend(f.channel, offset + len);
        return Errno.SUCCESS;
    }

    /** Makes the file at least {@code size} bytes long (zeros), without moving its position. */
    private static void extend(FileChannel ch, long size) throws IOException {
        if (size > ch.size()) {
            ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
        }
    }

    private int fdFdstatGet(int fd, long ptr) throws WasiError {
        Descriptor d = get(fd);
        mem.asSlice(ptr, 24).fill((byte) 0);
        mem.set(I8, ptr, (byte) d.filetype());
        mem.set(I16, ptr + 2, (short) d.fdflags);
        mem.set(I64, ptr + 8, d.rightsBase);
        mem.set(I64, ptr + 16, d.rightsInheriting);
        return Errno.SUCCESS;
    }

    private int fdFdstatSetFlags(int fd, int flags) throws WasiError {
        Descriptor d = get(fd);
        d.require(RIGHT_FD_FDSTAT_SET_FLAGS);
        if ((flags & ~(FDFLAG_APPEND | FDFLAG_DSYNC | FDFLAG_NONBLOCK | FDFLAG_RSYNC | FDFLAG_SYNC)) != 0) {
            return Errno.INVAL;
        }
        int syncs = FDFLAG_DSYNC | FDFLAG_RSYNC | FDFLAG_SYNC;
        if ((flags & syncs) != (d.fdflags & syncs)) {
            return Errno.NOTSUP; // as Linux's fcntl(F_SETFL): the sync flags are fixed at open
        }
        d.fdflags = flags; // APPEND takes effect on the next fd_write of a file; NONBLOCK is recorded
        return Errno.SUCCESS;
    }

    private int fdFdstatSetRights(int fd, long base, long inheriting) throws WasiError {
        Descriptor d = get(fd);
        if ((base & ~d.rightsBase) != 0 || (inheriting & ~d.rightsInheriting) != 0) {
            return Errno.NOTCAPABLE; // rights can only be dropped
        }
        d.rightsBase = base;
        d.rightsInheriting = inheriting;
        return Errno.SUCCESS;
    }

    private int fdPrestatGet(int fd, long ptr) throws WasiError {
        if (!(get(fd) instanceof Descriptor.Dir d) || d.preopenName == null) {
            return Errno.BADF;
        }
        mem.set(I32, ptr, 0); // tag 0: dir (and padding)
        mem.set(I32, ptr + 4, d.preopenName.getBytes(StandardCharsets.UTF_8).length);
        return Errno.SUCCESS;
    }

    private int fdPrestatDirName(int fd, long ptr, int len) throws WasiError {
        if (!(get(fd) instanceof Descriptor.Dir d) || d.preopenName == null) {
            return Errno.BADF;
        }
        byte[] name = d.preopenName.getBytes(StandardCharsets.UTF_8);
        if ((len & 0xFFFF_FFFFL) < name.length) {
            return Errno.NAMETOOLONG;
        }
        putBytes(name, ptr);
        return Errno.SUCCESS;
    }

    // ---- read, write, seek ---------------------------------------------------------------------

    /** fd_read ({@code offset} < 0) and fd_pread: scatter into the iovecs. */
    private int fdRead(int fd, long iovs, int iovsLen, long offset, long nreadPtr) throws WasiError, IOException {
        Descriptor d = get(fd);
        long total = 0;
        int n = iovsLen;
        switch (d) {
            case Descriptor.Dir dir -> {
                return Errno.ISDIR;
            }
            case Descriptor.Stream s -> {
                if (s.in == null) {
                    return Errno.BADF;
                }
                if (offset >= 0) {
                    return Errno.SPIPE;
                }
                s.require(RIGHT_FD_READ);
                for (int i = 0; i < n; i++) {
                    long buf = p32(iovs + 8L * i);
                    int len = mem.get(I32, iovs + 8L * i + 4);
                    if (len == 0) {
                        continue;
                    }
                    mem.asSlice(buf, len & 0xFFFF_FFFFL); // bounds check before blocking
                    int want = (int) Math.min(len & 0xFFFF_FFFFL, 1 << 20);
                    byte[] b = buffer(want);
                    int got = s.in.read(b, 0, want);
                    if (got <= 0) {
                        break;
                    }
                    MemorySegment.copy(b, 0, mem, I8, buf, got);
                    total += got;
                    if (got < want || s.in.available() <= 0) {
                        break;
                    }
                }
            }
            case Descriptor.File f -> {
                f.require(offset >= 0 ? RIGHT_FD_READ | RIGHT_FD_SEEK : RIGHT_FD_READ);
                if (!f.readable) {
                    return Errno.BADF;
                }
                long pos = offset;
                for (int i = 0; i < n; i++) {
                    long buf = p32(iovs + 8L * i);
                    long len = p32(iovs + 8L * i + 4);
                    ByteBuffer bb = mem.asSlice(buf, len).asByteBuffer();
                    while (bb.hasRemaining()) {
                        int got = pos >= 0 ? f.channel.read(bb, pos + (bb.position())) : f.channel.read(bb);
                        if (got <= 0) {
                            break;
                        }
                    }
                    total += bb.position();
                    if (pos >= 0) {
                        pos += bb.position();
                    }
                    if (bb.hasRemaining()) {
                        break; // end of file
                    }
                }
            }
        }
        mem.set(I32, nreadPtr, (int) total);
        return Errno.SUCCESS;
    }

    private long p32(long addr) {
        return mem.get(I32, addr) & 0xFFFF_FFFFL;
    }

    private byte[] buffer(long n) {
        if (scratch.length < n) {
            scratch = new byte[(int) Math.max(n, scratch.length * 2L)];
        }
        return scratch;
    }

    /** fd_write ({@code offset} < 0) and fd_pwrite: gather from the iovecs. */
    private int fdWrite(int fd, long iovs, int iovsLen, long offset, long nwrittenPtr) throws WasiError, IOException {
        Descriptor d = get(fd);
        long total = 0;
        switch (d) {
            case Descriptor.Dir dir -> {
                return Errno.BADF;
            }
            case Descriptor.Stream s -> {
                if (s.out == null) {
                    return Errno.BADF;
                }
                if (offset >= 0) {
                    return Errno.SPIPE;
                }
                s.require(RIGHT_FD_WRITE);
                long size = 0;
                for (int i = 0; i < iovsLen; i++) {
                    size += p32(iovs + 8L * i + 4);
                }
                if (size > Integer.MAX_VALUE - 16) {
                    return Errno.INVAL;
                }
                byte[] b = buffer(size);
                int at = 0;
                for (int i = 0; i < iovsLen; i++) {
                    long buf = p32(iovs + 8L * i);
                    int len = mem.get(I32, iovs + 8L * i + 4);
                    MemorySegment.copy(mem, I8, buf, b, at, len);
                    at += len;
                }
                s.out.write(b, 0, at);
                s.out.flush();
                total = at;
            }
            case Descriptor.File f -> {
                f.require(offset >= 0 ? RIGHT_FD_WRITE | RIGHT_FD_SEEK : RIGHT_FD_WRITE);
                if (!f.writable) {
                    return Errno.BADF;
                }
                boolean append = (f.fdflags & FDFLAG_APPEND) != 0;
                long pos = offset;
                if (offset < 0 && append) {
                    f.channel.position(f.channel.size());
                }
                for (int i = 0; i < iovsLen; i++) {
                    long buf = p32(iovs + 8L * i);
                    long len = p32(iovs + 8L * i + 4);
                    ByteBuffer bb = mem.asSlice(buf, len).asByteBuffer();
                    while (bb.hasRemaining()) {
                        if (pos >= 0) {
                            f.channel.write(bb, pos + bb.position());
                        } else {
                            f.channel.write(bb);
                        }
                    }
                    total += len;
                    if (pos >= 0) {
                        pos += len;
                    }
                }
            }
        }
        mem.set(I32, nwrittenPtr, (int) total);
        return Errno.SUCCESS;
    }

    private int fdSeek(int fd, long offset, int whence, long resultPtr) throws WasiError, IOException {
        Descriptor d = get(fd);
        if (!(d instanceof Descriptor.File f)) {
            return d instanceof Descriptor.Dir ? Errno.BADF : Errno.SPIPE;
        }
        f.require(offset == 0 && whence == 1 ? RIGHT_FD_TELL : RIGHT_FD_SEEK); // fd_tell is a seek by 0 from CUR
        long base = switch (whence) {
            case 0 -> 0;
            case 1 -> f.channel.position();
            case 2 -> f.channel.size();
            default -> -1;
        };
        if (base < 0) {
            return Errno.INVAL;
        }
        long target = base + offset;
        if (target < 0 || (offset > 0 && target < base)) {
            return Errno.INVAL;
        }
        f.channel.position(target);
        mem.set(I64, resultPtr, target);
        return Errno.SUCCESS;
    }

    // ---- file status ---------------------------------------------------------------------------

    private static final String STAT_ATTRIBUTES = "unix:dev,ino,mode,nlink,size,lastAccessTime,lastModifiedTime,ctime";

    /** witx {@code filetype} of a POSIX {@code st_mode}. */
    static int filetypeOfMode(int mode) {
        return switch (mode & 0170000) {
            case 0040000 -> Descriptor.FILETYPE_DIRECTORY;
            case 0100000 -> Descriptor.FILETYPE_REGULAR_FILE;
            case 0120000 -> Descriptor.FILETYPE_SYMBOLIC_LINK;
            case 0020000 -> Descriptor.FILETYPE_CHARACTER_DEVICE;
            case 0060000 -> Descriptor.FILETYPE_BLOCK_DEVICE;
            case 0140000 -> Descriptor.FILETYPE_SOCKET_STREAM;
            default -> Descriptor.FILETYPE_UNKNOWN; // FIFOs have no WASI file type
        };
    }

    private static long nanos(Object fileTime) {
        Instant t = ((FileTime) fileTime).toInstant();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Writes a witx {@code filestat} (64 bytes) for {@code p} at {@code ptr}. */
    private void filestat(Path p, LinkOption[] options, long ptr) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, STAT_ATTRIBUTES, options);
        mem.asSlice(ptr, 64);
        mem.set(I64, ptr, (Long) a.get("dev"));
        mem.set(I64, ptr + 8, (Long) a.get("ino"));
        mem.set(I64, ptr + 16, filetypeOfMode((Integer) a.get("mode")) & 0xFFL); // filetype u8 + padding
        mem.set(I64, ptr + 24, ((Integer) a.get("nlink")).longValue());
        mem.set(I64, ptr + 32, (Long) a.get("size"));
        mem.set(I64, ptr + 40, nanos(a.get("lastAccessTime")));
        mem.set(I64, ptr + 48, nanos(a.get("lastModifiedTime")));
        mem.set(I64, ptr + 56, nanos(a.get("ctime")));
    }

    private int fdFilestatGet(int fd, long ptr) throws WasiError, IOException {
        Descriptor d = get(fd);
        d.require(RIGHT_FD_FILESTAT_GET);
        switch (d) {
            case Descriptor.Stream s -> {
                mem.asSlice(ptr, 64).fill((byte) 0);
                mem.set(I8, ptr + 16, (byte) s.filetype());
            }
            case Descriptor.Dir dir -> filestat(dir.host(), NOFOLLOW, ptr);
            case Descriptor.File f -> {
                try {
                    filestat(f.host, FOLLOW, ptr);
                    mem.set(I64, ptr + 32, f.channel.size()); // the open file's, even if the path changed since
                } catch (NoSuchFileException e) { // unlinked while open
                    mem.asSlice(ptr, 64).fill((byte) 0);
                    mem.set(I8, ptr + 16, (byte) f.filetype);
                    mem.set(I64, ptr + 32, f.channel.size());
                }
            }
        }
        return Errno.SUCCESS;
    }

    private int fdFilestatSetSize(int fd, long size) throws WasiError, IOException {
        Descriptor.File f = file(fd, RIGHT_FD_FILESTAT_SET_SIZE);
        if (size < 0) {
            return Errno.INVAL;
        }
        if (!f.writable) {
            return Errno.BADF;
        }
        if (size < f.channel.size()) {
            long pos = f.channel.position();
            f.channel.truncate(size);
            f.channel.position(pos); // ftruncate does not move the offset; FileChannel.truncate may
        } else {
            extend(f.channel, size);
        }
        return Errno.SUCCESS;
    }

    /** witx {@code fstflags}. */
    private static final int FST_ATIM = 1, FST_ATIM_NOW = 2, FST_MTIM = 4, FST_MTIM_NOW = 8;

    private static int setTimes(Path p, LinkOption[] options, long atim, long mtim, int fst) throws IOException {
        if ((fst & ~15) != 0 || (fst & (FST_ATIM | FST_ATIM_NOW)) == (FST_ATIM | FST_ATIM_NOW)
                || (fst & (FST_MTIM | FST_MTIM_NOW)) == (FST_MTIM | FST_MTIM_NOW)) {
            return Errno.INVAL;
        }
        FileTime now = FileTime.from(Instant.now());
        FileTime a = (fst & FST_ATIM) != 0 ? FileTime.from(atim, TimeUnit.NANOSECONDS)
                : (fst & FST_ATIM_NOW) != 0 ? now : null;
        FileTime m = (fst & FST_MTIM) != 0 ? FileTime.from(mtim, TimeUnit.NANOSECONDS)
                : (fst & FST_MTIM_NOW) != 0 ? now : null;
        if (a == null && m == null) {
            if (!Files.exists(p, options)) {
                throw new NoSuchFileException(p.toString());
            }
            return Errno.SUCCESS;
        }
        Files.getFileAttributeView(p, BasicFileAttributeView.class, options).setTimes(m, a, null);
        return Errno.SUCCESS;
    }

    private int fdFilestatSetTimes(int fd, long atim, long mtim, int fst) throws WasiError, IOException {
        Descriptor d = get(fd);
        if (d instanceof Descriptor.Stream) {
            return Errno.BADF;
        }
        d.require(RIGHT_FD_FILESTAT_SET_TIMES);
        return switch (d) {
            case Descriptor.File f -> setTimes(f.host, FOLLOW, atim, mtim, fst);
            case Descriptor.Dir dir -> setTimes(dir.host(), NOFOLLOW, atim, mtim, fst);
            case Descriptor.Stream s -> Errno.BADF;
        };
    }

    // ---- directories ---------------------------------------------------------------------------

    /** One entry of a directory listing: its name (UTF-8), inode and witx file type. */
    record DirEntry(byte[] name, long ino, int type) {
    }

    private static List<DirEntry> list(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                names.add(p.getFileName().toString());
            }
        }
        names.sort(null);
        List<DirEntry> out = new ArrayList<>(names.size() + 2);
        out.add(entry(".", dir));
        out.add(entry("..", dir.getParent() != null ? dir.getParent() : dir));
        for (String n : names) {
            out.add(entry(n, dir.resolve(n)));
        }
        return out;
    }

    private static DirEntry entry(String name, Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:ino,mode", LinkOption.NOFOLLOW_LINKS);
            return new DirEntry(name.getBytes(StandardCharsets.UTF_8), (Long) a.get("ino"),
                    filetypeOfMode((Integer) a.get("mode")));
        } catch (IOException e) { // removed meanwhile
            return new DirEntry(name.getBytes(StandardCharsets.UTF_8), 0, Descriptor.FILETYPE_UNKNOWN);
        }
    }

    private int fdReaddir(int fd, long buf, int bufLen, long cookie, long usedPtr) throws WasiError, IOException {
        Descriptor d = get(fd);
        if (!(d instanceof Descriptor.Dir dir)) {
            return Errno.NOTDIR;
        }
        dir.require(RIGHT_FD_READDIR);
        if (cookie == 0 || dir.listing == null) {
            dir.listing = list(dir.host());
        }
        long cap = bufLen & 0xFFFF_FFFFL;
        mem.asSlice(buf, cap);
        long used = 0;
        List<DirEntry> l = dir.listing;
        for (long i = Math.max(cookie, 0); i < l.size() && used < cap; i++) {
            DirEntry e = l.get((int) i);
            byte[] rec = new byte[24 + e.name.length];
            MemorySegment r = MemorySegment.ofArray(rec);
            r.set(I64, 0, i + 1); // d_next: the cookie of the next entry
            r.set(I64, 8, e.ino);
            r.set(I32, 16, e.name.length);
            r.set(I8, 20, (byte) e.type);
            System.arraycopy(e.name, 0, rec, 24, e.name.length);
            int n = (int) Math.min(rec.length, cap - used); // the last entry may be cut: libc then asks again
            MemorySegment.copy(rec, 0, mem, I8, buf + used, n);
            used += n;
        }
        mem.set(I32, usedPtr, (int) used);
        return Errno.SUCCESS;
    }

    // ---- path resolution (the capability sandbox) ----------------------------------------------

    /**
     * A resolved guest path.
     *
     * @param host          the host path (inside the preopen of the directory descriptor)
     * @param depth         components between the preopen root and {@code host} (0: the root itself)
     * @param trailingSlash whether the guest path ended in {@code /} (it must then name a directory)
     */
    record Resolved(Path host, int depth, boolean trailingSlash) {
    }

    /**
     * Resolves {@code path} relative to the directory {@code dir}, component by component: {@code .}
     * is skipped, {@code ..} goes up (never above {@code dir}), every component but the last must be a
     * directory, and symbolic links (intermediate ones always, the last when {@code followLast} or the
     * path ends in {@code /}) are replaced by their target.
     *
     * @throws WasiError {@link Errno#NOTCAPABLE} for an absolute path, or a {@code ..} or a link leaving
     *                   {@code dir}; {@link Errno#NOENT} / {@link Errno#NOTDIR} for a missing or
     *                   non-directory intermediate component; {@link Errno#LOOP} after
     *                   {@link #MAX_SYMLINKS} links; {@link Errno#INVAL} for a NUL byte
     */
    static Resolved resolve(Descriptor.Dir dir, String path, boolean followLast) throws WasiError, IOException {
        if (path.isEmpty()) {
            throw new WasiError(Errno.NOENT);
        }
        if (path.indexOf('\0') >= 0) {
            throw new WasiError(Errno.INVAL);
        }
        if (path.startsWith("/")) {
            throw new WasiError(Errno.NOTCAPABLE);
        }
        boolean trailingSlash = path.endsWith("/");
        Deque<String> todo = new ArrayDeque<>();
        for (String c : path.split("/")) {
            if (!c.isEmpty()) {
                todo.addLast(c);
            }
        }
        List<String> stack = new ArrayList<>(dir.rel);
        int floor = stack.size();
        int links = 0;
        Path current = dir.host();
        while (!todo.isEmpty()) {
            String c = todo.pollFirst();
            if (c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (stack.size() <= floor) {
                    throw new WasiError(Errno.NOTCAPABLE);
                }
                stack.remove(stack.size() - 1);
                current = current.getParent();
                continue;
            }
            Path next = current.resolve(c);
            boolean last = todo.isEmpty();
            if (!last || followLast || trailingSlash) {
                if (Files.isSymbolicLink(next)) {
                    if (++links > MAX_SYMLINKS) {
                        throw new WasiError(Errno.LOOP);
                    }
                    String target = Files.readSymbolicLink(next).toString();
                    if (target.startsWith("/")) {
                        throw new WasiError(Errno.NOTCAPABLE);
                    }
                    if (target.isEmpty()) {
                        throw new WasiError(Errno.NOENT);
                    }
                    String[] parts = target.split("/");
                    if (target.endsWith("/") && last) {
                        trailingSlash = true;
                    }
                    for (int i = parts.length - 1; i >= 0; i--) {
                        if (!parts[i].isEmpty()) {
                            todo.addFirst(parts[i]);
                        }
                    }
                    continue;
                }
            }
            if (!last) {
                if (!Files.isDirectory(next, LinkOption.NOFOLLOW_LINKS)) {
                    throw new WasiError(Files.exists(next, LinkOption.NOFOLLOW_LINKS) ? Errno.NOTDIR : Errno.NOENT);
                }
            }
            stack.add(c);
            current = next;
        }
        return new Resolved(current, stack.size(), trailingSlash);
    }

    /** witx {@code lookupflags}: follow a final symbolic link. */
    private static final int LOOKUP_SYMLINK_FOLLOW = 1;
    /** witx {@code oflags}. */
    private static final int O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;

    private static Map<String, Object> lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static int typeOf(Map<String, Object> attrs) {
        return attrs == null ? -1 : filetypeOfMode((Integer) attrs.get("mode"));
    }

    /**
     * {@code path_open}: the directory needs {@code PATH_OPEN}, and {@code PATH_CREATE_FILE} for
     * {@code O_CREAT}, {@code PATH_FILESTAT_SET_SIZE} for {@code O_TRUNC}. The new descriptor's rights
     * are the requested ones intersected with the directory's inheriting rights and with what its file
     * type allows ({@link Descriptor#allowedBase}); a file's channel is opened for reading and/or writing
     * as its {@code FD_READ} / {@code FD_WRITE} rights say. Asking a directory for {@code FD_WRITE} or
     * {@code O_TRUNC} is {@link Errno#ISDIR}, as open(2).
     */
    private int pathOpen(int dirfd, int dirflags, String path, int oflags, long rightsBase, long rightsInheriting,
            int fdflags, long fdPtr) throws WasiError, IOException {
        boolean creat = (oflags & O_CREAT) != 0;
        boolean trunc = (oflags & O_TRUNC) != 0;
        Descriptor.Dir dir = dir(dirfd, RIGHT_PATH_OPEN | (creat ? RIGHT_PATH_CREATE_FILE : 0)
                | (trunc ? RIGHT_PATH_FILESTAT_SET_SIZE : 0));
        if ((oflags & ~15) != 0 || (fdflags & ~31) != 0) {
            return Errno.INVAL;
        }
        mem.asSlice(fdPtr, 4);
        boolean follow = (dirflags & LOOKUP_SYMLINK_FOLLOW) != 0;
        Resolved r = resolve(dir, path, follow);
        Path p = r.host;
        int type = typeOf(lstat(p));
        if (creat && (oflags & O_EXCL) != 0 && type >= 0) {
            return Errno.EXIST;
        }
        if (type == Descriptor.FILETYPE_SYMBOLIC_LINK) {
            return Errno.LOOP; // O_NOFOLLOW on a link
        }
        boolean wantDir = (oflags & O_DIRECTORY) != 0 || r.trailingSlash;
        if (type < 0 && !creat) {
            return Errno.NOENT;
        }
        if (type < 0 && wantDir) {
            return creat && r.trailingSlash ? Errno.ISDIR : Errno.NOENT;
        }
        int ft = type < 0 ? Descriptor.FILETYPE_REGULAR_FILE : type;
        long base = rightsBase & dir.rightsInheriting & Descriptor.allowedBase(ft);
        long inheriting = rightsInheriting & dir.rightsInheriting & Descriptor.allowedInheriting(ft);
        if (type == Descriptor.FILETYPE_DIRECTORY) {
            if ((rightsBase & RIGHT_FD_WRITE) != 0 || trunc) {
                return Errno.ISDIR;
            }
            List<String> rel = new ArrayList<>();
            for (Path c : dir.root.relativize(p)) {
                if (!c.toString().isEmpty()) {
                    rel.add(c.toString());
                }
            }
            Descriptor.Dir nd = new Descriptor.Dir(dir.root, rel, null, base, inheriting);
            nd.fdflags = fdflags;
            mem.set(I32, fdPtr, allocate(nd));
            return Errno.SUCCESS;
        }
        if (wantDir) {
            return Errno.NOTDIR;
        }
        boolean write = (base & RIGHT_FD_WRITE) != 0;
        boolean read = (base & RIGHT_FD_READ) != 0 || !write; // open(2) has no "neither": O_RDONLY
        Set<OpenOption> opts = new HashSet<>();
        opts.add(LinkOption.NOFOLLOW_LINKS);
        if (read) {
            opts.add(StandardOpenOption.READ);
        }
        if (write) {
            opts.add(StandardOpenOption.WRITE);
            if ((fdflags & FDFLAG_SYNC) != 0) {
                opts.add(StandardOpenOption.SYNC);
            } else if ((fdflags & FDFLAG_DSYNC) != 0) {
                opts.add(StandardOpenOption.DSYNC);
            }
        }
        if (creat && type < 0) {
            if (write) {
                opts.add((oflags & O_EXCL) != 0 ? StandardOpenOption.CREATE_NEW : StandardOpenOption.CREATE);
            } else {
                Files.createFile(p); // FileChannel ignores CREATE when opened read-only; open(2) does not
            }
        }
        if (trunc && type >= 0) {
            if (write) {
                opts.add(StandardOpenOption.TRUNCATE_EXISTING);
            } else {
                // O_RDONLY | O_TRUNC truncates on Linux (the host file must be writable); FileChannel
                // truncates only what it opens for writing
                try (FileChannel t = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                    t.truncate(0);
                }
            }
        }
        FileChannel ch = FileChannel.open(p, opts);
        Descriptor.File f = new Descriptor.File(ch, p, read, write, ft, base, inheriting, fdflags);
        mem.set(I32, fdPtr, allocate(f));
        return Errno.SUCCESS;
    }

    private int pathCreateDirectory(int dirfd, String path) throws WasiError, IOException {
        Resolved r = resolve(dir(dirfd, RIGHT_PATH_CREATE_DIRECTORY), path, false);
        Files.createDirectory(r.host);
        return Errno.SUCCESS;
    }

    private int pathFilestatGet(int dirfd, int flags, String path, long ptr) throws WasiError, IOException {
        Resolved r = resolve(dir(dirfd, RIGHT_PATH_FILESTAT_GET), path, (flags & LOOKUP_SYMLINK_FOLLOW) != 0);
        checkTrailingSlash(r);
        filestat(r.host, NOFOLLOW, ptr);
        return Errno.SUCCESS;
    }

    private static void checkTrailingSlash(Resolved r) throws WasiError, IOException {
        if (r.trailingSlash) {
            int t = typeOf(lstat(r.host));
            if (t >= 0 && t != Descriptor.FILETYPE_DIRECTORY) {
                throw new WasiError(Errno.NOTDIR);
            }
        }
    }

    private int pathFilestatSetTimes(int dirfd, int flags, String path, long atim, long mtim, int fst)
            throws WasiError, IOException {
        Resolved r = resolve(dir(dirfd, RIGHT_PATH_FILESTAT_SET_TIMES), path, (flags & LOOKUP_SYMLINK_FOLLOW) != 0);
        checkTrailingSlash(r);
        return setTimes(r.host, NOFOLLOW, atim, mtim, fst);
    }

    private int pathLink(int oldFd, int oldFlags, String oldPath, int newFd, String newPath)
            throws WasiError, IOException {
        Descriptor.Dir od = dir(oldFd, RIGHT_PATH_LINK_SOURCE);
        Descriptor.Dir nd = dir(newFd, RIGHT_PATH_LINK_TARGET);
        Resolved from = resolve(od, oldPath, (oldFlags & LOOKUP_SYMLINK_FOLLOW) != 0);
        Resolved to = resolve(nd, newPath, false);
        int t = typeOf(lstat(from.host));
        if (t < 0) {
            return Errno.NOENT;
        }
        if (from.trailingSlash && t != Descriptor.FILETYPE_DIRECTORY) {
            return Errno.NOTDIR; // "file/" names a directory
        }
        if (t == Descriptor.FILETYPE_DIRECTORY) {
            return Errno.PERM; // link(2) refuses directories
        }
        // as linkat(2): an existing new path is EEXIST, a missing one with a trailing slash ENOENT
        if (typeOf(lstat(to.host)) >= 0) {
            return Errno.EXIST;
        }
        if (to.trailingSlash) {
            return Errno.NOENT;
        }
        Files.createLink(to.host, from.host);
        return Errno.SUCCESS;
    }

    private int pathReadlink(int dirfd, String path, long buf, int bufLen, long usedPtr) throws WasiError, IOException {
        Resolved r = resolve(dir(dirfd, RIGHT_PATH_READLINK), path, false);
        byte[] target = Files.readSymbolicLink(r.host).toString().getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(target.length, bufLen & 0xFFFF_FFFFL);
        MemorySegment.copy(target, 0, mem, I8, buf, n);
        mem.set(I32, usedPtr, n);
        return Errno.SUCCESS;
    }

    private int pathRemove(int dirfd, String path, boolean directory) throws WasiError, IOException {
        Descriptor.Dir dir = dir(dirfd, directory ? RIGHT_PATH_REMOVE_DIRECTORY : RIGHT_PATH_UNLINK_FILE);
        Resolved r = resolve(dir, path, false);
        int t = typeOf(lstat(r.host));
        if (t < 0) {
            return Errno.NOENT;
        }
        if (directory) {
            if (t != Descriptor.FILETYPE_DIRECTORY) {
                return Errno.NOTDIR;
            }
            if (r.depth <= dir.rel.size()) {
                return Errno.BUSY; // the directory of the descriptor itself (or the preopen)
            }
        } else {
            if (t == Descriptor.FILETYPE_DIRECTORY) {
                return Errno.ISDIR;
            }
            if (r.trailingSlash) {
                return Errno.NOTDIR;
            }
        }
        Files.delete(r.host);
        return Errno.SUCCESS;
    }

    private int pathRename(int oldFd, String oldPath, int newFd, String newPath) throws WasiError, IOException {
        Descriptor.Dir od = dir(oldFd, RIGHT_PATH_RENAME_SOURCE);
        Descriptor.Dir nd = dir(newFd, RIGHT_PATH_RENAME_TARGET);
        Resolved from = resolve(od, oldPath, false);
        Resolved to = resolve(nd, newPath, false);
        int t = typeOf(lstat(from.host));
        if (t < 0) {
            return Errno.NOENT;
        }
        if (from.depth <= od.rel.size() || to.depth <= nd.rel.size()) {
            return Errno.BUSY;
        }
        int tt = typeOf(lstat(to.host));
        if ((from.trailingSlash || to.trailingSlash) && t != Descriptor.FILETYPE_DIRECTORY) {
            return Errno.NOTDIR;
        }
        if (tt >= 0 && t == Descriptor.FILETYPE_DIRECTORY && tt != Descriptor.FILETYPE_DIRECTORY) {
            return Errno.NOTDIR;
        }
        if (tt == Descriptor.FILETYPE_DIRECTORY && t != Descriptor.FILETYPE_DIRECTORY) {
            return Errno.ISDIR;
        }
        Files.move(from.host, to.host, StandardCopyOption.ATOMIC_MOVE);
        return Errno.SUCCESS;
    }

    private int pathSymlink(String target, int dirfd, String newPath) throws WasiError, IOException {
        Resolved r = resolve(dir(dirfd, RIGHT_PATH_SYMLINK), newPath, false);
        if (target.isEmpty()) {
            return Errno.NOENT;
        }
        if (target.startsWith("/") || target.indexOf('\0') >= 0) {
            return Errno.NOTCAPABLE; // an absolute link could never be followed inside the sandbox
        }
        if (r.trailingSlash) {
            return typeOf(lstat(r.host)) >= 0 ? Errno.EXIST : Errno.NOENT;
        }
        Files.createSymbolicLink(r.host, Path.of(target));
        return Errno.SUCCESS;
    }

    // ---- poll_oneoff ---------------------------------------------------------------------------

    /** witx {@code eventtype}. */
    private static final int EVENT_CLOCK = 0, EVENT_FD_READ = 1, EVENT_FD_WRITE = 2;
    /** witx {@code eventrwflags}: the peer hung up (here: stdin reached its end). */
    private static final int EVENTRWFLAGS_HANGUP = 1;
    /** How long one wait lasts when several distinct inputs are polled (they are checked in turn). */
    private static final long POLL_SLICE_NANOS = 10_000_000;

    /**
     * {@code poll_oneoff}: clock subscriptions (relative or absolute) and fd subscriptions, answered
     * together. Regular files are always ready (as poll(2) says); stdout and stderr are ready for
     * writing; stdin is ready for reading when a read would not block (input, its end, or an error),
     * which is waited for together with the clocks ({@link PollableInput}). Returns once at least one
     * subscription has an event: every ready one, every expired clock, every invalid subscription
     * (with its errno in the event). With no clock and stdin never ready, it waits for stdin.
     */
    private int pollOneoff(long in, long out, int nsubs, long neventsPtr) throws IOException {
        if (nsubs <= 0) {
            return Errno.INVAL;
        }
        int n = nsubs;
        mem.asSlice(in, 48L * n);
        mem.asSlice(out, 32L * n);
        long start = System.nanoTime();
        long[] deadline = new long[n]; // System.nanoTime() at which a clock fires
        boolean[] clock = new boolean[n];
        PollableInput[] input = new PollableInput[n]; // stdin subscriptions not ready yet
        boolean haveClock = false;
        long earliest = 0;
        int events = 0;
        for (int i = 0; i < n; i++) {
            long sub = in + 48L * i;
            long userdata = mem.get(I64, sub);
            int tag = mem.get(I8, sub + 8) & 0xFF;
            switch (tag) {
                case EVENT_CLOCK -> {
                    int id = mem.get(I32, sub + 16);
                    long timeout = mem.get(I64, sub + 24);
                    int flags = mem.get(I16, sub + 40) & 0xFFFF;
                    long now = now(id);
                    if (now < 0) {
                        events = event(out, events, userdata, Errno.INVAL, tag, 0, 0);
                        continue;
                    }
                    // timeouts are u64 nanoseconds; beyond 2^61 (73 years) they are as good as never
                    long wait;
                    if ((flags & 1) != 0) { // subclockflags abstime
                        wait = Long.compareUnsigned(timeout, now) <= 0 ? 0 : timeout - now;
                    } else {
                        wait = timeout;
                    }
                    if (Long.compareUnsigned(wait, Long.MAX_VALUE / 4) > 0) {
                        wait = Long.MAX_VALUE / 4;
                    }
                    deadline[i] = start + wait;
                    clock[i] = true;
                    earliest = !haveClock || deadline[i] - earliest < 0 ? deadline[i] : earliest;
                    haveClock = true;
                }
                case EVENT_FD_READ, EVENT_FD_WRITE -> {
                    int fd = mem.get(I32, sub + 16);
                    Descriptor d = fd >= 0 && fd < fds.size() ? fds.get(fd) : null;
                    if (d == null) {
                        events = event(out, events, userdata, Errno.BADF, tag, 0, 0);
                    } else if (d instanceof Descriptor.Dir) {
                        events = event(out, events, userdata, Errno.ISDIR, tag, 0, 0);
                    } else if ((d.rightsBase & RIGHT_POLL_FD_READWRITE) == 0) {
                        events = event(out, events, userdata, Errno.NOTCAPABLE, tag, 0, 0);
                    } else if (d instanceof Descriptor.File f) {
                        long nbytes = tag == EVENT_FD_READ ? Math.max(0, f.channel.size() - f.channel.position()) : 0;
                        events = event(out, events, userdata, Errno.SUCCESS, tag, nbytes, 0);
                    } else if (d instanceof Descriptor.Stream s) {
                        if (tag == EVENT_FD_WRITE ? s.out == null : s.in == null) {
                            events = event(out, events, userdata, Errno.BADF, tag, 0, 0);
                        } else if (tag == EVENT_FD_WRITE) {
                            events = event(out, events, userdata, Errno.SUCCESS, tag, 0, 0);
                        } else {
                            input[i] = s.in;
                        }
                    }
                }
                default -> events = event(out, events, userdata, Errno.INVAL, tag, 0, 0);
            }
        }
        // wait for the first clock or input unless something is ready already
        PollableInput first = null;
        boolean distinct = false;
        for (PollableInput p : input) {
            if (p != null) {
                distinct |= first != null && p != first;
                first = first == null ? p : first;
            }
        }
        if (events == 0 && first == null && haveClock) {
            sleepUntil(earliest);
        } else if (events == 0 && first != null) {
            while (!anyReady(input)) {
                long now = System.nanoTime();
                if (haveClock && earliest - now <= 0) {
                    break;
                }
                if (distinct) {
                    long until = haveClock && earliest - now < POLL_SLICE_NANOS ? earliest : now + POLL_SLICE_NANOS;
                    first.await(until, false);
                } else {
                    first.await(earliest, !haveClock);
                }
            }
        }
        long now = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long sub = in + 48L * i;
            if (clock[i] && deadline[i] - now <= 0) {
                events = event(out, events, mem.get(I64, sub), Errno.SUCCESS, EVENT_CLOCK, 0, 0);
            } else if (input[i] != null && input[i].ready()) {
                events = event(out, events, mem.get(I64, sub), Errno.SUCCESS, EVENT_FD_READ, input[i].available(),
                        input[i].atEnd() ? EVENTRWFLAGS_HANGUP : 0);
            }
        }
        mem.set(I32, neventsPtr, events);
        return Errno.SUCCESS;
    }

    /** Whether a read of any of {@code inputs} (nulls skipped) would not block now. */
    private static boolean anyReady(PollableInput[] inputs) throws IOException {
        for (PollableInput p : inputs) {
            if (p != null && p.ready()) {
                return true;
            }
        }
        return false;
    }

    /** Sleeps until {@link System#nanoTime()} reaches {@code deadline} (an interrupt ends it early, kept set). */
    private static void sleepUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Writes witx {@code event} number {@code index} (32 bytes: userdata u64, error u16, type u8,
     * fd_readwrite nbytes u64 at 16 and flags u16 at 24) and returns {@code index + 1}.
     */
    private int event(long out, int index, long userdata, int errno, int type, long nbytes, int rwflags) {
        long e = out + 32L * index;
        mem.asSlice(e, 32).fill((byte) 0);
        mem.set(I64, e, userdata);
        mem.set(I16, e + 8, (short) errno);
        mem.set(I8, e + 10, (byte) type);
        mem.set(I64, e + 16, nbytes);
        mem.set(I16, e + 24, (short) rwflags);
        return index + 1;
    }

    // ---- errors --------------------------------------------------------------------------------

    /** The WASI errno for a host I/O failure: by exception type, else by the OS's reason text. */
    static int errnoOf(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.NOENT;
        }
        if (e instanceof FileAlreadyExistsException) {
            return Errno.EXIST;
        }
        if (e instanceof DirectoryNotEmptyException) {
            return Errno.NOTEMPTY;
        }
        if (e instanceof NotDirectoryException) {
            return Errno.NOTDIR;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.ACCES;
        }
        if (e instanceof NotLinkException) {
            return Errno.INVAL;
        }
        if (e instanceof java.io.InterruptedIOException) {
            return Errno.INTR;
        }
        if (e instanceof FileSystemLoopException) {
            return Errno.LOOP;
        }
        if (e instanceof AtomicMoveNotSupportedException) {
            return Errno.XDEV;
        }
        String reason = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (reason == null) {
            return Errno.IO;
        }
        String r = reason.toLowerCase(java.util.Locale.ROOT);
        if (r.contains("is a directory")) {
            return Errno.ISDIR;
        }
        if (r.contains("not a directory")) {
            return Errno.NOTDIR;
        }
        if (r.contains("directory not empty")) {
            return Errno.NOTEMPTY;
        }
        if (r.contains("too many levels of symbolic links")) {
            return Errno.LOOP;
        }
        if (r.contains("operation not permitted")) {
            return Errno.PERM;
        }
        if (r.contains("permission denied")) {
            return Errno.ACCES;
        }
        if (r.contains("invalid argument")) {
            return Errno.INVAL;
        }
        if (r.contains("file name too long")) {
            return Errno.NAMETOOLONG;
        }
        if (r.contains("read-only file system")) {
            return Errno.ROFS;
        }
        if (r.contains("no space left")) {
            return Errno.NOSPC;
        }
        if (r.contains("file exists")) {
            return Errno.EXIST;
        }
        if (r.contains("no such file")) {
            return Errno.NOENT;
        }
        if (r.contains("broken pipe")) {
            return Errno.PIPE;
        }
        if (r.contains("too many links")) {
            return Errno.MLINK;
        }
        if (r.contains("cross-device")) {
            return Errno.XDEV;
        }
        if (r.contains("file too large")) {
            return Errno.FBIG;
        }
        if (r.contains("device or resource busy")) {
            return Errno.BUSY;
        }
        return Errno.IO;
    }
}
