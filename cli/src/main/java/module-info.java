/**
 * The {@code kiln} command line (Picocli): {@code compile}, {@code run}, {@code inspect},
 * {@code objdump} and {@code wast}. Entry point: {@link dev.kiln.cli.Main}. Runs on the class path
 * with {@code --enable-native-access=ALL-UNNAMED} (see the {@code ./kiln} launcher).
 */
module dev.kiln.cli {
    requires dev.kiln;
    requires dev.kiln.compiler;
    requires dev.kiln.spec;
    requires dev.kiln.wasi;
    requires com.fasterxml.jackson.core;

    // An application, not a library: nothing is exported. Picocli (package picocli, compiled into this
    // module from its sources, see cli/pom.xml) reads and writes the annotated fields of the commands
    // reflectively, from within the module.
}
