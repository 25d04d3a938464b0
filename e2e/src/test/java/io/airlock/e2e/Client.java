package io.airlock.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Iterator;
import java.util.stream.Stream;

/** What a user's client does: follow a submission's server-sent events to the end. */
final class Client {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Client() {
    }

    record Event(String id, String name, JsonNode data) {
    }

    /**
     * Uploads with {@code Expect: 100-continue}, as careful clients do, so a server that refuses the
     * body from its headers can answer before the body is sent. Returns the HTTP status.
     */
    static int uploadStatus(String gateway, java.nio.file.Path file, String kind) throws IOException, InterruptedException {
        String boundary = "b" + System.nanoTime();
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n" + kind + "\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n";
        HttpRequest req = HttpRequest.newBuilder(URI.create(gateway + "/v1/submissions"))
                .version(HttpClient.Version.HTTP_1_1)
                .expectContinue(true)
                .header("Authorization", "Bearer " + E2eStack.OPERATOR_TOKEN)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofString(head),
                        HttpRequest.BodyPublishers.ofFile(file),
                        HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n")))
                .build();
        return HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Reads the events stream until the server closes it (it does so after a final status) or the timeout. */
    static List<Event> followEvents(String gateway, String id, Duration timeout) throws IOException, InterruptedException {
        return followEvents(gateway, id, timeout, E2eStack.OPERATOR_TOKEN);
    }

    /** The same, as the holder of {@code token}. */
    static List<Event> followEvents(String gateway, String id, Duration timeout, String token)
            throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(gateway + "/v1/submissions/" + id + "/events"))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer " + token)
                .timeout(timeout).GET().build();
        HttpResponse<Stream<String>> resp = HTTP.send(req, HttpResponse.BodyHandlers.ofLines());
        if (resp.statusCode() != 200) {
            throw new IOException("events stream answered " + resp.statusCode());
        }
        List<Event> events = new ArrayList<>();
        String evId = null;
        String name = null;
        StringBuilder data = new StringBuilder();
        try (Stream<String> lines = resp.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.add(new Event(evId, name, JSON.readTree(data.toString())));
                    }
                    evId = null;
                    name = null;
                    data.setLength(0);
                } else if (line.startsWith("id:")) {
                    evId = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
        }
        return events;
    }
}
