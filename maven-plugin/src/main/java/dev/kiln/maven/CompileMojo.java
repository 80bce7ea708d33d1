package dev.kiln.maven;

import dev.kiln.abi.ArtifactMetadata;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.abi.CompilerService;
import dev.kiln.abi.CpuFeature;
import dev.kiln.abi.Target;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.wasm.Export;
import dev.kiln.compiler.wasm.ExternKind;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecution;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.descriptor.PluginDescriptor;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.project.MavenProject;

/**
 * {@code kiln:compile}: compiles every {@code .wasm} and {@code .wat} file under
 * {@link #sourceDirectory} ahead of time into Kiln artifacts (ELF files of machine code, one per
 * target ISA) placed as class path resources, and generates a typed Java facade per module, so an
 * application calls {@code Calculator.instantiate().add(1, 2)} with only {@code kiln-loader-ffm} at
 * run time.
 *
 * <p>A file {@code src/main/wasm/math/calculator.wat} becomes the class
 * {@code <packageName>.math.Calculator} (in {@code target/generated-sources/kiln}) and the resources
 * {@code <packageName>/math/Calculator.x86_64.kiln} (in {@code target/generated-resources/kiln}),
 * which the facade loads for the ISA of the JVM it runs on. See {@link FacadeGenerator} for the
 * shape of facades.
 *
 * <p>Incremental: a module is compiled again only when its bytes, the builtins' bytes, the
 * configuration or the plugin changed (a SHA-256 of all of them is kept in
 * {@code target/kiln-maven-plugin}); outputs of deleted inputs are removed. Errors name the input file
 * and the byte offset, line:column or function index, and fail the build after every module has been
 * tried.
 *
 * <p>The compiler runs inside Maven's JVM (a JDK 22 or newer), on the class path of the plugin,
 * without native access: it produces bytes and never maps code.
 */
@Mojo(name = "compile", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true)
public class CompileMojo extends AbstractMojo {
    /** The directory searched (recursively) for {@code .wasm} and {@code .wat} files. */
    @Parameter(property = "kiln.sourceDirectory", defaultValue = "${project.basedir}/src/main/wasm")
    File sourceDirectory;

    /**
     * The package of the generated facades (subdirectories of {@link #sourceDirectory} add
     * subpackages). Default: the project's groupId, with characters a package name cannot hold
     * dropped.
     */
    @Parameter(property = "kiln.packageName")
    String packageName;

    /** The ISAs to compile for, by Kiln's names. Only {@code x86_64} has a backend today. */
    @Parameter(property = "kiln.targets", defaultValue = "x86_64")
    List<String> targets;

    /**
     * The optional CPU features the code may use: {@code baseline} (none: runs on any x86-64, the
     * default, right for artifacts shipped in a jar), {@code host} (those of the build machine), or a
     * comma-separated list ({@code sse4_1,popcnt,lzcnt,bmi1}). A loader refuses an artifact that needs a
     * feature its machine lacks.
     */
    @Parameter(property = "kiln.cpuFeatures", defaultValue = "baseline")
    String cpuFeatures;

    /**
     * The import module name under which the unsafe native-memory intrinsics are offered to the
     * {@link #builtins} (conventionally {@code unsafe-intrinsics}); none when unset. <b>Unsafe</b>:
     * see {@code dev.kiln.Module.Builder}.
     */
    @Parameter(property = "kiln.unsafeIntrinsics")
    String unsafeIntrinsics;

    /** Compile-time builtins linked into every module of this execution; their files are not compiled as modules. */
    @Parameter
    List<Builtin> builtins = new ArrayList<>();

    /** Whether to generate the typed facades (else only the artifacts). */
    @Parameter(property = "kiln.facades", defaultValue = "true")
    boolean facades;

    /** Skips the goal. */
    @Parameter(property = "kiln.skip", defaultValue = "false")
    boolean skip;

    /** Where facades are written; added as a compile source root. */
    @Parameter(defaultValue = "${project.build.directory}/generated-sources/kiln", required = true)
    File generatedSourcesDirectory;

    /** Where artifacts are written; added as a resource directory. */
    @Parameter(defaultValue = "${project.build.directory}/generated-resources/kiln", required = true)
    File generatedResourcesDirectory;

    /** Where the fingerprints of the last compilation of each module are kept (a subdirectory per execution). */
    @Parameter(defaultValue = "${project.build.directory}/kiln-maven-plugin", required = true)
    File stateDirectory;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    MavenProject project;

    @Parameter(defaultValue = "${plugin}", readonly = true, required = true)
    PluginDescriptor plugin;

    @Parameter(defaultValue = "${mojoExecution}", readonly = true, required = true)
    MojoExecution execution;

    /** Created by Maven. */
    public CompileMojo() {
    }

    /** One module to compile: its file and where its outputs go. */
    private record Unit(Path file, String label, String packageName, String className) {
        String qualifiedName() {
            return packageName.isEmpty() ? className : packageName + "." + className;
        }

        Path relativeBase() {
            return Path.of(qualifiedName().replace('.', File.separatorChar));
        }
    }

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("kiln:compile skipped");
            return;
        }
        Path genSrc = generatedSourcesDirectory.toPath();
        Path genRes = generatedResourcesDirectory.toPath();
        if (facades) {
            project.addCompileSourceRoot(genSrc.toString());
        }
        Resource resource = new Resource();
        resource.setDirectory(genRes.toString());
        project.addResource(resource);

        Path sources = sourceDirectory.toPath();
        if (!Files.isDirectory(sources)) {
            getLog().info("No WebAssembly sources in " + label(sources) + "; nothing to compile");
            return;
        }
        String pkg = packageName != null ? packageName : defaultPackage(project.getGroupId());
        if (!FacadeGenerator.isPackageName(pkg)) {
            throw new MojoFailureException("<packageName>" + pkg + "</packageName> is not a Java package name");
        }
        List<Target> isas = targets();
        CompileOptions options = CompileOptions.defaults().withCpuFeatures(features(isas));
        CompileTimeBuiltins compileTimeBuiltins = compileTimeBuiltins();
        Set<Path> builtinFiles = new HashSet<>();
        for (Builtin b : builtins) {
            builtinFiles.add(b.file.toPath().toAbsolutePath().normalize());
        }
        List<Unit> units = units(sources, pkg, builtinFiles);
        Map<Target, CompilerService> compilers = compilers(isas);
        String configuration = String.join("\n", "kiln " + pluginFingerprint(), pkg, isas.toString(),
                Long.toString(options.cpuFeatures()), String.valueOf(unsafeIntrinsics), Boolean.toString(facades));

        Path state = stateDirectory.toPath().resolve(execution == null ? "default" : execution.getExecutionId());
        Set<Path> stamps = new HashSet<>();
        List<String> errors = new ArrayList<>();
        int compiled = 0;
        for (Unit u : units) {
            Path java = genSrc.resolve(u.relativeBase() + ".java");
            Map<Target, Path> artifacts = new LinkedHashMap<>();
            for (Target t : isas) {
                artifacts.put(t, genRes.resolve(u.relativeBase() + "." + t + ".kiln"));
            }
            Path stamp = state.resolve(u.relativeBase() + ".sha256");
            stamps.add(stamp);
            try {
                byte[] input = Files.readAllBytes(u.file);
                String fingerprint = fingerprint(configuration, input, compileTimeBuiltins);
                boolean upToDate = Files.isRegularFile(stamp) && Files.readString(stamp).equals(fingerprint)
                        && artifacts.values().stream().allMatch(Files::isRegularFile)
                        && (!facades || Files.isRegularFile(java));
                if (upToDate) {
                    getLog().debug(u.label + " is up to date");
                    continue;
                }
                checkKind(u, input);
                Files.deleteIfExists(stamp);
                ArtifactMetadata meta = null;
                for (Map.Entry<Target, Path> a : artifacts.entrySet()) {
                    byte[] artifact = compilers.get(a.getKey()).compile(input, u.label, options, compileTimeBuiltins);
                    if (meta == null) {
                        ElfFile elf = ElfReader.parse(artifact, u.label);
                        meta = ArtifactMetadata.decode(elf.sectionBytes(ArtifactMetadata.SECTION), u.label);
                    }
                    write(a.getValue(), artifact);
                }
                if (facades) {
                    write(java, FacadeGenerator.generate(u.packageName, u.className, u.label, meta, paramNames(input))
                            .getBytes(StandardCharsets.UTF_8));
                }
                write(stamp, fingerprint.getBytes(StandardCharsets.UTF_8));
                getLog().info("Compiled " + u.label + " -> " + u.qualifiedName() + " (" + isas + ")");
                compiled++;
            } catch (CompileException e) {
                String m = e.getMessage();
                errors.add(m != null && m.startsWith(u.label) ? m : u.label + ": " + m);
            } catch (IllegalArgumentException e) {
                errors.add(u.label + ": " + e.getMessage());
            } catch (IOException | UncheckedIOException e) {
                throw new MojoExecutionException(u.label + ": " + e.getMessage(), e);
            }
        }
        removeStale(state, stamps, genSrc, genRes);
        if (!errors.isEmpty()) {
            for (String e : errors) {
                getLog().error(e);
            }
            throw new MojoFailureException(errors.size() == 1 ? errors.get(0)
                    : errors.size() + " WebAssembly modules failed to compile:\n  " + String.join("\n  ", errors));
        }
        getLog().info("Kiln: " + compiled + " module(s) compiled, " + (units.size() - compiled) + " up to date");
    }

    /** The project's groupId as a package name: {@code com.example-app} is {@code com.exampleapp}. */
    static String defaultPackage(String groupId) {
        List<String> parts = new ArrayList<>();
        for (String part : groupId.split("\\.")) {
            StringBuilder b = new StringBuilder();
            part.codePoints().filter(Character::isJavaIdentifierPart).forEach(b::appendCodePoint);
            if (!b.isEmpty() && !Character.isJavaIdentifierStart(b.codePointAt(0))) {
                b.insert(0, '_');
            }
            if (!b.isEmpty()) {
                parts.add(FacadeGenerator.isPackageName(b.toString()) ? b.toString() : b + "_");
            }
        }
        return String.join(".", parts);
    }

    private List<Target> targets() throws MojoFailureException {
        List<Target> out = new ArrayList<>();
        for (String t : targets) {
            Target found = null;
            for (Target v : Target.values()) {
                if (v.toString().equals(t.trim().toLowerCase(Locale.ROOT))) {
                    found = v;
                }
            }
            if (found == null) {
                throw new MojoFailureException("<targets>: unknown ISA \"" + t + "\"; Kiln knows "
                        + java.util.Arrays.toString(Target.values()));
            }
            if (!out.contains(found)) {
                out.add(found);
            }
        }
        if (out.isEmpty()) {
            throw new MojoFailureException("<targets> is empty: name at least one ISA (x86_64)");
        }
        return out;
    }

    private Set<CpuFeature> features(List<Target> isas) throws MojoFailureException {
        String spec = cpuFeatures.trim().toLowerCase(Locale.ROOT);
        if (spec.equals("baseline")) {
            return EnumSet.noneOf(CpuFeature.class);
        }
        if (spec.equals("host")) {
            if (!isas.equals(List.of(Target.host()))) {
                throw new MojoFailureException("<cpuFeatures>host</cpuFeatures> needs <targets> to be this machine's ISA ("
                        + Target.host() + ") alone, got " + isas);
            }
            return CpuFeature.host();
        }
        Set<CpuFeature> out = EnumSet.noneOf(CpuFeature.class);
        for (String name : spec.split(",")) {
            CpuFeature found = null;
            for (CpuFeature f : CpuFeature.values()) {
                if (f.toString().equalsIgnoreCase(name.trim()) || f.name().equalsIgnoreCase(name.trim())) {
                    found = f;
                }
            }
            if (found == null) {
                throw new MojoFailureException("<cpuFeatures>: unknown feature \"" + name.trim()
                        + "\"; use baseline, host or names from " + EnumSet.allOf(CpuFeature.class));
            }
            out.add(found);
        }
        return out;
    }

    private CompileTimeBuiltins compileTimeBuiltins() throws MojoFailureException, MojoExecutionException {
        CompileTimeBuiltins b = CompileTimeBuiltins.none();
        if (unsafeIntrinsics != null && !unsafeIntrinsics.isBlank()) {
            b = b.withIntrinsicsNamespace(unsafeIntrinsics.trim());
        }
        for (Builtin builtin : builtins) {
            if (builtin.name == null || builtin.name.isBlank() || builtin.file == null) {
                throw new MojoFailureException("<builtin> needs a <name> (the import module it satisfies) and a <file>");
            }
            Path file = builtin.file.toPath();
            try {
                b = b.with(new CompileTimeBuiltins.Builtin(builtin.name, Files.readAllBytes(file), label(file)));
            } catch (IOException e) {
                throw new MojoExecutionException("<builtin> " + builtin.name + ": cannot read " + label(file) + ": " + e, e);
            } catch (IllegalArgumentException e) {
                throw new MojoFailureException("<builtins>: " + e.getMessage());
            }
        }
        return b;
    }

    private List<Unit> units(Path sources, String pkg, Set<Path> builtinFiles) throws MojoExecutionException, MojoFailureException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(sources)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".wasm") || p.toString().endsWith(".wat"))
                    .filter(p -> !builtinFiles.contains(p.toAbsolutePath().normalize()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new MojoExecutionException("cannot list " + label(sources) + ": " + e, e);
        }
        List<Unit> units = new ArrayList<>();
        Map<String, Path> byClass = new HashMap<>();
        for (Path f : files) {
            Path rel = sources.relativize(f);
            StringBuilder p = new StringBuilder(pkg);
            for (int i = 0; i < rel.getNameCount() - 1; i++) {
                String dir = rel.getName(i).toString();
                if (!FacadeGenerator.isPackageName(dir) || dir.contains(".")) {
                    throw new MojoFailureException(label(f) + ": the directory \"" + dir
                            + "\" cannot be a Java package name; rename it (subdirectories become subpackages)");
                }
                p.append(p.isEmpty() ? "" : ".").append(dir);
            }
            String fileName = rel.getFileName().toString();
            String base = fileName.substring(0, fileName.lastIndexOf('.'));
            Unit u = new Unit(f, label(f), p.toString(), FacadeGenerator.className(base));
            Path clash = byClass.put(u.qualifiedName(), f);
            if (clash != null) {
                throw new MojoFailureException(label(f) + " and " + label(clash) + " would both become "
                        + u.qualifiedName() + "; rename one of them");
            }
            units.add(u);
        }
        return units;
    }

    private static Map<Target, CompilerService> compilers(List<Target> isas) throws MojoFailureException {
        Map<Target, CompilerService> out = new HashMap<>();
        for (CompilerService s : ServiceLoader.load(CompilerService.class, CompileMojo.class.getClassLoader())) {
            out.putIfAbsent(s.target(), s);
        }
        for (Target t : isas) {
            if (!out.containsKey(t)) {
                throw new MojoFailureException("Kiln has no backend for " + t + " yet (backends: " + out.keySet()
                        + "); remove it from <targets>");
            }
        }
        return out;
    }

    /** Rejects what is neither a binary module (for {@code .wasm}) nor UTF-8 text (for {@code .wat}). */
    private static void checkKind(Unit u, byte[] b) {
        boolean elf = b.length >= 4 && b[0] == 0x7F && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
        if (elf) {
            throw new CompileException(u.label + ": this is an ELF file (a compiled Kiln artifact?), not a WebAssembly"
                    + " module; keep only .wasm and .wat sources here");
        }
        boolean binary = b.length >= 4 && b[0] == 0 && b[1] == 'a' && b[2] == 's' && b[3] == 'm';
        if (u.file.toString().endsWith(".wasm")) {
            if (!binary) {
                throw new CompileException(u.label + ": not a WebAssembly binary module (no \\0asm header at byte 0)");
            }
            return;
        }
        if (!binary) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            } catch (CharacterCodingException e) {
                throw new CompileException(u.label + ": not WebAssembly text (not UTF-8) nor a binary module (no \\0asm header)");
            }
        }
    }

    /**
     * The parameter names of the exported functions of the guest in {@code input}, by export name,
     * from the name section's local names (WAT's {@code $a}); empty when it has none. Export names
     * survive builtin linking, function indices may not: hence the key.
     */
    static Map<String, List<String>> paramNames(byte[] input) {
        try {
            boolean binary = input.length >= 4 && input[0] == 0 && input[1] == 'a' && input[2] == 's' && input[3] == 'm';
            WasmModule m = ModuleDecoder.decode(binary ? input : Wat.parseModule(new String(input, StandardCharsets.UTF_8), true));
            Map<String, List<String>> out = new HashMap<>();
            for (Export e : m.exports()) {
                Map<Integer, String> locals = m.localNames().get(e.index());
                dev.kiln.abi.FuncType t = e.kind() == ExternKind.FUNC ? m.functionType(e.index()) : null;
                if (locals == null || t == null) {
                    continue;
                }
                List<String> names = new ArrayList<>();
                for (int i = 0; i < t.params().size(); i++) {
                    names.add(locals.get(i));
                }
                out.put(e.name(), names);
            }
            return out;
        } catch (RuntimeException e) {
            return Map.of(); // names are a nicety: the module compiled, so p0, p1, ... will do
        }
    }

    private String fingerprint(String configuration, byte[] input, CompileTimeBuiltins b) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(configuration.getBytes(StandardCharsets.UTF_8));
            d.update(input);
            for (CompileTimeBuiltins.Builtin builtin : b.builtins()) {
                d.update(builtin.name().getBytes(StandardCharsets.UTF_8));
                d.update(builtin.wasmOrWat());
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The plugin's version and the artifact format; for snapshots also the time stamp and size of the
     * plugin's jar and of each snapshot jar it runs with (the compiler), so that a rebuilt Kiln
     * compiles again.
     */
    private String pluginFingerprint() {
        StringBuilder b = new StringBuilder("format ").append(ArtifactMetadata.FORMAT_VERSION);
        if (plugin == null) {
            return b.toString();
        }
        b.append(' ').append(plugin.getVersion());
        List<org.apache.maven.artifact.Artifact> jars = new ArrayList<>();
        if (plugin.getPluginArtifact() != null) {
            jars.add(plugin.getPluginArtifact());
        }
        if (plugin.getArtifacts() != null) {
            jars.addAll(plugin.getArtifacts());
        }
        for (org.apache.maven.artifact.Artifact a : jars) {
            File f = a.getFile();
            if (a.isSnapshot() && f != null) {
                b.append(' ').append(a.getArtifactId()).append('@').append(f.lastModified()).append(':').append(f.length());
            }
        }
        return b.toString();
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Removes the outputs of modules this execution compiled before whose sources are gone: those
     * with a fingerprint in {@code state} but not in {@code current} (outputs of other executions,
     * which keep their own state directory, are left alone).
     */
    private void removeStale(Path state, Set<Path> current, Path genSrc, Path genRes) throws MojoExecutionException {
        if (!Files.isDirectory(state)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(state)) {
            for (Path stamp : walk.filter(p -> p.toString().endsWith(".sha256")).toList()) {
                if (current.contains(stamp)) {
                    continue;
                }
                String rel = state.relativize(stamp).toString();
                String base = rel.substring(0, rel.length() - ".sha256".length());
                List<Path> outputs = new ArrayList<>();
                outputs.add(genSrc.resolve(base + ".java"));
                for (Target t : Target.values()) {
                    outputs.add(genRes.resolve(base + "." + t + ".kiln"));
                }
                for (Path p : outputs) {
                    if (Files.deleteIfExists(p)) {
                        getLog().info("Removed " + label(p) + " (its WebAssembly source is gone)");
                    }
                }
                Files.delete(stamp);
            }
        } catch (IOException e) {
            throw new MojoExecutionException("cannot clean the outputs of removed sources: " + e, e);
        }
    }

    /** A path as errors show it: relative to the project directory when inside it. */
    private String label(Path p) {
        Path base = project != null && project.getBasedir() != null ? project.getBasedir().toPath().toAbsolutePath() : null;
        Path abs = p.toAbsolutePath().normalize();
        return base != null && abs.startsWith(base) ? base.relativize(abs).toString() : p.toString();
    }
}
