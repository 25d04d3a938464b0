package io.airlock.scanner.engine;

import io.airlock.formats.Format;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.contracts.Severity;
import io.airlock.scanner.engine.analysis.WeightStats;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one scan checks against.
 *
 * @param expectedSha256 the digest the submitter promised, "" when none; normalised to lower-case hex
 *                       ("sha256:" prefix and blanks dropped). A value that is not 64 hex digits can
 *                       match nothing, so the integrity stage fails it.
 * @param allowedFormats formats a model may be (kernels must be Python source)
 * @param deniedFormats  formats rejected outright, named as denied; wins over allowed
 * @param kind           model or kernel
 * @param maxBytes       largest artifact scanned; larger ones fail integrity without being hashed
 * @param failOn         the severity from which a finding fails its stage (structural and gate findings fail
 *                       from HIGH whatever the line: {@link #rejects})
 * @param disabledStages stages the policy turned off: reported as SKIPPED with that reason
 * @param policy         which policy these options come from, as reports name it
 * @param weights        thresholds of the weight statistics (GGUF and safetensors tensors)
 */
public record ScanOptions(String expectedSha256, Set<Format> allowedFormats, Set<Format> deniedFormats, Kind kind,
                          long maxBytes, Severity failOn, Set<String> disabledStages, String policy,
                          WeightStats.Thresholds weights) {

    /** 20 GiB: the largest model file the default policy takes. */
    public static final long DEFAULT_MAX_MODEL_BYTES = 20L * 1024 * 1024 * 1024;
    /** 1 MiB: a kernel submission is source code. */
    public static final long DEFAULT_MAX_KERNEL_BYTES = 1024 * 1024;

    public ScanOptions {
        expectedSha256 = normalise(expectedSha256);
        allowedFormats = Set.copyOf(Objects.requireNonNull(allowedFormats, "allowedFormats"));
        deniedFormats = Set.copyOf(Objects.requireNonNull(deniedFormats, "deniedFormats"));
        Objects.requireNonNull(kind, "kind");
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive");
        }
        Objects.requireNonNull(failOn, "failOn");
        disabledStages = requireDisableable(disabledStages);
        policy = Objects.requireNonNullElse(policy, "");
        Objects.requireNonNull(weights, "weights");
    }

    /** Options under the engine's own line (HIGH), every stage on. */
    public ScanOptions(String expectedSha256, Set<Format> allowedFormats, Set<Format> deniedFormats, Kind kind,
                       long maxBytes) {
        this(expectedSha256, allowedFormats, deniedFormats, kind, maxBytes, Severity.HIGH, Set.of(), "default",
                WeightStats.Thresholds.defaults());
    }

    /** A copy of {@code stages}, refused when one of them may not be turned off. */
    static Set<String> requireDisableable(Set<String> stages) {
        for (String s : stages) {
            if (!DISABLEABLE.contains(s)) {
                throw new IllegalArgumentException("stage '" + s + "' cannot be disabled (only "
                        + String.join(", ", DISABLEABLE) + "): integrity binds the report to the stored bytes and "
                        + "format_gate identifies the content every later stage reads (to accept a format, allow it)");
            }
        }
        return Set.copyOf(stages);
    }

    /** Stages a policy may turn off. */
    public static final List<String> DISABLEABLE = List.of(ScanEngine.SOURCE_POLICY, ScanEngine.PROVENANCE,
            ScanEngine.STATIC_SCAN, ScanEngine.FOLDER_SCAN);

    /**
     * Whether a finding fails its stage under these options: at or above {@link #failOn}, or, from
     * HIGH on, any finding that is not an analysis judgement ({@link #judgedByAnalysis}): the origin,
     * the digest and the signature are the policy's own conditions, the format gate's decisions are
     * the policy's, and a file that breaks its format's structure cannot be read unambiguously (loaders
     * would disagree on what it holds). A looser line ({@code CRITICAL}) so passes only HIGH findings
     * of analysis in a file that parsed: an unknown pickle call, a Python file in a repository.
     */
    public boolean rejects(Finding f) {
        return f.severity().compareTo(failOn) >= 0 || (f.severity().blocksByDefault() && !judgedByAnalysis(f));
    }

    /** Rule families whose findings judge content that parsed (imports, code, templates, components). */
    private static final Set<String> ANALYSIS_FAMILIES = Set.of("pickle", "torch", "hf", "keras", "diffusers",
            "weights");

    /**
     * Whether a finding is analysis of content that parsed, which a looser line may pass: a rule of
     * the pickle, torch, hf, keras, diffusers or weights families (not a parse failure or limit of theirs) or a
     * GGUF chat template. Every other rule, including any rule added later, rejects from HIGH whatever
     * the line (fail closed).
     */
    public static boolean judgedByAnalysis(Finding f) {
        String rule = f.rule();
        int dot = rule.indexOf('.');
        String family = dot < 0 ? rule : rule.substring(0, dot);
        boolean parseFailure = rule.endsWith(".malformed") || rule.endsWith(".truncated")
                || rule.endsWith(".limit_exceeded") || rule.endsWith(".trailing_data") || rule.endsWith(".unreadable");
        return (ANALYSIS_FAMILIES.contains(family) && !parseFailure) || rule.equals("gguf.template_injection")
                || rule.equals("gguf.template_unusual");
    }

    /**
     * The default policy: models may be GGUF, safetensors, ONNX, an Airlock model package or a model
     * folder (whose members are each judged by this same policy) and nothing pickle-based;
     * kernels must be Python source; sizes as {@link #DEFAULT_MAX_MODEL_BYTES} and {@link #DEFAULT_MAX_KERNEL_BYTES}.
     */
    public static ScanOptions defaults(Kind kind) {
        Set<Format> denied = Arrays.stream(Format.values()).filter(Format::pickleBased)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Format.class)));
        return switch (kind) {
            case MODEL -> new ScanOptions("", EnumSet.of(Format.GGUF, Format.SAFETENSORS, Format.ONNX, Format.MODEL_PACKAGE,
                    Format.MODEL_FOLDER), denied, kind,
                    DEFAULT_MAX_MODEL_BYTES);
            case KERNEL -> new ScanOptions("", EnumSet.of(Format.PYTHON_SOURCE, Format.NATIVE_SOURCE), denied, kind,
                    DEFAULT_MAX_KERNEL_BYTES);
        };
    }

    /** The same options with this expected digest. */
    public ScanOptions withExpectedSha256(String sha256) {
        return new ScanOptions(sha256, allowedFormats, deniedFormats, kind, maxBytes, failOn, disabledStages, policy, weights);
    }

    /** The same options with this size limit. */
    public ScanOptions withMaxBytes(long max) {
        return new ScanOptions(expectedSha256, allowedFormats, deniedFormats, kind, max, failOn, disabledStages, policy, weights);
    }

    /** Whether {@code s} (after normalisation) is a SHA-256 hex digest. */
    public static boolean isSha256Hex(String s) {
        String n = normalise(s);
        return n.length() == 64 && n.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f');
    }

    static String normalise(String s) {
        String n = Objects.requireNonNullElse(s, "").strip().toLowerCase(Locale.ROOT);
        return n.startsWith("sha256:") ? n.substring("sha256:".length()).strip() : n;
    }
}
