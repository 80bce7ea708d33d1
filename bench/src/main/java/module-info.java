/** Nothing here yet: the JMH benchmarks arrive with the benchmark harness. */
module dev.kiln.bench {
    requires dev.kiln;
    requires dev.kiln.compiler;
}
