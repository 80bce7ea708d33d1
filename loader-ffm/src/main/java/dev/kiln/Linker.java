package dev.kiln;

import dev.kiln.abi.ArtifactMetadata;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves a module's imports by module and field name and instantiates it (like Wasmtime's
 * {@code Linker}): definitions are host functions, or the exports of instances already created.
 *
 * <pre>{@code
 * Linker linker = new Linker();
 * linker.define("env", "log", Func.wrap(store, logType, args -> { ...; return new Val[0]; }));
 * linker.instance("math", mathInstance);             // every export of mathInstance as "math" "..."
 * Instance app = linker.instantiate(store, appModule);
 * }</pre>
 *
 * <p>Not thread-safe while definitions are added; {@link #instantiate} only reads.
 */
public final class Linker {
    private final Map<String, Extern> definitions = new LinkedHashMap<>();

    /** An empty linker. */
    public Linker() {
    }

    private static String key(String module, String name) {
        return module + '\u0000' + name;
    }

    /**
     * Defines {@code module} {@code name} as {@code item}, replacing an earlier definition.
     *
     * @return this linker
     */
    public Linker define(String module, String name, Extern item) {
        definitions.put(key(module, name), item);
        return this;
    }

    /**
     * Defines every export of {@code instance} under the module name {@code module} (the spec
     * interpreter's {@code register}).
     *
     * @return this linker
     */
    public Linker instance(String module, Instance instance) {
        for (Map.Entry<String, Extern> e : instance.exports().entrySet()) {
            define(module, e.getKey(), e.getValue());
        }
        return this;
    }

    /** The definition of {@code module} {@code name}, or {@code null}. */
    public Extern get(String module, String name) {
        return definitions.get(key(module, name));
    }

    /**
     * Instantiates {@code module} in {@code store} with its imports taken from this linker.
     *
     * @throws LinkException if an import is undefined ({@code unknown import}) or its definition has
     *                       another kind or type ({@code incompatible import type})
     * @throws Trap          if instantiation traps (data segment out of bounds, start function)
     */
    public Instance instantiate(Store store, Module module) {
        List<Extern> imports = new ArrayList<>();
        for (ArtifactMetadata.ImportInfo imp : module.metadata().imports()) {
            Extern e = definitions.get(key(imp.module(), imp.name()));
            if (e == null) {
                throw new LinkException("unknown import \"" + imp.module() + "\" \"" + imp.name() + "\"");
            }
            imports.add(e);
        }
        return Instance.create(store, module, imports.toArray(new Extern[0]));
    }
}
