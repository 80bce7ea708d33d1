package dev.kiln.fuzz;

import dev.kiln.abi.ValType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What to do with the modules of one fuzz case, in the same words for every engine: the file
 * {@code plan.txt} in the case directory, read by {@link KilnRunner} and by the V8 runner
 * ({@code v8-runner.js}). One step per line, tokens separated by spaces:
 *
 * <pre>
 * hostfunc   MODULE FIELD PARAMS RESULTS BEHAVIOUR   types comma-separated or "-"; BEHAVIOUR is "log"
 *                                                    or "reenter:INSTANCE:EXPORT" (calls that export with
 *                                                    the host call's arguments and returns its results)
 * hostmemory MODULE FIELD MIN MAX                    MIN, MAX in 64 KiB pages, MAX "-" for none
 * hosttable  MODULE FIELD ELEMTYPE MIN MAX           ELEMTYPE funcref or externref
 * hostglobal MODULE FIELD TYPE mut|const VALUE
 * instantiate NAME FILE                              compiles FILE and instantiates it; imports come
 *                                                    from the host definitions and earlier instances
 * call INSTANCE EXPORT ARGS...
 * memory|global|table INSTANCE EXPORT                dumps the final state of an export
 * </pre>
 *
 * <p>Values are written {@code i32:-5}, {@code i64:7}, {@code f32:0x3fc00000} and {@code f64:0x...}
 * (bits), {@code externref:null} or {@code externref:ID}, {@code funcref:null}. Observations (the
 * runners' output, one line each) use the same notation except that every NaN is written {@code nan}
 * (payloads are not compared); text after {@code " # "} is a detail that is not compared.
 * Every host function logs {@code host FIELD ARGS} and, unless it re-enters, returns
 * {@link #hostResult} of its call number within the case.
 */
record Plan(List<Step> steps) {
    /** At most this many table entries are compared. */
    static final int TABLE_DUMP_LIMIT = 256;
    /** The outcome of a call that ran out of stack: allowed to differ between engines. */
    static final String EXHAUSTED = "exhausted";

    sealed interface Step permits HostFunc, HostMemory, HostTable, HostGlobal, Instantiate, Call, Dump {
    }

    record HostFunc(String module, String field, List<ValType> params, List<ValType> results,
                    String reenterInstance, String reenterExport) implements Step {
    }

    record HostMemory(String module, String field, long min, long max) implements Step {
    }

    record HostTable(String module, String field, ValType elemType, long min, long max) implements Step {
    }

    record HostGlobal(String module, String field, ValType type, boolean mutable, String value) implements Step {
    }

    record Instantiate(String name, String file) implements Step {
    }

    record Call(String instance, String export, List<String> args) implements Step {
    }

    record Dump(String kind, String instance, String export) implements Step {
    }

    static Plan read(Path caseDir) throws IOException {
        List<Step> steps = new ArrayList<>();
        for (String line : Files.readAllLines(caseDir.resolve("plan.txt"))) {
            if (line.isBlank()) {
                continue;
            }
            String[] t = line.split(" ");
            steps.add(switch (t[0]) {
                case "hostfunc" -> {
                    String[] re = t[5].startsWith("reenter:") ? t[5].split(":", 3) : null;
                    yield new HostFunc(t[1], t[2], types(t[3]), types(t[4]), re == null ? null : re[1], re == null ? null : re[2]);
                }
                case "hostmemory" -> new HostMemory(t[1], t[2], Long.parseLong(t[3]), limit(t[4]));
                case "hosttable" -> new HostTable(t[1], t[2], valType(t[3]), Long.parseLong(t[4]), limit(t[5]));
                case "hostglobal" -> new HostGlobal(t[1], t[2], valType(t[3]), t[4].equals("mut"), t[5]);
                case "instantiate" -> new Instantiate(t[1], t[2]);
                case "call" -> new Call(t[1], t[2], Arrays.asList(t).subList(3, t.length));
                case "memory", "global", "table" -> new Dump(t[0], t[1], t[2]);
                default -> throw new IOException("unknown plan step: " + line);
            });
        }
        return new Plan(steps);
    }

    private static long limit(String s) {
        return s.equals("-") ? -1 : Long.parseLong(s);
    }

    static List<ValType> types(String s) {
        List<ValType> out = new ArrayList<>();
        if (!s.equals("-")) {
            for (String p : s.split(",")) {
                out.add(valType(p));
            }
        }
        return out;
    }

    static String typeList(List<ValType> types) {
        if (types.isEmpty()) {
            return "-";
        }
        List<String> names = new ArrayList<>();
        for (ValType t : types) {
            names.add(name(t));
        }
        return String.join(",", names);
    }

    static String name(ValType t) {
        return t.toString().toLowerCase(java.util.Locale.ROOT);
    }

    static ValType valType(String s) {
        for (ValType t : ValType.values()) {
            if (name(t).equals(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown value type " + s);
    }

    static String hostLine(String field, String args) {
        return "host " + field + " " + args;
    }

    /** What a logging host function returns for a result of type {@code t} on its {@code n}th call. */
    static String hostResult(ValType t, int n) {
        return switch (t) {
            case I32 -> i32(n * 7 - 3);
            case I64 -> i64(n * 1_000_003L - 1);
            case F32 -> "f32:0x" + Integer.toHexString(Float.floatToRawIntBits(n + 0.5f));
            case F64 -> "f64:0x" + Long.toHexString(Double.doubleToRawLongBits(-n - 0.25));
            default -> name(t) + ":null";
        };
    }

    static String i32(int v) {
        return "i32:" + v;
    }

    static String i64(long v) {
        return "i64:" + v;
    }

    static String f32(int bits) {
        return Float.isNaN(Float.intBitsToFloat(bits)) ? "f32:nan" : "f32:0x" + Integer.toHexString(bits);
    }

    static String f64(long bits) {
        return Double.isNaN(Double.longBitsToDouble(bits)) ? "f64:nan" : "f64:0x" + Long.toHexString(bits);
    }
}
