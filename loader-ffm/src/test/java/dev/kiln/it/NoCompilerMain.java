package dev.kiln.it;

import dev.kiln.Engine;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Val;

import java.nio.file.Path;

/**
 * Run in a separate JVM by {@code dev.kiln.RuntimeAloneTest} with only the runtime modules (abi, loader-ffm) on
 * the module path: loads and calls a precompiled artifact, then shows what Module.compile says.
 */
public final class NoCompilerMain {
    private NoCompilerMain() {
    }

    public static void main(String[] args) throws Exception {
        Engine engine = Engine.create();
        Module m = Module.load(engine, Path.of(args[0]));
        try (Store store = new Store(engine)) {
            long r = Instance.create(store, m).func("fac").call(Val.i64(10))[0].i64();
            System.out.println("fac(10)=" + r);
        }
        try {
            Module.compile(engine, "(module)".getBytes());
            System.out.println("compiled?!");
        } catch (IllegalStateException e) {
            System.out.println("compile: " + e.getMessage());
        }
        System.out.println("compiler module present: " + ModuleLayer.boot().findModule("dev.kiln.compiler").isPresent());
    }
}
