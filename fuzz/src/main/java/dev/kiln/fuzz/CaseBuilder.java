package dev.kiln.fuzz;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import dev.kiln.compiler.wasm.Export;
import dev.kiln.compiler.wasm.GlobalType;
import dev.kiln.compiler.wasm.Import;
import dev.kiln.compiler.wasm.ImportDesc;
import dev.kiln.compiler.wasm.MemoryType;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.TableType;
import dev.kiln.compiler.wasm.WasmModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Writes a fuzz case directory from its modules alone: the modules ({@code m0.wasm}, {@code m1.wasm},
 * ... instantiated in that order under the names {@code m0}, {@code m1}, ...), {@code plan.txt} (see
 * {@link Plan}) and {@code signatures.json} (the export types, which the JS API cannot tell).
 *
 * <p>Imports are satisfied by name: a module name {@code mJ} of an earlier instance links to that
 * instance's export; every other import is a host definition (a function import whose field is
 * {@code reenter.INSTANCE.EXPORT} calls that export back, any other function logs its arguments;
 * memories, tables and globals are created with the imported limits and type). After all
 * instantiations every exported function of every instance is called once, in export order, with
 * arguments drawn from {@code argSeed}; then every exported memory, global and table is dumped.
 * Because the plan depends only on the modules and the seed, a reducer may change a module freely.
 */
final class CaseBuilder {
    private CaseBuilder() {
    }

    static void write(Path dir, List<byte[]> modules, long argSeed) throws IOException {
        Files.createDirectories(dir);
        Random random = new Random(argSeed);
        List<String> plan = new ArrayList<>();
        List<String> calls = new ArrayList<>();
        List<String> dumps = new ArrayList<>();
        Map<String, Map<String, String>> signatures = new LinkedHashMap<>();
        Set<String> defined = new HashSet<>();
        for (int m = 0; m < modules.size(); m++) {
            String name = "m" + m;
            Files.write(dir.resolve(name + ".wasm"), modules.get(m));
            WasmModule module;
            try {
                module = ModuleDecoder.decode(modules.get(m));
            } catch (RuntimeException e) {
                plan.add("instantiate " + name + " " + name + ".wasm"); // both engines should reject it
                continue;
            }
            for (Import imp : module.imports()) {
                if (imp.module().matches("m[0-9]+") && Integer.parseInt(imp.module().substring(1)) < m) {
                    continue;
                }
                if (!defined.add(imp.module() + "\0" + imp.name())) {
                    continue;
                }
                plan.add(hostDefinition(module, imp));
            }
            plan.add("instantiate " + name + " " + name + ".wasm");
            Map<String, String> sigs = new LinkedHashMap<>();
            for (Export e : module.exports()) {
                switch (e.kind()) {
                    case FUNC -> {
                        FuncType t = safeType(module, e.index());
                        if (t == null) {
                            continue;
                        }
                        sigs.put(e.name(), "{\"params\":" + json(t.params()) + ",\"results\":" + json(t.results()) + "}");
                        StringBuilder call = new StringBuilder("call " + name + " " + e.name());
                        for (ValType p : t.params()) {
                            call.append(' ').append(randomValue(p, random));
                        }
                        calls.add(call.toString());
                    }
                    case GLOBAL -> {
                        if (e.index() < module.globalCount()) {
                            sigs.put(e.name(), "{\"type\":\"" + Plan.name(module.globalType(e.index()).valType()) + "\"}");
                            dumps.add("global " + name + " " + e.name());
                        }
                    }
                    case MEMORY -> dumps.add("memory " + name + " " + e.name());
                    case TABLE -> dumps.add("table " + name + " " + e.name());
                }
            }
            signatures.put(name, sigs);
        }
        plan.addAll(calls);
        plan.addAll(dumps);
        Files.write(dir.resolve("plan.txt"), plan);
        StringBuilder json = new StringBuilder("{");
        signatures.forEach((inst, sigs) -> {
            json.append(json.length() > 1 ? "," : "").append('"').append(inst).append("\":{");
            int k = 0;
            for (Map.Entry<String, String> s : sigs.entrySet()) {
                json.append(k++ > 0 ? "," : "").append(jsonString(s.getKey())).append(':').append(s.getValue());
            }
            json.append('}');
        });
        Files.writeString(dir.resolve("signatures.json"), json.append('}').toString());
    }

    private static FuncType safeType(WasmModule module, int funcidx) {
        try {
            return funcidx < module.functionCount() ? module.functionType(funcidx) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String hostDefinition(WasmModule module, Import imp) {
        String where = imp.module() + " " + imp.name();
        return switch (imp.desc()) {
            case ImportDesc.Func f -> {
                FuncType t = f.typeIndex() < module.types().size() ? module.types().get(f.typeIndex()) : FuncType.of(List.of(), List.of());
                String behaviour = "log";
                if (imp.name().startsWith("reenter.")) {
                    String[] parts = imp.name().split("\\.", 3);
                    behaviour = "reenter:" + parts[1] + ":" + parts[2];
                }
                yield "hostfunc " + where + " " + Plan.typeList(t.params()) + " " + Plan.typeList(t.results()) + " " + behaviour;
            }
            case MemoryType mt -> "hostmemory " + where + " " + mt.limits().min() + " " + (mt.limits().hasMax() ? mt.limits().max() : "-");
            case TableType tt -> "hosttable " + where + " " + Plan.name(tt.elemType()) + " " + tt.limits().min() + " "
                    + (tt.limits().hasMax() ? tt.limits().max() : "-");
            case GlobalType gt -> "hostglobal " + where + " " + Plan.name(gt.valType()) + " " + (gt.mutable() ? "mut" : "const")
                    + " " + Plan.hostResult(gt.valType(), imp.name().length());
            case ImportDesc.Tag t -> throw new UnsupportedOperationException("import " + where
                    + ": the differential fuzzer's plans have no host tags");
        };
    }

    private static final int[] I32S = {0, 1, -1, 2, 7, 255, 256, 65535, 65536, Integer.MIN_VALUE, Integer.MAX_VALUE};
    private static final long[] F64S = {0, 0x8000000000000000L, 0x3ff0000000000000L, 0x7ff0000000000000L,
            0xfff0000000000000L, 0x7ff8000000000000L, 0x41dfffffffc00000L, 0x43e0000000000000L, 1L};
    private static final int[] F32S = {0, 0x80000000, 0x3f800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x4f000000, 1};

    static String randomValue(ValType type, Random r) {
        boolean special = r.nextInt(3) > 0;
        return switch (type) {
            case I32 -> Plan.i32(special ? I32S[r.nextInt(I32S.length)] : r.nextInt());
            case I64 -> Plan.i64(special ? I32S[r.nextInt(I32S.length)] * (r.nextBoolean() ? 1L : 0x1_0000_0001L) : r.nextLong());
            case F32 -> "f32:0x" + Integer.toHexString(special ? F32S[r.nextInt(F32S.length)] : Float.floatToRawIntBits(r.nextFloat() * 100));
            case F64 -> "f64:0x" + Long.toHexString(special ? F64S[r.nextInt(F64S.length)] : Double.doubleToRawLongBits(r.nextDouble() * 1e6));
            case EXTERNREF -> r.nextBoolean() ? "externref:null" : "externref:" + r.nextInt(100);
            default -> Plan.name(type) + ":null";
        };
    }

    private static String json(List<ValType> types) {
        List<String> names = new ArrayList<>();
        for (ValType t : types) {
            names.add('"' + Plan.name(t) + '"');
        }
        return "[" + String.join(",", names) + "]";
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
