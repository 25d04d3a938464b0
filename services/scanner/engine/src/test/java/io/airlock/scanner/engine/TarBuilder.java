package io.airlock.scanner.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Writes tar archives header by header for the tests (ustar, GNU long names, pax headers), honest by
 * default, with a knob for each lie a hostile archive tells: a wrong checksum, a non-octal size,
 * links and devices, a global header, bytes after the end marker, a cut-short archive.
 */
public final class TarBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private int endBlocks = 2;
    private byte[] trailing = new byte[0];
    private Integer cutAt;

    public static TarBuilder tar() {
        return new TarBuilder();
    }

    /** A regular file. */
    public TarBuilder file(String name, byte[] data) {
        return entry(name, '0', data, "", false);
    }

    public TarBuilder file(String name, String text) {
        return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    public TarBuilder dir(String name) {
        return entry(name, '5', new byte[0], "", false);
    }

    /** Any type flag: '2' symlink, '1' hard link, '3' device, 'S' sparse ... */
    public TarBuilder entry(String name, char type, byte[] data, String link, boolean badChecksum) {
        writeHeader(name, type, data.length, link, badChecksum, null);
        writeData(data);
        return this;
    }

    /** A header whose size field holds the given raw text (e.g. non-octal). */
    public TarBuilder rawSize(String name, String sizeField) {
        writeHeader(name, '0', 0, "", false, sizeField);
        return this;
    }

    /** A file whose name is too long for ustar, written with a GNU 'L' header first. */
    public TarBuilder gnuLong(String name, byte[] data) {
        byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
        writeHeader("././@LongLink", 'L', n.length, "", false, null);
        writeData(n);
        writeHeader(name.substring(0, Math.min(99, name.length())), '0', data.length, "", false, null);
        writeData(data);
        return this;
    }

    /** A pax 'x' (or 'g') header with these records, then (for 'x') a file under the ustar name. */
    public TarBuilder pax(char type, List<String> records, String ustarName, byte[] data) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        for (String r : records) {
            p.writeBytes(record(r));
        }
        byte[] body = p.toByteArray();
        writeHeader("PaxHeaders/x", type, body.length, "", false, null);
        writeData(body);
        if (ustarName != null) {
            writeHeader(ustarName, '0', data.length, "", false, null);
            writeData(data);
        }
        return this;
    }

    /** Raw bytes of a pax body (for malformed records). */
    public TarBuilder paxRaw(byte[] body, String ustarName, byte[] data) {
        writeHeader("PaxHeaders/x", 'x', body.length, "", false, null);
        writeData(body);
        writeHeader(ustarName, '0', data.length, "", false, null);
        writeData(data);
        return this;
    }

    /** "key=value" as one pax record, its length counting itself. */
    static byte[] record(String kv) {
        int len = kv.getBytes(StandardCharsets.UTF_8).length + 2;
        int digits = String.valueOf(len).length();
        int total = len + digits;
        if (String.valueOf(total).length() != digits) {
            total++;
        }
        return (total + " " + kv + "\n").getBytes(StandardCharsets.UTF_8);
    }

    public TarBuilder endBlocks(int n) {
        endBlocks = n;
        return this;
    }

    public TarBuilder trailing(byte[] b) {
        trailing = b;
        return this;
    }

    public TarBuilder cutAt(int n) {
        cutAt = n;
        return this;
    }

    public byte[] bytes() {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(out.toByteArray());
        all.writeBytes(new byte[512 * endBlocks]);
        all.writeBytes(trailing);
        byte[] b = all.toByteArray();
        return cutAt == null ? b : Arrays.copyOf(b, cutAt);
    }

    public byte[] gzipped() {
        return gzip(bytes());
    }

    public static byte[] gzip(byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(o)) {
            g.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return o.toByteArray();
    }

    private void writeHeader(String name, char type, long size, String link, boolean badChecksum, String sizeField) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            // ustar: the part before the last slash that fits goes to the prefix field
            int cut = name.lastIndexOf('/', 155);
            put(h, 345, name.substring(0, cut).getBytes(StandardCharsets.UTF_8), 155);
            n = name.substring(cut + 1).getBytes(StandardCharsets.UTF_8);
        }
        put(h, 0, n, 100);
        put(h, 100, ascii("0000644"), 8);
        put(h, 108, ascii("0001750"), 8);
        put(h, 116, ascii("0001750"), 8);
        put(h, 124, ascii(sizeField != null ? sizeField : String.format("%011o", size)), 12);
        put(h, 136, ascii("14712345670"), 12);
        h[156] = (byte) type;
        put(h, 157, link.getBytes(StandardCharsets.UTF_8), 100);
        put(h, 257, ascii("ustar\0"), 6);
        put(h, 263, ascii("00"), 2);
        put(h, 265, ascii("user"), 32);
        put(h, 297, ascii("user"), 32);
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        if (badChecksum) {
            sum += 1;
        }
        put(h, 148, ascii(String.format("%06o\0 ", sum)), 8);
        out.writeBytes(h);
    }

    private void writeData(byte[] data) {
        out.writeBytes(data);
        int pad = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void put(byte[] h, int at, byte[] v, int max) {
        System.arraycopy(v, 0, h, at, Math.min(v.length, max));
    }

}
