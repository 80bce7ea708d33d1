package dev.kiln.compiler.wasm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs every {@code (module binary ...)} of the spec testsuite (2.0) through the decoder and the
 * validator: plain modules must decode and validate, {@code assert_malformed} ones must fail to decode
 * with a message starting with the expected text (the reference interpreter's prefix match), and
 * {@code assert_invalid} ones must decode and then fail validation likewise.
 */
class SpecBinaryTest {
    static final boolean VALIDATE = true;

    @Test
    void binaryModulesOfTheTestsuite() throws IOException {
        Path suite = TestSuiteFiles.suite20();
        Assumptions.assumeTrue(suite != null, "spec testsuite not found");
        List<WastBinaryModules.Case> cases = WastBinaryModules.load(suite);
        assertTrue(cases.size() > 300, "found only " + cases.size() + " binary modules");
        List<String> failures = new ArrayList<>();
        int malformed = 0;
        int invalid = 0;
        int valid = 0;
        for (WastBinaryModules.Case c : cases) {
            String problem = check(c);
            if (problem != null) {
                failures.add(c + ": " + problem);
            }
            switch (c.kind()) {
                case MALFORMED -> malformed++;
                case INVALID -> invalid++;
                default -> valid++;
            }
        }
        System.out.printf("spec binary modules: %d valid, %d malformed, %d invalid, %d failures%n",
                valid, malformed, invalid, failures.size());
        if (!failures.isEmpty()) {
            fail(failures.size() + " failures:\n" + String.join("\n", failures));
        }
    }

    static String check(WastBinaryModules.Case c) {
        WasmModule m;
        try {
            m = ModuleDecoder.decode(c.bytes(), WasmVersion.WASM_2_0);
        } catch (MalformedModuleException e) {
            if (c.kind() == WastBinaryModules.Kind.MALFORMED) {
                return e.reason().startsWith(c.message()) ? null : "wrong message: " + e.getMessage();
            }
            return "unexpected malformed: " + e.getMessage();
        } catch (RuntimeException e) {
            return "crash: " + e;
        }
        if (c.kind() == WastBinaryModules.Kind.MALFORMED) {
            return "decoded, but expected malformed";
        }
        if (!VALIDATE) {
            return null;
        }
        try {
            Validator.validate(m, c.bytes(), WasmVersion.WASM_2_0);
        } catch (InvalidModuleException e) {
            if (c.kind() == WastBinaryModules.Kind.INVALID) {
                return e.reason().startsWith(c.message()) ? null : "wrong message: " + e.getMessage();
            }
            return "unexpected invalid: " + e.getMessage();
        } catch (MalformedModuleException e) {
            return "malformed during validation: " + e.getMessage();
        } catch (RuntimeException e) {
            return "crash in validator: " + e;
        }
        return c.kind() == WastBinaryModules.Kind.INVALID ? "validated, but expected invalid" : null;
    }
}
