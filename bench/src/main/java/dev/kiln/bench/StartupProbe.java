package dev.kiln.bench;

import dev.kiln.CompileCache;
import dev.kiln.Engine;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What an embedder's fresh JVM does first, for the start-up harness ({@code bench/startup} times
 * whole processes of it): get a module, instantiate it, make one call, print the result.
 *
 * <pre>
 * java ... dev.kiln.bench.StartupProbe compile fac.wat           # Module.compile, no cache
 * java ... dev.kiln.bench.StartupProbe cached DIR fac.wat        # Module.compile through a CompileCache in DIR
 * java ... dev.kiln.bench.StartupProbe load fac.kiln             # Module.load of an artifact
 * </pre>
 *
 * The module must export {@code fac: (i64) -> i64}; the probe prints {@code fac(20)}.
 */
public final class StartupProbe {
    private StartupProbe() {
    }

    /**
     * Runs one probe.
     *
     * @param args {@code compile FILE}, {@code cached DIR FILE} or {@code load ARTIFACT}
     * @throws IOException if a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        Module module = switch (args.length > 0 ? args[0] : "") {
            case "compile" -> Module.compile(Engine.create(), Path.of(args[1]));
            case "cached" -> Module.compile(Engine.builder()
                    .compileCache(CompileCache.open(Path.of(args[1]), CompileCache.DEFAULT_MAX_BYTES, System.err::println))
                    .build(), Path.of(args[2]));
            case "load" -> Module.load(Engine.create(), Path.of(args[1]));
            default -> throw new IllegalArgumentException("usage: StartupProbe compile FILE | cached DIR FILE | load ARTIFACT");
        };
        try (Store store = new Store(module.engine())) {
            Instance instance = Instance.create(store, module);
            System.out.println(instance.func("fac").call(Val.i64(20))[0].i64());
        }
    }
}
