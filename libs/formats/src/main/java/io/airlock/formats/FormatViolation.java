package io.airlock.formats;

import java.util.Objects;

/**
 * A {@link MalformedException} that names the rule it broke, so a validator's first fatal
 * problem becomes a finding with a stable rule id (e.g. {@code gguf.offset_mismatch}) and the
 * place it was found (e.g. {@code tensor 'blk.0.attn_q.weight'}).
 */
public class FormatViolation extends MalformedException {
    private final String rule;
    private final String location;

    public FormatViolation(String rule, String message, long offset, String location) {
        super(message, offset);
        this.rule = Objects.requireNonNull(rule, "rule");
        this.location = Objects.requireNonNullElse(location, "");
    }

    public FormatViolation(String rule, String message, long offset) {
        this(rule, message, offset, "");
    }

    /** The stable rule id. */
    public String rule() {
        return rule;
    }

    /** Where, beyond the offset: a tensor, a key, a member; "" when only the offset is known. */
    public String location() {
        return location;
    }
}
