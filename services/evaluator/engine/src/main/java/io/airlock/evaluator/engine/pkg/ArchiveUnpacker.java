package io.airlock.evaluator.engine.pkg;

import io.airlock.formats.ByteSource;
import io.airlock.formats.FormatViolation;
import io.airlock.formats.GzipBody;
import io.airlock.formats.InputCursor;
import io.airlock.formats.TarArchive;
import io.airlock.formats.ZipArchive;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Unpacks a zip, tar or gzip-compressed tar into an empty private folder, reading the archive with
 * the same readers the scanner judged it with ({@code libs/formats}: {@link ZipArchive},
 * {@link TarArchive}, {@link GzipBody#inflate}), so the members written are the members scanned.
 * Anything those readers report as a problem (two end records, bytes before the first member,
 * local and central headers that differ, a hidden member after the tar end marker, a link, a
 * device) refuses the package: two readers that could disagree never get the chance.
 *
 * <p>On top of the readers' rules, the unpacker's own, for the file system it writes to: member
 * paths are relative and stay inside the folder, each path appears once even where the file
 * system folds case or Unicode normalization (NFC/NFD) would make two names one file, no path
 * segment is over 255 bytes, a file never stands where a folder of the same name is needed, every
 * file is created with {@code CREATE_NEW}, and the member count and the bytes really written are
 * bounded. The archive's SHA-256 is computed over the bytes read, so the caller can check that
 * what was unpacked is what was scanned. Archives are streamed: memory does not grow with them.
 */
final class ArchiveUnpacker {
    /** Longest path segment most file systems take, in bytes. */
    static final int MAX_SEGMENT_BYTES = 255;

    private final Path dest;
    private final PackageLimits limits;
    /** Paths as a case-folding, normalizing file system sees them, and whether each is a folder. */
    private final Map<String, Boolean> seen = new HashMap<>();
    private int entries;
    private long written;

    private ArchiveUnpacker(Path dest, PackageLimits limits) {
        this.dest = dest;
        this.limits = limits;
    }

    /**
     * What was unpacked.
     *
     * @param entries members unpacked
     * @param bytes   bytes written
     * @param sha256  SHA-256 of the archive, computed over the bytes read while unpacking
     */
    record Stats(int entries, long bytes, String sha256) {
    }

    static Stats zip(Path archive, Path dest, PackageLimits limits) throws IOException, PackageException {
        ArchiveUnpacker u = new ArchiveUnpacker(dest, limits);
        try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteSource src = ByteSource.of(ch);
            // a zip is read from its end: hash the same open file first, then unpack from it
            String sha256 = sha256(InputCursor.stream(src, 0, src.size()));
            ZipArchive.Limits zl = zipLimits(limits);
            ZipArchive.Directory dir;
            try {
                dir = ZipArchive.read(src, zl);
            } catch (FormatViolation v) {
                throw PackageException.rejected("the zip archive is malformed (" + v.rule() + ")", v.getMessage());
            }
            refuse(dir.problems());
            for (ZipArchive.Entry e : dir.entries()) {
                u.count(e.name());
                if (e.directory()) {
                    Files.createDirectories(u.target(e.name(), true));
                    continue;
                }
                Path target = u.target(e.name(), false);
                List<ZipArchive.Problem> problems = new ArrayList<>();
                try (ZipArchive.MemberStream in = ZipArchive.open(src, e, zl, problems)) {
                    u.write(e.name(), target, in, e.size());
                    if (in.read() >= 0 || in.failed()) {
                        problems.add(new ZipArchive.Problem("zip.size_mismatch", "member '" + ZipArchive.printable(e.name())
                                + "' is not its declared " + e.size() + " bytes", e.localOffset(), e.name()));
                    }
                }
                refuse(problems);
            }
            return new Stats(u.entries, u.written, sha256);
        }
    }

    static Stats tar(Path archive, boolean gzip, Path dest, PackageLimits limits) throws IOException, PackageException {
        ArchiveUnpacker u = new ArchiveUnpacker(dest, limits);
        MessageDigest md = sha256();
        List<ZipArchive.Problem> problems = new ArrayList<>();
        try (InputStream raw = new Hashing(new BufferedInputStream(
                Files.newInputStream(archive, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), 1 << 16), md);
             InputStream in = gzip ? GzipBody.inflate(raw) : raw) {
            TarArchive tar = TarArchive.open(in, tarLimits(limits), problems);
            TarArchive.Entry e;
            while ((e = tar.next()) != null) {
                refuse(problems);
                u.count(e.name());
                switch (e.type()) {
                    case DIRECTORY -> Files.createDirectories(u.target(e.name(), true));
                    case FILE -> u.write(e.name(), u.target(e.name(), false), tar.member(), e.size());
                    default -> throw PackageException.rejected("tar member type '" + e.typeFlag() + "' is not a file or folder",
                            e.name());
                }
            }
            refuse(problems);
            if (!tar.endedCleanly()) {
                throw PackageException.rejected("the tar archive does not end with its end-of-archive blocks", "");
            }
            // read to the end, as the scanner does: what follows the end marker is judged, and hashed
            in.transferTo(OutputStream.nullOutputStream());
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            // found by UnpackerFuzzTest: a gzip cut short ends in EOFException, not ZipException
            throw PackageException.rejected("the gzip stream is malformed or cut short", e.getMessage());
        }
        return new Stats(u.entries, u.written, HexFormat.of().formatHex(md.digest()));
    }

    /** The scanner's zip bounds, with the package's member count and sizes. */
    private static ZipArchive.Limits zipLimits(PackageLimits limits) {
        ZipArchive.Limits d = ZipArchive.Limits.defaults();
        return new ZipArchive.Limits(limits.maxEntries() + 1, d.maxRatio(), d.ratioFloor(), limits.maxTotalBytes(),
                d.maxDirectoryBytes(), limits.maxEntryBytes());
    }

    private static TarArchive.Limits tarLimits(PackageLimits limits) {
        return new TarArchive.Limits(limits.maxEntries() * 2 + 1, limits.maxEntryBytes(), limits.maxTotalBytes(),
                limits.maxDepth(), Math.max(limits.maxNameLength() * 4, 512), 1 << 20, 64L << 20);
    }

    /** The first problem a reader reported refuses the package: every one of them is HIGH to the scanner. */
    private static void refuse(List<ZipArchive.Problem> problems) throws PackageException {
        if (!problems.isEmpty()) {
            ZipArchive.Problem p = problems.get(0);
            throw PackageException.rejected("the archive breaks the scanner's rules (" + p.rule() + ")", p.message());
        }
    }

    private void count(String name) throws PackageException {
        entries++;
        if (entries > limits.maxEntries()) {
            throw PackageException.rejected("the archive has more than " + limits.maxEntries() + " members", name);
        }
    }

    /**
     * Where a member goes, after checking its path against the package rules and against every
     * path before it as a case-insensitive, normalizing file system would see them.
     */
    Path target(String name, boolean folder) throws PackageException {
        String rel = checkName(name, limits);
        if (rel.equals(".")) {
            return dest;
        }
        String[] parts = rel.split("/");
        StringBuilder key = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                key.append('/');
            }
            key.append(fold(parts[i]));
            boolean last = i == parts.length - 1;
            Boolean wasFolder = seen.get(key.toString());
            if (!last) {
                if (Boolean.FALSE.equals(wasFolder)) {
                    throw PackageException.rejected("a member path goes through a file of the same name", name);
                }
                seen.put(key.toString(), true);
            } else if (wasFolder != null && !(folder && wasFolder)) {
                throw PackageException.rejected(wasFolder
                        ? "a file has the name of a folder in the package"
                        : "a member path appears twice, or two paths name one file where case or Unicode normalization"
                                + " is folded (which copy is the real one?)", name);
            } else {
                seen.put(key.toString(), folder);
            }
        }
        Path p = dest.resolve(rel).normalize();
        if (!p.startsWith(dest)) {
            throw PackageException.rejected("a member path leaves the package", name);
        }
        return p;
    }

    /** A path segment as a file system that folds case and Unicode normalization names it. */
    private static String fold(String segment) {
        return Normalizer.normalize(segment, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
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
            if (s.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
                throw PackageException.rejected("a member path has a segment over " + MAX_SEGMENT_BYTES + " bytes",
                        s.substring(0, Math.min(s.length(), 80)) + "...");
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < 0x20 || s.charAt(i) == 0x7f) {
                    throw PackageException.rejected("a member path has a control character", name.replaceAll("\\p{Cntrl}", "?"));
                }
            }
        }
        return n;
    }

    /** Copies exactly {@code size} bytes into a new file, within the limits. */
    private void write(String name, Path target, InputStream in, long size) throws IOException, PackageException {
        Files.createDirectories(target.getParent());
        long mine = 0;
        byte[] buf = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (mine < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - mine));
                if (n < 0) {
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
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw PackageException.rejected("a member path names a file that already exists (which copy is the real one?)",
                    name);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    private static String sha256(InputStream in) throws IOException {
        MessageDigest md = sha256();
        try (InputStream h = new Hashing(in, md)) {
            h.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Feeds every byte read through it to a digest. */
    private static final class Hashing extends FilterInputStream {
        private final MessageDigest md;

        Hashing(InputStream in, MessageDigest md) {
            super(in);
            this.md = md;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                md.update((byte) b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // skipped bytes must be hashed too
            long done = 0;
            byte[] buf = new byte[8192];
            while (done < n) {
                int k = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (k < 0) {
                    break;
                }
                done += k;
            }
            return done;
        }
    }
}
