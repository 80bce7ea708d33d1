package dev.kiln;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;

/** One engine and one store per test (closed after it), and WAT compiled with that engine. */
abstract class StoreFixture {
    final Engine engine;
    final Store store;

    /** A fixture over {@link Engine#create()}. */
    StoreFixture() {
        this(Engine.create());
    }

    /** A fixture over {@code engine}. */
    StoreFixture(Engine engine) {
        this.engine = engine;
        this.store = new Store(engine);
    }

    /** The verifying engine most runtime tests use: the IR verifier runs after every pass. */
    static Engine verifyingEngine() {
        return Engine.builder().compileOptions(dev.kiln.abi.CompileOptions.defaults().withVerifyIr(true)).build();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Compiles WAT text with the fixture's engine. */
    Module compile(String wat) {
        return Module.compile(engine, wat.getBytes(StandardCharsets.UTF_8));
    }
}
