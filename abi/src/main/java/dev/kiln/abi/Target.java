package dev.kiln.abi;

import java.util.Locale;

/**
 * An instruction set Kiln can generate code for, with its ELF machine number ({@code e_machine}).
 */
public enum Target {
    /** x86-64 with the System V AMD64 ABI. */
    X86_64(62),
    /** AArch64 with AAPCS64 (a later milestone: no backend yet). */
    AARCH64(183);

    private final int elfMachine;

    Target(int elfMachine) {
        this.elfMachine = elfMachine;
    }

    /** The ELF {@code e_machine} value ({@code EM_X86_64} = 62, {@code EM_AARCH64} = 183). */
    public int elfMachine() {
        return elfMachine;
    }

    /** The target of the running JVM, from {@code os.arch}. */
    public static Target host() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedOperationException("Kiln does not support the CPU architecture " + arch);
        };
    }

    /** The target with ELF machine number {@code m}, or {@code null}. */
    public static Target fromElfMachine(int m) {
        for (Target t : values()) {
            if (t.elfMachine == m) {
                return t;
            }
        }
        return null;
    }

    /** Lower-case name as used on command lines: {@code x86_64}, {@code aarch64}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
