package dev.kiln.arch.aarch64;

import dev.kiln.compiler.mach.Label;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GNU binutils for AArch64 ({@code aarch64-linux-gnu-as}, {@code -ld}, {@code -objcopy}, {@code -nm},
 * {@code -objdump}; Debian package {@code binutils-aarch64-linux-gnu}) as the reference for
 * {@link Assembler}: a batch of cases, each one instruction (or sequence) written as assembly text and
 * emitted by the assembler, is assembled in one run, linked at address 0 (so {@code adrp} to a label
 * resolves as it does in a 4 KiB-aligned buffer) and the bytes between the symbols {@code i<n>} that
 * precede each case are compared. {@link #require()} skips a test class when the tools are missing,
 * or fails it when the environment variable {@code CI} is {@code true}.
 */
final class GnuAs {
    static final String PREFIX = "aarch64-linux-gnu-";
    private static final String[] TOOLS = {"as", "ld", "objcopy", "nm", "objdump"};
    private static Boolean available;
    private static boolean warned;

    private final String form;
    private final List<String> texts = new ArrayList<>();
    private final List<byte[]> ours = new ArrayList<>();

    GnuAs(String form) {
        this.form = form;
    }

    static synchronized boolean available() {
        if (available == null) {
            boolean ok = true;
            for (String tool : TOOLS) {
                try {
                    Process p = new ProcessBuilder(PREFIX + tool, "--version").redirectErrorStream(true).start();
                    p.getInputStream().readAllBytes();
                    ok &= p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
                } catch (IOException e) {
                    ok = false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    ok = false;
                }
            }
            available = ok;
        }
        return available;
    }

    /** Skips the calling test (class) without the binutils, or fails it under {@code CI=true}. */
    static void require() {
        if (available()) {
            return;
        }
        String message = PREFIX + "{as,ld,objcopy,nm,objdump} not found on PATH (Debian package "
                + "binutils-aarch64-linux-gnu): the AArch64 encodings cannot be compared with GNU as";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + " (CI=true: .ci/run installs it)");
        }
        synchronized (GnuAs.class) {
            if (!warned) {
                warned = true;
                System.err.println("SKIPPED: " + message);
            }
        }
        assumeTrue(false, message);
    }

    /** Adds one case: {@code text} is the GNU assembly spelling (one or more lines), {@code emit} its encoding. */
    void add(String text, Consumer<Assembler> emit) {
        Assembler a = new Assembler();
        emit.accept(a);
        texts.add(text);
        ours.add(a.finish());
    }

    /**
     * Adds two cases of an instruction referring to a label: in {@code text} {@code $L} stands for the
     * label. One case targets its own start (the label bound before the instruction), one the start of
     * the next case (bound after it).
     */
    void addLabel(String text, BiConsumer<Assembler, Label> emit) {
        for (boolean forward : new boolean[] {false, true}) {
            Assembler a = new Assembler();
            Label l = a.newLabel();
            if (!forward) {
                a.bind(l);
            }
            emit.accept(a, l);
            if (forward) {
                a.bind(l);
            }
            texts.add(text.replace("$L", forward ? "$NEXT" : "$HERE"));
            ours.add(a.finish());
        }
    }

    int size() {
        return texts.size();
    }

    /** Assembles all cases and fails with the first differing encodings, if any. */
    void verify() {
        StringBuilder src = new StringBuilder(".text\n");
        for (int i = 0; i < texts.size(); i++) {
            src.append('i').append(i).append(":\n  ")
                    .append(texts.get(i).replace("$HERE", "i" + i).replace("$NEXT", "i" + (i + 1)).replace("\n", "\n  "))
                    .append('\n');
        }
        src.append('i').append(texts.size()).append(":\n");
        Linked linked = assembleAndLink(form, src.toString());
        List<String> errors = new ArrayList<>();
        HexFormat hex = HexFormat.ofDelimiter(" ");
        for (int i = 0; i < texts.size(); i++) {
            int from = linked.symbols.get("i" + i);
            int to = linked.symbols.get("i" + (i + 1));
            byte[] expected = Arrays.copyOfRange(linked.code, from, to);
            if (!Arrays.equals(expected, ours.get(i))) {
                errors.add(String.format(Locale.ROOT, "  %-50s as: %-36s ours: %s", texts.get(i).replace("\n", "; "),
                        hex.formatHex(expected), hex.formatHex(ours.get(i))));
            }
        }
        if (!errors.isEmpty()) {
            fail(form + ": " + errors.size() + " of " + texts.size() + " encodings differ from GNU as:\n"
                    + String.join("\n", errors.subList(0, Math.min(40, errors.size()))));
        }
    }

    /** The code of a linked program ({@code .text} at address 0) and the addresses of its symbols. */
    record Linked(byte[] code, Map<String, Integer> symbols) {
    }

    /** Assembles {@code source} with GNU as (failing on any diagnostic) and links it at address 0. */
    static Linked assembleAndLink(String what, String source) {
        return inTempDir(dir -> {
            Path s = dir.resolve("t.s");
            Files.writeString(s, source + "\n.section .note.GNU-stack,\"\",@progbits\n");
            String asOut = run(dir, false, PREFIX + "as", "-o", "t.o", "t.s");
            if (!asOut.isBlank()) {
                fail(what + ": GNU as complained:\n" + annotate(asOut, source));
            }
            run(dir, PREFIX + "ld", "-Ttext=0", "-e", "0", "--no-warn-rwx-segments", "-o", "t.elf", "t.o");
            run(dir, PREFIX + "objcopy", "-O", "binary", "-j", ".text", "t.elf", "t.bin");
            Map<String, Integer> symbols = new HashMap<>();
            for (String line : run(dir, PREFIX + "nm", "t.elf").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3) {
                    symbols.put(f[2], (int) Long.parseLong(f[0], 16));
                }
            }
            return new Linked(Files.readAllBytes(dir.resolve("t.bin")), symbols);
        });
    }

    /** The {@code .text} of an unlinked object and its relocations, each as {@code "offset TYPE symbol+addend"}. */
    record ObjectCode(byte[] code, List<String> relocations) {
    }

    /** Assembles {@code source} with GNU as (failing on any diagnostic) without linking. */
    static ObjectCode assembleObject(String what, String source) {
        return inTempDir(dir -> {
            Files.writeString(dir.resolve("t.s"), source + "\n");
            String asOut = run(dir, false, PREFIX + "as", "-o", "t.o", "t.s");
            if (!asOut.isBlank()) {
                fail(what + ": GNU as complained:\n" + annotate(asOut, source));
            }
            run(dir, PREFIX + "objcopy", "-O", "binary", "-j", ".text", "t.o", "t.bin");
            List<String> relocs = new ArrayList<>();
            Pattern p = Pattern.compile("^([0-9a-f]+)\\s+(R_AARCH64_\\w+)\\s+(\\S+)$");
            for (String line : run(dir, PREFIX + "objdump", "-r", "t.o").split("\n")) {
                Matcher m = p.matcher(line.trim());
                if (m.matches()) {
                    relocs.add(Long.parseLong(m.group(1), 16) + " " + m.group(2) + " " + m.group(3));
                }
            }
            return new ObjectCode(Files.readAllBytes(dir.resolve("t.bin")), relocs);
        });
    }

    /**
     * Assembles each of {@code lines} with GNU as (in one run) and returns the indices of the lines it
     * rejects with an error.
     */
    static TreeSet<Integer> rejectedLines(List<String> lines) {
        return inTempDir(dir -> {
            StringBuilder src = new StringBuilder(".text\n");
            for (String l : lines) {
                src.append(l).append('\n');
            }
            Files.writeString(dir.resolve("t.s"), src.toString());
            String out = run(dir, false, PREFIX + "as", "-o", "t.o", "t.s");
            TreeSet<Integer> rejected = new TreeSet<>();
            Matcher m = Pattern.compile("t\\.s:(\\d+): Error:").matcher(out);
            while (m.find()) {
                rejected.add(Integer.parseInt(m.group(1)) - 2);
            }
            return rejected;
        });
    }

    /** The {@code objdump -d} listing of a raw AArch64 code blob: one "mnemonic operands" string per word. */
    static List<String> disassemble(byte[] code) {
        return inTempDir(dir -> {
            Files.write(dir.resolve("t.bin"), code);
            String out = run(dir, PREFIX + "objdump", "-D", "-b", "binary", "-m", "aarch64", "t.bin");
            List<String> insns = new ArrayList<>();
            Pattern p = Pattern.compile("^\\s*[0-9a-f]+:\\s+[0-9a-f]{8}\\s+(.*)$");
            for (String line : out.split("\n")) {
                Matcher m = p.matcher(line);
                if (m.matches()) {
                    insns.add(m.group(1).replaceAll("\\s*//.*$", "").replaceAll("\\s+", " ").trim());
                }
            }
            return insns;
        });
    }

    private static String annotate(String out, String source) {
        String[] src = source.split("\n");
        StringBuilder msg = new StringBuilder();
        String[] lines = out.split("\n");
        for (int k = 0; k < Math.min(30, lines.length); k++) {
            msg.append("  ").append(lines[k]);
            Matcher m = Pattern.compile("t\\.s:(\\d+):").matcher(lines[k]);
            if (m.find()) {
                int line = Integer.parseInt(m.group(1));
                if (line >= 1 && line <= src.length) {
                    msg.append("   <- ").append(src[line - 1].trim());
                }
            }
            msg.append('\n');
        }
        return msg.toString();
    }

    interface IoFunction<T> {
        T apply(Path dir) throws IOException;
    }

    private static <T> T inTempDir(IoFunction<T> body) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("kiln-a64-as");
            return body.apply(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // best-effort cleanup of the temporary directory
                }
            }
        }
    }

    private static String run(Path dir, String... cmd) throws IOException {
        return run(dir, true, cmd);
    }

    private static String run(Path dir, boolean mustSucceed, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (mustSucceed && p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + out);
        }
        return out;
    }
}
