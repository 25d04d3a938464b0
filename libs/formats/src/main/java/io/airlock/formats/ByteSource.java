package io.airlock.formats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Positional, bounded read access to an artifact's bytes, whole or only its head.
 *
 * <p>{@link #size()} is the artifact's true length, against which parsers check every length and
 * offset they read; {@link #readable()} is how much of it this source can actually return. For a
 * file or a whole in-memory artifact the two are equal; for a head they differ, and a parser that
 * needs bytes past {@code readable()} stops and says its answer is incomplete.
 */
public interface ByteSource {

    /** The artifact's length in bytes. */
    long size();

    /** How many bytes from offset 0 this source can return. */
    long readable();

    /**
     * Reads up to {@code len} bytes at {@code pos} into {@code dst}; returns how many were read,
     * 0 at or past {@link #readable()}.
     */
    int read(long pos, byte[] dst, int off, int len) throws IOException;

    /** Reads exactly {@code len} bytes at {@code pos}; the caller has checked the range against size(). */
    default byte[] readExactly(long pos, int len) throws IOException {
        if (pos < 0 || len < 0 || pos > readable() - len) {
            throw new IOException("range " + pos + "+" + len + " outside the readable " + readable() + " bytes");
        }
        byte[] out = new byte[len];
        int done = 0;
        while (done < len) {
            int n = read(pos + done, out, done, len - done);
            if (n <= 0) {
                throw new IOException("short read at " + (pos + done));
            }
            done += n;
        }
        return out;
    }

    /** A whole artifact held in memory. */
    static ByteSource of(byte[] bytes) {
        return head(bytes, bytes.length);
    }

    /** The first {@code head.length} bytes of an artifact of {@code totalSize} bytes. */
    static ByteSource head(byte[] head, long totalSize) {
        if (totalSize < head.length) {
            throw new IllegalArgumentException("total size " + totalSize + " < head " + head.length);
        }
        return new ByteSource() {
            @Override
            public long size() {
                return totalSize;
            }

            @Override
            public long readable() {
                return head.length;
            }

            @Override
            public int read(long pos, byte[] dst, int off, int len) {
                if (pos < 0 || pos >= head.length) {
                    return 0;
                }
                int n = (int) Math.min(len, head.length - pos);
                System.arraycopy(head, (int) pos, dst, off, n);
                return n;
            }
        };
    }

    /**
     * A file opened by the caller. The size is taken once, now: a file that grows later is read
     * as it was, and the integrity stage is what notices the change.
     */
    static ByteSource of(FileChannel channel) throws IOException {
        long size = channel.size();
        return new ByteSource() {
            @Override
            public long size() {
                return size;
            }

            @Override
            public long readable() {
                return size;
            }

            @Override
            public int read(long pos, byte[] dst, int off, int len) throws IOException {
                if (pos < 0 || pos >= size) {
                    return 0;
                }
                int want = (int) Math.min(len, size - pos);
                int n = channel.read(ByteBuffer.wrap(dst, off, want), pos);
                return Math.max(n, 0);
            }
        };
    }

    /** The first {@code max} bytes (fewer if the source is shorter), read once. */
    static byte[] headOf(ByteSource src, int max) throws IOException {
        int len = (int) Math.min(max, src.readable());
        byte[] buf = new byte[len];
        int done = 0;
        while (done < len) {
            int n = src.read(done, buf, done, len - done);
            if (n <= 0) {
                break;
            }
            done += n;
        }
        return done == len ? buf : Arrays.copyOf(buf, done);
    }
}
