package io.airlock.formats;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where a zip archive's central directory is, read from its end records: the one set of
 * end-record and zip64 rules that every zip reader in Airlock uses.
 *
 * <p>A zip64 locator right before the classic end record means zip64 records are in use,
 * whatever the classic fields say: PyTorch's writer, Python's {@code zipfile} and Java's jar
 * writer all write them for small archives too, and the central directory then ends where the
 * zip64 end record begins, 76 bytes before the classic record. Readers differ on which values
 * they trust: Python's {@code zipfile} takes the zip64 record's values whenever the locator is
 * there, Java's {@code ZipFile} falls back to the classic ones when a non-saturated classic field
 * disagrees, and Python finds the zip64 record right before its locator while Java and Info-ZIP
 * follow the locator's offset. So every classic field that is not saturated must equal its zip64
 * value, and the locator must point at the record before it: anything else is listed in
 * {@link #disagreements()} (the zip64 reading is the one returned, so the archive can still be
 * analysed as the loaders that use it see it).
 *
 * @param position        where the classic end record is
 * @param entries         entries in the central directory
 * @param directoryStart  where the central directory really starts
 * @param directorySize   its size in bytes
 * @param prefix          bytes before the first entry that the archive's offsets do not account for
 * @param zip64           whether zip64 end records are in use
 * @param otherEndRecords positions of other end records in the tail that a reader searching
 *                        differently could take for the real one
 * @param disagreements   what the zip64 and classic records, or the locator and its record, disagree on
 */
public record ZipEnd(long position, long entries, long directoryStart, long directorySize, long prefix, boolean zip64,
                     List<Long> otherEndRecords, List<String> disagreements) {
    static final int LOCATOR_LEN = 20;
    static final int ZIP64_END_LEN = 56;

    public ZipEnd {
        otherEndRecords = List.copyOf(otherEndRecords);
        disagreements = List.copyOf(disagreements);
    }

    /** Where the central directory ends (where the end records begin). */
    public long directoryEnd() {
        return directoryStart + directorySize;
    }

    /** Whether the tail of a whole source holds a well-placed end record. */
    public static boolean present(ByteSource src) throws IOException {
        return src.readable() == src.size() && wellPlaced(src).found >= 0;
    }

    /**
     * Reads the end records of a whole archive ({@code src.readable() == src.size()}).
     *
     * @throws FormatViolation {@code zip.malformed} when there is no usable end record or the
     *                         directory it describes cannot be where it says
     */
    public static ZipEnd read(ByteSource src) throws IOException, FormatViolation {
        if (src.readable() != src.size()) {
            throw new IllegalArgumentException("the end records need the whole archive");
        }
        Tail t = wellPlaced(src);
        if (t.tail.length < ZipDirectory.EOCD_LEN) {
            throw malformed("a " + src.size() + "-byte file is too short for a zip end record", 0);
        }
        if (t.found < 0) {
            throw malformed("no end-of-central-directory record whose comment reaches the end of the file", t.start);
        }
        long endPos = t.start + t.found;
        byte[] e = Arrays.copyOfRange(t.tail, t.found, t.found + ZipDirectory.EOCD_LEN);
        if (Bytes.u16le(e, 4) != 0 || Bytes.u16le(e, 6) != 0 || Bytes.u16le(e, 8) != Bytes.u16le(e, 10)) {
            throw malformed("multi-disk archives are not accepted", endPos);
        }
        long entries = Bytes.u16le(e, 10);
        long cdSize = Bytes.u32le(e, 12);
        long cdOffset = Bytes.u32le(e, 16);
        long dirEnd = endPos;
        boolean zip64 = false;
        List<String> disagreements = new ArrayList<>();
        long locatorClaim = -1;
        long locPos = endPos - LOCATOR_LEN;
        if (locPos >= 0 && Bytes.u32le(src.readExactly(locPos, 4), 0) == ZipDirectory.ZIP64_LOCATOR_SIG) {
            byte[] loc = src.readExactly(locPos, LOCATOR_LEN);
            if (Bytes.u32le(loc, 4) != 0 || Bytes.u32le(loc, 16) > 1) {
                throw malformed("multi-disk archives are not accepted (zip64 locator)", locPos);
            }
            long recPos = locPos - ZIP64_END_LEN;
            if (recPos < 0) {
                throw malformed("zip64 locator with no room for a zip64 end record before it", locPos);
            }
            byte[] z = src.readExactly(recPos, ZIP64_END_LEN);
            if (Bytes.u32le(z, 0) != ZipDirectory.ZIP64_EOCD_SIG) {
                throw malformed("zip64 locator without a zip64 end record right before it", recPos);
            }
            // readers that find the record before the locator and readers that follow the locator
            // must land on the same 56 bytes: an extensible data sector would move it
            if (Bytes.u64le(z, 4) != 44) {
                throw malformed("zip64 end record with an extensible data sector is not accepted", recPos);
            }
            if (Bytes.u32le(z, 16) != 0 || Bytes.u32le(z, 20) != 0 || Bytes.u64le(z, 24) != Bytes.u64le(z, 32)) {
                throw malformed("multi-disk archives are not accepted (zip64 end record)", recPos);
            }
            long entries64 = Bytes.u64le(z, 32);
            long cdSize64 = Bytes.u64le(z, 40);
            long cdOffset64 = Bytes.u64le(z, 48);
            disagree("entry count", entries, 0xffffL, entries64, disagreements);
            disagree("central directory size", cdSize, 0xffffffffL, cdSize64, disagreements);
            disagree("central directory offset", cdOffset, 0xffffffffL, cdOffset64, disagreements);
            entries = entries64;
            cdSize = cdSize64;
            cdOffset = cdOffset64;
            dirEnd = recPos;
            zip64 = true;
            locatorClaim = Bytes.u64le(loc, 8);
        }
        // a saturated classic field without zip64 records is taken at face value, as every reader
        // takes it: the directory checks below decide whether the archive holds together
        if (entries < 0 || cdSize < 0 || cdOffset < 0 || cdSize > dirEnd) {
            throw malformed("central directory size " + cdSize + " does not fit before its end record", endPos);
        }
        long cdStart = dirEnd - cdSize;
        long prefix = cdStart - cdOffset;
        if (prefix < 0) {
            throw malformed("central directory offset " + cdOffset + " + size " + cdSize + " runs past its end record at "
                    + dirEnd, endPos);
        }
        // each entry takes at least 46 bytes: a count the directory cannot hold is a lie
        if (entries > cdSize / 46) {
            throw malformed("end record declares " + entries + " entries in a " + cdSize + "-byte directory", endPos);
        }
        if (zip64 && locatorClaim != dirEnd - prefix) {
            disagreements.add("the zip64 locator says the zip64 end record is at offset " + locatorClaim + ", it is at "
                    + (dirEnd - prefix) + " (readers that follow the locator and readers that look right before it"
                    + " read different records)");
        }
        List<Long> others = new ArrayList<>();
        for (int i : t.plausible) {
            if (i != t.found) {
                others.add(t.start + i);
            }
        }
        return new ZipEnd(endPos, entries, cdStart, cdSize, prefix, zip64, others, disagreements);
    }

    private static void disagree(String what, long classic, long saturated, long zip64, List<String> out) {
        if (classic != saturated && classic != zip64) {
            out.add("the classic end record says " + what + " " + classic + ", the zip64 end record " + zip64
                    + " (Python's zipfile reads the zip64 value, Java's ZipFile the classic one)");
        }
    }

    /**
     * The tail, the last well-placed end record in it (comment reaching exactly to the end of the
     * file; -1 when none) and every record a reader could take for the real one.
     */
    private record Tail(long start, byte[] tail, int found, List<Integer> plausible) {
    }

    private static Tail wellPlaced(ByteSource src) throws IOException {
        long size = src.size();
        int tailLen = (int) Math.min(size, ZipDirectory.EOCD_LEN + ZipDirectory.MAX_COMMENT);
        long tailStart = size - tailLen;
        byte[] tail = src.readExactly(tailStart, tailLen);
        int found = -1;
        List<Integer> plausible = new ArrayList<>();
        for (int i = tailLen - ZipDirectory.EOCD_LEN; i >= 0; i--) {
            if (Bytes.u32le(tail, i) != ZipDirectory.EOCD_SIG) {
                continue;
            }
            int reach = i + ZipDirectory.EOCD_LEN + Bytes.u16le(tail, i + 20);
            if (Bytes.u16le(tail, i + 4) == 0 && Bytes.u16le(tail, i + 6) == 0 && reach <= tailLen) {
                plausible.add(i);
            }
            if (found < 0 && reach == tailLen) {
                found = i;
            }
        }
        return new Tail(tailStart, tail, found, plausible);
    }

    private static FormatViolation malformed(String why, long at) {
        return new FormatViolation("zip.malformed", why, at);
    }
}
