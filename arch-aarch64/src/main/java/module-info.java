/**
 * The AArch64 (AAPCS64) backend of the Kiln compiler, a sibling of {@code dev.kiln.arch.x86_64} on the
 * shared machine layer {@code dev.kiln.compiler.mach}: registers and conventions, instruction
 * selection, emission, the assembler and the trampolines.
 */
module dev.kiln.arch.aarch64 {
    requires dev.kiln.compiler;

    exports dev.kiln.arch.aarch64;

    provides dev.kiln.compiler.Backend with dev.kiln.arch.aarch64.Aarch64Backend;
}
