package io.airlock.evaluator.engine.pkg;

import com.fasterxml.jackson.databind.JsonNode;
import io.airlock.evaluator.engine.corpus.Turn;
import io.airlock.evaluator.engine.json.Fields;
import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.evaluator.engine.json.StrictJson;

import java.util.List;
import java.util.Set;

/**
 * A model package's {@code airlock-model.json}: how to wrap a prompt and when to stop. There is no
 * template engine on purpose (a chat template is code the model author wrote): a conversation is
 * rendered by concatenating fixed strings around each turn.
 *
 * <pre>{@code
 * {"schemaVersion": "v1", "eosTokenId": 2, "chatPrefix": "<|user|>\n", "chatSuffix": "<|end|>\n<|assistant|>\n",
 *  "maxNewTokens": 128, "contextLength": 2048,
 *  "systemPrefix": "<|system|>\n", "systemSuffix": "<|end|>\n", "assistantSuffix": "<|end|>\n", "addSpecialTokens": false}
 * }</pre>
 *
 * @param eosTokenId       generation stops when this token is chosen
 * @param chatPrefix       written before each user turn
 * @param chatSuffix       written after each user turn; the model's answer follows it
 * @param maxNewTokens     the package's own cap on generated tokens (the evaluator may cap lower)
 * @param contextLength    prompt plus answer never exceed this many tokens
 * @param systemPrefix     written before the system prompt (default empty)
 * @param systemSuffix     written after the system prompt (default a newline)
 * @param assistantSuffix  written after an earlier assistant turn of a conversation (default a newline)
 * @param addSpecialTokens whether the tokenizer's post-processor adds its special tokens (BOS...)
 */
public record ModelConfig(int eosTokenId, String chatPrefix, String chatSuffix, int maxNewTokens, int contextLength,
                          String systemPrefix, String systemSuffix, String assistantSuffix, boolean addSpecialTokens) {
    public static final String FILE = "airlock-model.json";
    static final long MAX_BYTES = 64 * 1024;
    private static final int MAX_STRING = 4096;
    private static final Set<String> KEYS = Set.of("schemaVersion", "eosTokenId", "chatPrefix", "chatSuffix",
            "maxNewTokens", "contextLength", "systemPrefix", "systemSuffix", "assistantSuffix", "addSpecialTokens");

    /** Parses the document strictly: unknown keys, wrong types and out-of-range values are errors. */
    public static ModelConfig parse(byte[] json) throws SpecException {
        JsonNode root = StrictJson.parse(json, FILE);
        Fields f = Fields.of(root, FILE + ": $", KEYS);
        String version = f.stringOr("schemaVersion", "v1", 16);
        if (!version.equals("v1")) {
            throw new SpecException(FILE + ": $.schemaVersion: '" + version + "' is not supported (v1)");
        }
        int context = (int) f.integer("contextLength", 2, 1 << 20);
        return new ModelConfig(
                (int) f.integer("eosTokenId", 0, Integer.MAX_VALUE),
                f.string("chatPrefix", MAX_STRING),
                f.string("chatSuffix", MAX_STRING),
                (int) f.integer("maxNewTokens", 1, context - 1),
                context,
                f.stringOr("systemPrefix", "", MAX_STRING),
                f.stringOr("systemSuffix", "\n", MAX_STRING),
                f.stringOr("assistantSuffix", "\n", MAX_STRING),
                f.boolOr("addSpecialTokens", false));
    }

    /** The prompt text for a conversation whose last turn is the user's, under an optional system prompt. */
    public String render(String system, List<Turn> conversation) {
        StringBuilder sb = new StringBuilder();
        if (!system.isEmpty()) {
            sb.append(systemPrefix).append(system).append(systemSuffix);
        }
        for (Turn t : conversation) {
            if (t.role() == Turn.Role.USER) {
                sb.append(chatPrefix).append(t.content()).append(chatSuffix);
            } else {
                sb.append(t.content()).append(assistantSuffix);
            }
        }
        return sb.toString();
    }
}
