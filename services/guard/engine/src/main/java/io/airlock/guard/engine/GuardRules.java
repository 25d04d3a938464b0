package io.airlock.guard.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.guard.engine.kernel.KernelRule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which guard rules apply and with what outcome: a profile ({@code default}, {@code strict},
 * {@code permissive}) plus per-rule overrides from a rules file. Rules are data: every rule id the
 * guard can report is in {@link #CATALOG}; a rules file naming an unknown id or key, or an unknown
 * outcome, is refused when it is loaded (a start-up error), never ignored.
 *
 * <pre>{@code
 * # rules.yaml
 * profile: default            # default | strict | permissive
 * rules:
 *   guard.kernel.env_branch: warn        # off | warn (MEDIUM, reported) | block (HIGH) | CRITICAL..INFO
 *   guard.kernel.subprocess: off
 * }</pre>
 */
public final class GuardRules {
    /** Every rule id with its default severity. */
    public static final Map<String, Severity> CATALOG;

    static {
        Map<String, Severity> c = new TreeMap<>();
        c.put("guard.size_mismatch", Severity.HIGH);
        c.put("guard.size_limit", Severity.HIGH);
        c.put("guard.kind_mismatch", Severity.HIGH);
        c.put("guard.format_mismatch", Severity.HIGH);
        c.put("guard.unknown_format", Severity.MEDIUM);
        c.put("guard.claim_unrecognized", Severity.LOW);
        c.put("guard.pickle_import", Severity.HIGH);
        c.put("guard.archive", Severity.HIGH);
        for (KernelRule r : KernelRule.values()) {
            c.put(r.id(), r.severity());
        }
        CATALOG = Collections.unmodifiableMap(c);
    }

    /** Heuristic kernel rules the permissive profile reports without blocking. */
    private static final Set<String> HEURISTIC = Set.of(KernelRule.INTROSPECTION.id(), KernelRule.OUTPUT_CACHE.id(),
            KernelRule.IDENTITY_OUTPUT.id(), KernelRule.ENV_BRANCH.id(), KernelRule.DEFERRED_WORK.id(),
            KernelRule.FAKE_OUTPUT.id(), KernelRule.EXIT_HOOK.id(), KernelRule.SUBPROCESS.id(),
            KernelRule.DYNAMIC_CODE.id(), KernelRule.DYNAMIC_IMPORT.id(), KernelRule.CTYPES.id(),
            KernelRule.NATIVE_CONSTRUCTOR.id(), KernelRule.NATIVE_UNSEEN.id(), "guard.unknown_format");
    private static final Set<String> PROFILES = Set.of("default", "strict", "permissive");
    private static final Set<String> FILE_KEYS = Set.of("profile", "rules");
    /** null = off. */
    private final Map<String, Severity> effective;
    private final String profile;
    private final String source;

    private GuardRules(String profile, Map<String, Severity> effective, String source) {
        this.profile = profile;
        this.effective = effective;
        this.source = source;
    }

    public static GuardRules defaults() {
        return profile("default");
    }

    /** A builtin profile by name. */
    public static GuardRules profile(String name) {
        if (!PROFILES.contains(name)) {
            throw new IllegalArgumentException("unknown guard profile '" + name + "' (default, strict, permissive)");
        }
        Map<String, Severity> m = new LinkedHashMap<>(CATALOG);
        if (name.equals("strict")) {
            // every kernel rule and the unknown-format finding block
            m.replaceAll((id, s) -> (id.startsWith("guard.kernel.") || id.equals("guard.unknown_format"))
                    && !s.blocksByDefault() ? Severity.HIGH : s);
        } else if (name.equals("permissive")) {
            m.replaceAll((id, s) -> HEURISTIC.contains(id) ? Severity.MEDIUM : s);
        }
        return new GuardRules(name, m, "profile " + name);
    }

    /**
     * A rules file (YAML): its profile (default when absent) with its overrides.
     *
     * @throws IllegalArgumentException naming the key, id or value that is not known
     */
    public static GuardRules load(Path file, String defaultProfile) throws IOException {
        if (Files.size(file) > 1 << 20) {
            throw new IllegalArgumentException(file + ": a rules file is at most 1 MiB");
        }
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        if (root == null || root.isMissingNode() || root.isNull()) {
            return profile(defaultProfile);
        }
        if (!root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a mapping with profile and rules");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FILE_KEYS.contains(k)) {
                throw new IllegalArgumentException(file + ": unknown key '" + k + "' (profile, rules)");
            }
        }
        String p = root.has("profile") ? root.get("profile").asText() : defaultProfile;
        GuardRules base = profile(p);
        Map<String, Severity> m = new LinkedHashMap<>(base.effective);
        JsonNode rules = root.path("rules");
        if (!rules.isMissingNode() && !rules.isNull()) {
            if (!rules.isObject()) {
                throw new IllegalArgumentException(file + ": rules must map rule ids to outcomes");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = rules.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!CATALOG.containsKey(e.getKey())) {
                    throw new IllegalArgumentException(file + ": unknown rule id '" + e.getKey() + "'");
                }
                JsonNode v = e.getValue();
                // YAML 1.1 reads a bare off/no as false
                m.put(e.getKey(), v.isBoolean() && !v.booleanValue() ? null
                        : outcome(file, e.getKey(), v.isBoolean() ? "true" : v.asText()));
            }
        }
        return new GuardRules(p, m, file + " (profile " + p + ")");
    }

    private static Severity outcome(Path file, String id, String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "off":
                return null;
            case "warn":
                return Severity.MEDIUM;
            case "block":
                return Severity.HIGH;
            default:
                try {
                    return Severity.valueOf(v.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": rule " + id + ": unknown outcome '" + v
                            + "' (off, warn, block, CRITICAL, HIGH, MEDIUM, LOW, INFO)");
                }
        }
    }

    /** The findings with this configuration's outcomes: rules turned off dropped, severities replaced. */
    public List<Finding> apply(List<Finding> findings) {
        List<Finding> out = new ArrayList<>();
        for (Finding f : findings) {
            if (!effective.containsKey(f.rule())) {
                out.add(f); // a rule this catalog does not know (an external analyzer's): as reported
                continue;
            }
            Severity s = effective.get(f.rule());
            if (s != null) {
                out.add(new Finding(f.rule(), s, f.stage(), f.location(), f.message(), f.evidence()));
            }
        }
        return out;
    }

    /** Rules whose outcome is weaker than the default (off, or no longer blocking): listed so start-up can log them. */
    public List<String> loosened() {
        List<String> out = new ArrayList<>();
        CATALOG.forEach((id, def) -> {
            Severity now = effective.get(id);
            if (now == null || (def.blocksByDefault() && !now.blocksByDefault())) {
                out.add(id + "=" + (now == null ? "off" : now.name()));
            }
        });
        return out;
    }

    public String profileName() {
        return profile;
    }

    /** Where this configuration came from, for logs and reports. */
    public String source() {
        return source;
    }
}
