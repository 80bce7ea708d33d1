/**
 * The WebAssembly binary format: the decoder ({@code bytes -> WasmModule}, spec chapter 5) and the
 * validator (spec chapter 3). Errors are {@code MalformedModuleException} (byte offset, spec wording)
 * and {@code InvalidModuleException} (function index, instruction offset, spec wording).
 */
package dev.kiln.compiler.wasm;
