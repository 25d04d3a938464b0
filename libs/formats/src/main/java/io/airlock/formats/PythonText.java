package io.airlock.formats;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Tells Python source from other bytes: strict UTF-8 text without NUL or stray control bytes, with
 * at least one line that only Python writes (an import, a def, a class, a decorator, a main guard
 * or a python shebang).
 */
public final class PythonText {
    private static final Pattern PYTHON_LINE = Pattern.compile(
            "^(?:import\\s+[A-Za-z_][\\w.]*"
                    + "|from\\s+\\.*[A-Za-z_][\\w.]*\\s+import\\s"
                    + "|from\\s+\\.+\\s+import\\s"
                    + "|[ \\t]*(?:async\\s+)?def\\s+[A-Za-z_]\\w*\\s*\\("
                    + "|[ \\t]*class\\s+[A-Za-z_]\\w*\\s*[(:]"
                    + "|[ \\t]*@[A-Za-z_][\\w.]*"
                    + "|if\\s+__name__\\s*==)");
    private static final Pattern SHEBANG = Pattern.compile("^#![^\\n]*python");

    /**
     * What the text check saw.
     *
     * @param text      the head is text (UTF-8, no NUL or control bytes other than whitespace)
     * @param python    it also looks like Python
     * @param evidence  why, in one line
     */
    public record Verdict(boolean text, boolean python, String evidence) {
    }

    private PythonText() {
    }

    /**
     * Judges the head of an artifact.
     *
     * @param complete whether the head is the whole artifact (else a character cut at its end is fine)
     */
    public static Verdict judge(byte[] head, boolean complete) {
        Optional<String> decoded = decode(head, complete);
        if (decoded.isEmpty()) {
            return new Verdict(false, false, "not UTF-8 text");
        }
        String s = decoded.get();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f) {
                return new Verdict(false, false, String.format("control byte 0x%02x at character %d", (int) c, i));
            }
        }
        if (s.startsWith("\ufeff")) {
            s = s.substring(1);
        }
        if (SHEBANG.matcher(s).find()) {
            return new Verdict(true, true, "UTF-8 text with a python shebang");
        }
        int lineNo = 0;
        for (String line : s.split("\r?\n|\r", 10_000)) {
            lineNo++;
            if (PYTHON_LINE.matcher(line).find()) {
                String shown = line.strip();
                return new Verdict(true, true, "UTF-8 text, Python statement at line " + lineNo + ": '"
                        + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown) + "'");
            }
        }
        return new Verdict(true, false, "UTF-8 text without any Python statement in the first "
                + head.length + " bytes");
    }

    private static Optional<String> decode(byte[] head, boolean complete) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(head);
        CharBuffer out = CharBuffer.allocate(head.length + 1);
        // a head may cut its last character in two: without end-of-input the decoder leaves it unread
        CoderResult r = d.decode(in, out, complete);
        if (r.isError() || in.remaining() > 3 || complete && in.hasRemaining()) {
            return Optional.empty();
        }
        out.flip();
        return Optional.of(out.toString());
    }
}
