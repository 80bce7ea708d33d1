package dev.kiln.compiler.text;

import dev.kiln.abi.ValType;

import java.util.ArrayList;
import java.util.List;

/**
 * Parser of WAST scripts, the script format of the WebAssembly spec interpreter used by the official
 * testsuite ({@code module}, {@code register}, {@code invoke}, {@code get}, {@code assert_return},
 * {@code assert_trap}, {@code assert_exhaustion}, {@code assert_invalid}, {@code assert_malformed},
 * {@code assert_unlinkable}, {@code assert_uninstantiable}).
 *
 * <p>Modules are kept as {@link WastModule}s and converted to binary on demand, so a malformed module
 * inside {@code assert_malformed} is reported only when the harness asks for its binary. Constants
 * ({@code (i32.const 1)}, {@code (f32.const nan:0x200000)}, {@code (v128.const i16x8 ...)},
 * {@code (ref.null func)}, {@code (ref.extern 1)}) become {@link Value}s; expected results may also be
 * {@code nan:canonical}, {@code nan:arithmetic}, per-lane v128 patterns, {@code (ref.func)},
 * {@code (ref.extern)} and {@code (either ...)} ({@link Expected}).
 *
 * <p>Stateless and thread-safe.
 */
public final class Wast {
    private static final java.util.Set<String> MODULE_FIELDS = java.util.Set.of(
            "type", "import", "func", "table", "memory", "global", "export", "start", "elem", "data");

    private Wast() {
    }

    /**
     * Parses a script.
     *
     * @param text the script source
     * @param fileName a name for the script (kept in {@link Script#fileName()} and in error messages)
     * @return the commands in order, each with its line
     * @throws TextFormatException if the script itself is malformed (not if a module in it is); the
     *     message names {@code fileName:line:column}
     */
    public static Script parse(String text, String fileName) {
        try {
            return parse(Lexer.tokenize(text), fileName, false);
        } catch (TextFormatException e) {
            throw new TextFormatException(fileName + ": " + e.reason(), e.line(), e.column());
        }
    }

    /**
     * Parses a script without giving up on the first error: a command that cannot be read becomes a
     * {@link Command.Unreadable} with the reason, and parsing goes on after it (at the end of its
     * S-expression). When the text cannot even be split into tokens (an unclosed string or comment, an
     * illegal escape), every top-level command becomes {@link Command.Unreadable} with that reason, so
     * that a harness can still count them.
     *
     * @param text the script source
     * @param fileName a name for the script, used in the reasons
     * @return the commands in order; never throws for malformed text
     */
    public static Script parseRecovering(String text, String fileName) {
        List<Token> toks;
        try {
            toks = Lexer.tokenize(text);
        } catch (TextFormatException e) {
            String reason = fileName + ": the script cannot be tokenized: " + e.getMessage();
            List<Command> cmds = new ArrayList<>();
            for (TopLevelForms.Form f : TopLevelForms.scan(text)) {
                cmds.add(new Command.Unreadable(f.line(), f.keyword(), reason));
            }
            if (cmds.isEmpty()) {
                cmds.add(new Command.Unreadable(e.line(), "?", reason));
            }
            return new Script(fileName, cmds);
        }
        return parse(toks, fileName, true);
    }

    private static Script parse(List<Token> toks, String fileName, boolean recover) {
        WatParser w = new WatParser(toks, 0, true);
        List<Command> cmds = new ArrayList<>();
        if (w.peek().kind() == Token.Kind.LPAREN && MODULE_FIELDS.contains(w.peek(1).text())) {
            // the whole script is one module written as bare fields
            WastModule m = new WastModule(null, WastModule.Kind.TEXT, w.peek().line(), toks, 0, null, null);
            return new Script(fileName, List.of(new Command.Module(w.peek().line(), m)));
        }
        while (w.peek().kind() != Token.Kind.EOF) {
            int start = w.position();
            try {
                cmds.add(command(w, toks));
            } catch (TextFormatException e) {
                if (!recover) {
                    throw e;
                }
                w.p(start);
                Token open = w.peek();
                String kind = w.peek(1).kind() == Token.Kind.KEYWORD ? w.peek(1).text() : "?";
                cmds.add(new Command.Unreadable(open.line(), kind, fileName + ": " + e.getMessage()));
                if (!skipForm(w)) {
                    break;
                }
            }
        }
        return new Script(fileName, cmds);
    }

    /** Skips the S-expression at the current token (or the one token); false at an unbalanced end. */
    private static boolean skipForm(WatParser w) {
        if (w.peek().kind() != Token.Kind.LPAREN) {
            w.next();
            return true;
        }
        try {
            w.skipSexpr();
            return true;
        } catch (TextFormatException e) {
            return false;
        }
    }

    private static Command command(WatParser w, List<Token> toks) {
        Token open = w.expect(Token.Kind.LPAREN);
        Token kw = w.peek();
        int line = open.line();
        if (kw.kind() != Token.Kind.KEYWORD) {
            throw WatParser.unexpected(kw);
        }
        switch (kw.text()) {
            case "module" -> {
                if (w.peek(1).isKeyword("instance")) {
                    w.next();
                    w.next();
                    String instanceId = w.peek().kind() == Token.Kind.ID ? w.next().text() : null;
                    String moduleId = w.peek().kind() == Token.Kind.ID ? w.next().text() : null;
                    w.expect(Token.Kind.RPAREN);
                    return new Command.ModuleInstance(line, instanceId, moduleId);
                }
                boolean definition = w.peek(1).isKeyword("definition");
                w.p(w.position() - 1);
                WastModule m = module(w, toks);
                return definition ? new Command.ModuleDefinition(line, m) : new Command.Module(line, m);
            }
            case "register" -> {
                w.next();
                String name = w.expect(Token.Kind.STRING).stringValue();
                String id = w.peek().kind() == Token.Kind.ID ? w.next().text() : null;
                w.expect(Token.Kind.RPAREN);
                return new Command.Register(line, name, id);
            }
            case "invoke", "get" -> {
                w.p(w.position() - 1);
                return new Command.Perform(line, action(w));
            }
            case "assert_return" -> {
                w.next();
                Action a = action(w);
                List<Expected> exp = new ArrayList<>();
                while (w.peek().kind() == Token.Kind.LPAREN) {
                    exp.add(expected(w));
                }
                w.expect(Token.Kind.RPAREN);
                return new Command.AssertReturn(line, a, exp);
            }
            case "assert_trap" -> {
                w.next();
                if (w.atLParenKw("module")) {
                    WastModule m = module(w, toks);
                    String msg = message(w);
                    return new Command.AssertTrap(line, null, m, msg);
                }
                Action a = action(w);
                return new Command.AssertTrap(line, a, null, message(w));
            }
            case "assert_exception" -> {
                w.next();
                Action a = action(w);
                w.expect(Token.Kind.RPAREN);
                return new Command.AssertException(line, a);
            }
            case "assert_exhaustion" -> {
                w.next();
                Action a = action(w);
                return new Command.AssertExhaustion(line, a, message(w));
            }
            case "assert_invalid", "assert_malformed", "assert_unlinkable", "assert_uninstantiable" -> {
                w.next();
                WastModule m = module(w, toks);
                String msg = message(w);
                return switch (kw.text()) {
                    case "assert_invalid" -> new Command.AssertInvalid(line, m, msg);
                    case "assert_malformed" -> new Command.AssertMalformed(line, m, msg);
                    case "assert_unlinkable" -> new Command.AssertUnlinkable(line, m, msg);
                    default -> new Command.AssertUninstantiable(line, m, msg);
                };
            }
            default -> throw WatParser.unexpected(kw);
        }
    }

    private static String message(WatParser w) {
        String msg = w.expect(Token.Kind.STRING).stringValue();
        w.expect(Token.Kind.RPAREN);
        return msg;
    }

    private static WastModule module(WatParser w, List<Token> toks) {
        int start = w.position();
        Token open = w.expect(Token.Kind.LPAREN);
        w.expectKw("module");
        if (w.peek().isKeyword("definition")) {
            w.next();
        }
        String id = w.peek().kind() == Token.Kind.ID ? w.next().text() : null;
        if (w.peek().isKeyword("binary") || w.peek().isKeyword("quote")) {
            boolean binary = w.next().text().equals("binary");
            ByteWriter b = new ByteWriter();
            boolean first = true;
            while (w.peek().kind() == Token.Kind.STRING) {
                if (!binary && !first) {
                    b.u8(' ');
                }
                first = false;
                b.bytes(w.next().bytes());
            }
            w.expect(Token.Kind.RPAREN);
            return binary
                    ? new WastModule(id, WastModule.Kind.BINARY, open.line(), null, 0, b.toByteArray(), null)
                    : new WastModule(id, WastModule.Kind.QUOTE, open.line(), null, 0, null, b.toByteArray());
        }
        w.p(start);
        w.skipSexpr();
        return new WastModule(id, WastModule.Kind.TEXT, open.line(), toks, start, null, null);
    }

    private static Action action(WatParser w) {
        w.expect(Token.Kind.LPAREN);
        Token kw = w.next();
        String id = w.peek().kind() == Token.Kind.ID ? w.next().text() : null;
        Token nameTok = w.expect(Token.Kind.STRING);
        String name = nameTok.stringValue();
        if (kw.isKeyword("invoke")) {
            List<Value> args = new ArrayList<>();
            while (w.peek().kind() == Token.Kind.LPAREN) {
                Expected e = constant(w, false);
                args.add(((Expected.Exact) e).value());
            }
            w.expect(Token.Kind.RPAREN);
            return new Action.Invoke(id, name, args);
        }
        if (kw.isKeyword("get")) {
            w.expect(Token.Kind.RPAREN);
            return new Action.Get(id, name);
        }
        throw WatParser.unexpected(kw);
    }

    private static Expected expected(WatParser w) {
        if (w.atLParenKw("either")) {
            w.next();
            w.next();
            List<Expected> alts = new ArrayList<>();
            while (w.peek().kind() == Token.Kind.LPAREN) {
                alts.add(expected(w));
            }
            w.expect(Token.Kind.RPAREN);
            return new Expected.Either(alts);
        }
        return constant(w, true);
    }

    /** {@code (t.const ...)}, {@code (ref.null ...)}, {@code (ref.extern ...)}, {@code (ref.func)}. */
    private static Expected constant(WatParser w, boolean pattern) {
        w.expect(Token.Kind.LPAREN);
        Token kw = w.next();
        if (kw.kind() != Token.Kind.KEYWORD) {
            throw WatParser.unexpected(kw);
        }
        Expected result;
        switch (kw.text()) {
            case "i32.const" -> {
                Token t = number(w);
                result = exact(new Value.Num(ValType.I32,
                        WatParser.lit(t, () -> Literals.parseInt(t.text(), 32))));
            }
            case "i64.const" -> {
                Token t = number(w);
                result = exact(new Value.Num(ValType.I64,
                        WatParser.lit(t, () -> Literals.parseInt(t.text(), 64))));
            }
            case "f32.const", "f64.const" -> {
                ValType vt = kw.text().startsWith("f32") ? ValType.F32 : ValType.F64;
                Expected nan = pattern ? nanPattern(w, vt) : null;
                if (nan != null) {
                    result = nan;
                } else {
                    Token t = number(w);
                    long bits = vt == ValType.F32
                            ? WatParser.lit(t, () -> Literals.parseF32Bits(t.text())) & 0xFFFFFFFFL
                            : WatParser.lit(t, () -> Literals.parseF64Bits(t.text()));
                    result = exact(new Value.Num(vt, bits));
                }
            }
            case "v128.const" -> result = v128(w, pattern);
            case "ref.null" -> {
                Token t = w.peek().kind() == Token.Kind.RPAREN && pattern ? w.peek() : w.next();
                if (t.kind() == Token.Kind.RPAREN) {
                    result = new Expected.AnyRefNull();
                } else if (t.isKeyword("func") || t.isKeyword("nofunc")) {
                    result = exact(new Value.RefNull(ValType.FUNCREF));
                } else if (t.isKeyword("extern") || t.isKeyword("noextern")) {
                    result = exact(new Value.RefNull(ValType.EXTERNREF));
                } else {
                    throw WatParser.unexpected(t);
                }
            }
            case "ref.extern" -> {
                if (pattern && w.peek().kind() == Token.Kind.RPAREN) {
                    result = new Expected.AnyRefExtern();
                } else {
                    Token t = number(w);
                    result = exact(new Value.RefExtern(WatParser.lit(t, () -> Literals.parseUnsigned(t.text(), 32))));
                }
            }
            case "ref.func" -> {
                if (!pattern) {
                    throw WatParser.unexpected(kw);
                }
                if (w.peek().kind() != Token.Kind.RPAREN) {
                    w.next(); // an index: any function reference is accepted
                }
                result = new Expected.AnyRefFunc();
            }
            case "ref.i31", "ref.struct", "ref.array", "ref.eq", "ref.any", "ref.host" -> {
                if (!pattern) {
                    throw WatParser.unexpected(kw);
                }
                while (w.peek().kind() != Token.Kind.RPAREN && w.peek().kind() != Token.Kind.EOF) {
                    w.next();
                }
                result = new Expected.AnyRefOf(kw.text());
            }
            default -> throw WatParser.unexpected(kw);
        }
        w.expect(Token.Kind.RPAREN);
        return result;
    }

    private static Expected exact(Value v) {
        return new Expected.Exact(v);
    }

    private static Token number(WatParser w) {
        Token t = w.peek();
        if (t.kind() != Token.Kind.NUMBER) {
            throw WatParser.unexpected(t);
        }
        return w.next();
    }

    private static Expected nanPattern(WatParser w, ValType vt) {
        Token t = w.peek();
        if (t.isKeyword("nan:canonical")) {
            w.next();
            return new Expected.CanonicalNan(vt);
        }
        if (t.isKeyword("nan:arithmetic")) {
            w.next();
            return new Expected.ArithmeticNan(vt);
        }
        return null;
    }

    private static Expected v128(WatParser w, boolean pattern) {
        Token shape = w.peek();
        if (pattern && (shape.isKeyword("f32x4") || shape.isKeyword("f64x2"))) {
            // look for NaN patterns among the lanes
            ValType vt = shape.isKeyword("f32x4") ? ValType.F32 : ValType.F64;
            int n = vt == ValType.F32 ? 4 : 2;
            boolean hasPattern = false;
            for (int i = 1; i <= n; i++) {
                Token l = w.peek(i);
                hasPattern |= l.isKeyword("nan:canonical") || l.isKeyword("nan:arithmetic");
            }
            if (hasPattern) {
                w.next();
                List<Expected> lanes = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    Expected nan = nanPattern(w, vt);
                    if (nan != null) {
                        lanes.add(nan);
                    } else {
                        Token t = number(w);
                        long bits = vt == ValType.F32
                                ? WatParser.lit(t, () -> Literals.parseF32Bits(t.text())) & 0xFFFFFFFFL
                                : WatParser.lit(t, () -> Literals.parseF64Bits(t.text()));
                        lanes.add(exact(new Value.Num(vt, bits)));
                    }
                }
                return new Expected.V128Lanes(vt, lanes);
            }
        }
        return exact(new Value.V128(WatParser.v128Const(w)));
    }
}
