package dev.kiln.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Picocli command models built in code (Picocli's programmatic API) for the commands a fresh JVM
 * starts with on every run of a program: {@code kiln} itself and {@code kiln run} with its option
 * groups. The other subcommands are built from their annotations.
 *
 * <p>Why: Picocli reads annotations by reflection, and the JDK parses each annotation and spins one
 * proxy class per annotation type on first use (class files generated and defined at run time,
 * which no class-data or AOT cache keeps), plus a scan of every method of every option group for
 * method subcommands: together 80-100 ms of CPU at the start of every {@code kiln run}. A model
 * built in code loads only Picocli's own classes. It is the same model: the same option names, labels,
 * descriptions, types and initial values, so parsing, usage help and completion are unchanged
 * ({@code CommandLineTest} compares the help texts).
 *
 * <p>The options bind to the fields of their holder through {@link Fields}, by name: one small class
 * instead of a lambda per field, which would be spun at run time without an AOT cache. Not
 * thread-safe, as the holders are not.
 */
final class CommandModels {
    private CommandModels() {
    }

    /** The key under which Picocli keeps the {@code --help}/{@code --version} option group ({@code CommandSpec.mixinStandardHelpOptions}). */
    static final String STANDARD_HELP_OPTIONS = "mixinStandardHelpOptions";

    /** An options holder whose fields the options of its model read and write, by field name. */
    interface Fields {
        /** The value of field {@code name}. */
        Object get(String name);

        /** Sets field {@code name} to {@code value}. */
        void set(String name, Object value);
    }

    /** Picocli's accessor of one field of a {@link Fields} holder. */
    private record Binding(Fields owner, String field) implements IGetter, ISetter {
        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) owner.get(field);
        }

        @Override
        public <T> T set(T value) {
            T old = get();
            owner.set(field, value);
            return old;
        }
    }

    /**
     * An option of {@code type} bound to {@code owner}'s field {@code field}, whose current value is its
     * initial value (as for an annotated field). A {@code boolean} option takes no parameter; a
     * {@link List} option collects strings; a {@link Map} option collects {@code KEY=VALUE} strings.
     */
    static OptionSpec.Builder option(Fields owner, String field, Class<?> type, String... names) {
        OptionSpec.Builder b = OptionSpec.builder(names).type(type);
        if (type == List.class) {
            b.auxiliaryTypes(String.class);
        } else if (type == Map.class) {
            b.auxiliaryTypes(String.class, String.class);
        }
        Binding binding = new Binding(owner, field);
        return b.getter(binding).setter(binding).initialValue(owner.get(field));
    }

    /**
     * A positional parameter at {@code index} (e.g. {@code "0"}, {@code "1..*"}), typed and bound as
     * {@link #option}; a {@link List} takes any number of values, none included, any other type is required.
     */
    static PositionalParamSpec.Builder positional(Fields owner, String field, Class<?> type, String index) {
        PositionalParamSpec.Builder b = PositionalParamSpec.builder().index(index).type(type);
        if (type == List.class) {
            b.auxiliaryTypes(String.class).arity("0..*"); // as for an annotated list: none at all is fine
        } else {
            b.required(true); // as for an annotated single value: missing is a usage error
        }
        Binding binding = new Binding(owner, field);
        return b.getter(binding).setter(binding).initialValue(owner.get(field));
    }

    /**
     * Adds {@code -h}/{@code --help} and {@code -V}/{@code --version} to {@code spec} as Picocli's
     * {@code mixinStandardHelpOptions = true} does, under the same mixin name and with the same
     * descriptions, without reading Picocli's annotated help-option class.
     *
     * @return {@code spec}
     */
    static CommandSpec withStandardHelpOptions(CommandSpec spec) {
        CommandSpec help = CommandSpec.create();
        help.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).type(boolean.class)
                .descriptionKey("mixinStandardHelpOptions.help").description("Show this help message and exit.").build());
        help.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).type(boolean.class)
                .descriptionKey("mixinStandardHelpOptions.version").description("Print version information and exit.").build());
        return spec.addMixin(STANDARD_HELP_OPTIONS, help);
    }
}
