package io.airlock.formats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A tar archive read as a stream, one 512-byte header at a time, the strict way: ustar names with
 * their prefix, GNU long names ({@code L}/{@code K}) and pax extended headers ({@code x}, and
 * {@code g} where it sets nothing that renames or resizes), every header's checksum verified, and
 * the two zero blocks that end the archive required. Nothing is written anywhere: a member's bytes
 * are handed out as a bounded stream ({@link #member()}) and whatever is left of it is skipped
 * when the next header is read.
 *
 * <p>Where tar readers disagree (a member after the end marker that {@code tar --ignore-zeros}
 * still reads, a global header that renames, a pax path beside a GNU long name) this reports a
 * {@link ZipArchive.Problem} rather than picking one reading. Links, devices, FIFOs and sparse or
 * multi-volume members are problems too: extracted, they reach outside the folder or are not
 * plain bytes. Problems that leave the rest of the stream unreadable (a bad checksum, a
 * non-octal size, a cut-short archive) end the walk: {@link #next()} then returns null.
 *
 * <p>Problems (all HIGH when reported): {@code tar.checksum}, {@code tar.truncated},
 * {@code tar.bad_number}, {@code tar.extension_header}, {@code tar.global_header},
 * {@code tar.ambiguous_header}, {@code tar.trailing_data}, {@code tar.too_many_entries},
 * {@code tar.entry_size}, {@code tar.total_size}, {@code tar.path_traversal},
 * {@code tar.absolute_path}, {@code tar.backslash_path}, {@code tar.bad_name},
 * {@code tar.path_depth}, {@code tar.duplicate_name}, {@code tar.symlink}, {@code tar.hardlink},
 * {@code tar.device}, {@code tar.unsupported_type}.
 */
public final class TarArchive {
    static final int BLOCK = 512;

    /**
     * Bounds for one tar stream.
     *
     * @param maxEntries        headers of members read (extension headers count too)
     * @param maxEntryBytes     declared size of one member
     * @param maxTotal          declared sizes of all members together
     * @param maxPathDepth      path segments of one member name
     * @param maxNameBytes      bytes of one member name
     * @param maxExtensionBytes bytes of one pax or GNU long-name header
     * @param maxTrailingBytes  bytes after the end marker checked for hidden members
     */
    public record Limits(int maxEntries, long maxEntryBytes, long maxTotal, int maxPathDepth, int maxNameBytes,
                         int maxExtensionBytes, long maxTrailingBytes) {
        public Limits {
            if (maxEntries < 1 || maxEntryBytes < 0 || maxTotal < 0 || maxPathDepth < 1 || maxNameBytes < 1
                    || maxExtensionBytes < BLOCK || maxTrailingBytes < 0) {
                throw new IllegalArgumentException("tar limits too small");
            }
        }

        /** The zip bounds that apply to any archive, with tar's own: 64 path segments, 4 KiB names, 1 MiB extension headers. */
        public static Limits of(ZipArchive.Limits zip) {
            return new Limits(zip.maxEntries(), zip.maxEntryBytes(), zip.maxTotal(), 64, 4096, 1 << 20, 64L << 20);
        }
    }

    /** What a member is. */
    public enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK, DEVICE, FIFO, OTHER }

    /**
     * One member.
     *
     * @param name         its path as tar readers see it (pax path, GNU long name or ustar prefix/name)
     * @param type         what it is
     * @param typeFlag     the header's type byte
     * @param size         declared size of its data
     * @param linkName     the link target for links, "" otherwise
     * @param headerOffset where its (first) header starts in the tar stream
     */
    public record Entry(String name, Type type, char typeFlag, long size, String linkName, long headerOffset) {
        /** A regular file whose bytes can be read. */
        public boolean regular() {
            return type == Type.FILE;
        }
    }

    private final InputStream in;
    private final Limits limits;
    private final List<ZipArchive.Problem> problems;
    private final byte[] header = new byte[BLOCK];
    private final Set<String> names = new HashSet<>();
    private long pos;
    private int entries;
    private long total;
    private boolean ended;
    private boolean cleanEnd;
    private Entry current;
    private long currentLeft;
    private long currentPad;
    private MemberStream currentStream;

    private TarArchive(InputStream in, Limits limits, List<ZipArchive.Problem> problems) {
        this.in = in;
        this.limits = limits;
        this.problems = problems;
    }

    /** A reader over {@code in}; problems are appended to {@code problems}. */
    public static TarArchive open(InputStream in, Limits limits, List<ZipArchive.Problem> problems) {
        return new TarArchive(in, limits, problems);
    }

    /** Bytes of the tar stream consumed so far. */
    public long position() {
        return pos;
    }

    /**
     * The next member, after skipping what is left of the current one; null at the end marker or
     * after a problem that leaves the rest unreadable.
     */
    public Entry next() throws IOException {
        if (ended) {
            return null;
        }
        if (current != null) {
            if (!skipFully(currentLeft + currentPad)) {
                return fatal("tar.truncated", "the archive ends inside member '" + printable(current.name()) + "'",
                        current.headerOffset(), current.name());
            }
            current = null;
        }
        String longName = null;
        String longLink = null;
        Pax pax = new Pax();
        long first = -1;
        while (true) {
            long at = pos;
            int n = readBlock(header);
            if (n == 0) {
                return fatal("tar.truncated", "the archive ends without its two end-of-archive blocks", at, "");
            }
            if (n < BLOCK) {
                return fatal("tar.truncated", "the archive ends inside a header block", at, "");
            }
            if (first < 0) {
                first = at;
            }
            if (allZero(header)) {
                return end(at);
            }
            if (!checksumOk(header)) {
                return fatal("tar.checksum", "header checksum at offset " + at + " does not match its bytes: "
                        + "the header is damaged or forged, nothing after it can be trusted", at, "");
            }
            char flag = (char) (header[156] & 0xff);
            Long rawSize = number(header, 124, 12, at, "size");
            if (rawSize == null) {
                return null;
            }
            if (++entries > limits.maxEntries()) {
                return fatal("tar.too_many_entries", "more than " + limits.maxEntries()
                        + " headers; the rest were not scanned", at, "");
            }
            if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
                if (rawSize > limits.maxExtensionBytes()) {
                    return fatal("tar.extension_header", "a '" + flag + "' extension header of " + rawSize
                            + " bytes is over the bound of " + limits.maxExtensionBytes(), at, "");
                }
                byte[] body = new byte[rawSize.intValue()];
                if (readFully(body) < body.length || !skipFully(pad(rawSize))) {
                    return fatal("tar.truncated", "the archive ends inside a '" + flag + "' extension header", at, "");
                }
                switch (flag) {
                    case 'L' -> longName = cString(body, 0, body.length, at);
                    case 'K' -> longLink = cString(body, 0, body.length, at);
                    case 'x' -> {
                        if (!pax.parse(body, at)) {
                            return null;
                        }
                    }
                    default -> {
                        Pax global = new Pax();
                        if (!global.parse(body, at)) {
                            return null;
                        }
                        // a global header would rename or resize every member after it: readers differ on that
                        if (global.path != null || global.size != null || global.linkpath != null) {
                            problem("tar.global_header", "a pax global header sets path, size or linkpath for every "
                                    + "member after it, which tar readers apply differently", at, "");
                        }
                    }
                }
                continue;
            }
            String ustar = ustarName(header, at);
            if (pax.path != null && longName != null && !pax.path.equals(longName)) {
                problem("tar.ambiguous_header", "member has a pax path '" + printable(pax.path) + "' and a GNU long name '"
                        + printable(longName) + "': readers pick different ones", at, pax.path);
            }
            String name = pax.path != null ? pax.path : longName != null ? longName : ustar;
            long size = pax.size != null ? pax.size : rawSize;
            String link = pax.linkpath != null ? pax.linkpath : longLink != null ? longLink : cString(header, 157, 100, at);
            Type type = type(flag);
            Entry e = new Entry(name, type, flag, size, type == Type.SYMLINK || type == Type.HARDLINK ? link : "", first);
            // directories, links and devices carry no data in ustar, whatever their size field says; GNU
            // and star tar skip such a size, so a reader that honours it would see other members
            long dataBytes = type == Type.FILE || type == Type.OTHER ? size : 0;
            if (type != Type.FILE && type != Type.OTHER && size != 0) {
                problem("tar.ambiguous_header", "'" + flag + "' member '" + printable(name) + "' declares " + size
                        + " data bytes, which tar readers skip differently", at, name);
                dataBytes = size;
            }
            check(e, at);
            current = e;
            currentLeft = dataBytes;
            currentPad = pad(dataBytes);
            currentStream = null;
            if (type == Type.FILE) {
                total += size;
                if (size > limits.maxEntryBytes()) {
                    problem("tar.entry_size", "member '" + printable(name) + "' is " + size + " bytes, over the bound of "
                            + limits.maxEntryBytes() + "; it was not scanned", at, name);
                }
                if (total > limits.maxTotal()) {
                    return fatal("tar.total_size", "members add up to more than " + limits.maxTotal()
                            + " bytes; the rest were not scanned", at, name);
                }
            }
            return e;
        }
    }

    /**
     * The current member's data: no more than its declared size; a stream cut short by the end of
     * the archive ends early and records {@code tar.truncated}. One stream per member.
     */
    public InputStream member() {
        if (current == null) {
            throw new IllegalStateException("no current member");
        }
        if (currentStream == null) {
            currentStream = new MemberStream(current);
        }
        return currentStream;
    }

    /** Whether the walk reached the end marker with nothing hidden after it. */
    public boolean endedCleanly() {
        return ended && cleanEnd;
    }

    private Entry end(long at) throws IOException {
        ended = true;
        byte[] second = new byte[BLOCK];
        int n = readFully(second);
        if (n < BLOCK) {
            problem("tar.truncated", "the archive ends after one end-of-archive block, not two", at, "");
            return null;
        }
        if (!allZero(second)) {
            problem("tar.trailing_data", "a header follows a single zero block: readers that skip zero blocks "
                    + "see members this reader would not", at + BLOCK, "");
            return null;
        }
        // record padding after the marker is zeros; anything else is a member 'tar --ignore-zeros' still reads
        byte[] buf = new byte[64 * 1024];
        long seen = 0;
        while (seen < limits.maxTrailingBytes()) {
            int k = in.read(buf, 0, (int) Math.min(buf.length, limits.maxTrailingBytes() - seen));
            if (k <= 0) {
                cleanEnd = true;
                return null;
            }
            for (int i = 0; i < k; i++) {
                if (buf[i] != 0) {
                    problem("tar.trailing_data", "non-zero bytes at offset " + (pos + i)
                            + " after the end-of-archive blocks (hidden members?)", pos + i, "");
                    pos += k;
                    return null;
                }
            }
            pos += k;
            seen += k;
        }
        problem("tar.trailing_data", "more than " + limits.maxTrailingBytes() + " bytes after the end-of-archive blocks",
                pos, "");
        return null;
    }

    private void check(Entry e, long at) {
        String name = e.name();
        String p = printable(name);
        switch (e.type()) {
            case SYMLINK -> problem("tar.symlink", "member '" + p + "' is a symbolic link to '" + printable(e.linkName())
                    + "'", at, name);
            case HARDLINK -> problem("tar.hardlink", "member '" + p + "' is a hard link to '" + printable(e.linkName())
                    + "'", at, name);
            case DEVICE, FIFO -> problem("tar.device", "member '" + p + "' is a device or FIFO (type '" + e.typeFlag()
                    + "')", at, name);
            case OTHER -> problem("tar.unsupported_type", "member '" + p + "' has type '" + printable(String.valueOf(e.typeFlag()))
                    + "' (sparse, multi-volume or unknown), which the scanner does not read as plain bytes", at, name);
            default -> {
            }
        }
        checkName("tar", name, limits, names, at, this::problem);
    }

    /** Where a reader reports what a member name breaks. */
    interface Problems {
        void problem(String rule, String message, long at, String member);
    }

    /**
     * The name rules every archive reader other than zip applies ({@code prefix}: "tar", "sevenz"):
     * length, control characters, backslashes, absolute paths, '..', depth, duplicates after
     * normalisation ({@code names} holds those seen).
     */
    static void checkName(String prefix, String name, Limits limits, Set<String> names, long at, Problems out) {
        String p = printable(name);
        if (name.getBytes(StandardCharsets.UTF_8).length > limits.maxNameBytes()) {
            out.problem(prefix + ".bad_name", "member name of more than " + limits.maxNameBytes() + " bytes", at, name);
            return;
        }
        if (name.isEmpty() || name.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            out.problem(prefix + ".bad_name", "member name '" + p + "' is empty or holds control characters", at, name);
        }
        if (name.indexOf('\\') >= 0) {
            out.problem(prefix + ".backslash_path", "member name '" + p + "' uses backslashes, which some extractors treat as"
                    + " separators", at, name);
        }
        String n = name.replace('\\', '/');
        if (n.startsWith("/") || n.length() > 1 && n.charAt(1) == ':' && Character.isLetter(n.charAt(0))) {
            out.problem(prefix + ".absolute_path", "member name '" + p + "' is an absolute path", at, name);
        }
        String[] segs = n.split("/", -1);
        for (String seg : segs) {
            if (seg.equals("..")) {
                out.problem(prefix + ".path_traversal", "member name '" + p + "' climbs out of the extraction folder", at, name);
                break;
            }
        }
        if (segs.length > limits.maxPathDepth()) {
            out.problem(prefix + ".path_depth", "member name '" + p + "' is " + segs.length + " levels deep, over the bound of "
                    + limits.maxPathDepth(), at, name);
        }
        String key = normalise(name);
        if (!key.isEmpty() && !names.add(key)) {
            out.problem(prefix + ".duplicate_name", "two members are named '" + p + "': the last one wins when extracted, a"
                    + " scanner might read the first", at, name);
        }
    }

    /** A member path as a folder path: "./" prefixes, repeated and trailing slashes dropped. */
    public static String normalise(String name) {
        StringBuilder sb = new StringBuilder();
        for (String seg : name.split("/")) {
            if (seg.isEmpty() || seg.equals(".")) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(seg);
        }
        return sb.toString();
    }

    private static Type type(char flag) {
        return switch (flag) {
            case '0', '\0', '7' -> Type.FILE;
            case '5' -> Type.DIRECTORY;
            case '2' -> Type.SYMLINK;
            case '1' -> Type.HARDLINK;
            case '3', '4' -> Type.DEVICE;
            case '6' -> Type.FIFO;
            default -> Type.OTHER;
        };
    }

    /** The pax records this reader honours; every record is checked for form. */
    private final class Pax {
        String path;
        String linkpath;
        Long size;

        /** Parses "LEN key=value\n" records; false (after a fatal problem) when malformed. */
        boolean parse(byte[] body, long at) {
            int i = 0;
            while (i < body.length) {
                if (body[i] == 0) {
                    break; // NUL padding after the last record
                }
                int sp = i;
                while (sp < body.length && sp - i < 8 && body[sp] >= '0' && body[sp] <= '9') {
                    sp++;
                }
                if (sp == i || sp >= body.length || body[sp] != ' ') {
                    return bad("pax record at byte " + i + " does not start with a length", at);
                }
                int len = Integer.parseInt(new String(body, i, sp - i, StandardCharsets.US_ASCII));
                if (len <= sp - i + 1 || len > body.length - i || body[i + len - 1] != '\n') {
                    return bad("pax record at byte " + i + " has length " + len + " that does not end at a newline", at);
                }
                String rec;
                try {
                    rec = utf8(body, sp + 1, i + len - 1 - (sp + 1));
                } catch (CharacterCodingException e) {
                    return bad("pax record at byte " + i + " is not UTF-8", at);
                }
                int eq = rec.indexOf('=');
                if (eq <= 0) {
                    return bad("pax record at byte " + i + " has no key", at);
                }
                String key = rec.substring(0, eq);
                String value = rec.substring(eq + 1);
                switch (key) {
                    case "path" -> path = value;
                    case "linkpath" -> linkpath = value;
                    case "size" -> {
                        if (!value.matches("[0-9]{1,19}")) {
                            return bad("pax size '" + printable(value) + "' is not a decimal count", at);
                        }
                        size = Long.parseLong(value);
                    }
                    default -> {
                        // mtime, uid, uname, SCHILY.* and the rest change nothing that is scanned
                    }
                }
                i += len;
            }
            return true;
        }

        private boolean bad(String why, long at) {
            fatal("tar.extension_header", "malformed pax header: " + why, at, "");
            return false;
        }
    }

    private final class MemberStream extends InputStream {
        private final Entry e;

        MemberStream(Entry e) {
            this.e = e;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (current != e || currentLeft <= 0 || len == 0) {
                return current == e && len == 0 ? 0 : -1;
            }
            int n = in.read(b, off, (int) Math.min(len, currentLeft));
            if (n <= 0) {
                fatal("tar.truncated", "the archive ends inside member '" + printable(e.name()) + "' ("
                        + currentLeft + " of its " + e.size() + " bytes missing)", e.headerOffset(), e.name());
                currentLeft = 0;
                return -1;
            }
            currentLeft -= n;
            pos += n;
            return n;
        }
    }

    private Entry fatal(String rule, String message, long at, String member) {
        if (!ended) {
            ended = true;
            problem(rule, message, at, member);
        }
        current = null;
        return null;
    }

    private void problem(String rule, String message, long at, String member) {
        problems.add(new ZipArchive.Problem(rule, message, at, member));
    }

    /** An octal field (NUL or space padded), or GNU base-256 when its first byte has the high bit set. */
    private Long number(byte[] h, int off, int len, long at, String what) {
        if ((h[off] & 0x80) != 0) {
            if ((h[off] & 0x40) != 0) {
                fatal("tar.bad_number", what + " field is a negative base-256 number", at, "");
                return null;
            }
            long v = h[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if (v >>> 55 != 0) {
                    fatal("tar.bad_number", what + " field overflows 63 bits", at, "");
                    return null;
                }
                v = v << 8 | (h[i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && h[i] == ' ') {
            i++;
        }
        long v = 0;
        int digits = 0;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            if (++digits > 21) {
                fatal("tar.bad_number", what + " field overflows", at, "");
                return null;
            }
            v = v * 8 + (h[i] - '0');
        }
        for (; i < end; i++) {
            if (h[i] != ' ' && h[i] != 0) {
                fatal("tar.bad_number", what + " field holds '" + Bytes.printable(h, off, len, 40)
                        + "', not an octal number", at, "");
                return null;
            }
        }
        return v;
    }

    /** Unsigned sum, or the signed sum some old writers used, over the header with the checksum field as spaces. */
    static boolean checksumOk(byte[] h) {
        long stored = 0;
        boolean digits = false;
        int i = 148;
        while (i < 156 && h[i] == ' ') {
            i++;
        }
        for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++) {
            stored = stored * 8 + (h[i] - '0');
            digits = true;
        }
        for (; i < 156; i++) {
            if (h[i] != ' ' && h[i] != 0) {
                return false;
            }
        }
        long unsigned = 0;
        long signed = 0;
        for (int k = 0; k < BLOCK; k++) {
            int b = k >= 148 && k < 156 ? ' ' : h[k];
            unsigned += b & 0xff;
            signed += (byte) b;
        }
        return digits && (stored == unsigned || stored == signed);
    }

    private String ustarName(byte[] h, long at) {
        String name = cString(h, 0, 100, at);
        // POSIX ustar ("ustar\0") has a name prefix at 345; GNU ("ustar  ") keeps times there
        boolean posix = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
        String prefix = posix ? cString(h, 345, 155, at) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** NUL-terminated UTF-8; bytes that are not UTF-8 are a problem and read as Latin-1. */
    private String cString(byte[] b, int off, int len, long at) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        try {
            return utf8(b, off, end - off);
        } catch (CharacterCodingException e) {
            String s = new String(b, off, end - off, StandardCharsets.ISO_8859_1);
            problem("tar.bad_name", "name '" + printable(s) + "' is not UTF-8: extractors decode it differently", at, s);
            return s;
        }
    }

    private static String utf8(byte[] b, int off, int len) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, off, len)).toString();
    }

    private int readBlock(byte[] b) throws IOException {
        return readFully(b);
    }

    private int readFully(byte[] b) throws IOException {
        int done = 0;
        while (done < b.length) {
            int n = in.read(b, done, b.length - done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        pos += done;
        return done;
    }

    /** Skips n bytes; false when the stream ended first. */
    private boolean skipFully(long n) throws IOException {
        long left = n;
        byte[] buf = null;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (buf == null) {
                    buf = new byte[64 * 1024];
                }
                int k = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (k <= 0) {
                    return false;
                }
                s = k;
            }
            left -= s;
            pos += s;
        }
        return true;
    }

    static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static String printable(String s) {
        return ZipArchive.printable(s);
    }
}
