package dev.kiln.abi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link CompileOptions#toString()}, which keys the compile cache, names every component. */
class CompileOptionsTest {
    /** The form of a record's generated {@code toString}, built from its components by reflection. */
    private static String recordForm(Record r) throws ReflectiveOperationException {
        List<String> parts = new ArrayList<>();
        for (RecordComponent c : r.getClass().getRecordComponents()) {
            parts.add(c.getName() + "=" + c.getAccessor().invoke(r));
        }
        return r.getClass().getSimpleName() + "[" + String.join(", ", parts) + "]";
    }

    @Test
    void toStringNamesEveryComponentInOrder() throws ReflectiveOperationException {
        CompileOptions[] samples = {
            CompileOptions.defaults(),
            new CompileOptions(true, 3, 0x15, false, true, true, BoundsChecks.EXPLICIT),
            new CompileOptions(false, 0, -1, true, false, true, BoundsChecks.GUARD),
        };
        for (CompileOptions o : samples) {
            assertEquals(recordForm(o), o.toString());
        }
        assertNotEquals(samples[1].toString(), samples[1].withCpuFeatures(java.util.Set.of()).toString());
    }
}
