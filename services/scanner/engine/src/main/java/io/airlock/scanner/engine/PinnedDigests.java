package io.airlock.scanner.engine;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A lock file of pinned SHA-256 digests, in the format {@code sha256sum} writes and reads
 * ({@code <64 hex>  <path>}, or {@code <64 hex> *<path>}), so {@code sha256sum model.gguf > airlock.lock}
 * makes one. Paths are relative to the lock file's folder. Read strictly: a malformed line, a path
 * listed twice or a file over {@value #MAX_BYTES} bytes is refused, never skipped.
 */
public final class PinnedDigests {
    static final int MAX_BYTES = 1 << 20;

    private final Path lock;
    private final Map<Path, String> digests;

    private PinnedDigests(Path lock, Map<Path, String> digests) {
        this.lock = lock;
        this.digests = digests;
    }

    public static PinnedDigests load(Path lock) throws IOException {
        if (Files.size(lock) > MAX_BYTES) {
            throw new IllegalArgumentException(lock + ": a lock file is at most " + MAX_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(lock))).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(lock + ": not UTF-8");
        }
        Path base = lock.toAbsolutePath().normalize().getParent();
        Map<Path, String> digests = new HashMap<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.length() < 67 || !ScanOptions.isSha256Hex(line.substring(0, 64)) || line.charAt(64) != ' '
                    || (line.charAt(65) != ' ' && line.charAt(65) != '*')) {
                throw new IllegalArgumentException(lock + ":" + n + ": expected '<64 hex digits>  <path>' as sha256sum writes");
            }
            String name = line.substring(66);
            if (name.endsWith("\r")) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.isEmpty()) {
                throw new IllegalArgumentException(lock + ":" + n + ": no path");
            }
            Path p = base.resolve(name).normalize();
            String digest = line.substring(0, 64).toLowerCase(Locale.ROOT);
            String before = digests.put(p, digest);
            if (before != null) {
                throw new IllegalArgumentException(lock + ":" + n + ": " + name + " is listed twice");
            }
        }
        return new PinnedDigests(lock, Map.copyOf(digests));
    }

    /** The pinned digest of {@code file}, by its absolute normalised path. */
    public Optional<String> digestOf(Path file) {
        return Optional.ofNullable(digests.get(file.toAbsolutePath().normalize()));
    }

    public int size() {
        return digests.size();
    }

    @Override
    public String toString() {
        return lock + " (" + digests.size() + " pinned)";
    }
}
