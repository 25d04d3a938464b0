package io.airlock.formats;

import io.airlock.fixtures.TarBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Task folders as tars: what is read, the digest's definition, and every hostile member refused by name. */
class TaskBundleTest {

    private static TaskBundle read(byte[] tar) throws IOException, FormatViolation {
        return TaskBundle.read(new ByteArrayInputStream(tar));
    }

    @Test
    void aFolderPackedByTarReadsBackWithTheSameDigestAsItsFiles() throws Exception {
        byte[] tar = TarBuilder.tar().dir("./").file("./task.yml", "lang: py\n").file("./reference.py", "x = 1\n").bytes();
        TaskBundle b = read(tar);
        assertThat(b.files().keySet()).containsExactly("reference.py", "task.yml");
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("task.yml", "lang: py\n".getBytes(StandardCharsets.UTF_8));
        files.put("reference.py", "x = 1\n".getBytes(StandardCharsets.UTF_8));
        assertThat(TaskBundle.of(files).digest()).isEqualTo(b.digest());
        // and what the bundle writes reads back to the same digest
        assertThat(read(b.toTar()).digest()).isEqualTo(b.digest());
    }

    @Test
    void theDigestIsTheSha256OfTheSortedListingOfNamesAndFileHashes() throws Exception {
        byte[] a = "A".getBytes(StandardCharsets.UTF_8);
        byte[] b = "B".getBytes(StandardCharsets.UTF_8);
        String listing = "a.py\0" + hex(a) + "\n" + "b.py\0" + hex(b) + "\n";
        assertThat(TaskBundle.of(Map.of("b.py", b, "a.py", a)).digest())
                .isEqualTo("sha256:" + hex(listing.getBytes(StandardCharsets.UTF_8)));
        // one changed byte, one renamed file: another digest
        assertThat(TaskBundle.of(Map.of("b.py", a, "a.py", a)).digest()).isNotEqualTo(TaskBundle.of(Map.of("b.py", b, "a.py", a)).digest());
        assertThat(TaskBundle.of(Map.of("c.py", b, "a.py", a)).digest()).isNotEqualTo(TaskBundle.of(Map.of("b.py", b, "a.py", a)).digest());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> hostile() {
        byte[] big = new byte[TaskBundle.MAX_FILE_BYTES + 1];
        TarBuilder many = TarBuilder.tar();
        for (int i = 0; i <= TaskBundle.MAX_FILES; i++) {
            many.file("f" + i + ".py", "x");
        }
        TarBuilder total = TarBuilder.tar();
        for (int i = 0; i < 5; i++) {
            total.file("f" + i + ".bin", new byte[TaskBundle.MAX_FILE_BYTES]);
        }
        return Stream.of(
                arguments("symlink", TarBuilder.tar().entry("reference.py", '2', new byte[0], "/etc/passwd", false).bytes()),
                arguments("hard link", TarBuilder.tar().file("a.py", "x").entry("b.py", '1', new byte[0], "a.py", false).bytes()),
                arguments("traversal", TarBuilder.tar().file("../reference.py", "x").bytes()),
                arguments("absolute", TarBuilder.tar().file("/tmp/reference.py", "x").bytes()),
                arguments("sub-folder", TarBuilder.tar().file("sub/reference.py", "x").bytes()),
                arguments("folder entry", TarBuilder.tar().dir("sub/").bytes()),
                arguments("too large a file", TarBuilder.tar().file("big.bin", big).bytes()),
                arguments("too many files", many.bytes()),
                arguments("too many bytes in all", total.bytes()),
                arguments("duplicate", TarBuilder.tar().file("a.py", "x").file("./a.py", "y").bytes()),
                arguments("bad checksum", TarBuilder.tar().entry("a.py", '0', new byte[3], "", true).bytes()),
                arguments("cut short", TarBuilder.tar().file("a.py", "xxxx").cutAt(600).bytes()),
                arguments("no end marker", TarBuilder.tar().file("a.py", "x").endBlocks(0).bytes()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileBundlesAreRefusedWithARule(String why, byte[] tar) {
        assertThatThrownBy(() -> read(tar)).as(why).isInstanceOf(FormatViolation.class)
                .satisfies(e -> assertThat(((FormatViolation) e).rule()).isNotBlank());
    }

    @Test
    void namesThatAreNotPlainAreRefusedWhenBuiltInCodeToo() {
        Map<String, byte[]> bad = new TreeMap<>(Map.of("../x", new byte[0]));
        assertThatThrownBy(() -> TaskBundle.of(bad)).isInstanceOf(FormatViolation.class)
                .hasMessageContaining("plain file name");
    }

    private static String hex(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
