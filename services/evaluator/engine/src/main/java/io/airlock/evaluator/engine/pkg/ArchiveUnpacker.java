package io.airlock.evaluator.engine.pkg;

import io.airlock.scanner.engine.format.ByteSource;
import io.airlock.scanner.engine.format.MalformedException;
import io.airlock.scanner.engine.format.ZipDirectory;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Unpacks a zip, tar or gzip-compressed tar into an empty private folder under the package rules:
 * member paths are relative and stay inside the folder (no absolute path, drive, backslash, empty
 * or {@code ..} segment), each path appears once, only regular files and folders are created (a
 * tar link, device or FIFO is refused; a zip has no link type java.util.zip would honour, so every
 * zip member becomes a plain file), and the member count and the bytes really written are bounded.
 * Archives are streamed: memory use does not grow with the archive.
 */
final class ArchiveUnpacker {
    private static final int BLOCK = 512;
    private static final int MAX_PAX_BYTES = 64 * 1024;

    private final Path dest;
    private final PackageLimits limits;
    private final Set<String> seen = new HashSet<>();
    private int entries;
    private long written;

    private ArchiveUnpacker(Path dest, PackageLimits limits) {
        this.dest = dest;
        this.limits = limits;
    }

    record Stats(int entries, long bytes) {
    }

    static Stats zip(Path archive, Path dest, PackageLimits limits) throws IOException, PackageException {
        ArchiveUnpacker u = new ArchiveUnpacker(dest, limits);
        u.checkZipDirectory(archive);
        try (ZipFile zf = new ZipFile(archive.toFile())) {
            Enumeration<? extends ZipEntry> en = zf.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                u.count(e.getName());
                Path target = u.target(e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                try (InputStream in = zf.getInputStream(e)) {
                    u.write(e.getName(), target, in, Long.MAX_VALUE);
                }
            }
        } catch (ZipException e) {
            throw PackageException.rejected("the zip archive is malformed", e.getMessage());
        }
        return new Stats(u.entries, u.written);
    }

    static Stats tar(Path archive, boolean gzip, Path dest, PackageLimits limits) throws IOException, PackageException {
        ArchiveUnpacker u = new ArchiveUnpacker(dest, limits);
        try (InputStream raw = Files.newInputStream(archive, LinkOption.NOFOLLOW_LINKS);
             InputStream in = gzip ? new GZIPInputStream(new BufferedInputStream(raw, 1 << 16), 1 << 16)
                     : new BufferedInputStream(raw, 1 << 16)) {
            u.tarEntries(in);
        } catch (ZipException e) {
            throw PackageException.rejected("the gzip stream is malformed", e.getMessage());
        }
        return new Stats(u.entries, u.written);
    }

    /**
     * The same rules the scanner applies: one end record, no bytes before the first member. An
     * archive that two readers could list differently is refused rather than unpacked one way.
     */
    private void checkZipDirectory(Path archive) throws IOException, PackageException {
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
            ZipDirectory.Listing l = ZipDirectory.read(ByteSource.of(ch), 64L << 20, limits.maxEntries() + 1);
            if (l.truncated() || l.declaredEntries() > limits.maxEntries()) {
                throw PackageException.rejected("the archive has more than " + limits.maxEntries() + " members",
                        l.declaredEntries() + " declared");
            }
            if (l.endRecords() != 1 || l.prefixBytes() != 0) {
                throw PackageException.rejected("the zip archive is ambiguous (end records: " + l.endRecords()
                        + ", bytes before the first member: " + l.prefixBytes() + ")", "");
            }
        } catch (MalformedException e) {
            throw PackageException.rejected("the zip archive is malformed", e.getMessage() + " at offset " + e.offset());
        }
    }

    private void tarEntries(InputStream in) throws IOException, PackageException {
        byte[] h = new byte[BLOCK];
        String longName = null;
        Long paxSize = null;
        while (true) {
            if (!readBlock(in, h)) {
                throw PackageException.rejected("the tar archive ends without its end-of-archive blocks", "");
            }
            if (allZero(h)) {
                return; // the end marker; whatever padding follows is never unpacked
            }
            verifyChecksum(h);
            char type = (char) h[156];
            long rawSize = octal(h, 124, 12);
            if (type == 'x' || type == 'g' || type == 'L') {
                if (rawSize > MAX_PAX_BYTES) {
                    throw PackageException.rejected("a tar extension header is over " + MAX_PAX_BYTES + " bytes",
                            type + " header of " + rawSize + " bytes");
                }
                count("(tar extension header)");
                byte[] body = readPadded(in, (int) rawSize);
                if (type == 'L') {
                    longName = cString(body, 0, body.length);
                    continue;
                }
                Pax pax = pax(body);
                if (type == 'g') {
                    if (pax.path != null || pax.size != null) {
                        // a global header would rename or resize every member after it: readers disagree on that
                        throw PackageException.rejected("a global tar header sets path or size", "");
                    }
                    continue;
                }
                longName = pax.path != null ? pax.path : longName;
                paxSize = pax.size != null ? pax.size : paxSize;
                continue;
            }
            // extension headers apply to the one member that follows them, then are forgotten
            String name = longName != null ? longName : ustarName(h);
            long size = paxSize != null ? paxSize : rawSize;
            longName = null;
            paxSize = null;
            switch (type) {
                case '0', '\0' -> {
                    count(name);
                    write(name, target(name), in, size);
                    skip(in, pad(size));
                }
                case '5' -> {
                    count(name);
                    Files.createDirectories(target(name));
                    skip(in, size + pad(size));
                }
                case '1', '2' -> throw PackageException.rejected("links are not allowed in a model package",
                        name + " -> " + cString(h, 157, 100));
                default -> throw PackageException.rejected("tar member type '" + type + "' is not a file or folder",
                        name);
            }
        }
    }

    private record Pax(String path, Long size) {
    }

    /** Pax records: "LEN key=value\n", LEN counting the whole record. Only path and size matter here. */
    private static Pax pax(byte[] body) throws PackageException {
        String path = null;
        Long size = null;
        int at = 0;
        while (at < body.length && body[at] != 0) {
            int sp = at;
            while (sp < body.length && body[sp] >= '0' && body[sp] <= '9' && sp - at < 8) {
                sp++;
            }
            if (sp == at || sp >= body.length || body[sp] != ' ') {
                throw PackageException.rejected("malformed pax header", "at byte " + at);
            }
            int len = Integer.parseInt(new String(body, at, sp - at, StandardCharsets.US_ASCII));
            if (len <= sp - at + 1 || at + len > body.length || body[at + len - 1] != '\n') {
                throw PackageException.rejected("malformed pax header", "record length " + len + " at byte " + at);
            }
            String rec = new String(body, sp + 1, at + len - 1 - (sp + 1), StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq <= 0) {
                throw PackageException.rejected("malformed pax header", "record without '=' at byte " + at);
            }
            String key = rec.substring(0, eq);
            String value = rec.substring(eq + 1);
            if (key.equals("path")) {
                path = value;
            } else if (key.equals("size")) {
                try {
                    size = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw PackageException.rejected("malformed pax size", value);
                }
                if (size < 0) {
                    throw PackageException.rejected("negative pax size", value);
                }
            } else if (key.equals("linkpath")) {
                throw PackageException.rejected("links are not allowed in a model package", "pax linkpath " + value);
            }
            at += len;
        }
        return new Pax(path, size);
    }

    private void count(String name) throws PackageException {
        entries++;
        if (entries > limits.maxEntries()) {
            throw PackageException.rejected("the archive has more than " + limits.maxEntries() + " members", name);
        }
    }

    /** Where a member goes, after checking its path against the package rules. */
    Path target(String name) throws PackageException {
        String rel = checkName(name, limits);
        if (!seen.add(rel)) {
            throw PackageException.rejected("a member path appears twice (which copy is the real one?)", name);
        }
        Path p = dest.resolve(rel).normalize();
        if (!p.startsWith(dest)) {
            throw PackageException.rejected("a member path leaves the package", name);
        }
        return p;
    }

    /** The member path made relative and checked; a leading "./" (tar's habit) is dropped. */
    static String checkName(String name, PackageLimits limits) throws PackageException {
        if (name.isEmpty() || name.length() > limits.maxNameLength()) {
            throw PackageException.rejected("a member path is empty or over " + limits.maxNameLength() + " characters",
                    name.length() > 80 ? name.substring(0, 80) + "..." : name);
        }
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        if (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.isEmpty() || n.equals(".")) {
            return ".";
        }
        if (n.startsWith("/") || n.indexOf('\\') >= 0 || n.matches("^[A-Za-z]:.*")) {
            throw PackageException.rejected("a member path is absolute or not a plain relative path", name);
        }
        String[] parts = n.split("/", -1);
        if (parts.length > limits.maxDepth()) {
            throw PackageException.rejected("a member path is deeper than " + limits.maxDepth() + " levels", name);
        }
        for (String s : parts) {
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                throw PackageException.rejected("a member path has an empty, '.' or '..' segment", name);
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                    throw PackageException.rejected("a member path has a control character", name.replaceAll("\\p{Cntrl}", "?"));
                }
            }
        }
        return n;
    }

    /** Copies at most {@code size} bytes (all of them when MAX_VALUE) into a new file, within the limits. */
    private void write(String name, Path target, InputStream in, long size) throws IOException, PackageException {
        Files.createDirectories(target.getParent());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw PackageException.rejected("a member path appears twice (which copy is the real one?)", name);
        }
        long mine = 0;
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (mine < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - mine));
                if (n < 0) {
                    if (size == Long.MAX_VALUE) {
                        break;
                    }
                    throw PackageException.rejected("the archive ends inside a member", name);
                }
                mine += n;
                written += n;
                if (mine > limits.maxEntryBytes()) {
                    throw PackageException.rejected("a member is over " + limits.maxEntryBytes() + " bytes", name);
                }
                if (written > limits.maxTotalBytes()) {
                    throw PackageException.rejected("the package is over " + limits.maxTotalBytes() + " bytes unpacked",
                            name);
                }
                out.write(buf, 0, n);
            }
        }
    }

    private static boolean readBlock(InputStream in, byte[] b) throws IOException {
        int done = 0;
        while (done < b.length) {
            int n = in.read(b, done, b.length - done);
            if (n < 0) {
                if (done == 0) {
                    return false;
                }
                throw new EOFException("tar block cut short");
            }
            done += n;
        }
        return true;
    }

    private static byte[] readPadded(InputStream in, int size) throws IOException, PackageException {
        byte[] b = in.readNBytes(size);
        if (b.length != size) {
            throw PackageException.rejected("the archive ends inside a tar header", "");
        }
        skip(in, pad(size));
        return b;
    }

    private static void skip(InputStream in, long n) throws IOException, PackageException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw PackageException.rejected("the archive ends inside a member", "");
                }
                s = 1;
            }
            left -= s;
        }
    }

    private static long pad(long size) {
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

    private static void verifyChecksum(byte[] h) throws PackageException {
        long stored = octal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        if (sum != stored) {
            throw PackageException.rejected("a tar header checksum does not match", "stored " + stored + ", computed " + sum);
        }
    }

    /** An octal field (NUL or space terminated), or GNU base-256 when the high bit is set. */
    private static long octal(byte[] h, int off, int len) throws PackageException {
        if ((h[off] & 0x80) != 0) {
            long v = 0;
            for (int i = off + 1; i < off + len; i++) {
                if (v >>> 55 != 0) {
                    throw PackageException.rejected("a tar number field overflows", "");
                }
                v = v << 8 | (h[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        while (i < off + len && h[i] == ' ') {
            i++;
        }
        for (; i < off + len && h[i] != 0 && h[i] != ' '; i++) {
            if (h[i] < '0' || h[i] > '7') {
                throw PackageException.rejected("a tar number field is not octal", "byte " + i);
            }
            v = v * 8 + (h[i] - '0');
        }
        return v;
    }

    private static String ustarName(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r' && h[262] == 0;
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
