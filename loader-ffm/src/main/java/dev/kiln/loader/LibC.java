package dev.kiln.loader;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Bindings to the few C library (glibc, Linux) functions the Kiln runtime needs: memory mapping
 * ({@code mmap}, {@code munmap}, {@code mprotect}, {@code madvise}), anonymous files
 * ({@code memfd_create}, {@code ftruncate}, {@code write}), {@code open}/{@code close},
 * {@code sysconf}, {@code sigaction}, {@code getpid} and {@code strerror} (DESIGN.md §3 "Native bindings").
 *
 * <p>The class has the shape the {@code jextract} tool generates from C headers: for each function a
 * holder class with its {@link FunctionDescriptor} ({@code DESC}), its address ({@code ADDR}) and a
 * downcall {@link MethodHandle} from {@link Linker#nativeLinker()} ({@code HANDLE}), created lazily
 * when the holder is first used, plus {@code name$descriptor()}, {@code name$handle()} and
 * {@code name$address()} accessors. jextract itself cannot be installed in Kiln's build environment
 * (it is published on no package registry we can reach), so this class is <b>written by hand</b> in
 * that shape; keep it so when adding functions.
 *
 * <p>The static wrappers of the system calls ({@code mmap} ... {@code close}) do not call their own
 * handles: they enter the kernel through glibc's {@code syscall(2)} with this machine's system call
 * numbers, so that all of them share one downcall handle. A fresh JVM spends 10-40 ms spinning the
 * classes of each distinct downcall descriptor; one descriptor instead of nine is most of what a
 * short {@code kiln run} used to spend in this class. The page size comes from the auxiliary vector
 * ({@code /proc/self/auxv}) without any downcall.
 *
 * <p>Unlike plain jextract output, each function that can fail is linked with
 * {@link Linker.Option#captureCallState(String...) captureCallState("errno")}: its handle takes a
 * leading {@link MemorySegment} of layout {@link #CALL_STATE} into which the JVM stores
 * {@code errno} immediately after the call (before the JVM itself can clobber it). The static wrapper
 * of the same name allocates that buffer, calls, and when the function returns its error value
 * ({@code -1}, or {@code MAP_FAILED} for {@code mmap}) throws a {@link NativeException} naming the
 * function, its arguments, {@code errno} and {@code strerror(errno)}.
 *
 * <p>Pointers into the address space (mapping addresses) are passed and returned as raw
 * {@code long} virtual addresses; sizes are {@code size_t}/{@code off_t} in bytes as {@code long}.
 * The constants are the Linux values, which are the same on x86-64 and AArch64. All methods are
 * static and thread-safe (they only call the C functions, which are thread-safe). Calling them
 * requires native access to be enabled for this module ({@code --enable-native-access}).
 */
@SuppressWarnings("restricted") // loader-ffm is the one module allowed to call restricted FFM methods
public final class LibC {
    private LibC() {
    }

    // ---- C types, named as jextract names them (LP64) ----

    /** C {@code int}. */
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    /** C {@code long}, {@code size_t}, {@code ssize_t}, {@code off_t} on LP64 Linux. */
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    /** C pointer ({@code void *}, {@code char *}). */
    public static final AddressLayout C_POINTER = ValueLayout.ADDRESS;

    // ---- Linux constants ----

    /** {@code PROT_NONE}: pages may not be accessed. */
    public static final int PROT_NONE = 0x0;
    /** {@code PROT_READ}. */
    public static final int PROT_READ = 0x1;
    /** {@code PROT_WRITE}. */
    public static final int PROT_WRITE = 0x2;
    /** {@code PROT_EXEC}. */
    public static final int PROT_EXEC = 0x4;
    /** {@code MAP_SHARED}. */
    public static final int MAP_SHARED = 0x01;
    /** {@code MAP_PRIVATE}: copy-on-write mapping. */
    public static final int MAP_PRIVATE = 0x02;
    /** {@code MAP_FIXED}. */
    public static final int MAP_FIXED = 0x10;
    /** {@code MAP_ANONYMOUS}: not backed by a file; zero-filled. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** {@code MAP_NORESERVE}: do not reserve swap space for the mapping. */
    public static final int MAP_NORESERVE = 0x4000;
    /** {@code MAP_FAILED}, the error return of {@code mmap}: {@code (void *) -1}. */
    public static final long MAP_FAILED = -1L;
    /** {@code MADV_DONTNEED}: drop the pages; private anonymous pages read back as zero. */
    public static final int MADV_DONTNEED = 4;
    /** {@code MFD_CLOEXEC}: the memfd is closed on {@code exec}. */
    public static final int MFD_CLOEXEC = 0x1;
    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_CLOEXEC} (octal 02000000). */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code _SC_PAGESIZE}, the {@code sysconf} name of the page size. */
    public static final int _SC_PAGESIZE = 30;
    /** {@code EINTR}: interrupted system call. */
    public static final int EINTR = 4;
    /** {@code ENOMEM}: out of memory or address space, or a range not mapped. */
    public static final int ENOMEM = 12;
    /** {@code EINVAL}: invalid argument. */
    public static final int EINVAL = 22;

    // ---- linking machinery ----

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup SYMBOLS = LINKER.defaultLookup();

    /** Layout of the buffer a {@code captureCallState} handle fills ({@link Linker.Option#captureStateLayout()}). */
    public static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    /** The {@code errno} field of {@link #CALL_STATE}, read only on failure paths (made then). */
    private static final class ErrnoField {
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        private ErrnoField() {
        }
    }
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static MemorySegment findOrThrow(String symbol) {
        return SYMBOLS.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("C library symbol not found: " + symbol));
    }

    private static int errno(MemorySegment state) {
        return (int) ErrnoField.ERRNO.get(state, 0L);
    }

    private static NativeException failure(String function, String call, MemorySegment state) {
        int e = errno(state);
        return new NativeException(function, call, e, strerror(e));
    }

    private static AssertionError unexpected(Throwable t) {
        return new AssertionError("a libc downcall threw unexpectedly", t);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    static String prot(int prot) {
        if (prot == PROT_NONE) {
            return "PROT_NONE";
        }
        StringBuilder sb = new StringBuilder();
        if ((prot & PROT_READ) != 0) {
            sb.append("PROT_READ|");
        }
        if ((prot & PROT_WRITE) != 0) {
            sb.append("PROT_WRITE|");
        }
        if ((prot & PROT_EXEC) != 0) {
            sb.append("PROT_EXEC|");
        }
        int rest = prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC);
        if (rest != 0) {
            sb.append(hex(rest)).append('|');
        }
        return sb.substring(0, sb.length() - 1);
    }

    // ---- long syscall(long number, ...) ----
    //
    // The wrappers below (mmap, munmap, mprotect, madvise, memfd_create, ftruncate, write, open, close)
    // call the kernel through glibc's syscall(2) rather than through their own libc symbols: every one of
    // them then goes through this one downcall handle, so a fresh JVM spins the FFM classes of one
    // descriptor instead of nine (each costs it 10-40 ms of interpreted start-up). Their own handles
    // ($handle(), the jextract shape) stay available and are made only when asked for.

    private static final class syscall {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG,
                C_LONG, C_LONG);
        static final MemorySegment ADDR = findOrThrow("syscall");
        /** {@code syscall} is variadic after the number; the six arguments are passed as {@code long}s. */
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, Linker.Option.firstVariadicArg(1),
                CAPTURE_ERRNO);
    }

    /** The descriptor of {@code syscall}: the number and six {@code long} arguments. */
    public static FunctionDescriptor syscall$descriptor() {
        return syscall.DESC;
    }

    /** The downcall handle of {@code syscall}: {@code (MemorySegment callState, long number, long a1, ..., long a6) -> long}. */
    public static MethodHandle syscall$handle() {
        return syscall.HANDLE;
    }

    /** The address of {@code syscall} in the C library. */
    public static MemorySegment syscall$address() {
        return syscall.ADDR;
    }

    /** {@code AT_FDCWD}: {@code openat} resolves a relative path against the working directory. */
    static final long AT_FDCWD = -100;

    /** Linux system call numbers of this machine's architecture (they differ between x86-64 and AArch64). */
    static final class Sys {
        private static final boolean X86_64 = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> true;
            case "aarch64" -> false;
            default -> throw new UnsupportedOperationException("Kiln's loader runs on Linux x86-64 and AArch64, not on "
                    + System.getProperty("os.arch"));
        };
        static final long WRITE = X86_64 ? 1 : 64;
        static final long CLOSE = X86_64 ? 3 : 57;
        static final long MMAP = X86_64 ? 9 : 222;
        static final long MPROTECT = X86_64 ? 10 : 226;
        static final long MUNMAP = X86_64 ? 11 : 215;
        static final long MADVISE = X86_64 ? 28 : 233;
        static final long FTRUNCATE = X86_64 ? 77 : 46;
        static final long OPENAT = X86_64 ? 257 : 56;
        static final long MEMFD_CREATE = X86_64 ? 319 : 279;

        private Sys() {
        }
    }

    /**
     * {@code syscall(2)}: system call {@code number} with six arguments (unused ones 0); -1 with
     * {@code errno} in {@code state} on failure, as the C library's wrappers return.
     */
    static long syscall(MemorySegment state, long number, long a1, long a2, long a3, long a4, long a5, long a6) {
        try {
            return (long) syscall.HANDLE.invokeExact(state, number, a1, a2, a3, a4, a5, a6);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- other C functions of integer and pointer arguments: one shared handle ----
    //
    // The C library functions below that are no system calls (pthread_self, pthread_getattr_np,
    // pthread_attr_getstack, calloc, free, sigaction) go through one unbound handle with syscall's
    // descriptor and options (seven longs, variadic after the first): on LP64 Linux, x86-64 and AArch64
    // alike, integer and pointer arguments are passed in the same registers whether named or variadic,
    // a callee ignores the registers it does not read, and an int result is the low half of the
    // returned register. So none of them costs a fresh JVM a downcall descriptor (and its generated
    // class) of its own; their own handles ($handle()) stay available and are made only when asked for.

    private static final class cfunc {
        /** {@code (MemorySegment function, MemorySegment callState, long a0, ..., long a6) -> long}. */
        static final MethodHandle CALL = LINKER.downcallHandle(syscall.DESC, Linker.Option.firstVariadicArg(1),
                CAPTURE_ERRNO);
    }

    /**
     * Calls the C function at {@code function} with up to three integer or pointer arguments (each as
     * a {@code long}; the callee reads an {@code int} from the low half) through the shared handle,
     * {@code errno} captured into {@code state}; returns the result register (an {@code int} result in
     * its low half, a {@code void} function's garbage).
     */
    private static long ccall(MemorySegment function, MemorySegment state, long a0, long a1, long a2) {
        try {
            return (long) cfunc.CALL.invokeExact(function, state, a0, a1, a2, 0L, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** A call-state buffer per thread for {@link #callIntegerFunction}, whose {@code errno} nobody reads. */
    private static final ThreadLocal<MemorySegment> SCRATCH_STATE = ThreadLocal.withInitial(
            () -> Arena.ofAuto().allocate(CALL_STATE));

    /**
     * Calls native code at {@code function} as the C function {@code long f(long a0, ..., long a5)}
     * (System V / AAPCS64: the arguments in the first six integer registers, the result in
     * {@code rax}/{@code x0}) through the downcall handle the loader's system calls use, so that it
     * costs a fresh JVM no downcall descriptor, and no generated class, of its own. Meant for code
     * of integer and pointer arguments in registers: a callee reads only the registers it takes (an
     * {@code int} in the low half of one), and the caller of a {@code void} function ignores the
     * result. Not a critical call: the thread may block, be interrupted or call back into Java.
     * Thread-safe.
     *
     * @param function the code to call
     * @return the result register's 64 bits
     */
    public static long callIntegerFunction(MemorySegment function, long a0, long a1, long a2, long a3, long a4, long a5) {
        try {
            return (long) cfunc.CALL.invokeExact(function, SCRATCH_STATE.get(), a0, a1, a2, a3, a4, a5, 0L);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@link #ccall} with a call-state buffer of its own, for functions whose {@code errno} is not needed. */
    private static long ccall(MemorySegment function, long a0, long a1, long a2) {
        try (Arena arena = Arena.ofConfined()) {
            return ccall(function, arena.allocate(CALL_STATE), a0, a1, a2);
        }
    }

    // ---- the calling thread's stack: pthread_self, pthread_getattr_np, pthread_attr_getstack ----

    private static final class threadStack {
        static final MemorySegment SELF = findOrThrow("pthread_self");
        static final MemorySegment GETATTR = findOrThrow("pthread_getattr_np");
        static final MemorySegment GETSTACK = findOrThrow("pthread_attr_getstack");
        static final MemorySegment DESTROY = findOrThrow("pthread_attr_destroy");
        /** Bytes reserved for a {@code pthread_attr_t} (glibc: 56 on x86-64, 64 on AArch64). */
        static final long ATTR_BYTES = 128;

        static long call(MemorySegment function, MemorySegment state, long a0, long a1, long a2) {
            return ccall(function, state, a0, a1, a2);
        }
    }

    /**
     * The calling thread's stack, from {@code pthread_getattr_np} and {@code pthread_attr_getstack}:
     * {@code {lowest address, size in bytes}}; the stack grows down towards the lowest address, and
     * for threads the JVM starts, the JVM's own guard zones lie at its low end. Returns {@code null}
     * when the C library cannot tell (the functions return an error).
     */
    public static long[] currentThreadStack() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment attr = arena.allocate(threadStack.ATTR_BYTES, 16);
            MemorySegment out = arena.allocate(16, 8);
            long self = threadStack.call(threadStack.SELF, state, 0, 0, 0);
            if ((int) threadStack.call(threadStack.GETATTR, state, self, attr.address(), 0) != 0) {
                return null;
            }
            try {
                if ((int) threadStack.call(threadStack.GETSTACK, state, attr.address(), out.address(),
                        out.address() + 8) != 0) {
                    return null;
                }
            } finally {
                threadStack.call(threadStack.DESTROY, state, attr.address(), 0, 0);
            }
            return new long[] {out.get(ValueLayout.JAVA_LONG, 0), out.get(ValueLayout.JAVA_LONG, 8)};
        }
    }

    // ---- void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) ----

    private static final class mmap {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_POINTER, C_LONG, C_INT, C_INT, C_INT, C_LONG);
        static final MemorySegment ADDR = findOrThrow("mmap");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code mmap}. */
    public static FunctionDescriptor mmap$descriptor() {
        return mmap.DESC;
    }

    /** The downcall handle of {@code mmap}: {@code (MemorySegment callState, MemorySegment addr, long length, int prot, int flags, int fd, long offset) -> MemorySegment}. */
    public static MethodHandle mmap$handle() {
        return mmap.HANDLE;
    }

    /** The address of {@code mmap} in the C library. */
    public static MemorySegment mmap$address() {
        return mmap.ADDR;
    }

    /**
     * {@code mmap(2)}: maps {@code length} bytes.
     *
     * @param addr   hint (or with {@link #MAP_FIXED} the exact address); 0 lets the kernel choose
     * @param length bytes to map, {@code > 0} (the kernel rounds up to pages)
     * @param prot   {@code PROT_*} bits
     * @param flags  {@code MAP_*} bits
     * @param fd     file descriptor, or -1 with {@link #MAP_ANONYMOUS}
     * @param offset offset in the file in bytes, a multiple of the page size
     * @return the address of the new mapping
     * @throws NativeException if {@code mmap} returns {@code MAP_FAILED}
     */
    public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        MemorySegment result;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            result = MemorySegment.ofAddress(syscall(state, Sys.MMAP, addr, length, prot, flags, fd, offset));
            if (result.address() == MAP_FAILED) {
                throw failure("mmap", "mmap(" + hex(addr) + ", " + length + ", " + prot(prot) + ", flags " + hex(flags)
                        + ", fd " + fd + ", offset " + offset + ")", state);
            }
        }
        return result.address();
    }

    // ---- int munmap(void *addr, size_t length) ----

    private static final class munmap {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG);
        static final MemorySegment ADDR = findOrThrow("munmap");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code munmap}. */
    public static FunctionDescriptor munmap$descriptor() {
        return munmap.DESC;
    }

    /** The downcall handle of {@code munmap}: {@code (MemorySegment callState, MemorySegment addr, long length) -> int}. */
    public static MethodHandle munmap$handle() {
        return munmap.HANDLE;
    }

    /** The address of {@code munmap} in the C library. */
    public static MemorySegment munmap$address() {
        return munmap.ADDR;
    }

    /**
     * {@code munmap(2)}: removes the mappings of {@code [addr, addr + length)}.
     *
     * @param addr   page-aligned start address
     * @param length bytes
     * @throws NativeException if {@code munmap} returns -1 (e.g. {@code EINVAL} for an unaligned address)
     */
    public static void munmap(long addr, long length) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = (int) syscall(state, Sys.MUNMAP, addr, length, 0, 0, 0, 0);
            if (r == -1) {
                throw failure("munmap", "munmap(" + hex(addr) + ", " + length + ")", state);
            }
        }
    }

    // ---- int mprotect(void *addr, size_t len, int prot) ----

    private static final class mprotect {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT);
        static final MemorySegment ADDR = findOrThrow("mprotect");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code mprotect}. */
    public static FunctionDescriptor mprotect$descriptor() {
        return mprotect.DESC;
    }

    /** The downcall handle of {@code mprotect}: {@code (MemorySegment callState, MemorySegment addr, long len, int prot) -> int}. */
    public static MethodHandle mprotect$handle() {
        return mprotect.HANDLE;
    }

    /** The address of {@code mprotect} in the C library. */
    public static MemorySegment mprotect$address() {
        return mprotect.ADDR;
    }

    /**
     * {@code mprotect(2)}: sets the protection of the pages of {@code [addr, addr + length)}.
     *
     * @param addr   page-aligned start address
     * @param length bytes (rounded up to pages by the kernel)
     * @param prot   {@code PROT_*} bits
     * @throws NativeException if {@code mprotect} returns -1 ({@code EINVAL} for an unaligned
     *                         address, {@code ENOMEM} for an unmapped range or no memory)
     */
    public static void mprotect(long addr, long length, int prot) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = (int) syscall(state, Sys.MPROTECT, addr, length, prot, 0, 0, 0);
            if (r == -1) {
                throw failure("mprotect", "mprotect(" + hex(addr) + ", " + length + ", " + prot(prot) + ")", state);
            }
        }
    }

    // ---- int madvise(void *addr, size_t length, int advice) ----

    private static final class madvise {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_LONG, C_INT);
        static final MemorySegment ADDR = findOrThrow("madvise");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code madvise}. */
    public static FunctionDescriptor madvise$descriptor() {
        return madvise.DESC;
    }

    /** The downcall handle of {@code madvise}: {@code (MemorySegment callState, MemorySegment addr, long length, int advice) -> int}. */
    public static MethodHandle madvise$handle() {
        return madvise.HANDLE;
    }

    /** The address of {@code madvise} in the C library. */
    public static MemorySegment madvise$address() {
        return madvise.ADDR;
    }

    /**
     * {@code madvise(2)}: gives the kernel advice about {@code [addr, addr + length)}, e.g.
     * {@link #MADV_DONTNEED} to release pages (private anonymous pages then read as zero).
     *
     * @param addr   page-aligned start address
     * @param length bytes
     * @param advice {@code MADV_*}
     * @throws NativeException if {@code madvise} returns -1
     */
    public static void madvise(long addr, long length, int advice) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = (int) syscall(state, Sys.MADVISE, addr, length, advice, 0, 0, 0);
            if (r == -1) {
                throw failure("madvise", "madvise(" + hex(addr) + ", " + length + ", " + advice + ")", state);
            }
        }
    }

    // ---- int memfd_create(const char *name, unsigned int flags) ----

    private static final class memfd_create {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT);
        static final MemorySegment ADDR = findOrThrow("memfd_create");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code memfd_create}. */
    public static FunctionDescriptor memfd_create$descriptor() {
        return memfd_create.DESC;
    }

    /** The downcall handle of {@code memfd_create}: {@code (MemorySegment callState, MemorySegment name, int flags) -> int}. */
    public static MethodHandle memfd_create$handle() {
        return memfd_create.HANDLE;
    }

    /** The address of {@code memfd_create} in the C library. */
    public static MemorySegment memfd_create$address() {
        return memfd_create.ADDR;
    }

    /**
     * {@code memfd_create(2)} (Linux 3.17+, glibc 2.27+): creates an anonymous in-memory file.
     *
     * @param name  a name for debugging; shows in {@code /proc/self/maps} as {@code /memfd:name (deleted)}
     * @param flags {@code MFD_*} bits, e.g. {@link #MFD_CLOEXEC}
     * @return the new file descriptor
     * @throws NativeException if {@code memfd_create} returns -1
     */
    public static int memfd_create(String name, int flags) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cName = arena.allocateFrom(name);
            r = (int) syscall(state, Sys.MEMFD_CREATE, cName.address(), flags & 0xFFFF_FFFFL, 0, 0, 0, 0);
            if (r == -1) {
                throw failure("memfd_create", "memfd_create(\"" + name + "\", " + hex(flags) + ")", state);
            }
        }
        return r;
    }

    // ---- int ftruncate(int fd, off_t length) ----

    private static final class ftruncate {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_LONG);
        static final MemorySegment ADDR = findOrThrow("ftruncate");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code ftruncate}. */
    public static FunctionDescriptor ftruncate$descriptor() {
        return ftruncate.DESC;
    }

    /** The downcall handle of {@code ftruncate}: {@code (MemorySegment callState, int fd, long length) -> int}. */
    public static MethodHandle ftruncate$handle() {
        return ftruncate.HANDLE;
    }

    /** The address of {@code ftruncate} in the C library. */
    public static MemorySegment ftruncate$address() {
        return ftruncate.ADDR;
    }

    /**
     * {@code ftruncate(2)}: sets the size of the file open as {@code fd} to {@code length} bytes.
     *
     * @throws NativeException if {@code ftruncate} returns -1
     */
    public static void ftruncate(int fd, long length) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = (int) syscall(state, Sys.FTRUNCATE, fd, length, 0, 0, 0, 0);
            if (r == -1) {
                throw failure("ftruncate", "ftruncate(fd " + fd + ", " + length + ")", state);
            }
        }
    }

    // ---- ssize_t write(int fd, const void *buf, size_t count) ----

    private static final class write {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG, C_INT, C_POINTER, C_LONG);
        static final MemorySegment ADDR = findOrThrow("write");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code write}. */
    public static FunctionDescriptor write$descriptor() {
        return write.DESC;
    }

    /** The downcall handle of {@code write}: {@code (MemorySegment callState, int fd, MemorySegment buf, long count) -> long}. */
    public static MethodHandle write$handle() {
        return write.HANDLE;
    }

    /** The address of {@code write} in the C library. */
    public static MemorySegment write$address() {
        return write.ADDR;
    }

    /**
     * {@code write(2)}: writes up to {@code count} bytes from {@code buf} (a native segment of at
     * least {@code count} bytes) to {@code fd}. May write fewer bytes than asked; callers loop.
     *
     * @return the number of bytes written, {@code >= 0}
     * @throws NativeException if {@code write} returns -1 (including {@link #EINTR}, which callers may retry)
     * @throws IllegalArgumentException if {@code buf} is not native or shorter than {@code count}
     */
    public static long write(int fd, MemorySegment buf, long count) {
        if (!buf.isNative() || count < 0 || count > buf.byteSize()) {
            throw new IllegalArgumentException("write: need a native buffer of at least " + count + " bytes, got " + buf);
        }
        long r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = syscall(state, Sys.WRITE, fd, buf.address(), count, 0, 0, 0);
            if (r == -1) {
                throw failure("write", "write(fd " + fd + ", " + count + " bytes)", state);
            }
        }
        return r;
    }

    /**
     * {@link #write} until all {@code buf.byteSize()} bytes are written, retrying after {@link #EINTR}.
     *
     * @throws NativeException if {@code write} fails with another error
     * @throws IllegalArgumentException if {@code buf} is not native
     */
    public static void writeFully(int fd, MemorySegment buf) {
        long length = buf.byteSize();
        long done = 0;
        while (done < length) {
            try {
                done += write(fd, buf.asSlice(done), length - done);
            } catch (NativeException e) {
                if (e.errno() != EINTR) {
                    throw e;
                }
            }
        }
    }

    // ---- int open(const char *pathname, int flags, ... /* mode_t mode */) ----

    private static final class open {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_POINTER, C_INT, C_INT);
        static final MemorySegment ADDR = findOrThrow("open");
        /** {@code open} is variadic after {@code flags}; the mode is passed as the first variadic argument. */
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, Linker.Option.firstVariadicArg(2),
                CAPTURE_ERRNO);
    }

    /** The descriptor of {@code open} (with the variadic {@code mode} as an {@code int}). */
    public static FunctionDescriptor open$descriptor() {
        return open.DESC;
    }

    /** The downcall handle of {@code open}: {@code (MemorySegment callState, MemorySegment path, int flags, int mode) -> int}. */
    public static MethodHandle open$handle() {
        return open.HANDLE;
    }

    /** The address of {@code open} in the C library. */
    public static MemorySegment open$address() {
        return open.ADDR;
    }

    /**
     * {@code open(2)}: opens the file {@code path} (encoded as UTF-8).
     *
     * @param flags {@code O_*} bits, e.g. {@code O_RDONLY | O_CLOEXEC}
     * @param mode  permission bits for a created file (ignored unless {@code O_CREAT})
     * @return the file descriptor
     * @throws NativeException if {@code open} returns -1 (e.g. errno 2, {@code ENOENT}); the
     *                         message names the path
     */
    public static int open(String path, int flags, int mode) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment cPath = arena.allocateFrom(path);
            r = (int) syscall(state, Sys.OPENAT, AT_FDCWD, cPath.address(), flags, mode, 0, 0);
            if (r == -1) {
                throw failure("open", "open(\"" + path + "\", " + hex(flags) + ")", state);
            }
        }
        return r;
    }

    // ---- int close(int fd) ----

    private static final class close {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT);
        static final MemorySegment ADDR = findOrThrow("close");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code close}. */
    public static FunctionDescriptor close$descriptor() {
        return close.DESC;
    }

    /** The downcall handle of {@code close}: {@code (MemorySegment callState, int fd) -> int}. */
    public static MethodHandle close$handle() {
        return close.HANDLE;
    }

    /** The address of {@code close} in the C library. */
    public static MemorySegment close$address() {
        return close.ADDR;
    }

    /**
     * {@code close(2)}: closes a file descriptor. On Linux the descriptor is released even when
     * {@code close} reports {@code EINTR}, so never retry.
     *
     * @throws NativeException if {@code close} returns -1 (e.g. errno 9, {@code EBADF})
     */
    public static void close(int fd) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = (int) syscall(state, Sys.CLOSE, fd, 0, 0, 0, 0, 0);
            if (r == -1) {
                throw failure("close", "close(fd " + fd + ")", state);
            }
        }
    }

    // ---- long sysconf(int name) ----

    private static final class sysconf {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_LONG, C_INT);
        static final MemorySegment ADDR = findOrThrow("sysconf");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
    }

    /** The descriptor of {@code sysconf}. */
    public static FunctionDescriptor sysconf$descriptor() {
        return sysconf.DESC;
    }

    /** The downcall handle of {@code sysconf}: {@code (MemorySegment callState, int name) -> long}. */
    public static MethodHandle sysconf$handle() {
        return sysconf.HANDLE;
    }

    /** The address of {@code sysconf} in the C library. */
    public static MemorySegment sysconf$address() {
        return sysconf.ADDR;
    }

    /**
     * {@code sysconf(3)}: a run-time system limit, e.g. {@link #_SC_PAGESIZE}.
     *
     * @return the value, never -1
     * @throws NativeException if {@code sysconf} returns -1 (an unknown name, or a limit that is
     *                         indeterminate; this wrapper treats both as failure)
     */
    public static long sysconf(int name) {
        long r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            try {
                r = (long) sysconf.HANDLE.invokeExact(state, name);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (r == -1) {
                throw failure("sysconf", "sysconf(" + name + ")", state);
            }
        }
        return r;
    }

    private static final class PageSize {
        static final long VALUE = fromAuxv();

        /**
         * {@code AT_PAGESZ} (6) of the process's auxiliary vector, read from {@code /proc/self/auxv}
         * (pairs of native-endian {@code unsigned long}s) without a downcall; {@code sysconf} when that
         * file cannot be read.
         */
        private static long fromAuxv() {
            try {
                java.nio.ByteBuffer auxv = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(
                        java.nio.file.Path.of("/proc/self/auxv"))).order(java.nio.ByteOrder.nativeOrder());
                while (auxv.remaining() >= 16) {
                    long type = auxv.getLong();
                    long value = auxv.getLong();
                    if (type == 6 && value > 0) {
                        return value;
                    }
                    if (type == 0) {
                        break;
                    }
                }
            } catch (java.io.IOException | SecurityException e) {
                // fall back to the C library
            }
            return sysconf(_SC_PAGESIZE);
        }
    }

    /** The size of a virtual memory page in bytes ({@code sysconf(_SC_PAGESIZE)}, cached): 4096 on x86-64. */
    public static long pageSize() {
        return PageSize.VALUE;
    }

    // ---- void *calloc(size_t nmemb, size_t size) ----

    private static final class calloc {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_LONG, C_LONG);
        static final MemorySegment ADDR = findOrThrow("calloc");

        private static final class handle {
            static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
        }
    }

    /** The descriptor of {@code calloc}. */
    public static FunctionDescriptor calloc$descriptor() {
        return calloc.DESC;
    }

    /** The downcall handle of {@code calloc}: {@code (long nmemb, long size) -> MemorySegment}. */
    public static MethodHandle calloc$handle() {
        return calloc.handle.HANDLE;
    }

    /** The address of {@code calloc} in the C library. */
    public static MemorySegment calloc$address() {
        return calloc.ADDR;
    }

    /**
     * {@code calloc(3)}: {@code bytes} zeroed bytes, aligned to 16 (glibc's guarantee on x86-64).
     *
     * @return the address, never 0
     * @throws OutOfMemoryError if the C library has no memory left
     */
    public static long calloc(long bytes) {
        long a = ccall(calloc.ADDR, 1L, Math.max(1L, bytes), 0L);
        if (a == 0) {
            throw new OutOfMemoryError("calloc(" + bytes + ") failed");
        }
        return a;
    }

    // ---- void free(void *ptr) ----

    private static final class free {
        static final FunctionDescriptor DESC = FunctionDescriptor.ofVoid(C_POINTER);
        static final MemorySegment ADDR = findOrThrow("free");

        private static final class handle {
            static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
        }
    }

    /** The descriptor of {@code free}. */
    public static FunctionDescriptor free$descriptor() {
        return free.DESC;
    }

    /** The downcall handle of {@code free}: {@code (MemorySegment ptr) -> void}. */
    public static MethodHandle free$handle() {
        return free.handle.HANDLE;
    }

    /** The address of {@code free} in the C library. */
    public static MemorySegment free$address() {
        return free.ADDR;
    }

    /** {@code free(3)}: releases memory from {@link #calloc}. Never fails. */
    public static void free(long address) {
        ccall(free.ADDR, address, 0L, 0L);
    }

    // ---- int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact) ----

    /** {@code SIGBUS} (Linux x86-64 and AArch64). */
    public static final int SIGBUS = 7;
    /** {@code SIGSEGV}. */
    public static final int SIGSEGV = 11;
    /** {@code SA_SIGINFO}: the handler is {@code void (int sig, siginfo_t *info, void *ucontext)}. */
    public static final int SA_SIGINFO = 0x4;
    /** {@code SA_ONSTACK}: the handler runs on the alternate signal stack if the thread has one. */
    public static final int SA_ONSTACK = 0x0800_0000;
    /** {@code SA_RESTART}: interrupted system calls restart. */
    public static final int SA_RESTART = 0x1000_0000;
    /** {@code SA_NODEFER}: the signal is not blocked while its handler runs. */
    public static final int SA_NODEFER = 0x4000_0000;
    /** {@code SA_RESETHAND}: the action resets to the default once the handler is entered. */
    public static final int SA_RESETHAND = 0x8000_0000;
    /** {@code SIG_DFL} as a handler address. */
    public static final long SIG_DFL = 0;
    /** {@code SIG_IGN} as a handler address. */
    public static final long SIG_IGN = 1;

    /**
     * glibc's {@code struct sigaction} on x86-64 and AArch64 Linux, 152 bytes: {@code sa_sigaction}
     * (the union with {@code sa_handler}, a pointer) at 0, {@code sa_mask} ({@code sigset_t}, 128
     * bytes) at 8, {@code sa_flags} ({@code int}) at 136 and 4 bytes of padding, {@code sa_restorer}
     * at 144 (set by glibc itself).
     */
    public static final StructLayout SIGACTION = MemoryLayout.structLayout(
            C_POINTER.withName("sa_sigaction"),
            MemoryLayout.sequenceLayout(16, C_LONG).withName("sa_mask"),
            C_INT.withName("sa_flags"),
            MemoryLayout.paddingLayout(4),
            C_POINTER.withName("sa_restorer")).withName("sigaction");
    /** Byte offset of {@code sa_sigaction} in {@link #SIGACTION}. */
    public static final long SIGACTION_HANDLER = 0;
    /** Byte offset of {@code sa_mask} in {@link #SIGACTION}. */
    public static final long SIGACTION_MASK = 8;
    /** Byte offset of {@code sa_flags} in {@link #SIGACTION}. */
    public static final long SIGACTION_FLAGS = 136;

    private static final class sigaction {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT, C_INT, C_POINTER, C_POINTER);
        static final MemorySegment ADDR = findOrThrow("sigaction");

        private static final class handle {
            static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC, CAPTURE_ERRNO);
        }
    }

    /** The descriptor of {@code sigaction}. */
    public static FunctionDescriptor sigaction$descriptor() {
        return sigaction.DESC;
    }

    /** The downcall handle of {@code sigaction}: {@code (MemorySegment callState, int signum, MemorySegment act, MemorySegment oldact) -> int}. */
    public static MethodHandle sigaction$handle() {
        return sigaction.handle.HANDLE;
    }

    /** The address of {@code sigaction} in the C library. */
    public static MemorySegment sigaction$address() {
        return sigaction.ADDR;
    }

    /**
     * {@code sigaction(2)} through glibc (which fills in {@code sa_restorer}): installs {@code act}
     * for {@code signum} and stores the previous action in {@code oldact}.
     *
     * @param signum the signal, e.g. {@link #SIGSEGV}
     * @param act    a {@link #SIGACTION} struct, or {@link MemorySegment#NULL} to only read the action
     * @param oldact a {@link #SIGACTION} struct receiving the previous action, or {@link MemorySegment#NULL}
     * @throws NativeException if {@code sigaction} returns -1 ({@code EINVAL} for a bad signal)
     */
    public static void sigaction(int signum, MemorySegment act, MemorySegment oldact) {
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            r = (int) ccall(sigaction.ADDR, state, signum, act.address(), oldact.address());
            if (r == -1) {
                throw failure("sigaction", "sigaction(" + signum + ", " + act + ", " + oldact + ")", state);
            }
        }
    }

    // ---- pid_t getpid(void) ----

    private static final class getpid {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_INT);
        static final MemorySegment ADDR = findOrThrow("getpid");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** The descriptor of {@code getpid}. */
    public static FunctionDescriptor getpid$descriptor() {
        return getpid.DESC;
    }

    /** The downcall handle of {@code getpid}: {@code () -> int} (no errno capture: it cannot fail). */
    public static MethodHandle getpid$handle() {
        return getpid.HANDLE;
    }

    /** The address of {@code getpid} in the C library. */
    public static MemorySegment getpid$address() {
        return getpid.ADDR;
    }

    /** {@code getpid(2)}: the process id. Never fails. */
    public static int getpid() {
        try {
            return (int) getpid.HANDLE.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    // ---- char *strerror(int errnum) ----

    private static final class strerror {
        static final FunctionDescriptor DESC = FunctionDescriptor.of(C_POINTER, C_INT);
        static final MemorySegment ADDR = findOrThrow("strerror");
        static final MethodHandle HANDLE = LINKER.downcallHandle(ADDR, DESC);
    }

    /** The descriptor of {@code strerror}. */
    public static FunctionDescriptor strerror$descriptor() {
        return strerror.DESC;
    }

    /** The downcall handle of {@code strerror}: {@code (int errnum) -> MemorySegment}. */
    public static MethodHandle strerror$handle() {
        return strerror.HANDLE;
    }

    /** The address of {@code strerror} in the C library. */
    public static MemorySegment strerror$address() {
        return strerror.ADDR;
    }

    /**
     * {@code strerror(3)}: the C library's description of an {@code errno} value, e.g.
     * {@code "Invalid argument"} for 22 (glibc, English locale). glibc returns static strings for
     * known values and a thread-local buffer for unknown ones, so this is safe to call from any
     * thread; the text is copied into a Java string at once.
     *
     * @return the description, or {@code "errno N"} if the C library returns NULL
     */
    public static String strerror(int errnum) {
        MemorySegment s;
        try {
            s = (MemorySegment) strerror.HANDLE.invokeExact(errnum);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (s.address() == 0) {
            return "errno " + errnum;
        }
        return s.reinterpret(Long.MAX_VALUE).getString(0);
    }
}
