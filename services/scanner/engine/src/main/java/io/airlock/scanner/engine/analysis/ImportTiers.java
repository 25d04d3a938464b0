package io.airlock.scanner.engine.analysis;

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
import java.util.regex.Pattern;

/**
 * The data table that judges the globals a pickle imports: a safe ML allowlist, a dangerous
 * denylist, and unknown for everything else. Loaded from {@code pickle-imports.tsv} (a resource
 * beside this class) and validated strictly when first used: a malformed line, an unknown tier or a
 * duplicate pattern stops the engine rather than leaving a gap in the list.
 *
 * <p>Beyond the table, dotted names are judged by every attribute walk they make: {@code pathlib}
 * + {@code os.system} is judged as {@code os.system} too, and any dunder attribute on the way
 * ({@code numpy.__builtins__}) is dangerous, since no data class is reached through one, and so is
 * a walk that ends on a method or function ({@code pathlib.Path.write_text}): only nested classes
 * are honestly named by a dotted qualname, and the table's exact entries win over this rule.
 */
public final class ImportTiers {
    /** Where a global stands. */
    public enum Tier { SAFE, UNKNOWN, DANGEROUS }

    /**
     * A judgement.
     *
     * @param tier    the tier
     * @param pattern the table entry (or built-in rule) that decided; "" for unknown
     * @param why     the entry's reason; "" for unknown
     */
    public record Verdict(Tier tier, String pattern, String why) {
    }

    private record Entry(Tier tier, String pattern, String why, boolean prefix) {
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
            if (f.length != 3) {
                throw new IllegalArgumentException(where + ": expected tier, pattern and reason separated by tabs");
            }
            Tier tier = switch (f[0]) {
                case "safe" -> Tier.SAFE;
                case "dangerous" -> Tier.DANGEROUS;
                default -> throw new IllegalArgumentException(where + ": unknown tier '" + f[0] + "'");
            };
            String pattern = f[1];
            if (!PATTERN.matcher(pattern).matches() || !pattern.endsWith("*") && !pattern.contains(".")) {
                throw new IllegalArgumentException(where + ": '" + pattern + "' is not module.name or a prefix ending in '*'");
            }
            if (f[2].isBlank()) {
                throw new IllegalArgumentException(where + ": a reason is required");
            }
            boolean prefix = pattern.endsWith("*");
            String key = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
            Entry e = new Entry(tier, pattern, f[2].strip(), prefix);
            Entry previous = prefix ? prefixes.putIfAbsent(key, e) : exact.putIfAbsent(key, e);
            if (previous != null) {
                throw new IllegalArgumentException(where + ": '" + pattern + "' is listed twice");
            }
            if (tier == Tier.SAFE) {
                safe++;
            } else {
                dangerous++;
            }
        }
        if (safe == 0 || dangerous == 0) {
            throw new IllegalArgumentException("the import tier table needs both safe and dangerous entries");
        }
        List<Entry> byLength = new ArrayList<>(prefixes.values());
        // longest prefix first; dangerous first among equals, so a tie never lets something through
        byLength.sort((a, b) -> a.pattern().length() != b.pattern().length() ? b.pattern().length() - a.pattern().length()
                : b.tier().compareTo(a.tier()));
        return new ImportTiers(Map.copyOf(exact), List.copyOf(byLength));
    }

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
        Entry e = exact.get(qualified);
        if (e != null) {
            return new Verdict(e.tier(), e.pattern(), e.why());
        }
        for (Entry p : prefixes) {
            String key = p.pattern().substring(0, p.pattern().length() - 1);
            // "os.*" covers the module os itself as well as os.anything
            boolean hit = qualified.startsWith(key) || key.endsWith(".") && (qualified + ".").startsWith(key);
            if (hit) {
                return new Verdict(p.tier(), p.pattern(), p.why());
            }
        }
        return new Verdict(Tier.UNKNOWN, "", "");
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
