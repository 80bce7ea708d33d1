package dev.kiln.compiler.text;

import java.util.List;

/** A WAST action: call an exported function or read an exported global. Immutable. */
public sealed interface Action {

    /** Module {@code $id} (with {@code $}) the action refers to, or {@code null} for the latest module. */
    String moduleId();

    /** The export name. */
    String name();

    /** {@code (invoke $id? "name" arg*)}. */
    record Invoke(String moduleId, String name, List<Value> args) implements Action {
        public Invoke {
            args = List.copyOf(args);
        }
    }

    /** {@code (get $id? "name")}: read an exported global. */
    record Get(String moduleId, String name) implements Action { }
}
