package dev.kiln.fuzz;

import dev.kiln.Engine;
import dev.kiln.Extern;
import dev.kiln.Func;
import dev.kiln.Global;
import dev.kiln.Instance;
import dev.kiln.LinkException;
import dev.kiln.Linker;
import dev.kiln.Memory;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Table;
import dev.kiln.Trap;
import dev.kiln.Val;
import dev.kiln.abi.CompileException;
import dev.kiln.abi.FuncType;
import dev.kiln.abi.TrapCode;
import dev.kiln.abi.ValType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link Plan} in Kiln and writes the observations in the plan's output format (see
 * {@link Plan}): one line per instantiation, host call, export call and final state dump.
 *
 * <p>Runs Wasm code in this JVM: a miscompiled module may hang or crash it, which is why the fuzzer
 * runs this class in a child JVM ({@link Worker}). Not thread-safe.
 */
final class KilnRunner {
    private final Engine engine;

    KilnRunner(Engine engine) {
        this.engine = engine;
    }

    /** Runs the plan in {@code caseDir} and returns the observation lines. */
    List<String> run(Path caseDir) throws Exception {
        Plan plan = Plan.read(caseDir);
        List<String> out = new ArrayList<>();
        Map<String, Instance> instances = new HashMap<>();
        int[] hostCalls = {0};
        try (Store store = new Store(engine)) {
            Linker linker = new Linker();
            for (Plan.Step step : plan.steps()) {
                switch (step) {
                    case Plan.HostFunc h -> {
                        FuncType type = FuncType.of(h.params(), h.results());
                        linker.define(h.module(), h.field(), Func.wrap(store, type, args -> {
                            out.add(Plan.hostLine(h.field(), format(args)));
                            hostCalls[0]++;
                            if (h.reenterInstance() != null) {
                                Instance target = instances.get(h.reenterInstance());
                                if (target != null) {
                                    return target.func(h.reenterExport()).call(args);
                                }
                            }
                            return defaults(h.results(), hostCalls[0]);
                        }));
                    }
                    case Plan.HostMemory m -> linker.define(m.module(), m.field(), Memory.create(store, m.min(), m.max()));
                    case Plan.HostTable t -> linker.define(t.module(), t.field(), Table.create(store, t.elemType(), t.min(), t.max()));
                    case Plan.HostGlobal g -> linker.define(g.module(), g.field(),
                            Global.create(store, g.type(), g.mutable(), toVal(g.type(), g.value())));
                    case Plan.Instantiate i -> {
                        String outcome;
                        try {
                            Module module = Module.compile(engine, Files.readAllBytes(caseDir.resolve(i.file())));
                            Instance instance = linker.instantiate(store, module);
                            instances.put(i.name(), instance);
                            linker.instance(i.name(), instance);
                            outcome = "ok";
                        } catch (CompileException e) {
                            outcome = "compile-error # " + oneLine(e.getMessage());
                        } catch (LinkException e) {
                            outcome = "link-error # " + oneLine(e.getMessage());
                        } catch (Trap t) {
                            outcome = trapOutcome(t);
                        }
                        out.add("instantiate " + i.name() + " " + outcome);
                    }
                    case Plan.Call c -> {
                        Instance instance = instances.get(c.instance());
                        String outcome;
                        if (instance == null) {
                            outcome = "no-instance";
                        } else {
                            Func f = instance.func(c.export());
                            List<ValType> params = f.type().params();
                            Val[] args = new Val[params.size()];
                            for (int k = 0; k < args.length; k++) {
                                args[k] = toVal(params.get(k), c.args().get(k));
                            }
                            try {
                                outcome = format(f.call(args));
                            } catch (Trap t) {
                                outcome = trapOutcome(t);
                            }
                        }
                        out.add("call " + c.instance() + " " + c.export() + " -> " + outcome);
                    }
                    case Plan.Dump d -> {
                        Instance instance = instances.get(d.instance());
                        if (instance == null) {
                            continue;
                        }
                        out.add(switch (d.kind()) {
                            case "memory" -> {
                                Memory m = instance.memory(d.export());
                                MemorySegment seg = m.segment();
                                yield "memory " + d.instance() + " " + d.export() + " pages=" + m.size() + " fnv="
                                        + Integer.toHexString(fnv(seg, m.byteSize()));
                            }
                            case "global" -> "global " + d.instance() + " " + d.export() + " "
                                    + format(instance.global(d.export()).get());
                            default -> {
                                Table t = instance.table(d.export());
                                StringBuilder refs = new StringBuilder();
                                for (long k = 0; k < Math.min(t.size(), Plan.TABLE_DUMP_LIMIT); k++) {
                                    refs.append(t.get(k).isNull() ? '0' : '1');
                                }
                                yield "table " + d.instance() + " " + d.export() + " size=" + t.size() + " refs=" + refs;
                            }
                        });
                    }
                }
            }
        }
        return out;
    }

    private static String trapOutcome(Trap t) {
        return t.kind() == TrapCode.STACK_OVERFLOW ? Plan.EXHAUSTED : "trap # " + t.kind();
    }

    static int fnv(MemorySegment seg, long size) {
        int h = 0x811c9dc5;
        for (long k = 0; k < size; k++) {
            h = (h ^ (seg.get(ValueLayout.JAVA_BYTE, k) & 0xff)) * 0x01000193;
        }
        return h;
    }

    private static Val[] defaults(List<ValType> types, int n) {
        Val[] out = new Val[types.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = toVal(types.get(k), Plan.hostResult(types.get(k), n));
        }
        return out;
    }

    static Val toVal(ValType type, String text) {
        String v = text.substring(text.indexOf(':') + 1);
        return switch (type) {
            case I32 -> Val.i32(Integer.parseInt(v));
            case I64 -> Val.i64(Long.parseLong(v));
            case F32 -> new Val(ValType.F32, Integer.parseUnsignedInt(v.substring(2), 16) & 0xFFFF_FFFFL);
            case F64 -> new Val(ValType.F64, Long.parseUnsignedLong(v.substring(2), 16));
            case EXTERNREF -> v.equals("null") ? Val.nullRef(type) : Val.externref(Integer.valueOf(v));
            case FUNCREF -> Val.nullRef(type);
            default -> throw new IllegalArgumentException("no plan values of type " + type);
        };
    }

    static String format(Val... vals) {
        List<String> parts = new ArrayList<>();
        for (Val v : vals) {
            parts.add(switch (v.type()) {
                case I32 -> Plan.i32(v.i32());
                case I64 -> Plan.i64(v.i64());
                case F32 -> Plan.f32((int) v.bits());
                case F64 -> Plan.f64(v.bits());
                case FUNCREF -> v.isNull() ? "funcref:null" : "funcref:func";
                case EXTERNREF -> v.isNull() ? "externref:null" : "externref:" + v.ref();
                default -> v.type() + ":?";
            });
        }
        return parts.isEmpty() ? "()" : String.join(" ", parts);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ');
    }
}
