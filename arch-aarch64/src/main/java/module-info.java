/**
 * The AArch64 (AAPCS64) backend of the Kiln compiler, a sibling of {@code dev.kiln.arch.x86_64} on the
 * shared machine layer {@code dev.kiln.compiler.mach}. In progress: registers and conventions, the
 * assembler; lowering and emission follow.
 */
module dev.kiln.arch.aarch64 {
    requires dev.kiln.compiler;
}
