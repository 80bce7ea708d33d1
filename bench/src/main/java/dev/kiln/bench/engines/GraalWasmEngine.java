package dev.kiln.bench.engines;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

/**
 * GraalWasm 25.0.2 through the polyglot API. It runs optimized (Truffle partial evaluation with the
 * Graal compiler) only when the JVM has JVMCI enabled and {@code org.graalvm.compiler:compiler} on the
 * upgrade module path ({@code bench/report} passes those flags to the JMH forks); otherwise Truffle
 * falls back to its interpreter, which {@link #runtimeName()} reports as {@code "Interpreted"}. With the
 * system property {@code kiln.bench.graal.requireCompiler=true}, {@link #load} refuses to run
 * interpreted, so a benchmark can never silently measure the interpreter.
 */
public final class GraalWasmEngine implements WasmEngine {
    /** The system property that makes {@link #load} fail when Truffle has no optimizing compiler. */
    public static final String REQUIRE_COMPILER = "kiln.bench.graal.requireCompiler";

    @Override
    public String id() {
        return "graalwasm";
    }

    @Override
    public String description() {
        return "GraalWasm 25.0.2 (Truffle, Graal compiler via JVMCI)";
    }

    /** The Truffle runtime this JVM gives GraalWasm: "Interpreted" without an optimizing compiler. */
    public static String runtimeName() {
        try (Engine e = Engine.newBuilder("wasm").option("engine.WarnInterpreterOnly", "false").build()) {
            return e.getImplementationName();
        }
    }

    @Override
    public LoadedKernel load(String name, byte[] wasm) throws NotAvailableException {
        Engine engine;
        try {
            engine = Engine.newBuilder("wasm").option("engine.WarnInterpreterOnly", "false").build();
        } catch (RuntimeException | LinkageError e) {
            throw new NotAvailableException("GraalWasm does not start: " + NotAvailableException.reasonOf(e), e);
        }
        if (Boolean.getBoolean(REQUIRE_COMPILER) && "Interpreted".equals(engine.getImplementationName())) {
            engine.close();
            throw new NotAvailableException("GraalWasm would run interpreted: this JVM lacks -XX:+EnableJVMCI and "
                    + "org.graalvm.compiler:compiler on --upgrade-module-path (run through bench/report)");
        }
        Context context = Context.newBuilder("wasm").engine(engine).build();
        try {
            Source source = Source.newBuilder("wasm", ByteSequence.create(wasm), name).build();
            Value module = context.eval(source);
            Value run;
            if (module.canInstantiate()) {
                run = module.newInstance().getMember("exports").getMember("run");
            } else {
                run = context.getBindings("wasm").getMember(name).getMember("run");
            }
            return new LoadedKernel() {
                @Override
                public int run(int n) {
                    return run.execute(n).asInt();
                }

                @Override
                public void close() {
                    context.close();
                    engine.close();
                }
            };
        } catch (PolyglotException | java.io.IOException | IllegalStateException e) {
            context.close();
            engine.close();
            throw new NotAvailableException(NotAvailableException.reasonOf(e), e);
        }
    }

    /** Prints {@link #runtimeName()}: {@code bench/report} runs this with the benchmark's JVM flags. */
    public static void main(String[] args) {
        System.out.println(runtimeName());
    }
}
