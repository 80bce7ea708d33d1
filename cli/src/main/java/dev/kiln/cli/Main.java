package dev.kiln.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code kiln} command: the entry point of the command line, with one subcommand per task, in
 * the manner of Wasmtime's CLI ({@code wasmtime compile}, {@code wasmtime run --invoke}, ...).
 *
 * <pre>{@code
 * kiln compile fib.wat                 # writes fib.kiln (an ELF artifact)
 * kiln run --invoke fib fib.kiln 20    # prints 6765
 * kiln inspect fib.wasm                # imports, exports, sections, code size
 * kiln objdump --function fib fib.wat  # disassembly through binutils' objdump
 * kiln wast i32.wast                   # spec scripts through the front end
 * kiln hello.wasm a b                  # short for: kiln run hello.wasm a b
 * kiln completion bash                 # a completion script for bash (or zsh)
 * }</pre>
 *
 * <p>Exit status (see {@link ExitCodes}): 0 on success, 1 for an error (unreadable file, malformed
 * or invalid module, malformed artifact), 2 for a usage error, 134 when the guest traps.
 *
 * <p>Run it in process with {@code Main.commandLine(args).execute(args)}; every subcommand
 * writes to the {@link CommandLine#getOut()}/{@link CommandLine#getErr()} writers, so tests can
 * capture them. A {@code Main} instance holds parsed options: use each one for one execution, from
 * one thread.
 *
 * <p>The models of {@code kiln} and {@code kiln run} are built in code ({@link CommandModels}), those
 * of the other subcommands from their annotations.
 */
public final class Main implements Runnable {
    /** This command's model (set by {@link #commandLine}). */
    CommandSpec spec;

    /** Creates the top-level command (Picocli instantiates the subcommands). */
    public Main() {
    }

    /**
     * Runs {@code kiln} with {@code args} and exits the JVM with the command's exit status.
     *
     * <p>Status 0 returns from {@code main}, and the JVM ends as its last non-daemon thread does (every
     * thread Kiln starts is a daemon or joined); only another status goes through {@link System#exit}.
     * {@code Runtime.exit} looks up a {@code System.Logger} to log the exit (JDK 21+), and finding the
     * logging backend scans every jar of the class path for a service: 10-20 ms at the end of every run.
     *
     * @param args the command line, e.g. {@code ["run", "--invoke", "fac", "fac.wat", "20"]}
     */
    public static void main(String[] args) {
        CommandLine cl = commandLine(args);
        int status = cl.execute(withDefaultCommand(cl, args));
        if (status != ExitCodes.OK) {
            System.exit(status);
        }
    }

    /** Picocli's system property: regular expressions of the types whose built-in converters it skips. */
    private static final String CONVERTER_EXCLUDES = "picocli.converters.excludes";
    /** Picocli's system property that stops it from looking for Groovy's {@code Closure} class (a failed class lookup). */
    private static final String DISABLE_CLOSURES = "picocli.disable.closures";

    /** The subcommands, in the order {@code kiln --help} lists them. */
    static final List<String> SUBCOMMANDS = List.of("compile", "run", "inspect", "objdump", "wast", "completion", "help");

    private static Object subcommand(String name) {
        return switch (name) {
            case "compile" -> new CompileCommand().model();
            case "run" -> new RunCommand().model();
            case "inspect" -> new InspectCommand();
            case "objdump" -> new ObjdumpCommand();
            case "wast" -> new WastCommand();
            case "completion" -> new CompletionCommand();
            case "help" -> new CommandLine.HelpCommand();
            default -> throw new IllegalArgumentException("no subcommand " + name);
        };
    }

    /**
     * The {@code kiln} command line to execute {@code args} with (then through
     * {@link #withDefaultCommand}): the top-level command with only the subcommand that {@code args}
     * name ({@code run} for {@code kiln FILE ...}), none for {@code kiln --version}, or all of them
     * when they name none or ask for help or completion, which list them. Picocli builds a command's model from its annotations by
     * reflection, a few ms of a fresh JVM's start per subcommand, so {@code kiln run} builds only run's.
     *
     * @param args the arguments as given
     * @return a new command line; one execution each
     */
    public static CommandLine commandLine(String... args) {
        if (System.getProperty(CONVERTER_EXCLUDES) == null) {
            // no option has a java.sql or java.time type: Picocli need not look their converters up
            // reflectively (20 classes and methods) for every command it builds
            System.setProperty(CONVERTER_EXCLUDES, "java\\.sql\\..*,java\\.time\\..*");
        }
        if (System.getProperty(DISABLE_CLOSURES) == null) {
            System.setProperty(DISABLE_CLOSURES, "true"); // no Groovy here: a ClassNotFoundException less at start-up
        }
        CommandLine cl = new CommandLine(new Main().model());
        String first = args.length == 0 ? "" : args[0];
        List<String> needed = SUBCOMMANDS;
        if (SUBCOMMANDS.contains(first) && !first.equals("help") && !first.equals("completion")) {
            needed = List.of(first);
        } else if (!first.startsWith("-") && (first.contains(".") || first.contains("/"))) {
            needed = List.of("run"); // kiln FILE ...: withDefaultCommand makes it kiln run FILE ...
        } else if (args.length == 1 && (first.equals("--version") || first.equals("-V"))) {
            needed = List.of(); // the version alone: no subcommand is looked at
        }
        for (String name : needed) {
            cl.addSubcommand(subcommand(name));
            // adding resets the subcommand's parser to its parent's: its model transformer (run's
            // stop-at-FILE) applies again, as with subcommands declared in the annotation
            CommandSpec sub = cl.getSubcommands().get(name).getCommandSpec();
            if (sub.modelTransformer() != null) {
                sub.modelTransformer().transform(sub);
            }
        }
        // Picocli's own Path converter is reflective (it predates java.nio.file): its first use spins
        // a method accessor class, ~5 ms of every run; registered after the subcommands, which it
        // then covers too
        cl.registerConverter(java.nio.file.Path.class, java.nio.file.Path::of);
        return cl;
    }

    /**
     * The top-level command's Picocli model, bound to this instance: {@code --help}, {@code --version}
     * ({@link Version}), the description and the footer; {@link #commandLine} adds the subcommands.
     *
     * @return a new model; {@link #spec} is set to it
     */
    CommandSpec model() {
        CommandSpec s = CommandModels.withStandardHelpOptions(CommandSpec.wrapWithoutInspection(this).name("kiln")
                .versionProvider(new Version()));
        s.usageMessage().description("Kiln: an ahead-of-time WebAssembly compiler and runtime for the JVM.")
                .footer("", "Run 'kiln help COMMAND' or 'kiln COMMAND --help' for a command's options.");
        spec = s;
        return s;
    }

    /**
     * Wasmtime's habit: {@code kiln FILE ARGS...} and {@code kiln [run options] FILE ARGS...} mean
     * {@code kiln run ...}. Returns {@code args} with {@code run} in front when the first argument is
     * no subcommand and either an option of {@code run} ({@code --invoke}, {@code --dir}, ...) or a file
     * (it exists, or has a {@code .} or {@code /} in its name); else unchanged, so that a mistyped
     * subcommand still gets Picocli's "Did you mean" and {@code --help}/{@code --version} stay the
     * top-level ones.
     *
     * @param cl   the top-level command line (its subcommands are looked at)
     * @param args the arguments as given
     * @return the arguments to execute
     */
    static String[] withDefaultCommand(CommandLine cl, String[] args) {
        if (args.length == 0 || cl.getSubcommands().containsKey(args[0])) {
            return args;
        }
        String first = args[0];
        boolean runsSomething;
        if (first.startsWith("-")) {
            String name = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            CommandLine run = cl.getSubcommands().get("run"); // absent for kiln --version
            runsSomething = run != null && run.getCommandSpec().findOption(name) != null
                    && cl.getCommandSpec().findOption(name) == null;
        } else {
            runsSomething = first.contains(".") || first.contains("/") || java.nio.file.Files.exists(java.nio.file.Path.of(first));
        }
        if (!runsSomething) {
            return args;
        }
        String[] out = new String[args.length + 1];
        out[0] = "run";
        System.arraycopy(args, 0, out, 1, args.length);
        return out;
    }

    /** {@code kiln} without a subcommand: prints the usage to stderr, which Picocli turns into exit status 2. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: say what kiln should do (compile, run,"
                + " inspect, objdump, wast or completion), or give a module to run: kiln FILE [ARGS...]");
    }

    /**
     * Supplies {@code --version}: the Maven project version (from {@code version.properties}, filtered
     * at build time) and the JVM it runs on.
     */
    public static final class Version implements CommandLine.IVersionProvider {
        /** Creates the provider (Picocli instantiates it). */
        public Version() {
        }

        /** The version of this Kiln build, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown}. */
        public static String kilnVersion() {
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    return "unknown";
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }

        @Override
        public String[] getVersion() {
            return new String[] {
                "kiln " + kilnVersion(),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")",
            };
        }
    }
}
