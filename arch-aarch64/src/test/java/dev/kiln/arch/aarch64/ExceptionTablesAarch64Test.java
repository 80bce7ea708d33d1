package dev.kiln.arch.aarch64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.abi.CompileOptions;
import dev.kiln.abi.ExceptionTables;
import dev.kiln.abi.elf.ElfFile;
import dev.kiln.abi.elf.ElfReader;
import dev.kiln.abi.elf.FunctionSymbol;
import dev.kiln.compiler.ModuleCompiler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The AArch64 backend's exception tables, read back from a cross-compiled artifact: every call to
 * Wasm code has a call site whose return offset follows a {@code bl}/{@code blr}, whose frame bytes
 * reach the frame record's {@code x30} slot (a multiple of 16 plus 8) and whose flag says whether it
 * lies in a catching {@code try_table}. (The legacy encoding runs in {@code loader-ffm}'s
 * {@code ExceptionHandlingTest} and the spec files on the AArch64 stage.)
 */
class ExceptionTablesAarch64Test {
    private static final String MODULE = """
            (module
              (import "m" "f" (func $imported (param i32)))
              (tag $e (param i32))
              (type $t (func (param i32)))
              (table 1 funcref)
              (func $thrower (export "thrower") (param i32) (throw $e (local.get 0)))
              (func $catcher (export "catcher") (param i32) (result i32)
                (block $h (result i32)
                  (try_table (catch $e $h)
                    (call $thrower (local.get 0))
                    (call $imported (local.get 0))
                    (call_indirect (type $t) (local.get 0) (i32.const 0)))
                  (call $imported (local.get 0))
                  (i32.const 0)))
              (func $many (export "many") (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32) (local.get 9))
              (func $stackArgs (export "stackArgs") (result i32)
                (block $h (result i32)
                  (try_table (catch $e $h)
                    (drop (call $many (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
                      (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (i32.const 10))))
                  (i32.const 0))))
            """;

    private static ElfFile compile(String wat) {
        byte[] artifact = new ModuleCompiler(new Aarch64Backend()).compile(wat.getBytes(StandardCharsets.UTF_8), "eh.wat",
                CompileOptions.defaults().withVerifyIr(true));
        return ElfReader.parse(artifact, "eh.wat");
    }

    private static FunctionSymbol function(ElfFile elf, String name) {
        return elf.symbols().stream().filter(s -> s.name().endsWith("::" + name)).findFirst().orElseThrow(
                () -> new AssertionError("no symbol for " + name + " in " + elf.symbols()));
    }

    private static List<ExceptionTables.CallSite> sitesIn(ExceptionTables t, FunctionSymbol f) {
        return t.callSites().stream().filter(s -> s.returnOffset() > f.textOffset()
                && s.returnOffset() <= f.textOffset() + f.size()).toList();
    }

    @Test
    void callSitesFollowCallsAndFlagTheCatchingOnes() {
        ElfFile elf = compile(MODULE);
        // the plain call sites are in the frame table (ExceptionTables#encode(int[], int[]))
        ExceptionTables t = ExceptionTables.decode(elf.sectionBytes(ExceptionTables.SECTION),
                () -> dev.kiln.abi.FrameTable.decode(elf.sectionBytes(dev.kiln.abi.FrameTable.SECTION), "test"));
        assertEquals(1, t.tagTypes().length);
        ByteBuffer text = ByteBuffer.wrap(elf.sectionBytes(".text")).order(ByteOrder.LITTLE_ENDIAN);
        List<ExceptionTables.CallSite> catcher = sitesIn(t, function(elf, "catcher"));
        // three calls in the try_table (direct, import, indirect), one (an import: never inlined) after it
        assertEquals(List.of(true, true, true, false), catcher.stream().map(ExceptionTables.CallSite::catches).toList(),
                catcher.toString());
        for (ExceptionTables.CallSite s : t.callSites()) {
            int insn = text.getInt(s.returnOffset() - 4);
            boolean bl = (insn & 0xFC00_0000) == 0x9400_0000;
            boolean blr = (insn & 0xFFFF_FC1F) == 0xD63F_0000;
            assertTrue(bl || blr, "the instruction before return offset " + s.returnOffset() + " is a call: "
                    + Integer.toHexString(insn));
            assertEquals(8, s.frameBytes() % 16, "frame bytes reach the x30 half of the frame record: " + s);
        }
        assertTrue(sitesIn(t, function(elf, "thrower")).isEmpty(), "a throw is a libcall, not a call site");
        List<ExceptionTables.CallSite> stack = sitesIn(t, function(elf, "stackArgs"));
        assertEquals(1, stack.size());
        assertTrue(stack.get(0).catches());
        assertEquals(16, stack.get(0).popped(), "two stack arguments, popped by the callee in 16 bytes");
    }
}
