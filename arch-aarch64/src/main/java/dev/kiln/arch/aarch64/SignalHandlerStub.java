package dev.kiln.arch.aarch64;

import dev.kiln.abi.GuardHandlerLayout;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.compiler.mach.Label;

/**
 * Generates the guard-page signal handler for AArch64 Linux (glibc): position-independent A64 code
 * laid out as {@link GuardHandlerLayout} describes (the x86-64 backend's handler follows the same
 * contract), so that Kiln needs no C of its own to turn a fault of an unchecked linear-memory access
 * into a trap (DESIGN.md §3 "Bounds checks").
 *
 * <p>The handler, {@code void (int sig, siginfo_t *info, ucontext_t *uc)} with {@code SA_SIGINFO}
 * (x0, x1, x2; x30 the kernel's {@code rt_sigreturn} trampoline):
 * <ol>
 * <li>reads the saved {@code pc} ({@code uc->uc_mcontext.pc}, byte offset {@value #UC_PC}: the
 *     kernel's {@code struct ucontext} has {@code uc_flags}, {@code uc_link}, the 24-byte
 *     {@code uc_stack}, a 128-byte {@code uc_sigmask} (glibc's 1024-bit {@code sigset_t}), then
 *     {@code uc_mcontext}, a {@code struct sigcontext} aligned to 16 at byte {@value #UC_MCONTEXT}:
 *     {@code fault_address}, {@code regs[31]}, {@code sp}, {@code pc}, {@code pstate}) and looks it up in
 *     the code-range table;</li>
 * <li>reads {@code info->si_addr} ({@link GuardHandlerLayout#SI_ADDR}) and looks it up in the
 *     memory-range table;</li>
 * <li>if both are found, stores the faulting {@code pc} in the saved {@code x17} (byte offset
 *     {@value #UC_X17}), as a trap stub's {@code adr x17, site} does, so that the backtrace starts at
 *     the faulting access (the compiler records it as a trap site), rewrites the saved {@code pc} to the
 *     resume stub and returns: {@code rt_sigreturn} restores the interrupted context with {@code pc}
 *     at the stub, which stores {@link TrapCode#MEMORY_OUT_OF_BOUNDS} in the store context of the
 *     VMContext in {@code x21} (intact at every access in Wasm code, see {@link Aarch64Backend}),
 *     records the backtrace from {@code x29}, {@code x30} and {@code x17} and unwinds to the innermost
 *     entry trampoline exactly as the unwind stub does;</li>
 * <li>otherwise passes the fault on to the action installed before: a handler is tail-called
 *     ({@code br x16}, a valid target of a BTI {@code c} landing pad) with x0, x1, x2 and x30 as the
 *     kernel set them, so it sees exactly what it would have seen without Kiln; {@code SIG_IGN}
 *     returns; {@code SIG_DFL} resets the action with the {@code rt_sigaction} system call (number
 *     {@value #SYS_RT_SIGACTION}, {@code svc #0}) and returns, so the faulting instruction runs again
 *     and the default action (a core dump) happens.</li>
 * </ol>
 * Async-signal-safe: no allocation, no locks, no calls but the tail call and one system call; it
 * uses only the caller-saved registers x8..x16 (never x18, the platform register) and 32 bytes of
 * stack on the {@code SIG_DFL} path. The table scans read each slot's {@code end}, {@code start}, then
 * {@code end} again with load-acquire ({@code ldar}), so that on this weakly ordered architecture the
 * reads happen in that order, as the concurrency contract of {@link GuardHandlerLayout} requires
 * (its writers publish with store-release).
 */
public final class SignalHandlerStub {
    /** Byte offset of {@code uc_mcontext} in the AArch64 Linux {@code ucontext_t}. */
    static final int UC_MCONTEXT = 176;
    /** Byte offset of {@code uc_mcontext.regs[0]}, the saved x0 (register n at 8 * n bytes more). */
    static final int UC_REGS = UC_MCONTEXT + 8;
    /** Byte offset of {@code uc_mcontext.regs[17]}, the saved x17. */
    static final int UC_X17 = UC_REGS + 17 * 8;
    /** Byte offset of {@code uc_mcontext.sp}. */
    static final int UC_SP = UC_REGS + 31 * 8;
    /** Byte offset of {@code uc_mcontext.pc}. */
    static final int UC_PC = UC_SP + 8;
    /** {@code __NR_rt_sigaction} of AArch64 Linux (the asm-generic table). */
    static final int SYS_RT_SIGACTION = 134;

    private static final XReg DATA = XReg.X9;
    private static final XReg KEY = XReg.X10;

    private SignalHandlerStub() {
    }

    /**
     * The handler's code, to be copied to offset 0 of the loader's mapping (entry point at 0), the data
     * {@link GuardHandlerLayout#DATA_OFFSET} bytes after it.
     *
     * @return at most {@link GuardHandlerLayout#CODE_BYTES} bytes of position-independent code
     */
    public static byte[] generate() {
        Assembler a = new Assembler();
        Label entry = a.newLabel("entry");
        Label notOurs = a.newLabel("not_ours");
        Label resume = a.newLabel("resume");
        a.bind(entry);
        a.adr(DATA, entry);
        a.add(Size.X, DATA, DATA, GuardHandlerLayout.DATA_OFFSET);
        a.ldr(Size.X, KEY, Address.offset(XReg.X2, UC_PC));
        scan(a, GuardHandlerLayout.CODE_RANGE_COUNT, GuardHandlerLayout.CODE_RANGES, notOurs);
        a.ldr(Size.X, KEY, Address.offset(XReg.X1, GuardHandlerLayout.SI_ADDR));
        scan(a, GuardHandlerLayout.MEMORY_RANGE_COUNT, GuardHandlerLayout.MEMORY_RANGES, notOurs);
        // ours: the faulting access becomes the trap site in x17, and the context resumes at the stub
        a.ldr(Size.X, KEY, Address.offset(XReg.X2, UC_PC));
        a.str(Size.X, KEY, Address.offset(XReg.X2, UC_X17));
        a.adr(KEY, resume);
        a.str(Size.X, KEY, Address.offset(XReg.X2, UC_PC));
        a.ret();

        // not ours: the previous action, exactly as if Kiln had not installed anything
        a.bind(notOurs);
        Label segv = a.newLabel();
        Label dfl = a.newLabel();
        Label done = a.newLabel();
        XReg previous = XReg.X16;
        a.ldr(Size.X, previous, Address.offset(DATA, GuardHandlerLayout.PREVIOUS_SIGSEGV));
        a.cmp(Size.W, XReg.X0, GuardHandlerLayout.SIGBUS);
        a.b(Cond.NE, segv);
        a.ldr(Size.X, previous, Address.offset(DATA, GuardHandlerLayout.PREVIOUS_SIGBUS));
        a.bind(segv);
        a.cmp(Size.X, previous, GuardHandlerLayout.SIG_DFL);
        a.b(Cond.EQ, dfl);
        a.cmp(Size.X, previous, GuardHandlerLayout.SIG_IGN);
        a.b(Cond.EQ, done);
        a.br(previous); // the previous handler, with (sig, info, uc) still in x0, x1, x2 and x30 intact
        a.bind(dfl);
        // rt_sigaction(sig, &{SIG_DFL, 0, 0, 0}, NULL, 8)
        a.sub(Size.X, XReg.SP, XReg.SP, GuardHandlerLayout.KERNEL_SIGACTION_BYTES);
        for (int off = 0; off < GuardHandlerLayout.KERNEL_SIGACTION_BYTES; off += 16) {
            a.stp(Size.X, XReg.XZR, XReg.XZR, Address.offset(XReg.SP, off));
        }
        a.mov(Size.X, XReg.X1, XReg.SP);
        a.movImm(Size.X, XReg.X2, 0);
        a.movImm(Size.X, XReg.X3, GuardHandlerLayout.KERNEL_SIGSET_BYTES);
        a.movImm(Size.X, XReg.X8, SYS_RT_SIGACTION);
        a.svc(0);
        a.add(Size.X, XReg.SP, XReg.SP, GuardHandlerLayout.KERNEL_SIGACTION_BYTES);
        a.bind(done);
        a.ret();

        // the resume stub: a trap stub for MEMORY_OUT_OF_BOUNDS followed by the unwind stub
        a.align(16);
        a.bind(resume);
        a.ldr(Size.X, XReg.X16, Address.offset(CodeEmitter.VMCTX, VMContextLayout.STORE_CONTEXT));
        a.movImm(Size.W, XReg.X9, TrapCode.MEMORY_OUT_OF_BOUNDS.code());
        a.str(Size.W, XReg.X9, Address.offset(XReg.X16, VMStoreContext.TRAP_CODE));
        Aarch64Backend.backtraceAndUnwind(a);
        byte[] code = a.finish();
        if (code.length > GuardHandlerLayout.CODE_BYTES || !a.relocations().isEmpty()) {
            throw new IllegalStateException("the signal handler is " + code.length + " bytes with relocations "
                    + a.relocations());
        }
        return code;
    }

    /**
     * Looks up x10 in the table at {@code data + table} whose slot count is at {@code data + count}:
     * falls through when a slot {@code [start, end)} holds it, branches to {@code notFound} otherwise.
     * Clobbers x11..x15.
     */
    private static void scan(Assembler a, int count, int table, Label notFound) {
        XReg left = XReg.X11;
        XReg slot = XReg.X12;
        XReg end = XReg.X13;
        XReg start = XReg.X14;
        XReg endAt = XReg.X15;
        Label loop = a.newLabel();
        Label next = a.newLabel();
        Label found = a.newLabel();
        a.add(Size.X, endAt, DATA, count);
        a.ldar(Size.X, left, endAt);
        a.addImm(Size.X, slot, DATA, table, endAt);
        a.bind(loop);
        a.cbz(Size.X, left, notFound);
        a.add(Size.X, endAt, slot, 8);
        a.ldar(Size.X, end, endAt);
        a.cbz(Size.X, end, next); // a free slot
        a.ldar(Size.X, start, slot);
        a.cmp(Size.X, KEY, start);
        a.b(Cond.LO, next);
        a.cmp(Size.X, KEY, end);
        a.b(Cond.HS, next);
        a.ldar(Size.X, start, endAt); // end unchanged since it was read
        a.cmp(Size.X, start, end);
        a.b(Cond.EQ, found);
        a.bind(next);
        a.add(Size.X, slot, slot, GuardHandlerLayout.SLOT_BYTES);
        a.sub(Size.X, left, left, 1);
        a.b(loop);
        a.bind(found);
    }
}
