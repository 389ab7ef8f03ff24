package io.keapgateway.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client of running gateway replicas, for integration tests that drive child processes: admin calls with
 * the test admin token, proxied calls with a gateway key. Keeps every admin answer, so that tests can scan
 * them for secrets.
 */
public final class GatewayClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<String> adminAnswers = new ArrayList<>();

    /** An admin call; {@code json} may be null. Answers status and body. */
    public HttpResponse<String> admin(String method, String url, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + GatewayProcess.ADMIN_TOKEN)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = send(request.build());
        synchronized (adminAnswers) {
            adminAnswers.add(response.body());
        }
        return response;
    }

    /** An admin call that must answer {@code expectedStatus}; answers its JSON body (null when empty). */
    public JsonNode adminJson(String method, String url, String json, int expectedStatus) {
        HttpResponse<String> response = admin(method, url, json);
        if (response.statusCode() != expectedStatus) {
            throw new AssertionError(method + " " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return parse(response.body());
    }

    /** Issues a gateway key for {@code connection} on the replica at {@code baseUrl}; answers the key's JSON (with {@code key}). */
    public JsonNode createKey(String baseUrl, String name, String connection) {
        return adminJson("POST", baseUrl + "/admin/keys",
                "{\"name\":\"" + name + "\",\"connection\":\"" + connection + "\"}", 201);
    }

    /** A proxied GET, sent without waiting. */
    public CompletableFuture<HttpResponse<String>> proxiedGet(String url, String key) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + key)
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A plain GET without credentials (health checks). */
    public HttpResponse<String> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build());
    }

    /** Every admin answer so far, joined. */
    public String adminAnswers() {
        synchronized (adminAnswers) {
            return String.join("\n", adminAnswers);
        }
    }

    public static JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? null : JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + body, e);
        }
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
