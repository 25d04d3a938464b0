package io.airlock.contracts;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A conformance run for the evaluator: replay a corpus against a promoted model. It travels on the
 * evaluator's own stream ({@link Streams#EVAL}) beside {@link WorkItem}s, told apart by the entry's
 * {@code type} field (the payload's class name), so one consumer group, one claim and dead-letter
 * machinery serve both. {@code runId} is the idempotency key: the registry records a run once.
 *
 * @param runId        the run the registry created (UUID)
 * @param evaluation   the evaluation's name, for logs
 * @param modelId      the promoted model (models.id)
 * @param blob         the model's content address ({@code sha256:<hex>}) in the shared blob store
 * @param filename     as submitted; informational only
 * @param corpus       a builtin corpus name, or {@code file:<name>} in the evaluator's corpora folder
 * @param corpusDigest {@code sha256:<hex>} the corpus must have, or "" when a builtin is not pinned
 */
public record ConformanceWork(String runId, String evaluation, String modelId, String blob, String filename,
                              String corpus, String corpusDigest) {
    /** The corpora compiled into the evaluator engine ("default" is all of them as one suite). */
    public static final List<String> BUILTIN_CORPORA = List.of("default", "jailbreak-baseline", "prompt-injection",
            "harmful-content", "system-prompt-extraction", "tool-abuse");
    /** Prefix of an external corpus: a file name (no folders) in the evaluator's corpora folder. */
    public static final String FILE_PREFIX = "file:";
    public static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    public static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    public ConformanceWork {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(corpus, "corpus");
        evaluation = Objects.requireNonNullElse(evaluation, "");
        filename = Objects.requireNonNullElse(filename, "");
        corpusDigest = Objects.requireNonNullElse(corpusDigest, "");
    }

    /** Whether {@code corpus} names an external file rather than a builtin corpus. */
    public boolean external() {
        return corpus.startsWith(FILE_PREFIX);
    }

    /**
     * Why {@code ref}/{@code digest} is not a usable corpus reference, or "" when it is: a builtin name
     * (digest optional, then pinned), or {@code file:<name>} with a required digest. A file name never
     * holds a folder or "..", so it cannot leave the corpora folder.
     */
    public static String invalidCorpus(String ref, String digest) {
        if (ref == null || ref.isBlank()) {
            return "corpus.ref is required: a builtin corpus (" + String.join(", ", BUILTIN_CORPORA)
                    + ") or file:<name> with a digest";
        }
        if (digest != null && !digest.isEmpty() && !DIGEST.matcher(digest).matches()) {
            return "corpus.digest must be sha256:<64 lowercase hex>, got '" + clip(digest) + "'";
        }
        if (ref.startsWith(FILE_PREFIX)) {
            String name = ref.substring(FILE_PREFIX.length());
            if (!FILE_NAME.matcher(name).matches() || name.contains("..")) {
                return "corpus file name '" + clip(name) + "' must be 1-128 of A-Z a-z 0-9 . _ - (no folders, no ..)";
            }
            if (digest == null || digest.isEmpty()) {
                return "an external corpus (" + clip(ref) + ") needs corpus.digest: the evaluator refuses any other bytes";
            }
            return "";
        }
        if (!BUILTIN_CORPORA.contains(ref)) {
            return "no builtin corpus '" + clip(ref) + "' (" + String.join(", ", BUILTIN_CORPORA)
                    + "); an external corpus is file:<name> with a digest";
        }
        return "";
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
