/* Shared helpers of Kiln's WASI test programs: errno names that are the same under glibc and
   wasi-libc (their strerror texts and errno numbers differ). */
#include <errno.h>
#include <stdio.h>

static const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ELOOP: return "ELOOP";
    case ESPIPE: return "ESPIPE";
    default: return "E?";
    }
}

#define CHECK(expr) do { errno = 0; long r_ = (long)(expr); \
    printf("%-40s -> %ld %s\n", #expr, r_ < 0 ? -1L : r_, errname(r_ < 0 ? errno : 0)); } while (0)
