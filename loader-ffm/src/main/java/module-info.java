/**
 * The Kiln runtime: maps compiled artifacts, lays out instances and calls into generated code through
 * the Foreign Function &amp; Memory API. Needs {@code --enable-native-access=dev.kiln}.
 */
module dev.kiln {
    requires transitive dev.kiln.abi;

    exports dev.kiln;

    uses dev.kiln.abi.CompilerService;
}
