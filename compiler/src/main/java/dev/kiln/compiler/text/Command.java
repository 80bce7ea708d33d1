package dev.kiln.compiler.text;

import java.util.List;

/**
 * One command of a WAST script (the spec interpreter's script format). Every command carries the
 * 1-based line of its opening parenthesis. Immutable.
 */
public sealed interface Command {

    /** 1-based line of the command in the script. */
    int line();

    /** {@code (module ...)}: define and instantiate a module (binary and quote forms included). */
    record Module(int line, WastModule module) implements Command { }

    /**
     * {@code (module definition $id? ...)} (Wasm 3.0 scripts): the module must decode, validate and
     * compile, but is not instantiated; {@link ModuleInstance} instantiates it later, any number of
     * times.
     */
    record ModuleDefinition(int line, WastModule module) implements Command { }

    /**
     * {@code (module instance $instance? $module?)} (Wasm 3.0 scripts): instantiates a module defined by
     * {@link ModuleDefinition} and makes it the current module.
     *
     * @param instanceId the new instance's {@code $id} (with the {@code $}), or {@code null}
     * @param moduleId the definition's {@code $id}, or {@code null} for the most recent definition
     */
    record ModuleInstance(int line, String instanceId, String moduleId) implements Command { }

    /** {@code (register "name" $id?)}: make a module's exports importable under {@code name}. */
    record Register(int line, String name, String moduleId) implements Command { }

    /** A bare action at top level; its results are ignored, but it must not trap. */
    record Perform(int line, Action action) implements Command { }

    /** {@code (assert_return action expected*)}. */
    record AssertReturn(int line, Action action, List<Expected> expected) implements Command {
        public AssertReturn {
            expected = List.copyOf(expected);
        }
    }

    /**
     * {@code (assert_trap action "msg")}, or {@code (assert_trap (module ...) "msg")} where
     * instantiation (the start function) must trap; exactly one of {@code action} and {@code module}
     * is non-null.
     */
    record AssertTrap(int line, Action action, WastModule module, String message) implements Command { }

    /** {@code (assert_exhaustion action "msg")}: the call must exhaust the stack. */
    record AssertExhaustion(int line, Action action, String message) implements Command { }

    /**
     * {@code (assert_exception action)} (Wasm 3.0 exception handling): the call must throw a Wasm
     * exception that reaches the caller.
     */
    record AssertException(int line, Action action) implements Command { }

    /** {@code (assert_invalid module "msg")}: the module must fail validation. */
    record AssertInvalid(int line, WastModule module, String message) implements Command { }

    /** {@code (assert_malformed module "msg")}: the module must fail to decode or parse. */
    record AssertMalformed(int line, WastModule module, String message) implements Command { }

    /** {@code (assert_unlinkable module "msg")}: import resolution must fail. */
    record AssertUnlinkable(int line, WastModule module, String message) implements Command { }

    /** {@code (assert_uninstantiable module "msg")}: instantiation must fail (e.g. a trap in start). */
    record AssertUninstantiable(int line, WastModule module, String message) implements Command { }

    /**
     * A command the script parser could not read ({@link Wast#parseRecovering}); it cannot run and
     * counts as failed.
     *
     * @param kind the command's keyword ({@code assert_return}, ...), or {@code "?"} when unknown
     * @param reason why it could not be read, with {@code line:column}
     */
    record Unreadable(int line, String kind, String reason) implements Command { }
}
