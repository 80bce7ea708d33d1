package dev.kiln.loader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The current process's mappings from {@code /proc/self/maps} (proc(5)). */
record ProcMaps(long start, long end, String perms, String path) {
    static List<ProcMaps> read() throws IOException {
        List<ProcMaps> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] f = line.trim().split("\\s+", 6);
            String[] range = f[0].split("-");
            out.add(new ProcMaps(Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16), f[1],
                    f.length > 5 ? f[5] : ""));
        }
        return out;
    }

    /** The mappings overlapping {@code [from, to)}. */
    static List<ProcMaps> overlapping(long from, long to) throws IOException {
        return read().stream().filter(m -> m.start < to && m.end > from).toList();
    }

    /** The mapping containing {@code address}. */
    static ProcMaps containing(long address) throws IOException {
        return read().stream().filter(m -> m.start <= address && address < m.end).findFirst()
                .orElseThrow(() -> new AssertionError("no mapping contains 0x" + Long.toHexString(address)));
    }
}
