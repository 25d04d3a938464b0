package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.scanner.engine.analysis.WeightStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A scan policy: which model formats are allowed and denied, which stages run, and the severity from
 * which a finding rejects. Builtin: {@code default} (GGUF, safetensors, ONNX, model packages and
 * folders allowed; everything pickle-based denied; HIGH rejects) and {@code permissive} (every format
 * allowed, so the verdict comes from findings alone: "is this .pt file malicious?"). A policy file
 * (YAML, docs/SCAN-POLICY.md) names its own; an unknown key, format, stage or severity is refused
 * when it is read.
 *
 * <p>The engine applies the line inside each stage ({@link ScanOptions#rejects}), so a looser line
 * ({@code CRITICAL}) lets later stages run; gate findings (origin, digest, signature, the format
 * decision, unparseable files) reject whatever the line. Disabled stages are reported as SKIPPED with
 * the policy's name; {@link #loosenings} says what a policy gives up, for the log.
 */
public record ScanPolicy(String name, String version, Set<Format> allowed, Set<Format> denied, Severity failOn,
                         Set<String> disabledStages, WeightStats.Thresholds weights, List<String> pickleImports) {
    private static final Set<String> KEYS = Set.of("name", "version", "allow", "deny", "fail_on", "disable", "weights",
            "pickle_imports");

    /** A policy that adds nothing to the pickle import table. */
    public ScanPolicy(String name, String version, Set<Format> allowed, Set<Format> denied, Severity failOn,
                      Set<String> disabledStages, WeightStats.Thresholds weights) {
        this(name, version, allowed, denied, failOn, disabledStages, weights, List.of());
    }
    private static final Set<String> WEIGHT_KEYS = Set.of("min_elements", "sample_elements", "max_excess_kurtosis",
            "max_entropy_bits", "max_tensors", "max_zero_fraction");

    public ScanPolicy {
        allowed = Set.copyOf(allowed);
        denied = Set.copyOf(denied);
        java.util.Objects.requireNonNull(failOn, "failOn");
        disabledStages = ScanOptions.requireDisableable(disabledStages);
        java.util.Objects.requireNonNull(weights, "weights");
        pickleImports = List.copyOf(pickleImports);
        try {
            importTiers(pickleImports); // validated here, so a bad entry stops the CLI or the scanner at start-up
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pickle_imports: " + e.getMessage(), e);
        }
    }

    /**
     * The pickle import table this policy judges by: the shipped one, plus the policy's
     * {@code pickle_imports} lines (call and class entries only; a name already listed is refused).
     */
    public io.airlock.scanner.engine.analysis.ImportTiers importTiers() {
        return importTiers(pickleImports);
    }

    private static io.airlock.scanner.engine.analysis.ImportTiers importTiers(List<String> lines) {
        io.airlock.scanner.engine.analysis.ImportTiers shipped = io.airlock.scanner.engine.analysis.ImportTiers.builtin();
        return lines.isEmpty() ? shipped : shipped.extend(String.join("\n", lines));
    }

    public static ScanPolicy builtin(String name) {
        ScanOptions d = ScanOptions.defaults(Kind.MODEL);
        Set<Format> modelFormats = EnumSet.copyOf(d.allowedFormats());
        modelFormats.add(Format.MODEL_FOLDER);
        switch (name) {
            case "default":
                return new ScanPolicy("default", ScanEngine.VERSION, modelFormats, d.deniedFormats(), Severity.HIGH, Set.of(),
                        WeightStats.Thresholds.defaults());
            case "permissive":
                Set<Format> all = EnumSet.allOf(Format.class);
                all.remove(Format.UNKNOWN);
                all.remove(Format.PYTHON_SOURCE);
                all.remove(Format.NATIVE_SOURCE);
                return new ScanPolicy("permissive", ScanEngine.VERSION, all, Set.of(), Severity.HIGH, Set.of(),
                        WeightStats.Thresholds.defaults());
            default:
                throw new IllegalArgumentException("no builtin scan policy '" + name + "' (default, permissive)");
        }
    }

    /** A builtin name, or a YAML policy file. */
    public static ScanPolicy resolve(String nameOrFile) throws IOException {
        if (nameOrFile.equals("default") || nameOrFile.equals("permissive")) {
            return builtin(nameOrFile);
        }
        return load(Path.of(nameOrFile));
    }

    public static ScanPolicy load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no builtin scan policy and no policy file '" + file + "'");
        }
        if (Files.size(file) > 1 << 20) {
            throw new IllegalArgumentException(file + ": a policy file is at most 1 MiB");
        }
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a mapping (name, version, allow, deny, fail_on, disable, weights)");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException(file + ": unknown key '" + k + "' (" + String.join(", ", KEYS) + ")");
            }
        }
        ScanPolicy base = builtin("default");
        String name = text(root, "name", file.getFileName().toString());
        String version = text(root, "version", "");
        Set<Format> allowed = root.has("allow") ? formats(file, root.get("allow"), "allow") : base.allowed();
        // without a deny list, the default's denials stand except for what this file allows by name
        Set<Format> denied = EnumSet.noneOf(Format.class);
        if (root.has("deny")) {
            denied.addAll(formats(file, root.get("deny"), "deny"));
        } else {
            denied.addAll(base.denied());
            denied.removeAll(allowed);
        }
        Severity failOn = root.has("fail_on") ? severity(file, root.get("fail_on").asText()) : base.failOn();
        Set<String> disabled = new java.util.TreeSet<>();
        for (JsonNode st : list(file, root.get("disable"), "disable")) {
            if (!ScanEngine.STAGES.contains(st.asText())) {
                throw new IllegalArgumentException(file + ": disable: unknown stage '" + st.asText() + "' ("
                        + String.join(", ", ScanEngine.STAGES) + ")");
            }
            disabled.add(st.asText());
        }
        try {
            List<String> imports = new ArrayList<>();
            for (JsonNode e : list(file, root.get("pickle_imports"), "pickle_imports")) {
                imports.add(importLine(file, e));
            }
            return new ScanPolicy(name, version, allowed, denied, failOn, disabled, weights(file, root.get("weights")), imports);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static WeightStats.Thresholds weights(Path file, JsonNode n) {
        WeightStats.Thresholds d = WeightStats.Thresholds.defaults();
        if (n == null || n.isNull()) {
            return d;
        }
        if (!n.isObject()) {
            throw new IllegalArgumentException(file + ": weights must be a mapping (" + String.join(", ", WEIGHT_KEYS) + ")");
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!WEIGHT_KEYS.contains(k)) {
                throw new IllegalArgumentException(file + ": weights: unknown key '" + k + "' (" + String.join(", ", WEIGHT_KEYS) + ")");
            }
            if (!n.get(k).isNumber()) {
                throw new IllegalArgumentException(file + ": weights: " + k + " must be a number");
            }
        }
        return new WeightStats.Thresholds(n.path("min_elements").asLong(d.minElements()),
                n.path("sample_elements").asInt(d.sampleElements()),
                n.path("max_excess_kurtosis").asDouble(d.maxExcessKurtosis()),
                n.path("max_entropy_bits").asDouble(d.maxEntropyBits()),
                n.path("max_tensors").asInt(d.maxTensors()),
                n.path("max_zero_fraction").asDouble(d.maxZeroFraction()));
    }

    private static String text(JsonNode root, String key, String otherwise) {
        return root.has(key) ? root.get(key).asText() : otherwise;
    }

    private static final Set<String> IMPORT_KEYS = Set.of("tier", "name", "why", "args");

    /** One pickle_imports entry {tier, name, why[, args]} as a line of the import table (ImportTiers validates it). */
    private static String importLine(Path file, JsonNode e) {
        if (!e.isObject()) {
            throw new IllegalArgumentException(file + ": pickle_imports: each entry is a mapping (tier, name, why, args)");
        }
        for (Iterator<String> it = e.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!IMPORT_KEYS.contains(k) || !e.get(k).isTextual() || e.get(k).asText().matches(".*[\\t\\n\\r].*")) {
                throw new IllegalArgumentException(file + ": pickle_imports: '" + k + "' is not tier, name, why or args"
                        + " with a one-line text value");
            }
        }
        if (!e.has("tier") || !e.has("name") || !e.has("why")) {
            throw new IllegalArgumentException(file + ": pickle_imports: tier, name and why are required");
        }
        return e.get("tier").asText() + "\t" + e.get("name").asText() + "\t" + e.get("why").asText()
                + (e.has("args") ? "\targs=" + e.get("args").asText() : "");
    }

    private static List<JsonNode> list(Path file, JsonNode n, String key) {
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(file + ": " + key + " must be a list");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private static Set<Format> formats(Path file, JsonNode n, String key) {
        Set<Format> out = EnumSet.noneOf(Format.class);
        for (JsonNode f : list(file, n, key)) {
            out.add(Format.fromId(f.asText()).orElseThrow(() -> new IllegalArgumentException(file + ": " + key
                    + ": unknown format '" + f.asText() + "' (" + Arrays.stream(Format.values()).map(Format::id)
                    .collect(Collectors.joining(", ")) + ")")));
        }
        return out;
    }

    public static Severity severity(Path file, String v) {
        try {
            return Severity.valueOf(v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException((file == null ? "" : file + ": ") + "unknown severity '" + v
                    + "' (CRITICAL, HIGH, MEDIUM, LOW, INFO)");
        }
    }

    /** The same policy with another rejection line (the CLI's --fail-on). */
    public ScanPolicy withFailOn(Severity s) {
        return new ScanPolicy(name, version, allowed, denied, s, disabledStages, weights, pickleImports);
    }

    /** Scan options for a kind under this policy: formats (models only), line and stages; the rest as {@code base}. */
    public ScanOptions options(ScanOptions base) {
        if (base.kind() != Kind.MODEL) {
            return base;
        }
        return new ScanOptions(base.expectedSha256(), allowed, denied, base.kind(), base.maxBytes(), failOn,
                disabledStages, name + (version.isEmpty() ? "" : "@" + version), weights);
    }

    /** What the policy is, for reports: {@code name@version fail_on=...}. */
    public String describe() {
        return name + (version.isEmpty() ? "" : "@" + version) + " fail_on=" + failOn
                + (disabledStages.isEmpty() ? "" : " disabled=" + String.join(",", new java.util.TreeSet<>(disabledStages)));
    }

    /** What this policy gives up against {@code default}, one line each, for the log; empty when nothing. */
    public List<String> loosenings() {
        List<String> out = new ArrayList<>();
        if (failOn.compareTo(Severity.HIGH) > 0) {
            out.add("fail_on " + failOn + ": HIGH findings of analysis are reported and pass (gate findings still reject)");
        }
        for (String s : new java.util.TreeSet<>(disabledStages)) {
            out.add("stage " + s + " disabled: reported as skipped, nothing it checks is checked");
        }
        for (String line : pickleImports) {
            out.add("pickle import allowed: " + line.replace('\t', ' ') + " (a pickle that uses it this way passes as known-safe)");
        }
        if (!weights.equals(WeightStats.Thresholds.defaults())) {
            out.add("weight statistics judged by " + weights + " (default " + WeightStats.Thresholds.defaults() + ")");
        }
        builtin("default").denied().stream().filter(f -> !denied.contains(f) && allowed.contains(f)).map(Format::id)
                .sorted().forEach(f -> out.add("format " + f + " allowed: loading it runs a pickle; only the static scan "
                        + "stands between it and code execution"));
        return out;
    }
}
