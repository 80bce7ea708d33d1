package dev.kiln;

/**
 * Something a module can import or export (spec §4.2.12 external values): a {@link Func}, a
 * {@link Memory}, a {@link Global}, a {@link Table} or a {@link Tag}.
 *
 * <pre>{@code
 * for (Map.Entry<String, Extern> e : instance.exports().entrySet()) {
 *     if (e.getValue() instanceof Memory m) {
 *         System.out.println(e.getKey() + ": " + m.size() + " pages");
 *     }
 * }
 * }</pre>
 */
public sealed interface Extern permits Func, Memory, Global, Table, Tag {
}
