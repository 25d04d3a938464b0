package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes zip archives header by header for the tests, honest by default, with a knob for each
 * lie a hostile archive tells: local names that differ from central ones, flags, CRCs, bytes
 * before, between or after entries, a second end record, symlink modes.
 */
public final class ZipBuilder {
    /** One member and its lies. */
    public static final class Member {
        final String name;
        final byte[] data;
        boolean deflate;
        String localName;
        Integer flags;
        Long crcOverride;
        Long sizeOverride;
        Integer methodOverride;
        boolean symlink;
        byte[] gapAfter = new byte[0];
        Long localOffsetOverride;

        Member(String name, byte[] data) {
            this.name = name;
            this.data = data;
        }

        public Member deflate() {
            deflate = true;
            return this;
        }

        public Member localName(String n) {
            localName = n;
            return this;
        }

        public Member flags(int f) {
            flags = f;
            return this;
        }

        public Member crc(long c) {
            crcOverride = c;
            return this;
        }

        public Member size(long s) {
            sizeOverride = s;
            return this;
        }

        public Member method(int m) {
            methodOverride = m;
            return this;
        }

        public Member symlink() {
            symlink = true;
            return this;
        }

        public Member gapAfter(int n) {
            gapAfter = new byte[n];
            return this;
        }

        /** The central entry points at another member's local header (index into members). */
        public Member localOffsetOf(long offset) {
            localOffsetOverride = offset;
            return this;
        }
    }

    private final List<Member> members = new ArrayList<>();
    private byte[] prefix = new byte[0];
    private boolean prefixCounted;
    private boolean secondEnd;
    private String comment = "";
    private boolean zip64;
    private boolean zip64Saturated;
    private Long zip64Entries;
    private Long zip64CdOffset;
    private Long zip64LocatorOffset;

    public static ZipBuilder zip() {
        return new ZipBuilder();
    }

    public Member add(String name, byte[] data) {
        Member m = new Member(name, data);
        members.add(m);
        return m;
    }

    public ZipBuilder with(String name, byte[] data) {
        add(name, data);
        return this;
    }

    /** Bytes glued in front; the archive's offsets do not count them (a zip appended to other data). */
    public ZipBuilder prefix(byte[] p) {
        prefix = p;
        return this;
    }

    /** Bytes in front that the offsets do count: the first entry simply starts late. */
    public ZipBuilder countedPrefix(byte[] p) {
        prefix = p;
        prefixCounted = true;
        return this;
    }

    /** A second, well-formed end record inside the comment of the real one. */
    public ZipBuilder secondEndRecord() {
        secondEnd = true;
        return this;
    }

    /**
     * Zip64 end record and locator before the classic end record, as PyTorch's writer and
     * Python's zipfile write them for small archives too: the classic fields keep their real values.
     */
    public ZipBuilder zip64() {
        zip64 = true;
        return this;
    }

    /** Zip64 records, with the classic fields saturated (0xffff / 0xffffffff) as large-archive writers do. */
    public ZipBuilder zip64Saturated() {
        zip64 = true;
        zip64Saturated = true;
        return this;
    }

    /** Zip64 records whose entry count is {@code n}, whatever the classic record says. */
    public ZipBuilder zip64Entries(long n) {
        zip64 = true;
        zip64Entries = n;
        return this;
    }

    /** Zip64 records whose directory offset is {@code offset}, whatever the classic record says. */
    public ZipBuilder zip64DirectoryOffset(long offset) {
        zip64 = true;
        zip64CdOffset = offset;
        return this;
    }

    /** A zip64 locator that points at {@code offset} instead of the zip64 end record before it. */
    public ZipBuilder zip64LocatorOffset(long offset) {
        zip64 = true;
        zip64LocatorOffset = offset;
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix);
        List<long[]> offsets = new ArrayList<>();
        List<byte[]> stored = new ArrayList<>();
        for (Member m : members) {
            byte[] body = m.deflate ? deflate(m.data) : m.data;
            CRC32 crc = new CRC32();
            crc.update(m.data);
            long c = m.crcOverride != null ? m.crcOverride : crc.getValue();
            long size = m.sizeOverride != null ? m.sizeOverride : m.data.length;
            int method = m.methodOverride != null ? m.methodOverride : m.deflate ? 8 : 0;
            int flags = m.flags != null ? m.flags : 0x800;
            long at = out.size() - (prefixCounted ? 0 : prefix.length);
            byte[] lname = (m.localName != null ? m.localName : m.name).getBytes(StandardCharsets.UTF_8);
            le(out, 0x04034b50, 4);
            le(out, 20, 2);
            le(out, m.flags != null ? m.flags : 0x800, 2);
            le(out, method, 2);
            le(out, 0, 4);
            le(out, c, 4);
            le(out, body.length, 4);
            le(out, size, 4);
            le(out, lname.length, 2);
            le(out, 0, 2);
            out.writeBytes(lname);
            out.writeBytes(body);
            out.writeBytes(m.gapAfter);
            offsets.add(new long[]{m.localOffsetOverride != null ? m.localOffsetOverride : at, c, body.length, size, method, flags});
            stored.add(body);
        }
        long cdStart = out.size() - (prefixCounted ? 0 : prefix.length);
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            long[] o = offsets.get(i);
            byte[] name = m.name.getBytes(StandardCharsets.UTF_8);
            le(out, 0x02014b50, 4);
            le(out, m.symlink ? 0x0314 : 0x0014, 2);
            le(out, 20, 2);
            le(out, o[5], 2);
            le(out, o[4], 2);
            le(out, 0, 4);
            le(out, o[1], 4);
            le(out, o[2], 4);
            le(out, o[3], 4);
            le(out, name.length, 2);
            le(out, 0, 2);
            le(out, 0, 2);
            le(out, 0, 2);
            le(out, 0, 2);
            le(out, m.symlink ? 0xa1ffL << 16 : 0, 4);
            le(out, o[0], 4);
            out.writeBytes(name);
        }
        long cdSize = out.size() - (prefixCounted ? 0 : prefix.length) - cdStart;
        byte[] commentBytes = comment.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        if (secondEnd) {
            // a decoy end record declaring an empty archive, hidden in the real record's comment
            le(inner, 0x06054b50, 4);
            le(inner, 0, 8);
            le(inner, 0, 4);
            le(inner, 0, 4);
            le(inner, 0, 2);
        }
        inner.writeBytes(commentBytes);
        byte[] c = inner.toByteArray();
        if (zip64) {
            long recordAt = out.size() - (prefixCounted ? 0 : prefix.length);
            long entries = zip64Entries != null ? zip64Entries : members.size();
            le(out, 0x06064b50, 4);
            le(out, 44, 8);
            le(out, 0x031e, 2);
            le(out, 45, 2);
            le(out, 0, 4);
            le(out, 0, 4);
            le(out, entries, 8);
            le(out, entries, 8);
            le(out, cdSize, 8);
            le(out, zip64CdOffset != null ? zip64CdOffset : cdStart, 8);
            le(out, 0x07064b50, 4);
            le(out, 0, 4);
            le(out, zip64LocatorOffset != null ? zip64LocatorOffset : recordAt, 8);
            le(out, 1, 4);
        }
        le(out, 0x06054b50, 4);
        le(out, 0, 2);
        le(out, 0, 2);
        le(out, zip64Saturated ? 0xffff : members.size(), 2);
        le(out, zip64Saturated ? 0xffff : members.size(), 2);
        le(out, zip64Saturated ? 0xffffffffL : cdSize, 4);
        le(out, zip64Saturated ? 0xffffffffL : cdStart, 4);
        le(out, c.length, 2);
        out.writeBytes(c);
        return out.toByteArray();
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        while (!d.finished()) {
            int n = d.deflate(buf);
            out.write(buf, 0, n);
        }
        d.end();
        return out.toByteArray();
    }

    private static void le(ByteArrayOutputStream out, long v, int n) {
        for (int i = 0; i < n; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** A realistic PyTorch archive: stored members, data.pkl with two tensors of 4 floats, their storages. */
    public static byte[] honestTorch() {
        return zip().with("archive/data.pkl", PickleBuilder.torchDataPkl(2, 4))
                .with("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII))
                .with("archive/data/0", new byte[16])
                .with("archive/data/1", new byte[16])
                .with("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII))
                .with("archive/.data/serialization_id", "1234567890".getBytes(StandardCharsets.US_ASCII))
                .bytes();
    }
}
