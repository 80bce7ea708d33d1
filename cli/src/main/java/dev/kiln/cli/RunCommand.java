package dev.kiln.cli;

import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.LinkException;
import dev.kiln.Linker;
import dev.kiln.Memory;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.StoreLimits;
import dev.kiln.Table;
import dev.kiln.Val;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.wasi.WasiContext;
import dev.kiln.wasi.WasiExit;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code kiln run [--dir HOST[::GUEST]]... [--env NAME[=VALUE]]... [--invoke NAME] FILE [ARGS...]}:
 * runs a WebAssembly module ({@code .wasm}, {@code .wat}) or a precompiled Kiln artifact, told apart
 * by content, with WASI preview1 ({@link WasiContext}). An artifact runs only with
 * {@code --allow-precompiled} (as in Wasmtime): it is native code, trusted as it is.
 *
 * <p>Without {@code --invoke} the module is a WASI command: its {@code _start} export is called with
 * ARGS as the program's arguments (argv[0] is FILE as given), the environment given by {@code --env}
 * (nothing of the host's unless asked for with {@code --env NAME}), the process's stdin, stdout and
 * stderr, and the directories of {@code --dir} preopened. The exit status is the program's:
 * {@code proc_exit}'s value, or 0 when {@code _start} returns.
 *
 * <p>With {@code --invoke NAME} it calls the exported function NAME with ARGS parsed by its
 * parameter types and prints each result on its own line, as {@code wasmtime run --invoke} does:
 * {@code i32}/{@code i64} in signed decimal, {@code f32}/{@code f64} as decimal floats. A module
 * exporting {@code _initialize} (a WASI reactor) has it called once first, as the WASI application
 * ABI requires ({@link Instance#initializeReactor()}). Integer
 * arguments are decimal or {@code 0x} hexadecimal, signed or (up to 2^32-1 / 2^64-1) unsigned. WASI
 * is available to the function too (the program name is then its only argument).
 *
 * <p>As in Wasmtime, options come before FILE: everything after FILE is an argument
 * (Picocli's stop-at-positional mode).
 *
 * <p>Guest code runs on the large-stack thread of {@link KilnCommand}; a trap exits with 134.
 *
 * <p>Its Picocli model is built in code ({@link #model()}, see {@link CommandModels}): this command
 * starts every run of a program.
 */
final class RunCommand extends KilnCommand implements CommandModels.Fields {
    String invoke;
    List<String> dirs = new ArrayList<>();
    List<String> envs = new ArrayList<>();
    boolean allowPrecompiled;
    WasmOptions limits = new WasmOptions(); // --timeout, --fuel and the -W keys timeout=, fuel=
    BuiltinOptions builtins = new BuiltinOptions(); // --unsafe-intrinsics, --builtin (compile-time builtins)
    String storeData;
    CacheOptions cache = new CacheOptions(); // --no-cache, --cache-dir, -C cache=...
    LinkOptions links = new LinkOptions(); // --preload NAME=FILE, -W unknown-imports-trap
    Path file;
    List<String> args = new ArrayList<>();

    /**
     * The {@code run} command's Picocli model, bound to this instance: its options, the option groups
     * ({@link WasmOptions}, {@link BuiltinOptions}, {@link CacheOptions}, {@link LinkOptions}), FILE
     * and ARGS, {@code --help} and {@code --version}, and {@link StopAtFile}.
     *
     * @return a new model; {@link #spec} is set to it
     */
    CommandSpec model() {
        CommandSpec s = CommandModels.withStandardHelpOptions(CommandSpec.wrapWithoutInspection(this).name("run")
                .versionProvider(new Main.Version()).modelTransformer(new StopAtFile()));
        s.usageMessage().description(
                "Runs a WebAssembly module (.wasm, .wat) or a compiled Kiln artifact, with WASI preview1.",
                "Calls the _start export with ARGS as the program's arguments and exits with the program's exit status;"
                        + " with --invoke NAME, calls the exported function NAME with ARGS and prints its results, one per line.",
                "Options go before FILE: everything after FILE is passed to the guest.");
        s.addOption(CommandModels.option(this, "invoke", String.class, "--invoke").paramLabel("NAME")
                .description("The exported function to call (default: _start). ARGS are parsed by its parameter types.").build());
        s.addOption(CommandModels.option(this, "dirs", List.class, "--dir").paramLabel("HOST[::GUEST]")
                .description("Preopens the host directory HOST for the program, under the name GUEST (default: HOST as"
                        + " given). Only preopened directories are reachable. Repeatable.").build());
        s.addOption(CommandModels.option(this, "envs", List.class, "--env").paramLabel("NAME[=VALUE]")
                .description("Sets an environment variable of the program; NAME alone passes the host's value (if set)."
                        + " Repeatable.").build());
        s.addOption(CommandModels.option(this, "allowPrecompiled", boolean.class, "--allow-precompiled")
                .description("Allows FILE to be a precompiled Kiln artifact (from 'kiln compile'). An artifact is native"
                        + " code that runs with this process's privileges and is not checked to keep the guest sandboxed:"
                        + " allow only artifacts you trust. Without it such a file is refused, whatever its name.").build());
        s.addMixin("limits", limits.model());
        s.addMixin("builtins", builtins.model());
        s.addOption(CommandModels.option(this, "storeData", String.class, "--store-data").paramLabel("SIZE")
                .description("Give the store SIZE bytes of zeroed store data (suffixes k, m: KiB, MiB), whose address"
                        + " the store-data-address intrinsic returns to compile-time builtins. Default: none (address 0).")
                .build());
        s.addMixin("cache", cache.model());
        s.addMixin("links", links.model());
        s.addPositional(CommandModels.positional(this, "file", Path.class, "0").paramLabel("FILE")
                .description("A .wasm or .wat module, or a Kiln artifact from 'kiln compile'.").build());
        s.addPositional(CommandModels.positional(this, "args", List.class, "1..*").paramLabel("ARGS")
                .description("The program's arguments, or those of the function called with --invoke.").build());
        spec = s;
        return s;
    }

    @Override
    public Object get(String name) {
        return switch (name) {
            case "invoke" -> invoke;
            case "dirs" -> dirs;
            case "envs" -> envs;
            case "allowPrecompiled" -> allowPrecompiled;
            case "storeData" -> storeData;
            case "file" -> file;
            default -> args;
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String name, Object value) {
        switch (name) {
            case "invoke" -> invoke = (String) value;
            case "dirs" -> dirs = (List<String>) value;
            case "envs" -> envs = (List<String>) value;
            case "allowPrecompiled" -> allowPrecompiled = (Boolean) value;
            case "storeData" -> storeData = (String) value;
            case "file" -> file = (Path) value;
            default -> args = (List<String>) value;
        }
    }

    /** Makes the parser treat everything after FILE as ARGS, options included (Wasmtime's habit). */
    static final class StopAtFile implements CommandLine.IModelTransformer {
        /** Created by Picocli. */
        StopAtFile() {
        }

        @Override
        public CommandSpec transform(CommandSpec spec) {
            spec.parser().stopAtPositional(true);
            return spec;
        }
    }

    /**
     * The WASI context of this run: arguments, {@code --env}, {@code --dir}, and the process's standard
     * streams as {@link System#in}, {@link System#out} and {@link System#err} are at this moment.
     *
     * @throws KilnException (usage) for a malformed {@code --env} or a {@code --dir} that is not a directory
     */
    WasiContext wasi(List<String> argv) {
        WasiContext.Builder b = WasiContext.builder().args(argv)
                .stdin(System.in).stdout(System.out).stderr(System.err);
        for (String e : envs) {
            int eq = e.indexOf('=');
            String name = eq < 0 ? e : e.substring(0, eq);
            if (name.isEmpty()) {
                throw KilnException.usage("--env " + e + ": expected NAME=VALUE or NAME");
            }
            String value = eq < 0 ? System.getenv(name) : e.substring(eq + 1);
            if (value != null) {
                try {
                    b.env(name, value);
                } catch (IllegalArgumentException ex) {
                    throw KilnException.usage("--env " + e + ": " + ex.getMessage());
                }
            }
        }
        for (String d : dirs) {
            int sep = d.indexOf("::");
            String host = sep < 0 ? d : d.substring(0, sep);
            String guest = sep < 0 ? d : d.substring(sep + 2);
            if (host.isEmpty() || guest.isEmpty()) {
                throw KilnException.usage("--dir " + d + ": expected HOST or HOST::GUEST");
            }
            Path p = Path.of(host);
            if (!Files.isDirectory(p)) {
                throw KilnException.usage("--dir " + d + ": " + host + " is not a directory");
            }
            b.preopen(p, guest);
        }
        return b.build();
    }

    @Override
    int execute() throws Exception {
        Input input = Input.read(file);
        input.checkPrecompiledAllowed(allowPrecompiled);
        limits.parse(links.wasmOptions);
        Module module;
        try {
            module = input.module(cache.withCodegenOptions(limits.engine(STACK_BUDGET_BYTES, cache.cache(err()))), err(),
                    builtins);
        } catch (IllegalArgumentException e) {
            throw KilnException.error(file + ": " + e.getMessage()); // compiled with other -W options
        }
        String name = invoke != null ? invoke : "_start";
        Module.ExportType export = module.exports().stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
        if (export == null) {
            if (invoke == null && !args.isEmpty() && args.get(0).startsWith("--")) {
                throw KilnException.usage("options go before FILE (everything after FILE is passed to the guest): kiln run "
                        + args.get(0) + " ... " + file + " ...");
            }
            if (invoke == null) {
                throw KilnException.error(file + " has no _start export; use --invoke NAME to call one of its exported"
                        + " functions" + exportList(module));
            }
            throw KilnException.error(file + " exports no function named \"" + name + "\"" + exportList(module));
        }
        FuncType type = export.type();
        Val[] values = invoke != null ? parseArgs(name, type, args) : new Val[0];
        List<String> argv = new ArrayList<>();
        argv.add(file.toString());
        if (invoke == null) {
            argv.addAll(args);
        }
        StoreLimits storeLimits = limits(links.wasmOptions);
        long dataBytes = storeData == null ? 0 : parseSize("--store-data", storeData);
        try (WasiContext wasi = wasi(argv); java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
                Store store = new Store(module.engine(), dataBytes == 0 ? java.lang.foreign.MemorySegment.NULL
                        : arena.allocate(dataBytes, 16)).limits(storeLimits)) {
            limits.apply(store);
            Linker linker = wasi.define(store, new Linker());
            links.define(store, linker, module, err(), allowPrecompiled);
            Instance instance;
            try {
                instance = linker.instantiate(store, module);
            } catch (LinkException e) {
                throw KilnException.error(file + ": " + e.getMessage() + " (kiln run provides only the "
                        + WasiContext.MODULE + " functions; --preload NAME=FILE links another module's exports, -W unknown-imports-trap=y"
                        + " stubs missing functions)");
            }
            if (instance.exports().get("memory") instanceof Memory memory) {
                wasi.bind(memory);
            }
            Func func = instance.func(name);
            Val[] results;
            try {
                if (!name.equals("_initialize")) {
                    instance.initializeReactor(); // a WASI reactor's constructors run before any other export
                }
                results = func.call(values);
            } catch (WasiExit e) {
                return e.status();
            } finally {
                wasi.flush();
            }
            PrintWriter out = out();
            for (Val v : results) {
                out.println(format(v));
            }
            out.flush();
        }
        return ExitCodes.OK;
    }

    /**
     * The store limits of the {@code -W} options ({@link LinkOptions} holds them; its keys, such as
     * {@code unknown-imports-trap}, are left to it).
     *
     * @throws KilnException (usage) for a limit value that does not parse
     */
    static StoreLimits limits(List<String> options) {
        StoreLimits.Builder b = StoreLimits.builder();
        for (String option : options) {
            for (String item : option.split(",")) {
                int eq = item.indexOf('=');
                String key = eq < 0 ? item : item.substring(0, eq);
                String value = eq < 0 ? null : item.substring(eq + 1);
                try {
                    switch (key) {
                        case "max-memory-size" -> b.memorySize(count(value, Long.MAX_VALUE));
                        case "max-table-elements" -> b.tableElements(count(value, Table.MAX_ENTRIES));
                        case "max-instances" -> b.instances((int) count(value, Integer.MAX_VALUE));
                        case "max-tables" -> b.tables((int) count(value, Integer.MAX_VALUE));
                        case "max-memories" -> b.memories((int) count(value, Integer.MAX_VALUE));
                        case "trap-on-grow-failure" -> b.trapOnGrowFailure(flag(value));
                        default -> {
                            // LinkOptions' and WasmOptions' keys, checked there
                        }
                    }
                } catch (NumberFormatException | NullPointerException e) {
                    throw KilnException.usage("-W " + item + ": " + key + " takes "
                            + (key.equals("trap-on-grow-failure") ? "y or n" : "a non-negative integer"));
                }
            }
        }
        return b.build();
    }

    private static long count(String value, long max) {
        long v = parseInteger(java.util.Objects.requireNonNull(value), 64);
        if (v < 0 || v > max) {
            throw new NumberFormatException(value);
        }
        return v;
    }

    private static boolean flag(String value) {
        return switch (value == null ? "y" : value) {
            case "y", "yes", "true" -> true;
            case "n", "no", "false" -> false;
            default -> throw new NumberFormatException(value);
        };
    }

    /**
     * A size in bytes: decimal digits, optionally followed by {@code k} (KiB) or {@code m} (MiB),
     * at most 1 GiB.
     *
     * @throws KilnException (usage) naming {@code option} for anything else
     */
    static long parseSize(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("k")) {
            unit = 1024;
        } else if (t.endsWith("m")) {
            unit = 1024 * 1024;
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 0 || digits.startsWith("+") || n > (1L << 30) / unit) {
            throw KilnException.usage(option + " " + text + ": expected a size in bytes up to 1 GiB"
                    + " (decimal, optionally with suffix k or m)");
        }
        return n * unit;
    }

    private static String exportList(Module module) {
        List<Module.ExportType> exports = module.exports();
        if (exports.isEmpty()) {
            return " (it exports no functions)";
        }
        return " (exported functions: " + exports.stream().map(e -> e.name() + " " + e.type())
                .collect(Collectors.joining(", ")) + ")";
    }

    /**
     * Parses {@code args} as the parameters of {@code type}.
     *
     * @throws KilnException (usage) when the count is wrong or an argument does not parse, naming
     *                       the parameter, its type and the value
     */
    static Val[] parseArgs(String func, FuncType type, List<String> args) {
        List<ValType> params = type.params();
        if (args.size() != params.size()) {
            throw KilnException.usage(func + " " + type + " takes " + params.size() + " argument"
                    + (params.size() == 1 ? "" : "s") + ", got " + args.size()
                    + (args.isEmpty() ? "" : " (" + String.join(" ", args) + ")"));
        }
        Val[] values = new Val[args.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = parse(params.get(i), args.get(i), func, i);
        }
        return values;
    }

    private static Val parse(ValType t, String s, String func, int index) {
        try {
            return switch (t) {
                case I32 -> {
                    long v = parseInteger(s, 32);
                    yield Val.i32((int) v);
                }
                case I64 -> Val.i64(parseInteger(s, 64));
                case F32 -> new Val(ValType.F32, Float.floatToRawIntBits(parseFloat(s)));
                case F64 -> new Val(ValType.F64, Double.doubleToRawLongBits(parseDouble(s)));
                case V128 -> parseV128(s);
                default -> throw KilnException.usage(func + " takes a " + t + " as argument " + index
                        + "; kiln run --invoke supports only i32, i64, f32, f64 and v128 arguments");
            };
        } catch (NumberFormatException e) {
            throw KilnException.usage("argument " + index + " of " + func + " must be " + describe(t) + ", got '" + s + "'");
        }
    }

    private static String describe(ValType t) {
        return switch (t) {
            case I32 -> "an i32 (decimal or 0x hex, -2147483648..4294967295)";
            case I64 -> "an i64 (decimal or 0x hex, -2^63..2^64-1)";
            case F32 -> "an f32 (e.g. 1.5, -0.0, inf, nan)";
            case V128 -> "a v128 as an unsigned 128-bit integer (decimal or 0x hex, lane 0 in the low bits)";
            default -> "an f64 (e.g. 1.5, -0.0, inf, nan)";
        };
    }

    /**
     * Parses a decimal or {@code 0x} hexadecimal integer of {@code bits} bits, signed or unsigned
     * (so {@code -1} and {@code 4294967295} are the same i32), with optional {@code _} separators
     * as in the text format.
     *
     * @return the value's bits, in the low {@code bits} bits
     * @throws NumberFormatException if it does not parse or does not fit
     */
    static long parseInteger(String s, int bits) {
        String t = s.replace("_", "");
        boolean negative = t.startsWith("-");
        if (negative || t.startsWith("+")) {
            t = t.substring(1);
        }
        if (t.isEmpty() || t.startsWith("-") || t.startsWith("+")) {
            throw new NumberFormatException(s);
        }
        int radix = 10;
        if (t.startsWith("0x") || t.startsWith("0X")) {
            radix = 16;
            t = t.substring(2);
        }
        long magnitude = Long.parseUnsignedLong(t, radix);
        if (bits == 32) {
            if (negative ? magnitude > (1L << 31) : Long.compareUnsigned(magnitude, 0xFFFF_FFFFL) > 0) {
                throw new NumberFormatException(s);
            }
        } else if (negative && Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
            throw new NumberFormatException(s);
        }
        return negative ? -magnitude : magnitude;
    }

    /**
     * Parses a v128 written as an unsigned 128-bit integer, decimal or {@code 0x} hexadecimal, with
     * optional {@code _} separators: its low 64 bits are bytes 0..7 (lane 0 in the lowest bits).
     *
     * @throws NumberFormatException if it does not parse or does not fit in 128 bits
     */
    static Val parseV128(String s) {
        String t = s.replace("_", "");
        boolean hex = t.startsWith("0x") || t.startsWith("0X");
        java.math.BigInteger v = new java.math.BigInteger(hex ? t.substring(2) : t, hex ? 16 : 10);
        if (v.signum() < 0 || v.bitLength() > 128 || t.startsWith("+") || hex && t.length() > 2 && t.charAt(2) == '-') {
            throw new NumberFormatException(s);
        }
        return Val.v128(v.longValue(), v.shiftRight(64).longValue());
    }

    private static float parseFloat(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "inf", "+inf" -> Float.POSITIVE_INFINITY;
            case "-inf" -> Float.NEGATIVE_INFINITY;
            case "nan", "+nan" -> Float.NaN;
            case "-nan" -> -Float.NaN;
            default -> Float.parseFloat(s);
        };
    }

    private static double parseDouble(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            case "nan", "+nan" -> Double.NaN;
            case "-nan" -> -Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /**
     * A result as Wasmtime prints it: integers in signed decimal, floats in decimal; a v128 as
     * {@code 0x} and 32 hex digits of its value as an unsigned 128-bit integer (byte 15 first).
     */
    static String format(Val v) {
        return switch (v.type()) {
            case V128 -> String.format("0x%016x%016x", v.v128High(), v.v128Low());
            case I32 -> Integer.toString(v.i32());
            case I64 -> Long.toString(v.i64());
            case F32 -> Float.toString(Float.intBitsToFloat((int) v.bits()));
            case F64 -> Double.toString(Double.longBitsToDouble(v.bits()));
            default -> v.toString();
        };
    }
}
