package dev.kiln;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.FuncType;
import dev.kiln.abi.ValType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 23's soak: modules whose export and host import have signatures never seen before, compiled,
 * instantiated, called and closed one after another in one JVM with default settings. Before
 * signature shapes were shared, every new signature left downcall and upcall stubs in the code
 * cache's non-nmethods heap, which filled after about 1,100-4,100 modules.
 */
class SignatureSoakTest {
    private static final ValType[] TYPES = {ValType.I32, ValType.I64, ValType.F32, ValType.F64};

    /** Signature {@code n}: the base-4 digits of n (and its digit count) pick the parameter types. */
    static List<ValType> params(int n) {
        List<ValType> out = new ArrayList<>();
        int len = 1;
        int first = 0;
        int count = 4;
        while (n >= first + count) {
            first += count;
            count *= 4;
            len++;
        }
        int k = n - first;
        for (int i = 0; i < len; i++) {
            out.add(TYPES[k & 3]);
            k >>>= 2;
        }
        return out;
    }

    private static String wat(List<ValType> params, ValType result) {
        StringBuilder p = new StringBuilder();
        StringBuilder get = new StringBuilder();
        for (int i = 0; i < params.size(); i++) {
            p.append(' ').append(params.get(i).toString().toLowerCase());
            get.append(" (local.get ").append(i).append(')');
        }
        String r = result.toString().toLowerCase();
        return "(module (import \"env\" \"h\" (func $h (param" + p + ") (result " + r + ")))"
                + " (func (export \"f\") (param" + p + ") (result " + r + ") (call $h" + get + ")))";
    }

    /**
     * Bytes used in each code heap and in the Java heap after a GC, from the JVM's
     * {@code MemoryPoolMXBean}s. Read reflectively: the tests are compiled into module dev.kiln,
     * which does not read java.management, and run on the class path, where everything is readable.
     */
    private static Map<String, Long> pools() throws ReflectiveOperationException {
        System.gc();
        Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
        Class<?> poolType = Class.forName("java.lang.management.MemoryPoolMXBean");
        Class<?> usageType = Class.forName("java.lang.management.MemoryUsage");
        Map<String, Long> out = new LinkedHashMap<>();
        long heap = 0;
        for (Object pool : (List<?>) factory.getMethod("getMemoryPoolMXBeans").invoke(null)) {
            String name = (String) poolType.getMethod("getName").invoke(pool);
            long used = (long) usageType.getMethod("getUsed").invoke(poolType.getMethod("getUsage").invoke(pool));
            if (name.startsWith("CodeHeap") || name.equals("CodeCache")) {
                out.put(name, used);
            } else if (((Enum<?>) poolType.getMethod("getType").invoke(pool)).name().equals("HEAP")) {
                heap += used;
            }
        }
        out.put("heap", heap);
        return out;
    }

    /**
     * Runs {@link #main} in a fresh JVM with default settings (only native access enabled), so that
     * neither the other tests nor the test JVM's options play a part, and checks that it finishes.
     */
    @Test
    void tenThousandModulesWithDistinctSignaturesInOneJvm() throws Exception {
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(javaCommand, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "-Dkiln.soak.modules=" + Integer.getInteger("kiln.soak.modules", 10_000), SignatureSoakTest.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.MINUTES), out);
        System.out.print(out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("soak passed"), out);
    }

    /**
     * The soak: each module's export {@code f} and host import {@code h} have signature {@code n}; a
     * call of {@code f} goes Java -> Wasm -> Java and back. Every 1,000 modules it prints the code heaps
     * and the Java heap after a GC; it fails (exit status 1) if, after the first 1,000 modules, any of
     * them grows by more than 8 MiB.
     */
    public static void main(String[] argv) throws Exception {
        int modules = Integer.getInteger("kiln.soak.modules", 10_000);
        Engine engine = Engine.create();
        Map<String, Long> warm = null;
        long start = System.nanoTime();
        for (int n = 0; n < modules; n++) {
            List<ValType> params = params(n);
            ValType result = TYPES[n % 4];
            FuncType type = FuncType.of(params, List.of(result));
            Module m = Module.compile(engine, wat(params, result).getBytes(StandardCharsets.UTF_8));
            try (Store store = new Store(engine)) {
                // the host function returns its first argument converted to the result type
                Func h = Func.wrap(store, type, args -> new Val[] {convert(args[0], result)});
                Instance i = new Linker().define("env", "h", h).instantiate(store, m);
                Val[] args = new Val[params.size()];
                for (int k = 0; k < args.length; k++) {
                    args[k] = value(params.get(k), n + k);
                }
                Val r = i.func("f").call(args)[0];
                if (!r.equals(convert(args[0], result))) {
                    System.out.println("module " + n + " " + type + " returned " + r + ", expected " + convert(args[0], result));
                    System.exit(1);
                }
            }
            if (n % 1000 == 0 || n == modules - 1) {
                Map<String, Long> now = pools();
                if (n == 1000) {
                    warm = now;
                }
                System.out.println("soak: " + (n + 1) + " modules, " + (System.nanoTime() - start) / 1_000_000 + " ms, "
                        + CallShape.shapeCount() + " call shapes, bytes used: " + now);
            }
        }
        Map<String, Long> end = pools();
        if (warm != null) {
            for (Map.Entry<String, Long> e : end.entrySet()) {
                long before = warm.get(e.getKey());
                if (e.getValue() - before > (8L << 20)) {
                    System.out.println("soak failed: " + e.getKey() + " grew from " + before + " to " + e.getValue()
                            + " bytes between module 1,000 and module " + modules);
                    System.exit(1);
                }
            }
        }
        System.out.println("soak passed: " + modules + " modules in " + (System.nanoTime() - start) / 1_000_000 + " ms");
    }

    static Val value(ValType t, int seed) {
        return switch (t) {
            case I32 -> Val.i32(seed * 7 + 1);
            case I64 -> Val.i64(seed * 1_000_003L + 5);
            case F32 -> Val.f32(seed + 0.5f);
            default -> Val.f64(seed + 0.25);
        };
    }

    static Val convert(Val v, ValType to) {
        long whole = switch (v.type()) {
            case I32 -> v.i32();
            case I64 -> v.i64();
            case F32 -> (long) v.f32();
            default -> (long) v.f64();
        };
        return switch (to) {
            case I32 -> Val.i32((int) whole);
            case I64 -> Val.i64(whole);
            case F32 -> Val.f32(whole);
            default -> Val.f64(whole);
        };
    }
}
