/** Runs the official WebAssembly spec testsuite ({@code .wast} scripts) through Kiln. */
module dev.kiln.spec {
    requires dev.kiln;
    requires dev.kiln.compiler;

    exports dev.kiln.spec;
}
