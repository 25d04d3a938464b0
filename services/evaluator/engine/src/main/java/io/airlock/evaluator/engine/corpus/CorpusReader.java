package io.airlock.evaluator.engine.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.contracts.Severity;
import io.airlock.evaluator.engine.json.Fields;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.json.StrictJson;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads corpus format v1, strictly: unknown keys, wrong types, duplicate ids, and a case whose
 * detectors cannot decide its expectation are errors naming the JSON path.
 *
 * <pre>{@code
 * {"schemaVersion": "v1", "name": "jailbreak-baseline", "description": "...",
 *  "cases": [{"id": "jb-01", "category": "jailbreak", "severity": "HIGH",
 *             "system": "...", "canary": "...",                   // optional
 *             "prompt": "..."  |  "conversation": [{"role": "user", "content": "..."}, ...],
 *             "encoding": "none|base64|rot13|leetspeak",           // optional
 *             "detectors": ["refusal", "canary", "rogue_string", "prompt_overlap", "tool_call", "decoded_payload"],
 *             "expected": "refuse|comply|no_canary_leak|no_rogue_string|no_tool_call",
 *             "rogueStrings": [...], "bannedTools": [...], "overlapThreshold": 0.5, "tags": [...]}]}
 * }</pre>
 *
 * The digest is {@code sha256:} over the canonical bytes of the document (keys sorted, no
 * whitespace), so reformatting a corpus keeps its digest and any change of content changes it.
 */
public final class CorpusReader {
    public static final String SCHEMA = "v1";
    public static final long MAX_BYTES = 16L << 20;
    static final int MAX_CASES = 10_000;
    static final int MAX_TEXT = 32 * 1024;
    static final int MAX_TURNS = 32;
    static final int MIN_SECRET = 6;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> TOP = Set.of("schemaVersion", "name", "description", "cases");
    private static final Set<String> CASE = Set.of("id", "category", "severity", "system", "canary", "prompt",
            "conversation", "encoding", "detectors", "expected", "rogueStrings", "bannedTools", "overlapThreshold",
            "tags", "note");
    private static final Set<String> TURN = Set.of("role", "content");

    private CorpusReader() {
    }

    /** Reads a corpus file of at most {@link #MAX_BYTES}. */
    public static Corpus read(Path file) throws SpecException, java.io.IOException {
        String what = "corpus " + file.getFileName();
        return parse(StrictJson.readBounded(file, MAX_BYTES, what), what);
    }

    /** Parses corpus bytes; {@code what} names the source in errors. */
    public static Corpus parse(byte[] json, String what) throws SpecException {
        JsonNode root = StrictJson.parse(json, what);
        Fields top = Fields.of(root, what + ": $", TOP);
        String version = top.string("schemaVersion", 16);
        if (!version.equals(SCHEMA)) {
            throw new SpecException(what + ": $.schemaVersion: '" + version + "' is not supported (" + SCHEMA + ")");
        }
        String name = top.matching("name", NAME, 64);
        List<JsonNode> rawCases = top.array("cases", MAX_CASES);
        if (rawCases.isEmpty()) {
            throw new SpecException(what + ": $.cases: a corpus needs at least one case");
        }
        List<CorpusCase> cases = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < rawCases.size(); i++) {
            CorpusCase c = parseCase(rawCases.get(i), what + ": $.cases[" + i + "]");
            if (!ids.add(c.id())) {
                throw new SpecException(what + ": $.cases[" + i + "].id: '" + c.id() + "' appears twice");
            }
            cases.add(c);
        }
        return new Corpus(name, top.stringOr("description", "", 1024), cases, digest(StrictJson.canonical(root)));
    }

    static String digest(byte[] canonical) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }

    private static CorpusCase parseCase(JsonNode n, String path) throws SpecException {
        Fields f = Fields.of(n, path, CASE);
        String id = f.matching("id", ID, 64);
        String category = f.matching("category", NAME, 64);
        String sev = f.string("severity", 16);
        Severity severity = switch (sev) {
            case "CRITICAL" -> Severity.CRITICAL;
            case "HIGH" -> Severity.HIGH;
            case "MEDIUM" -> Severity.MEDIUM;
            case "LOW" -> Severity.LOW;
            default -> throw new SpecException(path + ".severity: '" + sev + "' (CRITICAL, HIGH, MEDIUM or LOW)");
        };
        String system = f.stringOr("system", "", MAX_TEXT);
        String canary = f.stringOr("canary", "", 128);
        List<Turn> turns = conversation(f, path);
        String enc = f.stringOr("encoding", "none", 16);
        Encoding encoding = Encoding.fromWire(enc)
                .orElseThrow(() -> new SpecException(path + ".encoding: '" + enc + "' (none, base64, rot13, leetspeak)"));
        Set<DetectorId> detectors = EnumSet.noneOf(DetectorId.class);
        for (String d : f.strings("detectors", 16, 32)) {
            DetectorId id2 = DetectorId.fromWire(d).orElseThrow(() -> new SpecException(path + ".detectors: unknown '"
                    + d + "' (refusal, canary, rogue_string, prompt_overlap, tool_call, decoded_payload)"));
            if (!detectors.add(id2)) {
                throw new SpecException(path + ".detectors: '" + d + "' listed twice");
            }
        }
        if (detectors.isEmpty()) {
            throw new SpecException(path + ".detectors: at least one detector is required");
        }
        String exp = f.string("expected", 32);
        Expected expected = Expected.fromWire(exp).orElseThrow(() -> new SpecException(path + ".expected: '" + exp
                + "' (refuse, comply, no_canary_leak, no_rogue_string, no_tool_call)"));
        List<String> rogue = f.strings("rogueStrings", 16, 256);
        List<String> banned = f.strings("bannedTools", 64, 64);
        double threshold = f.numberOr("overlapThreshold", 0.5, 0.05, 1.0);
        List<String> tags = f.strings("tags", 16, 64);
        f.stringOr("note", "", 1024);
        CorpusCase c = new CorpusCase(id, category, severity, system, canary, turns, encoding, detectors, expected,
                rogue, banned, threshold, tags);
        consistent(c, path);
        return c;
    }

    private static List<Turn> conversation(Fields f, String path) throws SpecException {
        boolean prompt = f.has("prompt");
        boolean conv = f.has("conversation");
        if (prompt == conv) {
            throw new SpecException(path + ": exactly one of prompt or conversation is required");
        }
        if (prompt) {
            String p = f.string("prompt", MAX_TEXT);
            if (p.isBlank()) {
                throw new SpecException(path + ".prompt: empty");
            }
            return List.of(Turn.user(p));
        }
        List<JsonNode> raw = f.array("conversation", MAX_TURNS);
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            String tp = path + ".conversation[" + i + "]";
            Fields t = Fields.of(raw.get(i), tp, TURN);
            String role = t.string("role", 16);
            Turn.Role r = switch (role) {
                case "user" -> Turn.Role.USER;
                case "assistant" -> Turn.Role.ASSISTANT;
                default -> throw new SpecException(tp + ".role: '" + role + "' (user or assistant; the system prompt "
                        + "is the case's system field)");
            };
            String content = t.string("content", MAX_TEXT);
            if (content.isBlank()) {
                throw new SpecException(tp + ".content: empty");
            }
            turns.add(new Turn(r, content));
        }
        if (turns.isEmpty() || turns.get(turns.size() - 1).role() != Turn.Role.USER) {
            throw new SpecException(path + ".conversation: must end with a user turn");
        }
        return turns;
    }

    /** A case whose detectors could never decide its expectation is an authoring error, caught at load. */
    private static void consistent(CorpusCase c, String path) throws SpecException {
        Set<DetectorId> d = c.detectors();
        switch (c.expected()) {
            case REFUSE, COMPLY -> require(d.contains(DetectorId.REFUSAL), path, "expected " + c.expected().wire()
                    + " needs the refusal detector");
            case NO_CANARY_LEAK -> require(d.contains(DetectorId.CANARY), path, "expected no_canary_leak needs the canary detector");
            case NO_ROGUE_STRING -> require(d.contains(DetectorId.ROGUE_STRING) || d.contains(DetectorId.DECODED_PAYLOAD),
                    path, "expected no_rogue_string needs the rogue_string or decoded_payload detector");
            case NO_TOOL_CALL -> require(d.contains(DetectorId.TOOL_CALL), path, "expected no_tool_call needs the tool_call detector");
        }
        if (d.contains(DetectorId.CANARY)) {
            require(c.canary().length() >= MIN_SECRET, path, "the canary detector needs a canary of at least "
                    + MIN_SECRET + " characters");
            require(c.system().contains(c.canary()), path, "the canary must appear in the system prompt");
        } else {
            require(c.canary().isEmpty(), path, "a canary without the canary detector would never be checked");
        }
        if (d.contains(DetectorId.PROMPT_OVERLAP)) {
            require(!c.system().isEmpty(), path, "prompt_overlap needs a system prompt");
        }
        if (d.contains(DetectorId.ROGUE_STRING) || d.contains(DetectorId.DECODED_PAYLOAD)) {
            require(!c.rogueStrings().isEmpty(), path, "rogue_string and decoded_payload need rogueStrings");
            for (String r : c.rogueStrings()) {
                require(r.replaceAll("[^A-Za-z0-9]", "").length() >= MIN_SECRET, path,
                        "rogue string '" + r + "' needs at least " + MIN_SECRET + " letters or digits");
            }
        }
        if (d.contains(DetectorId.TOOL_CALL)) {
            require(!c.bannedTools().isEmpty(), path, "tool_call needs bannedTools");
        }
        if (d.contains(DetectorId.DECODED_PAYLOAD)) {
            require(c.encoding() != Encoding.NONE, path, "decoded_payload is for encoded probes (encoding is none)");
        }
    }

    private static void require(boolean ok, String path, String message) throws SpecException {
        if (!ok) {
            throw new SpecException(path + ": " + message);
        }
    }
}
