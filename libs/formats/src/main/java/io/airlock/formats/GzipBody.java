package io.airlock.formats;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The inflated body of a gzip artifact, kept in a private temporary file for one scan. The format
 * gate lists a tar.gz folder's names, the static scan reads every member and the folder scan checks
 * the folder's rules: inflating the body for each cost three inflations (measured: 1.2-1.3 s each
 * for a 256 MiB folder). The body is kept only when it inflates cleanly within the bound the static
 * scan applies ({@link #bound}, from the archive bounds); otherwise none is kept, and each reader inflates the artifact
 * itself and reports what is wrong with it, as without this.
 */
public final class GzipBody implements AutoCloseable {
    /** No body kept: readers inflate the artifact themselves. */
    public static final GzipBody NONE = new GzipBody(null);

    private final Path file;

    private GzipBody(Path file) {
        this.file = file;
    }

    /** Inflates {@code src} into a temporary file readable by this process's user only, or {@link #NONE}. */
    public static GzipBody spool(ByteSource src, ZipArchive.Limits limits) throws IOException {
        long max = bound(src.size(), limits);
        // createTempFile makes the file owner-only on POSIX systems
        Path f = Files.createTempFile("airlock-quarantine-", ".gunzip");
        boolean kept = false;
        try (InputStream in = inflate(InputCursor.stream(src, 0, src.size()));
             OutputStream out = Files.newOutputStream(f)) {
            byte[] buf = new byte[1 << 20];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > max) {
                    return NONE; // over the bound: the static scan reports the ratio
                }
                out.write(buf, 0, n);
            }
            kept = true;
            return new GzipBody(f);
        } catch (ZipException | EOFException e) {
            return NONE; // malformed or cut short: the static scan reports it
        } finally {
            if (!kept) {
                Files.deleteIfExists(f);
            }
        }
    }

    /**
     * The one reading of a gzip stream in Airlock: the scanner's stages and the evaluator's
     * unpacker inflate through here, so they see the same bytes (members concatenated as gzip
     * readers concatenate them). Callers bound what they read with {@link #bound}.
     */
    public static InputStream inflate(InputStream compressed) throws IOException {
        return new GZIPInputStream(compressed, 64 * 1024);
    }

    /** Most bytes a gzip body of {@code compressed} bytes may inflate to (-1: unknown size). */
    public static long bound(long compressed, ZipArchive.Limits limits) {
        return compressed < 0 ? limits.maxTotal() : Math.min(limits.maxTotal(),
                Math.max(limits.ratioFloor(), Math.max(1, compressed) * limits.maxRatio()));
    }

    public boolean kept() {
        return file != null;
    }

    /** Bytes kept (0 for {@link #NONE}). */
    public long size() throws IOException {
        return file == null ? 0 : Files.size(file);
    }

    /** The inflated body, from its start. */
    public InputStream open() throws IOException {
        return new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
