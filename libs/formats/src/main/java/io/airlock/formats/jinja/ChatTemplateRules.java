package io.airlock.formats.jinja;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Rules on a chat template's jinja2 syntax tree (transformers and vLLM render chat templates with
 * jinja2; a sandbox escape in one runs code on whatever renders it). The tree is what jinja2 itself
 * would build ({@link JinjaParser}), so a rule sees the attribute a template reaches whatever its
 * spelling: string escapes are decoded, and names built at render time ({@code '__cla' ~ 'ss__'},
 * {@code '%c'|format(95)}, a {@code join} of characters, a name {@code set} earlier) are folded to
 * their value where the parts are constants and named as computed where they are not.
 *
 * <p>Checks, with their risk:
 * <ul>
 *   <li>{@code syntax} HIGH: jinja2 3.x would refuse the template, or it is past the parser's bounds
 *   (not judged, so not vouched for);</li>
 *   <li>{@code private_name} HIGH: an attribute, item, {@code attr()} name, keyword or string that is
 *   a private or interpreter-internal name ({@code __class__}, {@code __globals__}, {@code mro},
 *   {@code _TemplateReference__context}, ...), literal or folded;</li>
 *   <li>{@code computed_name} HIGH: an item, {@code attr()} or {@code map()} name built at render
 *   time by string operations; honest templates build messages from strings, never names;</li>
 *   <li>{@code char_codes} HIGH: {@code %c} formatting, characters from their codes;</li>
 *   <li>{@code repr_chars} HIGH: characters picked out of an object's text ({@code (x|string)[0]});</li>
 *   <li>{@code sandbox_global} HIGH: a global that published escapes start from ({@code cycler},
 *   {@code joiner}, {@code lipsum}, {@code self}, {@code config}, {@code request}, ...) not bound by
 *   the template itself;</li>
 *   <li>{@code template_loading} HIGH: {@code include}, {@code import}, {@code from}, {@code extends}
 *   load a template this scan cannot see;</li>
 *   <li>{@code unknown_filter}, {@code unknown_test} MEDIUM: not jinja2's nor transformers' (jinja2
 *   refuses to compile it; a renderer that registers it runs code this scan cannot see);</li>
 *   <li>{@code do_statement} MEDIUM: the {@code do} extension (not enabled by transformers);</li>
 *   <li>{@code dynamic_attribute} MEDIUM: an attribute name taken from a variable;</li>
 *   <li>{@code attr_filter} and {@code block} LOW: {@code attr()} with a harmless literal name, and
 *   template-inheritance blocks, odd in a chat template but harmless.</li>
 * </ul>
 */
public final class ChatTemplateRules {
    /** How serious a finding is; HIGH findings reject. */
    public enum Risk { HIGH, MEDIUM, LOW }

    /**
     * One finding on a template.
     *
     * @param check    the rule that found it (see the class comment)
     * @param risk     its risk
     * @param message  what was found and why it matters
     * @param evidence the template line it was found on (bounded)
     */
    public record Finding(String check, Risk risk, String message, String evidence) {
    }

    /** jinja2 3.1's builtin filters. */
    static final Set<String> FILTERS = Set.of("abs", "attr", "batch", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent",
            "int", "items", "join", "last", "length", "list", "lower", "map", "max", "min", "pprint", "random",
            "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort",
            "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique", "upper", "urlencode",
            "urlize", "wordcount", "wordwrap", "xmlattr");
    /** jinja2 3.1's builtin tests. */
    static final Set<String> TESTS = Set.of("!=", "<", "<=", "==", ">", ">=", "boolean", "callable", "defined",
            "divisibleby", "eq", "equalto", "escaped", "even", "false", "filter", "float", "ge", "greaterthan", "gt",
            "in", "integer", "iterable", "le", "lessthan", "lower", "lt", "mapping", "ne", "none", "number", "odd",
            "sameas", "sequence", "string", "test", "true", "undefined", "upper");
    /** Globals that published jinja2 sandbox escapes start from (Flask's and jinja2's own). */
    static final Set<String> GADGET_GLOBALS = Set.of("cycler", "joiner", "lipsum", "self", "config", "request",
            "url_for", "get_flashed_messages", "session",
            // modules only an escape or an unsafe context hands a template
            "os", "subprocess", "sys", "builtins", "importlib", "posix");
    /** Attribute names of Python internals that do not start with an underscore. */
    static final Set<String> INTERNAL_NAMES = Set.of("mro", "func_globals", "func_code", "func_closure",
            "func_defaults", "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "gi_frame", "gi_code",
            "cr_frame", "cr_code", "ag_frame", "ag_code", "tb_frame", "tb_next", "co_code", "im_func", "im_self",
            "im_class");
    /** Filters and string methods whose result is a string built from their input. */
    private static final Set<String> STRING_FILTERS = Set.of("join", "format", "replace", "reverse", "string", "lower",
            "upper", "title", "capitalize", "center", "trim", "truncate", "wordwrap", "first", "last", "urlencode",
            "striptags", "indent", "pprint", "list", "e", "escape", "forceescape", "safe", "tojson");
    private static final Set<String> STRING_METHODS = Set.of("join", "format", "replace", "upper", "lower", "title",
            "capitalize", "strip", "lstrip", "rstrip", "swapcase", "casefold", "center", "ljust", "rjust", "zfill",
            "translate", "format_map", "removeprefix", "removesuffix", "encode", "decode");
    /** A piece of a dunder name: the start or the end of one, as name-building splits it. */
    private static final Pattern DUNDER_PIECE = Pattern.compile("^__[A-Za-z]|[A-Za-z0-9]__$");
    /** Names are short: a folded string past this is not a name, and folding stops. */
    private static final int MAX_FOLDED = 4096;
    private static final int MAX_FOLD_DEPTH = 64;
    /** Folding steps per template: names set from names set from names would otherwise fold exponentially. */
    private static final int MAX_FOLD_STEPS = 50_000;
    private int foldSteps;

    private final String[] lines;
    private final Map<String, Finding> out = new LinkedHashMap<>();
    private final Map<String, Node> assigned = new HashMap<>();
    private final java.util.Set<String> bound = new java.util.HashSet<>();

    private ChatTemplateRules(String template) {
        this.lines = template.split("\n", -1);
    }

    /** The findings on one template (parsed with transformers' settings and the default bounds). */
    public static List<Finding> judge(String template) {
        ChatTemplateRules r = new ChatTemplateRules(template);
        Node tree;
        try {
            tree = JinjaParser.parse(template);
        } catch (JinjaSyntaxException e) {
            r.add("syntax", Risk.HIGH, e.line(), "not a template jinja2 3.x parses (" + e.getMessage()
                    + "): transformers could not render it, and this scan cannot judge it");
            return List.copyOf(r.out.values());
        }
        r.bindings(tree);
        r.walk(tree);
        return List.copyOf(r.out.values());
    }

    // ---------------------------------------------------------------- what the template binds itself

    private void bindings(Node n) {
        switch (n.type()) {
            case "Assign" -> {
                Node t = n.node("target");
                if (t != null && t.type().equals("Name")) {
                    assigned.put(t.string("name"), n.node("node"));
                }
            }
            case "AssignBlock" -> {
                Node t = n.node("target");
                if (t != null && t.type().equals("Name") && n.get("filter") == Node.NONE) {
                    assigned.put(t.string("name"), n);
                }
            }
            case "Macro" -> bound.add(n.string("name"));
            case "Import" -> bound.add(n.string("target"));
            case "Name" -> {
                if (!"load".equals(n.string("ctx"))) {
                    bound.add(n.string("name"));
                }
            }
            case "NSRef" -> bound.add(n.string("name"));
            default -> {
            }
        }
        for (Node c : n.children()) {
            bindings(c);
        }
    }

    // ---------------------------------------------------------------- the walk

    private void walk(Node n) {
        switch (n.type()) {
            case "Getattr" -> attributeName(n, n.string("attr"), "attribute");
            case "Getitem" -> item(n);
            case "Name" -> {
                String name = n.string("name");
                if ("load".equals(n.string("ctx")) && GADGET_GLOBALS.contains(name) && !bound.contains(name)) {
                    add("sandbox_global", Risk.HIGH, n.line(), "the global '" + name + "', the start of published jinja2"
                            + " sandbox escapes; a chat template has no use for it");
                }
                if (name.startsWith("__")) {
                    add("private_name", Risk.HIGH, n.line(), "the private name '" + name + "'");
                }
            }
            case "Const" -> {
                if (n.get("value") instanceof String s) {
                    constant(n, s);
                }
            }
            case "Keyword" -> {
                String key = n.string("key");
                if (privateName(key) || DUNDER_PIECE.matcher(key).find()) {
                    add("private_name", Risk.HIGH, n.line(), "the keyword '" + key + "', a private name made a string by a"
                            + " call such as dict(" + key + "=...)");
                }
            }
            case "Filter" -> filter(n);
            case "Test" -> {
                if (!TESTS.contains(n.string("name"))) {
                    add("unknown_test", Risk.MEDIUM, n.line(), "the test '" + n.string("name") + "' is not one of jinja2's:"
                            + " jinja2 refuses to compile it, and a renderer that registers it runs code this scan cannot see");
                }
            }
            case "Call" -> call(n);
            case "Mod" -> {
                formatString(n, n.node("left"));
                built(n);
            }
            case "Concat", "Add", "Mul" -> built(n);
            case "Include", "Import", "FromImport", "Extends" -> add("template_loading", Risk.HIGH, n.line(),
                    "'" + n.type().toLowerCase(Locale.ROOT).replace("fromimport", "from") + "' loads another template,"
                    + " which is not part of this artifact and cannot be judged; chat templates stand alone");
            case "ExprStmt" -> add("do_statement", Risk.MEDIUM, n.line(), "the 'do' extension runs an expression for its"
                    + " side effects; transformers does not enable it (rendering fails), other renderers may");
            case "Block" -> add("block", Risk.LOW, n.line(), "a template-inheritance block ('" + n.string("name")
                    + "'): rendered in place, harmless alone, but no chat template needs one");
            default -> {
            }
        }
        for (Node c : n.children()) {
            walk(c);
        }
    }

    private void constant(Node n, String s) {
        if (privateName(s) || s.contains("_TemplateReference__context") || s.matches("(?s).*__[A-Za-z]\\w*__.*")) {
            add("private_name", Risk.HIGH, n.line(), "the string " + quote(s) + " names Python internals");
        } else if (DUNDER_PIECE.matcher(s).find() && s.length() < 40 && s.matches("[\\w]+")) {
            add("private_name", Risk.HIGH, n.line(), "the string " + quote(s) + " is a piece of a dunder name");
        }
    }

    private void item(Node n) {
        Node key = n.node("arg");
        if (key == null) {
            return;
        }
        if (key.isStringConst()) {
            attributeName(n, key.string("value"), "item");
        } else if (built(key)) {
            String v = fold(key, 0);
            add("computed_name", Risk.HIGH, n.line(), "an item name built at render time" + (v == null ? "" : " ("
                    + quote(v) + ")") + ": jinja2 looks it up as an attribute when no item has it");
            if (v != null) {
                attributeName(n, v, "item");
            }
        } else if (key.type().equals("Name")) {
            String v = fold(key, 0);
            if (v != null) {
                attributeName(n, v, "item");
            }
        }
    }

    /** A name looked up on an object: private and internal names are escapes. */
    private void attributeName(Node at, String name, String what) {
        if (privateName(name)) {
            add("private_name", Risk.HIGH, at.line(), "the " + what + " '" + name + "' reaches Python internals"
                    + " (the first step of every published jinja2 sandbox escape)");
        }
    }

    static boolean privateName(String name) {
        return name.startsWith("_") || INTERNAL_NAMES.contains(name);
    }

    private void filter(Node n) {
        String name = n.string("name");
        List<?> args = (List<?>) n.get("args");
        if (!FILTERS.contains(name)) {
            add("unknown_filter", Risk.MEDIUM, n.line(), "the filter '" + name + "' is not one of jinja2's: jinja2"
                    + " refuses to compile it, and a renderer that registers it runs code this scan cannot see");
        }
        switch (name) {
            case "attr" -> attributeArgument(n, args.isEmpty() ? null : (Node) args.get(0), "attr()");
            case "selectattr", "rejectattr", "groupby" -> attributeArgument(n, args.isEmpty() ? null : (Node) args.get(0),
                    name + "()");
            case "map" -> {
                Node first = args.isEmpty() ? null : (Node) args.get(0);
                if (first != null && !first.isStringConst()) {
                    add("computed_name", Risk.HIGH, n.line(), "map() applies a filter whose name is computed at render time");
                } else if (first != null && "attr".equals(first.string("value"))) {
                    attributeArgument(n, args.size() > 1 ? (Node) args.get(1) : null, "map('attr')");
                } else if (first != null && !FILTERS.contains(first.string("value"))) {
                    add("unknown_filter", Risk.MEDIUM, n.line(), "map() applies the filter '" + first.string("value")
                            + "', which is not one of jinja2's");
                }
            }
            case "select", "reject" -> {
                Node first = args.isEmpty() ? null : (Node) args.get(0);
                if (first != null && (!first.isStringConst() || !TESTS.contains(first.string("value")))) {
                    add("unknown_test", Risk.MEDIUM, n.line(), name + "() applies a test that is not one of jinja2's");
                }
            }
            case "format" -> formatString(n, n.node("node"));
            case "first", "last", "list", "join", "batch", "slice" -> {
                if (textOfAnObject(n.node("node"))) {
                    add("repr_chars", Risk.HIGH, n.line(), "characters picked out of an object's text (" + name
                            + " of |string): a way to spell names without writing them");
                }
            }
            default -> {
            }
        }
        for (Object k : (List<?>) n.get("kwargs")) {
            Node kw = (Node) k;
            if ("attribute".equals(kw.string("key"))) {
                attributeArgument(n, kw.node("value"), name + "(attribute=)");
            }
        }
        built(n);
    }

    private void attributeArgument(Node at, Node arg, String what) {
        if (arg == null) {
            return;
        }
        if (arg.isStringConst()) {
            String v = arg.string("value");
            attributeName(at, v, what + " name");
            if (what.equals("attr()") && !privateName(v)) {
                add("attr_filter", Risk.LOW, at.line(), "attr('" + v + "') looks an attribute up directly; harmless for"
                        + " this name, but chat templates read items");
            }
            return;
        }
        String v = fold(arg, 0);
        if (built(arg) || v != null) {
            add("computed_name", Risk.HIGH, at.line(), "the " + what + " name is built at render time"
                    + (v == null ? "" : " (" + quote(v) + ")"));
            if (v != null) {
                attributeName(at, v, what + " name");
            }
        } else {
            add("dynamic_attribute", Risk.MEDIUM, at.line(), "the " + what + " name comes from a variable: this scan cannot"
                    + " tell which attribute is reached");
        }
    }

    private void call(Node n) {
        Node fn = n.node("node");
        if (fn != null && fn.type().equals("Getattr") && ("format".equals(fn.string("attr")) || "__mod__".equals(fn.string("attr")))) {
            formatString(n, fn.node("node"));
        }
        built(n);
    }

    private void formatString(Node at, Node format) {
        String f = format == null ? null : fold(format, 0);
        if (f != null && f.replace("%%", "").matches("(?s).*%[-#0 +]*\\d*(\\.\\d+)?c.*")) {
            add("char_codes", Risk.HIGH, at.line(), "%c formatting turns numbers into characters: a way to spell names"
                    + " without writing them");
        }
    }

    /** Whether {@code n} is (x|string) or (x|pprint) or a list of its characters: an object's text. */
    private static boolean textOfAnObject(Node n) {
        return n != null && n.type().equals("Filter") && Set.of("string", "pprint", "list").contains(n.string("name"))
                && n.node("node") != null && !n.node("node").isStringConst();
    }

    /**
     * Whether {@code n} builds a string at render time (concatenation, %-formatting, a string filter
     * or method, characters picked from a string); a folded result is checked as a name.
     */
    private boolean built(Node n) {
        boolean b = switch (n.type()) {
            case "Concat" -> true;
            case "Mod", "Add", "Mul" -> stringy(n.node("left")) || stringy(n.node("right"));
            case "Filter" -> STRING_FILTERS.contains(n.string("name"));
            case "Call" -> n.node("node") != null && n.node("node").type().equals("Getattr")
                    && STRING_METHODS.contains(n.node("node").string("attr"));
            case "Getitem" -> stringy(n.node("node")) || textOfAnObject(n.node("node"));
            case "Name" -> {
                Node a = assigned.get(n.string("name"));
                yield a != null && a != n && !a.type().equals("AssignBlock") && !a.type().equals("Name") && built(a);
            }
            default -> false;
        };
        if (n.type().equals("Getitem") && textOfAnObject(n.node("node"))) {
            add("repr_chars", Risk.HIGH, n.line(), "characters picked out of an object's text ((x|string)[i]): a way to"
                    + " spell names without writing them");
        }
        if (b && !n.type().equals("Name")) {
            String v = fold(n, 0);
            if (v != null && (privateName(v) || v.matches("(?s).*__[A-Za-z]\\w*__.*"))) {
                add("private_name", Risk.HIGH, n.line(), "a string built at render time, " + quote(v)
                        + ", names Python internals");
            }
        }
        return b;
    }

    private boolean stringy(Node n) {
        return n != null && (n.isStringConst() || fold(n, 0) != null);
    }

    // ---------------------------------------------------------------- constant folding

    /** The string {@code n} evaluates to when its parts are constants, else null. */
    String fold(Node n, int depth) {
        if (n == null || depth > MAX_FOLD_DEPTH || ++foldSteps > MAX_FOLD_STEPS) {
            return null;
        }
        String v = foldRaw(n, depth + 1);
        return v != null && v.length() <= MAX_FOLDED ? v : null;
    }

    private String foldRaw(Node n, int d) {
        switch (n.type()) {
            case "Const" -> {
                return n.get("value") instanceof String s ? s : null;
            }
            case "Name" -> {
                Node a = assigned.get(n.string("name"));
                if (a == null || a == n) {
                    return null;
                }
                if (a.type().equals("AssignBlock")) {
                    StringBuilder b = new StringBuilder();
                    for (Object o : (List<?>) a.get("body")) {
                        Node out = (Node) o;
                        if (!out.type().equals("Output")) {
                            return null;
                        }
                        for (Node part : out.children()) {
                            String s = part.type().equals("TemplateData") ? part.string("data") : fold(part, d);
                            if (s == null) {
                                return null;
                            }
                            b.append(s);
                        }
                    }
                    return b.toString();
                }
                return fold(a, d);
            }
            case "Concat" -> {
                StringBuilder b = new StringBuilder();
                for (Node c : n.children()) {
                    String s = text(c, d);
                    if (s == null || b.length() + s.length() > MAX_FOLDED) {
                        return null;
                    }
                    b.append(s);
                }
                return b.toString();
            }
            case "Add" -> {
                String l = fold(n.node("left"), d);
                String r = fold(n.node("right"), d);
                return l != null && r != null ? l + r : null;
            }
            case "Mul" -> {
                String s = fold(n.node("left"), d);
                BigInteger k = integer(n.node("right"));
                if (s == null) {
                    s = fold(n.node("right"), d);
                    k = integer(n.node("left"));
                }
                return s != null && k != null && k.signum() >= 0 && (long) s.length() * k.longValue() <= MAX_FOLDED
                        && k.bitLength() < 31 ? s.repeat(k.intValue()) : null;
            }
            case "Mod" -> {
                String f = fold(n.node("left"), d);
                Node r = n.node("right");
                List<Node> args = r != null && r.type().equals("Tuple") ? r.children() : r == null ? List.of() : List.of(r);
                return f == null ? null : percent(f, args, d);
            }
            case "Filter" -> {
                return filterFold(n, d);
            }
            case "Call" -> {
                Node fn = n.node("node");
                if (fn == null || !fn.type().equals("Getattr")) {
                    return null;
                }
                String recv = fold(fn.node("node"), d);
                List<?> args = (List<?>) n.get("args");
                return switch (fn.string("attr")) {
                    case "join" -> recv == null || args.size() != 1 ? null : join((Node) args.get(0), recv, d);
                    case "upper" -> recv == null ? null : recv.toUpperCase(Locale.ROOT);
                    case "lower" -> recv == null ? null : recv.toLowerCase(Locale.ROOT);
                    case "strip" -> recv == null || !args.isEmpty() ? null : recv.strip();
                    case "replace" -> recv == null || args.size() != 2 ? null : replace(recv, (Node) args.get(0), (Node) args.get(1), d);
                    case "format" -> recv == null ? null : braces(recv, args, d);
                    default -> null;
                };
            }
            case "Getitem" -> {
                String s = fold(n.node("node"), d);
                Node arg = n.node("arg");
                if (s == null || arg == null) {
                    return null;
                }
                if (arg.type().equals("Slice")) {
                    return slice(s, arg);
                }
                BigInteger i = integer(arg);
                if (i == null || i.bitLength() > 31) {
                    return null;
                }
                int k = i.intValue() < 0 ? s.length() + i.intValue() : i.intValue();
                return k >= 0 && k < s.length() ? String.valueOf(s.charAt(k)) : null;
            }
            default -> {
                return null;
            }
        }
    }

    /** A part of a ~ concatenation: strings, and numbers as jinja2 prints them. */
    private String text(Node n, int d) {
        BigInteger i = integer(n);
        return i != null ? i.toString() : fold(n, d);
    }

    private String filterFold(Node n, int d) {
        List<?> args = (List<?>) n.get("args");
        Node in = n.node("node");
        String name = n.string("name");
        if (name.equals("join")) {
            String sep = args.isEmpty() ? "" : fold((Node) args.get(0), d);
            return sep == null || in == null ? null : join(in, sep, d);
        }
        String s = fold(in, d);
        if (s == null) {
            return null;
        }
        return switch (name) {
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "reverse" -> new StringBuilder(s).reverse().toString();
            case "string", "safe", "e", "escape", "forceescape" -> s;
            case "trim" -> s.strip();
            case "first" -> s.isEmpty() ? null : s.substring(0, 1);
            case "last" -> s.isEmpty() ? null : s.substring(s.length() - 1);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> args.size() < 2 ? null : replace(s, (Node) args.get(0), (Node) args.get(1), d);
            case "format" -> percent(s, args.stream().map(Node.class::cast).toList(), d);
            default -> null;
        };
    }

    private String join(Node items, String sep, int d) {
        List<Node> parts;
        if (items.type().equals("List") || items.type().equals("Tuple")) {
            parts = items.children();
        } else {
            String s = fold(items, d); // a string joins its characters
            if (s == null) {
                return null;
            }
            return String.join(sep, s.chars().mapToObj(c -> String.valueOf((char) c)).toList());
        }
        List<String> out = new ArrayList<>();
        for (Node p : parts) {
            String s = text(p, d);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return String.join(sep, out);
    }

    private String replace(String s, Node from, Node to, int d) {
        String a = fold(from, d);
        String b = fold(to, d);
        return a == null || b == null || a.isEmpty() ? null : s.replace(a, b);
    }

    /** Python's %-formatting for %s, %d, %c and %%: the ways names are spelled from codes. */
    private String percent(String f, List<Node> args, int d) {
        StringBuilder b = new StringBuilder();
        int next = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c != '%') {
                b.append(c);
                continue;
            }
            if (i + 1 >= f.length()) {
                return null;
            }
            char k = f.charAt(++i);
            if (k == '%') {
                b.append('%');
                continue;
            }
            if (next >= args.size()) {
                return null;
            }
            Node a = args.get(next++);
            switch (k) {
                case 's' -> {
                    String s = text(a, d);
                    if (s == null) {
                        return null;
                    }
                    b.append(s);
                }
                case 'd' -> {
                    BigInteger v = integer(a);
                    if (v == null) {
                        return null;
                    }
                    b.append(v);
                }
                case 'c' -> {
                    BigInteger v = integer(a);
                    String s = fold(a, d);
                    if (v != null && v.signum() >= 0 && v.compareTo(BigInteger.valueOf(0x10FFFF)) <= 0) {
                        b.appendCodePoint(v.intValue());
                    } else if (s != null && s.codePointCount(0, s.length()) == 1) {
                        b.append(s);
                    } else {
                        return null;
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        return next == args.size() ? b.toString() : null;
    }

    /** str.format with {} and {N} fields. */
    private String braces(String f, List<?> args, int d) {
        StringBuilder b = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < f.length(); i++) {
            char c = f.charAt(i);
            if (c == '{' && i + 1 < f.length() && f.charAt(i + 1) == '{') {
                b.append('{');
                i++;
            } else if (c == '}' && i + 1 < f.length() && f.charAt(i + 1) == '}') {
                b.append('}');
                i++;
            } else if (c == '{') {
                int close = f.indexOf('}', i);
                if (close < 0) {
                    return null;
                }
                String field = f.substring(i + 1, close);
                int index = field.isEmpty() ? auto++ : field.matches("\\d{1,3}") ? Integer.parseInt(field) : -1;
                if (index < 0 || index >= args.size()) {
                    return null;
                }
                String s = text((Node) args.get(index), d);
                if (s == null) {
                    return null;
                }
                b.append(s);
                i = close;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Python's s[start:stop:step] on a folded string. */
    private static String slice(String s, Node slice) {
        Integer start = sliceIndex(slice.get("start"));
        Integer stop = sliceIndex(slice.get("stop"));
        Integer step = slice.get("step") == Node.NONE ? Integer.valueOf(1) : sliceIndex(slice.get("step"));
        if ((start == null && slice.get("start") != Node.NONE) || (stop == null && slice.get("stop") != Node.NONE)
                || step == null || step == 0) {
            return null;
        }
        int n = s.length();
        int lo;
        int hi;
        if (step > 0) {
            lo = start == null ? 0 : clamp(start, n, 0, n);
            hi = stop == null ? n : clamp(stop, n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(start, n, -1, n - 1);
            hi = stop == null ? -1 : clamp(stop, n, -1, n - 1);
        }
        StringBuilder b = new StringBuilder();
        for (int i = lo; step > 0 ? i < hi : i > hi; i += step) {
            b.append(s.charAt(i));
        }
        return b.toString();
    }

    private static int clamp(int i, int n, int min, int max) {
        int k = i < 0 ? i + n : i;
        return Math.max(min, Math.min(max, k));
    }

    /** A slice bound: an int constant, else null. */
    private static Integer sliceIndex(Object v) {
        BigInteger i = v instanceof Node n ? integer(n) : null;
        return i != null && i.bitLength() < 31 ? i.intValue() : null;
    }

    private static BigInteger integer(Node n) {
        if (n == null) {
            return null;
        }
        if (n.type().equals("Const") && n.get("value") instanceof BigInteger i) {
            return i;
        }
        if (n.type().equals("Neg") && n.node("node") != null) {
            BigInteger i = integer(n.node("node"));
            return i == null ? null : i.negate();
        }
        return null;
    }

    // ---------------------------------------------------------------- findings

    private void add(String check, Risk risk, int line, String message) {
        String evidence = line >= 1 && line <= lines.length ? lines[line - 1].strip() : "";
        if (evidence.length() > 160) {
            evidence = evidence.substring(0, 160) + "...";
        }
        out.putIfAbsent(check + "|" + message, new Finding(check, risk, message, "line " + line + ": " + evidence));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder();
        Node.quote(s.length() > 80 ? s.substring(0, 80) + "..." : s, b);
        return b.toString();
    }
}
