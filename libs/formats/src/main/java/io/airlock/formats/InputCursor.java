package io.airlock.formats;

import java.io.IOException;
import java.io.InputStream;

/**
 * Sequential, bounded reads over one stream of bytes: a file region, a decompressed archive
 * member, a gzip body. Every length a parser reads from the input is checked against what
 * {@link #remaining()} says before it is used, so a lying count fails fast instead of allocating;
 * when the stream's length is unknown (a gzip body), large reads grow their buffer as bytes
 * actually arrive, never up front.
 *
 * <p>Running out of bytes throws a {@link FormatViolation} with the rule the owning parser chose
 * (its "truncated" rule), carrying the artifact offset where it happened.
 */
public final class InputCursor {
    /** Bytes kept in the read-ahead buffer. */
    static final int BUFFER = 64 * 1024;
    /** Reads of unknown-length streams grow in steps of this many bytes. */
    private static final int STEP = 1024 * 1024;

    private final InputStream in;
    private final long base;
    private final long length;
    private final String truncatedRule;
    private final byte[] buf = new byte[BUFFER];
    private int bufPos;
    private int bufLen;
    private long consumed;
    private boolean eof;

    /**
     * @param in            the bytes, read sequentially; the caller closes it
     * @param base          artifact offset of the stream's first byte, for locations
     * @param length        the stream's length when known, -1 when not
     * @param truncatedRule rule id of the violation thrown when the bytes run out
     */
    public InputCursor(InputStream in, long base, long length, String truncatedRule) {
        this.in = in;
        this.base = base;
        this.length = length;
        this.truncatedRule = truncatedRule;
    }

    /** A cursor over {@code [start, start + length)} of a source; the range must lie inside it. */
    public static InputCursor of(ByteSource src, long start, long length, String truncatedRule) {
        if (start < 0 || length < 0 || start > src.readable() - length) {
            throw new IllegalArgumentException("range " + start + "+" + length + " outside the source");
        }
        return new InputCursor(stream(src, start, length), start, length, truncatedRule);
    }

    /** An input stream over {@code [start, start + length)} of a source. */
    public static InputStream stream(ByteSource src, long start, long length) {
        return new InputStream() {
            long pos = start;
            final long end = start + length;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                int n = src.read(pos, b, off, (int) Math.min(len, end - pos));
                if (n <= 0) {
                    return -1;
                }
                pos += n;
                return n;
            }

            @Override
            public long skip(long n) {
                long k = Math.max(0, Math.min(n, end - pos));
                pos += k;
                return k;
            }
        };
    }

    /** Artifact offset of the next byte. */
    public long position() {
        return base + consumed;
    }

    /** Bytes consumed since the start of the stream. */
    public long consumed() {
        return consumed;
    }

    /** The stream's length, -1 when unknown. */
    public long length() {
        return length;
    }

    /** Bytes left when the length is known; {@link Long#MAX_VALUE} when it is not. */
    public long remaining() {
        return length < 0 ? Long.MAX_VALUE : length - consumed;
    }

    /** Whether no byte is left. */
    public boolean atEnd() throws IOException {
        return peek() < 0;
    }

    /** The next byte without consuming it, -1 at the end. */
    public int peek() throws IOException {
        if (!fill()) {
            return -1;
        }
        return buf[bufPos] & 0xff;
    }

    /** Up to {@code n} (at most 4096) next bytes without consuming them; fewer at the end. */
    public byte[] peekBytes(int n) throws IOException {
        n = Math.min(n, 4096);
        if (bufLen - bufPos < n && bufPos > 0) {
            // move what is left to the front, then top the buffer up
            System.arraycopy(buf, bufPos, buf, 0, bufLen - bufPos);
            bufLen -= bufPos;
            bufPos = 0;
        }
        while (bufLen - bufPos < n && !eof && (length < 0 || consumed + bufLen - bufPos < length)) {
            long room = buf.length - bufLen;
            int want = (int) (length < 0 ? room : Math.min(room, length - consumed - (bufLen - bufPos)));
            int k = in.read(buf, bufLen, want);
            if (k <= 0) {
                eof = true;
                break;
            }
            bufLen += k;
        }
        return java.util.Arrays.copyOfRange(buf, bufPos, Math.min(bufLen, bufPos + n));
    }

    /** Consumes one byte already seen by {@link #peek()}; does nothing at the end. */
    public void drainOne() throws IOException {
        if (fill()) {
            bufPos++;
            consumed++;
        }
    }

    public int u8() throws IOException, FormatViolation {
        if (!fill()) {
            throw truncated("1 byte");
        }
        consumed++;
        return buf[bufPos++] & 0xff;
    }

    public int u16() throws IOException, FormatViolation {
        return u8() | u8() << 8;
    }

    public long u32() throws IOException, FormatViolation {
        return (long) u16() | (long) u16() << 16;
    }

    /** A u64 as a signed long: callers reject negative values (top bit set) as out of range. */
    public long u64() throws IOException, FormatViolation {
        return u32() | u32() << 32;
    }

    /** Exactly {@code n} bytes; {@code n} is checked against what remains before anything is allocated. */
    public byte[] take(long n) throws IOException, FormatViolation {
        require(n, "a " + n + "-byte field");
        if (n > Integer.MAX_VALUE - 16) {
            throw new FormatViolation(truncatedRule, "a " + n + "-byte field is larger than one read may be", position());
        }
        int len = (int) n;
        byte[] out = new byte[length < 0 ? Math.min(len, STEP) : len];
        int done = 0;
        while (done < len) {
            if (!fill()) {
                throw truncated(len + " bytes (" + done + " there)");
            }
            if (done == out.length) {
                // unknown length: grow only as bytes really arrive
                out = java.util.Arrays.copyOf(out, (int) Math.min(len, (long) out.length * 2));
            }
            int k = Math.min(len - done, Math.min(bufLen - bufPos, out.length - done));
            System.arraycopy(buf, bufPos, out, done, k);
            bufPos += k;
            done += k;
            consumed += k;
        }
        return out;
    }

    /**
     * Skips {@code n} bytes, keeping the first {@code keep} of them. The bytes are read, not
     * seeked over, so a digest or CRC computed beneath this cursor sees them.
     */
    public byte[] skipKeeping(long n, int keep) throws IOException, FormatViolation {
        require(n, "a " + n + "-byte field");
        byte[] kept = take(Math.min(n, keep));
        skip(n - kept.length);
        return kept;
    }

    /** Skips exactly {@code n} bytes. */
    public void skip(long n) throws IOException, FormatViolation {
        require(n, n + " bytes");
        long left = n;
        while (left > 0) {
            if (!fill()) {
                throw truncated(n + " bytes (" + (n - left) + " there)");
            }
            int k = (int) Math.min(left, bufLen - bufPos);
            bufPos += k;
            consumed += k;
            left -= k;
        }
    }

    /** Skips to the end of the stream; returns how many bytes that was. */
    public long drain() throws IOException {
        long n = 0;
        while (fill()) {
            int k = bufLen - bufPos;
            n += k;
            consumed += k;
            bufPos = bufLen;
        }
        return n;
    }

    /**
     * A line ended by '\n' (the newline consumed, not returned), keeping at most {@code keep}
     * bytes of it; longer lines are read to their end and reported as cut.
     */
    public Line line(int keep) throws IOException, FormatViolation {
        long start = position();
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        long total = 0;
        int last = -1;
        while (true) {
            if (!fill()) {
                throw truncated("the end of a line that started at offset " + start);
            }
            int i = bufPos;
            while (i < bufLen && buf[i] != '\n') {
                i++;
            }
            int k = i - bufPos;
            int room = (int) Math.max(0, Math.min(k, keep - total));
            kept.write(buf, bufPos, room);
            if (k > 0) {
                last = buf[i - 1] & 0xff;
            }
            total += k;
            consumed += k;
            bufPos = i;
            if (i < bufLen) {
                bufPos++;
                consumed++;
                return new Line(kept.toByteArray(), total, total > keep, last);
            }
        }
    }

    /**
     * One line.
     *
     * @param kept   the first bytes of the line, without the newline
     * @param length the line's full length
     * @param cut    true when {@code kept} is shorter than the line
     * @param last   the line's last byte (before the newline), -1 for an empty line
     */
    public record Line(byte[] kept, long length, boolean cut, int last) {
    }

    /** Fails unless {@code n} more bytes can exist. */
    public void require(long n, String what) throws FormatViolation {
        if (n < 0) {
            throw new FormatViolation(truncatedRule, what + ": negative length", position());
        }
        if (n > remaining()) {
            throw new FormatViolation(truncatedRule, what + " runs past the end: " + remaining() + " bytes remain",
                    position());
        }
    }

    private FormatViolation truncated(String what) {
        return new FormatViolation(truncatedRule, "the bytes end before " + what, position());
    }

    private boolean fill() throws IOException {
        if (bufPos < bufLen) {
            return true;
        }
        if (eof || length >= 0 && consumed >= length) {
            return false;
        }
        int want = length < 0 ? buf.length : (int) Math.min(buf.length, length - consumed);
        int n = in.read(buf, 0, want);
        if (n <= 0) {
            eof = true;
            return false;
        }
        bufPos = 0;
        bufLen = n;
        return true;
    }
}
