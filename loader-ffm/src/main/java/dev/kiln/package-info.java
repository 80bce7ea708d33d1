/**
 * Kiln's embedding API: compile or load a WebAssembly module, instantiate it in a store and call its
 * exports. Generated code runs natively through the Foreign Function & Memory API; nothing is
 * interpreted or JIT-compiled at run time.
 */
package dev.kiln;
