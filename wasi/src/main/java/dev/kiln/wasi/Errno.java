package dev.kiln.wasi;

/**
 * The error codes of WASI preview1 ({@code errno}, a {@code u16} returned by every function that can
 * fail), with the values of the {@code wasi_snapshot_preview1} witx definitions (the same numbers as
 * wasi-libc's {@code wasi/api.h}). Each constant is named after its POSIX counterpart without the
 * leading {@code E} ({@link #E2BIG} keeps it: a Java name cannot start with a digit).
 *
 * <p>Constants only; thread-safe.
 */
public final class Errno {
    private Errno() {
    }

    /** No error (0). */
    public static final int SUCCESS = 0;
    /** POSIX E2BIG (1). */
    public static final int E2BIG = 1;
    /** POSIX EACCES (2). */
    public static final int ACCES = 2;
    /** POSIX EADDRINUSE (3). */
    public static final int ADDRINUSE = 3;
    /** POSIX EADDRNOTAVAIL (4). */
    public static final int ADDRNOTAVAIL = 4;
    /** POSIX EAFNOSUPPORT (5). */
    public static final int AFNOSUPPORT = 5;
    /** POSIX EAGAIN (6). */
    public static final int AGAIN = 6;
    /** POSIX EALREADY (7). */
    public static final int ALREADY = 7;
    /** POSIX EBADF (8). */
    public static final int BADF = 8;
    /** POSIX EBADMSG (9). */
    public static final int BADMSG = 9;
    /** POSIX EBUSY (10). */
    public static final int BUSY = 10;
    /** POSIX ECANCELED (11). */
    public static final int CANCELED = 11;
    /** POSIX ECHILD (12). */
    public static final int CHILD = 12;
    /** POSIX ECONNABORTED (13). */
    public static final int CONNABORTED = 13;
    /** POSIX ECONNREFUSED (14). */
    public static final int CONNREFUSED = 14;
    /** POSIX ECONNRESET (15). */
    public static final int CONNRESET = 15;
    /** POSIX EDEADLK (16). */
    public static final int DEADLK = 16;
    /** POSIX EDESTADDRREQ (17). */
    public static final int DESTADDRREQ = 17;
    /** POSIX EDOM (18). */
    public static final int DOM = 18;
    /** POSIX EDQUOT (19). */
    public static final int DQUOT = 19;
    /** POSIX EEXIST (20). */
    public static final int EXIST = 20;
    /** POSIX EFAULT (21). */
    public static final int FAULT = 21;
    /** POSIX EFBIG (22). */
    public static final int FBIG = 22;
    /** POSIX EHOSTUNREACH (23). */
    public static final int HOSTUNREACH = 23;
    /** POSIX EIDRM (24). */
    public static final int IDRM = 24;
    /** POSIX EILSEQ (25). */
    public static final int ILSEQ = 25;
    /** POSIX EINPROGRESS (26). */
    public static final int INPROGRESS = 26;
    /** POSIX EINTR (27). */
    public static final int INTR = 27;
    /** POSIX EINVAL (28). */
    public static final int INVAL = 28;
    /** POSIX EIO (29). */
    public static final int IO = 29;
    /** POSIX EISCONN (30). */
    public static final int ISCONN = 30;
    /** POSIX EISDIR (31). */
    public static final int ISDIR = 31;
    /** POSIX ELOOP (32). */
    public static final int LOOP = 32;
    /** POSIX EMFILE (33). */
    public static final int MFILE = 33;
    /** POSIX EMLINK (34). */
    public static final int MLINK = 34;
    /** POSIX EMSGSIZE (35). */
    public static final int MSGSIZE = 35;
    /** POSIX EMULTIHOP (36). */
    public static final int MULTIHOP = 36;
    /** POSIX ENAMETOOLONG (37). */
    public static final int NAMETOOLONG = 37;
    /** POSIX ENETDOWN (38). */
    public static final int NETDOWN = 38;
    /** POSIX ENETRESET (39). */
    public static final int NETRESET = 39;
    /** POSIX ENETUNREACH (40). */
    public static final int NETUNREACH = 40;
    /** POSIX ENFILE (41). */
    public static final int NFILE = 41;
    /** POSIX ENOBUFS (42). */
    public static final int NOBUFS = 42;
    /** POSIX ENODEV (43). */
    public static final int NODEV = 43;
    /** POSIX ENOENT (44). */
    public static final int NOENT = 44;
    /** POSIX ENOEXEC (45). */
    public static final int NOEXEC = 45;
    /** POSIX ENOLCK (46). */
    public static final int NOLCK = 46;
    /** POSIX ENOLINK (47). */
    public static final int NOLINK = 47;
    /** POSIX ENOMEM (48). */
    public static final int NOMEM = 48;
    /** POSIX ENOMSG (49). */
    public static final int NOMSG = 49;
    /** POSIX ENOPROTOOPT (50). */
    public static final int NOPROTOOPT = 50;
    /** POSIX ENOSPC (51). */
    public static final int NOSPC = 51;
    /** POSIX ENOSYS (52). */
    public static final int NOSYS = 52;
    /** POSIX ENOTCONN (53). */
    public static final int NOTCONN = 53;
    /** POSIX ENOTDIR (54). */
    public static final int NOTDIR = 54;
    /** POSIX ENOTEMPTY (55). */
    public static final int NOTEMPTY = 55;
    /** POSIX ENOTRECOVERABLE (56). */
    public static final int NOTRECOVERABLE = 56;
    /** POSIX ENOTSOCK (57). */
    public static final int NOTSOCK = 57;
    /** POSIX ENOTSUP (58). */
    public static final int NOTSUP = 58;
    /** POSIX ENOTTY (59). */
    public static final int NOTTY = 59;
    /** POSIX ENXIO (60). */
    public static final int NXIO = 60;
    /** POSIX EOVERFLOW (61). */
    public static final int OVERFLOW = 61;
    /** POSIX EOWNERDEAD (62). */
    public static final int OWNERDEAD = 62;
    /** POSIX EPERM (63). */
    public static final int PERM = 63;
    /** POSIX EPIPE (64). */
    public static final int PIPE = 64;
    /** POSIX EPROTO (65). */
    public static final int PROTO = 65;
    /** POSIX EPROTONOSUPPORT (66). */
    public static final int PROTONOSUPPORT = 66;
    /** POSIX EPROTOTYPE (67). */
    public static final int PROTOTYPE = 67;
    /** POSIX ERANGE (68). */
    public static final int RANGE = 68;
    /** POSIX EROFS (69). */
    public static final int ROFS = 69;
    /** POSIX ESPIPE (70). */
    public static final int SPIPE = 70;
    /** POSIX ESRCH (71). */
    public static final int SRCH = 71;
    /** POSIX ESTALE (72). */
    public static final int STALE = 72;
    /** POSIX ETIMEDOUT (73). */
    public static final int TIMEDOUT = 73;
    /** POSIX ETXTBSY (74). */
    public static final int TXTBSY = 74;
    /** POSIX EXDEV (75). */
    public static final int XDEV = 75;
    /** Capabilities insufficient (76). */
    public static final int NOTCAPABLE = 76;

    private static final String[] NAMES = {"success", "2big", "acces", "addrinuse", "addrnotavail", "afnosupport", "again", "already", "badf", "badmsg", "busy", "canceled", "child", "connaborted", "connrefused", "connreset", "deadlk", "destaddrreq", "dom", "dquot", "exist", "fault", "fbig", "hostunreach", "idrm", "ilseq", "inprogress", "intr", "inval", "io", "isconn", "isdir", "loop", "mfile", "mlink", "msgsize", "multihop", "nametoolong", "netdown", "netreset", "netunreach", "nfile", "nobufs", "nodev", "noent", "noexec", "nolck", "nolink", "nomem", "nomsg", "noprotoopt", "nospc", "nosys", "notconn", "notdir", "notempty", "notrecoverable", "notsock", "notsup", "notty", "nxio", "overflow", "ownerdead", "perm", "pipe", "proto", "protonosupport", "prototype", "range", "rofs", "spipe", "srch", "stale", "timedout", "txtbsy", "xdev", "notcapable"};

    /**
     * The witx name of an errno value ({@code "noent"} for {@link #NOENT}), or {@code "errno N"} for a
     * value WASI does not define.
     */
    public static String name(int errno) {
        return errno >= 0 && errno < NAMES.length ? NAMES[errno] : "errno " + errno;
    }
}
