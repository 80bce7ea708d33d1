package dev.kiln.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Trap;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.maven.model.Resource;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code kiln:compile} on a project directory, compiles the facades it generates with javac,
 * and calls them against the real runtime: typed exports, multi-value results, an {@code Imports}
 * interface implemented in Java, exported memory; then incrementality and error reporting.
 */
class CompileMojoTest {
    private static final String CALCULATOR = """
            (module
              (func (export "add") (param $a i32) (param $b i32) (result i32) local.get 0 local.get 1 i32.add)
              (func (export "clash") (param $thrown i32) (param $results i64) (param $int f32) (param $add f64) (result i32 i32)
                local.get 0 local.get 0)
              (func (export "mul_wide") (param i64 i64) (result i64) local.get 0 local.get 1 i64.mul)
              (func (export "half") (param f64) (result f64) local.get 0 f64.const 0.5 f64.mul)
              (func (export "divmod") (param i32 i32) (result i32 i32)
                local.get 0 local.get 1 i32.div_u local.get 0 local.get 1 i32.rem_u)
              (func (export "crash") unreachable))
            """;
    private static final String GREETER = """
            (module
              (import "host" "print_i32" (func $print (param i32)))
              (import "host" "next-value" (func $next (result i64)))
              (memory (export "memory") 1)
              (func (export "greet") (param i32) (result i64)
                local.get 0 call $print
                call $next local.get 0 i64.extend_i32_u i64.add))
            """;

    @TempDir
    Path project;

    private CompileMojo mojo() {
        CompileMojo m = new CompileMojo();
        MavenProject p = new MavenProject();
        p.setGroupId("com.example-app");
        p.setArtifactId("demo");
        p.setFile(project.resolve("pom.xml").toFile());
        m.project = p;
        m.sourceDirectory = project.resolve("src/main/wasm").toFile();
        m.targets = List.of("x86_64");
        m.cpuFeatures = "baseline";
        m.facades = true;
        m.generatedSourcesDirectory = project.resolve("target/generated-sources/kiln").toFile();
        m.generatedResourcesDirectory = project.resolve("target/generated-resources/kiln").toFile();
        m.stateDirectory = project.resolve("target/kiln-maven-plugin").toFile();
        return m;
    }

    private void source(String rel, String text) throws IOException {
        Path f = project.resolve("src/main/wasm").resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    /** Compiles the generated sources and returns a loader that sees the classes and the artifacts. */
    private ClassLoader compileFacades() throws IOException {
        Path classes = project.resolve("target/classes");
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", System.getProperty("java.class.path"),
                "-Xlint:all", "-Werror", "-proc:none", "-parameters"));
        try (var walk = Files.walk(project.resolve("target/generated-sources/kiln"))) {
            walk.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)), "generated facades compile without warnings");
        return new URLClassLoader(new URL[] {classes.toUri().toURL(), project.resolve("target/generated-resources/kiln").toUri().toURL()},
                getClass().getClassLoader());
    }

    @Test
    void facadesCallExportsWithJavaTypes() throws Exception {
        source("calculator.wat", CALCULATOR);
        source("io/greeter.wat", GREETER);
        CompileMojo m = mojo();
        m.execute();

        assertTrue(m.project.getCompileSourceRoots().contains(m.generatedSourcesDirectory.toString()));
        assertTrue(m.project.getResources().stream().map(Resource::getDirectory)
                .anyMatch(m.generatedResourcesDirectory.toString()::equals));
        byte[] artifact = Files.readAllBytes(project.resolve("target/generated-resources/kiln/com/exampleapp/Calculator.x86_64.kiln"));
        assertArrayEquals(new byte[] {0x7F, 'E', 'L', 'F'}, java.util.Arrays.copyOf(artifact, 4));

        ClassLoader loader = compileFacades();
        Class<?> calc = loader.loadClass("com.exampleapp.Calculator");
        try (AutoCloseable c = (AutoCloseable) calc.getMethod("instantiate").invoke(null)) {
            Method add = calc.getMethod("add", int.class, int.class);
            assertEquals(42, add.invoke(c, 40, 2));
            assertEquals(List.of("a", "b"), java.util.Arrays.stream(add.getParameters()).map(java.lang.reflect.Parameter::getName).toList(),
                    "parameter names come from the name section");
            Method clash = calc.getMethod("clash", int.class, long.class, float.class, double.class);
            assertEquals(List.of("thrown_", "results_", "int_", "add"),
                    java.util.Arrays.stream(clash.getParameters()).map(java.lang.reflect.Parameter::getName).toList());
            Object both = clash.invoke(c, 9, 0L, 0f, 0d);
            assertEquals(9, both.getClass().getMethod("result1").invoke(both));
            assertEquals(-4L, calc.getMethod("mulWide", long.class, long.class).invoke(c, 2L, -2L));
            assertEquals(1.25, calc.getMethod("half", double.class).invoke(c, 2.5));
            Object qr = calc.getMethod("divmod", int.class, int.class).invoke(c, 17, 5);
            assertEquals(3, qr.getClass().getMethod("result0").invoke(qr));
            assertEquals(2, qr.getClass().getMethod("result1").invoke(qr));
            InvocationTargetException e = assertThrows(InvocationTargetException.class,
                    () -> calc.getMethod("crash").invoke(c));
            assertInstanceOf(Trap.class, e.getCause());
        }

        Class<?> greeter = loader.loadClass("com.exampleapp.io.Greeter");
        Class<?> imports = loader.loadClass("com.exampleapp.io.Greeter$Imports");
        List<Integer> printed = new ArrayList<>();
        InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
            case "printI32" -> {
                printed.add((Integer) args[0]);
                yield null;
            }
            case "nextValue" -> 1000L;
            default -> throw new AssertionError(method);
        };
        Object impl = Proxy.newProxyInstance(loader, new Class<?>[] {imports}, h);
        try (AutoCloseable g = (AutoCloseable) greeter.getMethod("instantiate", imports).invoke(null, impl)) {
            assertEquals(1007L, greeter.getMethod("greet", int.class).invoke(g, 7));
            assertEquals(List.of(7), printed);
            Object memory = greeter.getMethod("memory").invoke(g);
            assertEquals(65536L, ((dev.kiln.Memory) memory).segment().byteSize());
        }
        Method greet = greeter.getMethod("greet", int.class);
        assertEquals("p0", greet.getParameters()[0].getName(), "unnamed parameters are p0, p1, ...");
        Method printI32 = imports.getMethod("printI32", int.class);
        assertEquals(void.class, printI32.getReturnType());
    }

    @Test
    void unchangedInputsAreNotCompiledAgain() throws Exception {
        source("calculator.wat", CALCULATOR);
        source("other.wat", "(module (func (export \"one\") (result i32) i32.const 1))");
        mojo().execute();
        Path calc = project.resolve("target/generated-resources/kiln/com/exampleapp/Calculator.x86_64.kiln");
        Path other = project.resolve("target/generated-resources/kiln/com/exampleapp/Other.x86_64.kiln");
        FileTime old = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(calc, old);
        Files.setLastModifiedTime(other, old);

        source("other.wat", "(module (func (export \"one\") (result i32) i32.const 2))");
        mojo().execute();
        assertEquals(old, Files.getLastModifiedTime(calc), "unchanged input: artifact left alone");
        assertFalse(old.equals(Files.getLastModifiedTime(other)), "changed input: compiled again");

        CompileMojo withOtherFeatures = mojo();
        withOtherFeatures.cpuFeatures = "popcnt";
        withOtherFeatures.execute();
        assertFalse(old.equals(Files.getLastModifiedTime(calc)), "changed configuration: compiled again");

        Files.delete(project.resolve("src/main/wasm/other.wat"));
        mojo().execute();
        assertFalse(Files.exists(other), "outputs of a deleted input are removed");
        assertFalse(Files.exists(project.resolve("target/generated-sources/kiln/com/exampleapp/Other.java")));
    }

    @Test
    void errorsNameTheInputFile() throws Exception {
        source("good.wat", "(module (func (export \"f\")))");
        source("bad.wat", "(module (func (export \"f\") (result i32) i64.const 1))");
        source("nested/broken.wasm", "not a module");
        MojoFailureException e = assertThrows(MojoFailureException.class, () -> mojo().execute());
        String m = e.getMessage();
        assertTrue(m.contains("2 WebAssembly modules failed"), m);
        assertTrue(m.contains("src/main/wasm/bad.wat".replace('/', File.separatorChar)), m);
        assertTrue(m.contains("type mismatch"), m);
        assertTrue(m.contains("src/main/wasm/nested/broken.wasm".replace('/', File.separatorChar) + ": not a WebAssembly binary"), m);
        assertTrue(Files.exists(project.resolve("target/generated-sources/kiln/com/exampleapp/Good.java")),
                "the good module is still compiled");
    }

    @Test
    void configurationMistakesAreClear() throws Exception {
        source("a.wat", "(module)");
        CompileMojo m = mojo();
        m.targets = List.of("riscv64");
        assertTrue(assertThrows(MojoFailureException.class, m::execute).getMessage().contains("unknown ISA \"riscv64\""));
        m = mojo();
        m.packageName = "com.example.class";
        assertTrue(assertThrows(MojoFailureException.class, m::execute).getMessage().contains("not a Java package name"));
        source("a.wasm", "");
        assertTrue(assertThrows(MojoFailureException.class, () -> mojo().execute()).getMessage()
                .contains("would both become com.exampleapp.A"));
    }

    @Test
    void namesBecomeJavaIdentifiers() {
        assertEquals("fdWrite", FacadeGenerator.javaName("fd_write"));
        assertEquals("nextValue", FacadeGenerator.javaName("next-value"));
        assertEquals("_1st", FacadeGenerator.javaName("1st"));
        assertEquals("export", FacadeGenerator.javaName("::"));
        assertEquals("MyLib", FacadeGenerator.className("my-lib"));
        assertEquals("com.exampleapp", CompileMojo.defaultPackage("com.example-app"));
        assertEquals("org.int_", CompileMojo.defaultPackage("org.int"));
    }
}
