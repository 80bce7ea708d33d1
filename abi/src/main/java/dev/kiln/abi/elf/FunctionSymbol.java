package dev.kiln.abi.elf;

/**
 * A function in {@code .text}: an {@code STT_FUNC} symbol of the artifact's {@code .symtab}.
 *
 * <p>Kiln names Wasm functions {@code wasm[funcidx]::name} (or {@code wasm[funcidx]} when the name
 * section has no name) and trampolines {@code trampoline[i]}; the reader accepts any non-empty name.
 *
 * @param name       the symbol name (UTF-8 in the file)
 * @param textOffset byte offset of the function's first instruction from the start of {@code .text}
 *                   (the ELF {@code st_value} minus the address of {@code .text})
 * @param size       length of the function's code in bytes ({@code st_size})
 */
public record FunctionSymbol(String name, long textOffset, long size) {
}
