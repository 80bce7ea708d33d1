/** The AArch64 backend of the Kiln compiler (AAPCS64 at the host boundary): its assembler so far. */
module dev.kiln.arch.aarch64 {
    requires dev.kiln.compiler;

    exports dev.kiln.arch.aarch64;
}
