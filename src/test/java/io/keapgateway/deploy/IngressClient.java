package io.keapgateway.deploy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * An HTTP client for the Ingress hosts, whose names resolve to nothing on the test machine: a request for
 * {@code https://host/path} is sent to nginx's stand-in port for 443 (or 80 for http) on 127.0.0.1 with
 * {@code Host: host}, as DNS pointing at the ingress would have it. Needs the JVM property
 * {@code jdk.httpclient.allowRestrictedHeaders} to include {@code host} (set for integration tests in the pom).
 */
final class IngressClient {

    private final IngressNginx.Ports ports;
    private final HttpClient client;

    IngressClient(IngressNginx.Ports ports, TestCertificate certificate) throws IOException, GeneralSecurityException {
        this.ports = ports;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .sslContext(certificate.trustingIt()).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** A request for {@code url} (on an Ingress host), addressed to nginx. */
    HttpRequest.Builder request(String url) {
        URI uri = URI.create(url);
        int port = "https".equals(uri.getScheme()) ? ports.https() : ports.http();
        URI local = URI.create(uri.getScheme() + "://127.0.0.1:" + port + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        return HttpRequest.newBuilder(local).header("Host", uri.getHost()).timeout(Duration.ofSeconds(60));
    }

    <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> body)
            throws IOException, InterruptedException {
        return client.send(request, body);
    }

    <T> java.util.concurrent.CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
            HttpResponse.BodyHandler<T> body) {
        return client.sendAsync(request, body);
    }

    /** GET {@code url}, with the bearer token when not null. */
    HttpResponse<String> get(String url, String bearer) throws IOException, InterruptedException {
        HttpRequest.Builder request = request(url);
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
