package dev.kiln.cli;

import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.LinkException;
import dev.kiln.Linker;
import dev.kiln.Module;
import dev.kiln.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How {@code kiln run} satisfies imports beyond WASI, as Wasmtime's {@code run} does (a Picocli
 * mixin): {@code --preload NAME=FILE} (repeatable) instantiates FILE first and links its exports as
 * the import module NAME; {@code -W unknown-imports-trap=y} defines every function import still
 * missing as a function that fails when called, so a module whose unused imports the CLI cannot
 * provide still runs. Not thread-safe (filled in by Picocli).
 */
final class LinkOptions implements CommandModels.Fields {
    List<String> preloads = new ArrayList<>();
    List<String> wasmOptions = new ArrayList<>();

    /** These options as a Picocli mixin ({@link CommandModels}): {@code --preload NAME=FILE}, {@code -W OPT[=VAL]}. */
    CommandSpec model() {
        CommandSpec spec = CommandSpec.create();
        spec.addOption(CommandModels.option(this, "preloads", List.class, "--preload").paramLabel("NAME=FILE")
                .description("Instantiates the module FILE (.wasm, .wat or artifact) before the main module and links its"
                        + " exports as the import module NAME. Repeatable; a preloaded module may import WASI and the"
                        + " modules preloaded before it.").build());
        spec.addOption(CommandModels.option(this, "wasmOptions", List.class, "-W").paramLabel("OPT[=VAL][,OPT[=VAL]...]")
                .description("Wasm options, as in Wasmtime. timeout=DURATION (e.g. 5s, 100ms, 2m; a number alone is"
                        + " seconds): interrupt the guest after DURATION. fuel=N: give it N units of fuel (one per Wasm"
                        + " instruction). unknown-imports-trap[=y|n]: define each function import that"
                        + " nothing provides as a function that traps when called. Store limits: max-memory-size=BYTES"
                        + " (each linear memory; memory.grow beyond it returns -1), max-table-elements=N, max-instances=N,"
                        + " max-tables=N, max-memories=N, trap-on-grow-failure[=y|n] (table.grow beyond the limit fails"
                        + " the run instead of returning -1). Repeatable.").build());
        return spec;
    }

    @Override
    public Object get(String name) {
        return name.equals("preloads") ? preloads : wasmOptions;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String name, Object value) {
        if (name.equals("preloads")) {
            preloads = (List<String>) value;
        } else {
            wasmOptions = (List<String>) value;
        }
    }

    /** The {@code -W} keys of the store limits, parsed by {@link RunCommand#limits}. */
    private static final java.util.Set<String> LIMIT_KEYS = java.util.Set.of("max-memory-size", "max-table-elements",
            "max-instances", "max-tables", "max-memories", "trap-on-grow-failure");

    /**
     * Instantiates the {@code --preload} modules in {@code store} and defines their exports in
     * {@code linker} (which already holds WASI); with {@code unknown-imports-trap}, then defines the
     * function imports of {@code main} that are still undefined as trapping functions.
     *
     * @throws KilnException (usage) for a malformed option; (error) when a preloaded module fails to
     *                       link, naming it
     * @throws IOException   if a preloaded file cannot be read
     */
    void define(Store store, Linker linker, Module main, PrintWriter err, boolean allowPrecompiled) throws IOException {
        boolean trapUnknown = unknownImportsTrap();
        for (String p : preloads) {
            int eq = p.indexOf('=');
            if (eq <= 0 || eq == p.length() - 1) {
                throw KilnException.usage("--preload " + p + ": expected NAME=FILE");
            }
            String name = p.substring(0, eq);
            Input input = Input.read(Path.of(p.substring(eq + 1)));
            input.checkPrecompiledAllowed(allowPrecompiled);
            Module module = input.module(main.engine(), err);
            if (trapUnknown) {
                defineTraps(store, linker, module);
            }
            Instance instance;
            try {
                instance = linker.instantiate(store, module);
            } catch (LinkException e) {
                throw KilnException.error("--preload " + p + ": " + e.getMessage());
            }
            linker.instance(name, instance);
        }
        if (trapUnknown) {
            defineTraps(store, linker, main);
        }
    }

    private boolean unknownImportsTrap() {
        boolean on = false;
        for (String w : wasmOptions.stream().flatMap(o -> java.util.Arrays.stream(o.split(","))).toList()) {
            int eq = w.indexOf('=');
            String key = eq < 0 ? w : w.substring(0, eq);
            String value = eq < 0 ? "y" : w.substring(eq + 1).toLowerCase(Locale.ROOT);
            if (LIMIT_KEYS.contains(key) || WasmOptions.KEYS.contains(key)) {
                continue;
            }
            if (!key.equals("unknown-imports-trap")) {
                throw KilnException.usage("-W " + w + ": unknown option " + key + " (supported: unknown-imports-trap[=y|n], "
                        + "timeout=DURATION, fuel=N, " + String.join(", ", new java.util.TreeSet<>(LIMIT_KEYS)) + ")");
            }
            on = switch (value) {
                case "y", "yes", "true", "" -> true;
                case "n", "no", "false" -> false;
                default -> throw KilnException.usage("-W " + w + ": expected y or n");
            };
        }
        return on;
    }

    /** Defines each undefined function import of {@code module} as a function that fails when called. */
    private static void defineTraps(Store store, Linker linker, Module module) {
        for (Module.ImportType imp : module.imports()) {
            if (imp.type() == null || linker.get(imp.module(), imp.name()) != null) {
                continue;
            }
            String what = "\"" + imp.module() + "\" \"" + imp.name() + "\"";
            linker.define(imp.module(), imp.name(), Func.wrap(store, imp.type(), args -> {
                throw new KilnException(ExitCodes.TRAP, "wasm trap: unknown import " + what
                        + " was called (-W unknown-imports-trap defined it as a trap)");
            }));
        }
    }
}
