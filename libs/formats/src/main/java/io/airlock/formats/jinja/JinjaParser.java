package io.airlock.formats.jinja;

import io.airlock.formats.jinja.JinjaLexer.Token;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses a template into the syntax tree jinja2 3.1's parser builds ({@code Environment.parse}),
 * method by method after jinja2's own grammar: the same precedence (condexpr, or, and, not,
 * comparisons and {@code in}, {@code + -}, {@code ~}, {@code * / // %}, {@code **}, unary signs,
 * then postfix subscripts, calls, filters and tests), the same statements, and the same
 * refusals. Enabled besides jinja2's defaults, as transformers enables them: {@code break} and
 * {@code continue} (loopcontrols) and the {@code generation} tag; {@code do} is parsed so that a
 * rule can name it (transformers does not enable it).
 *
 * <p>Bounded: template length, tokens, nodes and nesting depth; past a bound the template is
 * refused like a malformed one, never judged in part.
 */
public final class JinjaParser {
    /** Bounds of one parse. */
    public record Limits(int maxChars, int maxTokens, int maxNodes, int maxDepth) {
        /** Chat templates are kilobytes; the largest published ones are under 100 KiB. */
        public static final Limits DEFAULT = new Limits(2 * 1024 * 1024, 500_000, 500_000, 200);
    }

    /** Whitespace settings: jinja2's defaults, or transformers' (trim_blocks and lstrip_blocks). */
    public enum Whitespace { PLAIN, TRANSFORMERS }

    private static final Set<String> COMPARE = Set.of("eq", "ne", "lt", "lteq", "gt", "gteq");
    private static final Set<String> STATEMENTS = Set.of("for", "if", "block", "extends", "print", "macro",
            "include", "from", "import", "set", "with", "autoescape");

    private final List<Token> tokens;
    private final Limits limits;
    private int at;
    private int nodes;
    private int depth;

    private JinjaParser(List<Token> tokens, Limits limits) {
        this.tokens = tokens;
        this.limits = limits;
    }

    /** The template's tree ({@code Template(body=[...])}), or the reason jinja2 would refuse it. */
    public static Node parse(String source, Whitespace ws, Limits limits) throws JinjaSyntaxException {
        if (source.length() > limits.maxChars()) {
            throw new JinjaSyntaxException("a template of " + source.length() + " characters, over the bound of "
                    + limits.maxChars(), 1);
        }
        boolean t = ws == Whitespace.TRANSFORMERS;
        JinjaParser p = new JinjaParser(JinjaLexer.tokenize(source, t, t, limits.maxTokens()), limits);
        try {
            return p.node("Template", 1, "body", p.subparse(null));
        } catch (StackOverflowError e) {
            throw new JinjaSyntaxException("nested too deeply for this parser", p.cur().line());
        }
    }

    /** As {@link #parse(String, Whitespace, Limits)} with transformers' settings and the default bounds. */
    public static Node parse(String source) throws JinjaSyntaxException {
        return parse(source, Whitespace.TRANSFORMERS, Limits.DEFAULT);
    }

    // ---------------------------------------------------------------- token stream

    private Token cur() {
        return tokens.get(at);
    }

    private Token look() {
        return tokens.get(Math.min(at + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = cur();
        if (at < tokens.size() - 1) {
            at++;
        }
        return t;
    }

    private boolean test(Token t, String expr) {
        int colon = expr.indexOf(':');
        return colon < 0 ? t.is(expr) : t.is(expr.substring(0, colon), expr.substring(colon + 1));
    }

    private boolean testAny(Token t, String... exprs) {
        for (String e : exprs) {
            if (test(t, e)) {
                return true;
            }
        }
        return false;
    }

    private boolean skipIf(String expr) {
        if (test(cur(), expr)) {
            next();
            return true;
        }
        return false;
    }

    private Token expect(String expr) throws JinjaSyntaxException {
        if (!test(cur(), expr)) {
            if (cur().is("eof")) {
                throw fail("unexpected end of template, expected '" + expr + "'");
            }
            throw fail("expected token '" + expr + "', got " + describe(cur()));
        }
        return next();
    }

    private JinjaSyntaxException fail(String message) {
        return new JinjaSyntaxException(message, cur().line());
    }

    private static String describe(Token t) {
        return t.is("name") || t.is("string") ? "'" + t.value() + "'" : "'" + t.type() + "'";
    }

    private Node node(String type, int line, Object... nameValue) throws JinjaSyntaxException {
        if (++nodes > limits.maxNodes()) {
            throw fail("more than " + limits.maxNodes() + " syntax nodes: past this parser's bound");
        }
        return Node.of(type, line, nameValue);
    }

    /** One more link of a left-deep chain (a + b + c, a.b.c, x|f|g): the tree gets deeper with each. */
    private int deeper(int chain) throws JinjaSyntaxException {
        enter();
        return chain + 1;
    }

    private void enter() throws JinjaSyntaxException {
        if (++depth > limits.maxDepth()) {
            throw fail("nested deeper than " + limits.maxDepth() + ": past this parser's bound");
        }
    }

    // ---------------------------------------------------------------- statements

    private List<Node> subparse(String[] endTokens) throws JinjaSyntaxException {
        enter();
        List<Node> body = new ArrayList<>();
        List<Node> data = new ArrayList<>();
        while (!cur().is("eof")) {
            Token t = cur();
            if (t.is("data")) {
                data.add(node("TemplateData", t.line(), "data", t.value()));
                next();
            } else if (t.is("variable_begin")) {
                next();
                data.add(parseTuple(false, true, null, false));
                expect("variable_end");
            } else if (t.is("block_begin")) {
                flush(body, data);
                next();
                if (endTokens != null && testAny(cur(), endTokens)) {
                    depth--;
                    return body;
                }
                body.add(statement());
                expect("block_end");
            } else {
                throw fail("internal parsing error: " + describe(t));
            }
        }
        flush(body, data);
        depth--;
        return body;
    }

    private void flush(List<Node> body, List<Node> data) throws JinjaSyntaxException {
        if (!data.isEmpty()) {
            body.add(node("Output", data.get(0).line(), "nodes", new ArrayList<>(data)));
            data.clear();
        }
    }

    private List<Node> statements(boolean dropNeedle, String... endTokens) throws JinjaSyntaxException {
        skipIf("colon");
        expect("block_end");
        List<Node> body = subparse(endTokens);
        if (cur().is("eof")) {
            throw fail("unexpected end of template: jinja2 was looking for " + String.join(" or ", endTokens));
        }
        if (dropNeedle) {
            next();
        }
        return body;
    }

    private Node statement() throws JinjaSyntaxException {
        Token t = cur();
        if (!t.is("name")) {
            throw fail("tag name expected");
        }
        String tag = (String) t.value();
        if (STATEMENTS.contains(tag)) {
            return switch (tag) {
                case "for" -> parseFor();
                case "if" -> parseIf();
                case "block" -> parseBlock();
                case "extends" -> node("Extends", next().line(), "template", expression(true));
                case "print" -> parsePrint();
                case "macro" -> parseMacro();
                case "include" -> parseInclude();
                case "from" -> parseFrom();
                case "import" -> parseImport();
                case "set" -> parseSet();
                case "with" -> parseWith();
                default -> parseAutoescape();
            };
        }
        switch (tag) {
            case "call" -> {
                return parseCallBlock();
            }
            case "filter" -> {
                int line = next().line();
                Node filter = parseFilter(null, true);
                return node("FilterBlock", line, "body", statements(true, "name:endfilter"), "filter", filter);
            }
            case "break" -> {
                return node("Break", next().line());
            }
            case "continue" -> {
                return node("Continue", next().line());
            }
            case "do" -> {
                int line = next().line();
                return node("ExprStmt", line, "node", parseTuple(false, true, null, false));
            }
            case "generation" -> {
                // transformers' AssistantTracker: a call block around the assistant's text
                int line = next().line();
                List<Node> body = statements(true, "name:endgeneration");
                Node call = node("Call", line, "node", node("ExtensionAttribute", line, "name", "_generation_support"),
                        "args", List.of(), "kwargs", List.of(), "dyn_args", null, "dyn_kwargs", null);
                return node("CallBlock", line, "call", call, "args", List.of(), "defaults", List.of(), "body", body);
            }
            default -> throw fail("Encountered unknown tag '" + tag + "'");
        }
    }

    private Node parseFor() throws JinjaSyntaxException {
        int line = expect("name:for").line();
        Node target = assignTarget(true, false, new String[]{"name:in"}, false);
        expect("name:in");
        Node iter = parseTuple(false, false, new String[]{"name:recursive"}, false);
        Node test = null;
        if (skipIf("name:if")) {
            test = expression(true);
        }
        boolean recursive = skipIf("name:recursive");
        List<Node> body = statements(false, "name:endfor", "name:else");
        List<Node> orElse = List.of();
        if (!"endfor".equals(next().value())) {
            orElse = statements(true, "name:endfor");
        }
        return node("For", line, "target", target, "iter", iter, "body", body, "else_", orElse, "test", test,
                "recursive", recursive);
    }

    private Node parseIf() throws JinjaSyntaxException {
        int line = expect("name:if").line();
        Node test = parseTuple(false, false, null, false);
        List<Node> body = statements(false, "name:elif", "name:else", "name:endif");
        List<Node> elifs = new ArrayList<>();
        List<Node> orElse = List.of();
        while (true) {
            Token t = next();
            if (test(t, "name:elif")) {
                Node elTest = parseTuple(false, false, null, false);
                List<Node> elBody = statements(false, "name:elif", "name:else", "name:endif");
                elifs.add(node("If", t.line(), "test", elTest, "body", elBody, "elif_", List.of(), "else_", List.of()));
                continue;
            }
            if (test(t, "name:else")) {
                orElse = statements(true, "name:endif");
            }
            break;
        }
        return node("If", line, "test", test, "body", body, "elif_", elifs, "else_", orElse);
    }

    private Node parseBlock() throws JinjaSyntaxException {
        int line = next().line();
        String name = (String) expect("name").value();
        boolean scoped = skipIf("name:scoped");
        boolean required = skipIf("name:required");
        if (cur().is("sub")) {
            throw fail("Block names in Jinja have to be valid Python identifiers and may not contain hyphens");
        }
        List<Node> body = statements(true, "name:endblock");
        if (required) {
            for (Node b : body) {
                boolean blank = b.type().equals("Output") && b.children().stream().allMatch(o -> o.type().equals("TemplateData")
                        && isBlank(o.string("data")));
                if (!blank) {
                    throw fail("Required blocks can only contain comments or whitespace");
                }
            }
        }
        skipIf("name:" + name);
        return node("Block", line, "name", name, "body", body, "scoped", scoped, "required", required);
    }

    private static boolean isBlank(String s) {
        if (s == null || s.isEmpty()) {
            return false; // Python's "".isspace() is False
        }
        for (int i = 0; i < s.length(); i++) {
            if (!JinjaLexer.isSpace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private Node parsePrint() throws JinjaSyntaxException {
        int line = next().line();
        List<Node> items = new ArrayList<>();
        while (!cur().is("block_end")) {
            if (!items.isEmpty()) {
                expect("comma");
            }
            items.add(expression(true));
        }
        return node("Output", line, "nodes", items);
    }

    private Node parseMacro() throws JinjaSyntaxException {
        int line = next().line();
        String name = (String) assignTarget(false, true, null, false).get("name");
        List<Node> args = new ArrayList<>();
        List<Node> defaults = new ArrayList<>();
        signature(args, defaults);
        return node("Macro", line, "name", name, "args", args, "defaults", defaults, "body", statements(true, "name:endmacro"));
    }

    private void signature(List<Node> args, List<Node> defaults) throws JinjaSyntaxException {
        expect("lparen");
        while (!cur().is("rparen")) {
            if (!args.isEmpty()) {
                expect("comma");
            }
            Token t = expect("name");
            Node arg = node("Name", t.line(), "name", t.value(), "ctx", "param");
            if (!canAssign(arg)) {
                throw fail("can't assign to 'name'");
            }
            if (skipIf("assign")) {
                defaults.add(expression(true));
            } else if (!defaults.isEmpty()) {
                throw fail("non-default argument follows default argument");
            }
            args.add(arg);
        }
        expect("rparen");
    }

    private Node parseCallBlock() throws JinjaSyntaxException {
        int line = next().line();
        List<Node> args = new ArrayList<>();
        List<Node> defaults = new ArrayList<>();
        if (cur().is("lparen")) {
            signature(args, defaults);
        }
        Node call = expression(true);
        if (!call.type().equals("Call")) {
            throw new JinjaSyntaxException("expected call", line);
        }
        return node("CallBlock", line, "call", call, "args", args, "defaults", defaults, "body", statements(true, "name:endcall"));
    }

    private Node parseInclude() throws JinjaSyntaxException {
        int line = next().line();
        Node template = expression(true);
        boolean ignoreMissing = false;
        if (test(cur(), "name:ignore") && test(look(), "name:missing")) {
            ignoreMissing = true;
            next();
            next();
        }
        boolean withContext = importContext(true);
        return node("Include", line, "template", template, "with_context", withContext, "ignore_missing", ignoreMissing);
    }

    private boolean importContext(boolean dflt) {
        if (testAny(cur(), "name:with", "name:without") && test(look(), "name:context")) {
            boolean with = "with".equals(next().value());
            next();
            return with;
        }
        return dflt;
    }

    private Node parseImport() throws JinjaSyntaxException {
        int line = next().line();
        Node template = expression(true);
        expect("name:as");
        String target = (String) assignTarget(false, true, null, false).get("name");
        return node("Import", line, "template", template, "target", target, "with_context", importContext(false));
    }

    private Node parseFrom() throws JinjaSyntaxException {
        int line = next().line();
        Node template = expression(true);
        expect("name:import");
        List<Object> names = new ArrayList<>();
        Boolean withContext = null;
        while (true) {
            if (!names.isEmpty()) {
                expect("comma");
            }
            if (cur().is("name")) {
                if (fromContext()) {
                    withContext = "with".equals(tokens.get(at - 2).value());
                    break;
                }
                String name = (String) assignTarget(false, true, null, false).get("name");
                if (name.startsWith("_")) {
                    throw fail("names starting with an underline can not be imported");
                }
                if (skipIf("name:as")) {
                    String alias = (String) assignTarget(false, true, null, false).get("name");
                    names.add(new String[]{name, alias});
                } else {
                    names.add(name);
                }
                if (fromContext()) {
                    withContext = "with".equals(tokens.get(at - 2).value());
                    break;
                }
                if (!cur().is("comma")) {
                    break;
                }
            } else {
                expect("name");
            }
        }
        return node("FromImport", line, "template", template, "names", names, "with_context",
                withContext != null && withContext);
    }

    private boolean fromContext() {
        if (("with".equals(cur().value()) || "without".equals(cur().value())) && cur().is("name") && test(look(), "name:context")) {
            next();
            next();
            return true;
        }
        return false;
    }

    private Node parseSet() throws JinjaSyntaxException {
        int line = next().line();
        Node target = assignTarget(true, false, null, true);
        if (skipIf("assign")) {
            return node("Assign", line, "target", target, "node", parseTuple(false, true, null, false));
        }
        Node filter = parseFilter(null, false);
        return node("AssignBlock", line, "target", target, "filter", filter, "body", statements(true, "name:endset"));
    }

    private Node parseWith() throws JinjaSyntaxException {
        int line = next().line();
        List<Node> targets = new ArrayList<>();
        List<Node> values = new ArrayList<>();
        while (!cur().is("block_end")) {
            if (!targets.isEmpty()) {
                expect("comma");
            }
            targets.add(withCtx(assignTarget(true, false, null, false), "param"));
            expect("assign");
            values.add(expression(true));
        }
        return node("With", line, "targets", targets, "values", values, "body", statements(true, "name:endwith"));
    }

    private Node parseAutoescape() throws JinjaSyntaxException {
        int line = next().line();
        Node option = node("Keyword", line, "key", "autoescape", "value", expression(true));
        List<Node> body = statements(true, "name:endautoescape");
        Node modifier = node("ScopedEvalContextModifier", line, "options", List.of(option), "body", body);
        return node("Scope", line, "body", List.of(modifier));
    }

    private Node assignTarget(boolean withTuple, boolean nameOnly, String[] extraEnd, boolean withNamespace)
            throws JinjaSyntaxException {
        Node target;
        if (nameOnly) {
            Token t = expect("name");
            target = node("Name", t.line(), "name", t.value(), "ctx", "store");
        } else if (withNamespace && look().is("dot")) {
            Token t = expect("name");
            next();
            Token attr = expect("name");
            target = node("NSRef", t.line(), "name", t.value(), "attr", attr.value());
        } else {
            target = withCtx(withTuple ? parseTuple(true, true, extraEnd, false) : primary(), "store");
        }
        if (!canAssign(target)) {
            throw fail("can't assign to '" + target.type().toLowerCase(java.util.Locale.ROOT) + "'");
        }
        return target;
    }

    private static boolean canAssign(Node n) {
        return switch (n.type()) {
            case "Name" -> !Set.of("true", "false", "none", "True", "False", "None").contains(n.string("name"));
            case "Tuple" -> ((List<?>) n.get("items")).stream().allMatch(i -> canAssign((Node) i));
            case "NSRef" -> true;
            default -> false;
        };
    }

    /** jinja2's set_ctx: every node with a ctx field below and at {@code n} gets {@code ctx}. */
    private static Node withCtx(Node n, String ctx) {
        List<Node.Field> f = new ArrayList<>();
        for (Node.Field x : n.fields()) {
            Object v = x.value();
            if (x.name().equals("ctx")) {
                v = ctx;
            } else if (v instanceof Node c) {
                v = withCtx(c, ctx);
            } else if (v instanceof List<?> l) {
                List<Object> copy = new ArrayList<>();
                for (Object o : l) {
                    copy.add(o instanceof Node c ? withCtx(c, ctx) : o);
                }
                v = List.copyOf(copy);
            }
            f.add(new Node.Field(x.name(), v));
        }
        return new Node(n.type(), f, n.line());
    }

    // ---------------------------------------------------------------- expressions

    private Node expression(boolean withCondexpr) throws JinjaSyntaxException {
        return withCondexpr ? condexpr() : or();
    }

    private Node condexpr() throws JinjaSyntaxException {
        int line = cur().line();
        Node expr1 = or();
        int chain = 0;
        while (skipIf("name:if")) {
            chain = deeper(chain);
            Node expr2 = or();
            Node expr3 = skipIf("name:else") ? condexpr() : null;
            expr1 = node("CondExpr", line, "test", expr2, "expr1", expr1, "expr2", expr3);
            line = cur().line();
        }
        depth -= chain;
        return expr1;
    }

    private Node or() throws JinjaSyntaxException {
        int line = cur().line();
        Node left = and();
        int chain = 0;
        while (skipIf("name:or")) {
            chain = deeper(chain);
            left = node("Or", line, "left", left, "right", and());
            line = cur().line();
        }
        depth -= chain;
        return left;
    }

    private Node and() throws JinjaSyntaxException {
        int line = cur().line();
        Node left = not();
        int chain = 0;
        while (skipIf("name:and")) {
            chain = deeper(chain);
            left = node("And", line, "left", left, "right", not());
            line = cur().line();
        }
        depth -= chain;
        return left;
    }

    private Node not() throws JinjaSyntaxException {
        if (test(cur(), "name:not")) {
            int line = next().line();
            enter();
            Node n = node("Not", line, "node", not());
            depth--;
            return n;
        }
        return compare();
    }

    private Node compare() throws JinjaSyntaxException {
        int line = cur().line();
        Node expr = math1();
        List<Node> ops = new ArrayList<>();
        while (true) {
            String type = cur().type();
            if (COMPARE.contains(type)) {
                next();
                ops.add(node("Operand", line, "op", type, "expr", math1()));
            } else if (skipIf("name:in")) {
                ops.add(node("Operand", line, "op", "in", "expr", math1()));
            } else if (test(cur(), "name:not") && test(look(), "name:in")) {
                next();
                next();
                ops.add(node("Operand", line, "op", "notin", "expr", math1()));
            } else {
                break;
            }
            line = cur().line();
        }
        return ops.isEmpty() ? expr : node("Compare", line, "expr", expr, "ops", ops);
    }

    private Node math1() throws JinjaSyntaxException {
        int line = cur().line();
        Node left = concat();
        int chain = 0;
        while (cur().is("add") || cur().is("sub")) {
            chain = deeper(chain);
            String cls = next().is("add") ? "Add" : "Sub";
            left = node(cls, line, "left", left, "right", concat());
            line = cur().line();
        }
        depth -= chain;
        return left;
    }

    private Node concat() throws JinjaSyntaxException {
        int line = cur().line();
        List<Node> args = new ArrayList<>();
        args.add(math2());
        while (cur().is("tilde")) {
            next();
            args.add(math2());
        }
        return args.size() == 1 ? args.get(0) : node("Concat", line, "nodes", args);
    }

    private Node math2() throws JinjaSyntaxException {
        int line = cur().line();
        Node left = pow();
        int chain = 0;
        while (testAny(cur(), "mul", "div", "floordiv", "mod")) {
            chain = deeper(chain);
            String cls = switch (next().type()) {
                case "mul" -> "Mul";
                case "div" -> "Div";
                case "floordiv" -> "FloorDiv";
                default -> "Mod";
            };
            left = node(cls, line, "left", left, "right", pow());
            line = cur().line();
        }
        depth -= chain;
        return left;
    }

    private Node pow() throws JinjaSyntaxException {
        int line = cur().line();
        Node left = unary(true);
        int chain = 0;
        while (cur().is("pow")) {
            chain = deeper(chain);
            next();
            left = node("Pow", line, "left", left, "right", unary(true));
            line = cur().line();
        }
        depth -= chain;
        return left;
    }

    private Node unary(boolean withFilter) throws JinjaSyntaxException {
        enter();
        int line = cur().line();
        Node n;
        if (cur().is("sub")) {
            next();
            n = node("Neg", line, "node", unary(false));
        } else if (cur().is("add")) {
            next();
            n = node("Pos", line, "node", unary(false));
        } else {
            n = primary();
        }
        n = postfix(n);
        if (withFilter) {
            n = filterExpr(n);
        }
        depth--;
        return n;
    }

    private Node primary() throws JinjaSyntaxException {
        Token t = cur();
        if (t.is("name")) {
            next();
            String v = (String) t.value();
            return switch (v) {
                case "true", "True" -> node("Const", t.line(), "value", Boolean.TRUE);
                case "false", "False" -> node("Const", t.line(), "value", Boolean.FALSE);
                case "none", "None" -> node("Const", t.line(), "value", null);
                default -> node("Name", t.line(), "name", v, "ctx", "load");
            };
        }
        if (t.is("string")) {
            next();
            StringBuilder b = new StringBuilder((String) t.value());
            while (cur().is("string")) {
                b.append((String) next().value());
            }
            return node("Const", t.line(), "value", b.toString());
        }
        if (t.is("integer") || t.is("float")) {
            next();
            return node("Const", t.line(), "value", t.value());
        }
        if (t.is("lparen")) {
            next();
            enter();
            Node n = parseTuple(false, true, null, true);
            expect("rparen");
            depth--;
            return n;
        }
        if (t.is("lbracket")) {
            return list();
        }
        if (t.is("lbrace")) {
            return dict();
        }
        throw fail("unexpected " + describe(t));
    }

    private Node parseTuple(boolean simplified, boolean withCondexpr, String[] extraEnd, boolean explicitParens)
            throws JinjaSyntaxException {
        int line = cur().line();
        List<Node> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) {
                expect("comma");
            }
            if (tupleEnd(extraEnd)) {
                break;
            }
            args.add(simplified ? primary() : expression(withCondexpr));
            if (cur().is("comma")) {
                isTuple = true;
            } else {
                break;
            }
            line = cur().line();
        }
        if (!isTuple) {
            if (!args.isEmpty()) {
                return args.get(0);
            }
            if (!explicitParens) {
                throw fail("Expected an expression, got " + describe(cur()));
            }
        }
        return node("Tuple", line, "items", args, "ctx", "load");
    }

    private boolean tupleEnd(String[] extraEnd) {
        Token t = cur();
        if (t.is("variable_end") || t.is("block_end") || t.is("rparen")) {
            return true;
        }
        return extraEnd != null && testAny(t, extraEnd);
    }

    private Node list() throws JinjaSyntaxException {
        int line = expect("lbracket").line();
        enter();
        List<Node> items = new ArrayList<>();
        while (!cur().is("rbracket")) {
            if (!items.isEmpty()) {
                expect("comma");
            }
            if (cur().is("rbracket")) {
                break;
            }
            items.add(expression(true));
        }
        expect("rbracket");
        depth--;
        return node("List", line, "items", items);
    }

    private Node dict() throws JinjaSyntaxException {
        int line = expect("lbrace").line();
        enter();
        List<Node> items = new ArrayList<>();
        while (!cur().is("rbrace")) {
            if (!items.isEmpty()) {
                expect("comma");
            }
            if (cur().is("rbrace")) {
                break;
            }
            Node key = expression(true);
            expect("colon");
            Node value = expression(true);
            items.add(node("Pair", key.line(), "key", key, "value", value));
        }
        expect("rbrace");
        depth--;
        return node("Dict", line, "items", items);
    }

    private Node postfix(Node n) throws JinjaSyntaxException {
        int chain = 0;
        while (true) {
            chain = deeper(chain);
            if (cur().is("dot") || cur().is("lbracket")) {
                n = subscript(n);
            } else if (cur().is("lparen")) {
                n = call(n);
            } else {
                depth -= chain;
                return n;
            }
        }
    }

    private Node filterExpr(Node n) throws JinjaSyntaxException {
        int chain = 0;
        while (true) {
            chain = deeper(chain);
            if (cur().is("pipe")) {
                n = parseFilter(n, false);
            } else if (test(cur(), "name:is")) {
                n = parseTest(n);
            } else if (cur().is("lparen")) {
                n = call(n);
            } else {
                depth -= chain;
                return n;
            }
        }
    }

    private Node subscript(Node n) throws JinjaSyntaxException {
        Token t = next();
        if (t.is("dot")) {
            Token attr = cur();
            next();
            if (attr.is("name")) {
                return node("Getattr", t.line(), "node", n, "attr", attr.value(), "ctx", "load");
            }
            if (!attr.is("integer")) {
                throw new JinjaSyntaxException("expected name or number", attr.line());
            }
            return node("Getitem", t.line(), "node", n, "arg", node("Const", attr.line(), "value", attr.value()), "ctx", "load");
        }
        if (t.is("lbracket")) {
            enter();
            List<Node> args = new ArrayList<>();
            while (!cur().is("rbracket")) {
                if (!args.isEmpty()) {
                    expect("comma");
                }
                args.add(subscribed());
            }
            expect("rbracket");
            depth--;
            Node arg = args.size() == 1 ? args.get(0) : node("Tuple", t.line(), "items", args, "ctx", "load");
            return node("Getitem", t.line(), "node", n, "arg", arg, "ctx", "load");
        }
        throw fail("expected subscript expression");
    }

    private Node subscribed() throws JinjaSyntaxException {
        int line = cur().line();
        List<Node> args = new ArrayList<>();
        if (cur().is("colon")) {
            next();
            args.add(null);
        } else {
            Node n = expression(true);
            if (!cur().is("colon")) {
                return n;
            }
            next();
            args.add(n);
        }
        if (cur().is("colon")) {
            args.add(null);
        } else if (!cur().is("rbracket") && !cur().is("comma")) {
            args.add(expression(true));
        } else {
            args.add(null);
        }
        if (cur().is("colon")) {
            next();
            args.add(!cur().is("rbracket") && !cur().is("comma") ? expression(true) : null);
        } else {
            args.add(null);
        }
        return node("Slice", line, "start", args.get(0), "stop", args.get(1), "step", args.get(2));
    }

    /** Arguments of a call, filter or test: {args, kwargs, dyn_args, dyn_kwargs}. */
    private Object[] callArgs() throws JinjaSyntaxException {
        expect("lparen");
        List<Node> args = new ArrayList<>();
        List<Node> kwargs = new ArrayList<>();
        Node dynArgs = null;
        Node dynKwargs = null;
        boolean requireComma = false;
        while (!cur().is("rparen")) {
            if (requireComma) {
                expect("comma");
                if (cur().is("rparen")) {
                    break;
                }
            }
            if (cur().is("mul")) {
                ensure(dynArgs == null && dynKwargs == null);
                next();
                dynArgs = expression(true);
            } else if (cur().is("pow")) {
                ensure(dynKwargs == null);
                next();
                dynKwargs = expression(true);
            } else if (cur().is("name") && look().is("assign")) {
                ensure(dynKwargs == null);
                Token key = next();
                next();
                kwargs.add(node("Keyword", key.line(), "key", key.value(), "value", expression(true)));
            } else {
                ensure(dynArgs == null && dynKwargs == null && kwargs.isEmpty());
                args.add(expression(true));
            }
            requireComma = true;
        }
        expect("rparen");
        return new Object[]{args, kwargs, dynArgs, dynKwargs};
    }

    private void ensure(boolean ok) throws JinjaSyntaxException {
        if (!ok) {
            throw fail("invalid syntax for function call expression");
        }
    }

    private Node call(Node n) throws JinjaSyntaxException {
        int line = cur().line();
        Object[] a = callArgs();
        return node("Call", line, "node", n, "args", a[0], "kwargs", a[1], "dyn_args", a[2], "dyn_kwargs", a[3]);
    }

    private Node parseFilter(Node n, boolean startInline) throws JinjaSyntaxException {
        int chain = 0;
        while (cur().is("pipe") || startInline) {
            chain = deeper(chain);
            if (!startInline) {
                next();
            }
            Token t = expect("name");
            StringBuilder name = new StringBuilder((String) t.value());
            while (cur().is("dot")) {
                next();
                name.append('.').append((String) expect("name").value());
            }
            Object[] a = cur().is("lparen") ? callArgs() : new Object[]{List.of(), List.of(), null, null};
            n = node("Filter", t.line(), "node", n, "name", name.toString(), "args", a[0], "kwargs", a[1],
                    "dyn_args", a[2], "dyn_kwargs", a[3]);
            startInline = false;
        }
        depth -= chain;
        return n;
    }

    private Node parseTest(Node n) throws JinjaSyntaxException {
        int line = next().line();
        boolean negated = false;
        if (test(cur(), "name:not")) {
            next();
            negated = true;
        }
        StringBuilder name = new StringBuilder((String) expect("name").value());
        while (cur().is("dot")) {
            next();
            name.append('.').append((String) expect("name").value());
        }
        Object[] a;
        if (cur().is("lparen")) {
            a = callArgs();
        } else if (testAny(cur(), "name", "string", "integer", "float", "lparen", "lbracket", "lbrace")
                && !testAny(cur(), "name:else", "name:or", "name:and")) {
            if (test(cur(), "name:is")) {
                throw fail("You cannot chain multiple tests with is");
            }
            a = new Object[]{List.of(postfix(primary())), List.of(), null, null};
        } else {
            a = new Object[]{List.of(), List.of(), null, null};
        }
        Node t = node("Test", line, "node", n, "name", name.toString(), "args", a[0], "kwargs", a[1],
                "dyn_args", a[2], "dyn_kwargs", a[3]);
        return negated ? node("Not", line, "node", t) : t;
    }
}
