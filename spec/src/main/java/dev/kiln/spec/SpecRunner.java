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
import dev.kiln.compiler.wasm.WasmVersion;
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
 * <li>A module that fails to decode, validate, compile or instantiate still becomes the current
 *     module (and takes its {@code $id}), as a failure: later commands on it fail instead of running
 *     against an older instance.</li>
 * <li>What Kiln cannot execute yet (a module using an instruction the backend rejects, e.g. GC
 *     instructions; modules importing from one of those) is reported as skipped with the reason, never as passed. v128 arguments and
 *     results cross as {@code Val.v128}; v128 expectations are checked bit for bit, and lane by lane
 *     for {@code f32x4}/{@code f64x2} patterns with {@code nan:canonical}/{@code nan:arithmetic} lanes.</li>
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
     * @param commands one result per command, in script order; a command the parser could not read,
     *                 or every command of a script that could not be read at all, is a failed result
     * @param error    why the script (or part of it) could not be read, or {@code null}
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
     * Parses and runs the script at {@code file}. A command the parser cannot read counts as failed
     * with the reason (when the script cannot be tokenized at all, every command does); a script that
     * cannot be read from disk is one failed command at line 0.
     *
     * @param aot when set, every module goes through {@code serialize} -> a file on disk -> {@code load}
     *            (the ahead-of-time path) instead of being used straight from memory
     */
    public static FileResult run(Path file, boolean aot) {
        return run(file, aot, WasmVersion.WASM_3_0);
    }

    /**
     * Parses and runs the script at {@code file}, written for one edition of the spec: its
     * {@code assert_invalid} and {@code assert_malformed} commands are checked against that edition
     * ({@link WasmVersion}); modules are compiled and run the same way for both.
     */
    public static FileResult run(Path file, boolean aot, WasmVersion version) {
        return run(file, aot, version, dev.kiln.abi.CompileOptions.DEFAULT_BOUNDS_CHECKS);
    }

    /**
     * {@link #run(Path, boolean, WasmVersion)} with every module compiled with bounds checks
     * {@code boundsChecks} ({@link dev.kiln.abi.BoundsChecks#GUARD}: guard pages where the target
     * supports them).
     */
    public static FileResult run(Path file, boolean aot, WasmVersion version, dev.kiln.abi.BoundsChecks boundsChecks) {
        return run(file, aot, version, Executor.options(boundsChecks));
    }

    /**
     * {@link #run(Path, boolean, WasmVersion)} with every module compiled with {@code options} (e.g. a
     * CPU feature set other than the host's, {@link dev.kiln.abi.CompileOptions#withCpuFeatures}; it must
     * be one this machine can run).
     */
    public static FileResult run(Path file, boolean aot, WasmVersion version, dev.kiln.abi.CompileOptions options) {
        String name = file.getFileName().toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            String why = "could not read the script: " + e;
            return new FileResult(name, List.of(new CommandResult(0, "script", Outcome.FAILED, why)), why);
        }
        Script script = Wast.parseRecovering(text, name);
        List<CommandResult> results = new ArrayList<>();
        String error = null;
        try (Executor exec = new Executor(aot, options)) {
            for (Command c : script.commands()) {
                if (c instanceof Command.Unreadable u && error == null) {
                    error = "could not parse the script: " + u.reason();
                }
                results.add(run(c, exec, version));
            }
        }
        return new FileResult(name, results, error);
    }

    private static CommandResult run(Command c, Executor exec, WasmVersion version) {
        return switch (c) {
            case Command.Module m -> {
                CommandResult r = expectValid(m.line(), "module", m.module(), version);
                yield r.outcome() == Outcome.PASSED ? exec.instantiate(m) : exec.failed(m.module(), r);
            }
            case Command.ModuleDefinition m -> {
                CommandResult r = expectValid(m.line(), "module definition", m.module(), version);
                yield r.outcome() == Outcome.PASSED ? exec.define(m) : exec.failedDefinition(m.module(), r);
            }
            case Command.ModuleInstance m -> exec.instantiate(m);
            case Command.AssertMalformed a -> expectMalformed(a, version);
            case Command.AssertInvalid a -> expectInvalid(a, version);
            case Command.AssertUnlinkable a -> exec.assertUnlinkable(a);
            case Command.AssertUninstantiable a -> exec.assertUninstantiable(a);
            case Command.AssertTrap a -> exec.assertTrap(a);
            case Command.AssertExhaustion a -> exec.assertExhaustion(a);
            case Command.AssertException a -> exec.assertException(a);
            case Command.AssertReturn a -> exec.assertReturn(a);
            case Command.Perform a -> exec.perform(a);
            case Command.Register a -> exec.register(a);
            case Command.Unreadable u -> exec.unreadable(u);
        };
    }

    private static CommandResult expectValid(int line, String kind, WastModule module, WasmVersion version) {
        try {
            byte[] bytes = module.binary(true, version);
            WasmModule m = ModuleDecoder.decode(bytes, version);
            Validator.validate(m, bytes, version);
            return new CommandResult(line, kind, Outcome.PASSED, "");
        } catch (RuntimeException e) {
            return new CommandResult(line, kind, Outcome.FAILED, "rejected: " + e.getMessage());
        }
    }

    private static CommandResult expectMalformed(Command.AssertMalformed a, WasmVersion version) {
        try {
            byte[] bytes = a.module().binary(true, version);
            WasmModule m = ModuleDecoder.decode(bytes, version);
            Validator.validate(m, bytes, version);
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

    private static CommandResult expectInvalid(Command.AssertInvalid a, WasmVersion version) {
        byte[] bytes;
        WasmModule m;
        try {
            bytes = a.module().binary(true, version);
            m = ModuleDecoder.decode(bytes, version);
        } catch (RuntimeException e) {
            return new CommandResult(a.line(), "assert_invalid", Outcome.FAILED,
                    "expected invalid (" + a.message() + "), but not even decoded: " + e.getMessage());
        }
        try {
            Validator.validate(m, bytes, version);
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
