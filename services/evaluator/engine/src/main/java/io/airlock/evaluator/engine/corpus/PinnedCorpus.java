package io.airlock.evaluator.engine.corpus;

import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.signing.Keys;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * An external corpus as a long-running service uses it: read once (bounded), parsed strictly,
 * its signature checked over the bytes read, and those bytes copied to a private file that every
 * run then reads. What is verified is what runs, even if the configured file changes later.
 *
 * @param file      the private copy runs read
 * @param corpus    the parsed corpus (name, cases, digest)
 * @param signature the signature state, for every report
 */
public record PinnedCorpus(Path file, Corpus corpus, CorpusSignature.Result signature) {

    /**
     * @throws SpecException when the corpus is invalid, or a signature is required and not verified
     * @throws IOException   when a file cannot be read or the copy written
     */
    public static PinnedCorpus pin(Path source, Path signature, List<Keys.Verifier> trusted, boolean requireSigned,
                                   Path privateDir) throws SpecException, IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(source)) {
            bytes = in.readNBytes((int) CorpusReader.MAX_BYTES + 1);
        }
        if (bytes.length > CorpusReader.MAX_BYTES) {
            throw new SpecException("corpus " + source + " is over " + CorpusReader.MAX_BYTES + " bytes");
        }
        Corpus corpus = CorpusReader.parse(bytes, "corpus " + source.getFileName());
        Files.createDirectories(privateDir);
        Path copy = Files.createTempFile(privateDir, "corpus-", ".json");
        try {
            Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own permissions are what protect it
        }
        Files.write(copy, bytes);
        CorpusSignature.Result sig = CorpusSignature.check(copy, signature, trusted);
        if (requireSigned && sig.status() != CorpusSignature.Status.VERIFIED) {
            Files.deleteIfExists(copy);
            throw new SpecException("corpus " + source + ": signature " + sig.describe()
                    + ", and a verified signature is required");
        }
        return new PinnedCorpus(copy, corpus, sig);
    }
}
