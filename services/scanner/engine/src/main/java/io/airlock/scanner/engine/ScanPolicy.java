package io.airlock.scanner.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.contracts.StageResult;
import io.airlock.contracts.StageStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A scan policy: which model formats are allowed and denied, and the severity from which a finding
 * rejects. Builtin: {@code default} (GGUF, safetensors, ONNX, model
 * packages and folders allowed; everything pickle-based denied; HIGH rejects) and {@code
 * permissive} (every format allowed, so the verdict comes from findings alone: "is this .pt file
 * malicious?"). A policy file (YAML, docs/SCAN-POLICY.md) names its own; an unknown key, format or
 * severity is refused when it is read.
 *
 * <p>{@code fail_on} can only tighten the engine's line (HIGH): the engine stops at the first failing
 * stage, so a looser line applied afterwards would pass a file whose later stages never ran. Turning
 * stages off is not offered for the same reason.
 */
public record ScanPolicy(String name, String version, Set<Format> allowed, Set<Format> denied, Severity failOn) {
    private static final Set<String> KEYS = Set.of("name", "version", "allow", "deny", "fail_on");

    public ScanPolicy {
        allowed = Set.copyOf(allowed);
        denied = Set.copyOf(denied);
        if (failOn.compareTo(Severity.HIGH) > 0) {
            throw new IllegalArgumentException("fail_on " + failOn + " would loosen the engine's line (HIGH): "
                    + "later stages do not run after a HIGH finding, so a policy can only tighten it (MEDIUM, LOW, INFO)");
        }
    }

    public static ScanPolicy builtin(String name) {
        ScanOptions d = ScanOptions.defaults(Kind.MODEL);
        Set<Format> modelFormats = EnumSet.copyOf(d.allowedFormats());
        modelFormats.add(Format.MODEL_FOLDER);
        switch (name) {
            case "default":
                return new ScanPolicy("default", ScanEngine.VERSION, modelFormats, d.deniedFormats(), Severity.HIGH);
            case "permissive":
                Set<Format> all = EnumSet.allOf(Format.class);
                all.remove(Format.UNKNOWN);
                all.remove(Format.PYTHON_SOURCE);
                return new ScanPolicy("permissive", ScanEngine.VERSION, all, Set.of(), Severity.HIGH);
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
            throw new IllegalArgumentException(file + ": expected a mapping (name, version, allow, deny, fail_on)");
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
        Set<Format> denied = root.has("deny") ? formats(file, root.get("deny"), "deny") : base.denied();
        Severity failOn = root.has("fail_on") ? severity(file, root.get("fail_on").asText()) : base.failOn();
        try {
            return new ScanPolicy(name, version, allowed, denied, failOn);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode root, String key, String otherwise) {
        return root.has(key) ? root.get(key).asText() : otherwise;
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

    /** The same policy with another rejection line (the CLI's --fail-on); only tightening is accepted. */
    public ScanPolicy withFailOn(Severity s) {
        return new ScanPolicy(name, version, allowed, denied, s);
    }

    /** Scan options for a kind under this policy: the formats (models only), the rest as {@code base}. */
    public ScanOptions options(ScanOptions base) {
        if (base.kind() != Kind.MODEL) {
            return base;
        }
        return new ScanOptions(base.expectedSha256(), allowed, denied, base.kind(), base.maxBytes());
    }

    /** What the policy is, for reports: {@code name@version fail_on=...}. */
    public String describe() {
        return name + (version.isEmpty() ? "" : "@" + version) + " fail_on=" + failOn;
    }

    /**
     * The report judged by this policy's line: a PASS stage with a finding at or above {@code failOn}
     * fails; everything else stays as the engine decided (its line, HIGH, is never loosened). Every
     * stage says which policy judged it. The verdict is the engine's, or REJECT when the policy failed
     * a stage the engine passed (the engine ran every stage up to its own first failure, so nothing
     * that did not run is counted as passed).
     */
    public ScanReport judge(ScanReport r) {
        List<StageResult> stages = new ArrayList<>();
        boolean tightened = false;
        for (StageResult s : r.stages()) {
            Map<String, String> details = new TreeMap<>(s.details());
            details.put("policy", describe());
            StageStatus status = s.status();
            if (status == StageStatus.PASS
                    && s.findings().stream().map(Finding::severity).anyMatch(v -> v.compareTo(failOn) >= 0)) {
                status = StageStatus.FAIL;
                details.put("failedBy", "policy " + name + " rejects findings from " + failOn);
                tightened = true;
            }
            stages.add(new StageResult(s.stage(), status, s.durationMicros(), s.findings(), details));
        }
        ScanVerdict verdict = tightened && r.verdict() == ScanVerdict.PASS ? ScanVerdict.REJECT : r.verdict();
        return new ScanReport(r.schemaVersion(), verdict, r.sha256(), r.size(), r.format(), stages, r.engineVersion());
    }
}
