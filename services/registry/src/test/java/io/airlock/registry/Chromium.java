package io.airlock.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real headless Chromium driven over the DevTools protocol (a WebSocket, java.net.http): no
 * WebDriver dependency. One page, attached as a flat session. {@link #close()} ends the browser
 * and every process it started and deletes its profile directory, also after a failure.
 */
final class Chromium implements AutoCloseable {
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_EVENTS = 20_000;
    private static final int STDERR_LINES = 40;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final List<ProcessHandle> processes = new CopyOnWriteArrayList<>();
    private final Path profile;
    private final Deque<String> stderr = new ArrayDeque<>();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    /** Canned answers by URL path (see {@link #answer}); requests are paused only for these paths. */
    private final Map<String, ObjectNode> answers = new ConcurrentHashMap<>();
    /** Answers paused requests off the WebSocket's thread, which must keep reading replies. */
    private final ExecutorService responder = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "chromium-fetch");
        t.setDaemon(true);
        return t;
    });
    private WebSocket socket;
    private String session;
    private boolean closed;

    private Chromium(Process process, Path profile) {
        this.process = process;
        this.profile = profile;
    }

    /** The browser to use: $AIRLOCK_CHROMIUM, else Debian's /usr/bin/chromium. */
    static Path executable() {
        String configured = System.getenv("AIRLOCK_CHROMIUM");
        return Path.of(configured != null && !configured.isBlank() ? configured : "/usr/bin/chromium");
    }

    /** Starts Chromium and opens one blank page; on any failure nothing is left running or on disk. */
    static Chromium start(Path executable, Duration startTimeout) throws IOException {
        // Chromium puts a Unix socket under TMPDIR, and socket paths end at 107 bytes: keep it short
        Path shortTmp = Path.of("/tmp");
        Path profile = Files.isDirectory(shortTmp) && Files.isWritable(shortTmp)
                ? Files.createTempDirectory(shortTmp, "airlock-chromium-") : Files.createTempDirectory("airlock-chromium-");
        Chromium c = null;
        try {
            // its own temporary files (singleton socket, crash dumps) go inside the profile, removed with it
            Path tmp = Files.createDirectory(profile.resolve("tmp"));
            ProcessBuilder builder = new ProcessBuilder(executable.toString(),
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-extensions", "--disable-breakpad", "--disable-crash-reporter", "--disable-dev-shm-usage", "--no-proxy-server",
                    "--mute-audio", "--window-size=1280,900", "--remote-debugging-port=0",
                    "--user-data-dir=" + profile.resolve("profile"), "about:blank")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("TMPDIR", tmp.toString());
            Process p = builder.start();
            c = new Chromium(p, profile);
            c.processes.add(p.toHandle());
            String url = c.devToolsUrl(startTimeout);
            c.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(startTimeout)
                    .buildAsync(URI.create(url), c.new Listener()).get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
            c.attachPage();
            return c;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(c, profile, e);
            throw e;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            closeQuietly(c, profile, e);
            throw new IOException("cannot connect to Chromium's DevTools: " + e, e);
        }
    }

    private static void closeQuietly(Chromium c, Path profile, Throwable cause) {
        if (c != null) {
            c.close();
        } else {
            deleteTree(profile, cause);
        }
    }

    /** Reads stderr until the DevTools line; keeps draining it after, or Chromium blocks on a full pipe. */
    private String devToolsUrl(Duration timeout) throws IOException {
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (stderr) {
                        stderr.addLast(line);
                        if (stderr.size() > STDERR_LINES) {
                            stderr.removeFirst();
                        }
                    }
                    Matcher m = DEVTOOLS.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // the process ended; the future says so below
            }
            url.completeExceptionally(new IOException("Chromium exited or closed stderr before DevTools listened"));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        try {
            return url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IOException("Chromium did not announce its DevTools URL within " + timeout + "; stderr: "
                    + stderrTail(), e);
        } finally {
            // the renderer and GPU processes are its children now; remember them to end them all
            process.descendants().forEach(processes::add);
        }
    }

    private void attachPage() {
        ObjectNode create = JSON.createObjectNode().put("url", "about:blank");
        String target = browserCall("Target.createTarget", create).path("targetId").asText();
        session = browserCall("Target.attachToTarget",
                JSON.createObjectNode().put("targetId", target).put("flatten", true)).path("sessionId").asText();
        for (String domain : List.of("Page.enable", "Runtime.enable", "Log.enable", "Network.enable")) {
            call(domain, JSON.createObjectNode());
        }
    }

    /** A command to the page. */
    JsonNode call(String method, ObjectNode params) {
        return send(method, params, session);
    }

    private JsonNode browserCall(String method, ObjectNode params) {
        return send(method, params, null);
    }

    private JsonNode send(String method, ObjectNode params, String sessionId) {
        long id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params);
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            sendText(msg.toString());
            JsonNode r = reply.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (r.has("error")) {
                throw new IllegalStateException(method + " failed: " + r.get("error"));
            }
            return r.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(method + " interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(method + " got no answer within " + CALL_TIMEOUT + "; stderr: "
                    + stderrTail(), e);
        } finally {
            pending.remove(id);
        }
    }

    /** One message at a time: the WebSocket refuses a send while another is pending. */
    private synchronized void sendText(String text) throws InterruptedException, ExecutionException, TimeoutException {
        socket.sendText(text, true).get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * From now on the page's requests for exactly {@code path} (any query) get this answer instead
     * of reaching the server: for rendering an API shape the server does not serve yet.
     */
    void answer(String path, int status, String json) {
        ObjectNode fulfil = JSON.createObjectNode().put("responseCode", status)
                .put("body", java.util.Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)));
        fulfil.putArray("responseHeaders").addObject().put("name", "Content-Type").put("value", "application/json");
        answers.put(path, fulfil);
        ObjectNode enable = JSON.createObjectNode();
        var patterns = enable.putArray("patterns");
        answers.keySet().forEach(p -> patterns.addObject().put("urlPattern", "*" + p + "*").put("requestStage", "Request"));
        call("Fetch.enable", enable);
    }

    private void onPaused(JsonNode params) {
        String requestId = params.path("requestId").asText();
        String path = URI.create(params.path("request").path("url").asText()).getPath();
        ObjectNode canned = answers.get(path);
        try {
            if (canned != null) {
                call("Fetch.fulfillRequest", canned.deepCopy().put("requestId", requestId));
            } else {
                call("Fetch.continueRequest", JSON.createObjectNode().put("requestId", requestId));
            }
        } catch (RuntimeException e) {
            // the page is gone or the browser closing; the test's own waits report what it missed
        }
    }

    /** A PNG of the page as it is now, for looking at a failure or a layout. */
    void screenshot(Path file) throws IOException {
        String data = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")
                .put("captureBeyondViewport", true)).path("data").asText();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, java.util.Base64.getDecoder().decode(data));
    }

    void navigate(String url) {
        JsonNode r = call("Page.navigate", JSON.createObjectNode().put("url", url));
        if (r.hasNonNull("errorText")) {
            throw new IllegalStateException("navigation to " + url + " failed: " + r.get("errorText").asText());
        }
    }

    /** Signs the page in through its sign-in form, as a person would; the token must be base64url text. */
    void signIn(String token) {
        if (!token.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("not a JWT");
        }
        // the form's handler is registered by the page's module, which has run once the first load answered
        waitFor("the page's first answer", "!!document.getElementById('live').dataset.state", Duration.ofSeconds(10));
        eval("document.getElementById('token').value = '" + token + "'; document.getElementById('signin').requestSubmit(); true");
    }

    /** The value of a JavaScript expression in the page (promises awaited); a thrown exception fails. */
    JsonNode eval(String expression) {
        JsonNode r = call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new IllegalStateException("page script failed: " + expression + " -> "
                    + r.get("exceptionDetails").path("exception").path("description").asText(r.get("exceptionDetails").toString()));
        }
        return r.path("result").path("value");
    }

    /**
     * Polls {@code expression} every 100 ms until it is truthy; answers its value. Past the
     * deadline it fails with what the page showed, so a failure says where the page stood.
     */
    JsonNode waitFor(String what, String expression, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        String lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                last = eval(expression);
                lastError = null;
                if (truthy(last)) {
                    return last;
                }
            } catch (IllegalStateException e) {
                // the page may be between documents; keep trying until the deadline
                lastError = e.getMessage();
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
        String text;
        try {
            text = eval("document.body ? document.body.innerText.slice(0, 3000) : '(no body)'").asText();
        } catch (RuntimeException e) {
            text = "(page unreadable: " + e.getMessage() + ")";
        }
        throw new AssertionError("waited " + timeout + " for " + what + "; last value " + last
                + (lastError == null ? "" : ", last error " + lastError) + "; page text:\n" + text);
    }

    private static boolean truthy(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return false;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isNumber()) {
            return v.doubleValue() != 0;
        }
        if (v.isTextual()) {
            return !v.asText().isEmpty();
        }
        return true;
    }

    /** Events of one kind received so far (e.g. Runtime.exceptionThrown), as {method, params}. */
    List<JsonNode> events(String method) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode e : events) {
            if (method.equals(e.path("method").asText())) {
                out.add(e);
            }
        }
        return out;
    }

    String stderrTail() {
        synchronized (stderr) {
            return String.join("\n", stderr);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // a test that timed out arrives interrupted: clean up anyway, then restore the flag
        boolean interrupted = Thread.interrupted();
        // remember every process before the parent goes: once it is gone its children are orphans, not descendants
        process.descendants().forEach(processes::add);
        if (socket != null) {
            try {
                browserCall("Browser.close", JSON.createObjectNode());
            } catch (RuntimeException ignored) {
                // the browser may be dead already; the processes are ended below either way
            }
            socket.abort();
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        for (ProcessHandle h : processes) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : processes) {
            try {
                h.onExit().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException ignored) {
                // reported by alive() below
            }
        }
        pending.values().forEach(f -> f.completeExceptionally(new IOException("browser closed")));
        responder.shutdownNow();
        try {
            deleteTree(profile, null);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Processes this browser started that are still alive (none after close). */
    List<ProcessHandle> alive() {
        return processes.stream().filter(ProcessHandle::isAlive).toList();
    }

    Path profile() {
        return profile;
    }

    private static void deleteTree(Path root, Throwable cause) {
        IOException last = null;
        // a process that was just killed may still have had a file in flight: a second pass gets it
        for (int pass = 0; pass < 3 && Files.exists(root); pass++) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                last = e instanceof IOException io ? io : ((java.io.UncheckedIOException) e).getCause();
            }
            if (Files.exists(root)) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (Files.exists(root)) {
            IOException e = last != null ? last : new IOException("something kept writing into it");
            if (cause != null) {
                cause.addSuppressed(e);
            } else {
                throw new java.io.UncheckedIOException("cannot delete Chromium's profile " + root, e);
            }
        }
    }

    /** Collects WebSocket frames into messages; replies complete their call, everything else is an event. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode msg = JSON.readTree(text);
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.get(msg.get("id").asLong());
                        if (f != null) {
                            f.complete(msg);
                        }
                    } else {
                        if ("Fetch.requestPaused".equals(msg.path("method").asText())) {
                            responder.execute(() -> onPaused(msg.path("params")));
                        }
                        if (events.size() < MAX_EVENTS) {
                            events.add(msg);
                        }
                    }
                } catch (IOException e) {
                    // DevTools speaks JSON; anything else is ignored, and a call waiting for it times out
                }
            }
            ws.request(1);
            return null;
        }
    }
}
