package dev.kiln.cli;

import dev.kiln.compiler.wasm.MalformedModuleException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists the sections of a WebAssembly binary module (spec §5.5.2 "Sections"): for each its id, its
 * name, where its content starts and how many bytes it has. Custom sections (id 0) carry their name
 * (spec §5.5.3). Meant for modules that already decoded; still, bad input gives a
 * {@link MalformedModuleException} with the byte offset, never an index error. Stateless.
 */
final class WasmSections {
    private WasmSections() {
    }

    /**
     * A section.
     *
     * @param id            the section id (0 custom, 1 type, ... 12 data count)
     * @param name          {@code type}, {@code code}, ... or, for a custom section, {@code custom "NAME"}
     * @param headerOffset  byte offset of the section id
     * @param contentOffset byte offset of the section content (after the id and the u32 size)
     * @param size          the content's size in bytes
     */
    record Section(int id, String name, int headerOffset, int contentOffset, int size) {
    }

    private static final String[] NAMES = {
        "custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code",
        "data", "datacount",
    };

    /** The name of section id {@code id} (spec §5.5.2), or {@code unknown}. */
    static String name(int id) {
        return id >= 0 && id < NAMES.length ? NAMES[id] : "unknown";
    }

    /**
     * The sections of {@code bytes}, in order.
     *
     * @throws MalformedModuleException if a section header or size runs past the end of the bytes
     */
    static List<Section> of(byte[] bytes) {
        List<Section> out = new ArrayList<>();
        int pos = 8; // magic and version
        while (pos < bytes.length) {
            int header = pos;
            int id = bytes[pos++] & 0xFF;
            long[] size = u32(bytes, pos);
            pos = (int) size[1];
            if (size[0] > bytes.length - pos) {
                throw new MalformedModuleException("section size out of bounds", header);
            }
            int content = pos;
            int end = pos + (int) size[0];
            String name = name(id);
            if (id == 0) {
                long[] len = u32(bytes, pos);
                int nameStart = (int) len[1];
                if (len[0] <= end - nameStart) {
                    name = "custom \"" + new String(bytes, nameStart, (int) len[0], StandardCharsets.UTF_8) + "\"";
                }
            }
            out.add(new Section(id, name, header, content, (int) size[0]));
            pos = end;
        }
        return out;
    }

    /** Reads an unsigned LEB128 u32 at {@code pos}: {value, position after it}. */
    private static long[] u32(byte[] b, int pos) {
        long value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos >= b.length) {
                throw new MalformedModuleException("unexpected end", pos);
            }
            int x = b[pos++] & 0xFF;
            value |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                if (value > 0xFFFF_FFFFL) {
                    throw new MalformedModuleException("integer too large", pos - 1);
                }
                return new long[] {value, pos};
            }
        }
        throw new MalformedModuleException("integer representation too long", pos);
    }
}
