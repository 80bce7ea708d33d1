/** Nothing here yet: the harness for the official WebAssembly spec testsuite arrives with the full front end. */
module dev.kiln.spec {
    requires dev.kiln;
    requires dev.kiln.compiler;
}
