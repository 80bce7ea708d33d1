/**
 * Kiln's fuzzers: differential fuzzing against V8 ({@code node}) with modules from binaryen's
 * translate-to-fuzz and a generator of our own, and mutation fuzzing of the decoder, validator, WAT
 * parser and artifact loader. Entry point: {@link dev.kiln.fuzz.Fuzz} (see {@code fuzz/run}).
 */
module dev.kiln.fuzz {
    requires dev.kiln;
    requires dev.kiln.compiler;
    requires info.picocli;

    // An application, not a library: nothing is exported. Picocli reads and writes the annotated
    // fields of the commands reflectively.
    opens dev.kiln.fuzz to info.picocli;
}
