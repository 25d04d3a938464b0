package io.airlock.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every overlay rendered and every object validated offline, and the manifests checked against
 * the services' own configuration: images, ports, probe paths.
 */
class KubernetesManifestsTest {
    static final Path ROOT = Path.of(System.getProperty("airlock.repo.root", "..")).toAbsolutePath().normalize();
    static final Map<String, String> MODULES = Map.of("gateway", "services/gateway", "guard", "services/guard/app",
            "scanner", "services/scanner/app", "evaluator", "services/evaluator/app", "registry", "services/registry");

    @ParameterizedTest
    @ValueSource(strings = {"base", "overlays/dev", "overlays/prod"})
    void everyRenderedObjectIsValid(String dir) throws IOException {
        List<ObjectNode> objects = Kustomize.build(ROOT.resolve("k8s").resolve(dir));
        assertThat(objects).hasSizeGreaterThan(20);
        List<String> problems = new ArrayList<>();
        objects.forEach(o -> problems.addAll(Strict.check(o)));
        assertThat(problems).isEmpty();
    }

    @Test
    void theValidatorCatchesMisspelledFieldsAndWrongTypes() throws IOException {
        ObjectNode d = deployment(Kustomize.build(ROOT.resolve("k8s/base")), "airlock-gateway").deepCopy();
        ((ObjectNode) d.path("spec")).put("replicsa", 2);
        assertThat(Strict.check(d)).anyMatch(p -> p.contains("replicsa"));
        ObjectNode e = deployment(Kustomize.build(ROOT.resolve("k8s/base")), "airlock-gateway").deepCopy();
        ((ObjectNode) e.path("spec")).put("replicas", "two");
        assertThat(Strict.check(e)).isNotEmpty();
        ObjectNode deep = deployment(Kustomize.build(ROOT.resolve("k8s/base")), "airlock-gateway").deepCopy();
        ((ObjectNode) deep.path("spec").path("template").path("spec").path("containers").get(0)).put("imagePullPolcy", "Always");
        assertThat(Strict.check(deep)).anyMatch(p -> p.contains("imagePullPolcy"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"overlays/dev", "overlays/prod"})
    void deploymentsMatchTheServicesConfiguration(String dir) throws IOException {
        List<ObjectNode> objects = Kustomize.build(ROOT.resolve("k8s").resolve(dir));
        for (Map.Entry<String, String> svc : MODULES.entrySet()) {
            Properties props = new Properties();
            try (Reader r = Files.newBufferedReader(ROOT.resolve(svc.getValue()).resolve("src/main/resources/application.properties"))) {
                props.load(r);
            }
            int port = Integer.parseInt(props.getProperty("quarkus.http.port"));
            JsonNode c = deployment(objects, "airlock-" + svc.getKey()).path("spec").path("template").path("spec")
                    .path("containers").get(0);
            assertThat(c.path("image").asText()).as(svc.getKey()).startsWith("airlock/" + svc.getKey());
            assertThat(c.path("ports").get(0).path("containerPort").asInt()).as(svc.getKey()).isEqualTo(port);
            assertThat(c.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
            assertThat(c.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/live");
            assertThat(c.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/started");
            assertThat(c.path("resources").path("requests").isObject() && c.path("resources").path("limits").isObject()).isTrue();
            JsonNode service = objects.stream().filter(o -> o.path("kind").asText().equals("Service")
                    && o.path("metadata").path("name").asText().equals("airlock-" + svc.getKey())).findFirst().orElseThrow();
            assertThat(service.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(port);
            assertThat(objects).anyMatch(o -> o.path("kind").asText().equals("PodDisruptionBudget")
                    && o.path("metadata").path("name").asText().equals("airlock-" + svc.getKey()));
        }
        // secrets are referenced, never committed with values
        assertThat(objects).noneMatch(o -> o.path("kind").asText().equals("Secret"));
    }

    @Test
    void workersThatParseHostileBytesHaveNoDatabaseAndNoInternet() throws IOException {
        List<ObjectNode> objects = Kustomize.build(ROOT.resolve("k8s/overlays/prod"));
        JsonNode policy = objects.stream().filter(o -> o.path("metadata").path("name").asText().equals("airlock-workers-egress"))
                .findFirst().orElseThrow();
        String targets = policy.path("spec").path("egress").findValues("app.kubernetes.io/name").stream()
                .map(JsonNode::asText).sorted().collect(Collectors.joining(","));
        assertThat(targets).isEqualTo("airlock-redis,airlock-registry");
        for (JsonNode rule : policy.path("spec").path("egress")) {
            // every egress rule names a destination pod, except DNS (port 53 only)
            if (!rule.has("to")) {
                assertThat(rule.path("ports").findValues("port")).allMatch(p -> p.asInt() == 53);
            }
        }
    }

    @Test
    void prodRunsTheEvaluatorOnAGpuAndDevOnCpu() throws IOException {
        JsonNode prod = deployment(Kustomize.build(ROOT.resolve("k8s/overlays/prod")), "airlock-evaluator");
        assertThat(prod.path("spec").path("template").path("spec").path("containers").get(0)
                .path("resources").path("limits").path("nvidia.com/gpu").asText()).isEqualTo("1");
        assertThat(prod.path("spec").path("template").path("spec").path("tolerations")).isNotEmpty();
        JsonNode dev = deployment(Kustomize.build(ROOT.resolve("k8s/overlays/dev")), "airlock-evaluator");
        assertThat(dev.path("spec").path("template").path("spec").path("containers").get(0)
                .path("resources").path("limits").has("nvidia.com/gpu")).isFalse();
        assertThat(dev.path("metadata").path("namespace").asText()).isEqualTo("airlock-dev");
    }

    @Test
    void prodSignsAdmissionsWithAPinnedKeyAndKeepsTheBlobStore() throws IOException {
        JsonNode spec = deployment(Kustomize.build(ROOT.resolve("k8s/overlays/prod")), "airlock-registry")
                .path("spec").path("template").path("spec");
        JsonNode container = spec.path("containers").get(0);
        assertThat(container.path("env").findValuesAsText("name"))
                .contains("AIRLOCK_REGISTRY_ADMISSION_PRIVATE_KEY_FILE", "QUARKUS_DATASOURCE_PASSWORD");
        assertThat(container.path("volumeMounts").findValuesAsText("name")).containsExactlyInAnyOrder("blobs", "tmp",
                "identity", "admission-key");
        assertThat(spec.path("volumes").findValuesAsText("secretName"))
                .containsExactlyInAnyOrder("airlock-identity", "airlock-admission-key");
        JsonNode dev = deployment(Kustomize.build(ROOT.resolve("k8s/overlays/dev")), "airlock-registry");
        assertThat(dev.path("spec").path("template").path("spec").path("volumes").findValuesAsText("secretName"))
                .containsExactly("airlock-identity");
    }

    @Test
    void identitiesComeFromSecretsMountedAsFiles() throws IOException {
        List<ObjectNode> objects = Kustomize.build(ROOT.resolve("k8s/overlays/prod"));
        for (String verifier : List.of("airlock-gateway", "airlock-registry")) {
            JsonNode spec = deployment(objects, verifier).path("spec").path("template").path("spec");
            assertThat(spec.path("volumes").findValuesAsText("secretName")).as(verifier).contains("airlock-identity");
            assertThat(spec.path("containers").get(0).path("env").findValuesAsText("name")).as(verifier)
                    .contains("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "MP_JWT_VERIFY_ISSUER");
        }
        // the pipeline's services call the registry with the service token, read from a file (never an env value)
        for (String caller : List.of("airlock-gateway", "airlock-scanner", "airlock-evaluator")) {
            JsonNode spec = deployment(objects, caller).path("spec").path("template").path("spec");
            assertThat(spec.path("volumes").findValuesAsText("secretName")).as(caller).contains("airlock-service-token");
            assertThat(spec.path("containers").get(0).path("env").findValuesAsText("name")).as(caller)
                    .contains("AIRLOCK_IDENTITY_SERVICE_TOKEN_FILE");
        }
    }

    @Test
    void theIssuerAudienceAndKeysComeFromTheIdentitySecret() throws IOException {
        for (String overlay : List.of("k8s/overlays/dev", "k8s/overlays/prod")) {
            List<ObjectNode> objects = Kustomize.build(ROOT.resolve(overlay));
            for (String verifier : List.of("airlock-gateway", "airlock-registry")) {
                JsonNode env = deployment(objects, verifier).path("spec").path("template").path("spec")
                        .path("containers").get(0).path("env");
                for (String name : List.of("MP_JWT_VERIFY_ISSUER", "MP_JWT_VERIFY_AUDIENCES")) {
                    JsonNode e = java.util.stream.StreamSupport.stream(env.spliterator(), false)
                            .filter(x -> x.path("name").asText().equals(name)).findFirst().orElseThrow();
                    // read from the Secret, never a literal or a ConfigMap an application team may edit
                    assertThat(e.has("value")).as(verifier + " " + name).isFalse();
                    assertThat(e.path("valueFrom").path("secretKeyRef").path("name").asText()).as(verifier + " " + name)
                            .isEqualTo("airlock-identity");
                }
            }
            // no ConfigMap carries identity settings any more
            assertThat(objects).filteredOn(o -> o.path("kind").asText().equals("ConfigMap"))
                    .allMatch(o -> !o.path("data").has("identity-issuer"));
        }
    }

    @Test
    void theRegistryIsReachableOnlyFromThePipelinesPods() throws IOException {
        List<ObjectNode> objects = Kustomize.build(ROOT.resolve("k8s/overlays/prod"));
        List<JsonNode> policies = objects.stream().filter(o -> o.path("kind").asText().equals("NetworkPolicy")).map(o -> (JsonNode) o).toList();
        // every policy that selects the registry's pods admits only named pods of the pipeline: people come
        // through the gateway, which relays their reads with their token
        List<JsonNode> registry = policies.stream().filter(p -> selects(p, "airlock-registry")
                && p.path("spec").path("policyTypes").toString().contains("Ingress")).toList();
        assertThat(registry).isNotEmpty();
        for (JsonNode p : registry) {
            for (JsonNode rule : p.path("spec").path("ingress")) {
                assertThat(rule.has("from")).as("an ingress rule of " + p.path("metadata").path("name") + " open to all").isTrue();
                assertThat(rule.path("from").findValues("app.kubernetes.io/name").stream().map(JsonNode::asText))
                        .containsOnly("airlock-gateway", "airlock-scanner", "airlock-evaluator");
                assertThat(rule.path("from").findValues("namespaceSelector")).isEmpty();
                assertThat(rule.path("from").findValues("ipBlock")).isEmpty();
            }
        }
        // and a default deny covers it, so no other policy's absence opens it
        assertThat(policies).anyMatch(p -> p.path("spec").path("podSelector").path("matchLabels")
                .path("app.kubernetes.io/part-of").asText().equals("airlock") && !p.path("spec").has("ingress"));
        // nothing exposes the registry outside the cluster
        assertThat(objects).noneMatch(o -> o.path("kind").asText().equals("Ingress"));
        JsonNode service = objects.stream().filter(o -> o.path("kind").asText().equals("Service")
                && o.path("metadata").path("name").asText().equals("airlock-registry")).findFirst().orElseThrow();
        assertThat(service.path("spec").path("type").asText("ClusterIP")).isEqualTo("ClusterIP");
    }

    private static boolean selects(JsonNode policy, String app) {
        return app.equals(policy.path("spec").path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText());
    }

    private static ObjectNode deployment(List<ObjectNode> objects, String name) {
        return objects.stream().filter(o -> o.path("kind").asText().equals("Deployment")
                && o.path("metadata").path("name").asText().equals(name)).findFirst().orElseThrow();
    }
}
