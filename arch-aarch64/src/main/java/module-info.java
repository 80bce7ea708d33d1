/** Nothing here yet: the AArch64 (AAPCS64) backend is a later milestone. */
module dev.kiln.arch.aarch64 {
    requires dev.kiln.compiler;
}
