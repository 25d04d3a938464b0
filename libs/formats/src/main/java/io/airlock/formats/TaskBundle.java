package io.airlock.formats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A kernel task's folder as one tar (kernelbot's layout: {@code task.yml}, {@code reference.py},
 * {@code task.py}, ...): read with {@link TarArchive}, bounded, flat, and named by one digest that the
 * registry (at registration), the evaluator (before it runs the judge) and the CLI compute the same way.
 *
 * <p>A task folder is small and flat: at most {@value #MAX_FILES} regular files of at most
 * {@value #MAX_FILE_BYTES} bytes each and {@value #MAX_TOTAL_BYTES} together, each a plain name (no folder,
 * no {@code ..}, nothing absolute); symlinks, hard links, devices and any tar problem refuse the bundle.
 *
 * <p>The digest: SHA-256 over the canonical listing, one line per file sorted by the UTF-8 bytes of its
 * name, {@code <name> NUL <hex SHA-256 of its bytes> LF}, written {@code sha256:<hex>}. File modes, times
 * and owners are not part of it: the same files are the same task wherever they were packed.
 */
public final class TaskBundle {
    public static final int MAX_FILES = 64;
    public static final int MAX_FILE_BYTES = 1 << 20;
    public static final int MAX_TOTAL_BYTES = 4 << 20;
    /** What a file of a task may be called: one plain name, as kernelbot's tasks use. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    private final SortedMap<String, byte[]> files;
    private final String digest;

    private TaskBundle(SortedMap<String, byte[]> files) {
        this.files = Collections.unmodifiableSortedMap(files);
        this.digest = digestOf(files);
    }

    /** A bundle of the given files (name to bytes), checked against the same bounds as a read one. */
    public static TaskBundle of(Map<String, byte[]> files) throws FormatViolation {
        if (files.size() > MAX_FILES) {
            throw new FormatViolation("task.too_many_files", "a task has at most " + MAX_FILES + " files", 0);
        }
        long total = 0;
        SortedMap<String, byte[]> copy = new TreeMap<>(TaskBundle::compareUtf8);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            checkName(e.getKey(), 0);
            if (e.getValue().length > MAX_FILE_BYTES) {
                throw new FormatViolation("task.file_size", "'" + e.getKey() + "' is larger than " + MAX_FILE_BYTES
                        + " bytes", 0, e.getKey());
            }
            total += e.getValue().length;
            copy.put(e.getKey(), e.getValue().clone());
        }
        if (total > MAX_TOTAL_BYTES) {
            throw new FormatViolation("task.total_size", "a task's files total at most " + MAX_TOTAL_BYTES + " bytes", 0);
        }
        return new TaskBundle(copy);
    }

    /**
     * Reads a tar of a task folder (members named {@code name} or {@code ./name}; a {@code ./} folder
     * entry is allowed). Reads at most the bounds above from {@code in}, never more.
     */
    public static TaskBundle read(InputStream in) throws IOException, FormatViolation {
        List<ZipArchive.Problem> problems = new ArrayList<>();
        // tar's own bounds set to the task's: a member or a total past them is a problem before any byte is read
        TarArchive tar = TarArchive.open(in, new TarArchive.Limits(MAX_FILES + 2, MAX_FILE_BYTES, MAX_TOTAL_BYTES,
                2, 256, 4096, 64 << 10), problems);
        SortedMap<String, byte[]> files = new TreeMap<>(TaskBundle::compareUtf8);
        for (TarArchive.Entry e = tar.next(); e != null; e = tar.next()) {
            firstProblem(problems);
            String name = TarArchive.normalise(e.name());
            if (e.type() == TarArchive.Type.DIRECTORY && (name.isEmpty() || name.equals("."))) {
                continue;
            }
            if (!e.regular()) {
                throw new FormatViolation("task.not_a_file", "'" + printable(e.name()) + "' is a " + e.type()
                        + ", not a regular file: a task holds plain files only", e.headerOffset(), e.name());
            }
            checkName(name, e.headerOffset());
            if (files.size() == MAX_FILES) {
                throw new FormatViolation("task.too_many_files", "a task has at most " + MAX_FILES + " files",
                        e.headerOffset());
            }
            byte[] bytes = tar.member().readNBytes(MAX_FILE_BYTES + 1);
            firstProblem(problems);
            if (bytes.length != e.size()) {
                throw new FormatViolation("task.truncated", "'" + name + "' is shorter than its header says",
                        e.headerOffset(), name);
            }
            if (files.put(name, bytes) != null) {
                throw new FormatViolation("task.duplicate_name", "'" + name + "' appears twice", e.headerOffset(), name);
            }
        }
        firstProblem(problems);
        if (!tar.endedCleanly()) {
            throw new FormatViolation("task.truncated", "the tar does not end with its end marker", tar.position());
        }
        return of(files);
    }

    /** The files, name to bytes, in digest order. The arrays are the bundle's own: do not change them. */
    public SortedMap<String, byte[]> files() {
        return files;
    }

    /** {@code sha256:<hex>} over the canonical listing (see the class comment). */
    public String digest() {
        return digest;
    }

    /** Total bytes of the files. */
    public long size() {
        return files.values().stream().mapToLong(b -> b.length).sum();
    }

    /** The bundle as a plain ustar tar (mode 0644, time 0, owner 0), the form {@link #read} takes. */
    public byte[] toTar() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            byte[] h = new byte[TarArchive.BLOCK];
            put(h, 0, f.getKey(), 100);
            put(h, 100, "0000644", 8);
            put(h, 108, "0000000", 8);
            put(h, 116, "0000000", 8);
            put(h, 124, String.format("%011o", f.getValue().length), 12);
            put(h, 136, "00000000000", 12);
            h[156] = '0';
            put(h, 257, "ustar", 6);
            h[263] = '0';
            h[264] = '0';
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum), 7);
            out.writeBytes(h);
            out.writeBytes(f.getValue());
            out.writeBytes(new byte[(TarArchive.BLOCK - f.getValue().length % TarArchive.BLOCK) % TarArchive.BLOCK]);
        }
        out.writeBytes(new byte[2 * TarArchive.BLOCK]);
        return out.toByteArray();
    }

    /** The digest of a set of files, as {@link #digest()} defines it. */
    public static String digestOf(SortedMap<String, byte[]> files) {
        MessageDigest listing = sha256();
        SortedMap<String, byte[]> sorted = new TreeMap<>(TaskBundle::compareUtf8);
        sorted.putAll(files);
        for (Map.Entry<String, byte[]> f : sorted.entrySet()) {
            listing.update(f.getKey().getBytes(StandardCharsets.UTF_8));
            listing.update((byte) 0);
            listing.update(HexFormat.of().formatHex(sha256().digest(f.getValue())).getBytes(StandardCharsets.US_ASCII));
            listing.update((byte) '\n');
        }
        return "sha256:" + HexFormat.of().formatHex(listing.digest());
    }

    private static void checkName(String name, long offset) throws FormatViolation {
        if (!NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new FormatViolation("task.bad_name", "'" + printable(name) + "' is not a plain file name: a task "
                    + "folder is flat (no folders, no '..', nothing absolute)", offset, name);
        }
    }

    private static void firstProblem(List<ZipArchive.Problem> problems) throws FormatViolation {
        if (!problems.isEmpty()) {
            ZipArchive.Problem p = problems.get(0);
            throw new FormatViolation(p.rule(), p.message(), p.offset(), p.member());
        }
    }

    private static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static void put(byte[] h, int at, String s, int width) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, Math.min(b.length, width));
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : Character.toString(c)));
        return b.toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
