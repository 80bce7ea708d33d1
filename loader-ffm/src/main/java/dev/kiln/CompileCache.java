package dev.kiln;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.abi.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A compile cache on disk: {@link Module#compile} with an {@link Engine} that has one
 * ({@link Engine.Builder#compileCache}) looks the module up before compiling and stores the
 * artifact after, so that later compilations of the same module, in this process or another, skip
 * the compiler and map the stored artifact instead (Wasmtime's cache, {@code wasmtime run -C cache}).
 *
 * <p><b>Key.</b> An entry is found by the SHA-256 of: this Kiln's version and build, the target, the
 * compile options (all of them, the CPU features resolved against this machine), the compile-time
 * builtins and intrinsics namespace, and the SHA-256 of the module's bytes. Its file is
 * {@code DIR/<64 hex digits>.kiln}, an ordinary artifact ({@code objdump -d} reads it).
 *
 * <p><b>Never trusted blindly.</b> An entry is loaded with {@link Module#load}, which verifies it as
 * it verifies any artifact (ELF header, target, CPU features this machine has, the sections), and
 * its recorded input hash must be the module's. An entry that fails is reported to the warning
 * handler, deleted, and the module is compiled again and stored in its place.
 *
 * <p><b>Writes</b> are atomic: the artifact goes to a temporary file in the cache directory that is
 * then renamed over the entry, so concurrent processes compiling the same module never see a
 * partial entry (the last rename wins; both artifacts are the same, compilation being
 * deterministic). When the directory cannot be created or written (read-only, no permission, disk
 * full), the cache says so once to the warning handler and from then on only reads.
 *
 * <p><b>Size.</b> After each store, when the {@code .kiln} files in the directory take more than
 * {@link #maxBytes()}, the least recently used ones (by modification time, which a hit refreshes)
 * are deleted until they take at most three quarters of it. An artifact larger than the limit on
 * its own is not stored. Temporary files older than an hour (left by a process that died) go too.
 *
 * <p>Thread-safe; any number of processes may share a directory.
 */
public final class CompileCache {
    /** Default size limit: 1 GiB. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** The environment variable that overrides {@link #defaultDirectory()}'s choice. */
    public static final String DIR_VARIABLE = "KILN_CACHE_DIR";

    private static final String EXTENSION = ".kiln";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final long STALE_TEMP_MILLIS = 3_600_000;
    private static final String KEY_FORMAT = "kiln-compile-cache-1";

    private final Path directory;
    private final long maxBytes;
    private final Consumer<String> warnings;
    private final AtomicBoolean readOnly = new AtomicBoolean();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();

    private CompileCache(Path directory, long maxBytes, Consumer<String> warnings) {
        this.directory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("the cache size limit must be positive, got " + maxBytes + " bytes");
        }
        this.maxBytes = maxBytes;
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /**
     * A cache in {@code directory} (created when first written to) holding at most {@code maxBytes}
     * bytes of artifacts, reporting problems (read-only directory, a corrupt entry) to
     * {@code warnings}, one line each without a trailing newline.
     *
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     */
    public static CompileCache open(Path directory, long maxBytes, Consumer<String> warnings) {
        return new CompileCache(directory, maxBytes, warnings);
    }

    /**
     * A cache in {@code directory} of at most {@link #DEFAULT_MAX_BYTES}, reporting problems as
     * {@link System.Logger.Level#WARNING WARNING}s of the {@code dev.kiln.CompileCache} system logger.
     */
    public static CompileCache open(Path directory) {
        System.Logger log = System.getLogger(CompileCache.class.getName());
        return open(directory, DEFAULT_MAX_BYTES, m -> log.log(System.Logger.Level.WARNING, m));
    }

    /**
     * The user's cache directory for Kiln, as the XDG Base Directory specification places it:
     * {@code $KILN_CACHE_DIR} if set, else {@code $XDG_CACHE_HOME/kiln} if that is an absolute path,
     * else {@code ~/.cache/kiln}.
     */
    public static Path defaultDirectory() {
        String explicit = System.getenv(DIR_VARIABLE);
        if (explicit != null && !explicit.isEmpty()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "kiln");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "kiln");
    }

    /** The directory entries live in (absolute). */
    public Path directory() {
        return directory;
    }

    /** The size limit of the entries, in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /** How many compilations this cache object answered from disk. */
    public long hits() {
        return hits.get();
    }

    /** How many compilations found no usable entry and ran the compiler. */
    public long misses() {
        return misses.get();
    }

    /** How many entries failed verification and were deleted. */
    public long rejected() {
        return rejected.get();
    }

    /** How many entries this cache object deleted to stay under {@link #maxBytes()}. */
    public long evicted() {
        return evicted.get();
    }

    /** Whether writing failed and the cache only reads from now on (already reported once). */
    public boolean isReadOnly() {
        return readOnly.get();
    }

    /**
     * The entry file for a module: where {@link Module#compile} with this cache looks for it and stores
     * it. Exposed for tools and tests.
     *
     * @param input    the module's bytes (binary or text) as given to {@link Module#compile}
     * @param options  the compile options
     * @param builtins the compile-time builtins ({@link CompileTimeBuiltins#none()} for none)
     */
    public Path entryFor(byte[] input, CompileOptions options, CompileTimeBuiltins builtins) {
        return directory.resolve(key(sha256(input), options, builtins) + EXTENSION);
    }

    /** The module for {@code input}: the verified entry if there is one, else compiled and stored. */
    Module compile(Engine engine, byte[] input, String name, CompileTimeBuiltins builtins, Supplier<byte[]> compiler) {
        byte[] inputHash = sha256(input);
        Path entry = directory.resolve(key(inputHash, engine.compileOptions(), builtins) + EXTENSION);
        Module cached = lookup(engine, entry, inputHash);
        if (cached != null) {
            hits.incrementAndGet();
            return cached;
        }
        misses.incrementAndGet();
        byte[] artifact = compiler.get();
        Module module = Module.fromArtifact(engine, artifact, name);
        store(entry, artifact);
        return module;
    }

    private Module lookup(Engine engine, Path entry, byte[] inputHash) {
        if (!Files.isRegularFile(entry)) {
            return null;
        }
        Module module;
        try {
            module = Module.load(engine, entry);
            if (!Arrays.equals(module.metadata().inputHash(), inputHash)) {
                throw new ArtifactFormatException(entry.toString(), -1, "compiled from another module");
            }
        } catch (NoSuchFileException e) {
            return null; // evicted by another process since the check
        } catch (IOException | ArtifactFormatException | IllegalArgumentException e) {
            rejected.incrementAndGet();
            warnings.accept("compile cache entry " + entry + " failed verification (" + e.getMessage()
                    + "); compiling the module again");
            try {
                Files.deleteIfExists(entry);
            } catch (IOException ignored) {
                // replaced by the rename of the fresh artifact, or the directory is read-only
            }
            return null;
        }
        try {
            Files.setLastModifiedTime(entry, FileTime.fromMillis(System.currentTimeMillis())); // most recently used
        } catch (IOException ignored) {
            // a read-only cache still serves hits
        }
        return module;
    }

    private void store(Path entry, byte[] artifact) {
        if (readOnly.get() || artifact.length > maxBytes) {
            return;
        }
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, TEMP_PREFIX, EXTENSION);
            Files.write(temp, artifact);
            try {
                Files.move(temp, entry, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + directory + " cannot rename atomically", e);
            }
            temp = null;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            if (readOnly.compareAndSet(false, true)) {
                warnings.accept("cannot write to the compile cache " + directory + " (" + reason(e)
                        + "); running without caching");
            }
            return;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }
        evict(entry);
    }

    private static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private record Entry(Path path, long size, long lastUsed) {
    }

    /** Deletes least recently used entries (never {@code keep}) until the rest fit in 3/4 of the limit. */
    private void evict(Path keep) {
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        long now = System.currentTimeMillis();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(directory)) {
            for (Path p : dir) {
                String file = p.getFileName().toString();
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (IOException e) {
                    continue; // deleted meanwhile
                }
                if (!a.isRegularFile()) {
                    continue;
                }
                if (file.startsWith(TEMP_PREFIX)) {
                    if (now - a.lastModifiedTime().toMillis() > STALE_TEMP_MILLIS) {
                        Files.deleteIfExists(p);
                    }
                    continue;
                }
                if (file.endsWith(EXTENSION)) {
                    entries.add(new Entry(p, a.size(), a.lastModifiedTime().toMillis()));
                    total += a.size();
                }
            }
        } catch (IOException e) {
            return; // eviction is best effort; the next store tries again
        }
        if (total <= maxBytes) {
            return;
        }
        long goal = maxBytes / 4 * 3;
        entries.sort(Comparator.comparingLong(Entry::lastUsed));
        for (Entry e : entries) {
            if (total <= goal) {
                break;
            }
            if (e.path().equals(keep)) {
                continue;
            }
            try {
                if (Files.deleteIfExists(e.path())) {
                    evicted.incrementAndGet();
                }
                total -= e.size();
            } catch (IOException ignored) {
                // another process holds or removed it; go on with the next
            }
        }
    }

    // ---- the key ----

    private static String key(byte[] inputHash, CompileOptions options, CompileTimeBuiltins builtins) {
        MessageDigest d = digest();
        field(d, KEY_FORMAT);
        field(d, Build.ID);
        field(d, Target.host().name());
        field(d, options.withCpuFeatures(options.resolvedCpuFeatures()).toString()); // every option, -1 resolved
        field(d, String.valueOf(builtins.intrinsicsNamespace()));
        for (CompileTimeBuiltins.Builtin b : builtins.builtins()) {
            field(d, b.name());
            d.update(sha256(b.wasmOrWat()));
        }
        d.update(inputHash);
        return HexFormat.of().formatHex(d.digest());
    }

    private static void field(MessageDigest d, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        d.update(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8), (byte) b.length});
        d.update(b);
    }

    private static byte[] sha256(byte[] bytes) {
        return digest().digest(bytes);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * This Kiln's version and build time, {@code VERSION+BUILDTIME}: from the jar's manifest
     * ({@code Implementation-Version} of package {@code dev.kiln}, which the JVM has at hand, also for
     * classes from an AOT cache, without opening the jar: a fresh {@code kiln run} would otherwise
     * open it only for this), else from {@code build.properties} (classes in a directory); both
     * filtered by Maven.
     */
    static final class Build {
        static final String ID = load();

        private Build() {
        }

        private static String load() {
            Package pkg = CompileCache.class.getPackage();
            String stamped = pkg == null ? null : pkg.getImplementationVersion();
            if (stamped != null && stamped.indexOf('+') > 0 && !stamped.contains("$")) {
                return stamped;
            }
            // Without a build stamp nothing tells this compiler from another: entries live for this JVM only.
            String unknown = "unknown-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
            try (InputStream in = CompileCache.class.getResourceAsStream("build.properties")) {
                if (in == null) {
                    return unknown;
                }
                Properties p = new Properties();
                p.load(in);
                String version = p.getProperty("version", "");
                String build = p.getProperty("build", "");
                return version.isEmpty() || build.isEmpty() || build.startsWith("$") ? unknown : version + "+" + build;
            } catch (IOException e) {
                return unknown;
            }
        }
    }
}
