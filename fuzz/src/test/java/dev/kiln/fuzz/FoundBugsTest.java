package dev.kiln.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.Engine;
import dev.kiln.Instance;
import dev.kiln.Module;
import dev.kiln.Store;
import dev.kiln.compiler.text.Wat;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Regression tests for the bugs the fuzzers found in the front end and the compiler driver. */
class FoundBugsTest {
    /** A custom section: id 0, size, name, payload. */
    private static byte[] custom(String name, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        out.write(0);
        out.write(1 + n.length + payload.length); // sizes below 128: one LEB128 byte each
        out.write(n.length);
        out.writeBytes(n);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    /**
     * A function name with a NUL (valid UTF-8, so a valid Wasm name; spec §7.4.2 name section) made
     * the ELF writer throw IllegalArgumentException out of Module.compile (mutated binary
     * binary-500-2271). The symbol now spells the NUL {@code \0}.
     */
    @Test
    void aFunctionNameWithANulCompiles() throws Exception {
        ByteArrayOutputStream module = new ByteArrayOutputStream();
        module.writeBytes(Wat.parseModule("(module (func (export \"f\") (result i32) i32.const 7))", false));
        // name section, function names subsection (1): one entry, funcidx 0 -> "f\0g"
        module.writeBytes(custom("name", new byte[]{1, 6, 1, 0, 3, 'f', 0, 'g'}));
        Module m = Module.compile(Engine.create(), module.toByteArray());
        try (Store store = new Store(m.engine())) {
            assertEquals(7, Instance.create(store, m).func("f").call()[0].i32());
        }
        assertTrue(new String(m.serialize(), StandardCharsets.ISO_8859_1).contains("wasm[0]::f\\0g"));
    }

    /**
     * A loop back edge whose edge block moves a value into a fixed physical register (rdi) made the
     * x86-64 emitter's back-edge move hoisting look the register up as a virtual one and throw
     * ArrayIndexOutOfBoundsException out of Module.compile (differential case ttf-5000191, reduced by
     * wasm-reduce; its text form is the resource). Physical registers are their own locations.
     */
    @Test
    void aBackEdgeMoveIntoAFixedRegisterCompiles() throws Exception {
        byte[] wat;
        try (var in = FoundBugsTest.class.getResourceAsStream("/found/back-edge-move-into-a-fixed-register.wat")) {
            wat = in.readAllBytes();
        }
        Module m = Module.compile(Engine.create(), wat);
        assertTrue(m.serialize().length > 0);
    }
}
