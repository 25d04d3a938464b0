package io.airlock.registry;

import io.airlock.contracts.v1.GetSubmissionRequest;
import io.airlock.contracts.v1.GetTaskBundleRequest;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.KernelTask;
import io.airlock.contracts.v1.LookupTaskRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.Submission;
import io.airlock.fixtures.TarBuilder;
import io.airlock.formats.TaskBundle;
import io.airlock.identity.Roles;
import io.airlock.testing.RealServicesResource;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

import static io.airlock.registry.Requests.create;
import static io.airlock.registry.Requests.newId;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/**
 * Kernel tasks in the registry: registered by operators as a tar, stored by digest with versions,
 * validated at registration, public parts readable by submitters (never reference.py), and read by the
 * pipeline's services over gRPC (the gateway's lookup, the evaluator's fetch by digest).
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class TaskTests {
    private static final String SUBMITTER = Auth.bearer("sub-tasks", Roles.SUBMITTER);

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;

    @BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    /** The example task folder, as its files. */
    static Map<String, byte[]> example(String name) throws IOException {
        Path dir = Path.of("../../examples/tasks", name);
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(dir)) {
            // regular files only: running the examples elsewhere in the build leaves a __pycache__ folder beside them
            for (Path p : list.filter(Files::isRegularFile).toList()) {
                files.put(p.getFileName().toString(), Files.readAllBytes(p));
            }
        }
        return files;
    }

    static String uniqueName(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Response post(String name, byte[] tar) {
        return given().contentType("application/x-tar").body(tar).queryParam("name", name).post("/v1/tasks");
    }

    @Test
    void sameFilesGiveTheSameVersionAndChangedFilesTheNextOne() throws Exception {
        String name = uniqueName("vectoradd");
        Map<String, byte[]> files = example("vectoradd_py");
        TaskBundle bundle = TaskBundle.of(files);
        post(name, bundle.toTar()).then().statusCode(201).contentType("application/json")
                .body("created", equalTo(true)).body("task.version", equalTo(1))
                .body("task.digest", equalTo(bundle.digest())).body("task.lang", equalTo("py"))
                .body("task.registeredBy", equalTo("operator:ops"));
        post(name, bundle.toTar()).then().statusCode(200).body("created", equalTo(false))
                .body("task.version", equalTo(1));

        files.put("task.py", (new String(files.get("task.py"), StandardCharsets.UTF_8) + "\n# v2\n").getBytes(StandardCharsets.UTF_8));
        TaskBundle changed = TaskBundle.of(files);
        post(name, changed.toTar()).then().statusCode(201).body("task.version", equalTo(2))
                .body("task.digest", equalTo(changed.digest()));

        given().get("/v1/tasks/" + name).then().statusCode(200)
                .body("latest.version", equalTo(2)).body("versions.version", org.hamcrest.Matchers.contains(2, 1))
                .body("latest.task.tests.size", hasItem(16));
        given().get("/v1/tasks").then().statusCode(200).body("items.name", hasItem(name));
        assertThat(Db.string("select cast(count(*) as text) from audit_log where subject = ? and action = 'task.register'",
                "task/" + name)).isEqualTo("2");
    }

    @Test
    void submittersReadThePublicPartsAndNeverTheChecker() throws Exception {
        String name = uniqueName("softmax");
        post(name, TaskBundle.of(example("softmax_py")).toTar()).then().statusCode(201);

        given().header("Authorization", SUBMITTER).get("/v1/tasks/" + name).then().statusCode(200)
                .body("latest.task.description", containsString("softmax"))
                .body("latest.task.publicFiles", equalTo(java.util.List.of("task.py")))
                .body("latest.files.name", not(hasItem("reference.py")))
                .body("latest.files.name", hasItem("task.py"));
        given().header("Authorization", SUBMITTER).get("/v1/tasks/" + name + "/versions/1/files/task.py")
                .then().statusCode(200);
        // reference.py holds the generator and the checker: private for everyone over this endpoint
        for (String who : new String[]{SUBMITTER, Auth.OPERATOR}) {
            given().header("Authorization", who).get("/v1/tasks/" + name + "/versions/1/files/reference.py")
                    .then().statusCode(404).contentType("application/problem+json");
        }
        // operators see every file's name and hash
        given().get("/v1/tasks/" + name).then().body("latest.files.name", hasItem("reference.py"));
        // only operators register
        given().header("Authorization", SUBMITTER).contentType("application/x-tar")
                .body(TaskBundle.of(example("softmax_py")).toTar()).queryParam("name", name).post("/v1/tasks")
                .then().statusCode(403);
        given().header("Authorization", Auth.NONE).get("/v1/tasks").then().statusCode(401);
    }

    @Test
    void registrationRefusesWhatTheJudgeCouldNotRunWithAClearProblem() throws Exception {
        Map<String, byte[]> ok = example("identity_py");
        String yml = new String(ok.get("task.yml"), StandardCharsets.UTF_8);

        Map<String, byte[]> multi = new TreeMap<>(ok);
        multi.put("task.yml", (yml + "multi_gpu: true\n").getBytes(StandardCharsets.UTF_8));
        refused(multi, "multi-GPU tasks are not supported");

        Map<String, byte[]> gpus = new TreeMap<>(ok);
        gpus.put("task.yml", (yml + "gpus: 4\n").getBytes(StandardCharsets.UTF_8));
        refused(gpus, "multi-GPU");

        Map<String, byte[]> unknown = new TreeMap<>(ok);
        unknown.put("task.yml", (yml + "run_as_root: true\n").getBytes(StandardCharsets.UTF_8));
        refused(unknown, "unknown keys: run_as_root");

        Map<String, byte[]> dup = new TreeMap<>(ok);
        dup.put("task.yml", (yml + "lang: cu\n").getBytes(StandardCharsets.UTF_8));
        refused(dup, "not valid YAML");

        Map<String, byte[]> lang = new TreeMap<>(ok);
        lang.put("task.yml", yml.replace("lang: py", "lang: rust").getBytes(StandardCharsets.UTF_8));
        refused(lang, "lang must be py or cu");

        Map<String, byte[]> noChecker = new TreeMap<>(ok);
        noChecker.put("reference.py", new String(ok.get("reference.py"), StandardCharsets.UTF_8)
                .replace("def check_implementation", "def check_something_else").getBytes(StandardCharsets.UTF_8));
        refused(noChecker, "check_implementation");

        // the checker's name only inside a string is no definition (a text search would have taken it)
        Map<String, byte[]> checkerInAString = new TreeMap<>(ok);
        checkerInAString.put("reference.py", (new String(ok.get("reference.py"), StandardCharsets.UTF_8)
                .replace("def check_implementation", "def check_something_else")
                + "\nNOTE = \"\"\"\ndef check_implementation(data, output):\n\"\"\"\n").getBytes(StandardCharsets.UTF_8));
        refused(checkerInAString, "check_implementation");

        Map<String, byte[]> noRef = new TreeMap<>(ok);
        noRef.remove("reference.py");
        refused(noRef, "reference.py");

        Map<String, byte[]> twoSubmissions = new TreeMap<>(ok);
        twoSubmissions.put("task.yml", yml.replace("source: task.py", "source: \"@SUBMISSION@\"")
                .getBytes(StandardCharsets.UTF_8));
        refused(twoSubmissions, "exactly one of files");

        // the archive itself: a symlink to a file outside the folder, a path out of it
        refusedTar(TarBuilder.tar().file("task.yml", yml).entry("reference.py", '2', new byte[0], "/etc/passwd", false)
                .bytes(), "symlink");
        refusedTar(TarBuilder.tar().file("task.yml", yml).file("../reference.py", "x").bytes(), "refused");
        given().contentType("application/x-tar").body(TaskBundle.of(ok).toTar()).queryParam("name", "Bad/Name")
                .post("/v1/tasks").then().statusCode(400);
    }

    @Test
    void aTasksOwnEvalPyIsIgnoredAndTheAnswerSaysSo() throws Exception {
        Map<String, byte[]> files = example("identity_py");
        files.put("eval.py", "print('the checker inside the submission process')\n".getBytes(StandardCharsets.UTF_8));
        post(uniqueName("identity"), TaskBundle.of(files).toTar()).then().statusCode(201)
                .body("task.notes[0]", containsString("eval.py is ignored"))
                .body("task.task.publicFiles", not(hasItem("eval.py")));
    }

    @Test
    void servicesLookUpTheLatestVersionAndFetchExactlyThePinnedFiles() throws Exception {
        String name = uniqueName("matmul");
        TaskBundle bundle = TaskBundle.of(example("matmul_py"));
        post(name, bundle.toTar()).then().statusCode(201);

        KernelTask t = registry.lookupTask(LookupTaskRequest.newBuilder().setName(name).build());
        assertThat(t.getDigest()).isEqualTo(bundle.digest());
        assertThat(t.getVersion()).isEqualTo(1);
        assertThat(t.getLang()).isEqualTo("py");
        byte[] tar = registry.getTaskBundle(GetTaskBundleRequest.newBuilder().setName(name).setDigest(t.getDigest())
                .build()).getTar().toByteArray();
        assertThat(TaskBundle.read(new ByteArrayInputStream(tar)).digest()).isEqualTo(bundle.digest());

        assertThatThrownBy(() -> registry.lookupTask(LookupTaskRequest.newBuilder().setName(uniqueName("none")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> registry.getTaskBundle(GetTaskBundleRequest.newBuilder().setName(name)
                .setDigest("sha256:" + "0".repeat(64)).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

        // a kernel submission records the task and the digest it pinned
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_KERNEL).toBuilder().setTask(name).setTaskDigest(t.getDigest()).build());
        Submission s = registry.getSubmission(GetSubmissionRequest.newBuilder().setSubmissionId(id).build());
        assertThat(s.getTask()).isEqualTo(name);
        assertThat(s.getTaskDigest()).isEqualTo(bundle.digest());
        // a model never names a task
        assertThatThrownBy(() -> registry.createSubmission(create(newId(), Kind.KIND_MODEL).toBuilder().setTask(name)
                .setTaskDigest(t.getDigest()).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void anAdmittedKernelsSignedStatementSaysUnprovenWithoutTheBehavioralProofAndJudgedWithIt() throws Exception {
        String name = uniqueName("identity");
        TaskBundle bundle = TaskBundle.of(example("identity_py"));
        post(name, bundle.toTar()).then().statusCode(201);
        String unproven = admittedKernel(name, bundle.digest(), "NOT_RUN", "the submission needs a CUDA device");
        String judged = admittedKernel(name, bundle.digest(), "PASS", "4 cases correct");
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        io.airlock.signing.Keys.Verifier verifier = io.airlock.signing.Keys.verifier(om.readTree(
                given().get("/v1/admissions/key").then().statusCode(200).extract().asString()).path("publicKeyPem").asText());

        for (String[] c : new String[][]{{unproven, "unproven", "CUDA device"}, {judged, "judged", "4 cases correct"}}) {
            io.airlock.signing.Dsse envelope = io.airlock.signing.Dsse.fromJson(om.readTree(
                    given().get("/v1/admissions/kernels/" + c[0]).then().statusCode(200).extract().asString()));
            assertThat(envelope.verifiedBy(verifier)).isTrue();
            io.airlock.signing.InToto statement = io.airlock.signing.InToto.parse(envelope.payload());
            assertThat(statement.predicateType()).isEqualTo("https://airlock.dev/attestation/kernel-admission/v1");
            assertThat(statement.predicate().path("verdict").asText()).isEqualTo("admitted");
            assertThat(statement.predicate().path("proof").asText()).isEqualTo(c[1]);
            assertThat(statement.predicate().path("proofReason").asText()).contains(c[2]);
            assertThat(statement.predicate().path("task").asText()).isEqualTo(name);
            assertThat(statement.predicate().path("taskDigest").asText()).isEqualTo(bundle.digest());
        }
        // a kernel still evaluating, or a model, gets no kernel admission; an unknown id is not found
        String evaluating = newId();
        registry.createSubmission(create(evaluating, Kind.KIND_KERNEL));
        given().get("/v1/admissions/kernels/" + evaluating).then().statusCode(409).contentType("application/problem+json");
        given().get("/v1/admissions/kernels/" + newId()).then().statusCode(404);
    }

    /** A kernel pinned to the task, taken through the pipeline's statuses to admitted with this behavioral_test stage. */
    private String admittedKernel(String task, String digest, String behavioral, String reason) {
        String id = newId();
        registry.createSubmission(create(id, Kind.KIND_KERNEL).toBuilder().setTask(task).setTaskDigest(digest).build());
        registry.transition(Requests.transition(id, 1, "queued"));
        registry.transition(Requests.transition(id, 1, "scanning"));
        registry.transition(Requests.transition(id, 1, "evaluating"));
        registry.recordStage(io.airlock.contracts.v1.RecordStageRequest.newBuilder().setSubmissionId(id).setAttempt(1)
                .setStage(io.airlock.contracts.v1.StageResult.newBuilder().setStage("behavioral_test").setStatus(behavioral)
                        .setDurationMicros(10).putDetails("reason", reason).setService("evaluator")).build());
        registry.transition(Requests.transition(id, 1, "admitted"));
        return id;
    }

    private static void refused(Map<String, byte[]> files, String message) throws Exception {
        refusedTar(TaskBundle.of(files).toTar(), message);
    }

    private static void refusedTar(byte[] tar, String message) {
        post(uniqueName("bad"), tar).then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString(message));
    }
}
