package dev.kiln.cli;

import dev.kiln.Engine;
import dev.kiln.Module;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An input file of the {@code kiln} command and what its content says it is: a WebAssembly binary
 * (starts with {@code \0asm}), a Kiln artifact (starts with the ELF magic {@code \x7fELF}), or else
 * WebAssembly text. The file's name and extension play no part. Of a regular file, only the first
 * bytes are read to tell; the rest when asked for ({@link #bytes()}), so that a module the compile
 * cache knows by its file is not read at all. A pipe or a device is read whole at once, as it gives
 * its bytes only once. Not thread-safe.
 */
final class Input {
    /** What an input file holds. */
    enum Kind {
        /** A WebAssembly binary module (spec §5). */
        WASM("WebAssembly binary module"),
        /** WebAssembly text (spec §6), WAT. */
        WAT("WebAssembly text module"),
        /** A Kiln artifact: an ELF64 file with a {@code .kiln.meta} section. */
        ARTIFACT("Kiln artifact (ELF)");

        final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    private final Path path;
    private final Kind kind;
    /** Whether the file is a pipe or a device, read whole by {@link #read}: it cannot be read again. */
    private final boolean readOnce;
    private byte[] bytes;

    private Input(Path path, Kind kind, byte[] bytes) {
        this.path = path;
        this.kind = kind;
        this.readOnce = bytes != null;
        this.bytes = bytes;
    }

    /**
     * Opens {@code path} and classifies it by its first four bytes.
     *
     * @throws java.nio.file.NoSuchFileException if it does not exist
     * @throws KilnException                     if it is a directory
     * @throws IOException                       if it cannot be read
     */
    static Input read(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw KilnException.error(path + " is a directory; give a .wasm, .wat or .kiln file");
        }
        if (!Files.isRegularFile(path)) {
            // a pipe or a device (kiln run /dev/stdin, kiln run <(...)) gives its bytes once: read them all
            byte[] all = Files.readAllBytes(path);
            return new Input(path, kindOf(all), all);
        }
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(4);
        }
        return new Input(path, kindOf(head), null);
    }

    /** The file as given on the command line. */
    Path path() {
        return path;
    }

    /** What the content is. */
    Kind kind() {
        return kind;
    }

    /**
     * The file's content, read on first use.
     *
     * @throws UncheckedIOException if the file cannot be read
     */
    byte[] bytes() {
        if (bytes == null) {
            try {
                bytes = dev.kiln.abi.FileBytes.read(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bytes;
    }

    /** The kind of a file from its first bytes. */
    static Kind kindOf(byte[] b) {
        if (b.length >= 4 && b[0] == 0 && b[1] == 'a' && b[2] == 's' && b[3] == 'm') {
            return Kind.WASM;
        }
        if (b.length >= 4 && b[0] == 0x7F && b[1] == 'E' && b[2] == 'L' && b[3] == 'F') {
            return Kind.ARTIFACT;
        }
        return Kind.WAT;
    }

    /**
     * Refuses an artifact unless {@code --allow-precompiled} was given: an artifact is native code
     * that Kiln runs as it is (as in Wasmtime).
     *
     * @throws KilnException (error) for an artifact without the flag
     */
    void checkPrecompiledAllowed(boolean allowPrecompiled) {
        if (kind == Kind.ARTIFACT && !allowPrecompiled) {
            throw KilnException.error(name() + " is a precompiled Kiln artifact, i.e. native code: running one requires"
                    + " --allow-precompiled (give it only for artifacts you trust)");
        }
    }

    /** The name used in messages: the path as given. */
    String name() {
        return path.toString();
    }

    /**
     * The text of a {@link Kind#WAT} input.
     *
     * @throws KilnException if the bytes are not UTF-8 (so neither text nor one of the binary kinds)
     */
    String text() {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes())).toString();
        } catch (CharacterCodingException e) {
            throw KilnException.error(name() + ": neither a WebAssembly binary (no \\0asm header), nor a Kiln artifact"
                    + " (no ELF header), nor WebAssembly text (not UTF-8)");
        }
    }

    /**
     * The module of this input: a {@link Kind#ARTIFACT} is loaded (mapped from the file, no
     * compiler involved), a binary or text module is compiled in memory, showing progress on
     * {@code err} when that takes over a second on a terminal.
     *
     * @throws dev.kiln.abi.CompileException        if the module is malformed, invalid or unsupported
     * @throws dev.kiln.abi.ArtifactFormatException if the artifact is malformed or for another machine
     * @throws IOException                          if the artifact cannot be mapped
     */
    Module module(Engine engine, PrintWriter err) throws IOException {
        return module(engine, err, new BuiltinOptions());
    }

    /**
     * Like {@link #module(Engine, PrintWriter)}, compiling with the compile-time builtins of
     * {@code builtins} (DESIGN §4).
     *
     * @throws KilnException (usage) if builtins are given for an artifact, which is already compiled
     */
    @SuppressWarnings("try") // the progress line lives as long as the block
    Module module(Engine engine, PrintWriter err, BuiltinOptions builtins) throws IOException {
        if (kind == Kind.ARTIFACT) {
            if (!builtins.isEmpty()) {
                throw KilnException.usage(name() + " is already compiled: --builtin and --unsafe-intrinsics apply when"
                        + " compiling a .wasm or .wat (the artifact keeps the builtins it was compiled with)");
            }
            // mapped from a file; a pipe's bytes, already read, are copied into memory
            return readOnce ? Module.fromArtifact(engine, bytes) : Module.load(engine, path);
        }
        if (kind == Kind.WAT) {
            text(); // a clear message for files that are not text at all
        }
        try (Progress p = Progress.start("compiling " + name(), err)) {
            return readOnce ? builtins.compile(engine, bytes, name(), p) : builtins.compile(engine, path, p);
        }
    }
}
