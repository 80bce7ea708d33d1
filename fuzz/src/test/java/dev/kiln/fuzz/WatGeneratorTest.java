package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.compiler.text.Wat;
import dev.kiln.compiler.wasm.ModuleDecoder;
import dev.kiln.compiler.wasm.Validator;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link WatGenerator} writes valid modules, and they hold 128-bit SIMD of every kind it knows: lane-wise
 * arithmetic, comparisons, shifts, float operations with their NaNs removed lane by lane, shuffles, loads
 * and stores, and the lane extractions and reductions that bring vectors back to scalars.
 */
class WatGeneratorTest {
    @Test
    void modulesValidateAndHoldSimdOfEveryKind() {
        Map<String, Integer> seen = new TreeMap<>();
        String[] kinds = {"i8x16.", "i16x8.", "i32x4.", "i64x2.", "f32x4.", "f64x2.", "i8x16.shuffle", "v128.bitselect",
            "v128.load", "v128.store", "extract_lane", ".shr_", ".splat", "v128.const", ".replace_lane", ".all_true"};
        int modules = 0;
        for (long seed = 1; seed <= 40; seed++) {
            for (String wat : new WatGenerator(seed, WatGenerator.Options.ALL).generate()) {
                byte[] binary = Wat.parseModule(wat);
                Validator.validate(ModuleDecoder.decode(binary), binary);
                modules++;
                for (String k : kinds) {
                    seen.merge(k, wat.split(java.util.regex.Pattern.quote(k), -1).length - 1, Integer::sum);
                }
            }
        }
        assertTrue(modules >= 40, modules + " modules");
        for (String k : kinds) {
            assertTrue(seen.get(k) > 0, "no " + k + " in " + modules + " modules: " + seen);
        }
    }
}
