package io.airlock.scanner.engine.analysis;

import io.airlock.formats.PickleMachine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The data table that judges the globals a pickle imports, by name and by use: an allowlist that
 * says what may be called ({@code call}, with argument constraints where the callable resolves or
 * calls what it is given) and what may only be constructed or referenced ({@code class}: NEWOBJ +
 * BUILD, or passed around), a dangerous denylist, {@code code} for names whose code is not in the
 * file ({@code __main__}), and unknown for everything else. Loaded from {@code pickle-imports.tsv} (a
 * resource beside this class) and validated strictly when first used: a malformed line, an unknown
 * tier or a duplicate pattern stops the engine rather than leaving a gap in the list. Operators add
 * entries in a policy file ({@link #extend}), never remove dangerous ones.
 *
 * <p>Beyond the table, dotted names are judged by every attribute walk they make: {@code pathlib}
 * + {@code os.system} is judged as {@code os.system} too, and any dunder attribute on the way
 * ({@code numpy.__builtins__}) is dangerous, since no data class is reached through one, and so is
 * a walk that ends on a method or function ({@code pathlib.Path.write_text}): only nested classes
 * are honestly named by a dotted qualname, and the table's exact entries win over this rule.
 */
public final class ImportTiers {
    /**
     * Where a global stands. SAFE: listed for the way the stream uses it; UNVETTED_VERSION: listed, but
     * its state names a version of its package that the entry does not vet; UNKNOWN: no entry, only
     * constructed or referenced; UNLISTED_CALL: called (REDUCE, INST, OBJ) and no entry allows the call;
     * DANGEROUS: denylisted, or a call outside its entry's argument constraints; NEEDS_CODE: a name
     * whose code the file does not hold (a class of the script that saved it).
     */
    public enum Tier { SAFE, UNVETTED_VERSION, UNKNOWN, UNLISTED_CALL, NEEDS_CODE, DANGEROUS }

    /**
     * A judgement.
     *
     * @param tier     the tier
     * @param pattern  the table entry (or built-in rule) that decided; "" for unknown
     * @param why      the entry's reason; "" for unknown
     * @param callable whether the entry allows the global to be called (a {@code call} entry)
     */
    public record Verdict(Tier tier, String pattern, String why, boolean callable) {
        public Verdict(Tier tier, String pattern, String why) {
            this(tier, pattern, why, false);
        }
    }

    /**
     * One line. {@code args}: the argument lists a call entry allows, each a list of positions whose
     * alternatives are {@code *}, a string literal {@code 'numpy'}, {@code @str} (any string),
     * {@code @ufunc} (a numpy ufunc name) or a dotted global; empty: any arguments.
     */
    private record Entry(Tier tier, String pattern, String why, boolean prefix, boolean callable,
                         List<List<Set<String>>> args, String versionKey, List<String> versions) {
    }

    private static final Pattern PATTERN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*(\\.?\\*)?");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String RESOURCE = "pickle-imports.tsv";

    private final Map<String, Entry> exact;
    private final List<Entry> prefixes;

    private ImportTiers(Map<String, Entry> exact, List<Entry> prefixes) {
        this.exact = exact;
        this.prefixes = prefixes;
    }

    private static final class Builtin {
        static final ImportTiers TABLE = load();

        private static ImportTiers load() {
            try (InputStream in = ImportTiers.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("the import tier table " + RESOURCE + " is missing from the engine");
                }
                return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + RESOURCE, e);
            }
        }
    }

    /** The table shipped with the engine. */
    public static ImportTiers builtin() {
        return Builtin.TABLE;
    }

    /**
     * Parses and validates a table.
     *
     * @throws IllegalArgumentException naming the first bad line
     */
    public static ImportTiers parse(String text) {
        Map<String, Entry> exact = new HashMap<>();
        Map<String, Entry> prefixes = new LinkedHashMap<>();
        read(text, exact, prefixes, true);
        return of(exact, prefixes);
    }

    /**
     * This table with an operator's entries added (a policy file's {@code pickle_imports}, same
     * line format, {@code call} and {@code class} tiers only): a name the table already lists is
     * refused, so an extension can add what a site trusts but never rewrite what is shipped.
     *
     * @throws IllegalArgumentException naming the first bad line
     */
    public ImportTiers extend(String text) {
        Map<String, Entry> ex = new HashMap<>(exact);
        Map<String, Entry> pre = new LinkedHashMap<>();
        for (Entry p : prefixes) {
            pre.put(p.pattern().substring(0, p.pattern().length() - 1), p);
        }
        read(text, ex, pre, false);
        return of(ex, pre);
    }

    private static ImportTiers of(Map<String, Entry> exact, Map<String, Entry> prefixes) {
        List<Entry> byLength = new ArrayList<>(prefixes.values());
        // longest prefix first; dangerous first among equals, so a tie never lets something through
        byLength.sort((a, b) -> a.pattern().length() != b.pattern().length() ? b.pattern().length() - a.pattern().length()
                : b.tier().compareTo(a.tier()));
        return new ImportTiers(Map.copyOf(exact), List.copyOf(byLength));
    }

    private static void read(String text, Map<String, Entry> exact, Map<String, Entry> prefixes, boolean shipped) {
        int safe = 0;
        int dangerous = 0;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", -1);
            String where = "line " + (i + 1) + " of the import tier table";
            if (f.length != 3 && f.length != 4) {
                throw new IllegalArgumentException(where + ": expected tier, pattern and reason (and args=) separated by tabs");
            }
            Tier tier = switch (f[0]) {
                case "call", "class" -> Tier.SAFE;
                case "dangerous" -> Tier.DANGEROUS;
                case "code" -> Tier.NEEDS_CODE;
                default -> throw new IllegalArgumentException(where + ": unknown tier '" + f[0] + "' (call, class, dangerous, code)");
            };
            boolean callable = f[0].equals("call");
            String pattern = f[1];
            if (!PATTERN.matcher(pattern).matches() || !pattern.endsWith("*") && !pattern.contains(".")) {
                throw new IllegalArgumentException(where + ": '" + pattern + "' is not module.name or a prefix ending in '*'");
            }
            if (f[2].isBlank()) {
                throw new IllegalArgumentException(where + ": a reason is required");
            }
            boolean prefix = pattern.endsWith("*");
            if (callable && prefix) {
                // a wildcard that allows calls would admit every function of a package (hooks, loaders)
                throw new IllegalArgumentException(where + ": a call entry names one callable, never a prefix");
            }
            boolean versioned = f.length == 4 && f[3].startsWith("version=");
            if (f.length == 4 && !callable && !(versioned && f[0].equals("class"))) {
                throw new IllegalArgumentException(where + ": only a call entry takes args=, only a class entry version=");
            }
            List<List<Set<String>>> args = f.length == 4 && callable ? args(f[3], where) : List.of();
            String versionKey = "";
            List<String> versions = List.of();
            if (versioned) {
                // version=_sklearn_version:1.2.|1.3.  the state key, then the vetted version prefixes
                String[] kv = f[3].substring("version=".length()).split(":", 2);
                if (kv.length != 2 || !kv[0].matches("_[A-Za-z0-9]+_version") || !kv[1].matches("[0-9A-Za-z.+-]+(\\|[0-9A-Za-z.+-]+)*")) {
                    throw new IllegalArgumentException(where + ": version= is _NAME_version:PREFIX|PREFIX");
                }
                versionKey = kv[0];
                versions = List.of(kv[1].split("\\|"));
            }
            String key = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
            if (!shipped && tier != Tier.SAFE) {
                throw new IllegalArgumentException(where.replace("import tier table", "policy's pickle_imports")
                        + ": only call and class entries can be added (import tier table format)");
            }
            Entry e = new Entry(tier, pattern, f[2].strip(), prefix, callable, args, versionKey, versions);
            Entry previous = prefix ? prefixes.putIfAbsent(key, e) : exact.putIfAbsent(key, e);
            if (previous != null) {
                throw new IllegalArgumentException(where + ": '" + pattern + "' is listed twice");
            }
            if (tier == Tier.SAFE) {
                safe++;
            } else if (tier == Tier.DANGEROUS) {
                dangerous++;
            }
        }
        if (shipped && (safe == 0 || dangerous == 0)) {
            throw new IllegalArgumentException("the import tier table needs both allowed and dangerous entries");
        }
    }

    /** The args= column: argument lists separated by ';', positions by ',', alternatives by '|'. */
    private static List<List<Set<String>>> args(String column, String where) {
        if (!column.startsWith("args=") || column.length() == 5) {
            throw new IllegalArgumentException(where + ": the fourth column is args=POSITIONS");
        }
        List<List<Set<String>>> lists = new ArrayList<>();
        for (String list : column.substring(5).split(";", -1)) {
            List<Set<String>> positions = new ArrayList<>();
            if (!list.isBlank()) {
                for (String pos : list.split(",", -1)) {
                    Set<String> alts = new java.util.LinkedHashSet<>();
                    for (String alt : pos.strip().split("\\|", -1)) {
                        boolean ok = alt.equals("*") || alt.equals("@str") || alt.equals("@ufunc")
                                || alt.matches("'[A-Za-z0-9_.-]*'")
                                || PATTERN.matcher(alt.endsWith("()") ? alt.substring(0, alt.length() - 2) : alt).matches()
                                && !alt.endsWith("*");
                        if (!ok) {
                            throw new IllegalArgumentException(where + ": '" + alt + "' is no argument pattern (*, 'text', @str,"
                                    + " @ufunc, module.name, module.name())");
                        }
                        alts.add(alt);
                    }
                    positions.add(Set.copyOf(alts));
                }
            }
            lists.add(List.copyOf(positions));
        }
        return List.copyOf(lists);
    }

    /**
     * Judges an import by its name and by how the stream uses it: a global called by REDUCE, INST or
     * OBJ needs a {@code call} entry whose argument constraints every call meets; one only constructed
     * (NEWOBJ + BUILD) or referenced is judged by its name alone.
     */
    public Verdict judge(PickleMachine.Import i) {
        Verdict v = judge(i.module(), i.name());
        if (i.invoked() == 0 || v.tier() == Tier.DANGEROUS || v.tier() == Tier.NEEDS_CODE) {
            return vetted(v, i);
        }
        String q = i.qualified();
        if (v.tier() == Tier.UNKNOWN || !v.callable()) {
            return new Verdict(Tier.UNLISTED_CALL, v.pattern(), (v.tier() == Tier.UNKNOWN ? "no entry lists it"
                    : "its entry " + v.pattern() + " allows construction and reference, not a call")
                    + ": a call runs its code at load time with arguments the pickle chooses");
        }
        Entry e = exact.get(q);
        if (e != null && !e.args().isEmpty()) {
            if (!i.argsComplete()) {
                return new Verdict(Tier.DANGEROUS, e.pattern(), "called with arguments that could not all be read, and its"
                        + " entry allows only some (" + e.why() + ")");
            }
            for (List<String> call : i.argLists()) {
                if (!allowed(e.args(), call)) {
                    return new Verdict(Tier.DANGEROUS, e.pattern(), "called as " + q + "(" + String.join(", ", call)
                            + "), arguments its entry does not allow (" + e.why() + ")");
                }
            }
        }
        return vetted(v, i);
    }

    /** An allowed global whose instances' state names a version its entry does not vet: MEDIUM, with a hint. */
    private Verdict vetted(Verdict v, PickleMachine.Import i) {
        if (v.tier() != Tier.SAFE || i.versions().isEmpty()) {
            return v;
        }
        Entry e = find(i.qualified());
        String found = e == null || e.versionKey().isEmpty() ? null : i.versions().get(e.versionKey());
        if (found == null || e.versions().stream().anyMatch(found::startsWith)) {
            return v;
        }
        return new Verdict(Tier.UNVETTED_VERSION, e.pattern(), "its state says " + e.versionKey() + " " + found
                + ", and the entry vets " + String.join(", ", e.versions()) + " only: a class can mean other things at"
                + " another version. Hint: check that version's classes, then add them in a policy file's pickle_imports,"
                + " or save the model again with a vetted version");
    }

    private static boolean allowed(List<List<Set<String>>> lists, List<String> call) {
        for (List<Set<String>> positions : lists) {
            if (positions.size() != call.size()) {
                continue;
            }
            boolean all = true;
            for (int k = 0; k < call.size() && all; k++) {
                all = matches(positions.get(k), call.get(k));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Set<String> alts, String arg) {
        // PickleMachine.Import#argLists: 'text' for a short plain string, <str> for any other string
        boolean str = arg.equals("<str>") || arg.length() >= 2 && arg.startsWith("'") && arg.endsWith("'");
        String text = arg.startsWith("'") ? arg.substring(1, arg.length() - 1) : "";
        return alts.contains("*") || alts.contains(arg) || str && alts.contains("@str")
                || str && alts.contains("@ufunc") && UFUNCS.contains(text);
    }

    /** numpy's ufuncs by name (numpy 1.x and 2.x): what _ufunc_reconstruct('numpy', name) may return. */
    static final Set<String> UFUNCS = Set.of("absolute", "add", "arccos", "arccosh", "arcsin", "arcsinh", "arctan",
            "arctan2", "arctanh", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "bitwise_count", "cbrt",
            "ceil", "conj", "conjugate", "copysign", "cos", "cosh", "deg2rad", "degrees", "divide", "divmod", "equal",
            "exp", "exp2", "expm1", "fabs", "float_power", "floor", "floor_divide", "fmax", "fmin", "fmod", "frexp",
            "gcd", "greater", "greater_equal", "heaviside", "hypot", "invert", "isfinite", "isinf", "isnan", "isnat",
            "lcm", "ldexp", "left_shift", "less", "less_equal", "log", "log10", "log1p", "log2", "logaddexp",
            "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor", "matmul", "maximum", "minimum",
            "mod", "modf", "multiply", "negative", "nextafter", "not_equal", "positive", "power", "rad2deg", "radians",
            "reciprocal", "remainder", "right_shift", "rint", "sign", "signbit", "sin", "sinh", "spacing", "sqrt",
            "square", "subtract", "tan", "tanh", "true_divide", "trunc", "vecdot", "acos", "acosh", "asin", "asinh",
            "atan", "atan2", "atanh", "pow", "bitwise_invert", "bitwise_left_shift", "bitwise_right_shift");

    /** Judges {@code module.name} as find_class would resolve it. */
    public Verdict judge(String module, String name) {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(name, "name");
        String[] segments = name.split("\\.", -1);
        if (!validDotted(module) || !allIdentifiers(segments)) {
            return new Verdict(Tier.UNKNOWN, "", "not a Python dotted name: an import would fail");
        }
        Verdict direct = lookup(module + "." + name);
        if (direct.tier() == Tier.DANGEROUS || exact.containsKey(module + "." + name)) {
            return direct;
        }
        for (String s : segments) {
            if (s.length() > 4 && s.startsWith("__") && s.endsWith("__")) {
                return new Verdict(Tier.DANGEROUS, "attribute " + s, "reaches interpreter internals through a dunder attribute");
            }
        }
        if (segments.length == 1 && dangerousModule(name)) {
            // module.sys, module.os: the attribute is a dangerous module the first module imported
            return new Verdict(Tier.DANGEROUS, name + ".*", "names the module " + name + " through " + module
                    + " (an attribute walk to a dangerous module)");
        }
        if (segments.length > 1) {
            // an attribute walk: module.a.b.c reaches whatever a.b.c names, e.g. pathlib.os.system is os.system
            for (int i = 0; i < segments.length - 1; i++) {
                String suffix = String.join(".", java.util.Arrays.copyOfRange(segments, i, segments.length));
                Verdict v = lookup(suffix);
                if (v.tier() == Tier.DANGEROUS) {
                    return new Verdict(Tier.DANGEROUS, v.pattern(), v.why() + " (reached by the attribute walk "
                            + module + "." + name + ")");
                }
            }
            String last = segments[segments.length - 1];
            if (!Character.isUpperCase(last.charAt(0))) {
                // Class.method: an unbound method called on whatever object the pickle builds
                // (pathlib.Path.write_text, numpy.ndarray.tofile write files); a listed class is data,
                // its methods are not, and nested classes (CapWords) are what qualnames honestly name
                return new Verdict(Tier.DANGEROUS, "attribute walk to " + last, "an unbound method or function "
                        + "reached through " + module + "." + String.join(".", java.util.Arrays.copyOf(segments,
                        segments.length - 1)) + ": calling it runs that code on arguments the pickle chooses");
            }
        }
        return direct;
    }

    /** Whether the table blocks the whole module {@code name} (a {@code name.*} entry). */
    private boolean dangerousModule(String name) {
        for (Entry p : prefixes) {
            if (p.tier() == Tier.DANGEROUS && p.pattern().equals(name + ".*")) {
                return true;
            }
        }
        return false;
    }

    private Verdict lookup(String qualified) {
        Entry e = find(qualified);
        return e == null ? new Verdict(Tier.UNKNOWN, "", "") : new Verdict(e.tier(), e.pattern(), e.why(), e.callable());
    }

    /** The entry that decides a qualified name: exact, else the longest matching prefix; null when none. */
    private Entry find(String qualified) {
        Entry e = exact.get(qualified);
        if (e != null) {
            return e;
        }
        // a class name is CapWords after any leading underscores (_BinMapper); a function's is not
        String last = qualified.substring(qualified.lastIndexOf('.') + 1).replaceFirst("^_+", "");
        for (Entry p : prefixes) {
            String key = p.pattern().substring(0, p.pattern().length() - 1);
            // "os.*" covers the module os itself as well as os.anything
            boolean hit = qualified.startsWith(key) || key.endsWith(".") && (qualified + ".").startsWith(key);
            // a class wildcard admits classes (CapWords), never a function such as a forward hook
            if (hit && p.tier() == Tier.SAFE && (last.isEmpty() || !Character.isUpperCase(last.charAt(0)))) {
                continue;
            }
            if (hit) {
                return p;
            }
        }
        return null;
    }

    private static boolean validDotted(String s) {
        return allIdentifiers(s.split("\\.", -1));
    }

    private static boolean allIdentifiers(String[] segments) {
        for (String s : segments) {
            if (!IDENTIFIER.matcher(s).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Entries in the table, for reports. */
    public int size() {
        return exact.size() + prefixes.size();
    }
}
