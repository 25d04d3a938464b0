package io.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.airlock.blob.BlobStore;
import io.airlock.contracts.v1.ArtifactRef;
import io.airlock.contracts.v1.Finding;
import io.airlock.contracts.v1.Kind;
import io.airlock.contracts.v1.RecordStageRequest;
import io.airlock.contracts.v1.RegistryGrpc;
import io.airlock.contracts.v1.Severity;
import io.airlock.contracts.v1.TransitionRequest;
import io.airlock.identity.Roles;
import io.airlock.testing.RealServicesResource;
import io.airlock.testing.TestIdentity;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.airlock.registry.Requests.newId;
import static io.airlock.registry.Requests.stage;
import static io.airlock.registry.Requests.transition;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The registry's web page in a real headless Chromium (DevTools protocol, {@link Chromium}) against
 * the registry on real PostgreSQL: a submission moves to its final status on screen without a
 * reload, and attacker-controlled text (name, file name, finding location, evidence, reason)
 * stays text. Without Chromium the browser test is skipped with the reason, never passed.
 */
@QuarkusTest
@QuarkusTestResource(RealServicesResource.class)
class WebUiTests {
    @org.junit.jupiter.api.BeforeEach
    void operatorByDefault() {
        Auth.operatorByDefault();
    }

    private static final String EVIDENCE = "<img src=x onerror=alert(1)>";
    private static final String NAME = "<b id=\"injected-name\">bold</b> model";
    private static final String FILENAME = "\"><svg onload=alert(2)>.onnx";
    private static final String LOCATION = "model.onnx/<script>alert(3)</script>";
    private static final String REASON = "static_scan: HIGH <iframe src=javascript:alert(4)>";
    private static final Duration STEP = Duration.ofSeconds(10);
    private static final Path UI = Path.of("src/main/resources/META-INF/resources");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPERATOR = Auth.OPERATOR;

    @GrpcClient("registry")
    RegistryGrpc.RegistryBlockingStub registry;
    @Inject
    BlobStore blobs;
    @TestHTTPResource("/")
    URL page;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void twoSubmittersSignedInOnThePageEachSeeOnlyTheirOwnSubmissionsAndReports() throws IOException {
        Path exe = Chromium.executable();
        assumeTrue(Files.isExecutable(exe), "no headless Chromium at " + exe
                + " (apt-get install chromium, or set AIRLOCK_CHROMIUM): the web page was not tested in a browser");
        String alice = "alice-" + newId().substring(0, 8);
        String bob = "bob-" + newId().substring(0, 8);
        String ofAlice = newId();
        String ofBob = newId();
        registry.createSubmission(Requests.hacked(ofAlice).toBuilder().setSubmitter(alice).setName("model of " + alice).build());
        registry.createSubmission(Requests.hacked(ofBob).toBuilder().setSubmitter(bob).setName("model of " + bob).build());
        String origin = page.toString().replaceAll("/$", "");
        String aliceToken = TestIdentity.token(alice, Roles.SUBMITTER);
        String bobToken = TestIdentity.token(bob, Roles.SUBMITTER);

        try (Chromium browser = Chromium.start(exe, Duration.ofSeconds(20))) {
            browser.navigate(origin + "/#/submissions");
            for (String[] me : new String[][] {{aliceToken, ofAlice, ofBob}, {bobToken, ofBob, ofAlice}}) {
                browser.signIn(me[0]);
                browser.eval("location.hash = '#/submissions'; true");
                browser.waitFor("the signed-in submitter's own submission listed",
                        "!!document.querySelector('tr[data-id=\"" + me[1] + "\"]')", STEP);
                // the list the page showed is the whole answer for this user: the other's is not in it
                assertThat(browser.eval("!!document.querySelector('tr[data-id=\"" + me[2] + "\"]')").asBoolean()).isFalse();
                assertThat(browser.eval("document.querySelectorAll('table.submissions tr[data-id]').length").asInt())
                        .isEqualTo(1);

                // the own submission's detail and reports; the evidence is withheld from a submitter
                browser.eval("location.hash = '#/submissions/" + me[1] + "'; true");
                browser.waitFor("the own submission's detail", "document.querySelector('article.submission')?.dataset.id === '"
                        + me[1] + "'", STEP);
                assertThat(browser.eval("document.querySelectorAll('tr.finding').length").asInt()).isPositive();
                assertThat(browser.eval("document.querySelectorAll('tr.finding pre.evidence').length").asInt()).isZero();
                assertThat(browser.eval("document.querySelectorAll('tr.finding .withheld').length").asInt()).isPositive();
                browser.eval("document.querySelectorAll('a.report-link').forEach(a => a.click()); true");
                browser.waitFor("the own reports saved", "[...document.querySelectorAll('a.report-link')]"
                        + ".every(a => a.dataset.state === 'saved')", STEP);

                // the other's submission answers like one that does not exist
                browser.eval("location.hash = '#/submissions/" + me[2] + "'; true");
                browser.waitFor("the other's submission refused as unknown", "!document.querySelector('article.submission')"
                        + " && document.body.textContent.includes('answered 404')", STEP);
                assertThat(browser.eval("document.body.textContent.includes('model of ')").asBoolean()).isFalse();
                assertTokenInNoUrlOrStorage(browser, me[0]);
            }
            assertThat(violations(browser)).as("CSP violations by the page").isEmpty();
        }
    }

    /** The token is sent in headers only: no request URL, the address or any storage of the page holds it. */
    private static void assertTokenInNoUrlOrStorage(Chromium browser, String token) {
        String signature = token.substring(token.lastIndexOf('.') + 1);
        assertThat(browser.eval("performance.getEntriesByType('resource').map(e => e.name).join(' ')"
                + " + location.href + localStorage.length + sessionStorage.length + document.cookie").asText())
                .doesNotContain(signature).endsWith("00");
    }

    @Test
    void thePageIsServedWithAStrictContentSecurityPolicyAndBuildsNoMarkupFromStrings() throws IOException {
        for (String path : List.of("/", "/index.html", "/ui/app.js", "/ui/views/submission.js", "/ui/app.css")) {
            Response r = given().get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            String csp = r.header("Content-Security-Policy");
            assertThat(csp).as("CSP of " + path).isNotNull()
                    .contains("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                            "frame-ancestors 'none'", "require-trusted-types-for 'script'", "trusted-types 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval");
            assertThat(r.header("X-Content-Type-Options")).as(path).isEqualTo("nosniff");
        }
        assertThat(given().get("/ui/app.js").contentType()).contains("javascript");

        // no inline script, style or handler in the document; nothing fetched from elsewhere
        String index = Files.readString(UI.resolve("index.html"));
        assertThat(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>").matcher(index).find()).as("inline script").isFalse();
        assertThat(Pattern.compile("\\s(on\\w+|style)\\s*=", Pattern.CASE_INSENSITIVE).matcher(index).find())
                .as("inline handler or style").isFalse();
        assertThat(index).doesNotContain("http://", "https://", "//cdn");
        // no script of the page parses markup from a string (the CSP's Trusted Types would throw anyway)
        Pattern sinks = Pattern.compile("innerHTML|outerHTML|insertAdjacentHTML|document\\.write|\\beval\\(|new Function"
                + "|DOMParser|createContextualFragment|import\\(\\s*['\"]https?:");
        try (Stream<Path> files = Files.walk(UI.resolve("ui"))) {
            List<Path> scripts = files.filter(p -> p.toString().endsWith(".js")).toList();
            assertThat(scripts).hasSizeGreaterThan(5);
            for (Path js : scripts) {
                // comments may name the sinks they avoid
                String text = Files.readString(js).replaceAll("(?m)^\\s*//.*$", "");
                assertThat(sinks.matcher(text).find()).as(js + " uses a markup sink").isFalse();
                assertThat(Pattern.compile("from\\s+'(?!\\.{1,2}/)").matcher(text).find()).as(js + " imports from elsewhere")
                        .isFalse();
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSubmissionMovesToItsFinalStatusOnThePageAndAttackerTextStaysText() throws IOException {
        Path exe = Chromium.executable();
        assumeTrue(Files.isExecutable(exe), "no headless Chromium at " + exe
                + " (apt-get install chromium, or set AIRLOCK_CHROMIUM): the web page was not tested in a browser");

        String promoted = Pipeline.promoted(registry, blobs);
        String modelId = given().get("/v1/models?limit=200").then().statusCode(200).extract().jsonPath()
                .getString("items.find { it.submissionId == '" + promoted + "' }.id");
        String id = newId();
        registry.createSubmission(Requests.create(id, Kind.KIND_MODEL).toBuilder().setName(NAME)
                .setArtifact(ArtifactRef.newBuilder().setBlob(Requests.randomBlob()).setSize(2048).setFilename(FILENAME))
                .build());
        registry.transition(transition(id, 1, "queued"));
        registry.transition(transition(id, 1, "scanning"));
        registry.recordStage(stage(id, 1, "format_gate", "PASS"));
        String row = "document.querySelector('tr[data-id=" + JSON.writeValueAsString(id).replace("'", "") + "]')";
        String origin = page.toString().replaceAll("/$", "");

        Path profile;
        try (Chromium browser = Chromium.start(exe, Duration.ofSeconds(20))) {
            profile = browser.profile();
            browser.navigate(origin + "/#/submissions");
            browser.signIn(TestIdentity.token("ops", Roles.OPERATOR));
            browser.waitFor("the submission listed as scanning, format_gate PASS, integrity pending",
                    "(() => { const r = " + row + "; return !!r && r.dataset.status === 'scanning'"
                            + " && r.querySelector('li[data-stage=format_gate]')?.dataset.status === 'PASS'"
                            + " && r.querySelector('li[data-stage=integrity]')?.dataset.status === 'pending'; })()", STEP);
            browser.waitFor("the live indicator while a visible submission moves",
                    "document.getElementById('live').dataset.state === 'live'", STEP);
            // the name and file name are attacker-chosen: shown as typed, no element made of them
            assertThat(browser.eval(row + ".querySelector('td.name a').textContent").asText()).isEqualTo(NAME);
            assertThat(browser.eval(row + ".querySelector('.filename').textContent").asText()).isEqualTo(FILENAME);
            browser.eval("window.__sameDocument = 'yes'");
            // the token is held in the page's memory, never in storage
            assertThat(browser.eval("localStorage.length + sessionStorage.length + document.cookie.length").asInt()).isZero();

            // stage progress appears as the stages are recorded
            registry.recordStage(stage(id, 1, "integrity", "PASS"));
            browser.waitFor("integrity PASS on the list without a reload",
                    row + "?.querySelector('li[data-stage=integrity]')?.dataset.status === 'PASS'", STEP);

            registry.recordStage(hostileFinding(id));
            long before = System.nanoTime();
            registry.transition(TransitionRequest.newBuilder().setSubmissionId(id).setAttempt(1).setStatus("rejected")
                    .setReason(REASON).setActor("scanner").build());
            screenshot(browser, "submissions-live.png");
            browser.waitFor("the submission shown rejected with static_scan FAIL",
                    "(() => { const r = " + row + "; return !!r && r.dataset.status === 'rejected'"
                            + " && r.querySelector('li[data-stage=static_scan]')?.dataset.status === 'FAIL'"
                            + " && r.querySelector('li[data-stage=behavioral_test]')?.dataset.status === 'not-recorded'; })()",
                    STEP);
            long seenMs = (System.nanoTime() - before) / 1_000_000;
            System.out.println("[web-ui] final status on the page " + seenMs + " ms after the transition");
            assertThat(browser.eval("window.__sameDocument").asText()).as("updated without a reload").isEqualTo("yes");

            // the detail: the rejected artifact's report, evidence as text
            browser.eval(row + ".querySelector('td.name a').click()");
            browser.waitFor("the detail view of the rejected submission",
                    "document.querySelector('article.submission')?.dataset.status === 'rejected'"
                            + " && !!document.querySelector('tr.finding pre.evidence')", STEP);
            assertThat(browser.eval("location.hash").asText()).isEqualTo("#/submissions/" + id);
            // a final submission is not polled any more
            browser.waitFor("the detail's polling to stop", "document.getElementById('live').dataset.state === 'idle'", STEP);
            assertThat(browser.eval("document.querySelector('.subject-name').textContent").asText()).isEqualTo(NAME);
            assertThat(browser.eval("document.querySelector('tr.finding pre.evidence').textContent").asText())
                    .isEqualTo(EVIDENCE);
            assertThat(browser.eval("document.querySelector('tr.finding td.location').textContent").asText())
                    .isEqualTo(LOCATION);
            assertThat(browser.eval("document.querySelector('.outcome-reason').textContent").asText()).isEqualTo(REASON);
            assertThat(browser.eval("document.querySelector('.severity-counts').textContent").asText()).contains("HIGH 1");
            assertNothingInjected(browser);
            screenshot(browser, "submission.png");
            // the three report links, clicked, fetch their report with the page's token and save it (a
            // plain link would carry no token: the API answers 401 to one)
            assertThat(browser.eval("Promise.all([...document.querySelectorAll('a.report-link')].map(a =>"
                    + " fetch(a.href).then(r => r.status)))").toString()).isEqualTo("[401,401,401]");
            browser.eval("document.querySelectorAll('a.report-link').forEach(a => a.click()); true");
            browser.waitFor("the three reports saved", "[...document.querySelectorAll('a.report-link')]"
                    + ".every(a => a.dataset.state === 'saved')", STEP);
            assertTokenInNoUrlOrStorage(browser, TestIdentity.token("ops", Roles.OPERATOR));
            assertThat(violations(browser)).as("CSP violations by the page").isEmpty();
            // the CSP is in force in the browser: a string assigned as markup throws (Trusted Types)
            assertThat(browser.eval("(() => { try { document.createElement('div').innerHTML = '<i>x</i>';"
                    + " return 'assigned'; } catch (e) { return e.name; } })()").asText()).isEqualTo("TypeError");
            assertThat(awaitViolation(browser)).contains("TrustedHTML");

            // the model's conformance evaluation through the real API: two completed runs, the second over the limit
            String evaluation = "webui-" + newId().substring(0, 12);
            given().header("Authorization", OPERATOR).contentType("application/json")
                    .body(Map.of("name", evaluation, "model", modelId, "corpus", Map.of("ref", "jailbreak-baseline"),
                            "maxAttackSuccessRate", 0.5))
                    .post("/v1/evaluations").then().statusCode(201);
            for (int flagged : new int[] {1, 3}) {
                String run = given().header("Authorization", OPERATOR).post("/v1/evaluations/" + evaluation + "/run")
                        .then().statusCode(202).extract().path("runId");
                registry.recordConformanceRun(EvaluationTests.result(run, flagged, EvaluationTests.D1));
            }
            String phase = given().get("/v1/evaluations/" + evaluation).then().statusCode(200).extract().path("phase");
            assertThat(phase).isEqualTo("Degraded");

            // the models view: the model with its latest evaluation's phase, linked to the evaluation
            browser.eval("document.querySelector('#nav a[data-route=models]').click()");
            String modelRow = "document.querySelector('table.models tr[data-id=\"" + modelId + "\"]')";
            String evaluationItem = modelRow + "?.querySelector('li[data-evaluation=\"" + evaluation + "\"]')";
            browser.waitFor("the promoted model listed with its evaluation " + phase,
                    evaluationItem + "?.querySelector('.phase')?.dataset.status === '" + phase + "'", STEP);
            assertThat(browser.eval(evaluationItem + ".textContent").asText()).contains("ASR 75.0%");
            screenshot(browser, "models.png");

            // the evaluation's page: both runs charted oldest to newest against the limit
            browser.eval(evaluationItem + ".querySelector('a').click()");
            browser.waitFor("the evaluation's chart with its two runs", "location.hash === '#/evaluations/" + evaluation
                    + "' && document.querySelectorAll('svg.asr-chart circle.point').length === 2", STEP);
            assertThat(browser.eval("[...document.querySelectorAll('svg.asr-chart circle.point')]"
                    + ".map(c => c.getAttribute('class').replace('point point-', ''))").toString())
                    .isEqualTo("[\"pass\",\"fail\"]");
            assertThat(browser.eval("document.querySelectorAll('svg.asr-chart line.threshold').length").asInt()).isEqualTo(1);
            assertThat(browser.eval("document.querySelector('table.runs tbody').rows.length").asInt()).isEqualTo(2);
            screenshot(browser, "evaluation-real.png");

            browser.eval("document.querySelector('#nav a[data-route=evaluations]').click()");
            browser.waitFor("the evaluations list", "document.querySelector('.evaluations')?.dataset.state === 'list'", STEP);

            browser.eval("document.querySelector('#nav a[data-route=audit]').click()");
            browser.waitFor("the audit chain verdict", "!!document.querySelector('section.verify')", STEP);
            // the verdict itself may change under us (other test classes tamper with and restore the shared
            // database's chain): the page must show one, and a broken chain with its seq and reason
            String verdict = browser.eval("document.querySelector('section.verify').dataset.ok").asText();
            assertThat(verdict).isIn("true", "false");
            if (verdict.equals("false")) {
                assertThat(browser.eval("document.querySelector('section.verify .note-bad').textContent").asText())
                        .startsWith("Broken at seq ");
            }

            // the page broke no rule of its own CSP, threw nothing, and fetched only from the registry
            assertThat(browser.events("Runtime.exceptionThrown")).as("uncaught page errors").isEmpty();
            assertThat(violations(browser)).as("CSP violations besides the probe").hasSize(1);
            assertThat(browser.events("Page.javascriptDialogOpening")).as("dialogs (alert)").isEmpty();
            List<String> urls = browser.events("Network.requestWillBeSent").stream()
                    .map(e -> e.path("params").path("request").path("url").asText()).toList();
            assertThat(urls).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith(origin + "/"));
            assertThat(browser.alive()).isNotEmpty();
            closeAndCheck(browser);
        }
        assertThat(profile).doesNotExist();
    }

    /**
     * The evaluations view against the agreed shape of GET /v1/evaluations, answered by the browser
     * itself (DevTools Fetch) so the chart is drawn whether or not the registry serves evaluations
     * yet: absent (404), empty, and a degraded evaluation with history, a changed corpus and
     * attacker-influenced text in a condition message.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theEvaluationsViewChartsAttackSuccessRateAndSaysWhenThereIsNothingToShow() throws IOException {
        Path exe = Chromium.executable();
        assumeTrue(Files.isExecutable(exe), "no headless Chromium at " + exe
                + " (apt-get install chromium, or set AIRLOCK_CHROMIUM): the web page was not tested in a browser");
        String promoted = Pipeline.promoted(registry, blobs);
        String modelId = given().get("/v1/models?limit=200").then().statusCode(200).extract().jsonPath()
                .getString("items.find { it.submissionId == '" + promoted + "' }.id");
        String origin = page.toString().replaceAll("/$", "");
        String modelRow = "document.querySelector('table.models tr[data-id=\"" + modelId + "\"]')";
        try (Chromium browser = Chromium.start(exe, Duration.ofSeconds(20))) {
            browser.answer("/v1/evaluations", 404, "{\"status\":404,\"title\":\"Not Found\"}");
            browser.navigate(origin + "/#/evaluations");
            browser.signIn(TestIdentity.token("ops", Roles.OPERATOR));
            browser.waitFor("the 'not available' state",
                    "document.querySelector('.evaluations-state')?.dataset.state === 'unavailable'", STEP);
            browser.eval("location.hash = '#/models'");
            browser.waitFor("the model's evaluation 'not available'",
                    modelRow + "?.querySelector('td.evaluation [data-state]')?.dataset.state === 'unavailable'", STEP);

            browser.answer("/v1/evaluations", 200, "{\"total\":0,\"limit\":50,\"offset\":0,\"items\":[]}");
            browser.eval("location.hash = '#/evaluations'");
            browser.waitFor("the 'no evaluations' state",
                    "document.querySelector('.evaluations-state')?.dataset.state === 'empty'", STEP);

            String evaluation = evaluationFixture(modelId);
            browser.answer("/v1/evaluations", 200, "{\"total\":1,\"limit\":50,\"offset\":0,\"items\":[" + evaluation + "]}");
            browser.answer("/v1/evaluations/nightly", 200, evaluation);
            browser.eval("location.hash = '#/models'");
            browser.waitFor("the model's latest evaluation, Degraded",
                    modelRow + "?.querySelector('li[data-evaluation=nightly] .phase')?.dataset.status === 'Degraded'", STEP);
            browser.eval(modelRow + ".querySelector('li[data-evaluation=nightly] a').click()");
            browser.waitFor("the evaluation's page with its chart", "location.hash === '#/evaluations/nightly'"
                    + " && document.querySelectorAll('svg.asr-chart circle.point').length === 3", STEP);
            // three runs with a rate plotted oldest to newest, the run without one counted, not drawn as 0
            assertThat(browser.eval("document.querySelector('svg.asr-chart polyline').getAttribute('points').split(' ').length")
                    .asInt()).isEqualTo(3);
            assertThat(browser.eval("[...document.querySelectorAll('svg.asr-chart circle.point')]"
                    + ".map(c => c.getAttribute('class').replace('point point-', ''))").toString())
                    .isEqualTo("[\"pass\",\"pass\",\"fail\"]");
            assertThat(browser.eval("(() => { const ys = [...document.querySelectorAll('svg.asr-chart circle.point')]"
                    + ".map(c => Number(c.getAttribute('cy'))); return ys[2] < ys[1] && ys[1] < ys[0]; })()").asBoolean())
                    .as("higher rate drawn higher").isTrue();
            assertThat(browser.eval("document.querySelector('figure.chart figcaption').textContent").asText())
                    .contains("3 plotted", "1 not completed or without a rate");
            assertThat(browser.eval("document.querySelectorAll('svg.asr-chart line.threshold').length").asInt())
                    .as("the policy limit drawn").isEqualTo(1);
            assertThat(browser.eval("document.querySelector('table.runs tbody').rows.length").asInt()).isEqualTo(4);
            assertThat(browser.eval("document.querySelector('.note-warn')?.textContent ?? ''").asText())
                    .contains("corpus changed");
            assertThat(browser.eval("[...document.querySelectorAll('table.conditions td')].map(td => td.textContent)"
                    + ".includes(" + JSON.writeValueAsString(EVIDENCE) + ")").asBoolean()).isTrue();
            assertNothingInjected(browser);
            assertThat(browser.events("Runtime.exceptionThrown")).as("uncaught page errors").isEmpty();
            assertThat(violations(browser)).as("CSP violations").isEmpty();
            screenshot(browser, "evaluation.png");
        }
    }

    /** One evaluation in the shape of GET /v1/evaluations/{name} (EvaluationViews.StatusView): newest run first. */
    private static String evaluationFixture(String modelId) throws IOException {
        ObjectNode e = JSON.createObjectNode().put("name", "nightly").put("model", modelId).put("schedule", "0 3 * * *")
                .put("failModelOnDrift", true).put("maxAttackSuccessRate", 0.3).put("modelHeld", true).put("phase", "Degraded").put("corpusDigestNow", "sha256:" + "b".repeat(64));
        e.putObject("corpus").put("ref", "builtin:jailbreak-smoke").put("digest", "sha256:" + "a".repeat(64));
        e.putArray("conditions").addObject().put("type", "ConformanceDrift").put("status", "True")
                .put("reason", "AttackSuccessRateAboveLimit").put("message", EVIDENCE)
                .put("lastTransitionTime", "2026-03-04T03:00:41Z");
        ArrayNode history = e.putArray("history");
        history.add(run("r4", "2026-03-04T03:00:40Z", 0.42, false, "a"));
        // a run that broke reports a rate of 0 it never measured: it must not be charted as 0
        history.add(run("r3", "2026-03-03T03:00:40Z", null, false, "a"));
        history.add(run("r2", "2026-03-02T03:00:40Z", 0.10, true, "a"));
        history.add(run("r1", "2026-03-01T03:00:40Z", 0.05, true, "a"));
        // the corpus changed after the last run: the page must say so
        e.set("lastResult", history.get(0).deepCopy());
        return JSON.writeValueAsString(e);
    }

    private static ObjectNode run(String id, String finished, Double asr, boolean passed, String corpus) {
        ObjectNode r = JSON.createObjectNode().put("runId", id).put("trigger", "schedule")
                .put("state", asr == null ? "error" : "completed").put("requestedAt", finished).put("startedAt", finished)
                .put("finishedAt", finished).put("executionProvider", "CPU").put("cases", 50)
                .put("failed", asr == null ? 0 : (int) (asr * 50)).put("attackSuccessRate", asr == null ? 0.0 : asr)
                .put("maxAttackSuccessRate", 0.3).put("passed", passed).put("corpusDigest", "sha256:" + corpus.repeat(64));
        if (asr == null) {
            r.put("error", "evaluator timed out");
        }
        return r;
    }

    /** With -Dairlock.webui.screenshots=DIR, a PNG of the page as the test left it. */
    private static void screenshot(Chromium browser, String name) throws IOException {
        String dir = System.getProperty("airlock.webui.screenshots");
        if (dir != null && !dir.isBlank()) {
            browser.screenshot(Path.of(dir, name));
        }
    }

    /** What the browser reported as blocked by the page's CSP. */
    private static List<String> violations(Chromium browser) {
        return browser.events("Log.entryAdded").stream().map(e -> e.path("params").path("entry"))
                .filter(e -> e.path("source").asText().equals("security")).map(JsonNode::toString).toList();
    }

    /** The browser reports a violation as an event shortly after the script that caused it returns. */
    private static String awaitViolation(Chromium browser) {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (violations(browser).isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        assertThat(violations(browser)).as("CSP violations after the probe").hasSize(1);
        return violations(browser).get(0);
    }

    private static void closeAndCheck(Chromium browser) {
        browser.close();
        assertThat(browser.alive()).as("Chromium processes left running").isEmpty();
    }

    private static void assertNothingInjected(Chromium browser) {
        assertThat(browser.eval("document.querySelectorAll('img, iframe, svg:not(.asr-chart), #injected-name').length")
                .asInt()).as("elements made from API text").isZero();
        assertThat(browser.eval("document.querySelectorAll('script').length").asInt()).as("scripts").isEqualTo(1);
        assertThat(browser.eval("[...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
                + ".filter(a => /^on/i.test(a.name)).length").asInt()).as("event handler attributes").isZero();
    }

    private static RecordStageRequest hostileFinding(String id) {
        RecordStageRequest r = stage(id, 1, "static_scan", "FAIL");
        return r.toBuilder().setStage(r.getStage().toBuilder().addFindings(Finding.newBuilder()
                .setRule("scanner.test_hostile_text").setSeverity(Severity.SEVERITY_HIGH).setStage("static_scan")
                .setLocation(LOCATION).setMessage("a string the scanner quoted from the artifact")
                .setEvidence(EVIDENCE))).build();
    }
}
