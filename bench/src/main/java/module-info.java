/**
 * JMH benchmarks of Kiln and the side-by-side comparison with native code and the other JVM Wasm
 * runtimes (Chicory, Wasmtime through JNI, GraalWasm). Run them on the class path:
 * {@code bench/report} (the whole comparison) or {@code bench/run [JMH arguments]}.
 */
module dev.kiln.bench {
    requires dev.kiln;
    requires dev.kiln.abi;
    requires dev.kiln.compiler;
    requires dev.kiln.builtins;
    requires jdk.management;
    requires jmh.core;
    requires com.dylibso.chicory.runtime;
    requires com.dylibso.chicory.wasm;
    requires com.dylibso.chicory.compiler;
    requires org.graalvm.polyglot;
    requires wasmtime.java;

    exports dev.kiln.bench;
    exports dev.kiln.bench.engines;
}
