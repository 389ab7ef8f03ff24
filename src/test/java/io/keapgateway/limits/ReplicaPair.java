package io.keapgateway.limits;

import io.keapgateway.testsupport.TestRun;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Two replicas of the packaged gateway started side by side with one environment, and the admin calls that
 * set up a connection and a key through one of them and wait until the other knows both.
 */
final class ReplicaPair implements AutoCloseable {

    final GatewayProcess a;
    final GatewayProcess b;
    private final GatewayClient client = new GatewayClient();

    /**
     * A key issued for a test.
     *
     * @param connection its connection
     * @param keapKey the Keap api key only that connection uses (so Keap's recordings tell it apart)
     * @param key the whole gateway key
     */
    record Issued(String connection, String keapKey, String key) {
        String id() {
            return key.split("_")[1];
        }
    }

    private ReplicaPair(GatewayProcess a, GatewayProcess b) {
        this.a = a;
        this.b = b;
    }

    /** Starts both replicas in parallel and waits until both are live. */
    static ReplicaPair start(Map<String, String> environment) throws Exception {
        CompletableFuture<GatewayProcess> a = CompletableFuture.supplyAsync(() -> launch(environment));
        CompletableFuture<GatewayProcess> b = CompletableFuture.supplyAsync(() -> launch(environment));
        return new ReplicaPair(a.get(), b.get());
    }

    /**
     * Makes a new api-key connection using {@code keapKey} and issues a key for it with a rate far above the
     * connection's, both through {@code via} (which knows them at once).
     */
    Issued issue(GatewayProcess via, String purpose, String keapKey) {
        String connection = "lim-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 8);
        client.adminJson("PUT", via.url() + "/admin/connections/" + connection,
                "{\"api_key\":\"" + keapKey + "\"}", 200);
        return new Issued(connection, keapKey, issueKey(via, connection, ""));
    }

    /** {@link #issue} through replica A, then waits until B knows the connection and the key. */
    Issued issueToBoth(String purpose, String keapKey) {
        Issued issued = issue(a, purpose, keapKey);
        String connectionUrl = b.url() + "/admin/connections/" + issued.connection();
        Polling.until("replica B knows connection " + issued.connection(), Duration.ofSeconds(10),
                Duration.ofMillis(50), () -> client.admin("GET", connectionUrl, null),
                answer -> answer.statusCode() == 200);
        awaitKeyKnownToB(issued);
        return issued;
    }

    /**
     * Another key for the connection of {@code existing}, through replica A, with the same rate plus
     * {@code moreFields} (JSON members, each preceded by a comma); waits until B knows it.
     */
    Issued anotherKeyToBoth(Issued existing, String moreFields) {
        Issued issued = new Issued(existing.connection(), existing.keapKey(),
                issueKey(a, existing.connection(), moreFields));
        awaitKeyKnownToB(issued);
        return issued;
    }

    /** Waits until both replicas decide limits in Redis (their local-mode gauge at 0). */
    void awaitShared() {
        for (GatewayProcess replica : both()) {
            Polling.until(replica.url() + " decides in Redis", Duration.ofSeconds(15), Duration.ofMillis(100),
                    () -> LocalModeGauge.read(metricsUrl(replica)), mode -> mode == 0.0);
        }
    }

    private String issueKey(GatewayProcess via, String connection, String moreFields) {
        return client.adminJson("POST", via.url() + "/admin/keys", "{\"name\":\"limits-it\",\"connection\":\""
                + connection + "\",\"rate\":{\"per_second\":1000,\"burst\":1000}" + moreFields + "}", 201)
                .get("key").asText();
    }

    private void awaitKeyKnownToB(Issued issued) {
        Polling.until("replica B knows the key", Duration.ofSeconds(10), Duration.ofMillis(50),
                () -> client.admin("POST", b.url() + "/admin/keys/" + issued.id() + "/check",
                        "{\"method\":\"GET\",\"path\":\"" + ProxyCalls.PATH + "\"}"),
                answer -> answer.statusCode() == 200);
    }

    List<GatewayProcess> both() {
        return List.of(a, b);
    }

    static String metricsUrl(GatewayProcess replica) {
        return replica.managementUrl() + "/q/metrics";
    }

    /** A Redis prefix no other run uses. */
    static String uniquePrefix() {
        return TestRun.prefix("lim-" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** A fake Keap api key no other test uses, never shaped like a real one (see FakeKeapResource.API_KEY). */
    static String uniqueKeapKey() {
        return "KeapAK-lim-" + UUID.randomUUID().toString().replace("-", "");
    }

    @Override
    public void close() throws Exception {
        try {
            a.close();
        } finally {
            b.close();
        }
    }

    private static GatewayProcess launch(Map<String, String> environment) {
        try {
            return GatewayProcess.start(environment);
        } catch (Exception e) {
            throw new IllegalStateException("a replica did not start", e);
        }
    }
}
