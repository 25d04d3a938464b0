package io.airlock.formats;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The byte search for JSON objects behind the Keras .h5 check: what it finds, what it skips, where it stops. */
class EmbeddedJsonTest {
    static final EmbeddedJson.Limits DEFAULTS = EmbeddedJson.Limits.defaults();

    static byte[] binary(String... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Random r = new Random(1);
        for (String p : parts) {
            byte[] noise = new byte[257];
            r.nextBytes(noise);
            out.writeBytes(noise);
            out.write(0);
            out.writeBytes(p.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    static EmbeddedJson.Search search(byte[] b, EmbeddedJson.Limits limits) throws IOException {
        return EmbeddedJson.search(ByteSource.of(b), limits);
    }

    static String text(byte[] b, EmbeddedJson.Found f) {
        return new String(b, (int) f.offset(), f.length(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"class_name\": \"Lambda\"}", "{ \"config\": {}, \"class_name\": \"Lambda\"}",
            "{\n\t\"\\u0063lass_name\" : \"Lambda\" }", "{\"a\": [1, -2.5e-3, true, false, null, NaN, -Infinity, {\"b\": \"\\\"}\"}]}"})
    void findsAnObjectWhateverItsSpacingKeyOrderOrEscapes(String json) throws IOException {
        byte[] b = binary(json);
        EmbeddedJson.Search s = search(b, DEFAULTS);
        assertThat(s.complete()).isTrue();
        assertThat(s.searched()).isEqualTo(b.length);
        assertThat(s.objects()).singleElement().satisfies(f -> assertThat(text(b, f)).isEqualTo(json));
    }

    @Test
    void anObjectStartingInsideABrokenOneIsFound() throws IOException {
        // the first candidate reads "x{" as a string and breaks at 'c'; the search goes on from its second byte
        byte[] b = binary("{\"a\": \"x{\"class_name\": \"Lambda\"}");
        assertThat(search(b, DEFAULTS).objects()).singleElement()
                .satisfies(f -> assertThat(text(b, f)).isEqualTo("{\"class_name\": \"Lambda\"}"));
    }

    @Test
    void objectsInsideAClosedObjectAreNotFoundTwiceAndEveryTopObjectIsFound() throws IOException {
        byte[] b = binary("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\"}]}}",
                "{\"class_name\": \"Lambda\"}");
        assertThat(search(b, DEFAULTS).objects()).extracting(f -> text(b, f))
                .containsExactly("{\"class_name\": \"Sequential\", \"config\": {\"layers\": [{\"class_name\": \"Dense\"}]}}",
                        "{\"class_name\": \"Lambda\"}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"a\"}", "{\"a\": }", "{\"a\": 1,}", "{\"a\": 01}", "{\"a\": \"\u0001\"}", "{\"a\": \"x\\q\"}",
            "{\"a\": [1 2]}", "{\"a\": tru}", "{\"a\": 1"})
    void whatJsonLoadsWouldRefuseIsNotAnObject(String notJson) throws IOException {
        EmbeddedJson.Search s = search(binary(notJson), DEFAULTS);
        assertThat(s.objects()).isEmpty();
        assertThat(s.complete()).isTrue();
    }

    @Test
    void randomBytesHoldNoObjectAndCostLittle() throws IOException {
        byte[] b = new byte[8 << 20];
        new Random(3).nextBytes(b);
        // a bound of one and a half looks a byte: random candidates break within a few bytes
        EmbeddedJson.Search s = search(b, new EmbeddedJson.Limits(16 << 20, 64, 256, 1, 4 << 20));
        assertThat(s.complete()).isTrue();
        assertThat(s.objects()).isEmpty();
    }

    @Test
    void anObjectLongerThanTheBoundStopsTheSearch() throws IOException {
        byte[] b = binary("{\"config\": \"" + "x".repeat(5000) + "\"}");
        EmbeddedJson.Search s = search(b, new EmbeddedJson.Limits(4096, 64, 256, 4, 1 << 20));
        assertThat(s.stop()).isEqualTo(EmbeddedJson.Stop.OBJECT_TOO_LONG);
        assertThat(s.stopOffset()).isEqualTo(258);
        // an object cut short by the end of the bytes is noise, not a bound
        EmbeddedJson.Search cut = search(binary("{\"config\": \"" + "x".repeat(5000)), DEFAULTS);
        assertThat(cut.complete()).isTrue();
        assertThat(cut.objects()).isEmpty();
    }

    @Test
    void anObjectDeeperThanTheBoundStopsTheSearch() throws IOException {
        EmbeddedJson.Search s = search(binary("{\"a\": " + "[".repeat(70) + "]".repeat(70) + "}"), DEFAULTS);
        assertThat(s.stop()).isEqualTo(EmbeddedJson.Stop.TOO_DEEP);
        assertThat(search(binary("{\"a\": " + "[".repeat(60) + "]".repeat(60) + "}"), DEFAULTS).objects()).hasSize(1);
    }

    @Test
    void moreObjectsThanTheBoundStopTheSearch() throws IOException {
        String[] many = new String[5];
        java.util.Arrays.fill(many, "{\"a\": 1}");
        EmbeddedJson.Search s = search(binary(many), new EmbeddedJson.Limits(4096, 64, 4, 4, 1 << 20));
        assertThat(s.stop()).isEqualTo(EmbeddedJson.Stop.TOO_MANY_OBJECTS);
        assertThat(s.objects()).hasSize(4);
    }

    @Test
    void candidatesThatBreakLateExhaustTheWorkBound() throws IOException {
        // each '{"k":[' opens an object that runs to the end and breaks there: looked at again from every start
        String nested = "{\"k\":[".repeat(30);
        EmbeddedJson.Search s = search(binary(nested + "1,".repeat(20_000) + "x"), new EmbeddedJson.Limits(1 << 20, 64, 256, 4, 0));
        assertThat(s.stop()).isEqualTo(EmbeddedJson.Stop.WORK);
        assertThat(s.complete()).isFalse();
    }
}
