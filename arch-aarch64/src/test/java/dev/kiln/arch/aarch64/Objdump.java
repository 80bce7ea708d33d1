package dev.kiln.arch.aarch64;

import dev.kiln.abi.elf.FunctionSymbol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code aarch64-linux-gnu-objdump -d} over an artifact, normalised for the golden tests: addresses
 * dropped, each branch, {@code adr} and literal-load target inside the function named by a local label
 * {@code .L0, .L1, ...} in address order, calls and branches to other symbols by the symbol's name,
 * and everything from the first forward {@code adr}/literal target on (the literal pool and jump tables) shown
 * as {@code .word} data rather than decoded as instructions.
 */
final class Objdump {
    private Objdump() {
    }

    /** One decoded instruction: address (from the start of the file's {@code .text} mapping), mnemonic, operands. */
    record Insn(long address, String mnemonic, String operands) {
    }

    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\s+([0-9a-f]{8})\\s+(\\S+)\\s*(.*)$");
    private static final Pattern SYMBOL = Pattern.compile("^[0-9a-f]+ <(.+)>:$");
    private static final Pattern TARGET = Pattern.compile("([0-9a-f]+) <([^>+]+)(\\+0x[0-9a-f]+)?>");

    /** Every function's instructions, by symbol name. */
    static Map<String, List<Insn>> disassemble(byte[] artifact) throws IOException {
        Path file = Files.createTempFile("kiln-golden", ".kiln");
        try {
            Files.write(file, artifact);
            Process p = new ProcessBuilder(GnuAs.PREFIX + "objdump", "-d", "-z", file.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("objdump failed: " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            Map<String, List<Insn>> listings = new HashMap<>();
            List<Insn> current = null;
            for (String line : out.lines().toList()) {
                Matcher s = SYMBOL.matcher(line);
                if (s.matches()) {
                    current = new ArrayList<>();
                    listings.put(s.group(1), current);
                    continue;
                }
                Matcher m = LINE.matcher(line);
                if (m.matches() && current != null) {
                    String ops = m.group(4);
                    int comment = ops.indexOf("//");
                    if (comment >= 0) {
                        ops = ops.substring(0, comment);
                    }
                    current.add(new Insn(Long.parseLong(m.group(1), 16), m.group(3), ops.strip()));
                }
            }
            return listings;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static boolean refersToLabel(String mnemonic) {
        return mnemonic.equals("b") || mnemonic.startsWith("b.") || mnemonic.equals("bl") || mnemonic.equals("cbz")
                || mnemonic.equals("cbnz") || mnemonic.equals("tbz") || mnemonic.equals("tbnz") || mnemonic.equals("adr")
                || mnemonic.equals("ldr") || mnemonic.equals("ldrsw");
    }

    /** The normalised lines of {@code symbol}'s code. */
    static List<String> normalise(FunctionSymbol symbol, List<Insn> insns, byte[] text, long textAddress) {
        long start = insns.isEmpty() ? 0 : insns.get(0).address();
        long end = start + symbol.size(); // the padding up to the next symbol belongs to no function
        insns = insns.stream().filter(in -> in.address() < end).toList();
        TreeMap<Long, Integer> labels = new TreeMap<>();
        long dataStart = end;
        for (Insn in : insns) {
            if (in.address() >= dataStart || !refersToLabel(in.mnemonic())) {
                continue;
            }
            Matcher t = TARGET.matcher(in.operands());
            if (t.find()) {
                long target = Long.parseLong(t.group(1), 16);
                if (target >= start && target < end && t.group(2).equals(symbol.name())) {
                    labels.put(target, 0);
                    // the literal pool and jump tables follow the code; an adr back into the code names a
                    // trap site (its out-of-line entry passes the site to the unwind stub)
                    if ((in.mnemonic().equals("adr") || in.mnemonic().startsWith("ldr")) && target > in.address()) {
                        dataStart = Math.min(dataStart, target);
                    }
                }
            }
        }
        int k = 0;
        for (Map.Entry<Long, Integer> e : labels.entrySet()) {
            e.setValue(k++);
        }
        List<String> out = new ArrayList<>();
        for (Insn in : insns) {
            Integer l = labels.get(in.address());
            if (l != null) {
                out.add(".L" + l + ":");
            }
            if (in.address() >= dataStart) {
                int at = (int) (in.address() - textAddress);
                int word = (text[at] & 0xFF) | (text[at + 1] & 0xFF) << 8 | (text[at + 2] & 0xFF) << 16 | text[at + 3] << 24;
                out.add(String.format("  %-7s0x%08x", ".word", word));
                continue;
            }
            String ops = in.operands();
            Matcher t = TARGET.matcher(ops);
            if (refersToLabel(in.mnemonic()) && t.find()) {
                long target = Long.parseLong(t.group(1), 16);
                Integer tl = labels.get(target);
                String name = tl != null && t.group(2).equals(symbol.name()) ? ".L" + tl
                        : t.group(2) + (t.group(3) != null ? t.group(3) : "");
                ops = ops.substring(0, t.start()) + name + ops.substring(t.end());
            }
            out.add(ops.isEmpty() ? "  " + in.mnemonic() : String.format("  %-7s%s", in.mnemonic(), ops));
        }
        return out;
    }
}
