package dev.kiln.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@link CompileCost} for several builds of Kiln in one process, in turn: each build's jars are
 * loaded by a class loader of their own (with this class's own code beside them, so that each build
 * runs its own copy of {@code CompileCost}), and every iteration measures every build once, starting
 * with the next build each time. A process that runs slower as a whole (a shared machine's) then
 * slows every build alike, which comparing separate processes cannot promise.
 *
 * <p>An iteration of a build is {@code CompileCost.measure(module, 3)}: a warm-up compile and two
 * measured ones, each function's least time of the two summed, in milliseconds. Prints each
 * iteration's sums, then per build the least, median and greatest sum and the MB allocated per
 * compile. A build older than {@code CompileCost} itself, or with another
 * {@code KilnCompilerService.compile} signature, cannot be measured.
 *
 * <p>Usage: {@code java -cp bench/target/classes dev.kiln.bench.CompareBuilds MODULE ITERATIONS DIR...},
 * each DIR holding one build's jars (those of {@code cli/target/classpath.txt} and the cli jar). Not
 * thread-safe; a command-line tool.
 */
public final class CompareBuilds {
    private CompareBuilds() {
    }

    /**
     * One build's sums over the iterations.
     *
     * @param name           the build's name (its directory's)
     * @param sumMillis      per iteration: the sum of each function's least time, in milliseconds
     * @param allocatedBytes bytes allocated by one compile of the build's last iteration
     */
    public record Build(String name, long[] sumMillis, long allocatedBytes) {
        /** The median of {@link #sumMillis} (the upper one of an even count). */
        public long median() {
            long[] s = sumMillis.clone();
            Arrays.sort(s);
            return s[s.length / 2];
        }

        /** The least of {@link #sumMillis}. */
        public long least() {
            return Arrays.stream(sumMillis).min().orElseThrow();
        }

        /** The greatest of {@link #sumMillis}. */
        public long greatest() {
            return Arrays.stream(sumMillis).max().orElseThrow();
        }
    }

    /**
     * @param args the module's path, the number of iterations, then one directory of jars per build
     * @throws IOException if the module or a directory cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            System.err.println("usage: CompareBuilds MODULE ITERATIONS DIR...");
            System.exit(2);
        }
        byte[] module = Files.readAllBytes(Path.of(args[0]));
        int iterations = Integer.parseInt(args[1]);
        List<String> names = new ArrayList<>();
        List<List<Path>> classPaths = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            Path dir = Path.of(args[i]);
            names.add(dir.getFileName().toString());
            try (Stream<Path> files = Files.list(dir)) {
                List<Path> jars = files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
                if (jars.isEmpty()) {
                    throw new IllegalArgumentException(dir + " holds no jar");
                }
                classPaths.add(jars);
            }
        }
        List<Build> builds = compare(module, args[0], iterations, names, classPaths,
                (i, b) -> System.out.printf("iteration %d %s: %d ms%n", i, b.name(), b.sumMillis()[i]));
        for (Build b : builds) {
            System.out.printf("%s: least %d ms, median %d ms, greatest %d ms; %d MB allocated per compile%n", b.name(),
                    b.least(), b.median(), b.greatest(), b.allocatedBytes() >> 20);
        }
    }

    /** Told of each iteration of each build as it ends. */
    public interface Listener {
        /** Build {@code b} has finished iteration {@code iteration} ({@code b.sumMillis()[iteration]} is set). */
        void measured(int iteration, Build b);
    }

    /**
     * Measures each build {@code iterations} times, in turn.
     *
     * @param names      the builds' names
     * @param classPaths per build: its class path (jars or directories), without this class's code,
     *                   which is added
     * @throws IllegalArgumentException if {@code iterations < 1} or the lists differ in size
     * @throws IllegalStateException    if a build has no {@code dev.kiln.bench.CompileCost} to call, or its
     *                                  compile fails (the build's exception is the cause)
     */
    public static List<Build> compare(byte[] module, String moduleName, int iterations, List<String> names,
            List<List<Path>> classPaths, Listener listener) {
        if (iterations < 1 || names.size() != classPaths.size() || names.isEmpty()) {
            throw new IllegalArgumentException("need at least one iteration and one class path per build name");
        }
        int n = names.size();
        Method[] measure = new Method[n];
        for (int b = 0; b < n; b++) {
            measure[b] = measureMethod(names.get(b), classPaths.get(b));
        }
        List<Build> builds = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            builds.add(new Build(names.get(b), new long[iterations], 0));
        }
        for (int i = 0; i < iterations; i++) {
            for (int k = 0; k < n; k++) {
                int b = (i + k) % n; // each iteration starts with the next build
                Object result;
                try {
                    result = measure[b].invoke(null, module, moduleName, 3);
                    Build old = builds.get(b);
                    old.sumMillis()[i] = (long) result.getClass().getMethod("sumNanos").invoke(result) / 1_000_000;
                    long allocated = (long) result.getClass().getMethod("allocatedBytes").invoke(result);
                    builds.set(b, new Build(old.name(), old.sumMillis(), allocated));
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException(names.get(b) + ": " + e.getCause(), e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(names.get(b) + ": CompileCost cannot be called: " + e, e);
                }
                listener.measured(i, builds.get(b));
            }
        }
        return builds;
    }

    /** {@code CompileCost.measure} of a class loader over build {@code name}'s {@code classPath} and this class's code. */
    private static Method measureMethod(String name, List<Path> classPath) {
        List<URL> urls = new ArrayList<>();
        try {
            for (Path p : classPath) {
                urls.add(p.toUri().toURL());
            }
            urls.add(CompareBuilds.class.getProtectionDomain().getCodeSource().getLocation());
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
        // the platform loader as parent: the build's classes, and this code's, come from the new loader
        ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        try {
            return loader.loadClass(CompileCost.class.getName()).getMethod("measure", byte[].class, String.class,
                    int.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException(name + ": no CompileCost.measure on " + classPath + ": " + e, e);
        }
    }
}
