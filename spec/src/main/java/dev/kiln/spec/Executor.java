package dev.kiln.spec;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Trap;
import dev.kiln.Val;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.text.Action;
import dev.kiln.compiler.text.Command;
import dev.kiln.compiler.text.Expected;
import dev.kiln.compiler.text.Value;
import dev.kiln.compiler.text.WastModule;
import dev.kiln.spec.SpecRunner.CommandResult;
import dev.kiln.spec.SpecRunner.Outcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The executing half of a script run: compiles and instantiates modules in one {@link Store} and
 * performs actions on them. Not thread-safe: one per script run.
 */
final class Executor implements AutoCloseable {
    /** One engine per set of compile options, made on first use. */
    private static final Map<CompileOptions, Engine> ENGINES = new java.util.concurrent.ConcurrentHashMap<>();

    private static Engine engine(CompileOptions options) {
        return ENGINES.computeIfAbsent(options, o -> Engine.builder()
                .compileOptions(o)
                .stackBudget(256 * 1024)
                .build());
    }

    /** The options of a spec run: the defaults with IR verification and bounds checks {@code boundsChecks}. */
    static CompileOptions options(dev.kiln.abi.BoundsChecks boundsChecks) {
        return CompileOptions.defaults().withVerifyIr(true).withBoundsChecks(boundsChecks);
    }

    /** Raised when a command cannot run yet; the command is reported as skipped with the reason. */
    private static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Raised when a command runs against a module that failed (to decode, validate, compile or
     * instantiate); the command is reported as failed with the reason.
     */
    private static final class Failed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failed(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Stands for a module or instance that does not exist because its command failed ({@code failed})
     * or because Kiln cannot run it yet (not {@code failed}).
     */
    private record Absent(String reason, boolean failed) {
        RuntimeException exception() {
            return failed ? new Failed(reason) : new Unsupported(reason);
        }
    }

    private final boolean aot;
    private final Engine engine;
    private final Store store;
    /** Instances by {@code $id}: an {@link Instance} or an {@link Absent}. */
    private final Map<String, Object> named = new HashMap<>();
    /** The current module's instance, or an {@link Absent} saying why there is none. */
    private Object current = new Absent("no module yet", true);
    /** Module definitions by {@code $id}: a {@link Module} or an {@link Absent}. */
    private final Map<String, Object> definitions = new HashMap<>();
    /** The most recent module definition: a {@link Module} or an {@link Absent}. */
    private Object lastDefinition = new Absent("no module definition yet", true);
    /** Instances created before a skipped module that imports may have had their shared state changed by it. */
    private final Map<Instance, Integer> epochs = new java.util.IdentityHashMap<>();
    private int epoch;
    private int taintedBefore = -1;
    private String taint;

    private final dev.kiln.Linker linker = new dev.kiln.Linker();

    Executor(boolean aot) {
        this(aot, CompileOptions.DEFAULT_BOUNDS_CHECKS);
    }

    /** An executor whose modules are compiled with bounds checks {@code boundsChecks}. */
    Executor(boolean aot, dev.kiln.abi.BoundsChecks boundsChecks) {
        this(aot, options(boundsChecks));
    }

    /** An executor whose modules are compiled with {@code options}. */
    Executor(boolean aot, CompileOptions options) {
        this.aot = aot;
        this.engine = engine(options);
        this.store = new Store(engine);
        defineSpectest();
    }

    /**
     * The {@code spectest} host module of the reference interpreter: {@code print*} functions (they
     * print nothing here), {@code global_i32/i64/f32/f64} (666, 666.6), {@code table} (10..20 funcref),
     * {@code table64} (the same with address type i64) and {@code memory} (1..2 pages).
     */
    private void defineSpectest() {
        define("print");
        define("print_i32", ValType.I32);
        define("print_i64", ValType.I64);
        define("print_f32", ValType.F32);
        define("print_f64", ValType.F64);
        define("print_i32_f32", ValType.I32, ValType.F32);
        define("print_f64_f64", ValType.F64, ValType.F64);
        linker.define("spectest", "global_i32", dev.kiln.Global.create(store, ValType.I32, false, Val.i32(666)));
        linker.define("spectest", "global_i64", dev.kiln.Global.create(store, ValType.I64, false, Val.i64(666)));
        linker.define("spectest", "global_f32", dev.kiln.Global.create(store, ValType.F32, false, Val.f32(666.6f)));
        linker.define("spectest", "global_f64", dev.kiln.Global.create(store, ValType.F64, false, Val.f64(666.6)));
        linker.define("spectest", "table", dev.kiln.Table.create(store, ValType.FUNCREF, 10, 20));
        linker.define("spectest", "table64", dev.kiln.Table.create(store, ValType.FUNCREF, 10, 20, true));
        linker.define("spectest", "memory", dev.kiln.Memory.create(store, 1, 2));
    }

    private void define(String name, ValType... params) {
        linker.define("spectest", name, Func.wrap(store, dev.kiln.abi.FuncType.of(java.util.List.of(params),
                java.util.List.of()), args -> new Val[0]));
    }

    /**
     * Registered names whose module could not run: imports from them fail when that module failed and
     * are skipped when Kiln cannot run it yet.
     */
    private final Map<String, Absent> unavailable = new HashMap<>();

    CommandResult register(Command.Register c) {
        CommandResult r = run(c.line(), "register", () -> {
            linker.instance(c.name(), instance(c.moduleId()));
            return null;
        });
        if (r.outcome() != Outcome.PASSED) {
            unavailable.put(c.name(), new Absent("imports from \"" + c.name() + "\", whose module could not run ("
                    + r.detail() + ")", r.outcome() == Outcome.FAILED));
        }
        return r;
    }

    CommandResult assertUnlinkable(Command.AssertUnlinkable c) {
        return runModuleCheck(c.line(), "assert_unlinkable", c.module(), () -> {
            Module m = compile(c.module());
            try {
                newInstance(m);
                return "linked, expected: " + c.message();
            } catch (dev.kiln.LinkException e) {
                return e.getMessage().startsWith(c.message()) ? null
                        : "failed with \"" + e.getMessage() + "\", expected \"" + c.message() + "\"";
            }
        });
    }

    @Override
    public void close() {
        store.close();
    }

    private Module compile(WastModule m) {
        try {
            Module module = Module.compile(engine, m.binary());
            if (!aot) {
                return module;
            }
            Path file = Files.createTempFile("kiln-spec", ".kiln");
            try {
                Files.write(file, module.serialize());
                return Module.load(engine, file);
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (CompileException e) {
            String msg = e.getMessage();
            if (msg.contains("not supported")) {
                throw new Unsupported(msg);
            }
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (UnsupportedOperationException e) {
            throw new Unsupported(e.getMessage());
        }
    }

    private Instance newInstance(Module module) {
        for (Module.ImportType imp : module.imports()) {
            Absent a = unavailable.get(imp.module());
            if (a != null && linker.get(imp.module(), imp.name()) == null) {
                throw a.exception();
            }
        }
        try {
            Instance i = linker.instantiate(store, module);
            epochs.put(i, epoch);
            return i;
        } catch (UnsupportedOperationException e) {
            throw new Unsupported(e.getMessage());
        }
    }

    /**
     * A module that could not run but imports from other modules might have changed their shared
     * memories, tables or globals (data segments, start functions): results of instances that existed
     * before it are no longer predictable, so their later commands are skipped.
     */
    private void taintIfImporting(WastModule m, String reason) {
        try {
            byte[] bytes = m.binary();
            if (!dev.kiln.compiler.wasm.ModuleDecoder.decode(bytes).imports().isEmpty()) {
                taintedBefore = ++epoch;
                taint = "an earlier module that imports from it could not run (" + reason + ")";
            }
        } catch (RuntimeException e) {
            // not decodable: it cannot have run anywhere
        }
    }

    CommandResult instantiate(Command.Module c) {
        Object result;
        CommandResult r;
        try {
            result = newInstance(compile(c.module()));
            r = new CommandResult(c.line(), "module", Outcome.PASSED, "");
        } catch (Unsupported e) {
            result = new Absent("module at line " + c.line() + " is not executable yet: " + e.getMessage(), false);
            r = new CommandResult(c.line(), "module", Outcome.SKIPPED, e.getMessage());
            taintIfImporting(c.module(), e.getMessage());
        } catch (Failed e) {
            result = new Absent("module at line " + c.line() + " failed: " + e.getMessage(), true);
            r = new CommandResult(c.line(), "module", Outcome.FAILED, e.getMessage());
        } catch (RuntimeException e) {
            result = new Absent("module at line " + c.line() + " failed: " + e, true);
            r = new CommandResult(c.line(), "module", Outcome.FAILED, "compile or instantiate: " + e);
        }
        becomeCurrent(c.module().id(), result);
        return r;
    }

    private void becomeCurrent(String id, Object instanceOrAbsent) {
        current = instanceOrAbsent;
        if (id != null) {
            named.put(id, instanceOrAbsent);
        }
    }

    /**
     * A {@code module} command whose module did not decode or validate ({@code r} says why): it still
     * becomes the current module, as a failure, so that later commands fail rather than run against an
     * older instance.
     */
    CommandResult failed(WastModule m, CommandResult r) {
        becomeCurrent(m.id(), new Absent("module at line " + r.line() + " failed: " + r.detail(), true));
        return r;
    }

    /** A {@code module definition} whose module did not decode or validate. */
    CommandResult failedDefinition(WastModule m, CommandResult r) {
        Absent a = new Absent("module definition at line " + r.line() + " failed: " + r.detail(), true);
        lastDefinition = a;
        if (m.id() != null) {
            definitions.put(m.id(), a);
        }
        return r;
    }

    /** {@code (module definition $M ...)}: compiles the module, to be instantiated by {@code module instance}. */
    CommandResult define(Command.ModuleDefinition c) {
        Object result;
        CommandResult r;
        try {
            result = compile(c.module());
            r = new CommandResult(c.line(), "module definition", Outcome.PASSED, "");
        } catch (Unsupported e) {
            result = new Absent("module definition at line " + c.line() + " is not executable yet: " + e.getMessage(),
                    false);
            r = new CommandResult(c.line(), "module definition", Outcome.SKIPPED, e.getMessage());
        } catch (RuntimeException e) {
            result = new Absent("module definition at line " + c.line() + " failed: " + e, true);
            r = new CommandResult(c.line(), "module definition", Outcome.FAILED, "compile: " + e);
        }
        lastDefinition = result;
        if (c.module().id() != null) {
            definitions.put(c.module().id(), result);
        }
        return r;
    }

    /** {@code (module instance $I $M)}: instantiates a definition and makes it the current module. */
    CommandResult instantiate(Command.ModuleInstance c) {
        Object def = c.moduleId() == null ? lastDefinition : definitions.get(c.moduleId());
        Object result;
        CommandResult r;
        try {
            if (def == null) {
                throw new Failed("no module definition " + c.moduleId());
            }
            if (def instanceof Absent a) {
                throw a.exception();
            }
            result = newInstance((Module) def);
            r = new CommandResult(c.line(), "module instance", Outcome.PASSED, "");
        } catch (Unsupported e) {
            result = new Absent("module instance at line " + c.line() + " is not executable yet: " + e.getMessage(),
                    false);
            r = new CommandResult(c.line(), "module instance", Outcome.SKIPPED, e.getMessage());
        } catch (RuntimeException e) {
            String why = e instanceof Failed ? e.getMessage() : "instantiate: " + e;
            result = new Absent("module instance at line " + c.line() + " failed: " + why, true);
            r = new CommandResult(c.line(), "module instance", Outcome.FAILED, why);
        }
        becomeCurrent(c.instanceId(), result);
        return r;
    }

    /** A command the script parser could not read: failed; an unreadable module also becomes current. */
    CommandResult unreadable(Command.Unreadable u) {
        if (u.kind().equals("module")) {
            becomeCurrent(null, new Absent("module at line " + u.line() + " could not be parsed: " + u.reason(), true));
        }
        return new CommandResult(u.line(), u.kind(), Outcome.FAILED, "could not parse: " + u.reason());
    }

    private Instance instance(String moduleId) {
        Object o = moduleId == null ? current : named.get(moduleId);
        if (o == null) {
            throw new Failed("module " + moduleId + " is not defined (neither registered nor instantiated)");
        }
        if (o instanceof Instance i) {
            if (taint != null && epochs.getOrDefault(i, 0) < taintedBefore) {
                throw new Unsupported(taint);
            }
            return i;
        }
        throw ((Absent) o).exception();
    }

    private static Val toVal(Value v) {
        return switch (v) {
            case Value.Num n -> switch (n.type()) {
                case I32 -> Val.i32((int) n.bits());
                case F32 -> new Val(ValType.F32, n.bits() & 0xFFFF_FFFFL);
                default -> new Val(n.type(), n.bits());
            };
            case Value.V128 x -> Val.v128(x.bytes());
            case Value.RefNull r -> Val.nullRef(r.type());
            case Value.RefExtern r -> Val.externref(Long.valueOf(r.id()));
        };
    }

    private Val[] perform(Action action) {
        Instance inst = instance(action.moduleId());
        switch (action) {
            case Action.Invoke inv -> {
                Func f = inst.getFunc(inv.name()).orElseThrow(() -> new IllegalStateException("no export " + inv.name()));
                Val[] args = new Val[inv.args().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = toVal(inv.args().get(i));
                }
                return f.call(args);
            }
            case Action.Get get -> {
                return new Val[] {inst.global(get.name()).get()};
            }
        }
    }

    CommandResult perform(Command.Perform c) {
        return run(c.line(), "action", () -> {
            perform(c.action());
            return null;
        });
    }

    CommandResult assertReturn(Command.AssertReturn c) {
        return run(c.line(), "assert_return", () -> {
            Val[] got = perform(c.action());
            if (got.length != c.expected().size()) {
                return "got " + got.length + " results, expected " + c.expected().size();
            }
            for (int i = 0; i < got.length; i++) {
                String why = mismatch(c.expected().get(i), got[i]);
                if (why != null) {
                    return "result " + i + ": " + why;
                }
            }
            return null;
        });
    }

    private static String describe(Expected e) {
        return switch (e) {
            case Expected.Exact x -> x.value() instanceof Value.V128 ? "v128" : "reference";
            case Expected.V128Lanes l -> "v128";
            case Expected.AnyRefFunc f -> "funcref";
            case Expected.AnyRefExtern x -> "externref";
            case Expected.AnyRefNull x -> "null reference";
            case Expected.AnyRefOf x -> x.kind();
            case Expected.Either x -> "alternative";
            default -> e.toString();
        };
    }

    private static String mismatch(Expected e, Val got) {
        switch (e) {
            case Expected.Exact x when x.value() instanceof Value.RefNull r -> {
                return got.type() == r.type() && got.isNull() ? null : "got " + got + ", expected " + r;
            }
            case Expected.Exact x when x.value() instanceof Value.RefExtern r -> {
                return got.type() == ValType.EXTERNREF && Long.valueOf(r.id()).equals(got.ref()) ? null
                        : "got " + got + ", expected ref.extern " + r.id();
            }
            case Expected.AnyRefFunc f -> {
                return got.type() == ValType.FUNCREF && !got.isNull() ? null : "got " + got + ", expected a funcref";
            }
            case Expected.Exact x when x.value() instanceof Value.V128 v -> {
                return got.type() == ValType.V128 && java.util.Arrays.equals(got.v128Bytes(), v.bytes()) ? null
                        : "got " + got + ", expected " + v;
            }
            case Expected.V128Lanes l -> {
                return v128LanesMismatch(l, got);
            }
            case Expected.Either x -> {
                for (Expected alternative : x.alternatives()) {
                    if (mismatch(alternative, got) == null) {
                        return null;
                    }
                }
                return "got " + got + ", expected one of " + x.alternatives();
            }
            case Expected.AnyRefExtern f -> {
                return got.type() == ValType.EXTERNREF && !got.isNull() ? null : "got " + got + ", expected an externref";
            }
            case Expected.AnyRefNull n -> {
                return got.type().isReference() && got.isNull() ? null : "got " + got + ", expected a null reference";
            }
            case Expected.Exact x -> {
                Value.Num n = (Value.Num) x.value();
                long want = n.type() == ValType.I32 ? (int) n.bits() : n.type() == ValType.F32 ? n.bits() & 0xFFFF_FFFFL : n.bits();
                if (got.type() != n.type() || got.bits() != want) {
                    return "got " + got + " (0x" + Long.toHexString(got.bits()) + "), expected " + n;
                }
                return null;
            }
            case Expected.CanonicalNan c -> {
                boolean ok = c.type() == ValType.F32 ? (got.bits() & 0x7FFF_FFFFL) == 0x7FC0_0000L
                        : (got.bits() & Long.MAX_VALUE) == 0x7FF8_0000_0000_0000L;
                return ok && got.type() == c.type() ? null : "got " + got + ", expected nan:canonical";
            }
            case Expected.ArithmeticNan a -> {
                boolean ok = a.type() == ValType.F32
                        ? (got.bits() & 0x7FC0_0000L) == 0x7FC0_0000L
                        : (got.bits() & 0x7FF8_0000_0000_0000L) == 0x7FF8_0000_0000_0000L;
                return ok && got.type() == a.type() ? null : "got " + got + ", expected nan:arithmetic";
            }
            default -> throw new Unsupported("expected " + e + " is not supported yet");
        }
    }

    /** Checks a v128 result lane by lane against {@code f32x4}/{@code f64x2} patterns (NaN patterns included). */
    private static String v128LanesMismatch(Expected.V128Lanes l, Val got) {
        if (got.type() != ValType.V128) {
            return "got " + got + ", expected a v128";
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(got.v128Bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int width = l.laneType() == ValType.F32 ? 4 : 8;
        for (int k = 0; k < l.lanes().size(); k++) {
            long bits = width == 4 ? b.getInt(4 * k) & 0xFFFF_FFFFL : b.getLong(8 * k);
            String why = mismatch(l.lanes().get(k), new Val(l.laneType(), bits));
            if (why != null) {
                return "lane " + k + " of " + got + ": " + why;
            }
        }
        return null;
    }

    CommandResult assertTrap(Command.AssertTrap c) {
        if (c.module() != null) {
            return runModuleCheck(c.line(), "assert_trap", c.module(), () -> {
                Module m = compile(c.module());
                try {
                    current = newInstance(m);
                    return "instantiated, expected a trap: " + c.message();
                } catch (Trap t) {
                    return messageMatches(t.getMessage(), c.message()) ? null
                            : "trapped with \"" + t.getMessage() + "\", expected \"" + c.message() + "\"";
                }
            });
        }
        return run(c.line(), "assert_trap", () -> {
            try {
                perform(c.action());
                return "returned, expected a trap: " + c.message();
            } catch (Trap t) {
                return messageMatches(t.getMessage(), c.message()) ? null
                        : "trapped with \"" + t.getMessage() + "\", expected \"" + c.message() + "\"";
            }
        });
    }

    CommandResult assertException(Command.AssertException c) {
        return run(c.line(), "assert_exception", () -> {
            try {
                perform(c.action());
                return "returned, expected an exception";
            } catch (dev.kiln.WasmException e) {
                return null;
            } catch (Trap t) {
                return "trapped with \"" + t.getMessage() + "\", expected an exception";
            }
        });
    }

    CommandResult assertExhaustion(Command.AssertExhaustion c) {
        return run(c.line(), "assert_exhaustion", () -> {
            try {
                perform(c.action());
                return "returned, expected stack exhaustion";
            } catch (Trap t) {
                return messageMatches(t.getMessage(), c.message()) ? null
                        : "trapped with \"" + t.getMessage() + "\", expected \"" + c.message() + "\"";
            }
        });
    }

    CommandResult assertUninstantiable(Command.AssertUninstantiable c) {
        return runModuleCheck(c.line(), "assert_uninstantiable", c.module(), () -> {
            Module m = compile(c.module());
            try {
                newInstance(m);
                return "instantiated, expected a failure: " + c.message();
            } catch (Trap t) {
                return messageMatches(t.getMessage(), c.message()) ? null
                        : "failed with \"" + t.getMessage() + "\", expected \"" + c.message() + "\"";
            }
        });
    }

    /**
     * Whether a trap message matches the script's: the reference interpreter sometimes adds details
     * (an element index: "uninitialized element 2") to the spec's wording that Kiln reports.
     */
    private static boolean messageMatches(String actual, String expected) {
        int newline = actual.indexOf('\n');
        if (newline >= 0) {
            actual = actual.substring(0, newline); // a trap's Wasm backtrace follows its message
        }
        return actual.startsWith(expected) || expected.startsWith(actual + " ");
    }

    private interface Check {
        /** @return null when the command passed, else why it failed */
        String run();
    }

    private CommandResult runModuleCheck(int line, String kind, WastModule m, Check check) {
        CommandResult r = run(line, kind, check);
        if (r.outcome() == Outcome.SKIPPED) {
            taintIfImporting(m, r.detail());
        }
        return r;
    }

    private static CommandResult run(int line, String kind, Check check) {
        try {
            String failure = check.run();
            return failure == null ? new CommandResult(line, kind, Outcome.PASSED, "")
                    : new CommandResult(line, kind, Outcome.FAILED, failure);
        } catch (Unsupported e) {
            return new CommandResult(line, kind, Outcome.SKIPPED, e.getMessage());
        } catch (Failed e) {
            return new CommandResult(line, kind, Outcome.FAILED, e.getMessage());
        } catch (RuntimeException e) {
            return new CommandResult(line, kind, Outcome.FAILED, "unexpected " + e);
        }
    }
}
