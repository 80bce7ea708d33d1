package dev.kiln.examples;

/**
 * The smallest Kiln program: calls a WebAssembly function compiled at build time through its typed
 * facade. Run it with {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.kiln.examples.Main}.
 */
public final class Main {
    private Main() {
    }

    /**
     * Prints {@code 1 + 2 = 3}.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        try (Calculator calc = Calculator.instantiate()) {
            System.out.println("1 + 2 = " + calc.add(1, 2));
        }
    }
}
