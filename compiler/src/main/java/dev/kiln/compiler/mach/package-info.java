/**
 * The shared machine layer (DESIGN §2.5): what every backend needs below instruction selection and
 * that is not an ISA's own fact. After Cranelift's {@code machinst} and wazero's {@code backend}.
 *
 * <ul>
 * <li>{@link dev.kiln.compiler.mach.MachInst} and {@link dev.kiln.compiler.mach.MachBlock}: machine
 *     instructions as the layer sees them (uses and defs with fixed physical registers, early
 *     clobbers, moves and parallel moves, branch targets); a backend's instruction class implements
 *     the interface and keeps its operands to itself;</li>
 * <li>{@link dev.kiln.compiler.mach.RegisterDescriptor}: one ISA's registers, classes, allocation
 *     order, scratch and callee-saved registers; {@link dev.kiln.compiler.mach.VirtualRegisters}: a
 *     function's virtual registers with their class and spill-slot size;</li>
 * <li>{@link dev.kiln.compiler.mach.LinearScan} with live-range splitting and
 *     {@link dev.kiln.compiler.mach.SplitResolution}; {@link dev.kiln.compiler.mach.ParallelMoves};
 *     {@link dev.kiln.compiler.mach.FrameLayout} with sized spill slots;
 *     {@link dev.kiln.compiler.mach.BlockLayout} (jump threading, loop rotation);</li>
 * <li>{@link dev.kiln.compiler.mach.CallingConvention}: argument and result locations of Kiln's
 *     internal convention (callee pops, so {@code return_call} can be a real tail call) and of the
 *     host C convention;</li>
 * <li>relocations with a kind ({@link dev.kiln.compiler.RelocKind}); the backend writes them and pads
 *     between functions ({@link dev.kiln.compiler.Backend#applyRelocation},
 *     {@link dev.kiln.compiler.Backend#fillPadding}).</li>
 * </ul>
 *
 * <p><b>Adding an ISA</b>: a new {@code arch-NAME} module with a {@code Backend} implementation
 * (found through {@link java.util.ServiceLoader}), a register descriptor and the two calling
 * conventions built over it, an instruction class implementing {@code MachInst} and a
 * {@code MachIsa} making its parallel moves and jumps, lowering rules from the IR, an emitter over
 * the allocation, an assembler, and the trampolines (entry, import adapter, unwind stub). Wasm
 * semantics that are the same on every ISA are IR built by the translator; where a Wasm operation's
 * machine behaviour differs (float-to-int traps, min/max, division faults) the lowering implements
 * it. The package is exported only to the backend modules.
 */
package dev.kiln.compiler.mach;
