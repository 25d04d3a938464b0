package io.airlock.blob;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSystemBlobStoreTest {
    @TempDir
    Path dir;

    // sha256("hello")
    private static final String HELLO = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @Test
    void putStoresUnderDigestAndIsReadOnly() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        StoredBlob b = store.put(bytes("hello"), 100);
        assertThat(b.ref().sha256()).isEqualTo(HELLO);
        assertThat(b.size()).isEqualTo(5);
        assertThat(Files.readString(store.path(b.ref()))).isEqualTo("hello");
        // permission bits, not access(2): the build may run as root, who may write anything
        assertThat(Files.getPosixFilePermissions(store.path(b.ref())))
                .doesNotContain(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE,
                        java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
                        java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
        assertThat(stagingFiles(store)).isEmpty();
    }

    @Test
    void samebytesTwiceIsOneBlob() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        StoredBlob a = store.put(bytes("hello"), 100);
        StoredBlob b = store.put(bytes("hello"), 100);
        assertThat(a).isEqualTo(b);
        assertThat(stagingFiles(store)).isEmpty();
    }

    @Test
    void oneByteOverTheLimitLeavesNothingBehind() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        assertThatThrownBy(() -> store.put(bytes("hello!"), 5)).isInstanceOf(BlobStoreException.TooLarge.class);
        assertThat(stagingFiles(store)).isEmpty();
        assertThat(store.exists(BlobRef.parse("sha256:" + HELLO))).isFalse();
        assertThat(store.put(bytes("hello"), 5).size()).isEqualTo(5);
    }

    @Test
    void adoptMovesAnUploadAndHashesIt() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        Path upload = store.uploadsDirectory().resolve("u1");
        Files.writeString(upload, "hello");
        StoredBlob b = store.adopt(upload, 10);
        assertThat(b.ref().sha256()).isEqualTo(HELLO);
        assertThat(upload).doesNotExist();
    }

    @Test
    void adoptKeepsASmallContentFromTheHashingPassAndNothingOfALargerOne() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        Path small = store.uploadsDirectory().resolve("small");
        Files.writeString(small, "hello");
        BlobStore.Adopted a = store.adopt(small, 10, 5);
        assertThat(a.blob().ref().sha256()).isEqualTo(HELLO);
        assertThat(a.content()).hasValueSatisfying(c -> assertThat(new String(c, StandardCharsets.UTF_8)).isEqualTo("hello"));

        // one byte more than the caller keeps: no content (the caller reads by reference), the digest as always
        byte[] big = new byte[2 * (1 << 20) + 7];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        Path large = store.uploadsDirectory().resolve("large");
        Files.write(large, big);
        BlobStore.Adopted b = store.adopt(large, big.length, big.length - 1);
        assertThat(b.content()).isEmpty();
        assertThat(b.blob().ref().sha256()).isEqualTo(FileSystemBlobStore.hash(store.path(b.blob().ref())));
        // across the 1 MiB read chunks, the kept bytes are the file's
        Path same = store.uploadsDirectory().resolve("same");
        Files.write(same, big);
        assertThat(store.adopt(same, big.length, big.length).content()).hasValueSatisfying(c -> assertThat(c).isEqualTo(big));
    }

    @Test
    void adoptRefusesOversizeAndDeletesTheUpload() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        Path upload = store.uploadsDirectory().resolve("u2");
        Files.writeString(upload, "hello");
        assertThatThrownBy(() -> store.adopt(upload, 4)).isInstanceOf(BlobStoreException.TooLarge.class);
        assertThat(upload).doesNotExist();
        assertThat(stagingFiles(store)).isEmpty();
    }

    @Test
    void reserveLargerThanTheDiskRefusesWithInsufficientStorage() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, Long.MAX_VALUE / 2);
        assertThatThrownBy(() -> store.put(bytes("hello"), 100))
                .isInstanceOf(BlobStoreException.InsufficientStorage.class);
        assertThat(stagingFiles(store)).isEmpty();
    }

    @Test
    void refsAreValidated() {
        assertThat(BlobRef.parse("SHA256:" + HELLO.toUpperCase()).sha256()).isEqualTo(HELLO);
        assertThatThrownBy(() -> BlobRef.parse("sha256:../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlobRef.parse("abc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void missingBlobIsNotFound() throws IOException {
        FileSystemBlobStore store = new FileSystemBlobStore(dir, 0);
        assertThatThrownBy(() -> store.open(BlobRef.parse(HELLO))).isInstanceOf(BlobStoreException.NotFound.class);
    }

    private static InputStream bytes(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }


    private static java.util.List<Path> stagingFiles(FileSystemBlobStore s) throws IOException {
        try (Stream<Path> st = Files.list(s.root().resolve("staging"))) {
            return st.toList();
        }
    }
}
