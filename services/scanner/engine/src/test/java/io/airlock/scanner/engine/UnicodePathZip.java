package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Builds stored zips whose members may carry an Info-ZIP Unicode Path extra field (0x7075: version,
 * CRC-32 of the header name, then the UTF-8 name a reader should use instead), in the central
 * header, the local header or both, with a right or wrong CRC: what Python 3.12+ zipfile, Info-ZIP
 * and 7-Zip read and what the engine must judge.
 */
public final class UnicodePathZip {
    /** One member: its header name bytes, the extra fields of its central and local headers, its data. */
    private record Member(byte[] name, byte[] centralExtra, byte[] localExtra, byte[] data, int flags) {
    }

    private final List<Member> members = new ArrayList<>();

    public static UnicodePathZip zip() {
        return new UnicodePathZip();
    }

    /** A member without the field. */
    public UnicodePathZip plain(String name, byte[] data) {
        members.add(new Member(utf8(name), new byte[0], new byte[0], data, 0));
        return this;
    }

    /** A member whose field (in both headers, version 1, the header name's CRC) names it {@code unicode}. */
    public UnicodePathZip renamed(String name, String unicode, byte[] data) {
        byte[] f = field(1, crc(utf8(name)), utf8(unicode));
        members.add(new Member(utf8(name), f, f, data, 0));
        return this;
    }

    /** A member with raw header name bytes and these extra fields; {@code flags} as the general purpose flags. */
    public UnicodePathZip raw(byte[] name, byte[] centralExtra, byte[] localExtra, int flags, byte[] data) {
        members.add(new Member(name, centralExtra, localExtra, data, flags));
        return this;
    }

    /** The extra field 0x7075 with this version, name CRC and UTF-8 name bytes. */
    public static byte[] field(int version, long nameCrc, byte[] unicode) {
        return ByteBuffer.allocate(9 + unicode.length).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x7075)
                .putShort((short) (5 + unicode.length)).put((byte) version).putInt((int) nameCrc).put(unicode).array();
    }

    /** An extra field 0x7075 whose data is too short for its version and CRC. */
    public static byte[] shortField() {
        return new byte[]{0x75, 0x70, 3, 0, 1, 0, 0};
    }

    public byte[] bytes() {
        ByteArrayOutputStream locals = new ByteArrayOutputStream();
        ByteArrayOutputStream centrals = new ByteArrayOutputStream();
        for (Member m : members) {
            int offset = locals.size();
            locals.writeBytes(ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN).putInt(0x04034b50).putShort((short) 20)
                    .putShort((short) m.flags()).putShort((short) 0).putInt(0).putInt((int) crc(m.data())).putInt(m.data().length)
                    .putInt(m.data().length).putShort((short) m.name().length).putShort((short) m.localExtra().length).array());
            locals.writeBytes(m.name());
            locals.writeBytes(m.localExtra());
            locals.writeBytes(m.data());
            centrals.writeBytes(ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN).putInt(0x02014b50).putShort((short) 20)
                    .putShort((short) 20).putShort((short) m.flags()).putShort((short) 0).putInt(0).putInt((int) crc(m.data()))
                    .putInt(m.data().length).putInt(m.data().length).putShort((short) m.name().length)
                    .putShort((short) m.centralExtra().length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putInt(0).putInt(offset).array());
            centrals.writeBytes(m.name());
            centrals.writeBytes(m.centralExtra());
        }
        byte[] end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN).putInt(0x06054b50).putShort((short) 0)
                .putShort((short) 0).putShort((short) members.size()).putShort((short) members.size()).putInt(centrals.size())
                .putInt(locals.size()).putShort((short) 0).array();
        return Samples.concat(locals.toByteArray(), centrals.toByteArray(), end);
    }

    public static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
