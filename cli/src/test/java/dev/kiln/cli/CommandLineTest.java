package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Help, version, usage errors and the progress line. */
class CommandLineTest {
    @Test
    void helpAndVersionEverywhere() {
        for (String cmd : new String[] {"compile", "run", "inspect", "objdump", "wast"}) {
            Cli.Result help = kiln(cmd, "--help");
            assertEquals(0, help.exit(), cmd);
            assertTrue(help.out().startsWith("Usage: kiln " + cmd + " "), help.out());
            Cli.Result version = kiln(cmd, "--version");
            assertEquals(0, version.exit(), cmd);
            assertTrue(version.out().startsWith("kiln " + Main.Version.kilnVersion() + "\n"), version.out());
        }
        Cli.Result top = kiln("--help");
        assertEquals(0, top.exit());
        for (String cmd : new String[] {"compile", "run", "inspect", "objdump", "wast"}) {
            assertTrue(top.out().contains("\n  " + cmd + " "), top.out());
        }
        assertTrue(kiln("-V").out().startsWith("kiln 0."), "the version comes from the pom");
        assertEquals(kiln("-V").out(), kiln("--version").out());
    }

    /**
     * The models of {@code kiln} and {@code kiln run} are built in code ({@link CommandModels}); their
     * usage help is, character for character, what their annotations gave (kiln-help.txt and
     * run-help.txt were printed by the annotated commands): the same options, labels, descriptions,
     * order, optional and repeatable parameters.
     */
    @Test
    void theModelsBuiltInCodeGiveTheHelpOfTheAnnotatedCommands() throws IOException {
        assertEquals(resource("kiln-help.txt"), kiln("--help").out());
        assertEquals(resource("run-help.txt"), kiln("run", "--help").out());
        assertEquals(resource("run-help.txt"), kiln("help", "run").out());
    }

    /** Every option of {@code kiln run} and of its option groups sets its field; after FILE all is ARGS. */
    @Test
    void everyRunOptionSetsItsField() {
        String[] args = {"run", "--invoke", "f", "--dir", "a", "--dir", "b::c", "--env", "X=1", "--env", "Y",
            "--allow-precompiled", "--timeout", "5s", "--fuel", "9", "--unsafe-intrinsics", "unsafe", "--builtin",
            "h.wat", "--no-spectre-guard", "--store-data", "4k", "--no-cache", "--cache-dir", "dir", "-C", "cache",
            "-C", "bounds-checks=explicit", "--preload", "m=x.wat", "-W", "fuel=3,max-tables=2", "prog.wasm",
            "--invoke", "g", "1"};
        CommandLine cl = Main.commandLine(args);
        cl.parseArgs(args);
        RunCommand run = (RunCommand) cl.getSubcommands().get("run").getCommandSpec().userObject();
        assertEquals("f", run.invoke);
        assertEquals(List.of("a", "b::c"), run.dirs);
        assertEquals(List.of("X=1", "Y"), run.envs);
        assertTrue(run.allowPrecompiled);
        assertEquals("5s", run.limits.timeout);
        assertEquals("9", run.limits.fuel);
        assertEquals("unsafe", run.builtins.intrinsics);
        assertEquals(List.of("h.wat"), run.builtins.builtins);
        assertTrue(run.builtins.noSpectreGuard);
        assertEquals("4k", run.storeData);
        assertTrue(run.cache.noCache);
        assertEquals(Path.of("dir"), run.cache.cacheDir);
        assertEquals(Map.of("cache", "y", "bounds-checks", "explicit"), run.cache.codegen);
        assertEquals(List.of("m=x.wat"), run.links.preloads);
        assertEquals(List.of("fuel=3,max-tables=2"), run.links.wasmOptions);
        assertEquals(Path.of("prog.wasm"), run.file);
        assertEquals(List.of("--invoke", "g", "1"), run.args);
        assertEquals(run.spec, cl.getSubcommands().get("run").getCommandSpec(), "the command sees its own model");

        String[] none = {"run", "prog.wasm"};
        CommandLine fresh = Main.commandLine(none);
        fresh.parseArgs(none);
        RunCommand defaults = (RunCommand) fresh.getSubcommands().get("run").getCommandSpec().userObject();
        assertEquals(null, defaults.invoke);
        assertEquals(List.of(), defaults.dirs);
        assertEquals(List.of(), defaults.args);
        assertEquals(Map.of(), defaults.cache.codegen);
        assertTrue(!defaults.allowPrecompiled && !defaults.cache.noCache && !defaults.builtins.noSpectreGuard);
    }

    /** {@code compile} gets the builtin options built in code, next to its annotated ones. */
    @Test
    void compileHasTheBuiltinOptions() {
        String[] args = {"compile", "--unsafe-intrinsics", "unsafe", "--builtin", "h.wat", "-o", "out.kiln", "x.wat"};
        CommandLine cl = Main.commandLine(args);
        cl.parseArgs(args);
        CompileCommand compile = (CompileCommand) cl.getSubcommands().get("compile").getCommandSpec().userObject();
        assertEquals("unsafe", compile.builtins.intrinsics);
        assertEquals(List.of("h.wat"), compile.builtins.builtins);
        assertEquals(Path.of("out.kiln"), compile.output);
        assertTrue(kiln("compile", "--help").out().contains("--no-spectre-guard"));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = CommandLineTest.class.getResourceAsStream(name)) {
            assertTrue(in != null, name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code kiln run ...} builds only run's model, {@code kiln --version} none; whatever lists or
     * guesses subcommands (no arguments, help, completion, a mistyped name) gets all of them, in the
     * help's order.
     */
    @Test
    void onlyTheNamedSubcommandIsBuilt() {
        assertEquals(java.util.List.of(), java.util.List.copyOf(Main.commandLine("--version").getSubcommands().keySet()));
        assertEquals(java.util.List.of(), java.util.List.copyOf(Main.commandLine("-V").getSubcommands().keySet()));
        assertEquals(Main.SUBCOMMANDS, java.util.List.copyOf(Main.commandLine("--version", "run").getSubcommands().keySet()));
        assertEquals(java.util.List.of("run"), java.util.List.copyOf(Main.commandLine("run", "x.wasm").getSubcommands().keySet()));
        assertEquals(java.util.List.of("wast"), java.util.List.copyOf(Main.commandLine("wast", "a.wast").getSubcommands().keySet()));
        assertEquals(java.util.List.of("run"), java.util.List.copyOf(Main.commandLine("dir/prog.wasm", "a").getSubcommands().keySet()));
        assertTrue(Main.commandLine("run", "x.wasm").getSubcommands().get("run").getCommandSpec().parser().stopAtPositional(),
                "run stops parsing options at FILE");
        assertTrue(Main.commandLine().getSubcommands().get("run").getCommandSpec().parser().stopAtPositional());
        for (String[] args : new String[][] {{}, {"--help"}, {"help", "run"}, {"completion", "bash"}, {"frobnicate"},
                {"--invoke", "f", "x.wat"}}) {
            assertEquals(Main.SUBCOMMANDS, java.util.List.copyOf(Main.commandLine(args).getSubcommands().keySet()),
                    String.join(" ", args));
        }
        Cli.Result typo = kiln("complie", "x.wat");
        assertEquals(2, typo.exit());
        assertTrue(typo.err().contains("Did you mean") && typo.err().contains("compile"), typo::toString);
        Cli.Result helpRun = kiln("help", "run");
        assertEquals(0, helpRun.exit());
        assertTrue(helpRun.out().startsWith("Usage: kiln run "), helpRun.out());
        assertTrue(kiln("completion", "bash").out().contains("objdump"), "the completion script covers every subcommand");
    }

    @Test
    void usageErrorsExit2() {
        Cli.Result none = kiln();
        assertEquals(2, none.exit());
        assertTrue(none.err().contains("Usage: kiln"), none::toString);
        assertEquals(2, kiln("frobnicate").exit());
        assertEquals(2, kiln("run").exit());
        Cli.Result unknown = kiln("compile", "--frob", "x.wat");
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("Unknown option: '--frob'"), unknown::toString);
        assertEquals(2, kiln("wast").exit());
    }

    @Test
    @SuppressWarnings("try")
    void progressLineAppearsAfterASecondAndIsErased() throws InterruptedException {
        StringWriter sw = new StringWriter();
        PrintWriter err = new PrintWriter(sw);
        try (Progress p = Progress.start("compiling big.wasm", err, true)) {
            Thread.sleep(1300);
        }
        String s = sw.toString();
        assertTrue(s.startsWith("\r"), s);
        assertTrue(s.contains("compiling big.wasm... 1."), s);
        assertTrue(s.endsWith("\r\u001b[2K"), s);

        StringWriter counted = new StringWriter();
        try (Progress p = Progress.start("compiling big.wasm", new PrintWriter(counted), true)) {
            p.functionsCompiled(1234, 5678, 3_000_000, 9_000_000);
            Thread.sleep(1300);
        }
        assertTrue(counted.toString().matches("(?s)\r. compiling big\\.wasm\\.\\.\\. 1\\.\\d s, 1234/5678 functions, "
                + "\\d+\\.\\d\\d MB/s\u001b\\[K.*"), counted::toString);

        StringWriter quick = new StringWriter();
        try (Progress p = Progress.start("compiling small.wasm", new PrintWriter(quick), true)) {
            Thread.sleep(10);
        }
        assertEquals("", quick.toString());
        StringWriter off = new StringWriter();
        try (Progress p = Progress.start("x", new PrintWriter(off), false)) {
            Thread.sleep(1200);
        }
        assertEquals("", off.toString());
    }
}
