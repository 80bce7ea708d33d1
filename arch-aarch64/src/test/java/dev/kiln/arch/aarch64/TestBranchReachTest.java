package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code tbz}/{@code tbnz} reach only +-32 KiB: a single-bit branch over a body larger than that must be
 * emitted as {@code tst} + {@code b.cond} instead (the function is emitted a second time without test
 * branches), while the same branch over a short body stays a {@code tbz}.
 */
class TestBranchReachTest {

    /** A function branching on bit 2 of its parameter around {@code n} multiply-adds (two instructions each). */
    private static String module(int n) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < n; i++) {
            body.append("        (local.set $y (i32.add (i32.mul (local.get $y) (local.get $x)) (i32.const ")
                    .append(1000 + i).append(")))\n");
        }
        return "(module\n  (func (export \"f\") (param $x i32) (result i32) (local $y i32)\n"
                + "    (if (i32.and (local.get $x) (i32.const 4))\n      (then\n" + body + "      ))\n"
                + "    (local.get $y)))\n";
    }

    private static List<String> mnemonics(List<String> listing) {
        return listing.stream().map(String::strip).map(l -> l.split("\\s+")[0]).toList();
    }

    @Test
    void shortBodyUsesTbz() throws IOException {
        GnuAs.require();
        List<String> m = mnemonics(GoldenDisassemblyTest.disassemble(module(4), "short.wat"));
        assertTrue(m.contains("tbz"), () -> "expected a tbz: " + m);
    }

    @Test
    void bodyBeyond32KiBFallsBackToTstAndBcond() throws IOException {
        GnuAs.require();
        List<String> listing = GoldenDisassemblyTest.disassemble(module(6000), "long.wat");
        List<String> m = mnemonics(listing);
        assertTrue(listing.size() > 32 * 1024 / 4, "the body must be longer than tbz can reach: " + listing.size());
        assertFalse(m.contains("tbz") || m.contains("tbnz"), "no test branch may remain");
        assertTrue(m.contains("tst"), "the bit is tested with tst");
        assertTrue(m.stream().anyMatch(s -> s.startsWith("b.")), "and branched on with b.cond");
    }
}
