package dev.kiln.wasi;

import dev.kiln.Engine;
import dev.kiln.Extern;
import dev.kiln.Func;
import dev.kiln.Linker;
import dev.kiln.Memory;
import dev.kiln.Store;
import dev.kiln.Val;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Calls the WASI host functions straight from Java, over a host-created linear memory: a guest
 * without a compiler. Pointers are allocated by bumping from byte 1024.
 */
final class Harness implements AutoCloseable {
    final Store store;
    final Memory memory;
    final Linker linker;
    final WasiContext wasi;
    private long bump = 1024;

    /** A guest string argument: expands to (ptr, len). */
    record Str(String s) {
    }

    Harness(WasiContext.Builder b) {
        store = new Store(Engine.create());
        memory = Memory.create(store, 4, -1);
        wasi = b.build();
        linker = wasi.define(store, new Linker());
        wasi.bind(memory);
    }

    static Str s(String s) {
        return new Str(s);
    }

    MemorySegment mem() {
        return memory.segment();
    }

    /** Bytes of guest memory, 16-aligned, zeroed. */
    int alloc(int n) {
        long p = (bump + 15) & ~15L;
        bump = p + n;
        mem().asSlice(p, n).fill((byte) 0);
        return (int) p;
    }

    int put(byte[] b) {
        int p = alloc(b.length);
        MemorySegment.copy(b, 0, mem(), ValueLayout.JAVA_BYTE, p, b.length);
        return p;
    }

    /** Calls {@code name}: Integer args are i32, Long i64, Str a (ptr, len) pair; returns the errno. */
    int call(String name, Object... args) {
        Extern e = linker.get(WasiContext.MODULE, name);
        if (!(e instanceof Func f)) {
            throw new AssertionError(name + " is not defined");
        }
        java.util.List<Val> vals = new java.util.ArrayList<>();
        for (Object a : args) {
            switch (a) {
                case Integer i -> vals.add(Val.i32(i));
                case Long l -> vals.add(Val.i64(l));
                case Str s -> {
                    byte[] b = s.s().getBytes(StandardCharsets.UTF_8);
                    vals.add(Val.i32(put(b)));
                    vals.add(Val.i32(b.length));
                }
                default -> throw new IllegalArgumentException(String.valueOf(a));
            }
        }
        Val[] r = f.call(vals.toArray(new Val[0]));
        return r.length == 0 ? -1 : r[0].i32();
    }

    int i32(int addr) {
        return mem().get(ValueLayout.JAVA_INT_UNALIGNED, addr);
    }

    long i64(int addr) {
        return mem().get(ValueLayout.JAVA_LONG_UNALIGNED, addr);
    }

    int u8(int addr) {
        return mem().get(ValueLayout.JAVA_BYTE, addr) & 0xFF;
    }

    void setI32(int addr, int v) {
        mem().set(ValueLayout.JAVA_INT_UNALIGNED, addr, v);
    }

    void setI64(int addr, long v) {
        mem().set(ValueLayout.JAVA_LONG_UNALIGNED, addr, v);
    }

    byte[] bytes(int addr, int len) {
        byte[] b = new byte[len];
        MemorySegment.copy(mem(), ValueLayout.JAVA_BYTE, addr, b, 0, len);
        return b;
    }

    String string(int addr, int len) {
        return new String(bytes(addr, len), StandardCharsets.UTF_8);
    }

    /** An iovec array of one buffer per element of {@code lens}; returns the array's address. */
    int iovs(int... lens) {
        int arr = alloc(8 * lens.length);
        for (int i = 0; i < lens.length; i++) {
            setI32(arr + 8 * i, alloc(lens[i]));
            setI32(arr + 8 * i + 4, lens[i]);
        }
        return arr;
    }

    /** An iovec array over the given contents. */
    int iovsOf(byte[]... parts) {
        int arr = alloc(8 * parts.length);
        for (int i = 0; i < parts.length; i++) {
            setI32(arr + 8 * i, put(parts[i]));
            setI32(arr + 8 * i + 4, parts[i].length);
        }
        return arr;
    }

    /** Opens {@code path} under directory fd {@code dirfd}; returns the fd or -errno. */
    int open(int dirfd, String path, int oflags, long rights, int fdflags, boolean follow) {
        return open(dirfd, path, oflags, rights, rights, fdflags, follow);
    }

    /** Opens {@code path} asking for base and inheriting rights; returns the fd or -errno. */
    int open(int dirfd, String path, int oflags, long base, long inheriting, int fdflags, boolean follow) {
        int out = alloc(4);
        int e = call("path_open", dirfd, follow ? 1 : 0, s(path), oflags, base, inheriting, fdflags, out);
        return e == 0 ? i32(out) : -e;
    }

    /** {@code fd_fdstat_get}'s base and inheriting rights of {@code fd}. */
    long[] rights(int fd) {
        int st = alloc(24);
        int e = call("fd_fdstat_get", fd, st);
        if (e != 0) {
            throw new AssertionError("fd_fdstat_get: " + Errno.name(e));
        }
        return new long[] {i64(st + 8), i64(st + 16)};
    }

    /** Writes {@code text} to {@code fd}; returns the errno. */
    int write(int fd, String text) {
        int n = alloc(4);
        return call("fd_write", fd, iovsOf(text.getBytes(StandardCharsets.UTF_8)), 1, n);
    }

    /** Reads up to {@code max} bytes from {@code fd} into a string (throws on an errno). */
    String read(int fd, int max) {
        int iov = iovs(max);
        int n = alloc(4);
        int e = call("fd_read", fd, iov, 1, n);
        if (e != 0) {
            throw new AssertionError("fd_read: " + Errno.name(e));
        }
        return string(i32(iov), i32(n));
    }

    @Override
    public void close() {
        wasi.close();
        store.close();
    }
}
