package io.keapgateway.limits;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Proxied GETs as a client holding a gateway key sends them: one at a time, or many released at the same
 * instant (each on its own thread and connection, held at a start gate until all are ready).
 */
final class ProxyCalls {

    /** A path every key may use and the fake Keap answers 200 to. */
    static final String PATH = "/crm/rest/v1/contacts";

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private ProxyCalls() {
    }

    /** One proxied GET of {@link #PATH} through the gateway at {@code baseUrl} (no trailing slash). */
    static HttpResponse<String> get(String baseUrl, String key) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + PATH))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key)
                .GET()
                .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * {@code count} proxied GETs released together, spread round-robin over the gateways at {@code baseUrls};
     * answers every response, in no particular order.
     */
    static List<HttpResponse<String>> atOnce(int count, String key, String... baseUrls) throws InterruptedException {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            CountDownLatch ready = new CountDownLatch(count);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> calls = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String baseUrl = baseUrls[i % baseUrls.length];
                calls.add(threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    return get(baseUrl, key);
                }));
            }
            ready.await();
            go.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>(count);
            for (Future<HttpResponse<String>> call : calls) {
                responses.add(call.get());
            }
            return responses;
        } catch (ExecutionException e) {
            throw new IllegalStateException("a proxied call failed", e.getCause());
        } finally {
            threads.shutdownNow();
        }
    }

    /** The responses with the given status. */
    static List<HttpResponse<String>> withStatus(List<HttpResponse<String>> responses, int status) {
        return responses.stream().filter(response -> response.statusCode() == status).toList();
    }
}
