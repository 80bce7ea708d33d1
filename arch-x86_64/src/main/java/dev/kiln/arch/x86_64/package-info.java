/**
 * The x86-64 backend: the assembler (instruction encoder, Intel SDM Vol. 2), instruction selection,
 * register allocation and System V AMD64 ABI lowering.
 */
package dev.kiln.arch.x86_64;
