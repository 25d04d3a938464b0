package io.airlock.formats;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A zip archive read the strict way: every central directory entry with its local header, the
 * layout of the entries in the file, and each member's bytes streamed through a bounded inflater
 * with its CRC checked. Where zip readers disagree (two end records, bytes before the first entry,
 * local and central headers that differ, overlapping or hidden bytes, encryption flags, bad CRCs)
 * this reports a {@link Problem} instead of picking one reading, because a scanner that reads a
 * different archive than the loader is the classic way past a scanner.
 *
 * <p>Problems (all HIGH when reported): {@code zip.multiple_end_records}, {@code zip.prefix_data},
 * {@code zip.gap}, {@code zip.overlap}, {@code zip.header_mismatch}, {@code zip.encrypted},
 * {@code zip.unsupported_method}, {@code zip.crc_mismatch}, {@code zip.size_mismatch},
 * {@code zip.compression_ratio}, {@code zip.too_many_entries}, {@code zip.total_size},
 * {@code zip.path_traversal}, {@code zip.absolute_path}, {@code zip.backslash_path},
 * {@code zip.bad_name}, {@code zip.duplicate_name}, {@code zip.symlink},
 * {@code zip.unicode_path_mismatch}, {@code zip.zip64_mismatch} (end records read by {@link ZipEnd}); a directory that cannot be read at all throws {@code zip.malformed}.
 *
 * <p>Names are judged as every reader may see them: a member's Info-ZIP Unicode Path extra field
 * (0x7075) renames it for the readers that honour the field, so a field naming something else
 * than the header is reported, and the name it carries gets the same path checks and takes part
 * in the duplicate check.
 */
public final class ZipArchive {
    static final int DESCRIPTOR_SIG = 0x08074b50;
    static final int STORED = 0;
    static final int DEFLATED = 8;
    /** Info-ZIP Unicode Path extra field (APPNOTE 4.6.9). */
    static final int UNICODE_PATH = 0x7075;

    /**
     * Bounds for one archive.
     *
     * @param maxEntries        entries read from the central directory
     * @param maxRatio          uncompressed / compressed bytes of one member, once it is past {@code ratioFloor}
     * @param ratioFloor        bytes a member may inflate to whatever its ratio: honest archives deflate
     *                          zero-filled arrays near deflate's 1032:1 ceiling, and a bomb is only a bomb
     *                          when it is big
     * @param maxTotal          uncompressed bytes of all members together
     * @param maxDirectoryBytes bytes of central directory read
     * @param maxEntryBytes     uncompressed bytes of one member (tar members too)
     */
    public record Limits(int maxEntries, long maxRatio, long ratioFloor, long maxTotal, long maxDirectoryBytes,
                         long maxEntryBytes) {
        /** 20 GiB: the largest single file the default model policy takes. */
        public static final long DEFAULT_MAX_ENTRY_BYTES = 20L << 30;

        /** Bounds with the default per-member bound, or {@code maxTotal} when that is smaller. */
        public Limits(int maxEntries, long maxRatio, long ratioFloor, long maxTotal, long maxDirectoryBytes) {
            this(maxEntries, maxRatio, ratioFloor, maxTotal, maxDirectoryBytes, Math.min(maxTotal, DEFAULT_MAX_ENTRY_BYTES));
        }

        public static Limits defaults() {
            return new Limits(100_000, 500, 64L << 20, 64L << 30, 64L << 20);
        }
    }

    /**
     * One problem.
     *
     * @param rule    stable rule id
     * @param message what is wrong
     * @param offset  where in the archive
     * @param member  the member's name, "" for the archive as a whole
     */
    public record Problem(String rule, String message, long offset, String member) {
    }

    /**
     * One member, as the central directory describes it, checked against its local header.
     *
     * @param name          decoded name
     * @param flags         general purpose flags
     * @param method        compression method
     * @param crc           CRC-32 of the uncompressed bytes
     * @param compressed    compressed size
     * @param size          uncompressed size
     * @param localOffset   where its local header really is (prefix bytes accounted for)
     * @param dataStart     where its data starts, after the local header's own name and extra
     * @param end           where it ends, data descriptor included
     * @param symlink       its Unix mode says symbolic link
     */
    public record Entry(String name, int flags, int method, long crc, long compressed, long size, long localOffset,
                        long dataStart, long end, boolean symlink) {
        /** Encrypted (traditional or strong). */
        public boolean encrypted() {
            return (flags & 0x1) != 0 || (flags & 0x40) != 0 || (flags & 0x2000) != 0;
        }

        /** A directory entry. */
        public boolean directory() {
            return name.endsWith("/") && size == 0;
        }
    }

    /**
     * What the archive holds.
     *
     * @param entries         entries in directory order (those read)
     * @param declaredEntries entries the end record declares
     * @param centralStart    where the central directory is
     * @param prefix          bytes before the first entry that the offsets do not account for
     * @param zip64           whether zip64 records are used
     * @param problems        everything wrong with the layout and headers
     */
    public record Directory(List<Entry> entries, long declaredEntries, long centralStart, long prefix, boolean zip64,
                            List<Problem> problems) {
        public Directory {
            entries = List.copyOf(entries);
            problems = List.copyOf(problems);
        }
    }

    private ZipArchive() {
    }

    /**
     * Reads and checks the central directory, every local header and the entries' layout. Does
     * not read member data (see {@link #open}).
     *
     * @throws FormatViolation {@code zip.malformed} when there is no usable directory
     */
    public static Directory read(ByteSource src, Limits limits) throws IOException, FormatViolation {
        if (src.readable() != src.size()) {
            throw new IllegalArgumentException("the central directory needs the whole archive");
        }
        ZipEnd end = ZipEnd.read(src);
        try {
            return read(src, end, limits);
        } catch (FormatViolation v) {
            if (end.disagreements().isEmpty()) {
                throw v;
            }
            // the zip64 reading does not hold together: the reason is that the records disagree
            throw new FormatViolation("zip.zip64_mismatch", end.disagreements().get(0) + "; read by the zip64 record, "
                    + v.getMessage(), end.position());
        }
    }

    private static Directory read(ByteSource src, ZipEnd end, Limits limits) throws IOException, FormatViolation {
        List<Problem> problems = new ArrayList<>();
        long endPos = end.position();
        for (String d : end.disagreements()) {
            problems.add(new Problem("zip.zip64_mismatch", d, endPos, ""));
        }
        long entries = end.entries();
        long cdSize = end.directorySize();
        long cdStart = end.directoryStart();
        long prefix = end.prefix();
        boolean zip64 = end.zip64();
        if (cdSize > limits.maxDirectoryBytes()) {
            problems.add(new Problem("zip.too_many_entries", "central directory of " + cdSize + " bytes is over the bound of "
                    + limits.maxDirectoryBytes(), cdStart, ""));
        }
        InputCursor c = InputCursor.of(src, cdStart, Math.min(cdSize, limits.maxDirectoryBytes()), "zip.malformed");
        List<Entry> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> seenAs = new HashSet<>(); // names as a reader honouring the Unicode Path field sees them
        for (long i = 0; i < entries; i++) {
            if (out.size() >= limits.maxEntries()) {
                problems.add(new Problem("zip.too_many_entries", "archive declares " + entries + " entries, over the bound of "
                        + limits.maxEntries() + "; the rest were not scanned", cdStart, ""));
                break;
            }
            if (c.remaining() < 46) {
                if (cdSize > limits.maxDirectoryBytes()) {
                    break;
                }
                throw malformed("central directory entry " + i + " cut short", c.position());
            }
            Central ce = central(src, c, i, prefix, zip64, problems);
            Entry en = ce.entry();
            boolean sameName = !names.add(en.name());
            boolean sameUnicodeName = !seenAs.add(ce.unicodeName() != null ? ce.unicodeName() : en.name());
            if (sameName) {
                problems.add(new Problem("zip.duplicate_name", "two entries are named '" + printable(en.name())
                        + "': readers disagree on which one counts", en.localOffset(), en.name()));
            } else if (sameUnicodeName) {
                problems.add(new Problem("zip.duplicate_name", "two entries are named '" + printable(ce.unicodeName() != null
                        ? ce.unicodeName() : en.name()) + "' for readers that honour the Unicode Path extra field (0x7075):"
                        + " they disagree on which one counts", en.localOffset(), en.name()));
            }
            out.add(en);
        }
        if (out.size() == entries && c.remaining() > 0 && cdSize <= limits.maxDirectoryBytes()) {
            problems.add(new Problem("zip.gap", c.remaining() + " bytes of central directory beyond its " + entries
                    + " declared entries", c.position(), ""));
        }
        layout(out, prefix, cdStart, problems);
        // a record inside a member's data is that member's business (a stored zip); anywhere else it is a second record
        long others = end.otherEndRecords().stream()
                .filter(p -> out.stream().noneMatch(en -> p >= en.dataStart() && p < en.end())).count();
        if (others > 0) {
            problems.add(new Problem("zip.multiple_end_records", (others + 1) + " end-of-central-directory records outside"
                    + " any member: readers that search differently see different archives", endPos, ""));
        }
        return new Directory(out, entries, cdStart, prefix, zip64, problems);
    }

    /** A central directory entry and the name its Unicode Path extra field gives it (null when none differs). */
    private record Central(Entry entry, String unicodeName) {
    }

    private static Central central(ByteSource src, InputCursor c, long index, long prefix, boolean zip64Archive,
                                   List<Problem> problems) throws IOException, FormatViolation {
        long at = c.position();
        byte[] h = c.take(46);
        if (Bytes.u32le(h, 0) != ZipDirectory.CENTRAL_SIG) {
            throw malformed("central directory entry " + index + " has a bad signature", at);
        }
        int madeBy = Bytes.u16le(h, 4);
        int flags = Bytes.u16le(h, 8);
        int method = Bytes.u16le(h, 10);
        long crc = Bytes.u32le(h, 16);
        long comp = Bytes.u32le(h, 20);
        long size = Bytes.u32le(h, 24);
        int nameLen = Bytes.u16le(h, 28);
        int extraLen = Bytes.u16le(h, 30);
        int commentLen = Bytes.u16le(h, 32);
        int disk = Bytes.u16le(h, 34);
        long external = Bytes.u32le(h, 38);
        long local = Bytes.u32le(h, 42);
        c.require((long) nameLen + extraLen + commentLen, "central directory entry " + index + " name, extra and comment");
        byte[] rawName = c.take(nameLen);
        byte[] extra = c.take(extraLen);
        c.skip(commentLen);
        String name = decodeName(rawName, (flags & 0x800) != 0);
        long[] z = zip64(extra, size == 0xffffffffL, comp == 0xffffffffL, local == 0xffffffffL);
        if (z != null) {
            size = z[0] >= 0 ? z[0] : size;
            comp = z[1] >= 0 ? z[1] : comp;
            local = z[2] >= 0 ? z[2] : local;
        } else if (size == 0xffffffffL || comp == 0xffffffffL || local == 0xffffffffL) {
            throw malformed("entry '" + printable(name) + "' needs a zip64 extra field and has none", at);
        }
        if (size < 0 || comp < 0 || local < 0) {
            throw malformed("entry '" + printable(name) + "' has sizes or an offset over 2^63", at);
        }
        if (disk != 0) {
            throw malformed("entry '" + printable(name) + "' lives on disk " + disk, at);
        }
        checkName(name, "entry name", at, name, problems);
        UnicodePath unicode = UnicodePath.of(extra);
        String unicodeName = unicodePath(unicode, rawName, name, flags, at, "central", problems);
        // Unix mode in the high half of the external attributes, when made on Unix (host 3)
        boolean symlink = (madeBy >> 8) == 3 && ((external >>> 16) & 0xf000) == 0xa000;
        if (symlink) {
            problems.add(new Problem("zip.symlink", "entry '" + printable(name) + "' is a symbolic link", at, name));
        }
        if ((flags & 0x1) != 0 || (flags & 0x40) != 0 || (flags & 0x2000) != 0) {
            problems.add(new Problem("zip.encrypted", "entry '" + printable(name) + "' is encrypted (flags 0x"
                    + Integer.toHexString(flags) + "): its content cannot be scanned", at, name));
        } else if (method != STORED && method != DEFLATED) {
            problems.add(new Problem("zip.unsupported_method", "entry '" + printable(name) + "' uses compression method "
                    + method + ", which the scanner does not read", at, name));
        }
        if (method == STORED && comp != size && (flags & 0x1) == 0) {
            problems.add(new Problem("zip.size_mismatch", "stored entry '" + printable(name) + "' has compressed size " + comp
                    + " and size " + size, at, name));
        }
        long localAt = local + prefix;
        return new Central(localHeader(src, name, rawName, flags, method, crc, comp, size, localAt, symlink, unicode, problems),
                unicodeName);
    }

    /** Reads the entry's local header and data descriptor and compares them with the central entry. */
    private static Entry localHeader(ByteSource src, String name, byte[] rawName, int flags, int method, long crc,
                                     long comp, long size, long at, boolean symlink, UnicodePath centralUnicode,
                                     List<Problem> problems)
            throws IOException, FormatViolation {
        long fileSize = src.size();
        if (at > fileSize - 30) {
            throw malformed("entry '" + printable(name) + "' local header offset " + at + " is outside the file", at);
        }
        byte[] h = src.readExactly(at, 30);
        if (Bytes.u32le(h, 0) != ZipDirectory.LOCAL_SIG) {
            throw malformed("entry '" + printable(name) + "' has no local header at " + at, at);
        }
        int lflags = Bytes.u16le(h, 6);
        int lmethod = Bytes.u16le(h, 8);
        long lcrc = Bytes.u32le(h, 14);
        long lcomp = Bytes.u32le(h, 18);
        long lsize = Bytes.u32le(h, 22);
        int nameLen = Bytes.u16le(h, 26);
        int extraLen = Bytes.u16le(h, 28);
        long dataStart = at + 30 + nameLen + extraLen;
        if (dataStart > fileSize) {
            throw malformed("entry '" + printable(name) + "' local name and extra run past the file", at);
        }
        byte[] lname = src.readExactly(at + 30, nameLen);
        byte[] lextra = src.readExactly(at + 30 + nameLen, extraLen);
        List<String> diffs = new ArrayList<>();
        if (!Arrays.equals(lname, rawName)) {
            diffs.add("name '" + printable(decodeName(lname, (lflags & 0x800) != 0)) + "' locally");
        }
        if (lmethod != method) {
            diffs.add("method " + lmethod + " locally, " + method + " centrally");
        }
        int mask = 0x1 | 0x8 | 0x40 | 0x800 | 0x2000;
        if ((lflags & mask) != (flags & mask)) {
            diffs.add("flags 0x" + Integer.toHexString(lflags) + " locally, 0x" + Integer.toHexString(flags) + " centrally");
        }
        UnicodePath localUnicode = UnicodePath.of(lextra);
        if (localUnicode != null && !localUnicode.equals(centralUnicode) && Arrays.equals(lname, rawName)) {
            // Info-ZIP unzip reads the local field too; one that repeats the central field was judged there
            unicodePath(localUnicode, rawName, name, flags, at, "local", problems);
        }
        long[] z = zip64(lextra, lsize == 0xffffffffL || lcomp == 0xffffffffL, lsize == 0xffffffffL || lcomp == 0xffffffffL, false);
        if (z != null) {
            lsize = z[0] >= 0 ? z[0] : lsize;
            lcomp = z[1] >= 0 ? z[1] : lcomp;
        }
        boolean descriptor = (lflags & 0x8) != 0;
        if (!descriptor || lcrc != 0 || lcomp != 0 || lsize != 0) {
            if (lcrc != crc) {
                diffs.add(String.format("CRC %08x locally, %08x centrally", lcrc, crc));
            }
            if (lcomp != comp || lsize != size) {
                diffs.add("sizes " + lcomp + "/" + lsize + " locally, " + comp + "/" + size + " centrally");
            }
        }
        if (comp > fileSize - dataStart) {
            throw malformed("entry '" + printable(name) + "' data of " + comp + " bytes runs past the file", dataStart);
        }
        long end = dataStart + comp;
        if (descriptor) {
            // an optional signature, the CRC, then 4- or 8-byte sizes: take the reading that agrees with the directory
            long left = fileSize - end;
            byte[] d = src.readExactly(end, (int) Math.min(24, left));
            int sig = d.length >= 4 && Bytes.u32le(d, 0) == DESCRIPTOR_SIG ? 4 : 0;
            boolean wide = size > 0xfffffffeL || comp > 0xfffffffeL || z != null;
            int len = sig + (wide ? 20 : 12);
            if (d.length < len) {
                throw malformed("entry '" + printable(name) + "' data descriptor runs past the file", end);
            }
            long dcrc = Bytes.u32le(d, sig);
            long dcomp = wide ? Bytes.u64le(d, sig + 4) : Bytes.u32le(d, sig + 4);
            long dsize = wide ? Bytes.u64le(d, sig + 12) : Bytes.u32le(d, sig + 8);
            if (dcrc != crc || dcomp != comp || dsize != size) {
                diffs.add(String.format("data descriptor CRC %08x sizes %d/%d, directory CRC %08x sizes %d/%d",
                        dcrc, dcomp, dsize, crc, comp, size));
            }
            end += len;
        }
        if (!diffs.isEmpty()) {
            problems.add(new Problem("zip.header_mismatch", "entry '" + printable(name) + "': local and central headers "
                    + "disagree: " + String.join("; ", diffs), at, name));
        }
        return new Entry(name, flags, method, crc, comp, size, at, dataStart, end, symlink);
    }

    /**
     * Where the data of the first extra field {@code id} starts in {@code extra} (its length in the
     * two bytes before), or -1 when there is none or the block runs past its end before reaching it.
     */
    private static int extraField(byte[] extra, int id) {
        int i = 0;
        while (i + 4 <= extra.length) {
            int len = Bytes.u16le(extra, i + 2);
            if (i + 4 + len > extra.length) {
                return -1;
            }
            if (Bytes.u16le(extra, i) == id) {
                return i + 4;
            }
            i += 4 + len;
        }
        return -1;
    }

    /** Values from a zip64 extra field for the fields that are marked present, -1 for the others; null when absent. */
    private static long[] zip64(byte[] extra, boolean hasSize, boolean hasComp, boolean hasLocal) {
        int p = extraField(extra, 0x0001);
        if (p < 0) {
            return null;
        }
        long[] out = {-1, -1, -1};
        int end = p + Bytes.u16le(extra, p - 2);
        boolean[] want = {hasSize, hasComp, hasLocal};
        for (int k = 0; k < 3; k++) {
            if (want[k] && p + 8 <= end) {
                out[k] = Bytes.u64le(extra, p);
                p += 8;
            }
        }
        return out;
    }

    /**
     * The path checks of one name: {@code what} says which ("entry name", or the name a Unicode Path
     * field gives the entry {@code member}).
     */
    private static void checkName(String name, String what, long at, String member, List<Problem> problems) {
        String p = printable(name);
        if (name.isEmpty() || name.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            problems.add(new Problem("zip.bad_name", what + " '" + p + "' is empty or holds control characters", at, member));
        }
        if (name.indexOf('\\') >= 0) {
            problems.add(new Problem("zip.backslash_path", what + " '" + p + "' uses backslashes, which some extractors"
                    + " treat as separators", at, member));
        }
        String n = name.replace('\\', '/');
        if (n.startsWith("/") || n.length() > 1 && n.charAt(1) == ':' && Character.isLetter(n.charAt(0))) {
            problems.add(new Problem("zip.absolute_path", what + " '" + p + "' is an absolute path", at, member));
        }
        for (String seg : n.split("/", -1)) {
            if (seg.equals("..")) {
                problems.add(new Problem("zip.path_traversal", what + " '" + p + "' climbs out of the extraction folder", at, member));
                break;
            }
        }
    }

    /**
     * An Info-ZIP Unicode Path extra field: {@code malformed} when its data is shorter than the
     * version and CRC-32 it must start with (Python's zipfile then refuses the archive).
     */
    private record UnicodePath(int version, long nameCrc, byte[] name, boolean malformed) {
        /** The first 0x7075 field of an extra block, or null. */
        static UnicodePath of(byte[] extra) {
            int p = extraField(extra, UNICODE_PATH);
            if (p < 0) {
                return null;
            }
            int len = Bytes.u16le(extra, p - 2);
            if (len < 5) {
                return new UnicodePath(-1, -1, new byte[0], true);
            }
            return new UnicodePath(extra[p] & 0xff, Bytes.u32le(extra, p + 1), Arrays.copyOfRange(extra, p + 5, p + len), false);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof UnicodePath u && u.version == version && u.nameCrc == nameCrc && Arrays.equals(u.name, name)
                    && u.malformed == malformed;
        }

        @Override
        public int hashCode() {
            return 31 * Long.hashCode(nameCrc) + Arrays.hashCode(name);
        }
    }

    /**
     * Judges a Unicode Path field against the header name it renames; returns the name it gives
     * the entry when that differs, else null. APPNOTE 4.6.9 tells readers to ignore a field whose
     * CRC-32 is not that of the header name (Python's zipfile, Info-ZIP and yauzl do; several smaller
     * readers take the name without the check), so a differing name is reported whatever its CRC and version, with
     * what each says in the message. A header name in a legacy code page (no UTF-8 flag, bytes over
     * 0x7f) that the field spells in UTF-8 is the field's purpose: the two agree when they are the
     * same apart from the non-ASCII letters, each run of them standing for one in the other.
     */
    private static String unicodePath(UnicodePath u, byte[] rawName, String name, int flags, long at, String header,
                                      List<Problem> problems) {
        if (u == null) {
            return null;
        }
        String p = printable(name);
        if (u.malformed()) {
            problems.add(new Problem("zip.unicode_path_mismatch", "entry '" + p + "' has a Unicode Path extra field (0x7075)"
                    + " in its " + header + " header too short for its version and CRC-32: Python's zipfile refuses the archive,"
                    + " other readers ignore the field", at, name));
            return null;
        }
        CRC32 crc = new CRC32();
        crc.update(rawName);
        boolean honoured = u.version() == 1 && u.nameCrc() == crc.getValue();
        String why = honoured ? "its CRC-32 matches the header name, so Python 3.12+ zipfile, Info-ZIP unzip and 7-Zip"
                + " unpack the entry under the field's name"
                : "its " + (u.version() != 1 ? "version is " + u.version() : "CRC-32 is not that of the header name")
                + ", so compliant readers ignore it, but readers that skip the check (several do) unpack the entry under"
                + " the field's name";
        if (u.name().length == 0) {
            return null; // an empty field: readers keep the header name
        }
        String unicode;
        try {
            unicode = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(u.name())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            problems.add(new Problem("zip.unicode_path_mismatch", "entry '" + p + "' has a Unicode Path extra field (0x7075)"
                    + " in its " + header + " header whose name is not valid UTF-8 (" + why + "; Python's zipfile refuses"
                    + " the archive)", at, name));
            return null;
        }
        if (Arrays.equals(u.name(), rawName) || unicode.equals(name) || sameSpelling(rawName, unicode, flags)) {
            return null;
        }
        problems.add(new Problem("zip.unicode_path_mismatch", "entry '" + p + "' has a Unicode Path extra field (0x7075)"
                + " in its " + header + " header naming it '" + printable(unicode) + "': " + why + ", most others under"
                + " the header name; two readers unpack different files", at, name));
        checkName(unicode, "Unicode Path name of '" + p + "'", at, name, problems);
        return unicode;
    }

    /**
     * Whether a header name in an unknown legacy code page and a UTF-8 name are the same name: every
     * ASCII character equal and in place, each run of bytes over 0x7f in the header standing for a
     * run of letters, digits or marks in the UTF-8 name (no punctuation: a full-width dot is no letter).
     */
    private static boolean sameSpelling(byte[] rawName, String unicode, int flags) {
        if ((flags & 0x800) != 0) {
            return false; // the header is UTF-8 already: the names must be equal
        }
        StringBuilder a = new StringBuilder();
        boolean legacy = false;
        for (int i = 0; i < rawName.length; i++) {
            if ((rawName[i] & 0x80) != 0) {
                legacy = true;
                if (i == 0 || (rawName[i - 1] & 0x80) == 0) {
                    a.append('\0');
                }
            } else {
                a.append((char) rawName[i]);
            }
        }
        if (!legacy) {
            return false; // an ASCII header name needs no Unicode spelling
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < unicode.length(); ) {
            int cp = unicode.codePointAt(i);
            if (cp < 0x80) {
                b.append((char) cp);
            } else if (Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.NON_SPACING_MARK
                    || Character.getType(cp) == Character.COMBINING_SPACING_MARK) {
                if (b.isEmpty() || b.charAt(b.length() - 1) != '\0') {
                    b.append('\0');
                }
            } else {
                return false;
            }
            i += Character.charCount(cp);
        }
        return a.toString().contentEquals(b);
    }

    /** Entries must tile the file from offset 0 to the central directory: no prefix, no gaps, no overlap. */
    private static void layout(List<Entry> entries, long prefix, long cdStart, List<Problem> problems) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::localOffset));
        long expected = 0;
        if (prefix > 0) {
            problems.add(new Problem("zip.prefix_data", prefix + " bytes before the first entry that the archive's offsets"
                    + " do not account for (something else is glued in front)", 0, ""));
            expected = prefix;
        }
        for (Entry e : sorted) {
            if (e.localOffset() > expected) {
                problems.add(new Problem(expected == prefix && prefix == 0 ? "zip.prefix_data" : "zip.gap",
                        (e.localOffset() - expected) + " bytes at offset " + expected + " belong to no entry (before '"
                                + printable(e.name()) + "')", expected, e.name()));
            } else if (e.localOffset() < expected) {
                problems.add(new Problem("zip.overlap", "entry '" + printable(e.name()) + "' at offset " + e.localOffset()
                        + " overlaps the entry before it, which ends at " + expected, e.localOffset(), e.name()));
            }
            expected = Math.max(expected, e.end());
        }
        if (expected < cdStart && !sorted.isEmpty()) {
            problems.add(new Problem("zip.gap", (cdStart - expected) + " bytes between the last entry and the central"
                    + " directory belong to no entry", expected, ""));
        } else if (expected > cdStart) {
            problems.add(new Problem("zip.overlap", "entry data runs into the central directory at " + cdStart, cdStart, ""));
        }
    }

    /**
     * Streams a member's uncompressed bytes, never more than its declared size and never at a
     * higher ratio than allowed; its CRC and sizes are checked once it has been read to the end.
     * Data errors do not throw: they become problems, and the stream ends early.
     */
    public static MemberStream open(ByteSource src, Entry e, Limits limits, List<Problem> problems) {
        return new MemberStream(src, e, limits, problems);
    }

    /** See {@link #open}. */
    public static final class MemberStream extends InputStream {
        private final Entry e;
        private final Limits limits;
        private final List<Problem> problems;
        private final InputStream raw;
        private final Inflater inflater;
        private final byte[] in = new byte[64 * 1024];
        private final CRC32 crc = new CRC32();
        private long produced;
        private long consumedIn;
        private boolean done;
        private boolean failed;

        MemberStream(ByteSource src, Entry e, Limits limits, List<Problem> problems) {
            this.e = e;
            this.limits = limits;
            this.problems = problems;
            this.raw = InputCursor.stream(src, e.dataStart(), e.compressed());
            this.inflater = e.method() == DEFLATED ? new Inflater(true) : null;
            if (e.encrypted() || e.method() != STORED && e.method() != DEFLATED) {
                done = true;
                failed = true;
            }
        }

        /** Bytes produced so far. */
        public long produced() {
            return produced;
        }

        /** Whether the member could not be read to its end as declared. */
        public boolean failed() {
            return failed;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (!done) {
                int n = inflater == null ? readStored(b, off, len) : readDeflated(b, off, len);
                if (n > 0) {
                    crc.update(b, off, n);
                    produced += n;
                    if (produced > e.size()) {
                        fail("zip.size_mismatch", "entry '" + printable(e.name()) + "' yields more than its declared "
                                + e.size() + " bytes");
                        return -1;
                    }
                    if (inflater != null && produced > limits.ratioFloor()
                            && produced > limits.maxRatio() * Math.max(consumedIn, 1) + 64 * 1024) {
                        fail("zip.compression_ratio", "entry '" + printable(e.name()) + "' inflates more than "
                                + limits.maxRatio() + " times its compressed size");
                        return -1;
                    }
                    return n;
                }
                if (n < 0) {
                    finish();
                }
            }
            return -1;
        }

        private int readStored(byte[] b, int off, int len) throws IOException {
            int n = raw.read(b, off, len);
            if (n > 0) {
                consumedIn += n;
            }
            return n;
        }

        private int readDeflated(byte[] b, int off, int len) throws IOException {
            try {
                if (inflater.needsInput() && !inflater.finished()) {
                    int n = raw.read(in, 0, in.length);
                    if (n <= 0) {
                        fail("zip.size_mismatch", "entry '" + printable(e.name()) + "' deflate data ends before its stream does");
                        return -1;
                    }
                    consumedIn += n;
                    inflater.setInput(in, 0, n);
                }
                if (inflater.finished()) {
                    return -1;
                }
                int n = inflater.inflate(b, off, len);
                if (n == 0 && inflater.needsDictionary()) {
                    fail("zip.malformed", "entry '" + printable(e.name()) + "' deflate data asks for a preset dictionary");
                    return -1;
                }
                return n;
            } catch (DataFormatException x) {
                fail("zip.malformed", "entry '" + printable(e.name()) + "' has invalid deflate data: " + x.getMessage());
                return -1;
            }
        }

        private void finish() throws IOException {
            if (done) {
                return;
            }
            done = true;
            if (inflater != null) {
                long trailing = inflater.getRemaining() + drain(raw);
                inflater.end();
                if (trailing > 0) {
                    problem("zip.size_mismatch", "entry '" + printable(e.name()) + "' has " + trailing
                            + " compressed bytes after its deflate stream ends");
                }
            }
            if (produced != e.size()) {
                problem("zip.size_mismatch", "entry '" + printable(e.name()) + "' yields " + produced + " bytes, its headers say "
                        + e.size());
                failed = true;
            } else if (crc.getValue() != e.crc()) {
                problem("zip.crc_mismatch", String.format("entry '%s' CRC-32 is %08x, its headers say %08x",
                        printable(e.name()), crc.getValue(), e.crc()));
            }
        }

        private void fail(String rule, String message) {
            if (!done) {
                done = true;
                failed = true;
                if (inflater != null) {
                    inflater.end();
                }
                problem(rule, message);
            }
        }

        private void problem(String rule, String message) {
            problems.add(new Problem(rule, message, e.localOffset(), e.name()));
        }

        private static long drain(InputStream s) throws IOException {
            long n = 0;
            byte[] buf = new byte[8192];
            int k;
            while ((k = s.read(buf)) > 0) {
                n += k;
            }
            return n;
        }

        @Override
        public void close() {
            if (inflater != null && !done) {
                inflater.end();
            }
            done = true;
        }
    }

    private static String decodeName(byte[] raw, boolean utf8) {
        return new String(raw, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    }

    private static FormatViolation malformed(String why, long at) {
        return new FormatViolation("zip.malformed", why, at);
    }

    /** A name as printable ASCII for messages, cut at 120 characters. */
    public static String printable(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Bytes.printable(b, 0, b.length, 120);
    }

    /** Lower-case base name of a member, for the few decisions that depend on names (data.pkl). */
    public static String baseName(String name) {
        String n = name.replace('\\', '/');
        return n.substring(n.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    }
}
