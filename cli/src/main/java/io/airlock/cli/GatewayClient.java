package io.airlock.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** The CLI's HTTP client for the gateway: multipart upload streamed from disk, JSON reads, SSE. */
final class GatewayClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    record Answer(int status, JsonNode body) {
    }

    record Event(String name, JsonNode data) {
    }

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    GatewayClient(RemoteOptions remote) {
        String s = remote.server().strip();
        this.base = s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        this.token = remote.token();
    }

    String base() {
        return base;
    }

    /** POST /v1/submissions; the file is streamed from disk, never read whole into memory. */
    Answer submit(Path file, Map<String, String> fields) throws IOException, InterruptedException {
        String boundary = "airlock-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        for (Map.Entry<String, String> f : fields.entrySet()) {
            head.append("--").append(boundary).append("\r\n")
                    .append("Content-Disposition: form-data; name=\"").append(f.getKey()).append("\"\r\n\r\n")
                    .append(f.getValue()).append("\r\n");
        }
        String filename = file.getFileName().toString().replace("\"", "_").replace("\r", "_").replace("\n", "_");
        head.append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"file\"; filename=\"").append(filename).append("\"\r\n")
                .append("Content-Type: application/octet-stream\r\n\r\n");
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest req = request("/v1/submissions")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofString(head.toString(), StandardCharsets.UTF_8),
                        HttpRequest.BodyPublishers.ofFile(file),
                        HttpRequest.BodyPublishers.ofString(tail, StandardCharsets.UTF_8)))
                .build();
        return answer(http.send(req, HttpResponse.BodyHandlers.ofString()));
    }

    Answer post(String path) throws IOException, InterruptedException {
        return answer(http.send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString()));
    }

    Answer postJson(String path, String json) throws IOException, InterruptedException {
        return sendJson("POST", path, json);
    }

    /** A JSON body sent with {@code method} (POST, PUT). */
    Answer sendJson(String method, String path, String json) throws IOException, InterruptedException {
        return answer(http.send(request(path).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString()));
    }

    /** POST of a small body held in memory (a kernel task's tar), with its content type. */
    Answer postBytes(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return answer(http.send(request(path).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString()));
    }

    Answer get(String path) throws IOException, InterruptedException {
        return answer(http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }

    /** Follows the events stream, handing each event to {@code sink}, until the server ends it. */
    void follow(String id, Consumer<Event> sink) throws IOException, InterruptedException {
        HttpRequest req = request("/v1/submissions/" + id + "/events").header("Accept", "text/event-stream").GET().build();
        HttpResponse<Stream<String>> resp = http.send(req, HttpResponse.BodyHandlers.ofLines());
        if (resp.statusCode() != 200) {
            throw new IOException("events stream answered HTTP " + resp.statusCode());
        }
        String name = "message";
        StringBuilder data = new StringBuilder();
        try (Stream<String> lines = resp.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        sink.accept(new Event(name, JSON.readTree(data.toString())));
                    }
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
        if (!token.isEmpty()) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static Answer answer(HttpResponse<String> r) throws IOException {
        String body = r.body();
        JsonNode node;
        try {
            node = body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            node = JSON.createObjectNode().put("detail", body);
        }
        return new Answer(r.statusCode(), node);
    }

    static Map<String, String> fields() {
        return new LinkedHashMap<>();
    }
}
