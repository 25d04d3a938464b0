package io.airlock.scanner.engine.analysis;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Severity;
import io.airlock.formats.Format;
import io.airlock.fixtures.ZipBuilder;
import io.airlock.formats.ByteSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.stream.Stream;

import static io.airlock.scanner.engine.HostileCorpus.HONEST_H5_CONFIG;
import static io.airlock.scanner.engine.HostileCorpus.LAMBDA_LAYER;
import static io.airlock.scanner.engine.HostileCorpus.kerasH5File;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Keras .h5 files in the static scan: the model config found by the byte search (the HDF5
 * structure is not parsed) gets the .keras config rules; what the search cannot vouch for is said.
 */
class KerasH5Test {
    static StaticScan.Outcome scan(byte[] b, Format f) throws IOException {
        return new StaticScan(ImportTiers.builtin(), StaticScanPolicy.defaults()).scan(ByteSource.of(b), f);
    }

    static Stream<Arguments> hostile() {
        String sequential = "{\"class_name\": \"Sequential\", \"config\": {\"layers\": [%s]}}";
        return Stream.of(
                arguments("Lambda layer", kerasH5File(sequential.formatted(LAMBDA_LAYER)), "keras.lambda_layer"),
                arguments("Keras 2 Lambda (marshalled function list)", kerasH5File(sequential.formatted("{\"class_name\": \"Lambda\","
                        + " \"config\": {\"function\": [\"4wEAAAAAAAAA\", null, null], \"function_type\": \"lambda\"}}")),
                        "keras.lambda_layer"),
                arguments("object from a module outside Keras", kerasH5File(sequential.formatted("{\"class_name\": \"Dense\","
                        + " \"config\": {\"activation\": {\"module\": \"builtins\", \"class_name\": \"function\", \"config\": \"exec\"}}}")),
                        "keras.foreign_module"),
                arguments("registered custom object", kerasH5File(sequential.formatted("{\"class_name\": \"Evil\","
                        + " \"registered_name\": \"evilpkg>Evil\", \"config\": {}}")), "keras.custom_object"),
                arguments("a Lambda after an honest decoy config", kerasH5File(HONEST_H5_CONFIG, sequential.formatted(LAMBDA_LAYER)),
                        "keras.lambda_layer"),
                arguments("a custom loss in training_config (no class_name at its top)", kerasH5File(HONEST_H5_CONFIG,
                        "{\"loss\": {\"class_name\": \"L\", \"registered_name\": \"evilpkg>L\"}, \"metrics\": []}"),
                        "keras.custom_object"),
                arguments("config with NaN (json.loads reads it)", kerasH5File("{\"class_name\": \"Sequential\", \"config\":"
                        + " {\"l2\": NaN}}"), "keras.malformed"),
                arguments("config nested past the bound", kerasH5File("{\"class_name\": \"Sequential\", \"config\": "
                        + "[".repeat(80) + "]".repeat(80) + "}"), "keras.limit_exceeded"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void whatAKerasConfigRunsIsFoundInAnH5File(String name, byte[] h5, String rule) throws IOException {
        StaticScan.Outcome o = scan(h5, Format.HDF5);
        assertThat(o.applicable()).isTrue();
        assertThat(o.findings()).as(name).anySatisfy(f -> {
            assertThat(f.rule()).isEqualTo(rule);
            assertThat(f.severity()).isEqualTo(Severity.HIGH);
        });
    }

    @Test
    void anHonestConfigPassesAndTheDetailsSayItWasFoundByByteSearch() throws IOException {
        StaticScan.Outcome o = scan(kerasH5File(HONEST_H5_CONFIG), Format.HDF5);
        assertThat(o.applicable()).isTrue();
        assertThat(o.findings()).isEmpty();
        assertThat(o.details().get("hdf5.modelConfig")).startsWith("Keras model config at offset")
                .contains("located by a byte search").contains("HDF5 structure not parsed");
        assertThat(o.details()).containsEntry("hdf5ModelConfigs", "1");
    }

    @Test
    void withoutAConfigTheFileIsReportedAsNotInspectedNeverAsClean() throws IOException {
        StaticScan.Outcome o = scan(kerasH5File(), Format.HDF5);
        assertThat(o.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("keras.h5_not_inspected");
            assertThat(f.severity()).isEqualTo(Severity.LOW);
            assertThat(f.message()).startsWith("not run").contains("byte search").contains("structure is not parsed");
        });
        assertThat(o.details().get("hdf5.modelConfig")).startsWith("no Keras model config").contains("HDF5 structure not parsed");
    }

    @Test
    void anH5MemberOfAnArchiveIsSearchedToo() throws IOException {
        byte[] evil = ZipBuilder.zip().with("tf_model.h5", kerasH5File("{\"class_name\": \"Sequential\", \"config\": {\"layers\": ["
                + LAMBDA_LAYER + "]}}")).bytes();
        assertThat(scan(evil, Format.ZIP).findings()).extracting(Finding::rule).contains("keras.lambda_layer");
        // a weights file inside an archive holds no config, and says nothing: the folder stage reports .h5 members
        byte[] honest = ZipBuilder.zip().with("model.weights.h5", kerasH5File()).with("tf_model.h5", kerasH5File(HONEST_H5_CONFIG))
                .bytes();
        StaticScan.Outcome o = scan(honest, Format.ZIP);
        assertThat(o.findings()).isEmpty();
        assertThat(o.details()).containsEntry("hdf5Searched", "2").containsEntry("hdf5ModelConfigs", "1");
    }
}
