package dev.kiln.compiler;

import dev.kiln.abi.TrapCode;

/**
 * A place in generated code that can trap.
 *
 * @param offset byte offset of the trapping branch or instruction, relative to its function
 * @param code   the trap it raises
 */
public record TrapSite(int offset, TrapCode code) {
}
