package dev.kiln;

import dev.kiln.abi.BoundsChecks;
import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.VMMemoryDefinition;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Run in a child JVM by {@link GuardPageHotSpotTest}: makes a fault that is not a Wasm out-of-bounds
 * access after the guard-page handler is installed, which must reach HotSpot's handler and kill the
 * JVM with its fatal error report. {@code args[0]}: {@code kiln-code} (Kiln code faulting outside any
 * linear-memory reservation: the memory's base in the VMContext is redirected to an unmapped page) or
 * {@code java-code} (Java code reading a reservation's inaccessible page).
 */
public final class GuardFaultMain {
    private GuardFaultMain() {
    }

    public static void main(String[] args) {
        Engine engine = Engine.builder().compileOptions(CompileOptions.defaults().withBoundsChecks(BoundsChecks.GUARD))
                .build();
        Module module = Module.compile(engine, """
                (module (memory (export "mem") 1)
                  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))
                """.getBytes(StandardCharsets.UTF_8));
        Store store = new Store(engine);
        Instance instance = Instance.create(store, module);
        try {
            instance.func("load").call(Val.i32(1 << 20));
            System.out.println("trap expected");
        } catch (Trap t) {
            System.out.println("wasm trap: " + t.getMessage());
        }
        Memory mem = instance.memory("mem");
        switch (args[0]) {
            case "kiln-code" -> {
                // a page below the usual mmap area that nothing maps
                mem.definition().set(ValueLayout.JAVA_LONG, VMMemoryDefinition.BASE, 0x10000L);
                System.out.println("calling");
                System.out.flush();
                instance.func("load").call(Val.i32(16));
            }
            case "java-code" -> {
                long past = mem.segment().address() + mem.segment().byteSize();
                System.out.println("reading");
                System.out.flush();
                System.out.println(MemorySegment.ofAddress(past).reinterpret(8).get(ValueLayout.JAVA_LONG, 0));
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("survived");
    }
}
