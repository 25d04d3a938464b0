package io.airlock.formats;

import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZFile;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a 7z archive through Apache Commons Compress ({@code SevenZFile}, LZMA/LZMA2 by
 * org.tukaani:xz) under the bounds zip and tar are read under: entries, each member's and all
 * members' declared sizes, the ratio of what they declare to the archive's size, and the name rules
 * tar applies ({@link TarArchive#checkName}). The library is told to refuse broken archives rather
 * than recover them, and to allocate at most {@link #MEMORY_KIB} KiB for a decoder (an LZMA
 * dictionary is the archive's to declare). Encrypted archives are refused (no password is given).
 *
 * <p>Members are read front to back, once each, as the library's sequential reader gives them; a
 * member stream ends at the member's declared size. Anything the library refuses (a malformed or
 * truncated header, an unsupported or encrypted coder, a CRC mismatch, a decoder over the memory
 * bound) is {@code sevenz.malformed}: the archive cannot be read unambiguously, so it is not passed.
 */
public final class SevenZArchive implements Closeable {
    /** Memory one decoder may take: 7-Zip's ultra preset uses a 64 MiB dictionary. */
    public static final int MEMORY_KIB = 256 * 1024;

    /** One member. */
    public record Entry(String name, long size, boolean directory, boolean symlink, boolean anti) {
        /** A file with data that is no link and no anti-item (a deletion marker). */
        public boolean regular() {
            return !directory && !symlink && !anti;
        }
    }

    private final SevenZFile file;
    private final List<Entry> entries;
    private final List<ZipArchive.Problem> problems;
    private int next;
    private boolean broken;

    private SevenZArchive(SevenZFile file, List<Entry> entries, List<ZipArchive.Problem> problems) {
        this.file = file;
        this.entries = entries;
        this.problems = problems;
    }

    /**
     * Opens and lists an archive; problems with its members are added to {@code problems}.
     *
     * @throws FormatViolation {@code sevenz.malformed} when the library cannot read the header,
     *                         {@code sevenz.too_many_entries}, {@code sevenz.total_size} or
     *                         {@code sevenz.ratio} when a bound is broken (nothing is read then)
     */
    public static SevenZArchive open(ByteSource src, ZipArchive.Limits zip, List<ZipArchive.Problem> problems)
            throws IOException, FormatViolation {
        SevenZFile f;
        try {
            f = SevenZFile.builder().setSeekableByteChannel(new Channel(src)).setMaxMemoryLimitKiB(MEMORY_KIB)
                    .setTryToRecoverBrokenArchives(false).setUseDefaultNameForUnnamedEntries(false).get();
        } catch (IOException | RuntimeException e) {
            // the library signals malformed input with IOException subclasses and unchecked exceptions alike
            throw new FormatViolation("sevenz.malformed", "the 7z archive cannot be read: " + describe(e), 0);
        }
        try {
            TarArchive.Limits names = TarArchive.Limits.of(zip);
            Set<String> seen = new HashSet<>();
            List<Entry> list = new java.util.ArrayList<>();
            long total = 0;
            for (SevenZArchiveEntry e : f.getEntries()) {
                if (list.size() >= zip.maxEntries()) {
                    throw new FormatViolation("sevenz.too_many_entries", "more than " + zip.maxEntries()
                            + " entries; none was scanned", 0);
                }
                String name = e.getName() == null ? "" : e.getName();
                // a Unix mode in the high 16 bits of the Windows attributes (p7zip, 7-Zip 21+) marks a symlink
                boolean symlink = e.getHasWindowsAttributes() && (e.getWindowsAttributes() & 0x8000) != 0
                        && (e.getWindowsAttributes() >>> 16 & 0xF000) == 0xA000;
                Entry x = new Entry(name, e.getSize(), e.isDirectory(), symlink, e.isAntiItem());
                list.add(x);
                TarArchive.checkName("sevenz", name, names, seen, 0,
                        (rule, message, at, member) -> problems.add(new ZipArchive.Problem(rule, message, at, member)));
                String p = TarArchive.printable(name);
                if (symlink) {
                    problems.add(new ZipArchive.Problem("sevenz.symlink", "member '" + p + "' is a symbolic link", 0, name));
                }
                if (x.anti()) {
                    problems.add(new ZipArchive.Problem("sevenz.anti_item", "member '" + p + "' is an anti-item: 7-Zip"
                            + " deletes that path when it extracts", 0, name));
                }
                if (x.regular() && x.size() > zip.maxEntryBytes()) {
                    problems.add(new ZipArchive.Problem("sevenz.entry_size", "member '" + p + "' is " + x.size()
                            + " bytes, over the bound of " + zip.maxEntryBytes() + "; it was not scanned", 0, name));
                }
                total += Math.max(0, x.size());
                if (total > zip.maxTotal()) {
                    throw new FormatViolation("sevenz.total_size", "members add up to more than " + zip.maxTotal()
                            + " bytes; none was scanned", 0);
                }
            }
            // the zip bound: what the members declare against what the archive holds, above a floor
            if (total > zip.ratioFloor() && total / Math.max(1, src.size()) > zip.maxRatio()) {
                throw new FormatViolation("sevenz.ratio", "members declare " + total + " bytes in an archive of "
                        + src.size() + " (ratio over " + zip.maxRatio() + "): a decompression bomb; none was scanned", 0);
            }
            return new SevenZArchive(f, List.copyOf(list), problems);
        } catch (FormatViolation e) {
            f.close();
            throw e;
        } catch (RuntimeException e) {
            f.close();
            throw new FormatViolation("sevenz.malformed", "the 7z archive cannot be listed: " + describe(e), 0);
        }
    }

    /** The members, as the header lists them. */
    public List<Entry> entries() {
        return entries;
    }

    /**
     * Moves to the next member (in header order); null after the last, or once the library refused
     * to go on ({@code sevenz.malformed} is then among the problems).
     */
    public Entry next() {
        if (broken || next >= entries.size()) {
            return null;
        }
        try {
            if (file.getNextEntry() == null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return broken("the 7z archive cannot be read past member " + next + ": " + describe(e));
        }
        return entries.get(next++);
    }

    private Entry broken(String message) {
        broken = true;
        problems.add(new ZipArchive.Problem("sevenz.malformed", message, 0, ""));
        return null;
    }

    /**
     * The current member's data, no more than its declared size. A read the library refuses (a
     * damaged stream, a CRC mismatch at its end) ends the stream and the archive's reading, with
     * {@code sevenz.malformed} among the problems.
     */
    public InputStream member() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) <= 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (broken) {
                    return -1;
                }
                try {
                    return file.read(b, off, len);
                } catch (IOException | RuntimeException e) {
                    broken("a 7z member cannot be read: " + describe(e));
                    return -1;
                }
            }
        };
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + TarArchive.printable(m.length() > 300
                ? m.substring(0, 300) + "..." : m));
    }

    /** A read-only channel over a byte source, as the library reads the archive. */
    private static final class Channel implements SeekableByteChannel {
        private final ByteSource src;
        private long pos;
        private boolean open = true;

        Channel(ByteSource src) {
            this.src = src;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (pos >= src.size()) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), Math.min(src.size() - pos, 1 << 20));
            byte[] b = new byte[n];
            int got = src.read(pos, b, 0, n);
            if (got <= 0) {
                return -1;
            }
            dst.put(b, 0, got);
            pos += got;
            return got;
        }

        @Override
        public int write(ByteBuffer src) {
            throw new NonWritableChannelException();
        }

        @Override
        public long position() {
            return pos;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            pos = newPosition;
            return this;
        }

        @Override
        public long size() {
            return src.size();
        }

        @Override
        public SeekableByteChannel truncate(long size) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
