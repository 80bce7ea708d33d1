package dev.kiln.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link SpecRunner} counts commands around modules that fail and scripts that do not parse. */
class SpecRunnerTest {
    @TempDir
    Path dir;

    private SpecRunner.FileResult run(String text) throws IOException {
        Path f = dir.resolve("t.wast");
        Files.writeString(f, text);
        return SpecRunner.run(f);
    }

    private static List<SpecRunner.Outcome> outcomes(SpecRunner.FileResult r) {
        return r.commands().stream().map(SpecRunner.CommandResult::outcome).toList();
    }

    @Test
    void anInvalidModuleBecomesTheCurrentModuleAsAFailure() throws IOException {
        SpecRunner.FileResult r = run("""
                (module (func (export "f") (result i32) (i32.const 1)))
                (assert_return (invoke "f") (i32.const 1))
                (module (func (export "f") (result i32) (i64.const 2)))
                (assert_return (invoke "f") (i32.const 1))
                """);
        assertEquals(List.of(SpecRunner.Outcome.PASSED, SpecRunner.Outcome.PASSED, SpecRunner.Outcome.FAILED,
                SpecRunner.Outcome.FAILED), outcomes(r));
        assertTrue(r.commands().get(3).detail().contains("module at line 3 failed"), r.commands().get(3).detail());
    }

    @Test
    void aModuleThatTrapsInStartIsCurrentAsAFailureAndNamesFailToo() throws IOException {
        SpecRunner.FileResult r = run("""
                (module $a (func (export "f") (result i32) (i32.const 1)))
                (module $a (func $s unreachable) (start $s))
                (assert_return (invoke $a "f") (i32.const 1))
                (register "a" $a)
                """);
        assertEquals(List.of(SpecRunner.Outcome.PASSED, SpecRunner.Outcome.FAILED, SpecRunner.Outcome.FAILED,
                SpecRunner.Outcome.FAILED), outcomes(r));
    }

    @Test
    void moduleDefinitionsAreInstantiatedByModuleInstance() throws IOException {
        SpecRunner.FileResult r = run("""
                (module definition $M (global (export "g") (mut i32) (i32.const 0))
                  (func (export "inc") (global.set 0 (i32.add (global.get 0) (i32.const 1)))))
                (module instance $I1 $M)
                (module instance $I2 $M)
                (invoke $I1 "inc")
                (assert_return (get $I1 "g") (i32.const 1))
                (assert_return (get $I2 "g") (i32.const 0))
                """);
        assertEquals(0, r.count(SpecRunner.Outcome.FAILED), r.toString());
        assertEquals(6, r.count(SpecRunner.Outcome.PASSED));
    }

    @Test
    void anUnreadableCommandFailsAndTheRestRuns() throws IOException {
        SpecRunner.FileResult r = run("""
                (module (func (export "f") (result i32) (i32.const 1)))
                (assert_return (invoke "f") (i32.const 1 2 3))
                (assert_return (invoke "f") (i32.const 1))
                """);
        assertEquals(List.of(SpecRunner.Outcome.PASSED, SpecRunner.Outcome.FAILED, SpecRunner.Outcome.PASSED),
                outcomes(r));
        assertTrue(r.error() != null);
    }

    @Test
    void aScriptThatCannotBeTokenizedFailsEveryCommand() throws IOException {
        SpecRunner.FileResult r = run("""
                (module (func (export "f") (result i32) (i32.const 1)))
                (assert_return (invoke "f") (i32.const 1))
                (assert_return (invoke "f\\q") (i32.const 1))
                """);
        assertEquals(3, r.count(SpecRunner.Outcome.FAILED), r.toString());
        assertTrue(r.commands().get(2).detail().contains("illegal escape"), r.commands().get(2).detail());
        assertEquals(3, r.commands().get(2).line());
    }
}
