package dev.kiln.compiler.text;

import java.util.List;

/**
 * A parsed WAST script.
 *
 * @param fileName the name given to {@link Wast#parse(String, String)}, for messages
 * @param commands the commands in script order
 */
public record Script(String fileName, List<Command> commands) {
    public Script {
        commands = List.copyOf(commands);
    }
}
