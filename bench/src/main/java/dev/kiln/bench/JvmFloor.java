package dev.kiln.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * The start-up floor under any FFM-based runtime, for the start-up harness ({@code bench/startup}
 * times whole processes of it, each from an ahead-of-time cache trained by one run of the same mode):
 * what a fresh JVM costs before Kiln does anything of its own.
 *
 * <pre>
 * java ... dev.kiln.bench.JvmFloor main    # prints a line through System.out: the JVM alone
 * java ... dev.kiln.bench.JvmFloor ffm     # the FFM set-up every Kiln run needs, and nothing else
 * </pre>
 *
 * <p>{@code ffm} does what a cached {@code kiln run} of a WASI program needs of the FFM API at the
 * least, with Kiln's own shapes: one downcall handle of {@code syscall(2)} capturing {@code errno}
 * (variadic after the number, six {@code long} arguments: Kiln's loader makes every system call
 * through it), a {@code write(2)} of its line through it, one upcall stub (a host function the guest
 * calls) and one downcall into that stub (the guest's entry). It uses no Kiln class, so its time is the
 * JDK's alone.
 */
public final class JvmFloor {
    private static final long SYS_WRITE_X86_64 = 1;
    private static final long SYS_WRITE_AARCH64 = 64;

    private JvmFloor() {
    }

    /** The upcall's target: {@code x + 1}. */
    static long next(long x) {
        return x + 1;
    }

    /**
     * Runs one mode.
     *
     * @param args {@code main} or {@code ffm}
     * @throws Throwable what a downcall throws, or {@link IllegalStateException} if a call gives a wrong
     *                   answer
     */
    public static void main(String[] args) throws Throwable {
        switch (args.length > 0 ? args[0] : "") {
            case "main" -> System.out.println("hello, world");
            case "ffm" -> ffm();
            default -> throw new IllegalArgumentException("usage: JvmFloor main | ffm");
        }
    }

    private static void ffm() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MemorySegment syscall = linker.defaultLookup().find("syscall").orElseThrow();
        FunctionDescriptor sevenLongs = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
        MethodHandle sys = linker.downcallHandle(syscall, sevenLongs, Linker.Option.firstVariadicArg(1),
                Linker.Option.captureCallState("errno"));
        long write = "aarch64".equals(System.getProperty("os.arch")) ? SYS_WRITE_AARCH64 : SYS_WRITE_X86_64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            byte[] line = "hello, world\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            MemorySegment text = arena.allocate(line.length);
            MemorySegment.copy(line, 0, text, ValueLayout.JAVA_BYTE, 0, line.length);
            long written = (long) sys.invokeExact(state, write, 1L, text.address(), (long) line.length, 0L, 0L, 0L);
            if (written != line.length) {
                throw new IllegalStateException("write(2) gave " + written);
            }
            MethodHandle target = MethodHandles.lookup().findStatic(JvmFloor.class, "next",
                    MethodType.methodType(long.class, long.class));
            FunctionDescriptor unary = FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG);
            MemorySegment stub = linker.upcallStub(target, unary, arena);
            long r = (long) linker.downcallHandle(stub, unary).invokeExact(41L);
            if (r != 42) {
                throw new IllegalStateException("the upcall gave " + r);
            }
        }
    }
}
