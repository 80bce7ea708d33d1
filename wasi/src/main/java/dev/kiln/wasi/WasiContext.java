package dev.kiln.wasi;

import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Memory;
import dev.kiln.Store;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * The state of one WASI preview1 program ({@code wasi_snapshot_preview1}): its arguments,
 * environment, standard streams, preopened directories and descriptor table, and the host functions
 * that give a module access to them.
 *
 * <pre>{@code
 * try (WasiContext wasi = WasiContext.builder()
 *             .args("prog", "input.txt").env("HOME", "/")
 *             .preopen(Path.of("data"), "/data")
 *             .build();
 *      Store store = new Store(engine)) {
 *     Linker linker = new Linker();
 *     wasi.define(store, linker);                     // every wasi_snapshot_preview1 function
 *     Instance instance = linker.instantiate(store, module);
 *     int status = wasi.run(instance);                // binds "memory", calls _start
 * }
 * }</pre>
 *
 * <p>Capability sandbox: the program reaches the host file system only through preopened
 * directories. A path is resolved component by component from a directory descriptor: absolute
 * paths, {@code ..} above that directory and symbolic links whose target is absolute or leads above
 * it are refused with {@link Errno#NOTCAPABLE} (links inside are followed, at most 32 per lookup,
 * else {@link Errno#LOOP}). The checks and the host operation are separate system calls, so a host
 * process racing to swap a checked directory for a symbolic link could escape; the guest alone cannot.
 * Within a preopen, preview1's rights are enforced: a preopen holds the directory rights and passes
 * on the directory and regular-file rights; descriptors opened below it get what they ask for within
 * that, and lose rights only ({@code fd_fdstat_set_rights}).
 *
 * <p>{@code proc_exit} throws {@link WasiExit}; nothing here calls {@link System#exit}.
 *
 * <p>Not thread-safe: a context serves one program instance on one thread at a time (as its
 * {@link Store}). Follows the witx definitions of WASI preview1 (WebAssembly/WASI, {@code
 * legacy/preview1/witx/wasi_snapshot_preview1.witx}).
 */
public final class WasiContext implements AutoCloseable {
    /** The import module name of WASI preview1. */
    public static final String MODULE = "wasi_snapshot_preview1";

    final List<String> args;
    final List<String> env;
    /** The builder's source for {@code random_get}, or null for {@link #random()}'s default. */
    private final Random random;
    final List<Descriptor> fds = new ArrayList<>();
    private Memory memory;

    /**
     * The default source of {@code random_get}, made on first use: setting up a {@link SecureRandom}
     * loads the JDK's security providers (~10 ms of a run), and most programs never ask.
     */
    private static final class DefaultRandom {
        static final SecureRandom INSTANCE = new SecureRandom();
    }

    /** The source of {@code random_get}: the builder's, or one {@link SecureRandom} shared by every context. */
    Random random() {
        return random != null ? random : DefaultRandom.INSTANCE;
    }

    private WasiContext(Builder b) {
        this.args = List.copyOf(b.args);
        List<String> e = new ArrayList<>();
        b.env.forEach((k, v) -> e.add(k + "=" + v));
        this.env = List.copyOf(e);
        this.random = b.random;
        fds.add(new Descriptor.Stream(b.stdin != null ? b.stdin : new FileInputStream(FileDescriptor.in), null,
                b.stdioFiletype(b.stdin == null)));
        fds.add(new Descriptor.Stream(null, b.stdout != null ? b.stdout : new FileOutputStream(FileDescriptor.out),
                b.stdioFiletype(b.stdout == null)));
        fds.add(new Descriptor.Stream(null, b.stderr != null ? b.stderr : new FileOutputStream(FileDescriptor.err),
                b.stdioFiletype(b.stderr == null)));
        for (Preopen p : b.preopens) {
            fds.add(new Descriptor.Dir(p.root, List.of(), p.guest, Descriptor.DIRECTORY_BASE,
                    Descriptor.DIRECTORY_INHERITING));
        }
    }

    /** A builder with no arguments, no environment, the process's standard streams and no preopens. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defines every {@code wasi_snapshot_preview1} function (46, the whole preview1 API) in
     * {@code linker} as host functions of {@code store}. A module then links against them with
     * {@link Linker#instantiate}; call {@link #bind} (or {@link #run}) once the instance exists.
     *
     * @return {@code linker}
     * @throws IllegalStateException if the store is closed
     */
    public Linker define(Store store, Linker linker) {
        new Preview1(this).define(store, linker);
        return linker;
    }

    /**
     * Gives the host functions the guest's linear memory (pointers in WASI calls are byte offsets into
     * it). Call after instantiation, before the program's first WASI call.
     */
    public void bind(Memory memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    /**
     * The bound memory.
     *
     * @throws IllegalStateException if {@link #bind} was not called
     */
    Memory memory() {
        Memory m = memory;
        if (m == null) {
            throw new IllegalStateException("WASI: no memory bound; call WasiContext.bind(instance.memory(\"memory\"))"
                    + " after instantiating the module and before calling it");
        }
        return m;
    }

    /**
     * Runs a WASI command: binds the instance's exported {@code memory} and calls its {@code _start}
     * export ({@code [] -> []}), then flushes the output streams.
     *
     * @return the exit status: the value given to {@code proc_exit}, or 0 when {@code _start} returns
     * @throws IllegalArgumentException if the instance exports no {@code memory} or no {@code _start}
     * @throws dev.kiln.Trap            if the program traps
     */
    public int run(Instance instance) {
        bind(instance.memory("memory"));
        Func start = instance.func("_start");
        try {
            start.call();
            return 0;
        } catch (WasiExit e) {
            return e.status();
        } finally {
            flush();
        }
    }

    /** Flushes stdout and stderr (the embedder's streams or the process's). */
    public void flush() {
        for (int fd = 0; fd < 3 && fd < fds.size(); fd++) {
            if (fds.get(fd) instanceof Descriptor.Stream s && s.out != null) {
                try {
                    s.out.flush();
                } catch (IOException e) {
                    // nothing to report to: the stream is gone
                }
            }
        }
    }

    /**
     * Closes every file and directory the program left open and flushes the standard streams (which
     * stay open: they belong to the embedder or the process). Idempotent.
     */
    @Override
    public void close() {
        for (int i = 0; i < fds.size(); i++) {
            Descriptor d = fds.get(i);
            if (d != null) {
                try {
                    d.close();
                } catch (IOException e) {
                    // closing is best effort
                }
                if (!(d instanceof Descriptor.Stream)) {
                    fds.set(i, null);
                }
            }
        }
    }

    record Preopen(Path root, String guest) {
    }

    /** Configures a {@link WasiContext}. Not thread-safe. */
    public static final class Builder {
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final List<Preopen> preopens = new ArrayList<>();
        private InputStream stdin;
        private OutputStream stdout;
        private OutputStream stderr;
        private Random random;

        private Builder() {
        }

        /** Appends program arguments ({@code argv}; the first is conventionally the program name). */
        public Builder args(String... args) {
            return args(List.of(args));
        }

        /** Appends program arguments. */
        public Builder args(List<String> args) {
            this.args.addAll(args);
            return this;
        }

        /**
         * Sets the environment variable {@code name} (replacing an earlier value).
         *
         * @throws IllegalArgumentException if the name is empty or contains {@code =} or NUL, or the value NUL
         */
        public Builder env(String name, String value) {
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("invalid environment variable " + name + "=" + value);
            }
            env.put(name, value);
            return this;
        }

        /**
         * Makes the host directory {@code host} reachable by the program under the name {@code guest}
         * (e.g. {@code "."} or {@code "/data"}); the program's libc maps its paths onto preopens by this
         * name. Preopens get descriptors 3, 4, ... in the order given, with the directory rights as base
         * rights and the directory and regular-file rights as inheriting rights. Symbolic links in
         * {@code host} itself are resolved now.
         *
         * @throws UncheckedIOException     if {@code host} cannot be resolved
         * @throws IllegalArgumentException if {@code host} is not a directory
         */
        public Builder preopen(Path host, String guest) {
            if (!Files.isDirectory(host)) {
                throw new IllegalArgumentException("cannot preopen " + host + ": not a directory");
            }
            try {
                preopens.add(new Preopen(host.toRealPath(), guest));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot preopen " + host, e);
            }
            return this;
        }

        /** The program's standard input (default: the process's, file descriptor 0). */
        public Builder stdin(InputStream in) {
            this.stdin = Objects.requireNonNull(in);
            return this;
        }

        /**
         * The program's standard output (default: the process's, file descriptor 1). Each
         * {@code fd_write} is one {@code write} followed by a {@code flush}.
         */
        public Builder stdout(OutputStream out) {
            this.stdout = Objects.requireNonNull(out);
            return this;
        }

        /** The program's standard error (default: the process's, file descriptor 2). */
        public Builder stderr(OutputStream err) {
            this.stderr = Objects.requireNonNull(err);
            return this;
        }

        /** The source of {@code random_get} (default: a {@link SecureRandom}); a seeded one makes runs repeatable. */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random);
            return this;
        }

        /**
         * The file type reported for a standard stream: a character device (so libc treats it as a
         * terminal and line-buffers stdout) for the process's own streams when the JVM has a terminal,
         * else unknown (like a pipe).
         */
        private int stdioFiletype(boolean processStream) {
            if (processStream) {
                java.io.Console c = System.console();
                if (c != null && c.isTerminal()) {
                    return Descriptor.FILETYPE_CHARACTER_DEVICE;
                }
            }
            return Descriptor.FILETYPE_UNKNOWN;
        }

        /** The context. */
        public WasiContext build() {
            return new WasiContext(this);
        }
    }
}
