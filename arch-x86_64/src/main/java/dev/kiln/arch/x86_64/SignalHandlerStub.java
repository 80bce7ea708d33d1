package dev.kiln.arch.x86_64;

import dev.kiln.abi.GuardHandlerLayout;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.VMContextLayout;
import dev.kiln.abi.VMStoreContext;
import dev.kiln.compiler.mach.Label;

/**
 * Generates the guard-page signal handler for x86-64 Linux (glibc): position-independent machine code
 * laid out as {@link GuardHandlerLayout} describes, so that Kiln needs no C of its own to turn a
 * fault of an unchecked linear-memory access into a trap (DESIGN.md §3 "Bounds checks").
 *
 * <p>The handler, {@code void (int sig, siginfo_t *info, ucontext_t *uc)} with {@code SA_SIGINFO}:
 * <ol>
 * <li>reads the saved {@code rip} ({@code uc->uc_mcontext.gregs[REG_RIP]}, byte offset
 *     {@value #UC_RIP} of glibc's x86-64 {@code ucontext_t}: {@code uc_mcontext} at 40,
 *     {@code REG_RIP} = 16) and looks it up in the code-range table;</li>
 * <li>reads {@code info->si_addr} (byte offset {@value #SI_ADDR} of {@code siginfo_t}) and looks it
 *     up in the memory-range table;</li>
 * <li>if both are found, pushes the faulting {@code rip} on the interrupted stack (the saved
 *     {@code rsp}, byte offset {@value #UC_RSP}, moves down by 8), so that the backtrace starts at the
 *     faulting access, rewrites the saved {@code rip} to the resume stub and returns: the kernel
 *     restores the interrupted context with {@code rip} at the stub, which stores
 *     {@link TrapCode#MEMORY_OUT_OF_BOUNDS} in the store context of the VMContext in {@code r14}
 *     (intact at every access in Wasm code, see {@link X86_64Backend}), records the backtrace and unwinds to the innermost
 *     entry trampoline as the shared unwind stub does;</li>
 * <li>for {@code SIGILL}: if the saved {@code rip} is in the code-range table at a trap site's
 *     {@code ud1} (0F B9, ModRM {@code 0xC0 |} the {@link TrapCode} code, see {@code CodeEmitter}),
 *     writes the code to the saved {@code r10} ({@code gregs[REG_R10]}, byte offset {@value #UC_R10}),
 *     pushes the address after the {@code ud1} on the interrupted stack, as the call to a trap stub
 *     would push its return address (the frame site of the trap), and resumes at a stub that stores
 *     the code from {@code r10} and unwinds as above;</li>
 * <li>otherwise passes the fault on to the action installed before: a handler is tail-called with
 *     the three arguments unchanged (the stack is as the kernel left it, so it sees exactly what it
 *     would have seen without Kiln); {@code SIG_IGN} returns; {@code SIG_DFL} resets the action with
 *     the {@code rt_sigaction} system call (number 13) and returns, so the faulting instruction runs
 *     again and the default action (a core dump) happens.</li>
 * </ol>
 * Async-signal-safe: no allocation, no locks, no calls but the tail call and one system call; it
 * uses only caller-saved registers ({@code rax rcx r8 r9 r10 r11}) and its own 40 bytes of stack.
 * The table scans read each slot's {@code end}, {@code start}, then {@code end} again (x86-64 keeps
 * loads in program order), as the concurrency contract of {@link GuardHandlerLayout} requires.
 */
public final class SignalHandlerStub {
    /** Byte offset of {@code si_addr} in {@code siginfo_t} ({@link GuardHandlerLayout#SI_ADDR}). */
    static final int SI_ADDR = GuardHandlerLayout.SI_ADDR;
    /** Byte offset of {@code uc_mcontext.gregs[REG_RIP]} in glibc's x86-64 {@code ucontext_t}. */
    static final int UC_RIP = 40 + 16 * 8;
    /** Byte offset of {@code uc_mcontext.gregs[REG_R10]} in glibc's x86-64 {@code ucontext_t}. */
    static final int UC_R10 = 40 + 2 * 8;
    /** Byte offset of {@code uc_mcontext.gregs[REG_RSP]} in glibc's x86-64 {@code ucontext_t}. */
    static final int UC_RSP = 40 + 15 * 8;
    private static final int SYS_RT_SIGACTION = 13;
    private static final int KERNEL_SIGACTION_BYTES = GuardHandlerLayout.KERNEL_SIGACTION_BYTES;

    private SignalHandlerStub() {
    }

    /**
     * The handler's code, to be copied to offset 0 of the loader's mapping (entry point at 0).
     *
     * @return at most {@link GuardHandlerLayout#CODE_BYTES} bytes of position-independent code
     */
    public static byte[] generate() {
        Assembler a = new Assembler();
        Label entry = a.newLabel();
        Label notOurs = a.newLabel();
        Label resume = a.newLabel();
        Label trapResume = a.newLabel();
        Label illegal = a.newLabel();
        a.bind(entry);
        Gpr data = Gpr.R11;
        a.lea(Size.S64, data, Mem.rip(entry, GuardHandlerLayout.DATA_OFFSET));
        a.aluImm(AluOp.CMP, Size.S32, Gpr.RDI, GuardHandlerLayout.SIGILL);
        a.jcc(Cond.E, illegal);
        a.mov(Size.S64, Gpr.RAX, Mem.of(Gpr.RDX, UC_RIP));
        scan(a, data, GuardHandlerLayout.CODE_RANGE_COUNT, GuardHandlerLayout.CODE_RANGES, notOurs);
        a.mov(Size.S64, Gpr.RAX, Mem.of(Gpr.RSI, SI_ADDR));
        scan(a, data, GuardHandlerLayout.MEMORY_RANGE_COUNT, GuardHandlerLayout.MEMORY_RANGES, notOurs);
        // ours: push the faulting rip on the interrupted stack as if the access had called the resume
        // stub (the backtrace starts there; the 8 bytes are in the red zone the kernel keeps free
        // below rsp), then resume at the stub
        a.mov(Size.S64, Gpr.RAX, Mem.of(Gpr.RDX, UC_RIP));
        resumeAt(a, resume);

        // SIGILL: ours when rip is in Kiln code at a trap site's ud1 (0F B9 /r), whose ModRM byte
        // holds the trap code (0xC0 | code): it goes to the interrupted r10, and the address after
        // the ud1 is pushed as a call to a trap stub would push its return address
        a.bind(illegal);
        a.mov(Size.S64, Gpr.RAX, Mem.of(Gpr.RDX, UC_RIP));
        scan(a, data, GuardHandlerLayout.CODE_RANGE_COUNT, GuardHandlerLayout.CODE_RANGES, notOurs);
        a.movzx(Size.S32, Gpr.RCX, Size.S16, Mem.of(Gpr.RAX, 0));
        a.aluImm(AluOp.CMP, Size.S32, Gpr.RCX, 0xB90F);
        a.jcc(Cond.NE, notOurs);
        a.movzx(Size.S32, Gpr.RCX, Size.S8, Mem.of(Gpr.RAX, 2));
        a.aluImm(AluOp.AND, Size.S32, Gpr.RCX, 0x3F);
        a.mov(Size.S64, Mem.of(Gpr.RDX, UC_R10), Gpr.RCX);
        a.aluImm(AluOp.ADD, Size.S64, Gpr.RAX, 3);
        resumeAt(a, trapResume);

        // not ours: the previous action, exactly as if Kiln had not installed anything
        a.bind(notOurs);
        Label segv = a.newLabel();
        Label dfl = a.newLabel();
        Label done = a.newLabel();
        a.mov(Size.S64, Gpr.RAX, Mem.of(data, GuardHandlerLayout.PREVIOUS_SIGSEGV));
        a.aluImm(AluOp.CMP, Size.S32, Gpr.RDI, GuardHandlerLayout.SIGBUS);
        Label notBus = a.newLabel();
        a.jcc(Cond.NE, notBus);
        a.mov(Size.S64, Gpr.RAX, Mem.of(data, GuardHandlerLayout.PREVIOUS_SIGBUS));
        a.bind(notBus);
        a.aluImm(AluOp.CMP, Size.S32, Gpr.RDI, GuardHandlerLayout.SIGILL);
        a.jcc(Cond.NE, segv);
        a.mov(Size.S64, Gpr.RAX, Mem.of(data, GuardHandlerLayout.PREVIOUS_SIGILL));
        a.bind(segv);
        a.test(Size.S64, Gpr.RAX, Gpr.RAX);
        a.jcc(Cond.E, dfl);
        a.aluImm(AluOp.CMP, Size.S64, Gpr.RAX, (int) GuardHandlerLayout.SIG_IGN);
        a.jcc(Cond.E, done);
        a.jmp(Gpr.RAX); // the previous handler, with (sig, info, uc) still in rdi, rsi, rdx
        a.bind(dfl);
        // rt_sigaction(sig, &{SIG_DFL, 0, 0, 0}, NULL, 8)
        a.aluImm(AluOp.SUB, Size.S64, Gpr.RSP, KERNEL_SIGACTION_BYTES + 8);
        for (int off = 0; off < KERNEL_SIGACTION_BYTES; off += 8) {
            a.movImm(Size.S64, Mem.of(Gpr.RSP, off), 0);
        }
        a.mov(Size.S64, Gpr.RSI, Gpr.RSP);
        a.zero(Gpr.RDX);
        a.movImm(Size.S32, Gpr.R10, GuardHandlerLayout.KERNEL_SIGSET_BYTES);
        a.movImm(Size.S32, Gpr.RAX, SYS_RT_SIGACTION);
        a.emitBytes(new byte[] {0x0F, 0x05}); // syscall
        a.aluImm(AluOp.ADD, Size.S64, Gpr.RSP, KERNEL_SIGACTION_BYTES + 8);
        a.bind(done);
        a.ret();

        // the resume stubs: a trap stub for MEMORY_OUT_OF_BOUNDS, or for the code in r10, followed by
        // the unwind stub
        a.align(16);
        a.bind(resume);
        Gpr vmctx = CodeEmitter.VMCTX;
        a.movImm(Size.S32, Gpr.R10, TrapCode.MEMORY_OUT_OF_BOUNDS.code());
        a.bind(trapResume);
        a.mov(Size.S64, Gpr.R11, Mem.of(vmctx, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S32, Mem.of(Gpr.R11, VMStoreContext.TRAP_CODE), Gpr.R10);
        a.movImm(Size.S32, Gpr.R11, 1); // [rsp] is the faulting instruction, or the ud1's end: a trap site
        X86_64Backend.captureBacktrace(a);
        a.mov(Size.S64, Gpr.R10, Mem.of(vmctx, VMContextLayout.STORE_CONTEXT));
        a.mov(Size.S64, Gpr.RBP, Mem.of(Gpr.R10, VMStoreContext.ENTRY_FRAME));
        X86_64Backend.entryEpilogue(a, vmctx);
        byte[] code = a.finish();
        if (code.length > GuardHandlerLayout.CODE_BYTES || !a.relocations().isEmpty()) {
            throw new IllegalStateException("the signal handler is " + code.length + " bytes with relocations "
                    + a.relocations());
        }
        return code;
    }

    /**
     * Returns from the handler into {@code stub}: pushes {@code rax} on the interrupted stack (its
     * saved {@code rsp} moves down by 8) as the return address of a call to the stub, and rewrites the
     * saved {@code rip} to the stub. Clobbers rax and rcx.
     */
    private static void resumeAt(Assembler a, Label stub) {
        a.mov(Size.S64, Gpr.RCX, Mem.of(Gpr.RDX, UC_RSP));
        a.aluImm(AluOp.SUB, Size.S64, Gpr.RCX, 8);
        a.mov(Size.S64, Mem.of(Gpr.RCX, 0), Gpr.RAX);
        a.mov(Size.S64, Mem.of(Gpr.RDX, UC_RSP), Gpr.RCX);
        a.lea(Size.S64, Gpr.RAX, Mem.rip(stub));
        a.mov(Size.S64, Mem.of(Gpr.RDX, UC_RIP), Gpr.RAX);
        a.ret();
    }

    /**
     * Looks up {@code rax} in the table at {@code data + table} whose slot count is at
     * {@code data + count}: falls through when a slot {@code [start, end)} holds it, jumps to
     * {@code notFound} otherwise. Clobbers rcx, r8, r9.
     */
    private static void scan(Assembler a, Gpr data, int count, int table, Label notFound) {
        Label loop = a.newLabel();
        Label next = a.newLabel();
        Label found = a.newLabel();
        a.mov(Size.S64, Gpr.RCX, Mem.of(data, count));
        a.lea(Size.S64, Gpr.R8, Mem.of(data, table));
        a.bind(loop);
        a.test(Size.S64, Gpr.RCX, Gpr.RCX);
        a.jcc(Cond.E, notFound);
        a.mov(Size.S64, Gpr.R9, Mem.of(Gpr.R8, 8)); // end
        a.test(Size.S64, Gpr.R9, Gpr.R9);
        a.jcc(Cond.E, next); // a free slot
        a.alu(AluOp.CMP, Size.S64, Gpr.RAX, Mem.of(Gpr.R8, 0)); // start
        a.jcc(Cond.B, next);
        a.alu(AluOp.CMP, Size.S64, Gpr.RAX, Gpr.R9);
        a.jcc(Cond.AE, next);
        a.alu(AluOp.CMP, Size.S64, Gpr.R9, Mem.of(Gpr.R8, 8)); // end unchanged since it was read
        a.jcc(Cond.E, found);
        a.bind(next);
        a.aluImm(AluOp.ADD, Size.S64, Gpr.R8, GuardHandlerLayout.SLOT_BYTES);
        a.aluImm(AluOp.SUB, Size.S64, Gpr.RCX, 1);
        a.jmp(loop);
        a.bind(found);
    }
}
