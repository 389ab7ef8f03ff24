package io.keapgateway.limits;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.OptionalDouble;

/**
 * Reads the gauge {@code keap_gateway_ratelimit_local_mode} from a replica's Prometheus endpoint: 1 while it
 * enforces its share of the limits alone because Redis is unreachable, 0 while Redis decides.
 */
final class LocalModeGauge {

    static final String NAME = "keap_gateway_ratelimit_local_mode";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private LocalModeGauge() {
    }

    /** The gauge's value at {@code metricsUrl} (a {@code /q/metrics} URL); fails when it is not exported. */
    static double read(String metricsUrl) {
        try {
            return find(metricsUrl, fetch(metricsUrl))
                    .orElseThrow(() -> new AssertionError(NAME + " is not exported at " + metricsUrl));
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + metricsUrl + " failed", e);
        }
    }

    /**
     * The gauge's value, or empty when nothing answers at {@code metricsUrl} or it exports no such gauge: for
     * {@code @QuarkusIntegrationTest}, where Quarkus resolves {@code @TestHTTPResource(management = true)} to
     * its default test port (9001) while the launched application listens elsewhere.
     */
    static OptionalDouble readIfReachable(String metricsUrl) {
        try {
            return find(metricsUrl, fetch(metricsUrl));
        } catch (ConnectException nothingListens) {
            return OptionalDouble.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + metricsUrl + " failed", e);
        }
    }

    private static String fetch(String metricsUrl) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static OptionalDouble find(String metricsUrl, String text) {
        for (String line : text.split("\n")) {
            // "name 1.0" or "name{tags} 1.0"; "# HELP"/"# TYPE" lines start with '#'
            if (line.startsWith(NAME + " ") || line.startsWith(NAME + "{")) {
                return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return OptionalDouble.empty();
    }
}
