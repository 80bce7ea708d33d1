package dev.kiln.arch.x86_64.golden;

import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.FunctionSymbol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Disassembles a Kiln ELF artifact with GNU {@code objdump} (binutils,
 * {@code objdump -d -M intel --no-show-raw-insn -w -j .text}) and turns the listing of each function
 * symbol into a layout-independent text, the form the golden files store.
 *
 * <p>Normalisation of one function's listing:
 * <ul>
 * <li>Only the bytes {@code [st_value, st_value + st_size)} of the symbol are kept (objdump would
 *     also show the alignment padding up to the next symbol).</li>
 * <li>Addresses are dropped. Every target of a branch or RIP-relative operand that lies inside the
 *     function gets a label {@code .L0}, {@code .L1}, ... numbered by address, printed on its own line
 *     before the instruction it names; the operand is written as that label
 *     ({@code jne .L2}, {@code [rip+.L3]}).</li>
 * <li>A {@code ud1} (a trap site of code with guard-page bounds checks) is followed by
 *     {@code ; trap} and the trap code its ModRM byte carries.</li>
 * <li>Targets outside the function are written as the symbol objdump found
 *     ({@code call wasm[1]::fib}, {@code jmp kiln_unwind}, {@code [rip+wasm[0]::f+0x10]}).</li>
 * <li>objdump's trailing {@code # address <symbol>} comments are dropped, mnemonic and operands are
 *     separated by the padding objdump uses (mnemonic left-aligned in 7 columns).</li>
 * </ul>
 * So an expectation only changes when the instructions of that function change, not when another
 * function grows. Stateless; thread-safe apart from the temporary file each call creates.
 */
final class Objdump {
    private Objdump() {
    }

    /** The objdump executable: {@code kiln.objdump} system property, else {@code objdump} on the PATH. */
    static String executable() {
        return System.getProperty("kiln.objdump", "objdump");
    }

    /** Whether objdump can be run (it answers {@code --version} with exit status 0 within 10 s). */
    static boolean available() {
        try {
            Process p = new ProcessBuilder(executable(), "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One decoded instruction: address (from the start of {@code .text}), mnemonic, operands, comment. */
    record Insn(long address, String mnemonic, String operands, String comment) {
    }

    /**
     * Runs objdump over {@code artifact} (the ELF bytes) and returns the instructions of every
     * function symbol, keyed by symbol name in address order.
     *
     * @throws IOException if objdump cannot be run or exits with a non-zero status
     */
    static Map<String, List<Insn>> disassemble(byte[] artifact, ElfFile elf) throws IOException {
        Path tmp = Files.createTempFile("kiln-golden", ".elf");
        String out;
        try {
            Files.write(tmp, artifact);
            Process p = new ProcessBuilder(executable(), "-d", "-M", "intel", "--no-show-raw-insn", "-w", "-j", ".text",
                    tmp.toString()).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("objdump failed on " + tmp + ":\n" + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for objdump", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        long textAddr = elf.text().addr();
        // objdump attributes every byte to the last symbol at or before it; split by address instead.
        TreeMap<Long, Insn> all = new TreeMap<>();
        Pattern line = Pattern.compile("^\\s*([0-9a-f]+):\\s+(.*)$");
        for (String l : out.split("\n")) {
            Matcher m = line.matcher(l);
            if (!m.matches()) {
                continue;
            }
            long addr = Long.parseUnsignedLong(m.group(1), 16) - textAddr;
            String rest = m.group(2).strip();
            String comment = "";
            int hash = rest.indexOf('#');
            if (hash >= 0) {
                comment = rest.substring(hash + 1).strip();
                rest = rest.substring(0, hash).strip();
            }
            String mnemonic = rest;
            String operands = "";
            int sp = rest.indexOf(' ');
            // prefixes (rep, lock, data16, bnd, notrack) stay with the mnemonic
            while (sp >= 0 && isPrefix(rest.substring(0, sp).strip())) {
                int next = rest.indexOf(' ', firstNonSpace(rest, sp));
                sp = next;
            }
            if (sp >= 0) {
                mnemonic = rest.substring(0, sp).strip().replaceAll("\\s+", " ");
                operands = rest.substring(sp).strip();
            }
            Matcher d = DIRECT_TARGET.matcher(operands);
            if (d.matches()) { // make the printed target relative to .text like the addresses
                operands = Long.toHexString(Long.parseUnsignedLong(d.group(1), 16) - textAddr) + " <" + d.group(2) + ">";
            }
            all.put(addr, new Insn(addr, mnemonic, operands, comment));
        }
        Map<String, List<Insn>> result = new LinkedHashMap<>();
        for (FunctionSymbol s : elf.symbols()) {
            result.put(s.name(), new ArrayList<>(all.subMap(s.textOffset(), s.textOffset() + s.size()).values()));
        }
        return result;
    }

    private static int firstNonSpace(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static boolean isPrefix(String word) {
        String last = word.contains(" ") ? word.substring(word.lastIndexOf(' ') + 1) : word;
        return switch (last) {
            case "rep", "repz", "repe", "repnz", "repne", "lock", "data16", "addr32", "bnd", "notrack", "cs", "ds" -> true;
            default -> false;
        };
    }

    private static final Pattern DIRECT_TARGET = Pattern.compile("^([0-9a-f]+) <([^>]+)>$");
    private static final Pattern RIP = Pattern.compile("\\[rip([+-]0x[0-9a-f]+)\\]");

    /**
     * The normalised listing of one function (see the class comment): one line per instruction,
     * indented by two spaces, labels unindented.
     *
     * <p>Read-only data the backend places after a function's code (constant pools, jump tables) is
     * recognised as the bytes from the lowest RIP-relative target inside the function to its end;
     * objdump's decoding of those bytes is discarded and they are printed as data instead: a
     * table whose address is taken by {@code lea} as {@code .long} entries relative to the table
     * ({@code .long .L3-.L7}, the form the backend's {@code movsxd}/{@code add} dispatch reads), other
     * constants in units of the width of the operand that reads them ({@code .quad}, {@code .long}).
     *
     * @param symbol  the function's symbol (start and size within {@code .text})
     * @param insns   its instructions from {@link #disassemble}
     * @param symbols all function symbols, to describe targets outside the function
     * @param text    the bytes of {@code .text}
     */
    static List<String> normalise(FunctionSymbol symbol, List<Insn> insns, List<FunctionSymbol> symbols, byte[] text) {
        long start = symbol.textOffset();
        long end = start + symbol.size();
        long dataStart = end;
        List<Long> targets = new ArrayList<>();
        TreeMap<Long, Integer> dataWidth = new TreeMap<>(); // data label -> unit width; 0 = jump table
        int codeCount = 0;
        for (int i = 0; i < insns.size(); i++) {
            Insn in = insns.get(i);
            if (in.address() >= dataStart) {
                break;
            }
            codeCount++;
            long target = -1;
            Matcher d = DIRECT_TARGET.matcher(in.operands());
            Matcher r = RIP.matcher(in.operands());
            if (d.matches() && (in.mnemonic().startsWith("j") || in.mnemonic().startsWith("call")
                    || in.mnemonic().startsWith("loop"))) {
                target = Long.parseUnsignedLong(d.group(1), 16);
            } else if (r.find()) {
                long next = i + 1 < insns.size() ? insns.get(i + 1).address() : end;
                target = next + Long.decode(r.group(1).replace("+", ""));
                if (target > in.address() && target < end) {
                    dataStart = Math.min(dataStart, target);
                    int width = in.mnemonic().equals("lea") ? 0 : widthOf(in.operands());
                    dataWidth.merge(target, width, Math::min);
                }
            }
            targets.add(target);
        }
        List<Insn> code = insns.subList(0, codeCount);
        java.util.Set<Long> boundaries = new java.util.HashSet<>();
        for (Insn in : code) {
            boundaries.add(in.address());
        }
        TreeMap<Long, String> labels = new TreeMap<>();
        for (int i = 0; i < targets.size(); i++) {
            long t = targets.get(i);
            if (t >= start && t < end && !isSelfCall(code.get(i), t, start)) {
                labels.put(t, null);
            }
        }
        for (Map.Entry<Long, Integer> e : dataWidth.entrySet()) {
            if (e.getValue() == 0) { // jump table entries: signed 32-bit offsets from the table
                long chunkEnd = chunkEnd(e.getKey(), dataWidth, end);
                for (long at = e.getKey(); at + 4 <= chunkEnd; at += 4) {
                    long t = e.getKey() + readInt(text, at);
                    if (boundaries.contains(t)) {
                        labels.put(t, null);
                    }
                }
            }
        }
        int n = 0;
        for (Map.Entry<Long, String> e : labels.entrySet()) {
            e.setValue(".L" + n++);
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < code.size(); i++) {
            Insn in = code.get(i);
            String label = labels.get(in.address());
            if (label != null) {
                out.add(label + ":");
            }
            long t = targets.get(i);
            String operands = in.operands();
            if (t >= 0) {
                String name = isSelfCall(in, t, start) ? symbol.name() : describe(t, start, end, labels, symbols);
                if (DIRECT_TARGET.matcher(operands).matches()) {
                    operands = name;
                } else {
                    operands = RIP.matcher(operands).replaceFirst(Matcher.quoteReplacement("[rip+" + name + "]"));
                }
            }
            String line = operands.isEmpty() ? in.mnemonic() : String.format("%-6s %s", in.mnemonic(), operands);
            if (in.mnemonic().equals("ud1")) {
                // a trap site: its ModRM byte is 0xC0 | the trap code (CodeEmitter, SignalHandlerStub)
                int modrm = text[(int) in.address() + 2] & 0xff;
                line += "  ; trap " + dev.kiln.abi.TrapCode.fromCode(modrm & 0x3f).name().toLowerCase(java.util.Locale.ROOT);
            }
            out.add("  " + line.stripTrailing());
        }
        for (Map.Entry<Long, Integer> e : dataWidth.entrySet()) {
            long at = e.getKey();
            long chunkEnd = chunkEnd(at, dataWidth, end);
            out.add(labels.get(at) + ":");
            int width = e.getValue();
            if (width == 0) {
                for (; at + 4 <= chunkEnd; at += 4) {
                    int v = readInt(text, at);
                    String l = labels.get(e.getKey() + v);
                    out.add("  .long  " + (l != null && boundaries.contains(e.getKey() + v)
                            ? l + "-" + labels.get(e.getKey()) : "0x" + Integer.toHexString(v)));
                }
            } else {
                for (; at + width <= chunkEnd; at += width) {
                    long v = 0;
                    for (int b = width - 1; b >= 0; b--) {
                        v = (v << 8) | (text[(int) (at + b)] & 0xff);
                    }
                    String directive = switch (width) {
                        case 8 -> ".quad ";
                        case 4 -> ".long ";
                        case 2 -> ".word ";
                        default -> ".byte ";
                    };
                    out.add("  " + directive + " 0x" + Long.toHexString(v));
                }
            }
            for (; at < chunkEnd; at++) {
                out.add("  .byte   0x" + Integer.toHexString(text[(int) at] & 0xff));
            }
        }
        for (Map.Entry<Long, String> e : labels.entrySet()) {
            if (!boundaries.contains(e.getKey()) && !dataWidth.containsKey(e.getKey())) {
                // a target in the middle of an instruction: say so, never hide it
                out.add(e.getValue() + ": (offset 0x" + Long.toHexString(e.getKey() - start)
                        + ", not at an instruction boundary)");
            }
        }
        return out;
    }

    /** A recursive call: printed with the function's own name rather than a label. */
    private static boolean isSelfCall(Insn in, long target, long start) {
        return target == start && in.mnemonic().startsWith("call");
    }

    private static long chunkEnd(long at, TreeMap<Long, Integer> dataLabels, long end) {
        Long next = dataLabels.higherKey(at);
        return next == null ? end : next;
    }

    private static int readInt(byte[] text, long at) {
        int i = (int) at;
        return (text[i] & 0xff) | (text[i + 1] & 0xff) << 8 | (text[i + 2] & 0xff) << 16 | (text[i + 3] & 0xff) << 24;
    }

    /** Unit width in bytes of the memory operand in Intel syntax ({@code QWORD PTR} and wider print as 8). */
    private static int widthOf(String operands) {
        if (operands.contains("XMMWORD PTR") || operands.contains("QWORD PTR")) {
            return 8;
        }
        if (operands.contains("DWORD PTR")) {
            return 4;
        }
        if (operands.contains("WORD PTR")) {
            return 2;
        }
        return 1;
    }

    private static String describe(long target, long start, long end, Map<Long, String> labels,
            List<FunctionSymbol> symbols) {
        if (target >= start && target < end) {
            return labels.get(target);
        }
        FunctionSymbol best = null;
        for (FunctionSymbol s : symbols) {
            if (s.textOffset() <= target && (best == null || s.textOffset() > best.textOffset())) {
                best = s;
            }
        }
        if (best == null) {
            return "text+0x" + Long.toHexString(target);
        }
        long off = target - best.textOffset();
        return off == 0 ? best.name() : best.name() + "+0x" + Long.toHexString(off);
    }
}
