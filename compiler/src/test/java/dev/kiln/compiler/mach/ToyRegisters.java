package dev.kiln.compiler.mach;

/**
 * The register file of the machine-layer tests' toy ISA: r0..r7 integers (r6, r7 scratch), f0..f7
 * floats (f6, f7 scratch), numbered 0..15.
 */
final class ToyRegisters {
    private ToyRegisters() {
    }

    /** The toy register file without callee-saved registers, for tests to finish and build. */
    static RegisterDescriptor.Builder builder() {
        return RegisterDescriptor.builder("toy", 16)
                .registers(RegClass.INT, 0, "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7")
                .registers(RegClass.FLOAT, 8, "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7")
                .allocationOrder(RegClass.INT, 0, 1, 2, 3, 4, 5)
                .allocationOrder(RegClass.FLOAT, 8, 9, 10, 11, 12, 13)
                .scratch(RegClass.INT, 6, 7)
                .scratch(RegClass.FLOAT, 14, 15);
    }
}
