package io.airlock.formats;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a zip archive's member names from its central directory (the index a zip reader trusts),
 * or, when only the head of the archive is at hand, from the local headers in that head.
 *
 * <p>Every count, size and offset read from the archive is checked against the bytes that remain
 * before it is used; the central directory is streamed in bounded chunks and at most
 * {@code maxEntries} names are kept.
 */
public final class ZipDirectory {
    static final int LOCAL_SIG = 0x04034b50;
    static final int CENTRAL_SIG = 0x02014b50;
    static final int EOCD_SIG = 0x06054b50;
    static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    static final int ZIP64_EOCD_SIG = 0x06064b50;
    static final int EOCD_LEN = 22;
    static final int MAX_COMMENT = 0xffff;

    /**
     * What the directory says.
     *
     * @param names             member names in directory order (at most the limit asked for)
     * @param declaredEntries   how many entries the end record declares
     * @param truncated         true when more entries existed than were read
     * @param fromCentral       true when read from the central directory, false from local headers in a head
     * @param centralOffset     where the central directory really starts
     * @param prefixBytes       bytes before the first entry that the offsets do not account for (0 normally)
     * @param endRecords        how many end-of-central-directory signatures the tail holds (1 normally)
     * @param zip64             whether zip64 records were used
     */
    public record Listing(List<String> names, long declaredEntries, boolean truncated, boolean fromCentral,
                          long centralOffset, long prefixBytes, int endRecords, boolean zip64) {
        public Listing {
            names = List.copyOf(names);
        }
    }

    private ZipDirectory() {
    }

    /** Whether the tail of the source holds an end-of-central-directory record. */
    public static boolean hasEndRecord(ByteSource src) throws IOException {
        return ZipEnd.present(src);
    }

    /**
     * Reads the central directory of a whole archive ({@code src.readable() == src.size()}).
     *
     * @throws MalformedException when the end records or the directory are inconsistent with the
     *                            file, or when zip readers would disagree on where the directory is
     */
    public static Listing read(ByteSource src, long maxDirectoryBytes, int maxEntries)
            throws IOException, MalformedException {
        ZipEnd end = ZipEnd.read(src);
        if (!end.disagreements().isEmpty()) {
            throw new FormatViolation("zip.zip64_mismatch", end.disagreements().get(0), end.position());
        }
        long entries = end.entries();
        long cdSize = end.directorySize();
        long cdStart = end.directoryStart();
        List<String> names = new ArrayList<>();
        long limitBytes = Math.min(cdSize, maxDirectoryBytes);
        Cursor c = new Cursor(src, cdStart, cdStart + limitBytes);
        boolean truncated = cdSize > maxDirectoryBytes;
        for (long i = 0; i < entries; i++) {
            if (names.size() >= maxEntries) {
                truncated = true;
                break;
            }
            if (c.remaining() < 46) {
                if (truncated) {
                    break;
                }
                throw new MalformedException("central directory entry " + i + " cut short", c.pos);
            }
            long at = c.pos;
            byte[] h = c.take(46);
            if (Bytes.u32le(h, 0) != CENTRAL_SIG) {
                throw new MalformedException("central directory entry " + i + " has a bad signature", at);
            }
            int nameLen = Bytes.u16le(h, 28);
            int rest = Bytes.u16le(h, 30) + Bytes.u16le(h, 32);
            if (c.remaining() < (long) nameLen + rest) {
                if (truncated) {
                    break;
                }
                throw new MalformedException("central directory entry " + i + " runs past the directory", at);
            }
            names.add(decodeName(c.take(nameLen), (Bytes.u16le(h, 8) & 0x800) != 0));
            c.skip(rest);
        }
        return new Listing(names, entries, truncated, true, cdStart, end.prefix(), 1 + end.otherEndRecords().size(),
                end.zip64());
    }

    /**
     * Walks the local headers found in a head of the archive. Stops at the first entry whose data
     * size is deferred to a data descriptor, or where the head ends.
     */
    public static Listing readLocal(ByteSource src, int maxEntries) throws IOException, MalformedException {
        List<String> names = new ArrayList<>();
        long pos = 0;
        boolean truncated = false;
        while (true) {
            if (names.size() >= maxEntries || src.readable() - pos < 30) {
                truncated = true;
                break;
            }
            byte[] h = src.readExactly(pos, 30);
            long sig = Bytes.u32le(h, 0);
            if (sig == CENTRAL_SIG || sig == EOCD_SIG) {
                break; // reached the directory: the head held every entry
            }
            if (sig != LOCAL_SIG) {
                throw new MalformedException("expected a local file header", pos);
            }
            int flags = Bytes.u16le(h, 6);
            long compressed = Bytes.u32le(h, 18);
            int nameLen = Bytes.u16le(h, 26);
            int extraLen = Bytes.u16le(h, 28);
            long dataStart = pos + 30 + nameLen + extraLen;
            if (dataStart > src.size()) {
                throw new MalformedException("local header name and extra run past the file", pos);
            }
            if (dataStart > src.readable()) {
                truncated = true;
                break;
            }
            names.add(decodeName(src.readExactly(pos + 30, nameLen), (flags & 0x800) != 0));
            if ((flags & 0x08) != 0 || compressed == 0xffffffffL) {
                truncated = true; // size deferred or in zip64 extra: cannot step to the next header
                break;
            }
            if (compressed > src.size() - dataStart) {
                throw new MalformedException("local entry data runs past the file", pos);
            }
            pos = dataStart + compressed;
        }
        return new Listing(names, names.size(), truncated, false, -1, 0, 0, false);
    }

    private static String decodeName(byte[] raw, boolean utf8) {
        return new String(raw, utf8 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    }

    /** Sequential reads over [pos, end) in 64 KiB chunks. */
    private static final class Cursor {
        private final ByteSource src;
        private final long end;
        private final byte[] buf = new byte[64 * 1024];
        private long bufStart;
        private int bufLen;
        long pos;

        Cursor(ByteSource src, long start, long end) {
            this.src = src;
            this.pos = start;
            this.bufStart = start;
            this.end = end;
        }

        long remaining() {
            return end - pos;
        }

        byte[] take(int n) throws IOException {
            byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                if (pos < bufStart || pos >= bufStart + bufLen) {
                    bufStart = pos;
                    bufLen = src.read(pos, buf, 0, (int) Math.min(buf.length, end - pos));
                    if (bufLen <= 0) {
                        throw new IOException("short read at " + pos);
                    }
                }
                int k = (int) Math.min(n - done, bufStart + bufLen - pos);
                System.arraycopy(buf, (int) (pos - bufStart), out, done, k);
                done += k;
                pos += k;
            }
            return out;
        }

        void skip(long n) {
            pos += n;
        }
    }
}
