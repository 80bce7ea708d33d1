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

    /**
     * A host function that also receives its {@link Caller}: the calling instance's exports, memory 0
     * and the store data, during the start function too. Created with
     * {@link Func#wrap(Store, dev.kiln.abi.FuncType, WithCaller)}; the same rules for exceptions apply.
     *
     * <pre>{@code
     * Func print = Func.wrap(store, FuncType.of(List.of(ValType.I32), List.of()), (caller, args) -> {
     *     System.out.println(caller.memory().readCString(args[0].i32() & 0xFFFF_FFFFL));
     *     return new Val[0];
     * });
     * }</pre>
     */
    @FunctionalInterface
    interface WithCaller {
        /**
         * Runs the function.
         *
         * @param caller what the function may see of the calling instance; valid during this call
         * @param args   one value per parameter of the function's type
         * @return one value per result of the function's type
         * @throws Exception anything; it propagates to the caller of the Wasm export, unchanged
         */
        Val[] call(Caller caller, Val[] args) throws Exception;
    }
}
