package dev.kiln.compiler.wasm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the names and entry addresses of functions from DWARF debugging information (DWARF 2 to 5,
 * the "DWARF Debugging Information Format" version 5, chapters 2, 3 and 7), as compilers put it into
 * WebAssembly custom sections ({@code .debug_info}, {@code .debug_abbrev}, {@code .debug_str},
 * {@code .debug_line_str}, {@code .debug_str_offsets}, {@code .debug_addr}; the WebAssembly tool
 * conventions' "DWARF for WebAssembly Target").
 *
 * <p>Every unit of {@code .debug_info} is walked entry by entry with the abbreviations of
 * {@code .debug_abbrev}; of each {@code DW_TAG_subprogram} it keeps {@code DW_AT_name} (or a
 * mangled {@code DW_AT_linkage_name} or {@code DW_AT_MIPS_linkage_name}, see {@link #isMangled}),
 * {@code DW_AT_low_pc} and the
 * {@code DW_AT_specification} or {@code DW_AT_abstract_origin} through which a definition names the
 * declaration that carries its name; every other attribute is skipped by its form's size (§7.5.6).
 * Names are read through {@code DW_FORM_string}, {@code DW_FORM_strp}, {@code DW_FORM_line_strp} and
 * {@code DW_FORM_strx*} (with the unit's {@code DW_AT_str_offsets_base}); addresses through
 * {@code DW_FORM_addr} and {@code DW_FORM_addrx*} (with {@code DW_AT_addr_base}). 32- and 64-bit
 * DWARF formats and 4- and 8-byte addresses (wasm32, wasm64) are read; the byte order is little
 * endian, as WebAssembly's.
 *
 * <p>In WebAssembly an address in {@code DW_AT_low_pc} is the offset of a function's body (its local
 * declarations, after the body size) from the start of the code section's contents.
 *
 * <p>Not thread-safe; one reader reads one module, once.
 */
final class DwarfReader {
    /** DWARF that cannot be read; the message names the section, the byte offset in it and the reason. */
    static final class DwarfException extends RuntimeException {
        DwarfException(String message) {
            super(message, null, false, false);
        }
    }

    /** A section's contents: {@code bytes[start, end)}, or absent when {@code start < 0}. */
    record Section(String name, byte[] bytes, int start, int end) {
        static Section absent(String name) {
            return new Section(name, new byte[0], -1, -1);
        }

        boolean present() {
            return start >= 0;
        }

        int length() {
            return present() ? end - start : 0;
        }
    }

    // Tags, attributes and forms used here (DWARF 5 §7.5.3 to §7.5.6; GNU extensions as in binutils).
    private static final int DW_TAG_SUBPROGRAM = 0x2e;
    private static final int DW_AT_NAME = 0x03;
    private static final int DW_AT_LOW_PC = 0x11;
    private static final int DW_AT_ABSTRACT_ORIGIN = 0x31;
    private static final int DW_AT_SPECIFICATION = 0x47;
    private static final int DW_AT_LINKAGE_NAME = 0x6e;
    private static final int DW_AT_STR_OFFSETS_BASE = 0x72;
    private static final int DW_AT_ADDR_BASE = 0x73;
    private static final int DW_AT_MIPS_LINKAGE_NAME = 0x2007;
    private static final int DW_AT_GNU_ADDR_BASE = 0x2133;

    private static final int DW_FORM_ADDR = 0x01;
    private static final int DW_FORM_BLOCK2 = 0x03;
    private static final int DW_FORM_BLOCK4 = 0x04;
    private static final int DW_FORM_DATA2 = 0x05;
    private static final int DW_FORM_DATA4 = 0x06;
    private static final int DW_FORM_DATA8 = 0x07;
    private static final int DW_FORM_STRING = 0x08;
    private static final int DW_FORM_BLOCK = 0x09;
    private static final int DW_FORM_BLOCK1 = 0x0a;
    private static final int DW_FORM_DATA1 = 0x0b;
    private static final int DW_FORM_FLAG = 0x0c;
    private static final int DW_FORM_SDATA = 0x0d;
    private static final int DW_FORM_STRP = 0x0e;
    private static final int DW_FORM_UDATA = 0x0f;
    private static final int DW_FORM_REF_ADDR = 0x10;
    private static final int DW_FORM_REF1 = 0x11;
    private static final int DW_FORM_REF2 = 0x12;
    private static final int DW_FORM_REF4 = 0x13;
    private static final int DW_FORM_REF8 = 0x14;
    private static final int DW_FORM_REF_UDATA = 0x15;
    private static final int DW_FORM_INDIRECT = 0x16;
    private static final int DW_FORM_SEC_OFFSET = 0x17;
    private static final int DW_FORM_EXPRLOC = 0x18;
    private static final int DW_FORM_FLAG_PRESENT = 0x19;
    private static final int DW_FORM_STRX = 0x1a;
    private static final int DW_FORM_ADDRX = 0x1b;
    private static final int DW_FORM_REF_SUP4 = 0x1c;
    private static final int DW_FORM_STRP_SUP = 0x1d;
    private static final int DW_FORM_DATA16 = 0x1e;
    private static final int DW_FORM_LINE_STRP = 0x1f;
    private static final int DW_FORM_REF_SIG8 = 0x20;
    private static final int DW_FORM_IMPLICIT_CONST = 0x21;
    private static final int DW_FORM_LOCLISTX = 0x22;
    private static final int DW_FORM_RNGLISTX = 0x23;
    private static final int DW_FORM_REF_SUP8 = 0x24;
    private static final int DW_FORM_STRX1 = 0x25;
    private static final int DW_FORM_STRX2 = 0x26;
    private static final int DW_FORM_STRX3 = 0x27;
    private static final int DW_FORM_STRX4 = 0x28;
    private static final int DW_FORM_ADDRX1 = 0x29;
    private static final int DW_FORM_ADDRX2 = 0x2a;
    private static final int DW_FORM_ADDRX3 = 0x2b;
    private static final int DW_FORM_ADDRX4 = 0x2c;
    private static final int DW_FORM_GNU_ADDR_INDEX = 0x1f01;
    private static final int DW_FORM_GNU_STR_INDEX = 0x1f02;
    private static final int DW_FORM_GNU_REF_ALT = 0x1f20;
    private static final int DW_FORM_GNU_STRP_ALT = 0x1f21;

    /** How far a chain of specifications and abstract origins is followed. */
    private static final int MAX_REFERENCE_DEPTH = 8;

    private final Section info;
    private final Section abbrev;
    private final Section str;
    private final Section lineStr;
    private final Section strOffsets;
    private final Section addr;

    /** Abbreviation tables already read, by their offset in {@code .debug_abbrev}. */
    private final Map<Long, AbbrevTable> abbrevTables = new HashMap<>();
    /** Every subprogram entry, by its offset in {@code .debug_info}. */
    private final Map<Long, Subprogram> subprograms = new HashMap<>();
    /** The subprogram entries with an entry address, in the order read. */
    private final List<Subprogram> defined = new ArrayList<>();

    /** What a subprogram entry says: its names (or null), its entry address (or -1), its reference (or -1). */
    private record Subprogram(String name, long lowPc, long reference) {
    }

    private DwarfReader(Section info, Section abbrev, Section str, Section lineStr, Section strOffsets,
                        Section addr) {
        this.info = info;
        this.abbrev = abbrev;
        this.str = str;
        this.lineStr = lineStr;
        this.strOffsets = strOffsets;
        this.addr = addr;
    }

    /**
     * The functions that the DWARF describes: entry address (an offset into the code section's
     * contents) to name, in the order of {@code .debug_info}; the first name given to an address wins.
     * Subprograms without an address (declarations, inlined-only functions) or without a name,
     * direct or through their specification or abstract origin, are left out.
     *
     * @param info       {@code .debug_info}; must be present
     * @param abbrev     {@code .debug_abbrev}
     * @param str        {@code .debug_str}, maybe absent
     * @param lineStr    {@code .debug_line_str}, maybe absent
     * @param strOffsets {@code .debug_str_offsets}, maybe absent
     * @param addr       {@code .debug_addr}, maybe absent
     * @throws DwarfException when the DWARF is malformed: a unit, entry or string runs past its
     *                        section, an abbreviation code or form is unknown, a version is not 2 to 5,
     *                        or a section that a form needs is absent
     */
    static Map<Long, String> functionNames(Section info, Section abbrev, Section str, Section lineStr,
                                           Section strOffsets, Section addr) {
        DwarfReader r = new DwarfReader(info, abbrev, str, lineStr, strOffsets, addr);
        if (!abbrev.present()) {
            throw new DwarfException(".debug_info without a .debug_abbrev section");
        }
        r.readUnits();
        return r.resolve();
    }

    private Map<Long, String> resolve() {
        Map<Long, String> names = new LinkedHashMap<>();
        for (Subprogram s : defined) {
            String name = s.name();
            long ref = s.reference();
            for (int depth = 0; name == null && ref >= 0 && depth < MAX_REFERENCE_DEPTH; depth++) {
                Subprogram target = subprograms.get(ref);
                if (target == null) {
                    break;
                }
                name = target.name();
                ref = target.reference();
            }
            if (name != null && !name.isEmpty()) {
                names.putIfAbsent(s.lowPc(), name);
            }
        }
        return names;
    }

    // ---- units ------------------------------------------------------------------------------------

    /** The header facts of the unit being read. */
    private static final class Unit {
        long start;
        int version;
        boolean dwarf64;
        int addressSize;
        long strOffsetsBase = -1;
        long addrBase = -1;

        int offsetSize() {
            return dwarf64 ? 8 : 4;
        }
    }

    private void readUnits() {
        Cursor c = new Cursor(info, info.start);
        while (c.pos < info.end) {
            Unit u = new Unit();
            u.start = c.offset();
            long length = c.u32();
            if (length == 0xFFFF_FFFFL) {
                u.dwarf64 = true;
                length = c.u64();
            } else if (length >= 0xFFFF_FFF0L) {
                throw c.error("reserved unit length 0x" + Long.toHexString(length));
            }
            if (length < 0 || length > info.end - c.pos) {
                throw c.error("unit of " + Long.toUnsignedString(length) + " bytes runs past the end of the section");
            }
            int unitEnd = c.pos + (int) length;
            u.version = c.u16();
            long abbrevOffset;
            if (u.version == 5) {
                int unitType = c.u8();
                u.addressSize = c.u8();
                abbrevOffset = c.offset(u);
                switch (unitType) {
                    case 0x01, 0x03 -> { // DW_UT_compile, DW_UT_partial
                    }
                    case 0x04, 0x05 -> c.skip(8); // DW_UT_skeleton, DW_UT_split_compile: dwo_id
                    case 0x02, 0x06 -> { // DW_UT_type, DW_UT_split_type: type signature and offset
                        c.skip(8);
                        c.skip(u.offsetSize());
                    }
                    default -> throw c.error("unknown unit type 0x" + Integer.toHexString(unitType));
                }
            } else if (u.version >= 2 && u.version <= 4) {
                abbrevOffset = c.offset(u);
                u.addressSize = c.u8();
            } else {
                throw c.error("unsupported DWARF version " + u.version);
            }
            if (u.addressSize != 1 && u.addressSize != 2 && u.addressSize != 4 && u.addressSize != 8) {
                throw c.error("unsupported address size " + u.addressSize);
            }
            Cursor unit = new Cursor(info, c.pos, unitEnd);
            readEntries(unit, u, abbrevTable(abbrevOffset));
            c.pos = unitEnd;
        }
    }

    private void readEntries(Cursor c, Unit u, AbbrevTable table) {
        boolean unitEntry = true;
        while (c.pos < c.end) {
            long entryOffset = c.offset();
            long code = c.uleb();
            if (code == 0) {
                continue; // the end of a list of siblings
            }
            Abbrev a = table.get(code);
            if (a == null) {
                throw new DwarfException(".debug_info offset 0x" + Long.toHexString(entryOffset)
                        + ": unknown abbreviation code " + Long.toUnsignedString(code));
            }
            boolean subprogram = a.tag == DW_TAG_SUBPROGRAM;
            // Raw attribute values, resolved once the entry is read (a unit entry may name its string
            // offsets base after attributes that need it).
            int nameForm = 0;
            long nameValue = 0;
            int linkageForm = 0;
            long linkageValue = 0;
            int lowPcForm = 0;
            long lowPcValue = 0;
            long reference = -1;
            for (int i = 0; i < a.attributes.length; i++) {
                int at = a.attributes[i];
                int form = a.forms[i];
                if (form == DW_FORM_INDIRECT) {
                    form = (int) Math.min(c.uleb(), Integer.MAX_VALUE);
                    if (form == DW_FORM_INDIRECT || form == DW_FORM_IMPLICIT_CONST) {
                        throw c.error("DW_FORM_indirect names form 0x" + Integer.toHexString(form));
                    }
                }
                long value = form == DW_FORM_IMPLICIT_CONST ? a.implicitConsts[i] : readForm(c, u, form);
                if (unitEntry) {
                    if (at == DW_AT_STR_OFFSETS_BASE) {
                        u.strOffsetsBase = value;
                    } else if (at == DW_AT_ADDR_BASE || at == DW_AT_GNU_ADDR_BASE) {
                        u.addrBase = value;
                    }
                }
                if (!subprogram) {
                    continue;
                }
                switch (at) {
                    case DW_AT_NAME -> {
                        nameForm = form;
                        nameValue = value;
                    }
                    case DW_AT_LINKAGE_NAME, DW_AT_MIPS_LINKAGE_NAME -> {
                        linkageForm = form;
                        linkageValue = value;
                    }
                    case DW_AT_LOW_PC -> {
                        lowPcForm = form;
                        lowPcValue = value;
                    }
                    case DW_AT_SPECIFICATION, DW_AT_ABSTRACT_ORIGIN -> reference = reference(u, form, value);
                    default -> {
                    }
                }
            }
            unitEntry = false;
            if (subprogram) {
                String name = nameForm != 0 ? string(u, nameForm, nameValue) : null;
                String linkageName = linkageForm != 0 ? string(u, linkageForm, linkageValue) : null;
                if (linkageName != null && (name == null || isMangled(linkageName))) {
                    name = linkageName;
                }
                long lowPc = lowPcForm != 0 ? address(u, lowPcForm, lowPcValue) : -1;
                Subprogram s = new Subprogram(name, lowPc, reference);
                subprograms.put(entryOffset, s);
                if (lowPc >= 0) {
                    defined.add(s);
                }
            }
        }
    }

    /**
     * Whether a linkage name is mangled (Itanium C++ and legacy Rust {@code _Z...}, Rust v0
     * {@code _R...}): such a name tells overloads and generic instances apart, where {@code DW_AT_name}
     * says only {@code operator()} or {@code new}; other linkage names (C's {@code __main_argc_argv}
     * for {@code main}) are a linker's detail, and the source name is kept.
     */
    private static boolean isMangled(String linkageName) {
        return linkageName.length() > 2 && linkageName.charAt(0) == '_'
                && (linkageName.charAt(1) == 'Z' || linkageName.charAt(1) == 'R');
    }

    /**
     * Reads one attribute value of {@code form}: the value of a constant, reference, offset, index or
     * address form; the section offset of a {@code DW_FORM_string}'s first byte; 0 for blocks and
     * expressions, which are skipped.
     */
    private static long readForm(Cursor c, Unit u, int form) {
        return switch (form) {
            case DW_FORM_ADDR -> c.unsigned(u.addressSize);
            case DW_FORM_DATA1, DW_FORM_REF1, DW_FORM_FLAG, DW_FORM_STRX1, DW_FORM_ADDRX1 -> c.u8();
            case DW_FORM_DATA2, DW_FORM_REF2, DW_FORM_STRX2, DW_FORM_ADDRX2 -> c.u16();
            case DW_FORM_STRX3, DW_FORM_ADDRX3 -> c.unsigned(3);
            case DW_FORM_DATA4, DW_FORM_REF4, DW_FORM_REF_SUP4, DW_FORM_STRX4, DW_FORM_ADDRX4 -> c.u32();
            case DW_FORM_DATA8, DW_FORM_REF8, DW_FORM_REF_SIG8, DW_FORM_REF_SUP8 -> c.u64();
            case DW_FORM_DATA16 -> {
                c.skip(16);
                yield 0;
            }
            case DW_FORM_SDATA -> c.sleb();
            case DW_FORM_UDATA, DW_FORM_REF_UDATA, DW_FORM_STRX, DW_FORM_ADDRX, DW_FORM_LOCLISTX,
                 DW_FORM_RNGLISTX, DW_FORM_GNU_ADDR_INDEX, DW_FORM_GNU_STR_INDEX -> c.uleb();
            case DW_FORM_STRP, DW_FORM_LINE_STRP, DW_FORM_SEC_OFFSET, DW_FORM_STRP_SUP, DW_FORM_GNU_REF_ALT,
                 DW_FORM_GNU_STRP_ALT -> c.offset(u);
            // DWARF 2 wrote section references as addresses.
            case DW_FORM_REF_ADDR -> u.version <= 2 ? c.unsigned(u.addressSize) : c.offset(u);
            case DW_FORM_STRING -> {
                long at = c.offset();
                c.skipCString();
                yield at;
            }
            case DW_FORM_BLOCK1 -> c.skipBlock(c.u8());
            case DW_FORM_BLOCK2 -> c.skipBlock(c.u16());
            case DW_FORM_BLOCK4 -> c.skipBlock(c.u32());
            case DW_FORM_BLOCK, DW_FORM_EXPRLOC -> c.skipBlock(c.uleb());
            case DW_FORM_FLAG_PRESENT -> 1;
            default -> throw c.error("unknown attribute form 0x" + Integer.toHexString(form));
        };
    }

    /** The {@code .debug_info} offset a reference attribute points to, or -1 for one into another file. */
    private static long reference(Unit u, int form, long value) {
        return switch (form) {
            case DW_FORM_REF1, DW_FORM_REF2, DW_FORM_REF4, DW_FORM_REF8, DW_FORM_REF_UDATA -> u.start + value;
            case DW_FORM_REF_ADDR -> value;
            default -> -1; // DW_FORM_ref_sig8 (a type unit), DW_FORM_ref_sup*, DW_FORM_GNU_ref_alt
        };
    }

    /** The string an attribute names, or null for a form that is not a string (or one in another file). */
    private String string(Unit u, int form, long value) {
        return switch (form) {
            case DW_FORM_STRING -> cString(info, value);
            case DW_FORM_STRP -> cString(str, value);
            case DW_FORM_LINE_STRP -> cString(lineStr, value);
            case DW_FORM_STRX, DW_FORM_STRX1, DW_FORM_STRX2, DW_FORM_STRX3, DW_FORM_STRX4, DW_FORM_GNU_STR_INDEX -> {
                // Without DW_AT_str_offsets_base: the first contribution, after its 8- or 16-byte header.
                long base = u.strOffsetsBase >= 0 ? u.strOffsetsBase : u.dwarf64 ? 16 : 8;
                yield cString(str, entry(strOffsets, base, value, u.offsetSize(), "string index"));
            }
            default -> null;
        };
    }

    /** The address an attribute gives, or -1 for a form that is not an address. */
    private long address(Unit u, int form, long value) {
        return switch (form) {
            case DW_FORM_ADDR -> value;
            case DW_FORM_ADDRX, DW_FORM_ADDRX1, DW_FORM_ADDRX2, DW_FORM_ADDRX3, DW_FORM_ADDRX4,
                 DW_FORM_GNU_ADDR_INDEX -> {
                long base = u.addrBase >= 0 ? u.addrBase : 8; // after the first contribution's header
                yield entry(addr, base, value, u.addressSize, "address index");
            }
            default -> -1;
        };
    }

    /** Entry {@code index} of {@code size} bytes of a table at {@code base} in {@code s}. */
    private static long entry(Section s, long base, long index, int size, String what) {
        if (!s.present()) {
            throw new DwarfException(what + " " + Long.toUnsignedString(index) + " without a " + s.name() + " section");
        }
        if (base < 0 || base > s.length() || index < 0 || index >= (s.length() - base) / size) {
            throw new DwarfException(what + " " + Long.toUnsignedString(index) + " with base 0x"
                    + Long.toHexString(base) + " lies outside " + s.name() + " (" + s.length() + " bytes)");
        }
        Cursor c = new Cursor(s, s.start + (int) (base + index * size));
        return c.unsigned(size);
    }

    /** The NUL-terminated UTF-8 string at {@code offset} of {@code s}. */
    private static String cString(Section s, long offset) {
        if (!s.present()) {
            throw new DwarfException("string at offset 0x" + Long.toHexString(offset) + " of a missing "
                    + s.name() + " section");
        }
        if (offset < 0 || offset >= s.length()) {
            throw new DwarfException("string offset 0x" + Long.toHexString(offset) + " lies outside " + s.name()
                    + " (" + s.length() + " bytes)");
        }
        int from = s.start + (int) offset;
        int i = from;
        while (i < s.end && s.bytes[i] != 0) {
            i++;
        }
        if (i == s.end) {
            throw new DwarfException(s.name() + " offset 0x" + Long.toHexString(offset) + ": unterminated string");
        }
        return new String(s.bytes, from, i - from, StandardCharsets.UTF_8);
    }

    // ---- abbreviations ------------------------------------------------------------------------------

    /** One abbreviation declaration (§7.5.3): a tag, whether children follow, attributes and forms. */
    private record Abbrev(int tag, int[] attributes, int[] forms, long[] implicitConsts) {
    }

    /** The abbreviations of one table, by code (dense codes in an array, others in a map). */
    private static final class AbbrevTable {
        private Abbrev[] dense = new Abbrev[64];
        private final Map<Long, Abbrev> sparse = new HashMap<>();

        void put(long code, Abbrev a) {
            if (code > 0 && code < 1 << 16) {
                if (code >= dense.length) {
                    dense = java.util.Arrays.copyOf(dense, Math.max(dense.length * 2, (int) code + 1));
                }
                if (dense[(int) code] == null) {
                    dense[(int) code] = a;
                }
            } else {
                sparse.putIfAbsent(code, a);
            }
        }

        Abbrev get(long code) {
            return code > 0 && code < dense.length ? dense[(int) code] : sparse.get(code);
        }
    }

    private AbbrevTable abbrevTable(long offset) {
        AbbrevTable t = abbrevTables.get(offset);
        if (t != null) {
            return t;
        }
        if (offset < 0 || offset >= abbrev.length()) {
            throw new DwarfException("abbreviation table offset 0x" + Long.toHexString(offset)
                    + " lies outside .debug_abbrev (" + abbrev.length() + " bytes)");
        }
        t = new AbbrevTable();
        Cursor c = new Cursor(abbrev, abbrev.start + (int) offset);
        List<Integer> attributes = new ArrayList<>();
        List<Integer> forms = new ArrayList<>();
        List<Long> consts = new ArrayList<>();
        while (true) {
            long code = c.uleb();
            if (code == 0) {
                break;
            }
            long tag = c.uleb();
            c.u8(); // DW_CHILDREN_yes or DW_CHILDREN_no: entries are read in order, children or not
            attributes.clear();
            forms.clear();
            consts.clear();
            while (true) {
                long at = c.uleb();
                long form = c.uleb();
                if (at == 0 && form == 0) {
                    break;
                }
                if (at > Integer.MAX_VALUE || form > Integer.MAX_VALUE) {
                    throw c.error("attribute 0x" + Long.toHexString(at) + " with form 0x" + Long.toHexString(form));
                }
                attributes.add((int) at);
                forms.add((int) form);
                consts.add(form == DW_FORM_IMPLICIT_CONST ? c.sleb() : 0L);
            }
            t.put(code, new Abbrev((int) Math.min(tag, Integer.MAX_VALUE),
                    attributes.stream().mapToInt(Integer::intValue).toArray(),
                    forms.stream().mapToInt(Integer::intValue).toArray(),
                    consts.stream().mapToLong(Long::longValue).toArray()));
        }
        abbrevTables.put(offset, t);
        return t;
    }

    // ---- bytes ------------------------------------------------------------------------------------

    /** A bounded little-endian reader over part of a section; every read past {@code end} throws. */
    private static final class Cursor {
        final Section section;
        final int end;
        int pos;

        Cursor(Section section, int pos) {
            this(section, pos, section.end);
        }

        Cursor(Section section, int pos, int end) {
            this.section = section;
            this.pos = pos;
            this.end = end;
        }

        long offset() {
            return pos - section.start;
        }

        DwarfException error(String reason) {
            return new DwarfException(section.name() + " offset 0x" + Long.toHexString(offset()) + ": " + reason);
        }

        private void need(long n) {
            if (n < 0 || n > end - pos) {
                throw error("unexpected end (" + Long.toUnsignedString(n) + " bytes needed, "
                        + (end - pos) + " left)");
            }
        }

        int u8() {
            need(1);
            return section.bytes[pos++] & 0xFF;
        }

        int u16() {
            return (int) unsigned(2);
        }

        long u32() {
            return unsigned(4);
        }

        long u64() {
            return unsigned(8);
        }

        long unsigned(int size) {
            need(size);
            long v = 0;
            for (int i = 0; i < size; i++) {
                v |= (long) (section.bytes[pos + i] & 0xFF) << (8 * i);
            }
            pos += size;
            return v;
        }

        long offset(Unit u) {
            return unsigned(u.offsetSize());
        }

        long uleb() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift >= 70) {
                    throw error("LEB128 number longer than 10 bytes");
                }
                int b = u8();
                if (shift < 64) {
                    v |= (long) (b & 0x7F) << shift;
                }
                if ((b & 0x80) == 0) {
                    return v;
                }
            }
        }

        long sleb() {
            long v = 0;
            for (int shift = 0; ; shift += 7) {
                if (shift >= 70) {
                    throw error("LEB128 number longer than 10 bytes");
                }
                int b = u8();
                if (shift < 64) {
                    v |= (long) (b & 0x7F) << shift;
                }
                if ((b & 0x80) == 0) {
                    if (shift + 7 < 64 && (b & 0x40) != 0) {
                        v |= -1L << (shift + 7);
                    }
                    return v;
                }
            }
        }

        void skip(long n) {
            need(n);
            pos += (int) n;
        }

        long skipBlock(long n) {
            skip(n);
            return 0;
        }

        void skipCString() {
            while (u8() != 0) {
                // the string's bytes
            }
        }
    }
}
