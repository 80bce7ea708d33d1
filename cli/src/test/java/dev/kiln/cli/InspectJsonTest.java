package dev.kiln.cli;

import static dev.kiln.cli.Cli.kiln;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln inspect --json}: one JSON object with the module's or the artifact's facts. */
class InspectJsonTest {
    @TempDir
    Path dir;

    /** Parses one JSON value into maps, lists, strings, longs, booleans and nulls. */
    private static Object parse(String json) throws IOException {
        try (JsonParser p = new JsonFactory().createParser(json)) {
            p.nextToken();
            Object v = value(p);
            assertEquals(null, p.nextToken(), "one JSON value only");
            return v;
        }
    }

    private static Object value(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, value(p));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getLongValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new AssertionError("unexpected " + t);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @Test
    void moduleAsJson() throws Exception {
        Path wat = Files.writeString(dir.resolve("m.wat"), """
                (module
                  (import "env" "log" (func $log (param i32)))
                  (memory (export "mem") 1 2)
                  (func $fac (export "fac") (param i64) (result i64) (local i32) (local.get 0)))
                """);
        Cli.Result r = kiln("inspect", "--json", wat.toString());
        assertEquals(0, r.exit(), r::toString);
        Map<String, Object> m = obj(parse(r.out()));
        assertEquals(wat.toString(), m.get("file"));
        assertEquals("wat", m.get("kind"));
        assertTrue(m.containsKey("name") && m.get("name") == null, "no name section: name is null");
        Map<String, Object> imp = obj(list(m.get("imports")).get(0));
        assertEquals(Map.of("module", "env", "name", "log", "kind", "func",
                "type", Map.of("params", List.of("i32"), "results", List.of())), imp);
        List<Object> exports = list(m.get("exports"));
        assertEquals("mem", obj(exports.get(0)).get("name"));
        assertEquals("memory", obj(exports.get(0)).get("kind"));
        assertEquals(Map.of("name", "fac", "kind", "func", "index", 1L,
                "type", Map.of("params", List.of("i64"), "results", List.of("i64"))), obj(exports.get(1)));
        Map<String, Object> fac = obj(list(m.get("functions")).get(0));
        assertEquals(1L, fac.get("index"));
        assertEquals("fac", fac.get("name"));
        assertEquals(1L, fac.get("locals"));
        assertEquals(fac.get("bodySize"), m.get("codeSize"));
        long sum = 8;
        for (Object s : list(m.get("sections"))) {
            long size = (Long) obj(s).get("size");
            long offset = (Long) obj(s).get("offset");
            assertTrue(offset > sum, "sections in order");
            sum = offset + size;
        }
        assertEquals(m.get("size"), sum, "the sections tile the binary module");
        assertEquals(true, m.get("valid"));
    }

    @Test
    void invalidModuleAndArtifactAsJson() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.wat"), "(module (func (result i32) i64.const 1))");
        Map<String, Object> m = obj(parse(kiln("inspect", "--json", bad.toString()).out()));
        assertEquals(false, m.get("valid"));
        assertTrue(((String) m.get("validationError")).contains("type mismatch"), m::toString);

        Path wat = Path.of("..", "examples", "fib.wat");
        Path artifact = dir.resolve("fib.kiln");
        assertEquals(0, kiln("compile", wat.toString(), "-o", artifact.toString()).exit());
        Cli.Result r = kiln("inspect", "--json", artifact.toString());
        assertEquals(0, r.exit(), r::toString);
        Map<String, Object> a = obj(parse(r.out()));
        assertEquals("artifact", a.get("kind"));
        assertEquals("x86_64", a.get("target"));
        assertEquals(64, ((String) a.get("inputSha256")).length());
        List<Object> exports = list(a.get("exports"));
        assertEquals(List.of("fib", "fib_iter"), exports.stream().map(e -> obj(e).get("name")).toList());
        assertEquals(Map.of("params", List.of("i32"), "results", List.of("i32")), obj(exports.get(0)).get("type"));
        assertTrue(list(a.get("sections")).stream().anyMatch(s -> ".kiln.meta".equals(obj(s).get("name"))));
        assertTrue((Long) a.get("textSize") >= (Long) a.get("codeSize"));
    }

    /** {@code trapSites} counts the places that can trap, from the frame table: none in code that cannot. */
    @Test
    void trapSitesOfAnArtifactAreTheFrameTablesTrappingPlaces() throws Exception {
        Path traps = Files.writeString(dir.resolve("traps.wat"), """
                (module (memory 1)
                  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
                  (func (export "stop") unreachable))""");
        Path none = Files.writeString(dir.resolve("none.wat"), "(module (func (export \"one\") (result i32) i32.const 1))");
        for (Path wat : List.of(traps, none)) {
            assertEquals(0, kiln("compile", wat.toString(), "-o", wat + ".kiln").exit());
        }
        long withTraps = (Long) obj(parse(kiln("inspect", "--json", traps + ".kiln").out())).get("trapSites");
        assertTrue(withTraps >= 2, "the load's access and the unreachable: " + withTraps);
        assertEquals(0L, obj(parse(kiln("inspect", "--json", none + ".kiln").out())).get("trapSites"));
        assertTrue(kiln("inspect", traps + ".kiln").out().contains("trap sites: " + withTraps));
    }
}
