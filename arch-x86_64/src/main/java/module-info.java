/** The x86-64 backend of the Kiln compiler. */
module dev.kiln.arch.x86_64 {
    requires dev.kiln.compiler;

    exports dev.kiln.arch.x86_64;

    provides dev.kiln.compiler.Backend with dev.kiln.arch.x86_64.X86_64Backend;
}
