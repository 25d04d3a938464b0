package io.airlock.formats.python;

import io.airlock.formats.python.Ast.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser for Python 3 through 3.13: PEP 701 f-strings, {@code match} statements, PEP
 * 695 type parameters with PEP 696 defaults and {@code type} aliases (soft keywords stay names
 * elsewhere). Never executes anything; bounded by the lexer's limits and a nesting depth, so hostile
 * input ends in a {@link PySyntaxError}, not a stack overflow.
 */
public final class Parser {
    static final int MAX_DEPTH = 150;
    /** Trailers (.x, (), []) after one atom, and operands of one operator chain: each nests the tree one deeper. */
    static final int MAX_CHAIN = 1000;
    /** Source larger than this is not a kernel; refused before tokenizing. */
    public static final int MAX_SOURCE_CHARS = 2 * 1024 * 1024;
    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> AUG = Set.of("+=", "-=", "*=", "/=", "//=", "%=", "@=", "&=", "|=", "^=",
            ">>=", "<<=", "**=");

    private final List<Token> toks;
    private int p;
    private int depth;

    private Parser(List<Token> toks) {
        this.toks = toks;
    }

    /** Parses a whole module. */
    public static Ast.PyModule parse(String source) throws PySyntaxError {
        if (source.length() > MAX_SOURCE_CHARS) {
            throw new PySyntaxError("source of " + source.length() + " characters is over " + MAX_SOURCE_CHARS, 1, 1);
        }
        boolean bom = source.startsWith("\uFEFF");
        if (bom) {
            source = source.substring(1);
        }
        checkDeclaredEncoding(source, bom);
        Parser ps = new Parser(Lexer.tokenize(source));
        List<Stmt> body = new ArrayList<>();
        while (!ps.at(Token.Type.END)) {
            if (ps.at(Token.Type.NEWLINE)) {
                ps.p++;
                continue;
            }
            ps.statement(body);
        }
        return new Ast.PyModule(body);
    }

    private static final java.util.regex.Pattern CODING =
            java.util.regex.Pattern.compile("^[ \t\f]*#.*?coding[:=][ \t]*([-\\w.]+)");
    /** Encodings that read every ASCII byte as ASCII: a pure-ASCII source means the same in them as in UTF-8. */
    private static final Set<String> ASCII_COMPATIBLE = Set.of("ascii", "us-ascii", "latin-1", "latin1", "iso-8859-1",
            "iso8859-1", "iso-latin-1", "l1", "cp1252", "windows-1252", "iso-8859-15");

    /**
     * The text handed in is the source read as UTF-8. CPython reads it in the encoding a PEP 263
     * comment on line 1 or 2 declares: under {@code # coding: utf-7} the bytes {@code +AAo-} are a line
     * break, so code that is a comment in UTF-8 runs. A declaration other than UTF-8 is refused, but
     * for a pure-ASCII source in an encoding that reads ASCII as ASCII; with a BOM CPython allows only
     * UTF-8 too.
     */
    private static void checkDeclaredEncoding(String source, boolean bom) throws PySyntaxError {
        String[] lines = source.split("\r\n|\r|\n", 3);
        for (int i = 0; i < Math.min(2, lines.length); i++) {
            java.util.regex.Matcher m = CODING.matcher(lines[i]);
            if (m.find()) {
                String name = m.group(1).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                boolean utf8 = name.equals("utf-8") || name.startsWith("utf-8-") || (!bom && name.equals("utf8"));
                boolean ascii = !bom && ASCII_COMPATIBLE.contains(name) && source.chars().allMatch(ch -> ch < 0x80);
                if (!utf8 && !ascii) {
                    throw new PySyntaxError("the source declares the encoding '" + m.group(1) + "': CPython would not"
                            + " read it as the UTF-8 it is checked in", i + 1, 1);
                }
                return;
            }
            String stripped = lines[i].strip();
            if (!stripped.isEmpty() && !stripped.startsWith("#")) {
                return; // CPython looks at line 2 only below a comment or blank line 1
            }
        }
    }

    /** Parses one expression (an f-string's replacement field). */
    static Expr expression(String source, int line) throws PySyntaxError {
        Parser ps = new Parser(Lexer.tokenize("(" + source.strip() + "\n)", line));
        Expr e = ps.starExpressions();
        if (!ps.at(Token.Type.NEWLINE) && !ps.at(Token.Type.END)) {
            throw ps.error("unexpected text in an f-string field");
        }
        return e;
    }

    // ---- token helpers ----
    private Token peek() {
        return toks.get(p);
    }

    private Token peek(int ahead) {
        return toks.get(Math.min(p + ahead, toks.size() - 1));
    }

    private boolean at(Token.Type t) {
        return peek().type() == t;
    }

    private boolean atOp(String s) {
        return peek().op(s);
    }

    private boolean atKw(String s) {
        return peek().keyword(s);
    }

    private Token next() {
        Token t = toks.get(p);
        if (t.type() != Token.Type.END) {
            p++;
        }
        return t;
    }

    private PySyntaxError error(String message) {
        Token t = peek();
        return new PySyntaxError(message + " (found " + (t.type() == Token.Type.END ? "end of file" : "'" + t.text() + "'")
                + ")", t.line(), t.col());
    }

    private Token expectOp(String s) throws PySyntaxError {
        if (!atOp(s)) {
            throw error("expected '" + s + "'");
        }
        return next();
    }

    private void expectKw(String s) throws PySyntaxError {
        if (!atKw(s)) {
            throw error("expected '" + s + "'");
        }
        next();
    }

    private String name() throws PySyntaxError {
        if (!at(Token.Type.NAME) || KEYWORDS.contains(peek().text())) {
            throw error("expected a name");
        }
        return next().text();
    }

    private boolean acceptOp(String s) {
        if (atOp(s)) {
            p++;
            return true;
        }
        return false;
    }

    private void enter() throws PySyntaxError {
        if (++depth > MAX_DEPTH) {
            throw error("nested deeper than " + MAX_DEPTH);
        }
    }

    private void leave() {
        depth--;
    }

    static final Set<String> KEYWORDS = Set.of("False", "None", "True", "and", "as", "assert", "async", "await",
            "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
            "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
            "with", "yield");

    // ---- statements ----
    private void statement(List<Stmt> out) throws PySyntaxError {
        enter();
        try {
            Token t = peek();
            if (t.type() == Token.Type.INDENT) {
                throw error("unexpected indent");
            }
            Stmt compound = t.type() == Token.Type.NAME ? compoundStatement(t.text()) : null;
            if (compound != null) {
                out.add(compound);
                return;
            }
            if (t.op("@")) {
                out.add(decorated());
                return;
            }
            simpleStatements(out);
        } finally {
            leave();
        }
    }

    /** The compound statement a keyword starts, or null when the name starts none (a soft {@code match} as a name). */
    private Stmt compoundStatement(String keyword) throws PySyntaxError {
        switch (keyword) {
            case "def":
                return funcDef(List.of(), false);
            case "class":
                return classDef(List.of());
            case "if":
                return ifStmt();
            case "while":
                return whileStmt();
            case "for":
                return forStmt(false);
            case "try":
                return tryStmt();
            case "with":
                return withStmt(false);
            case "match":
                return matchStmt();
            case "async":
                next();
                if (atKw("def")) {
                    return funcDef(List.of(), true);
                }
                if (atKw("for")) {
                    return forStmt(true);
                }
                if (atKw("with")) {
                    return withStmt(true);
                }
                throw error("expected def, for or with after async");
            default:
                return null;
        }
    }

    private void simpleStatements(List<Stmt> out) throws PySyntaxError {
        out.add(simpleStatement());
        while (acceptOp(";")) {
            if (at(Token.Type.NEWLINE) || at(Token.Type.END)) {
                break;
            }
            out.add(simpleStatement());
        }
        if (!at(Token.Type.END)) {
            if (!at(Token.Type.NEWLINE)) {
                throw error("expected the end of the statement");
            }
            next();
        }
    }

    private Stmt simpleStatement() throws PySyntaxError {
        Token t = peek();
        int line = t.line();
        if (t.type() == Token.Type.NAME) {
            switch (t.text()) {
                case "pass", "break", "continue" -> {
                    next();
                    return new Simple(t.text(), line);
                }
                case "return" -> {
                    next();
                    return new Return(endOfSimple() ? null : starExpressions(), line);
                }
                case "import" -> {
                    next();
                    return importStmt(line);
                }
                case "from" -> {
                    next();
                    return fromImport(line);
                }
                case "raise" -> {
                    next();
                    if (endOfSimple()) {
                        return new Raise(null, null, line);
                    }
                    Expr exc = expression();
                    Expr cause = null;
                    if (atKw("from")) {
                        next();
                        cause = expression();
                    }
                    return new Raise(exc, cause, line);
                }
                case "global", "nonlocal" -> {
                    next();
                    List<String> names = new ArrayList<>();
                    names.add(name());
                    while (acceptOp(",")) {
                        names.add(name());
                    }
                    return t.text().equals("global") ? new Global(names, line) : new Nonlocal(names, line);
                }
                case "del" -> {
                    next();
                    // del a, (b, c): two targets, the second a tuple, as CPython reads them
                    List<Expr> targets = new ArrayList<>();
                    do {
                        if (targets.size() >= MAX_CHAIN) {
                            throw error("more than " + MAX_CHAIN + " targets in one del");
                        }
                        targets.add(bitOr());
                    } while (acceptOp(",") && !endOfSimple());
                    return new Delete(targets, line);
                }
                case "type" -> {
                    // a soft keyword: 'type' followed by a name starts an alias (type(x), type = 1 and
                    // type.x stay a name, and two names side by side are no other statement)
                    if (peek(1).type() == Token.Type.NAME && !KEYWORDS.contains(peek(1).text())) {
                        next();
                        Name alias = new Name(name(), line);
                        List<TypeParam> typeParams = typeParams();
                        expectOp("=");
                        return new TypeAlias(alias, typeParams, expression(), line);
                    }
                }
                case "assert" -> {
                    next();
                    Expr test = expression();
                    Expr msg = acceptOp(",") ? expression() : null;
                    return new Assert(test, msg, line);
                }
                default -> {
                }
            }
        }
        Expr first = atKw("yield") ? yieldExpr() : starExpressions();
        if (atOp("=")) {
            List<Expr> targets = new ArrayList<>();
            targets.add(first);
            Expr value = null;
            while (acceptOp("=")) {
                value = atKw("yield") ? yieldExpr() : starExpressions();
                targets.add(value);
            }
            targets.remove(targets.size() - 1);
            return new Assign(targets, value, line);
        }
        if (at(Token.Type.OP) && AUG.contains(peek().text())) {
            String op = next().text();
            return new AugAssign(first, op, atKw("yield") ? yieldExpr() : starExpressions(), line);
        }
        if (atOp(":")) {
            next();
            Expr annotation = expression();
            Expr value = acceptOp("=") ? (atKw("yield") ? yieldExpr() : starExpressions()) : null;
            return new AnnAssign(first, annotation, value, line);
        }
        return new ExprStmt(first, line);
    }

    private boolean endOfSimple() {
        return at(Token.Type.NEWLINE) || at(Token.Type.END) || atOp(";");
    }

    private String dotted() throws PySyntaxError {
        StringBuilder sb = new StringBuilder(name());
        while (acceptOp(".")) {
            sb.append('.').append(name());
        }
        return sb.toString();
    }

    private Stmt importStmt(int line) throws PySyntaxError {
        List<Alias> names = new ArrayList<>();
        do {
            String n = dotted();
            String as = null;
            if (atKw("as")) {
                next();
                as = name();
            }
            names.add(new Alias(n, as));
        } while (acceptOp(","));
        return new Import(names, line);
    }

    private Stmt fromImport(int line) throws PySyntaxError {
        int level = 0;
        while (atOp(".") || atOp("...")) {
            level += next().text().length();
        }
        String module = atKw("import") ? "" : dotted();
        expectKw("import");
        List<Alias> names = new ArrayList<>();
        if (acceptOp("*")) {
            names.add(new Alias("*", null));
            return new ImportFrom(module, names, level, line);
        }
        boolean paren = acceptOp("(");
        do {
            if (paren && atOp(")")) {
                break;
            }
            String n = name();
            String as = null;
            if (atKw("as")) {
                next();
                as = name();
            }
            names.add(new Alias(n, as));
        } while (acceptOp(","));
        if (paren) {
            expectOp(")");
        }
        return new ImportFrom(module, names, level, line);
    }

    private List<Stmt> block() throws PySyntaxError {
        expectOp(":");
        List<Stmt> body = new ArrayList<>();
        if (!at(Token.Type.NEWLINE)) {
            simpleStatements(body);
            return body;
        }
        next();
        if (!at(Token.Type.INDENT)) {
            throw error("expected an indented block");
        }
        next();
        while (!at(Token.Type.DEDENT) && !at(Token.Type.END)) {
            if (at(Token.Type.NEWLINE)) {
                next();
                continue;
            }
            statement(body);
        }
        if (at(Token.Type.DEDENT)) {
            next();
        }
        return body;
    }

    private Stmt decorated() throws PySyntaxError {
        List<Expr> decorators = new ArrayList<>();
        while (acceptOp("@")) {
            decorators.add(namedExpression());
            if (!at(Token.Type.NEWLINE)) {
                throw error("expected a new line after a decorator");
            }
            next();
        }
        if (atKw("def")) {
            return funcDef(decorators, false);
        }
        if (atKw("async")) {
            next();
            return funcDef(decorators, true);
        }
        if (atKw("class")) {
            return classDef(decorators);
        }
        throw error("expected def or class after decorators");
    }

    private Stmt funcDef(List<Expr> decorators, boolean async) throws PySyntaxError {
        int line = peek().line();
        expectKw("def");
        String n = name();
        List<TypeParam> typeParams = typeParams();
        expectOp("(");
        List<Param> params = params(")", true);
        expectOp(")");
        Expr returns = acceptOp("->") ? expression() : null;
        return new FunctionDef(n, params, returns, block(), decorators, async, typeParams, line);
    }

    /**
     * PEP 695 type parameters with PEP 696 defaults ({@code [T: int = str, *Ts = *tuple[int], **P = [int]]}),
     * or none when no '[' follows the name.
     */
    private List<TypeParam> typeParams() throws PySyntaxError {
        if (!acceptOp("[")) {
            return List.of();
        }
        List<TypeParam> out = new ArrayList<>();
        do {
            if (atOp("]") && !out.isEmpty()) {
                break; // a trailing comma
            }
            if (out.size() >= MAX_CHAIN) {
                throw error("more than " + MAX_CHAIN + " type parameters");
            }
            String kind = acceptOp("**") ? "paramspec" : acceptOp("*") ? "typevartuple" : "typevar";
            String n = name();
            Expr bound = null;
            if (kind.equals("typevar") && acceptOp(":")) {
                bound = expression();
            }
            Expr def = null;
            if (acceptOp("=")) {
                def = kind.equals("typevartuple") && atOp("*") ? starred() : expression();
            }
            out.add(new TypeParam(n, kind, bound, def));
        } while (acceptOp(","));
        expectOp("]");
        return out;
    }

    /** Parameters up to {@code close}; annotations only in a def (not in a lambda). */
    private List<Param> params(String close, boolean annotations) throws PySyntaxError {
        List<Param> params = new ArrayList<>();
        while (!atOp(close)) {
            String kind = "plain";
            if (acceptOp("/")) {
                if (!acceptOp(",")) {
                    break;
                }
                continue;
            }
            if (acceptOp("**")) {
                kind = "kwargs";
            } else if (acceptOp("*")) {
                kind = "varargs";
                if (atOp(",") || atOp(close)) {
                    acceptOp(",");
                    continue; // bare * : keyword-only marker
                }
            }
            String n = name();
            // *args: *Ts (3.11) annotates with a starred expression
            Expr ann = annotations && acceptOp(":") ? (kind.equals("varargs") && atOp("*") ? starred() : expression()) : null;
            Expr def = acceptOp("=") ? expression() : null;
            params.add(new Param(n, ann, def, kind));
            if (!acceptOp(",")) {
                break;
            }
        }
        return params;
    }

    private Stmt classDef(List<Expr> decorators) throws PySyntaxError {
        int line = peek().line();
        expectKw("class");
        String n = name();
        List<TypeParam> typeParams = typeParams();
        List<Expr> bases = new ArrayList<>();
        List<Keyword> kws = new ArrayList<>();
        if (acceptOp("(")) {
            arguments(bases, kws);
            expectOp(")");
        }
        return new ClassDef(n, bases, kws, block(), decorators, typeParams, line);
    }

    private Stmt ifStmt() throws PySyntaxError {
        int line = peek().line();
        next(); // if or elif
        Expr test = namedExpression();
        List<Stmt> body = block();
        List<Stmt> orElse = new ArrayList<>();
        if (atKw("elif")) {
            enter();
            try {
                orElse.add(ifStmt());
            } finally {
                leave();
            }
        } else if (atKw("else")) {
            next();
            orElse = block();
        }
        return new If(test, body, orElse, line);
    }

    /**
     * {@code match} is a soft keyword: it starts a match statement only when {@code match <subject>:} is
     * followed by an indented {@code case}; otherwise (e.g. {@code match = re.match(...)}) it is a name and
     * this returns null with the position restored. Each statement is tried at most once this way.
     */
    private Stmt matchStmt() throws PySyntaxError {
        int start = p;
        int line = peek().line();
        next();
        Expr subject;
        try {
            subject = starExpressions();
            expectOp(":");
        } catch (PySyntaxError e) {
            p = start;
            return null;
        }
        if (!at(Token.Type.NEWLINE) || peek(1).type() != Token.Type.INDENT || peek(2).type() != Token.Type.NAME
                || !peek(2).text().equals("case")) {
            p = start;
            return null;
        }
        next();
        next();
        List<MatchCase> cases = new ArrayList<>();
        while (!at(Token.Type.DEDENT) && !at(Token.Type.END)) {
            if (at(Token.Type.NEWLINE)) {
                next();
                continue;
            }
            if (!at(Token.Type.NAME) || !peek().text().equals("case")) {
                throw error("expected 'case'");
            }
            int caseLine = next().line();
            Expr pattern = patterns();
            Expr guard = null;
            if (atKw("if")) {
                next();
                guard = namedExpression();
            }
            cases.add(new MatchCase(pattern, guard, block(), caseLine));
        }
        if (at(Token.Type.DEDENT)) {
            next();
        }
        return new Match(subject, cases, line);
    }

    /** Patterns are read into expression nodes; Python's own compiler rejects the few this accepts that it would not. */
    private Expr patterns() throws PySyntaxError {
        int line = peek().line();
        List<Expr> elts = new ArrayList<>();
        boolean comma = false;
        elts.add(asPattern());
        while (acceptOp(",")) {
            comma = true;
            if (atOp(":") || atKw("if") || atOp(")") || atOp("]")) {
                break;
            }
            if (elts.size() >= MAX_CHAIN) {
                throw error("more than " + MAX_CHAIN + " patterns in one sequence");
            }
            elts.add(asPattern());
        }
        return elts.size() == 1 && !comma ? elts.get(0) : new Seq("tuple", elts, line);
    }

    private Expr asPattern() throws PySyntaxError {
        enter();
        try {
            int line = peek().line();
            if (acceptOp("*")) {
                return new Starred(new Name(name(), line), false, line);
            }
            Expr e = closedPattern();
            int alternatives = 1;
            while (atOp("|")) {
                if (++alternatives > MAX_CHAIN) {
                    throw error("more than " + MAX_CHAIN + " alternatives in one pattern");
                }
                next();
                e = new BinOp(e, "|", closedPattern(), line);
            }
            if (atKw("as")) {
                next();
                e = new NamedExpr(new Name(name(), line), e, line);
            }
            return e;
        } finally {
            leave();
        }
    }

    private Expr closedPattern() throws PySyntaxError {
        Token t = peek();
        int line = t.line();
        if (acceptOp("(")) {
            if (acceptOp(")")) {
                return new Seq("tuple", List.of(), line);
            }
            Expr e = patterns();
            expectOp(")");
            return e;
        }
        if (acceptOp("[")) {
            List<Expr> elts = new ArrayList<>();
            while (!atOp("]")) {
                if (elts.size() >= MAX_CHAIN) {
                    throw error("more than " + MAX_CHAIN + " patterns in one sequence");
                }
                elts.add(asPattern());
                if (!acceptOp(",")) {
                    break;
                }
            }
            expectOp("]");
            return new Seq("list", elts, line);
        }
        if (acceptOp("{")) {
            List<Expr> keys = new ArrayList<>();
            List<Expr> values = new ArrayList<>();
            while (!atOp("}")) {
                if (keys.size() >= MAX_CHAIN) {
                    throw error("more than " + MAX_CHAIN + " entries in one mapping pattern");
                }
                if (acceptOp("**")) {
                    keys.add(null);
                    values.add(new Name(name(), line));
                } else {
                    keys.add(closedPattern());
                    expectOp(":");
                    values.add(asPattern());
                }
                if (!acceptOp(",")) {
                    break;
                }
            }
            expectOp("}");
            return new Dict(keys, values, line);
        }
        if (t.type() == Token.Type.NAME && !KEYWORDS.contains(t.text())) {
            Expr e = new Name(next().text(), line);
            int trailers = 0;
            while (acceptOp(".")) {
                if (++trailers > MAX_CHAIN) {
                    throw error("more than " + MAX_CHAIN + " trailers");
                }
                e = new Attr(e, name(), line);
            }
            if (!acceptOp("(")) {
                return e;
            }
            List<Expr> args = new ArrayList<>();
            List<Keyword> kws = new ArrayList<>();
            while (!atOp(")")) {
                if (args.size() + kws.size() >= MAX_CHAIN) {
                    throw error("more than " + MAX_CHAIN + " arguments in one class pattern");
                }
                if (at(Token.Type.NAME) && peek(1).op("=")) {
                    String k = next().text();
                    next();
                    kws.add(new Keyword(k, asPattern()));
                } else {
                    args.add(asPattern());
                }
                if (!acceptOp(",")) {
                    break;
                }
            }
            expectOp(")");
            return new Call(e, args, kws, line);
        }
        if (t.type() == Token.Type.STRING) {
            return strings();
        }
        // literals: None/True/False, numbers with a sign, complex numbers (1 + 2j)
        return binary(4);
    }

    private Stmt whileStmt() throws PySyntaxError {
        int line = peek().line();
        next();
        Expr test = namedExpression();
        List<Stmt> body = block();
        List<Stmt> orElse = List.of();
        if (atKw("else")) {
            next();
            orElse = block();
        }
        return new While(test, body, orElse, line);
    }

    private Stmt forStmt(boolean async) throws PySyntaxError {
        int line = peek().line();
        expectKw("for");
        Expr target = targetList();
        expectKw("in");
        Expr iter = starExpressions();
        List<Stmt> body = block();
        List<Stmt> orElse = List.of();
        if (atKw("else")) {
            next();
            orElse = block();
        }
        return new For(target, iter, body, orElse, async, line);
    }

    /** A for-target: bitwise-or level expressions separated by commas (stops before 'in'). */
    private Expr targetList() throws PySyntaxError {
        int line = peek().line();
        List<Expr> elts = new ArrayList<>();
        boolean comma = false;
        do {
            if (atKw("in")) {
                break;
            }
            elts.add(atOp("*") ? starred() : bitOr());
            if (atOp(",")) {
                comma = true;
            }
        } while (acceptOp(","));
        return elts.size() == 1 && !comma ? elts.get(0) : new Seq("tuple", elts, line);
    }

    private Stmt tryStmt() throws PySyntaxError {
        int line = peek().line();
        next();
        List<Stmt> body = block();
        List<Handler> handlers = new ArrayList<>();
        while (atKw("except")) {
            int hl = peek().line();
            next();
            acceptOp("*"); // except* (3.11)
            Expr type = null;
            String n = null;
            if (!atOp(":")) {
                type = expression();
                if (acceptOp(",")) {
                    List<Expr> types = new ArrayList<>(List.of(type));
                    do {
                        types.add(expression());
                    } while (acceptOp(","));
                    type = new Seq("tuple", types, hl);
                }
                if (atKw("as")) {
                    next();
                    n = name();
                }
            }
            handlers.add(new Handler(type, n, block(), hl));
        }
        List<Stmt> orElse = List.of();
        if (atKw("else")) {
            next();
            orElse = block();
        }
        List<Stmt> fin = List.of();
        if (atKw("finally")) {
            next();
            fin = block();
        }
        if (handlers.isEmpty() && fin.isEmpty()) {
            throw error("try without except or finally");
        }
        return new Try(body, handlers, orElse, fin, line);
    }

    private Stmt withStmt(boolean async) throws PySyntaxError {
        int line = peek().line();
        expectKw("with");
        List<WithItem> items = null;
        if (atOp("(")) {
            // CPython tries the parenthesized item list first (3.9+): "with (a() as b, c()):" and
            // "with (a, b):" hold two items; when no ':' follows the ')' the parentheses are an expression's
            int start = p;
            next();
            try {
                List<WithItem> inParens = withItems(true);
                if (acceptOp(")") && atOp(":")) {
                    items = inParens;
                }
            } catch (PySyntaxError e) {
                // not an item list: read again as expressions below
            }
            if (items == null) {
                p = start;
            }
        }
        if (items == null) {
            items = withItems(false);
        }
        return new With(items, block(), async, line);
    }

    private List<WithItem> withItems(boolean inParens) throws PySyntaxError {
        List<WithItem> items = new ArrayList<>();
        do {
            if (inParens && atOp(")") && !items.isEmpty()) {
                break; // a trailing comma
            }
            if (items.size() >= MAX_CHAIN) {
                throw error("more than " + MAX_CHAIN + " items in one with");
            }
            Expr ctx = expression();
            Expr target = null;
            if (atKw("as")) {
                next();
                target = atOp("(") ? atom() : bitOr();
            }
            items.add(new WithItem(ctx, target));
        } while (acceptOp(","));
        return items;
    }

    // ---- expressions ----
    /** star_expressions: a tuple when there is a comma. */
    Expr starExpressions() throws PySyntaxError {
        int line = peek().line();
        Expr first = atOp("*") ? starred() : namedExpression();
        if (!atOp(",")) {
            return first;
        }
        List<Expr> elts = new ArrayList<>(List.of(first));
        while (acceptOp(",")) {
            if (endOfExpressionList()) {
                break;
            }
            elts.add(atOp("*") ? starred() : namedExpression());
        }
        return new Seq("tuple", elts, line);
    }

    private boolean endOfExpressionList() {
        Token t = peek();
        return t.type() == Token.Type.NEWLINE || t.type() == Token.Type.END || t.op("=") || t.op(")") || t.op("]")
                || t.op("}") || t.op(":") || t.op(";") || (t.type() == Token.Type.OP && AUG.contains(t.text()))
                || t.keyword("in");
    }

    private Expr starred() throws PySyntaxError {
        int line = next().line();
        return new Starred(bitOr(), false, line);
    }

    private Expr namedExpression() throws PySyntaxError {
        if (at(Token.Type.NAME) && peek(1).op(":=")) {
            int line = peek().line();
            Expr target = new Name(name(), line);
            next();
            return new NamedExpr(target, expression(), line);
        }
        return expression();
    }

    Expr expression() throws PySyntaxError {
        enter();
        try {
            if (atKw("lambda")) {
                return lambda();
            }
            int line = peek().line();
            Expr body = disjunction();
            if (atKw("if")) {
                next();
                Expr test = disjunction();
                expectKw("else");
                return new IfExp(test, body, expression(), line);
            }
            return body;
        } finally {
            leave();
        }
    }

    private Expr lambda() throws PySyntaxError {
        int line = next().line();
        List<Param> params = params(":", false);
        expectOp(":");
        return new Lambda(params, expression(), line);
    }

    /** One level of the grammar, for the rules shared by several levels. */
    private interface Level {
        Expr parse() throws PySyntaxError;
    }

    private Expr disjunction() throws PySyntaxError {
        return boolOp("or", this::conjunction);
    }

    private Expr conjunction() throws PySyntaxError {
        return boolOp("and", this::inversion);
    }

    /** {@code operand (keyword operand)*}: one flat BoolOp, or the operand alone. */
    private Expr boolOp(String keyword, Level operand) throws PySyntaxError {
        int line = peek().line();
        Expr first = operand.parse();
        if (!atKw(keyword)) {
            return first;
        }
        List<Expr> values = new ArrayList<>(List.of(first));
        while (atKw(keyword)) {
            next();
            values.add(operand.parse());
        }
        return new BoolOp(keyword, values, line);
    }

    private Expr inversion() throws PySyntaxError {
        if (atKw("not")) {
            int line = next().line();
            enter();
            try {
                return new Unary("not", inversion(), line);
            } finally {
                leave();
            }
        }
        return comparison();
    }

    private Expr comparison() throws PySyntaxError {
        int line = peek().line();
        Expr left = bitOr();
        List<String> ops = new ArrayList<>();
        List<Expr> rights = new ArrayList<>();
        while (true) {
            Token t = peek();
            String op;
            if (t.type() == Token.Type.OP && COMPARE.contains(t.text())) {
                op = next().text();
            } else if (t.keyword("in")) {
                next();
                op = "in";
            } else if (t.keyword("not") && peek(1).keyword("in")) {
                p += 2;
                op = "not in";
            } else if (t.keyword("is")) {
                next();
                op = atKw("not") ? "is not" : "is";
                if (op.equals("is not")) {
                    next();
                }
            } else {
                break;
            }
            ops.add(op);
            rights.add(bitOr());
        }
        return ops.isEmpty() ? left : new Compare(left, ops, rights, line);
    }

    private Expr bitOr() throws PySyntaxError {
        return binary(0);
    }

    private static final String[][] LEVELS = {{"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "@"}};

    private Expr binary(int level) throws PySyntaxError {
        if (level == LEVELS.length) {
            return factor();
        }
        int line = peek().line();
        Expr left = binary(level + 1);
        int operands = 1;
        while (true) {
            String op = null;
            for (String o : LEVELS[level]) {
                if (atOp(o)) {
                    op = o;
                    break;
                }
            }
            if (op == null) {
                return left;
            }
            if (++operands > MAX_CHAIN) {
                throw error("more than " + MAX_CHAIN + " operands in one expression");
            }
            next();
            left = new BinOp(left, op, binary(level + 1), line);
        }
    }

    private Expr factor() throws PySyntaxError {
        if (atOp("-") || atOp("+") || atOp("~")) {
            Token t = next();
            enter();
            try {
                return new Unary(t.text(), factor(), t.line());
            } finally {
                leave();
            }
        }
        return power();
    }

    private Expr power() throws PySyntaxError {
        int line = peek().line();
        Expr base;
        if (atKw("await")) {
            next();
            base = new Await(primary(), line);
        } else {
            base = primary();
        }
        if (acceptOp("**")) {
            enter();
            try {
                return new BinOp(base, "**", factor(), line);
            } finally {
                leave();
            }
        }
        return base;
    }

    private Expr primary() throws PySyntaxError {
        Expr e = atom();
        int trailers = 0;
        while (true) {
            int line = peek().line();
            if (++trailers > MAX_CHAIN) {
                throw error("too many trailers");
            }
            if (acceptOp(".")) {
                e = new Attr(e, name(), line);
            } else if (atOp("(")) {
                next();
                List<Expr> args = new ArrayList<>();
                List<Keyword> kws = new ArrayList<>();
                enter();
                try {
                    arguments(args, kws);
                } finally {
                    leave();
                }
                expectOp(")");
                e = new Call(e, args, kws, line);
            } else if (atOp("[")) {
                next();
                enter();
                try {
                    e = new Subscript(e, slices(), line);
                } finally {
                    leave();
                }
                expectOp("]");
            } else {
                return e;
            }
        }
    }

    private void arguments(List<Expr> args, List<Keyword> kws) throws PySyntaxError {
        while (!atOp(")")) {
            int line = peek().line();
            if (acceptOp("**")) {
                kws.add(new Keyword(null, expression()));
            } else if (acceptOp("*")) {
                args.add(new Starred(expression(), false, line));
            } else if (at(Token.Type.NAME) && peek(1).op("=") && !KEYWORDS.contains(peek().text())) {
                String n = name();
                next();
                kws.add(new Keyword(n, expression()));
            } else {
                Expr a = namedExpression();
                if (atKw("for") || atKw("async")) {
                    a = new Comp("gen", a, null, comprehension(), line);
                }
                args.add(a);
            }
            if (!acceptOp(",")) {
                break;
            }
        }
    }

    private Expr slices() throws PySyntaxError {
        int line = peek().line();
        Expr first = slice();
        if (!atOp(",")) {
            // a[*b] indexes with a tuple, as CPython reads it (3.11)
            return first instanceof Starred ? new Seq("tuple", List.of(first), line) : first;
        }
        List<Expr> elts = new ArrayList<>(List.of(first));
        while (acceptOp(",")) {
            if (atOp("]")) {
                break;
            }
            elts.add(slice());
        }
        return new Seq("tuple", elts, line);
    }

    private Expr slice() throws PySyntaxError {
        int line = peek().line();
        Expr lower = null;
        if (!atOp(":")) {
            lower = atOp("*") ? starred() : namedExpression();
            if (!atOp(":")) {
                return lower;
            }
        }
        next();
        Expr upper = atOp(":") || atOp("]") || atOp(",") ? null : expression();
        Expr step = null;
        if (acceptOp(":")) {
            step = atOp("]") || atOp(",") ? null : expression();
        }
        return new Slice(lower, upper, step, line);
    }

    private List<CompFor> comprehension() throws PySyntaxError {
        List<CompFor> gens = new ArrayList<>();
        while (atKw("for") || atKw("async")) {
            boolean async = false;
            if (atKw("async")) {
                next();
                async = true;
            }
            expectKw("for");
            Expr target = targetList();
            expectKw("in");
            Expr iter = disjunction();
            List<Expr> ifs = new ArrayList<>();
            while (atKw("if")) {
                next();
                ifs.add(disjunction());
            }
            gens.add(new CompFor(target, iter, ifs, async));
        }
        return gens;
    }

    private Expr yieldExpr() throws PySyntaxError {
        int line = next().line();
        if (atKw("from")) {
            next();
            return new Yield(expression(), true, line);
        }
        boolean empty = at(Token.Type.NEWLINE) || atOp(")") || atOp("=") || atOp(";") || at(Token.Type.END);
        return new Yield(empty ? null : starExpressions(), false, line);
    }

    private Expr atom() throws PySyntaxError {
        Token t = peek();
        int line = t.line();
        switch (t.type()) {
            case NAME -> {
                switch (t.text()) {
                    case "None", "True", "False" -> {
                        next();
                        return new Const(t.text(), t.text(), line);
                    }
                    default -> {
                        if (KEYWORDS.contains(t.text())) {
                            throw error("unexpected keyword");
                        }
                        next();
                        return new Name(t.text(), line);
                    }
                }
            }
            case NUMBER -> {
                next();
                return new Const("num", t.text(), line);
            }
            case STRING -> {
                return strings();
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        return parenthesized();
                    }
                    case "[" -> {
                        return listDisplay();
                    }
                    case "{" -> {
                        return dictOrSet();
                    }
                    case "..." -> {
                        next();
                        return new Const("Ellipsis", "...", line);
                    }
                    default -> throw error("unexpected operator");
                }
            }
            default -> throw error("expected an expression");
        }
    }

    /** Adjacent literals concatenate; any f-string part makes the whole an f-string. */
    private Expr strings() throws PySyntaxError {
        int line = peek().line();
        StringBuilder literal = new StringBuilder();
        List<Expr> values = new ArrayList<>();
        boolean f = false;
        boolean bytes = false;
        while (at(Token.Type.STRING)) {
            Token s = next();
            if (s.prefix().contains("b")) {
                bytes = true;
            }
            if (s.prefix().contains("f")) {
                f = true;
                FString.split(s.text(), s.line(), s.prefix().contains("r"), literal, values);
            } else {
                literal.append(s.text());
            }
        }
        if (f) {
            return new FStr(literal.toString(), values, line);
        }
        return new Const(bytes ? "bytes" : "str", literal.toString(), line);
    }

    private Expr parenthesized() throws PySyntaxError {
        int line = next().line();
        enter();
        try {
            if (acceptOp(")")) {
                return new Seq("tuple", List.of(), line);
            }
            if (atKw("yield")) {
                Expr y = yieldExpr();
                expectOp(")");
                return y;
            }
            Expr first = atOp("*") ? starred() : namedExpression();
            if (atKw("for") || atKw("async")) {
                Expr gen = new Comp("gen", first, null, comprehension(), line);
                expectOp(")");
                return gen;
            }
            if (acceptOp(")")) {
                return first;
            }
            List<Expr> elts = new ArrayList<>(List.of(first));
            moreElements(elts, ")");
            expectOp(")");
            return new Seq("tuple", elts, line);
        } finally {
            leave();
        }
    }

    /** The rest of a display after its first element: {@code , element} until {@code close}, which stays unread. */
    private void moreElements(List<Expr> elts, String close) throws PySyntaxError {
        while (acceptOp(",")) {
            if (atOp(close)) {
                break;
            }
            elts.add(atOp("*") ? starred() : namedExpression());
        }
    }

        private Expr listDisplay() throws PySyntaxError {
        int line = next().line();
        enter();
        try {
            List<Expr> elts = new ArrayList<>();
            if (acceptOp("]")) {
                return new Seq("list", elts, line);
            }
            Expr first = atOp("*") ? starred() : namedExpression();
            if (atKw("for") || atKw("async")) {
                Expr comp = new Comp("list", first, null, comprehension(), line);
                expectOp("]");
                return comp;
            }
            elts.add(first);
            moreElements(elts, "]");
            expectOp("]");
            return new Seq("list", elts, line);
        } finally {
            leave();
        }
    }

    private Expr dictOrSet() throws PySyntaxError {
        int line = next().line();
        enter();
        try {
            if (acceptOp("}")) {
                return new Dict(List.of(), List.of(), line);
            }
            List<Expr> keys = new ArrayList<>();
            List<Expr> values = new ArrayList<>();
            if (acceptOp("**")) {
                keys.add(null);
                values.add(bitOr());
            } else {
                Expr first = atOp("*") ? starred() : namedExpression();
                if (acceptOp(":")) {
                    Expr v = expression();
                    if (atKw("for") || atKw("async")) {
                        Expr comp = new Comp("dict", first, v, comprehension(), line);
                        expectOp("}");
                        return comp;
                    }
                    keys.add(first);
                    values.add(v);
                } else {
                    // a set
                    if (atKw("for") || atKw("async")) {
                        Expr comp = new Comp("set", first, null, comprehension(), line);
                        expectOp("}");
                        return comp;
                    }
                    List<Expr> elts = new ArrayList<>(List.of(first));
                    moreElements(elts, "}");
                    expectOp("}");
                    return new Seq("set", elts, line);
                }
            }
            while (acceptOp(",")) {
                if (atOp("}")) {
                    break;
                }
                if (acceptOp("**")) {
                    keys.add(null);
                    values.add(bitOr());
                } else {
                    keys.add(expression());
                    expectOp(":");
                    values.add(expression());
                }
            }
            expectOp("}");
            return new Dict(keys, values, line);
        } finally {
            leave();
        }
    }
}
