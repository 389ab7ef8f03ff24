package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that abandon their own uploads are not Keap failing (H-B of the review of 2f31f2e): one key's
 * aborted uploads (connection closed, or HTTP/2 stream reset, after one byte of a longer body) never open
 * the connection's circuit, and half-open, an upload that trickles or is abandoned neither holds the probe
 * nor opens the circuit again. The breaker's default threshold (5 failures in a row) and the test profile's
 * 1 s open duration apply.
 */
@QuarkusTest
@WithTestResource(FakeKeapResource.class)
class ClientAbortsTest {

    private static final String CONTACTS = "/crm/rest/v1/contacts";
    private static final int THRESHOLD = 5;

    @TestHTTPResource("/")
    URL base;
    @Inject
    UpstreamGuards guards;
    private final Admin admin = Admin.local();
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    private FakeKeap keap;
    private Vertx vertx;

    @BeforeEach
    void connect() {
        keap = FakeKeapResource.clearedBehindDefault();
        vertx = Vertx.vertx();
    }

    @AfterEach
    void recover() throws Exception {
        keap.clear();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // Leave the circuit closed for the tests that share this application.
        String other = admin.createKey(Map.of("name", "cleanup"));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> get(other).statusCode() == 200 && "closed".equals(circuit()));
    }

    @Test
    void abortedUploadsOfOneKeyLeaveTheCircuitClosedForEveryKey() throws Exception {
        String attacker = admin.createKey(Map.of("name", "read-only"));
        String other = admin.createKey(Map.of("name", "drupal"));
        assertThat(get(other).statusCode()).isEqualTo(200); // the connection's guard exists from here on

        List<Socket> burst = new ArrayList<>(); // the review's shape: 12 at once, each closed at once
        for (int i = 0; i < 12; i++) {
            burst.add(upload(i % 2 == 0 ? "GET" : "POST", attacker, i));
        }
        for (Socket socket : burst) {
            socket.close();
        }
        awaitInFlight(0);
        assertThat(circuit()).as("after 12 uploads closed at once").isEqualTo("closed");
        for (int i = 0; i < 12; i++) { // one at a time, each closed once it is on its way to Keap
            try (Socket socket = upload(i % 2 == 0 ? "GET" : "POST", attacker, 100 + i)) {
                awaitInFlight(1);
            }
            awaitInFlight(0);
            assertThat(circuit()).as("after closed upload " + i).isEqualTo("closed");
        }
        for (int i = 0; i < 6; i++) {
            resetHttp2Upload(attacker, i);
            awaitInFlight(0);
            assertThat(circuit()).as("after reset HTTP/2 upload " + i).isEqualTo("closed");
        }

        assertThat(get(other).statusCode()).as("another key is served").isEqualTo(200);
    }

    @Test
    void halfOpenAnUploadThatTricklesDoesNotHoldTheProbeNorOneThatAbortsOpenTheCircuitAgain() throws Exception {
        String attacker = admin.createKey(Map.of("name", "read-only"));
        String other = admin.createKey(Map.of("name", "drupal"));
        openTheCircuitThenLetKeapRecover(other);

        try (Socket trickling = upload("POST", attacker, 1)) {
            awaitInFlight(1);
            assertThat(get(other).statusCode()).as("the probe is the request sent whole").isEqualTo(200);
            assertThat(circuit()).isEqualTo("closed");
        }
        awaitInFlight(0);
        assertThat(circuit()).isEqualTo("closed");

        openTheCircuitThenLetKeapRecover(other);
        try (Socket aborted = upload("POST", attacker, 2)) {
            awaitInFlight(1);
        }
        awaitInFlight(0);
        assertThat(circuit()).as("an abandoned upload tells nothing of Keap").isEqualTo("half_open");
        assertThat(get(other).statusCode()).isEqualTo(200);
        assertThat(circuit()).isEqualTo("closed");
    }

    private void openTheCircuitThenLetKeapRecover(String key) throws Exception {
        keap.failWith(503);
        for (int i = 0; i < THRESHOLD; i++) {
            assertThat(get(key).statusCode()).isEqualTo(503);
        }
        assertThat(circuit()).isEqualTo("open");
        keap.recover();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> "half_open".equals(circuit()));
    }

    /** A socket that sent a request announcing 100 body bytes and only one of them; closing it aborts the upload. */
    private Socket upload(String method, String key, int i) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("localhost", base.getPort()), 5000);
        String head = method + " " + CONTACTS + "?abort=" + i + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return socket;
    }

    /** The same over HTTP/2 (h2c, prior knowledge): one byte of 100, then the stream is reset. */
    private void resetHttp2Upload(String key, int i) throws Exception {
        HttpClient h2c = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
        HttpClientRequest request = h2c.request(new RequestOptions().setMethod(HttpMethod.POST)
                .setHost("localhost").setPort(base.getPort()).setURI(CONTACTS + "?reset=" + i)
                .putHeader("Authorization", "Bearer " + key).putHeader("Content-Length", "100"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        request.write(Buffer.buffer("{")).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        awaitInFlight(1);
        request.reset();
        h2c.close();
    }

    private void awaitInFlight(int count) {
        // The bean, not the gauge: a gauge registered by an earlier start of the application in this JVM stays.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> assertThat(
                guards.inFlight("default")).as("requests of 'default' in flight to Keap").isEqualTo(count));
    }

    private String circuit() {
        return admin.request().get("/admin/connections/default").then().statusCode(200).extract().path("circuit");
    }

    private HttpResponse<String> get(String key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + base.getPort() + CONTACTS))
                .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(30)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
