package io.keapgateway.replicas;

import io.keapgateway.testsupport.TestRun;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Several replicas of the packaged gateway sharing one Redis, as ops deploys it. */
class ReplicasIT {

    private FakeKeap keap;
    private String prefix;

    @BeforeEach
    void startKeap() {
        keap = FakeKeap.start();
        keap.acceptApiKey(FakeKeapResource.API_KEY);
        prefix = TestRun.prefix(UUID.randomUUID().toString().substring(0, 8));
    }

    @AfterEach
    void stopKeap() throws Exception {
        keap.close();
        try (RedisPeek redis = RedisPeek.local()) {
            redis.deleteAll(prefix);
        }
    }

    @Test
    void revocationReachesEveryReplicaWithinASecond() throws Exception {
        try (GatewayProcess a = GatewayProcess.start(environment());
                GatewayProcess b = GatewayProcess.start(environment())) {
            String key = Admin.at(a.url()).createKey(Map.of("name", "shared"));
            awaitStatus(b, key, 200, Duration.ofSeconds(1));

            Admin.at(a.url()).revoke(Admin.idOf(key)).statusCode(204);
            Instant revoked = Instant.now();
            awaitStatus(b, key, 401, Duration.ofSeconds(1));

            assertThat(Duration.between(revoked, Instant.now())).isLessThan(Duration.ofSeconds(1));
            given().baseUri(b.url()).header("X-Api-Key", key).get("/crm/rest/v1/contacts")
                    .then().body("code", org.hamcrest.Matchers.equalTo("key_revoked"));
        }
    }

    @Test
    void streamsFiftyMebibytesEachWayWithinASmallHeap() throws Exception {
        Map<String, String> env = environment();
        env.put("TEST_GATEWAY_XMX", "48m"); // a buffered 50 MiB body could not fit
        try (GatewayProcess gateway = GatewayProcess.start(env)) {
            String key = Admin.at(gateway.url()).createKey(Map.of("name", "bulk"));
            long size = 50L * 1024 * 1024;
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<Void> download = http.send(HttpRequest.newBuilder(
                    URI.create(gateway.url() + "/crm/rest/v1/download/" + size)).header("X-Api-Key", key).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(download.statusCode()).isEqualTo(200);
            HttpResponse<String> upload = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/crm/rest/v1/files"))
                    .header("X-Api-Key", key)
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new java.io.InputStream() {
                                private long left = size;

                                @Override
                                public int read() {
                                    return left-- > 0 ? 'k' : -1;
                                }

                                @Override
                                public int read(byte[] b, int off, int len) {
                                    if (left <= 0) {
                                        return -1;
                                    }
                                    int n = (int) Math.min(len, left);
                                    java.util.Arrays.fill(b, off, off + n, (byte) 'k');
                                    left -= n;
                                    return n;
                                }
                            }), size)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(200);
            assertThat(keap.receivedUnder("/crm/rest/v1/files").get(0).bodyBytes()).isEqualTo(size);
            assertThat(gateway.logs()).doesNotContain("OutOfMemoryError");
        }
    }

    @Test
    void answersUpstreamUnavailableWhenKeapCannotBeReached() throws Exception {
        Map<String, String> env = environment();
        env.put("KEAP_GATEWAY_UPSTREAM_URL", "http://127.0.0.1:9"); // discard port: nothing listens
        try (GatewayProcess gateway = GatewayProcess.start(env)) {
            String key = Admin.at(gateway.url()).createKey(Map.of("name", "k"));
            given().baseUri(gateway.url()).header("X-Api-Key", key).get("/crm/rest/v1/contacts")
                    .then().statusCode(502)
                    .contentType("application/problem+json")
                    .body("code", org.hamcrest.Matchers.equalTo("upstream_unavailable"));
        }
    }

    @Test
    void refusesToStartInProductionWithoutAdminTokenOrEncryptionKey() throws Exception {
        for (String missing : new String[] {"KEAP_GATEWAY_ADMIN_TOKEN", "KEAP_GATEWAY_ENCRYPTION_KEY"}) {
            Map<String, String> env = environment();
            env.remove(missing);
            try (GatewayProcess gateway = GatewayProcess.launch(env)) {
                assertThat(gateway.awaitExit(Duration.ofSeconds(60))).as(missing).isNotIn(0, -1);
                assertThat(gateway.logs()).contains(missing + " must be set in production");
            }
        }
    }

    private Map<String, String> environment() {
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_API_KEY", FakeKeapResource.API_KEY);
        return env;
    }

    /** Polls until the replica answers {@code status} to the key, failing after {@code within}. */
    private static void awaitStatus(GatewayProcess gateway, String key, int status, Duration within) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + "/crm/rest/v1/contacts"))
                .header("X-Api-Key", key).build();
        Instant deadline = Instant.now().plus(within);
        int last;
        do {
            last = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(20); // polling another process: it has no event to wait on
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("expected " + status + " within " + within + ", last answer " + last);
    }
}
