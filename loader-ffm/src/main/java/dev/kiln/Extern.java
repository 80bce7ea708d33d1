package dev.kiln;

/**
 * Something a module can import or export (spec §4.2.12 external values): a {@link Func}, a
 * {@link Memory}, a {@link Global} or a {@link Table}.
 */
public sealed interface Extern permits Func, Memory, Global, Table {
}
