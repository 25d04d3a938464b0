package io.airlock.guard.engine;

import io.airlock.contracts.Kind;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The guard's quick look inside model files, with pickles and archives built byte by byte here. */
class QuickModelScanTest {
    /** Protocol 2: GLOBAL os.system, BINUNICODE "id", TUPLE1, REDUCE, STOP: calls os.system("id") when loaded. */
    static final byte[] OS_SYSTEM = bytes("\u0080\u0002cos\nsystem\nX\u0002\u0000\u0000\u0000id\u0085R.");
    /** Protocol 2: the int 1. */
    static final byte[] BENIGN = {(byte) 0x80, 0x02, 'K', 0x01, '.'};

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] zip(String name, byte[] content) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry(name));
            z.write(content);
            z.closeEntry();
        }
        return out.toByteArray();
    }

    private static GuardResult check(String filename, byte[] content) {
        return new GuardEngine(GuardPolicy.defaults()).check(GuardInput.ofInline(Kind.MODEL, "", filename, content));
    }

    @Test
    void aPickleThatCallsOsSystemIsBlocked() {
        GuardResult r = check("model.pkl", OS_SYSTEM);
        assertThat(r.verdict()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(r.findings()).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo("guard.pickle_import");
            assertThat(f.message()).contains("os").contains("system");
        });
    }

    @Test
    void theSameInsideATorchZipIsBlockedWhateverTheMemberIsCalled() throws Exception {
        GuardResult r = check("model.pt", zip("archive/weights.bin", OS_SYSTEM));
        assertThat(r.verdict()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(r.findings()).extracting(f -> f.rule()).contains("guard.pickle_import");
    }

    @Test
    void anArchiveMemberThatEscapesItsFolderIsBlocked() throws Exception {
        GuardResult r = check("bundle.zip", zip("../../etc/cron.d/x", "* * * * * root id\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(r.verdict()).isEqualTo(GuardVerdict.BLOCK);
        assertThat(r.findings()).extracting(f -> f.rule()).contains("guard.archive");
    }

    @Test
    void aBenignPickleGoesOnToTheScanner() {
        // the scan policy denies pickles, with evidence; the gate blocks only what attacks
        GuardResult r = check("model.pkl", BENIGN);
        assertThat(r.verdict()).isEqualTo(GuardVerdict.ALLOW);
        assertThat(r.findings()).noneMatch(f -> f.rule().equals("guard.pickle_import"));
    }
}
