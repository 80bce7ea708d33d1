package dev.kiln.cli;

import dev.kiln.Engine;
import dev.kiln.Store;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Wasmtime's {@code -W KEY=VALUE} options of {@code kiln run} that contain a guest, as a Picocli
 * mixin: {@code -W timeout=DURATION} (also {@code --timeout}) interrupts the guest after DURATION
 * (epoch interruption: the trap {@code interrupt}); {@code -W fuel=N} (also {@code --fuel}) runs it
 * with N units of fuel (fuel metering: one unit per Wasm instruction, the trap
 * {@code all fuel consumed}). Either compiles the module with the checks it needs; without them
 * none is compiled. Not thread-safe (filled in by Picocli).
 */
final class WasmOptions implements CommandModels.Fields {
    /** The {@code -W} keys read here; {@link LinkOptions} owns the {@code -W} option and checks the others. */
    static final java.util.Set<String> KEYS = java.util.Set.of("timeout", "fuel");

    String timeout;
    String fuel;

    /** These options as a Picocli mixin ({@link CommandModels}): {@code --timeout DURATION}, {@code --fuel N}. */
    CommandSpec model() {
        CommandSpec spec = CommandSpec.create();
        spec.addOption(CommandModels.option(this, "timeout", String.class, "--timeout").paramLabel("DURATION")
                .description("Same as -W timeout=DURATION.").build());
        spec.addOption(CommandModels.option(this, "fuel", String.class, "--fuel").paramLabel("N")
                .description("Same as -W fuel=N.").build());
        return spec;
    }

    @Override
    public Object get(String name) {
        return name.equals("timeout") ? timeout : fuel;
    }

    @Override
    public void set(String name, Object value) {
        if (name.equals("timeout")) {
            timeout = (String) value;
        } else {
            fuel = (String) value;
        }
    }

    private Duration timeoutValue;
    private long fuelValue = -1;

    /**
     * Parses these options and the {@code timeout} and {@code fuel} keys of the {@code -W} options
     * {@code wasm} (each {@code KEY[=VALUE][,KEY[=VALUE]...]}; other keys are {@link LinkOptions}').
     *
     * @throws KilnException (usage) for a malformed value, naming it
     */
    void parse(List<String> wasm) {
        for (String w : wasm.stream().flatMap(o -> java.util.Arrays.stream(o.split(","))).toList()) {
            int eq = w.indexOf('=');
            String key = eq < 0 ? w : w.substring(0, eq);
            String value = eq < 0 ? null : w.substring(eq + 1);
            switch (key) {
                case "timeout" -> timeoutValue = duration("-W " + w, value);
                case "fuel" -> fuelValue = fuel("-W " + w, value);
                default -> {
                    // LinkOptions' keys, checked there
                }
            }
        }
        if (timeout != null) {
            timeoutValue = duration("--timeout " + timeout, timeout);
        }
        if (fuel != null) {
            fuelValue = fuel("--fuel " + fuel, fuel);
        }
    }

    /** The engine for these options, from the CLI's engine settings (stack budget, compile cache or {@code null}). */
    Engine engine(long stackBudget, dev.kiln.CompileCache cache) {
        return Engine.builder().stackBudget(stackBudget).compileCache(cache).epochInterruption(timeoutValue != null)
                .consumeFuel(fuelValue >= 0).build();
    }

    /** Gives {@code store} the fuel and starts the timeout. */
    void apply(Store store) {
        if (fuelValue >= 0) {
            store.setFuel(fuelValue);
        }
        if (timeoutValue != null) {
            store.setTimeout(timeoutValue);
        }
    }

    private static long fuel(String option, String value) {
        try {
            long n = Long.parseLong(value == null ? "" : value.replace("_", ""));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw KilnException.usage(option + ": fuel must be a whole number >= 0");
    }

    /** {@code 5s}, {@code 100ms}, {@code 250us}, {@code 10ns}, {@code 2m}, {@code 1h}, or seconds alone. */
    static Duration duration(String option, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        while (split < v.length() && (Character.isDigit(v.charAt(split)) || v.charAt(split) == '.')) {
            split++;
        }
        try {
            double n = Double.parseDouble(v.substring(0, split));
            double nanosPerUnit = switch (v.substring(split)) {
                case "", "s" -> 1e9;
                case "ms" -> 1e6;
                case "us" -> 1e3;
                case "ns" -> 1;
                case "m" -> 60e9;
                case "h" -> 3600e9;
                default -> throw new NumberFormatException(v);
            };
            double nanos = n * nanosPerUnit;
            if (nanos >= 0 && nanos < Long.MAX_VALUE) {
                return Duration.ofNanos((long) nanos);
            }
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            // reported below
        }
        throw KilnException.usage(option + ": expected a duration such as 5s, 100ms or 2m");
    }
}
