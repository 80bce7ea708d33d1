package dev.kiln.fuzz;

import dev.kiln.Engine;
import dev.kiln.Func;
import dev.kiln.Instance;
import dev.kiln.Linker;
import dev.kiln.Val;
import dev.kiln.abi.ValType;
import dev.kiln.LinkException;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.Trap;
import dev.kiln.abi.ArtifactFormatException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The child JVM that runs Wasm for the fuzzer, so that a hang or a JVM crash in Kiln is recorded
 * by the parent instead of ending the fuzz run. Reads one request per line from stdin and answers
 * each with one line starting with {@link #DONE} on stdout:
 *
 * <ul>
 *   <li>{@code RUN DIR}: runs {@code DIR/plan.txt} with {@link KilnRunner}, writes {@code DIR/kiln.out};
 *   <li>{@code LOAD FILE}: loads the artifact {@code FILE} with {@link Module#load}; when it imports only
 *       functions, instantiates it with host functions returning zeros and calls every export with zeros; answers {@code ok}, {@code rejected} (a documented exception) or
 *       {@code undocumented CLASS: MESSAGE}.
 * </ul>
 */
public final class Worker {
    static final String DONE = "@@done";

    private Worker() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                StandardCharsets.UTF_8);
        System.setOut(System.err); // anything else printed must not be mistaken for an answer
        Engine engine = Engine.create();
        KilnRunner runner = new KilnRunner(engine);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("RUN ")) {
                Path dir = Path.of(line.substring(4));
                List<String> out;
                try {
                    out = runner.run(dir);
                } catch (Throwable t) {
                    out = List.of("error " + describe(t));
                }
                Files.write(dir.resolve("kiln.out"), out);
                protocol.println(DONE);
            } else if (line.startsWith("LOAD ")) {
                protocol.println(DONE + " " + load(engine, Path.of(line.substring(5))));
            }
        }
    }

    private static String load(Engine engine, Path file) {
        try {
            Module module = Module.load(engine, file);
            if (module.imports().stream().allMatch(i -> i.type() != null)) {
                try (Store store = new Store(engine)) {
                    Linker linker = new Linker();
                    for (Module.ImportType i : module.imports()) {
                        linker.define(i.module(), i.name(), Func.wrap(store, i.type(), args -> {
                            Val[] results = new Val[i.type().results().size()];
                            for (int k = 0; k < results.length; k++) {
                                results[k] = new Val(i.type().results().get(k), 0);
                            }
                            return results;
                        }));
                    }
                    Instance instance = linker.instantiate(store, module);
                    for (Module.ExportType e : module.exports()) {
                        Val[] args = new Val[e.type().params().size()];
                        for (int k = 0; k < args.length; k++) {
                            ValType t = e.type().params().get(k);
                            args[k] = t.isReference() ? Val.nullRef(t) : new Val(t, 0);
                        }
                        try {
                            instance.func(e.name()).call(args);
                        } catch (Trap t) {
                            // a trap is a documented outcome of running the code
                        }
                    }
                }
            }
            return "ok";
        } catch (IOException | ArtifactFormatException | LinkException | Trap e) {
            return "rejected";
        } catch (Throwable t) {
            return "undocumented " + describe(t);
        }
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString().replace('\n', ' '));
        StackTraceElement[] st = t.getStackTrace();
        for (int k = 0; k < Math.min(4, st.length); k++) {
            sb.append(" | at ").append(st[k]);
        }
        if (t.getCause() != null && t.getCause() != t) {
            sb.append(" | caused by ").append(describe(t.getCause()));
        }
        return sb.toString();
    }
}
