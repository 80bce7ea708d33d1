package dev.kiln.cli;

import dev.kiln.CompileCache;
import dev.kiln.Engine;
import dev.kiln.abi.BoundsChecks;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The compile cache options of {@code kiln run}, a Picocli mixin, spelled as Wasmtime spells them:
 * the cache is on by default, in {@link CompileCache#defaultDirectory()}
 * ({@code $KILN_CACHE_DIR}, else {@code $XDG_CACHE_HOME/kiln}, else {@code ~/.cache/kiln});
 * {@code --no-cache} or {@code -C cache=n} turns it off, {@code --cache-dir DIR} or
 * {@code -C cache-dir=DIR} moves it, {@code -C cache-max-size=SIZE} (bytes, or with a {@code K},
 * {@code M} or {@code G} suffix, powers of 1024) bounds it (default 1 GiB). Problems with the cache
 * (a read-only directory, a corrupt entry) are reported on stderr as {@code Warning: ...} lines, the
 * run goes on. Not thread-safe (filled in by Picocli).
 */
final class CacheOptions implements CommandModels.Fields {
    boolean noCache;
    Path cacheDir;
    Map<String, String> codegen = new LinkedHashMap<>();

    /** These options as a Picocli mixin ({@link CommandModels}): {@code --no-cache}, {@code --cache-dir DIR}, {@code -C KEY=VALUE}. */
    CommandSpec model() {
        CommandSpec spec = CommandSpec.create();
        spec.addOption(CommandModels.option(this, "noCache", boolean.class, "--no-cache")
                .description("Compiles without the compile cache (the same as -C cache=n).").build());
        spec.addOption(CommandModels.option(this, "cacheDir", Path.class, "--cache-dir").paramLabel("DIR")
                .description("The compile cache's directory (default: $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln,"
                        + " else ~/.cache/kiln).").build());
        OptionSpec.Builder c = CommandModels.option(this, "codegen", Map.class, "-C").paramLabel("KEY=VALUE")
                .description("A compilation option, as in wasmtime: cache=y|n (default y), cache-dir=DIR,"
                        + " cache-max-size=SIZE (bytes, or with a K, M or G suffix; default 1G),"
                        + " bounds-checks=guard|explicit (default guard on x86-64 and AArch64). Repeatable.");
        c.mapFallbackValue("y"); // -C cache means -C cache=y (declared on a builder type Picocli does not export)
        spec.addOption(c.build());
        return spec;
    }

    @Override
    public Object get(String name) {
        return switch (name) {
            case "noCache" -> noCache;
            case "cacheDir" -> cacheDir;
            default -> codegen;
        };
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String name, Object value) {
        switch (name) {
            case "noCache" -> noCache = (Boolean) value;
            case "cacheDir" -> cacheDir = (Path) value;
            default -> codegen = (Map<String, String>) value;
        }
    }

    /**
     * The cache these options ask for, warning on {@code err}; {@code null} when turned off.
     *
     * @throws KilnException (usage) for an unknown {@code -C} key or a malformed value
     */
    CompileCache cache(PrintWriter err) {
        boolean on = !noCache;
        Path dir = cacheDir;
        long maxBytes = CompileCache.DEFAULT_MAX_BYTES;
        for (Map.Entry<String, String> e : codegen.entrySet()) {
            String value = e.getValue();
            switch (e.getKey()) {
                case "cache" -> on &= switch (value.toLowerCase(Locale.ROOT)) {
                    case "y", "yes", "true", "on" -> true;
                    case "n", "no", "false", "off" -> false;
                    default -> throw KilnException.usage("-C cache=" + value + ": expected y or n");
                };
                case "cache-dir" -> dir = Path.of(value);
                case "cache-max-size" -> maxBytes = parseSize("-C cache-max-size", value);
                case "bounds-checks" -> {
                    // applied to the engine by withCodegenOptions
                }
                default -> throw KilnException.usage("-C " + e.getKey() + ": unknown option (known: cache, cache-dir,"
                        + " cache-max-size, bounds-checks)");
            }
        }
        if (!on) {
            return null;
        }
        return CompileCache.open(dir != null ? dir : CompileCache.defaultDirectory(), maxBytes, message -> {
            err.println("Warning: " + message);
            err.flush();
        });
    }

    /** {@code engine} with the code-generation keys of {@code -C} ({@code bounds-checks}) applied. */
    Engine withCodegenOptions(Engine engine) {
        return boundsChecks(codegen, engine);
    }

    /**
     * {@code engine} compiling with {@code -C bounds-checks=guard|explicit} if {@code options} has that
     * key, else {@code engine} itself.
     *
     * @throws KilnException (usage) for a value other than guard or explicit
     */
    static Engine boundsChecks(Map<String, String> options, Engine engine) {
        String value = options.get("bounds-checks");
        if (value == null) {
            return engine;
        }
        BoundsChecks mode;
        try {
            mode = BoundsChecks.parse(value.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw KilnException.usage("-C bounds-checks=" + value + ": expected guard or explicit");
        }
        return Engine.builder().stackBudget(engine.stackBudget()).compileCache(engine.compileCache().orElse(null))
                .compileOptions(engine.compileOptions().withBoundsChecks(mode)).build();
    }

    /**
     * A size in bytes: digits with an optional {@code K}, {@code M} or {@code G} (powers of 1024).
     *
     * @throws KilnException (usage) naming {@code option} if it does not parse or is not positive
     */
    static long parseSize(String option, String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        int shift = 0;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                default -> {
                }
            }
        }
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n <= 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw KilnException.usage(option + "=" + value + ": expected a positive size in bytes, e.g. 512M");
        }
    }
}
