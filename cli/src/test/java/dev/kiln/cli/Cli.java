package dev.kiln.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the kiln command in process, capturing what it prints. */
final class Cli {
    private Cli() {
    }

    /** What one execution returned and printed. */
    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Executes {@code kiln args...} with fresh command objects, as {@link Main#main} does. */
    static Result kiln(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine(args);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(Main.withDefaultCommand(cl, args));
        return new Result(exit, out.toString(), err.toString());
    }
}
