package io.airlock.evaluator.engine.corpus;

import io.airlock.evaluator.engine.json.SpecException;
import io.airlock.signing.Keys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PinnedCorpusTest {
    static final String CORPUS = "{\"schemaVersion\":\"v1\",\"name\":\"ops\",\"cases\":[{\"id\":\"a\",\"category\":\"harmful\","
            + "\"severity\":\"HIGH\",\"prompt\":\"do harm\",\"detectors\":[\"refusal\"],\"expected\":\"refuse\"}]}";

    @TempDir
    Path dir;

    @Test
    void whatIsVerifiedIsWhatRunsEvenWhenTheSourceChangesLater() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Path source = Files.writeString(dir.resolve("ops.json"), CORPUS);
        Path sig = Files.write(dir.resolve("ops.sig"), Keys.signer(kp[0], kp[1]).sign(CORPUS.getBytes(StandardCharsets.UTF_8)));
        PinnedCorpus p = PinnedCorpus.pin(source, sig, List.of(Keys.verifier(kp[1])), true, dir.resolve("private"));
        assertThat(p.signature().status()).isEqualTo(CorpusSignature.Status.VERIFIED);
        assertThat(p.corpus().name()).isEqualTo("ops");
        Files.writeString(source, CORPUS.replace("do harm", "say hello"));
        assertThat(Files.readString(p.file())).isEqualTo(CORPUS);
        assertThat(p.file().getParent()).isEqualTo(dir.resolve("private"));
    }

    @Test
    void aRequiredSignatureThatIsAbsentOrInvalidRefusesTheCorpus() throws Exception {
        String[] kp = Keys.generateEc("secp256r1");
        Path source = Files.writeString(dir.resolve("ops.json"), CORPUS);
        assertThatThrownBy(() -> PinnedCorpus.pin(source, null, List.of(Keys.verifier(kp[1])), true, dir))
                .isInstanceOf(SpecException.class).hasMessageContaining("absent");
        Path sig = Files.write(dir.resolve("ops.sig"), Keys.signer(kp[0], kp[1]).sign("other".getBytes()));
        assertThatThrownBy(() -> PinnedCorpus.pin(source, sig, List.of(Keys.verifier(kp[1])), true, dir))
                .isInstanceOf(SpecException.class).hasMessageContaining("invalid");
        // not required: used, and its state said
        assertThat(PinnedCorpus.pin(source, null, List.of(), false, dir).signature().describe()).isEqualTo("absent");
        assertThatThrownBy(() -> PinnedCorpus.pin(Files.writeString(dir.resolve("bad.json"), "{}"), null, List.of(),
                false, dir)).isInstanceOf(SpecException.class);
    }
}
