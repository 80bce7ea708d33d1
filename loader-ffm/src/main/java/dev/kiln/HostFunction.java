package dev.kiln;

/**
 * The implementation of a host function: Java code that Wasm calls through an import.
 *
 * <pre>{@code
 * Func log = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of()), args -> {
 *     System.out.println("guest says " + args[0].i32());
 *     return new Val[0];
 * });
 * }</pre>
 *
 * <p>Whatever it throws (an exception, an {@link Error}, a {@link Trap}) never crosses into native
 * code: Kiln catches it in the upcall, unwinds the Wasm frames, and rethrows the same object to the
 * Java caller of the export that led here.
 */
@FunctionalInterface
public interface HostFunction {
    /**
     * Runs the function.
     *
     * @param args one value per parameter of the function's type
     * @return one value per result of the function's type
     * @throws Exception anything; it propagates to the caller of the Wasm export, unchanged
     */
    Val[] call(Val[] args) throws Exception;
}
