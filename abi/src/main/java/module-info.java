/**
 * The contract between Kiln's generated code and its loader: value and function types, trap codes,
 * the VMContext layout, the ELF artifact format and the {@link dev.kiln.abi.CompilerService} SPI.
 * Pure Java; no native access.
 */
module dev.kiln.abi {
    exports dev.kiln.abi;
    exports dev.kiln.abi.elf;
}
