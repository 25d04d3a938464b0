package io.airlock.formats;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds JSON objects embedded in binary bytes without parsing the container around them: the
 * bounded byte search behind the Keras {@code .h5} check. HDF5 keeps a string attribute such as
 * Keras's {@code model_config} as its plain bytes (in the object header, or in a heap object), so
 * the JSON that {@code json.loads} will read is in the file as written; where the HDF5 structure
 * puts it is not worked out here.
 *
 * <p>A candidate is a {@code '{'} followed by JSON whitespace and a {@code '"'} (a non-empty object;
 * key order, spacing and escapes do not matter). It is followed byte by byte by Python's JSON
 * grammar, {@code NaN} and {@code Infinity} included, so that nothing {@code json.loads} would take
 * is dropped as noise (the strict reader decides on what is kept), and kept when it closes. A
 * candidate that breaks sends the search on from its second byte, so an object that starts inside
 * a broken one is still found; one that closes sends it on past its end (what is inside is part of
 * it). Everything is bounded: an object's bytes and depth, the objects kept, and the bytes looked at
 * in all (at most {@code workPerByte} times the source plus {@code workFloor}), and a search that
 * hits a bound says so rather than reporting what it found as the whole answer.
 */
public final class EmbeddedJson {
    /**
     * Bounds of one search.
     *
     * @param maxObjectBytes bytes of one object: a longer one stops the search
     * @param maxDepth       nesting of one object: a deeper one stops the search
     * @param maxObjects     objects kept: one more stops the search
     * @param workPerByte    bytes looked at per byte of the source ...
     * @param workFloor      ... plus this many: past them the search stops
     */
    public record Limits(int maxObjectBytes, int maxDepth, int maxObjects, long workPerByte, long workFloor) {
        public Limits {
            if (maxObjectBytes < 2 || maxDepth < 1 || maxObjects < 1 || workPerByte < 1 || workFloor < 0) {
                throw new IllegalArgumentException("embedded JSON search bounds too small");
            }
        }

        /** 16 MiB and 64 levels an object (the strict reader's depth), 256 objects, 4 looks a byte plus 64 Mi. */
        public static Limits defaults() {
            return new Limits(16 << 20, 64, 256, 4, 64L << 20);
        }
    }

    /** An object that closed: where it starts and how many bytes it takes (at most the bound on one object). */
    public record Found(long offset, int length) {
    }

    /** Why a search ended before the end of the source; NONE when it reached it. */
    public enum Stop {
        NONE("the end of the bytes"),
        OBJECT_TOO_LONG("an object longer than the bound on one object's bytes"),
        TOO_DEEP("an object nested deeper than the bound"),
        TOO_MANY_OBJECTS("more objects than the bound"),
        WORK("the bound on bytes looked at (objects that keep breaking late)");

        private final String why;

        Stop(String why) {
            this.why = why;
        }

        /** One line for reports. */
        public String why() {
            return why;
        }
    }

    /**
     * What a search found.
     *
     * @param objects    objects that closed, in file order
     * @param searched   bytes of the source the search went through
     * @param stop       why it ended
     * @param stopOffset where the object that stopped it starts (or where the search was); -1 for NONE
     */
    public record Search(List<Found> objects, long searched, Stop stop, long stopOffset) {
        public Search {
            objects = List.copyOf(objects);
        }

        /** Whether the whole source was searched. */
        public boolean complete() {
            return stop == Stop.NONE;
        }
    }

    private EmbeddedJson() {
    }

    /** Searches the readable bytes of {@code src}. */
    public static Search search(ByteSource src, Limits limits) throws IOException {
        Window w = new Window(src, Math.addExact(Math.multiplyExact(limits.workPerByte(), src.readable()), limits.workFloor()));
        List<Found> found = new ArrayList<>();
        long end = src.readable();
        long pos = 0;
        try {
            while ((pos = w.next('{', pos, end)) < end) {
                if (!startsObject(w, pos + 1, end)) {
                    pos++;
                    continue;
                }
                Candidate c = new Candidate(w, pos, Math.min(end, pos + limits.maxObjectBytes()), limits.maxDepth());
                Stop why;
                try {
                    long close = c.object(pos, 0);
                    if (found.size() >= limits.maxObjects()) {
                        return new Search(found, pos, Stop.TOO_MANY_OBJECTS, pos);
                    }
                    found.add(new Found(pos, (int) (close - pos)));
                    pos = close;
                    continue;
                } catch (Broken b) {
                    why = b.why;
                }
                if (why != Stop.NONE) {
                    return new Search(found, pos, why, pos);
                }
                pos++;
            }
        } catch (OutOfWork e) {
            return new Search(found, pos, Stop.WORK, pos);
        }
        return new Search(found, end, Stop.NONE, -1);
    }

    /** After a '{': JSON whitespace, then a '"'. */
    private static boolean startsObject(Window w, long p, long end) throws IOException {
        while (p < end) {
            int b = w.at(p);
            if (b == '"') {
                return true;
            }
            if (!ws(b)) {
                return false;
            }
            p++;
        }
        return false;
    }

    private static boolean ws(int b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /** A candidate that broke: {@code why} is NONE for bytes that are no JSON, else the bound it hit. */
    private static final class Broken extends Exception {
        static final Broken INVALID = new Broken(Stop.NONE);
        static final Broken TOO_LONG = new Broken(Stop.OBJECT_TOO_LONG);
        static final Broken TOO_DEEP = new Broken(Stop.TOO_DEEP);
        final Stop why;

        private Broken(Stop why) {
            super(why.why(), null, false, false);
            this.why = why;
        }
    }

    private static final class OutOfWork extends RuntimeException {
        static final OutOfWork INSTANCE = new OutOfWork();

        private OutOfWork() {
            super("work bound", null, false, false);
        }
    }

    /** Python's JSON grammar over [start, limit): each method takes the offset of its first byte and returns the offset after it. */
    private static final class Candidate {
        private final Window w;
        private final long limit;
        private final long sourceEnd;
        private final int maxDepth;

        Candidate(Window w, long start, long limit, int maxDepth) {
            this.w = w;
            this.limit = limit;
            this.sourceEnd = w.src.readable();
            this.maxDepth = maxDepth;
        }

        private int at(long p) throws IOException, Broken {
            if (p >= limit) {
                // past the source's end the object is cut short (noise); at the bound it is too long to judge
                throw p >= sourceEnd ? Broken.INVALID : Broken.TOO_LONG;
            }
            return w.at(p);
        }

        private long skipWs(long p) throws IOException, Broken {
            while (ws(at(p))) {
                p++;
            }
            return p;
        }

        long object(long p, int depth) throws IOException, Broken {
            if (depth >= maxDepth) {
                throw Broken.TOO_DEEP;
            }
            p = skipWs(p + 1);
            if (at(p) == '}') {
                return p + 1;
            }
            while (true) {
                if (at(p) != '"') {
                    throw Broken.INVALID;
                }
                p = skipWs(string(p));
                if (at(p) != ':') {
                    throw Broken.INVALID;
                }
                p = skipWs(value(skipWs(p + 1), depth + 1));
                int b = at(p);
                if (b == '}') {
                    return p + 1;
                }
                if (b != ',') {
                    throw Broken.INVALID;
                }
                p = skipWs(p + 1);
            }
        }

        private long array(long p, int depth) throws IOException, Broken {
            if (depth >= maxDepth) {
                throw Broken.TOO_DEEP;
            }
            p = skipWs(p + 1);
            if (at(p) == ']') {
                return p + 1;
            }
            while (true) {
                p = skipWs(value(p, depth + 1));
                int b = at(p);
                if (b == ']') {
                    return p + 1;
                }
                if (b != ',') {
                    throw Broken.INVALID;
                }
                p = skipWs(p + 1);
            }
        }

        private long value(long p, int depth) throws IOException, Broken {
            int b = at(p);
            return switch (b) {
                case '{' -> object(p, depth);
                case '[' -> array(p, depth);
                case '"' -> string(p);
                case 't' -> literal(p, "true");
                case 'f' -> literal(p, "false");
                case 'n' -> literal(p, "null");
                case 'N' -> literal(p, "NaN");
                case 'I' -> literal(p, "Infinity");
                default -> {
                    if (b == '-' && at(p + 1) == 'I') {
                        yield literal(p + 1, "Infinity");
                    }
                    yield number(p);
                }
            };
        }

        private long literal(long p, String word) throws IOException, Broken {
            for (int i = 0; i < word.length(); i++) {
                if (at(p + i) != word.charAt(i)) {
                    throw Broken.INVALID;
                }
            }
            return p + word.length();
        }

        private long string(long p) throws IOException, Broken {
            p++;
            while (true) {
                int b = at(p);
                if (b == '"') {
                    return p + 1;
                }
                if (b < 0x20) {
                    throw Broken.INVALID; // json.loads refuses raw control characters in strings
                }
                if (b == '\\') {
                    int e = at(p + 1);
                    if (e == 'u') {
                        for (int i = 2; i < 6; i++) {
                            if (Character.digit(at(p + i), 16) < 0) {
                                throw Broken.INVALID;
                            }
                        }
                        p += 6;
                    } else if ("\"\\/bfnrt".indexOf(e) >= 0) {
                        p += 2;
                    } else {
                        throw Broken.INVALID;
                    }
                } else {
                    p++;
                }
            }
        }

        private long number(long p) throws IOException, Broken {
            if (at(p) == '-') {
                p++;
            }
            if (at(p) == '0') {
                p++;
            } else if (digit(at(p))) {
                p = digits(p);
            } else {
                throw Broken.INVALID;
            }
            if (at(p) == '.') {
                if (!digit(at(p + 1))) {
                    throw Broken.INVALID;
                }
                p = digits(p + 1);
            }
            int e = at(p);
            if (e == 'e' || e == 'E') {
                p++;
                if (at(p) == '+' || at(p) == '-') {
                    p++;
                }
                if (!digit(at(p))) {
                    throw Broken.INVALID;
                }
                p = digits(p);
            }
            return p;
        }

        private long digits(long p) throws IOException, Broken {
            while (digit(at(p))) {
                p++;
            }
            return p;
        }

        private static boolean digit(int b) {
            return b >= '0' && b <= '9';
        }
    }

    /** Reads through a 64 KiB window, counting every byte looked at against the work bound. */
    private static final class Window {
        final ByteSource src;
        private final byte[] buf = new byte[64 * 1024];
        private final long budget;
        private long start = -1;
        private int len;
        private long work;

        Window(ByteSource src, long budget) {
            this.src = src;
            this.budget = budget;
        }

        int at(long p) throws IOException {
            if (++work > budget) {
                throw OutOfWork.INSTANCE;
            }
            fill(p);
            return buf[(int) (p - start)] & 0xff;
        }

        /** The offset of the next {@code b} at or after {@code p}, or {@code end}: the search's own pass, a look a byte. */
        long next(int b, long p, long end) throws IOException {
            while (p < end) {
                fill(p);
                int from = (int) (p - start);
                int to = (int) Math.min(len, end - start);
                for (int i = from; i < to; i++) {
                    if (buf[i] == (byte) b) {
                        work += i - from + 1;
                        if (work > budget) {
                            throw OutOfWork.INSTANCE;
                        }
                        return start + i;
                    }
                }
                work += to - from;
                if (work > budget) {
                    throw OutOfWork.INSTANCE;
                }
                p = start + to;
            }
            return end;
        }

        private void fill(long p) throws IOException {
            if (p < start || p >= start + len) {
                start = p;
                len = Math.max(0, src.read(p, buf, 0, (int) Math.min(buf.length, src.readable() - p)));
                if (len == 0) {
                    throw new IOException("short read at " + p);
                }
            }
        }
    }
}
