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
import java.util.function.Function;
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
 * <p><b>Files seen before.</b> For a module compiled from a file ({@link Module#compile(Engine, Path)},
 * {@link Module.Builder#compile(Path)}), the cache also records, next to the entries, the file's
 * input hash under its identity: device, inode, size, modification and status-change times in
 * nanoseconds ({@code DIR/<device>-<inode>.input}), with the entry's key and the settings (options,
 * version) it was made for. While the file keeps that identity, a later compilation takes the hash
 * from the record and neither reads nor hashes the file, nor, with the same settings, sets up a
 * digest for the key: a cached run of a 72 MB module skips ~1 s of reading and hashing. A write to
 * the file changes its status-change time, which no program can set back (unlike the modification
 * time, which {@code touch} and {@code cp -p} set), and a file replaced by another is another inode
 * or a later status change. A file is recorded only when it has not changed for
 * {@link #SETTLE_MILLIS}, so that a write within the same clock tick as the recording (file times are
 * as coarse as the kernel's tick) cannot go unseen. The entry found is verified as always, its input
 * hash against the recorded one. Where the file system does not report inodes and status-change
 * times, every compilation reads and hashes the file.
 *
 * <p><b>Writes</b> are atomic: the artifact goes to a temporary file in the cache directory that is
 * then renamed over the entry, so concurrent processes compiling the same module never see a
 * partial entry (the last rename wins; both artifacts are the same, compilation being
 * deterministic). When the directory cannot be created or written (read-only, no permission, disk
 * full), the cache says so once to the warning handler and from then on only reads.
 *
 * <p><b>Size.</b> After each store, when the {@code .kiln} and {@code .input} files in the directory
 * take more than {@link #maxBytes()}, the least recently used ones (by modification time, which a hit refreshes)
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
    private static final String INPUT_EXTENSION = ".input";
    private static final String INPUT_FORMAT = "kiln-input-1";
    /**
     * How long, in milliseconds, a file must have been unchanged (by its modification and status-change
     * times against this machine's clock) before the cache records its hash under its identity.
     */
    public static final long SETTLE_MILLIS = 2_000;

    private final Path directory;
    private final long maxBytes;
    private final Consumer<String> warnings;
    private final AtomicBoolean readOnly = new AtomicBoolean();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong evicted = new AtomicLong();
    private final AtomicLong inputsHashed = new AtomicLong();
    private long settleMillis = SETTLE_MILLIS;

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
        return entry(key(sha256(input), options, builtins));
    }

    /** The module for {@code input}: the verified entry if there is one, else compiled and stored. */
    Module compile(Engine engine, byte[] input, String name, CompileTimeBuiltins builtins, Supplier<byte[]> compiler) {
        inputsHashed.incrementAndGet();
        byte[] inputHash = sha256(input);
        return compileAt(engine, entry(key(inputHash, engine.compileOptions(), builtins)), inputHash, name, compiler);
    }

    /**
     * The module in {@code file}: the verified entry if the file has the identity recorded with its hash
     * (then the file is not read), else as {@link #compile(Engine, byte[], String, CompileTimeBuiltins,
     * Supplier)} with the file's bytes, recording the hash under the file's identity when it has settled.
     *
     * @param check    runs on the bytes before they are hashed (throws for what cannot be compiled)
     * @param compiler compiles the bytes into an artifact
     * @throws IOException if the file cannot be read
     */
    Module compile(Engine engine, Path file, String name, CompileTimeBuiltins builtins, Consumer<byte[]> check,
            Function<byte[], byte[]> compiler) throws IOException {
        CompileOptions options = engine.compileOptions();
        String settings = settings(options, builtins);
        InputIdentity before = InputIdentity.of(file);
        if (before != null) {
            InputRecord known = recorded(before);
            if (known != null) {
                // the recorded key, when it was made with these settings: no digest to set up
                boolean recordedHere = settings != null && settings.equals(known.settings());
                String key = recordedHere ? known.key() : key(known.inputHash(), options, builtins);
                Module cached = lookup(engine, entry(key), known.inputHash());
                if (cached != null) {
                    hits.incrementAndGet();
                    if (!recordedHere && settings != null && !sameBuild(known.settings(), settings)) {
                        // made by another build of Kiln (an upgrade, a rebuild), whose key no run of
                        // this one uses: record this build's, so that later runs set up no digest
                        write(directory.resolve(before.fileName()), before.line(known.inputHash(), key, settings)
                                .getBytes(StandardCharsets.UTF_8));
                    }
                    return cached;
                }
            }
        }
        byte[] input = dev.kiln.abi.FileBytes.read(file);
        check.accept(input);
        inputsHashed.incrementAndGet();
        byte[] inputHash = sha256(input);
        String key = key(inputHash, options, builtins);
        if (before != null && before.settledAt(System.currentTimeMillis(), settleMillis)
                && before.sameAs(InputIdentity.of(file))) {
            write(directory.resolve(before.fileName()), before.line(inputHash, key, settings)
                    .getBytes(StandardCharsets.UTF_8));
        }
        return compileAt(engine, entry(key), inputHash, name, () -> compiler.apply(input));
    }

    private Path entry(String key) {
        return directory.resolve(key + EXTENSION);
    }

    private Module compileAt(Engine engine, Path entry, byte[] inputHash, String name, Supplier<byte[]> compiler) {
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
        if (artifact.length <= maxBytes && write(entry, artifact)) {
            evict(entry);
        }
    }

    /**
     * Writes {@code bytes} to {@code target} through a temporary file renamed over it.
     *
     * @return false if the cache is (or has just turned out to be) read-only
     */
    private boolean write(Path target, byte[] bytes) {
        if (readOnly.get()) {
            return false;
        }
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, TEMP_PREFIX, EXTENSION);
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + directory + " cannot rename atomically", e);
            }
            temp = null;
            return true;
        } catch (IOException | UncheckedIOException | SecurityException e) {
            if (readOnly.compareAndSet(false, true)) {
                warnings.accept("cannot write to the compile cache " + directory + " (" + reason(e)
                        + "); running without caching");
            }
            return false;
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // nothing more to do
                }
            }
        }
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
                if (file.endsWith(EXTENSION) || file.endsWith(INPUT_EXTENSION)) {
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

    // ---- files seen before ----

    /**
     * What tells a file's content apart without reading it (see the class comment), or null where the
     * file system does not report it.
     */
    private record InputIdentity(long device, long inode, long size, long modifiedNanos, long changedNanos) {
        static InputIdentity of(Path file) throws IOException {
            java.util.Map<String, Object> a;
            try {
                a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime,isRegularFile");
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                return null; // no "unix" attribute view here
            }
            if (!Boolean.TRUE.equals(a.get("isRegularFile"))) {
                return null; // a pipe or a device: its identity says nothing about what it gives next
            }
            if (!(a.get("dev") instanceof Long dev) || !(a.get("ino") instanceof Long ino)
                    || !(a.get("size") instanceof Long size) || !(a.get("lastModifiedTime") instanceof FileTime m)
                    || !(a.get("ctime") instanceof FileTime c)) {
                return null;
            }
            return new InputIdentity(dev, ino, size, m.to(java.util.concurrent.TimeUnit.NANOSECONDS),
                    c.to(java.util.concurrent.TimeUnit.NANOSECONDS));
        }

        /** Whether neither time is within {@code settleMillis} of {@code nowMillis} (nor after it). */
        boolean settledAt(long nowMillis, long settleMillis) {
            long latest = Math.max(modifiedNanos, changedNanos) / 1_000_000;
            return nowMillis - latest >= settleMillis;
        }

        String fileName() {
            return new StringBuilder(Long.toHexString(device)).append('-').append(Long.toHexString(inode))
                    .append(INPUT_EXTENSION).toString();
        }

        /**
         * Whether {@code other} is the same state of the same file. Written out, as is {@link #line}:
         * a record's own {@code equals} and a string concatenation are bootstrapped on first use
         * (~10 ms of a cached run when the AOT cache has not seen them).
         */
        boolean sameAs(InputIdentity other) {
            return other != null && device == other.device && inode == other.inode && size == other.size
                    && modifiedNanos == other.modifiedNanos && changedNanos == other.changedNanos;
        }

        /**
         * The record's line: this identity, the input hash, and the entry's key with the settings it
         * was made for ({@link #settings}; "-" for none).
         */
        String line(byte[] inputHash, String key, String settings) {
            return new StringBuilder(INPUT_FORMAT).append(' ').append(size).append(' ').append(modifiedNanos)
                    .append(' ').append(changedNanos).append(' ').append(HexFormat.of().formatHex(inputHash))
                    .append(' ').append(key).append(' ').append(settings == null ? "-" : settings).append('\n')
                    .toString();
        }
    }

    /** A file's record: its input hash, and an entry's key with the settings it was made for (or null). */
    private record InputRecord(byte[] inputHash, String key, String settings) {
    }

    /** The record of a file of this identity, or null (none, another state of the file, damaged). */
    private InputRecord recorded(InputIdentity id) {
        String line;
        try {
            line = Files.readString(directory.resolve(id.fileName()), StandardCharsets.UTF_8);
        } catch (IOException | UncheckedIOException e) {
            return null; // none yet, or unreadable: hash the file
        }
        String[] f = line.split(" ", 7);
        if (f.length != 7 || !line.endsWith("\n")) {
            return null;
        }
        try {
            byte[] hash = HexFormat.of().parseHex(f[4]);
            String settings = f[6].substring(0, f[6].length() - 1);
            settings = settings.equals("-") ? null : settings;
            if (hash.length != 32 || f[5].length() != 64 || !line.equals(id.line(hash, f[5], settings))) {
                return null; // another state of the file: stale
            }
            HexFormat.of().parseHex(f[5]); // the key names a file in the directory: hex digits only
            return new InputRecord(hash, f[5], settings);
        } catch (IllegalArgumentException e) {
            return null; // damaged: replaced once the file is hashed again
        }
    }

    /**
     * What an entry's key covers besides the input hash, as one line of text, or null with
     * compile-time builtins (their bytes would have to be hashed to compare them).
     */
    private static String settings(CompileOptions options, CompileTimeBuiltins builtins) {
        if (!builtins.builtins().isEmpty()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String field : keyFields(options, builtins)) {
            if (field.indexOf('\n') >= 0) {
                return null;
            }
            sb.append(field.length()).append(':').append(field).append(' ');
        }
        return sb.toString();
    }

    /**
     * Whether two {@link #settings} lines were made by the same build of Kiln: their first two fields,
     * the key's format and {@link Build#ID}, are the same. The line is fields written
     * {@code <length>:<text> }, so the prefix up to the end of the second one decides. A record whose
     * settings are null (made with builtins) is of no known build.
     */
    private static boolean sameBuild(String recorded, String current) {
        if (recorded == null) {
            return false;
        }
        int end = 0;
        for (int field = 0; field < 2; field++) {
            int colon = current.indexOf(':', end);
            end = colon + 1 + Integer.parseInt(current, end, colon, 10) + 1; // past the text and its space
        }
        return recorded.regionMatches(0, current, 0, end);
    }

    /** Files whose bytes this cache read and hashed (a file found by its identity is not). */
    long inputsHashed() {
        return inputsHashed.get();
    }

    /** Sets how long a file must have been unchanged before its identity is recorded (tests). */
    CompileCache settleMillis(long millis) {
        this.settleMillis = millis;
        return this;
    }

    // ---- the key ----

    /**
     * The key's fields before the builtins and the input hash: the format, this Kiln's build, the
     * target, every compile option (CPU features -1 resolved) and the intrinsics namespace. A file's
     * record keeps them as its {@link #settings} too, so both read this one list.
     */
    private static String[] keyFields(CompileOptions options, CompileTimeBuiltins builtins) {
        return new String[] {KEY_FORMAT, Build.ID, Target.host().name(),
                options.withCpuFeatures(options.resolvedCpuFeatures()).toString(),
                String.valueOf(builtins.intrinsicsNamespace())};
    }

    private static String key(byte[] inputHash, CompileOptions options, CompileTimeBuiltins builtins) {
        MessageDigest d = digest();
        for (String f : keyFields(options, builtins)) {
            field(d, f);
        }
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
