package dev.kiln.spec;

import dev.kiln.compiler.text.Command;
import dev.kiln.compiler.text.Script;
import dev.kiln.compiler.text.Wast;
import dev.kiln.compiler.text.WastModule;
import dev.kiln.compiler.wasm.InvalidModuleException;
import dev.kiln.compiler.wasm.MalformedModuleException;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Validator;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the commands of one spec testsuite script ({@code .wast}) through Kiln, end to end.
 *
 * <ul>
 * <li>Every {@code module} must decode and validate, every {@code assert_malformed} must be rejected
 *     by the text parser or the decoder, every {@code assert_invalid} by the validator, each with a
 *     reason that starts with the script's expected message (the reference interpreter's wording).</li>
 * <li>Each valid module is then compiled to native code, loaded and instantiated; actions
 *     ({@code invoke}, {@code get}), {@code assert_return} (floats by exact bits, {@code nan:canonical}
 *     and {@code nan:arithmetic} by their definitions), {@code assert_trap} (the trap's message must
 *     start with the expected text), {@code assert_exhaustion} and {@code assert_uninstantiable}
 *     run against it.</li>
 * <li>What Kiln cannot execute yet (a module using an instruction the backend rejects, today the
 *     fixed-width SIMD ones; v128 values at the boundary; modules importing from one of those) is
 *     reported as skipped with the reason, never as passed.</li>
 * </ul>
 *
 * <p>{@link #run} is thread-safe: each call uses its own store.
 */
public final class SpecRunner {
    private SpecRunner() {
    }

    /** What happened to one command. */
    public enum Outcome { PASSED, FAILED, SKIPPED }

    /**
     * The result of one command.
     *
     * @param line    the command's line in the script
     * @param kind    the command name ({@code module}, {@code assert_invalid}, ...)
     * @param outcome passed, failed or skipped
     * @param detail  why it failed or was skipped; empty when it passed
     */
    public record CommandResult(int line, String kind, Outcome outcome, String detail) {
    }

    /**
     * The results of one script.
     *
     * @param file     the script's file name
     * @param commands one result per command, in script order
     * @param error    set when the script itself could not be read or parsed
     */
    public record FileResult(String file, List<CommandResult> commands, String error) {
        /** Number of commands with outcome {@code o}. */
        public long count(Outcome o) {
            return commands.stream().filter(c -> c.outcome() == o).count();
        }
    }

    /** Parses and runs the script at {@code file}; never throws for a bad script, it reports it. */
    public static FileResult run(Path file) {
        return run(file, false);
    }

    /**
     * Parses and runs the script at {@code file}.
     *
     * @param aot when set, every module goes through {@code serialize} -> a file on disk -> {@code load}
     *            (the ahead-of-time path) instead of being used straight from memory
     */
    public static FileResult run(Path file, boolean aot) {
        String name = file.getFileName().toString();
        Script script;
        try {
            script = Wast.parse(Files.readString(file, StandardCharsets.UTF_8), name);
        } catch (IOException | RuntimeException e) {
            return new FileResult(name, List.of(), "could not parse the script: " + e.getMessage());
        }
        List<CommandResult> results = new ArrayList<>();
        try (Executor exec = new Executor(aot)) {
            for (Command c : script.commands()) {
                results.add(run(c, exec));
            }
        }
        return new FileResult(name, results, null);
    }

    private static CommandResult run(Command c, Executor exec) {
        return switch (c) {
            case Command.Module m -> {
                CommandResult r = expectValid(m.line(), "module", m.module());
                yield r.outcome() == Outcome.PASSED ? exec.instantiate(m) : r;
            }
            case Command.AssertMalformed a -> expectMalformed(a);
            case Command.AssertInvalid a -> expectInvalid(a);
            case Command.AssertUnlinkable a -> exec.assertUnlinkable(a);
            case Command.AssertUninstantiable a -> exec.assertUninstantiable(a);
            case Command.AssertTrap a -> exec.assertTrap(a);
            case Command.AssertExhaustion a -> exec.assertExhaustion(a);
            case Command.AssertReturn a -> exec.assertReturn(a);
            case Command.Perform a -> exec.perform(a);
            case Command.Register a -> exec.register(a);
        };
    }

    private static CommandResult skipped(int line, String kind, String why) {
        return new CommandResult(line, kind, Outcome.SKIPPED, why);
    }

    private static CommandResult expectValid(int line, String kind, WastModule module) {
        try {
            byte[] bytes = module.binary();
            WasmModule m = ModuleDecoder.decode(bytes);
            Validator.validate(m, bytes);
            return new CommandResult(line, kind, Outcome.PASSED, "");
        } catch (RuntimeException e) {
            return new CommandResult(line, kind, Outcome.FAILED, "rejected: " + e.getMessage());
        }
    }

    private static CommandResult expectMalformed(Command.AssertMalformed a) {
        try {
            byte[] bytes = a.module().binary();
            WasmModule m = ModuleDecoder.decode(bytes);
            Validator.validate(m, bytes);
            return new CommandResult(a.line(), "assert_malformed", Outcome.FAILED,
                    "accepted, expected malformed: " + a.message());
        } catch (MalformedModuleException e) {
            if (!e.reason().startsWith(a.message())) {
                return new CommandResult(a.line(), "assert_malformed", Outcome.FAILED,
                        "rejected with \"" + e.reason() + "\", expected \"" + a.message() + "\"");
            }
            return new CommandResult(a.line(), "assert_malformed", Outcome.PASSED, "");
        } catch (RuntimeException e) {
            return new CommandResult(a.line(), "assert_malformed", Outcome.FAILED,
                    "expected malformed (" + a.message() + "), got " + e);
        }
    }

    private static CommandResult expectInvalid(Command.AssertInvalid a) {
        byte[] bytes;
        WasmModule m;
        try {
            bytes = a.module().binary();
            m = ModuleDecoder.decode(bytes);
        } catch (RuntimeException e) {
            return new CommandResult(a.line(), "assert_invalid", Outcome.FAILED,
                    "expected invalid (" + a.message() + "), but not even decoded: " + e.getMessage());
        }
        try {
            Validator.validate(m, bytes);
            return new CommandResult(a.line(), "assert_invalid", Outcome.FAILED, "accepted, expected invalid: " + a.message());
        } catch (InvalidModuleException e) {
            if (!e.reason().startsWith(a.message())) {
                return new CommandResult(a.line(), "assert_invalid", Outcome.FAILED,
                        "rejected with \"" + e.reason() + "\", expected \"" + a.message() + "\"");
            }
            return new CommandResult(a.line(), "assert_invalid", Outcome.PASSED, "");
        } catch (RuntimeException e) {
            return new CommandResult(a.line(), "assert_invalid", Outcome.FAILED,
                    "expected invalid (" + a.message() + "), got " + e);
        }
    }
}
