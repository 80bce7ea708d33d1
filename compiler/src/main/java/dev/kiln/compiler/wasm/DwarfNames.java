package dev.kiln.compiler.wasm;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * Function names for a module without {@code name} section function names, from its DWARF
 * {@code .debug_info} ({@link DwarfReader}): each subprogram's {@code DW_AT_low_pc}, an offset into
 * the code section's contents, is matched with the function whose body starts there, and its name
 * becomes that function's name wherever the {@code name} section's would be used (artifact symbols
 * such as {@code wasm[3]::name}, trap messages, {@code kiln inspect}).
 *
 * <p>Debugging information is never a reason to refuse a module: malformed DWARF leaves the module
 * without DWARF names, and the reason is kept in {@link WasmModule#dwarfProblem()}.
 */
final class DwarfNames {
    private DwarfNames() {
    }

    /**
     * Gives {@code module} the function names its DWARF holds, if its {@code name} section gave none
     * and it has a {@code .debug_info} section. Call once the module is decoded.
     */
    static void fill(WasmModule module) {
        if (!module.functionNames.isEmpty() || module.code.isEmpty()) {
            return;
        }
        DwarfReader.Section info = section(module, ".debug_info");
        if (!info.present()) {
            return;
        }
        Map<Long, String> byAddress;
        try {
            byAddress = DwarfReader.functionNames(info, section(module, ".debug_abbrev"),
                    section(module, ".debug_str"), section(module, ".debug_line_str"),
                    section(module, ".debug_str_offsets"), section(module, ".debug_addr"));
        } catch (DwarfReader.DwarfException e) {
            module.dwarfProblem = e.getMessage();
            return;
        } catch (RuntimeException e) {
            // A reader bug must not cost the module: its names are only an aid to reading code.
            module.dwarfProblem = "DWARF reader failed: " + e;
            return;
        }
        int codeContentStart = codeSectionContentStart(module.bytes);
        Map<Long, Integer> funcidxByAddress = new HashMap<>();
        for (int i = 0; i < module.code.size(); i++) {
            funcidxByAddress.put((long) (module.code.get(i).bodyStart() - codeContentStart),
                    module.importedFunctions + i);
        }
        Map<Integer, String> names = new HashMap<>();
        byAddress.forEach((address, name) -> {
            Integer funcidx = funcidxByAddress.get(address);
            if (funcidx != null) {
                names.putIfAbsent(funcidx, name);
            }
        });
        if (!names.isEmpty()) {
            module.functionNames = Collections.unmodifiableMap(names);
            module.functionNameSource = WasmModule.NameSource.DWARF;
        }
    }

    /** The first custom section called {@code name}, or an absent one. */
    private static DwarfReader.Section section(WasmModule module, String name) {
        for (CustomSection cs : module.customSections) {
            if (cs.name().equals(name)) {
                return new DwarfReader.Section(name, module.bytes, cs.contentStart(), cs.contentEnd());
            }
        }
        return DwarfReader.Section.absent(name);
    }

    /** Offset in the module of the code section's contents (the module is well formed and has one). */
    private static int codeSectionContentStart(byte[] bytes) {
        int pos = 8;
        while (pos < bytes.length) {
            int id = bytes[pos++];
            long size = 0;
            for (int shift = 0; ; shift += 7) {
                int b = bytes[pos++] & 0xFF;
                size |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    break;
                }
            }
            if (id == 10) {
                return pos;
            }
            pos += (int) size;
        }
        throw new IllegalStateException("a module with function bodies has a code section");
    }
}
