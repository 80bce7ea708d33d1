package dev.kiln.wasi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.List;

/**
 * An open WASI file descriptor: what a slot of the {@link WasiContext} descriptor table holds.
 * Package-private; used by one thread at a time with its context.
 */
abstract sealed class Descriptor permits Descriptor.Stream, Descriptor.File, Descriptor.Dir {
    /** WASI preview1 {@code rights} bits (witx {@code rights}, u64), in witx order. */
    static final long RIGHT_FD_DATASYNC = 1L << 0, RIGHT_FD_READ = 1L << 1, RIGHT_FD_SEEK = 1L << 2,
            RIGHT_FD_FDSTAT_SET_FLAGS = 1L << 3, RIGHT_FD_SYNC = 1L << 4, RIGHT_FD_TELL = 1L << 5,
            RIGHT_FD_WRITE = 1L << 6, RIGHT_FD_ADVISE = 1L << 7, RIGHT_FD_ALLOCATE = 1L << 8,
            RIGHT_PATH_CREATE_DIRECTORY = 1L << 9, RIGHT_PATH_CREATE_FILE = 1L << 10,
            RIGHT_PATH_LINK_SOURCE = 1L << 11, RIGHT_PATH_LINK_TARGET = 1L << 12, RIGHT_PATH_OPEN = 1L << 13,
            RIGHT_FD_READDIR = 1L << 14, RIGHT_PATH_READLINK = 1L << 15, RIGHT_PATH_RENAME_SOURCE = 1L << 16,
            RIGHT_PATH_RENAME_TARGET = 1L << 17, RIGHT_PATH_FILESTAT_GET = 1L << 18,
            RIGHT_PATH_FILESTAT_SET_SIZE = 1L << 19, RIGHT_PATH_FILESTAT_SET_TIMES = 1L << 20,
            RIGHT_FD_FILESTAT_GET = 1L << 21, RIGHT_FD_FILESTAT_SET_SIZE = 1L << 22,
            RIGHT_FD_FILESTAT_SET_TIMES = 1L << 23, RIGHT_PATH_SYMLINK = 1L << 24,
            RIGHT_PATH_REMOVE_DIRECTORY = 1L << 25, RIGHT_PATH_UNLINK_FILE = 1L << 26,
            RIGHT_POLL_FD_READWRITE = 1L << 27, RIGHT_SOCK_SHUTDOWN = 1L << 28, RIGHT_SOCK_ACCEPT = 1L << 29;
    /** Every right WASI preview1 defines (bits 0..29). */
    static final long ALL_RIGHTS = (1L << 30) - 1;

    /*
     * The rights a descriptor of each file type can hold: the tables of the preview1 implementations
     * (CloudABI's, uvwasi's, Wasmtime's wasi-common before the component model). A descriptor never
     * holds a right its type does not allow; path_open intersects with these.
     */

    /** What a regular file can do: read, write, seek, sync, size, times, poll. */
    static final long REGULAR_FILE_BASE = RIGHT_FD_DATASYNC | RIGHT_FD_READ | RIGHT_FD_SEEK
            | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_SYNC | RIGHT_FD_TELL | RIGHT_FD_WRITE | RIGHT_FD_ADVISE
            | RIGHT_FD_ALLOCATE | RIGHT_FD_FILESTAT_GET | RIGHT_FD_FILESTAT_SET_SIZE | RIGHT_FD_FILESTAT_SET_TIMES
            | RIGHT_POLL_FD_READWRITE;
    /** A regular file opens nothing: it passes on no rights. */
    static final long REGULAR_FILE_INHERITING = 0;
    /** What a directory can do: every path operation, list itself, stat and set its times (no read, write or seek). */
    static final long DIRECTORY_BASE = RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_SYNC | RIGHT_FD_ADVISE
            | RIGHT_PATH_CREATE_DIRECTORY | RIGHT_PATH_CREATE_FILE | RIGHT_PATH_LINK_SOURCE | RIGHT_PATH_LINK_TARGET
            | RIGHT_PATH_OPEN | RIGHT_FD_READDIR | RIGHT_PATH_READLINK | RIGHT_PATH_RENAME_SOURCE
            | RIGHT_PATH_RENAME_TARGET | RIGHT_PATH_FILESTAT_GET | RIGHT_PATH_FILESTAT_SET_SIZE
            | RIGHT_PATH_FILESTAT_SET_TIMES | RIGHT_FD_FILESTAT_GET | RIGHT_FD_FILESTAT_SET_TIMES | RIGHT_PATH_SYMLINK
            | RIGHT_PATH_REMOVE_DIRECTORY | RIGHT_PATH_UNLINK_FILE | RIGHT_POLL_FD_READWRITE;
    /** What a directory passes on to what is opened below it: directories and regular files. */
    static final long DIRECTORY_INHERITING = DIRECTORY_BASE | REGULAR_FILE_BASE;
    /** stdin: read, flags, stat, poll. */
    static final long STDIN_BASE = RIGHT_FD_READ | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET
            | RIGHT_POLL_FD_READWRITE;
    /** stdout and stderr: write, flags, stat, poll. */
    static final long STDOUT_BASE = RIGHT_FD_WRITE | RIGHT_FD_FDSTAT_SET_FLAGS | RIGHT_FD_FILESTAT_GET
            | RIGHT_POLL_FD_READWRITE;

    /** The base rights a descriptor of witx {@code filetype} can hold. */
    static long allowedBase(int filetype) {
        return filetype == FILETYPE_DIRECTORY ? DIRECTORY_BASE : REGULAR_FILE_BASE;
    }

    /** The inheriting rights a descriptor of witx {@code filetype} can hold. */
    static long allowedInheriting(int filetype) {
        return filetype == FILETYPE_DIRECTORY ? DIRECTORY_INHERITING : REGULAR_FILE_INHERITING;
    }

    /** witx {@code filetype} values. */
    static final int FILETYPE_UNKNOWN = 0, FILETYPE_BLOCK_DEVICE = 1, FILETYPE_CHARACTER_DEVICE = 2,
            FILETYPE_DIRECTORY = 3, FILETYPE_REGULAR_FILE = 4, FILETYPE_SOCKET_DGRAM = 5,
            FILETYPE_SOCKET_STREAM = 6, FILETYPE_SYMBOLIC_LINK = 7;
    /** witx {@code fdflags} bits. */
    static final int FDFLAG_APPEND = 1, FDFLAG_DSYNC = 2, FDFLAG_NONBLOCK = 4, FDFLAG_RSYNC = 8, FDFLAG_SYNC = 16;

    long rightsBase;
    long rightsInheriting;
    int fdflags;

    Descriptor(long rightsBase, long rightsInheriting, int fdflags) {
        this.rightsBase = rightsBase;
        this.rightsInheriting = rightsInheriting;
        this.fdflags = fdflags;
    }

    /**
     * Checks that this descriptor holds every right of {@code rights}.
     *
     * @throws Preview1.WasiError {@link Errno#NOTCAPABLE} when one is missing
     */
    final void require(long rights) throws Preview1.WasiError {
        if ((rightsBase & rights) != rights) {
            throw new Preview1.WasiError(Errno.NOTCAPABLE);
        }
    }

    /** The WASI {@code filetype} reported by {@code fd_fdstat_get}. */
    abstract int filetype();

    /** Releases host resources; the standard streams are flushed, never closed. */
    abstract void close() throws IOException;

    /** stdin, stdout or stderr: a Java stream, no seeking. */
    static final class Stream extends Descriptor {
        /** The input (stdin), pollable; null for an output stream. */
        final PollableInput in;
        /** The output (stdout, stderr); null for stdin. */
        final OutputStream out;
        final int filetype;

        Stream(InputStream in, OutputStream out, int filetype) {
            super(in != null ? STDIN_BASE : STDOUT_BASE, 0, 0);
            this.in = in != null ? new PollableInput(in) : null;
            this.out = out;
            this.filetype = filetype;
        }

        @Override
        int filetype() {
            return filetype;
        }

        @Override
        void close() throws IOException {
            if (out != null) {
                out.flush();
            }
        }
    }

    /** A regular file (or another non-directory) opened through {@code path_open}. */
    static final class File extends Descriptor {
        final FileChannel channel;
        /** The host path it was opened at, for stat and set-times (the file may since be renamed). */
        final Path host;
        /** Whether the channel was opened for reading (independent of the rights, which may drop it). */
        final boolean readable;
        /** Whether the channel was opened for writing. */
        final boolean writable;
        final int filetype;

        File(FileChannel channel, Path host, boolean readable, boolean writable, int filetype, long rightsBase,
                long rightsInheriting, int fdflags) {
            super(rightsBase, rightsInheriting, fdflags);
            this.channel = channel;
            this.host = host;
            this.readable = readable;
            this.writable = writable;
            this.filetype = filetype;
        }

        @Override
        int filetype() {
            return filetype;
        }

        @Override
        void close() throws IOException {
            channel.close();
        }
    }

    /**
     * A directory: a preopen or one opened below it. Holds the capability: paths resolved from it
     * never leave {@link #root}, nor go above this directory ({@code ..} stops at {@link #rel}).
     */
    static final class Dir extends Descriptor {
        /** The real (symlink-free, absolute) host path of the preopen this directory belongs to. */
        final Path root;
        /** Components from {@link #root} to this directory, each a real directory (empty for the preopen). */
        final List<String> rel;
        /** The guest name of a preopen ({@code fd_prestat_dir_name}), or null for other directories. */
        final String preopenName;
        /** The listing {@code fd_readdir} pages through: taken at cookie 0, reused for later cookies. */
        List<Preview1.DirEntry> listing;

        Dir(Path root, List<String> rel, String preopenName, long rightsBase, long rightsInheriting) {
            super(rightsBase, rightsInheriting, 0);
            this.root = root;
            this.rel = List.copyOf(rel);
            this.preopenName = preopenName;
        }

        /** The host path of this directory. */
        Path host() {
            Path p = root;
            for (String c : rel) {
                p = p.resolve(c);
            }
            return p;
        }

        @Override
        int filetype() {
            return FILETYPE_DIRECTORY;
        }

        @Override
        void close() {
        }
    }
}
