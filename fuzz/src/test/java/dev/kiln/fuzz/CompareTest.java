package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.fuzz.DiffFuzzer.Category;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How two engines' observations are judged. */
class CompareTest {
    private static Category judge(List<String> kiln, List<String> v8) {
        return DiffFuzzer.compare(kiln, v8).category();
    }

    @Test
    void detailsAfterAHashAreNotCompared() {
        assertEquals(Category.OK, judge(List.of("instantiate m0 ok", "call m0 f -> trap # UNREACHABLE"),
                List.of("instantiate m0 ok", "call m0 f -> trap # unreachable")));
    }

    @Test
    void aDifferentValueIsAMismatchNamingTheLine() {
        DiffFuzzer.Outcome o = DiffFuzzer.compare(List.of("instantiate m0 ok", "call m0 f -> i32:3"),
                List.of("instantiate m0 ok", "call m0 f -> i32:6"));
        assertEquals(Category.MISMATCH, o.category());
        assertEquals("mismatch call", o.signature());
        assertEquals("line 2: kiln `call m0 f -> i32:3`, v8 `call m0 f -> i32:6`", o.detail());
    }

    @Test
    void aMissingOrExtraHostCallIsAMismatch() {
        assertEquals(Category.MISMATCH, judge(List.of("instantiate m0 ok", "host log_i32 i32:1", "call m0 f -> ()"),
                List.of("instantiate m0 ok", "call m0 f -> ()")));
        assertEquals(Category.MISMATCH, judge(List.of("instantiate m0 ok"), List.of("instantiate m0 ok", "global m0 g i32:1")));
    }

    @Test
    void stackExhaustionEndsTheComparison() {
        assertEquals(Category.STACK_LIMITED, judge(List.of("instantiate m0 ok", "call m0 f -> exhausted", "global m0 g i32:1"),
                List.of("instantiate m0 ok", "call m0 f -> i32:4", "global m0 g i32:2")));
    }

    @Test
    void compileErrorsAreJudgedAgainstTheReference() {
        assertEquals(Category.REJECTED_VALID, judge(List.of("instantiate m0 compile-error # not supported yet"),
                List.of("instantiate m0 ok")));
        assertEquals(Category.ACCEPTED_INVALID, judge(List.of("instantiate m0 ok"), List.of("instantiate m0 compile-error # x")));
        assertEquals(Category.INVALID_GENERATED, judge(List.of("instantiate m0 compile-error # a"),
                List.of("instantiate m0 compile-error # b")));
    }

    @Test
    void anExceptionInKilnIsAFinding() {
        assertEquals(Category.KILN_EXCEPTION, judge(List.of("error java.lang.IllegalStateException: x"), List.of("instantiate m0 ok")));
    }
}
