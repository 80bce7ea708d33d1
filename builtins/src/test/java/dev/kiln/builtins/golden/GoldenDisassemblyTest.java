package dev.kiln.builtins.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.CompileTimeBuiltins;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.FunctionSymbol;
import dev.kiln.builtins.HostBuffers;
import dev.kiln.compiler.KilnCompilerService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Disassembly golden tests of code compiled with compile-time builtins (the Cranelift filetests
 * idea, DESIGN §5): each {@code src/test/resources/golden/*.wat} holds a guest, the builtins it is
 * compiled with (in {@code ;; builtin NAME:} comment blocks, or {@code HostBuffers.builtin()}),
 * optional {@code ;; option: no-spectre-guard}, one {@code ;; check FUNC: key=N ...} line per
 * exported guest function to list and, after {@code ;; ---- expected ----}, the normalised
 * {@code objdump -d -M intel} listing of each such function (addresses dropped, branch targets inside
 * the function as labels {@code .L0}, ..., a trap site's {@code ud1} followed by {@code ; trap} and
 * the trap code it carries). Run with {@code -Dkiln.golden.update=true} to rewrite the
 * expectations after a reviewed change.
 *
 * <p>Independently of the exact listing, the check line's counts must hold: {@code calls} in the
 * whole function, and in its first innermost loop in layout order (from the target of a backward
 * branch to the last branch there; the first, so that a loop versioned by {@code LoopVersioning} is
 * counted in its checked copy, not in the original placed after the function's other code) {@code loop-calls}, {@code loop-loads} (instructions that read memory) and
 * {@code loop-compares} ({@code cmp} and {@code test}). Skipped when objdump (binutils) is not
 * installed.
 */
class GoldenDisassemblyTest {
    private static final String MARKER = ";; ---- expected ----";
    private static final Path DIR = Path.of("src", "test", "resources", "golden");

    @TestFactory
    List<DynamicTest> goldenFiles() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        try (var files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".wat")).sorted().toList()) {
                tests.add(DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
            }
        }
        assertTrue(!tests.isEmpty(), "no golden files in " + DIR);
        return tests;
    }

    private static void check(Path file) throws IOException, InterruptedException {
        if ("true".equals(System.getenv("CI"))) {
            org.junit.jupiter.api.Assertions.assertTrue(objdumpAvailable(),
                    "objdump (binutils) is needed under CI=true; .ci/run installs it");
        }
        assumeTrue(objdumpAvailable(), "objdump (binutils) not installed; skipping the golden disassembly test");
        String all = Files.readString(file);
        int at = all.indexOf(MARKER);
        String source = at < 0 ? all : all.substring(0, at);
        CompileTimeBuiltins builtins = builtins(source);
        CompileOptions options = CompileOptions.defaults().withVerifyIr(true)
                .withSpectreGuard(!source.contains(";; option: no-spectre-guard"));
        byte[] artifact = new KilnCompilerService().compile(source.getBytes(StandardCharsets.UTF_8), file.toString(),
                options, builtins);
        ElfFile elf = ElfReader.parse(artifact, file.toString());
        Map<String, List<String[]>> listing = disassemble(artifact, elf);

        StringBuilder expected = new StringBuilder();
        Matcher checks = Pattern.compile("(?m)^;; check ([A-Za-z0-9_-]+):(.*)$").matcher(source);
        int functions = 0;
        while (checks.find()) {
            String fn = checks.group(1);
            String symbol = listing.keySet().stream().filter(s -> s.endsWith("::" + fn)).findFirst()
                    .orElseThrow(() -> new AssertionError(file + ": no function " + fn));
            List<String[]> insns = listing.get(symbol);
            expected.append(";; ").append(symbol).append(":\n");
            for (String l : normalise(insns)) {
                expected.append(";;").append(l.startsWith(".") ? " " : "   ").append(l).append('\n');
            }
            checkCounts(file.getFileName() + ": " + symbol, insns, checks.group(2));
            functions++;
        }
        assertTrue(functions > 0, file + " has no ;; check lines");
        String actual = expected.toString();
        if (Boolean.getBoolean("kiln.golden.update")) {
            Files.writeString(file, source.stripTrailing() + "\n\n" + MARKER + "\n" + actual);
            return;
        }
        assertTrue(at >= 0, "no expectation in " + file + "; run with -Dkiln.golden.update=true");
        assertEquals(all.substring(at + MARKER.length()).strip(), actual.strip(),
                file + ": disassembly changed; review it and run with -Dkiln.golden.update=true");
    }

    /** Checks the {@code key=N} counts of a check line (see the class comment). */
    private static void checkCounts(String what, List<String[]> insns, String spec) {
        int calls = 0;
        for (String[] in : insns) {
            calls += isCall(in) ? 1 : 0;
        }
        // each loop: the target of backward branches and the last branch to it
        Map<Long, Integer> loops = new TreeMap<>();
        for (int i = 0; i < insns.size(); i++) {
            String[] in = insns.get(i);
            Matcher m = TARGET.matcher(in[2]);
            if (in[1].startsWith("j") && m.matches()) {
                long target = Long.parseLong(m.group(1), 16);
                if (target <= Long.parseLong(in[0], 16)) {
                    loops.merge(target, i, Math::max);
                }
            }
        }
        // the first innermost loop in layout order (a versioned loop's original copy comes later)
        long bestFrom = -1;
        int bestTo = -1;
        for (Map.Entry<Long, Integer> l : loops.entrySet()) {
            boolean innermost = true;
            for (Map.Entry<Long, Integer> o : loops.entrySet()) {
                if (o.getKey() > l.getKey() && o.getValue() <= l.getValue()) {
                    innermost = false;
                }
            }
            if (innermost) {
                bestFrom = l.getKey();
                bestTo = l.getValue();
                break;
            }
        }
        int loopCalls = 0;
        int loads = 0;
        int compares = 0;
        StringBuilder body = new StringBuilder();
        for (String[] in : insns) {
            long addr = Long.parseLong(in[0], 16);
            if (bestTo < 0 || addr < bestFrom || addr > Long.parseLong(insns.get(bestTo)[0], 16)) {
                continue;
            }
            body.append(in[1]).append(' ').append(in[2]).append('\n');
            loopCalls += isCall(in) ? 1 : 0;
            compares += in[1].equals("cmp") || in[1].equals("test") ? 1 : 0;
            int comma = in[2].indexOf(',');
            String source = comma < 0 ? in[2] : in[2].substring(comma + 1);
            boolean reads = source.contains("PTR [") || (comma >= 0 && in[2].substring(0, comma).contains("PTR [")
                    && !in[1].startsWith("mov"));
            if (reads && !in[1].equals("lea")) {
                loads++;
            }
        }
        for (String kv : spec.trim().split("\\s+")) {
            String[] p = kv.split("=");
            int want = Integer.parseInt(p[1]);
            int have = switch (p[0]) {
                case "calls" -> calls;
                case "loop-calls" -> loopCalls;
                case "loop-loads" -> loads;
                case "loop-compares" -> compares;
                default -> throw new AssertionError("unknown check " + p[0]);
            };
            if (!p[0].equals("calls")) {
                assertTrue(bestTo >= 0, what + " has no loop");
            }
            assertEquals(want, have, what + ": " + p[0] + "; the loop:\n" + body);
        }
    }

    private static final Pattern TARGET = Pattern.compile("^([0-9a-f]+) <.*>$");

    /**
     * Whether {@code in} calls a function: a {@code call} whose target is a symbol's start. An explicit
     * check's out-of-line trap call targets the module's stub of its trap code
     * ({@code <kiln_trap[integer_overflow]>}, or on AArch64 a label inside the function,
     * {@code <wasm[1]::sum+0x54>}): it runs only to trap and is not counted.
     */
    private static boolean isCall(String[] in) {
        return in[1].startsWith("call") && !in[2].matches("^[0-9a-f]+ <[^>]*\\+0x[0-9a-f]+>$")
                && !in[2].matches("^[0-9a-f]+ <kiln_trap\\[[a-z_]+\\]>$");
    }

    /** Builtins named in {@code ;; builtin NAME:} comment blocks of the source. */
    static CompileTimeBuiltins builtins(String source) {
        CompileTimeBuiltins b = CompileTimeBuiltins.none().withIntrinsicsNamespace("unsafe-intrinsics");
        String name = null;
        StringBuilder text = new StringBuilder();
        for (String line : (source + "\n;; end").split("\n")) {
            Matcher m = Pattern.compile("^;; builtin ([a-z-]+):(.*)$").matcher(line);
            boolean block = name != null && line.startsWith(";;   ");
            if (block) {
                text.append(line.substring(5)).append('\n');
                continue;
            }
            if (name != null && !text.isEmpty()) {
                b = b.with(new CompileTimeBuiltins.Builtin(name, text.toString().getBytes(StandardCharsets.UTF_8), null));
            }
            name = null;
            text.setLength(0);
            if (m.matches()) {
                if (m.group(2).strip().equals("HostBuffers.builtin()")) {
                    b = b.with(new CompileTimeBuiltins.Builtin(m.group(1), HostBuffers.builtin(), null));
                } else {
                    name = m.group(1);
                }
            }
        }
        return b;
    }

    static boolean objdumpAvailable() {
        try {
            Process p = new ProcessBuilder("objdump", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Per symbol: {hex address from .text start, mnemonic, operands} of each instruction. */
    static Map<String, List<String[]>> disassemble(byte[] artifact, ElfFile elf) throws IOException, InterruptedException {
        Path tmp = Files.createTempFile("kiln-builtins-golden", ".elf");
        String out;
        try {
            Files.write(tmp, artifact);
            Process p = new ProcessBuilder("objdump", "-d", "-M", "intel", "--no-show-raw-insn", "-w", "-j", ".text",
                    tmp.toString()).redirectErrorStream(true).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "objdump failed:\n" + out);
        } finally {
            Files.deleteIfExists(tmp);
        }
        long text = elf.text().addr();
        TreeMap<Long, String[]> byAddr = new TreeMap<>();
        Pattern line = Pattern.compile("^\\s*([0-9a-f]+):\\s+(\\S+)\\s*(.*?)\\s*(#.*)?$");
        for (String l : out.split("\n")) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                long addr = Long.parseUnsignedLong(m.group(1), 16) - text;
                String ops = m.group(3);
                Matcher t = Pattern.compile("^([0-9a-f]+) <(.*)>$").matcher(ops);
                if (t.matches()) {
                    ops = Long.toHexString(Long.parseUnsignedLong(t.group(1), 16) - text) + " <" + t.group(2) + ">";
                }
                byAddr.put(addr, new String[] {Long.toHexString(addr), m.group(2), ops});
            }
        }
        Map<String, List<String[]>> result = new TreeMap<>();
        for (FunctionSymbol s : elf.symbols()) {
            result.put(s.name(), new ArrayList<>(byAddr.subMap(s.textOffset(), s.textOffset() + s.size()).values()));
        }
        return result;
    }

    /** Addresses dropped, targets inside the function as labels, outside as {@code <symbol>}. */
    static List<String> normalise(List<String[]> insns) {
        long start = Long.parseLong(insns.get(0)[0], 16);
        long end = Long.parseLong(insns.get(insns.size() - 1)[0], 16);
        TreeMap<Long, String> labels = new TreeMap<>();
        for (String[] in : insns) {
            Matcher m = TARGET.matcher(in[2]);
            if (m.matches()) {
                long t = Long.parseLong(m.group(1), 16);
                if (t >= start && t <= end) {
                    labels.put(t, null);
                }
            }
        }
        int n = 0;
        for (Long t : labels.keySet()) {
            labels.put(t, ".L" + n++);
        }
        List<String> out = new ArrayList<>();
        for (String[] in : insns) {
            long addr = Long.parseLong(in[0], 16);
            if (labels.containsKey(addr)) {
                out.add(labels.get(addr) + ":");
            }
            String ops = in[2];
            Matcher m = TARGET.matcher(ops);
            if (m.matches()) {
                long t = Long.parseLong(m.group(1), 16);
                ops = labels.containsKey(t) ? labels.get(t) : ops.substring(ops.indexOf('<') + 1, ops.length() - 1)
                        .replaceAll("\\+0x[0-9a-f]+$", "");
            }
            String line = String.format("%-6s %s", in[1], ops).stripTrailing();
            if (in[1].equals("ud1")) {
                line += "  ; trap " + trapOfUd1(ops);
            }
            out.add(line);
        }
        return out;
    }

    /**
     * The trap code of a trap site's {@code ud1 r32, r32} (guard-page mode on x86-64): its ModRM byte
     * is {@code 0xC0 | code}, so the code is the first register's number times 8 plus the second's.
     */
    private static String trapOfUd1(String operands) {
        List<String> regs = List.of("eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi");
        String[] two = operands.split(",");
        int code = regs.indexOf(two[0].strip()) << 3 | regs.indexOf(two[1].strip());
        return dev.kiln.abi.TrapCode.fromCode(code).name().toLowerCase(java.util.Locale.ROOT);
    }
}
