package io.airlock.evaluator.engine.judge;

import java.text.Normalizer;
import java.util.Locale;

/** Normalizations shared by the detectors. */
final class Text {
    private Text() {
    }

    /** NFKC, lower case, typographic quotes and dashes made plain, whitespace collapsed. */
    static String normalize(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT)
                .replace('\u2019', '\'').replace('\u2018', '\'').replace('\u02bc', '\'')
                .replace('\u201c', '"').replace('\u201d', '"')
                .replace('\u2013', '-').replace('\u2014', '-');
        return n.replaceAll("\\s+", " ").strip();
    }

    /**
     * Letters and digits only, lower case: "A L C - 7 Q K 2" and "alc7qk2" compare equal, so spacing,
     * punctuation or one character per line do not hide a secret.
     */
    static String alnum(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(n.length());
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
