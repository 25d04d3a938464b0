package io.airlock.formats;

/** Little-endian reads and small printing helpers over byte arrays; callers check bounds first. */
public final class Bytes {
    private Bytes() {
    }

    public static int u8(byte[] b, int i) {
        return b[i] & 0xff;
    }

    public static int u16le(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    public static long u32le(byte[] b, int i) {
        return (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24;
    }

    /** A u64 as Java's signed long: values with the top bit set come out negative, which every caller rejects. */
    public static long u64le(byte[] b, int i) {
        return u32le(b, i) | u32le(b, i + 4) << 32;
    }

    public static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at < 0 || b.length - at < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    public static int indexOf(byte[] b, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= b.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (b[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Up to {@code max} bytes as hex, for evidence. */
    public static String hex(byte[] b, int off, int max) {
        StringBuilder sb = new StringBuilder();
        int end = Math.min(b.length, off + max);
        for (int i = off; i < end; i++) {
            sb.append(String.format("%02x", b[i] & 0xff));
        }
        return sb.toString();
    }

    /** Bytes as printable ASCII, others as {@code \xNN}, cut at {@code max} characters. */
    public static String printable(byte[] b, int off, int len, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = off; i < off + len && i < b.length && sb.length() < max; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
