package dev.kiln;

import dev.kiln.abi.ArtifactFormatException;
import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileProgress;
import dev.kiln.abi.CompilerService;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.Target;
import dev.kiln.abi.elf.ArtifactChecksum;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.loader.CodeImage;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * A compiled WebAssembly module: machine code mapped read+execute and the metadata needed to
 * instantiate it. Create one by compiling Wasm ({@link #compile}) or by loading a precompiled
 * artifact ({@link #load}, {@link #fromArtifact}); loading needs no compiler.
 *
 * <pre>{@code
 * Module module = Module.compile(engine, Files.readAllBytes(Path.of("fib.wasm")));
 * Files.write(Path.of("fib.kiln"), module.serialize());      // ahead of time
 * Module again = Module.load(engine, Path.of("fib.kiln"));    // later, without the compiler
 * }</pre>
 *
 * <p>Immutable and thread-safe: one module may be instantiated in many stores at once. The code
 * mapping is released when the module and every instance of it are unreachable.
 */
public final class Module {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Engine engine;
    private final ArtifactMetadata metadata;
    private final CodeImage code;
    private final byte[] artifact;   // null when mapped from a file
    private final Path file;         // null when mapped from bytes

    private Module(Engine engine, ArtifactMetadata metadata, CodeImage code, byte[] artifact, Path file) {
        try {
            Interruption.checkModule(engine, metadata, file != null ? file.toString() : null);
        } catch (RuntimeException e) {
            code.close();
            throw e;
        }
        this.engine = engine;
        this.metadata = metadata;
        this.code = code;
        this.artifact = artifact;
        this.file = file;
        CLEANER.register(this, code::close);
    }

    /**
     * Compiles a module from its binary ({@code \0asm...}) or text (WAT) form, told apart by content.
     * With an engine that has a {@link CompileCache}, a verified entry of the cache stands in for
     * compiling, and what is compiled is stored there.
     *
     * @throws CompileException      if the module is malformed, invalid or not supported yet, or the
     *                               bytes are a Kiln artifact (ELF) or neither a binary module nor UTF-8 text
     * @throws IllegalStateException if no compiler is on the class or module path
     */
    public static Module compile(Engine engine, byte[] wasmOrWat) {
        return compileCached(engine, wasmOrWat, null, dev.kiln.abi.CompileTimeBuiltins.none(), CompileProgress.NONE);
    }

    /**
     * Compiles the module in {@code file} ({@code .wasm} or {@code .wat}).
     *
     * @throws IOException if the file cannot be read
     * @throws CompileException if the module is malformed, invalid or not supported yet; the message names the file
     */
    public static Module compile(Engine engine, Path file) throws IOException {
        return compileFile(engine, file, dev.kiln.abi.CompileTimeBuiltins.none(), CompileProgress.NONE);
    }

    /** Compiles through the engine's {@link CompileCache}, if it has one (a hit reports no progress). */
    private static Module compileCached(Engine engine, byte[] input, String name, dev.kiln.abi.CompileTimeBuiltins builtins,
            CompileProgress progress) {
        checkInput(input, name);
        CompileCache cache = engine.compileCache().orElse(null);
        if (cache == null) {
            return fromArtifact(engine, compiler().compile(input, name, engine.compileOptions(), builtins, progress), name);
        }
        return cache.compile(engine, input, name, builtins,
                () -> compiler().compile(input, name, engine.compileOptions(), builtins, progress));
    }

    /**
     * Compiles the module in {@code file} through the engine's {@link CompileCache}, which may know the
     * file from an earlier compilation and then does not read it.
     */
    private static Module compileFile(Engine engine, Path file, dev.kiln.abi.CompileTimeBuiltins builtins,
            CompileProgress progress) throws IOException {
        String name = file.toString();
        CompileCache cache = engine.compileCache().orElse(null);
        if (cache == null) {
            return compileCached(engine, dev.kiln.abi.FileBytes.read(file), name, builtins, progress);
        }
        return cache.compile(engine, file, name, builtins, input -> checkInput(input, name),
                input -> compiler().compile(input, name, engine.compileOptions(), builtins, progress));
    }

    /**
     * A builder for compiling with compile-time builtins and unsafe intrinsics (DESIGN §4) or with a
     * {@link Builder#progress progress} listener.
     *
     * <pre>{@code
     * Module module = Module.builder(engine)
     *         .exposeUnsafeIntrinsics("unsafe-intrinsics")
     *         .compileTimeBuiltin("host", hostWat)      // satisfies the guest's (import "host" ...)
     *         .compile(guestWasm);
     * }</pre>
     */
    public static Builder builder(Engine engine) {
        return new Builder(engine);
    }

    /**
     * Compiles a module with compile-time builtins: small trusted Wasm modules whose functions
     * satisfy the guest's imports from their names and are linked into the guest and inlined at
     * compile time, and which may import the unsafe native-memory intrinsics. Our take, for core
     * modules, on the Bytecode Alliance RFC "Add support for defining builtin host functions at
     * compile-time" and Wasmtime's {@code CodeBuilder::expose_unsafe_intrinsics}.
     *
     * <p><b>Unsafe.</b> Builtins can read and write any native address of the process through the
     * intrinsics: hand only trusted code to {@link #compileTimeBuiltin}. The guest stays sandboxed:
     * when builtins are defined, a guest importing the intrinsics namespace is rejected. With the
     * intrinsics exposed and no builtins (raw mode), the module compiled is itself trusted.
     *
     * <p>The compiled module's imports are the guest's imports not satisfied by a builtin, then the
     * builtins' own imports other than intrinsics (slow paths into Java, satisfied at instantiation as
     * usual). It serializes and loads like any module. Not thread-safe; the modules it builds are.
     */
    public static final class Builder {
        private final Engine engine;
        private dev.kiln.abi.CompileTimeBuiltins builtins = dev.kiln.abi.CompileTimeBuiltins.none();
        private CompileProgress progress = CompileProgress.NONE;

        private Builder(Engine engine) {
            this.engine = java.util.Objects.requireNonNull(engine);
        }

        /**
         * Makes the import module {@code importName} (conventionally {@code "unsafe-intrinsics"})
         * the privileged namespace of the unsafe intrinsics: {@code store-data-address},
         * {@code u8/u16/u32/u64-native-load/-store} and their {@code -checked-} forms (see
         * {@code dev.kiln.intrinsics.Intrinsic} for types and semantics). Needed by
         * {@link #compileTimeBuiltin}. Without it, that name is an ordinary import.
         *
         * @return this builder
         */
        public Builder exposeUnsafeIntrinsics(String importName) {
            builtins = builtins.withIntrinsicsNamespace(importName);
            return this;
        }

        /**
         * Registers a compile-time builtin: the guest's function imports from module {@code name}
         * are matched by field name and exact function type against the builtin's function exports.
         * <b>Unsafe</b>: the builtin is trusted code (see the class comment).
         *
         * @param name      the import module name it satisfies
         * @param wasmOrWat the builtin module, binary or text
         * @return this builder
         * @throws IllegalArgumentException if a builtin of that name is already registered, or the
         *                                  name is the intrinsics namespace
         */
        public Builder compileTimeBuiltin(String name, byte[] wasmOrWat) {
            builtins = builtins.with(new dev.kiln.abi.CompileTimeBuiltins.Builtin(name, wasmOrWat, null));
            return this;
        }

        /**
         * Registers the builtin in {@code file} ({@code .wasm} or {@code .wat}); errors name the file.
         *
         * @throws IOException if the file cannot be read
         * @see #compileTimeBuiltin(String, byte[])
         */
        public Builder compileTimeBuiltin(String name, Path file) throws IOException {
            builtins = builtins.with(new dev.kiln.abi.CompileTimeBuiltins.Builtin(name, Files.readAllBytes(file),
                    file.toString()));
            return this;
        }

        /**
         * Tells {@code progress} how compiling goes, function by function (from the compiler's worker
         * threads; see {@link CompileProgress}). Nothing is reported when the module comes from the
         * engine's compile cache.
         *
         * @return this builder
         */
        public Builder progress(CompileProgress progress) {
            this.progress = java.util.Objects.requireNonNull(progress);
            return this;
        }

        /**
         * Compiles {@code guest} (binary or text) with the builtins.
         *
         * @throws CompileException      if a module is malformed or invalid, or a privilege or linking
         *                               rule is broken; the message names the module, field and reason
         * @throws IllegalStateException if no compiler is on the class or module path
         */
        public Module compile(byte[] guest) {
            return compileCached(engine, guest, null, builtins, progress);
        }

        /**
         * Compiles {@code guest} (binary or text) with the builtins; messages name it {@code name} (a
         * file name, say, for bytes read from a pipe).
         *
         * @see #compile(byte[])
         */
        public Module compile(byte[] guest, String name) {
            return compileCached(engine, guest, name, builtins, progress);
        }

        /**
         * Compiles the guest in {@code file}; errors name the file.
         *
         * @throws IOException if the file cannot be read
         * @see #compile(byte[])
         */
        public Module compile(Path file) throws IOException {
            return compileFile(engine, file, builtins, progress);
        }
    }

    /**
     * Tells what {@code input} is before it reaches the compiler, as the {@code kiln} command does: a
     * binary module starts with {@code \0asm}; an artifact (ELF, {@code \x7fELF}) is not compiled
     * again; anything else must be UTF-8 WebAssembly text.
     *
     * @throws CompileException naming {@code name} (or "input") for an artifact or a file that is
     *                          neither a binary module nor UTF-8 text (with the offset of the first
     *                          byte that is not UTF-8)
     */
    private static void checkInput(byte[] input, String name) {
        String who = name == null ? "input" : name;
        if (input.length >= 4 && input[0] == 0 && input[1] == 'a' && input[2] == 's' && input[3] == 'm') {
            return;
        }
        if (input.length >= 4 && input[0] == 0x7F && input[1] == 'E' && input[2] == 'L' && input[3] == 'F') {
            throw new CompileException(who + ": an ELF file (a compiled Kiln artifact?), not a WebAssembly module;"
                    + " load an artifact with Module.load or Module.fromArtifact");
        }
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(input);
        java.nio.charset.CoderResult r = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .decode(in, java.nio.CharBuffer.allocate(input.length), true);
        if (r.isError()) {
            throw new CompileException(who + ": neither a WebAssembly binary module (no \\0asm header) nor WebAssembly"
                    + " text (not UTF-8 at byte offset " + in.position() + ")");
        }
    }

    private static CompilerService compiler() {
        Target host = Target.host();
        for (CompilerService s : ServiceLoader.load(CompilerService.class, Module.class.getClassLoader())) {
            if (s.target() == host) {
                return s;
            }
        }
        throw new IllegalStateException("Module.compile needs the Kiln compiler, and none for " + host
                + " is on the class or module path: add kiln-compiler and kiln-arch-" + host
                + ", or load a precompiled artifact with Module.load");
    }

    /**
     * Loads a precompiled artifact from memory (as written by {@link #serialize()}). What is checked
     * and what is trusted: see {@link #load}.
     *
     * @throws ArtifactFormatException if the bytes are damaged ({@link ArtifactFormatException#isDamaged()})
     *                                 or not a Kiln artifact for this machine
     */
    public static Module fromArtifact(Engine engine, byte[] artifact) {
        return fromArtifact(engine, artifact, null);
    }

    static Module fromArtifact(Engine engine, byte[] artifact, String name) {
        byte[] copy = artifact.clone();
        ArtifactChecksum.verify(copy, name);
        ElfFile elf = ElfReader.parseInPlace(java.nio.ByteBuffer.wrap(copy), name); // copy is ours: no second copy
        ArtifactMetadata meta = checkedMetadata(elf, copy, name);
        return new Module(engine, meta, CodeImage.map(copy, elf), copy, null);
    }

    /**
     * Loads a precompiled artifact file, mapping its code straight from the file.
     *
     * <p><b>The file is trusted.</b> An artifact is native code that runs in this process with the
     * JVM's privileges; Kiln does not and cannot prove that it keeps a guest sandboxed. Load only
     * artifacts that Kiln wrote ({@link #serialize()}, {@code kiln compile}) and that nobody else could
     * modify since. What is verified, in this order, before anything runs: the {@code .kiln.checksum}
     * trailer (a CRC32C of every byte of the file: a damaged file, e.g. a flipped bit or a truncated
     * copy, is refused as "artifact damaged"; a deliberate edit can recompute it), the ELF structure
     * (headers, section bounds and overlaps, read-only and non-writable segments), the target
     * architecture and the CPU features the code needs, and that the metadata's entry points lie
     * inside {@code .text}. The file is mapped, not read into the heap, for these checks and for
     * the sections read later (frame info on a trap), and mapped again for its code: it must not
     * change while the module is in use (a new file renamed over it is fine). The compiler is not
     * needed.
     *
     * @throws IOException             if the file cannot be read or mapped
     * @throws ArtifactFormatException if it is damaged ({@link ArtifactFormatException#isDamaged()})
     *                                 or not a Kiln artifact for this machine; the message names the file
     */
    public static Module load(Engine engine, Path file) throws IOException {
        // mapped, not read into the heap: an artifact can be 100 MB and more. As a segment: the JDK
        // makes a MappedByteBuffer reflectively, a method accessor spun on a fresh JVM's first map.
        java.nio.ByteBuffer bytes;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new ArtifactFormatException(file.toString(), -1, "the file is " + size
                        + " bytes; artifacts of 2 GiB and more are not supported");
            }
            bytes = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, size, java.lang.foreign.Arena.ofAuto())
                    .asByteBuffer();
        }
        ArtifactChecksum.verify(bytes, file.toString());
        ElfFile elf = ElfReader.parseInPlace(bytes, file.toString());
        ArtifactMetadata meta = checkedMetadata(elf, null, file.toString());
        return new Module(engine, meta, CodeImage.map(file, elf), null, file);
    }

    /**
     * Refuses an artifact whose code needs CPU features ({@code required}, a {@link dev.kiln.abi.CpuFeature}
     * mask: BMI2, AVX2 ...) that {@code host} lacks, or features this Kiln does not know: running it would
     * end in an illegal-instruction signal that kills the JVM.
     *
     * @throws ArtifactFormatException naming the artifact and the missing features
     */
    static void checkCpuFeatures(long required, java.util.Set<dev.kiln.abi.CpuFeature> host, String name) {
        long known = dev.kiln.abi.CpuFeature.mask(java.util.EnumSet.allOf(dev.kiln.abi.CpuFeature.class));
        if ((required & ~known) != 0) {
            throw new ArtifactFormatException(name, -1, "artifact requires CPU features 0x"
                    + Long.toHexString(required & ~known) + " that this Kiln does not know; use a newer Kiln");
        }
        java.util.Set<dev.kiln.abi.CpuFeature> missing = dev.kiln.abi.CpuFeature.fromMask(required);
        missing.removeAll(host);
        if (!missing.isEmpty()) {
            throw new ArtifactFormatException(name, -1, "artifact was compiled for a CPU with " + missing
                    + ", which this machine lacks; compile the module again here");
        }
    }

    private static ArtifactMetadata checkedMetadata(ElfFile elf, byte[] bytes, String name) {
        Target host = Target.host();
        if (elf.target() != host) {
            throw new ArtifactFormatException(name, 18, "artifact is compiled for " + elf.target() + ", this machine is "
                    + host + "; compile the module again for " + host);
        }
        byte[] section = elf.sectionBytes(ArtifactMetadata.SECTION);
        if (section == null) {
            throw new ArtifactFormatException(name, -1, "no " + ArtifactMetadata.SECTION + " section: not a Kiln artifact");
        }
        ArtifactMetadata meta = ArtifactMetadata.decode(section, name);
        if (meta.target() != host) {
            throw new ArtifactFormatException(name, -1, "metadata is for " + meta.target() + ", this machine is " + host);
        }
        checkCpuFeatures(meta.cpuFeatures(), dev.kiln.abi.CpuFeature.host(), name);
        long textSize = elf.text().size();
        for (ArtifactMetadata.ExportInfo e : meta.exports()) {
            if (e.kind() == ArtifactMetadata.ExportInfo.FUNC
                    && (e.trampolineOffset() < 0 || e.trampolineOffset() >= textSize)) {
                throw new ArtifactFormatException(name, -1, "export \"" + e.name() + "\" has its entry outside .text");
            }
        }
        if (meta.unwindStubOffset() < 0 || meta.unwindStubOffset() >= textSize) {
            throw new ArtifactFormatException(name, -1, "unwind stub outside .text");
        }
        boolean guard = meta.options().boundsChecks() == dev.kiln.abi.BoundsChecks.GUARD;
        var handler = elf.section(dev.kiln.abi.GuardHandlerLayout.SECTION);
        if (guard != handler.isPresent()) {
            throw new ArtifactFormatException(name, -1, guard
                    ? "compiled with guard-page bounds checks but has no " + dev.kiln.abi.GuardHandlerLayout.SECTION
                    + " section" : "has a " + dev.kiln.abi.GuardHandlerLayout.SECTION
                    + " section but was compiled with explicit bounds checks");
        }
        if (guard && (handler.get().size() == 0 || handler.get().size() > dev.kiln.abi.GuardHandlerLayout.CODE_BYTES)) {
            throw new ArtifactFormatException(name, -1, "the guard-page signal handler is " + handler.get().size()
                    + " bytes; at most " + dev.kiln.abi.GuardHandlerLayout.CODE_BYTES + " are allowed");
        }
        return meta;
    }

    /**
     * The artifact's bytes: an ELF file that {@link #load} and {@link #fromArtifact} accept, and that
     * {@code objdump -d} disassembles.
     *
     * @throws IOException if the module was loaded from a file that can no longer be read
     */
    public byte[] serialize() throws IOException {
        return artifact != null ? artifact.clone() : dev.kiln.abi.FileBytes.read(file);
    }

    /** The engine the module belongs to. */
    public Engine engine() {
        return engine;
    }

    /**
     * An export of the module.
     *
     * @param name the export name
     * @param type for a function, its type; else {@code null}
     */
    public record ExportType(String name, FuncType type) {
    }

    /**
     * An import of the module.
     *
     * @param module the module name
     * @param name   the field name
     * @param type   for a function, its type; else {@code null}
     */
    public record ImportType(String module, String name, FuncType type) {
    }

    /** The module's imports, in module order. */
    public List<ImportType> imports() {
        List<ImportType> out = new ArrayList<>();
        for (ArtifactMetadata.ImportInfo i : metadata.imports()) {
            out.add(new ImportType(i.module(), i.name(),
                    i.kind() == ArtifactMetadata.ExportInfo.FUNC ? metadata.types().get((int) i.a()) : null));
        }
        return out;
    }

    /** The module's exported functions, in module order. */
    public List<ExportType> exports() {
        List<ExportType> out = new ArrayList<>();
        for (ArtifactMetadata.ExportInfo e : metadata.exports()) {
            if (e.kind() == ArtifactMetadata.ExportInfo.FUNC) {
                out.add(new ExportType(e.name(), metadata.functionType(e.index())));
            }
        }
        return out;
    }

    ArtifactMetadata metadata() {
        return metadata;
    }

    /**
     * Whether no code of the module can call into Java: it imports no functions (host functions or
     * other instances' functions that might); has no tables and element segments (the table
     * operations are libcalls into Java, and only tables let funcrefs from elsewhere be called); no
     * memory, defined or imported ({@code memory.grow} is a libcall into Java); no tags, defined or
     * imported (a throw allocates its exception in Java); and was compiled without epoch
     * interruption (the deadline's slow path is a call into Java). Conservative: the artifact does not
     * record which of these the code actually uses.
     */
    boolean neverCallsHost() {
        if (metadata.importedFunctions() > 0 || !metadata.tables().isEmpty() || !metadata.elements().isEmpty()
                || !metadata.memories().isEmpty() || metadata.options().epochInterruption()
                || ExceptionSupport.definesTags(code())) {
            return false;
        }
        for (ArtifactMetadata.ImportInfo i : metadata.imports()) {
            if (i.kind() == 1 || i.kind() == 2 || i.kind() == 4) { // an imported table, memory or tag
                return false;
            }
        }
        return true;
    }

    /**
     * The artifact's frame info, which its code image decodes on first use (the first trap or
     * exception through this module's code) and keeps; empty for an artifact without it or with a
     * damaged one (a backtrace is then shorter, never wrong).
     */
    dev.kiln.abi.FrameTable frameTable() {
        try {
            return code.frameTable(); // shared with the exception unwinder (ExceptionSupport)
        } catch (RuntimeException e) {
            return dev.kiln.abi.FrameTable.EMPTY;
        }
    }

    /** The inflated bytes of {@link dev.kiln.abi.ActiveData#SECTION}, kept while memory allows. */
    private volatile java.lang.ref.SoftReference<byte[]> activeData;

    /**
     * The bytes of the active data segments, inflated from {@link dev.kiln.abi.ActiveData#SECTION} on
     * the first instantiation and kept (softly: the collector may drop them, and the next
     * instantiation inflates them again) for the next ones. Do not modify.
     *
     * @throws dev.kiln.abi.ArtifactFormatException if the section is missing or malformed
     */
    byte[] activeData() {
        java.lang.ref.SoftReference<byte[]> ref = activeData;
        byte[] bytes = ref == null ? null : ref.get();
        if (bytes == null) {
            var elf = code.elf();
            if (elf.section(dev.kiln.abi.ActiveData.SECTION).isEmpty()) {
                throw new dev.kiln.abi.ArtifactFormatException(elf.source(), 0, "active data segments without a "
                        + dev.kiln.abi.ActiveData.SECTION + " section");
            }
            bytes = dev.kiln.abi.ActiveData.decode(elf.sectionBytes(dev.kiln.abi.ActiveData.SECTION), elf.source());
            activeData = new java.lang.ref.SoftReference<>(bytes);
        }
        return bytes;
    }

    CodeImage code() {
        return code;
    }

    /** Address of the mapped {@code .rodata} (data segment bytes), or 0 if the artifact has none. */
    long rodataAddress() {
        return code.elf().section(".rodata").map(sec -> code.image().address() + sec.addr()).orElse(0L);
    }

    /**
     * The entry trampoline at {@code trampolineOffset} in {@code .text}, {@code (vmctx, params...) -> result}
     * in the C convention; {@link CallShape} makes the downcall.
     */
    java.lang.foreign.MemorySegment entryPoint(int trampolineOffset) {
        return code.address(trampolineOffset);
    }
}
