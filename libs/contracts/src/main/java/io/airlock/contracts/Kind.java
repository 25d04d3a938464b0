package io.airlock.contracts;

import java.util.Locale;

/** What was submitted: a model file (or model folder as one archive) or a GPU-kernel source. */
public enum Kind {
    MODEL, KERNEL;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "model" or "kernel" (any case); anything else is an error the caller reports. */
    public static Kind parse(String text) {
        if (text != null) {
            for (Kind k : values()) {
                if (k.wire().equalsIgnoreCase(text.trim())) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException("unknown kind '" + text + "': expected model or kernel");
    }
}
