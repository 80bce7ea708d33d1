/**
 * JMH benchmarks of Kiln. Run them on the class path:
 * {@code java -cp <bench jar and dependencies> org.openjdk.jmh.Main [pattern]}.
 */
module dev.kiln.bench {
    requires dev.kiln;
    requires dev.kiln.compiler;
    requires jmh.core;

    exports dev.kiln.bench;
}
