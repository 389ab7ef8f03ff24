package io.keapgateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import io.keapgateway.testsupport.TestRun;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Notifications from three packaged replicas sharing one Redis, in front of the fake Keap in OAuth mode, to
 * a real webhook receiver (PHP running the signature check of docs/notifications.md) and a real SMTP server
 * (aiosmtpd). The replicas start once
 * (start-up dominates the run time); the test that loses the grant runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NotificationsIT {

    private static final String SECRET = "webhook-secret-for-the-tests-0123";
    private static final String SECRET_PATH = "T0001-s3cr3t-path";
    private static final String OWNER = "owner@example.com";
    private static final String CONSOLE = "https://admin.example.com/console";
    /** Three checks of every replica: long enough for a duplicate to show up if there were one. */
    private static final Duration NO_MORE_WITHIN = Duration.ofSeconds(4);

    private static FakeKeap keap;
    private static WebhookReceiver webhook;
    private static SmtpSink smtp;
    private static final GatewayClient client = new GatewayClient();
    private static final List<GatewayProcess> replicas = new ArrayList<>();
    private static final String prefix = TestRun.prefix(UUID.randomUUID().toString().substring(0, 8));

    @BeforeAll
    static void start() throws Exception {
        keap = FakeKeap.start();
        keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        webhook = new WebhookReceiver(SECRET);
        smtp = new SmtpSink();
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_CLIENT_ID", FakeKeapResource.CLIENT_ID);
        env.put("KEAP_GATEWAY_CLIENT_SECRET", FakeKeapResource.CLIENT_SECRET);
        env.put("KEAP_GATEWAY_NOTIFY_WEBHOOK_URL", webhook.url("hook-user:hook-pass", SECRET_PATH));
        env.put("KEAP_GATEWAY_NOTIFY_WEBHOOK_SECRET", SECRET);
        env.put("KEAP_GATEWAY_NOTIFY_EMAIL_TO", OWNER);
        env.put("KEAP_GATEWAY_NOTIFY_CONSOLE_URL", CONSOLE);
        env.put("KEAP_GATEWAY_NOTIFY_CHECK_INTERVAL", "1s");
        env.put("KEAP_GATEWAY_NOTIFY_DELIVERY_ATTEMPTS", "4");
        env.put("KEAP_GATEWAY_NOTIFY_DELIVERY_INITIAL_BACKOFF", "300ms");
        env.put("KEAP_GATEWAY_NOTIFY_CIRCUIT_OPEN_FOR", "2s");
        env.put("KEAP_GATEWAY_BREAKER_OPEN_DURATION", "1s");
        // The latency probe sends its requests back to back: above a key's and a connection's default rate.
        env.put("KEAP_GATEWAY_LIMITS_KEY_RATE", "500");
        env.put("KEAP_GATEWAY_LIMITS_KEY_BURST", "500");
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_RATE", "500");
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_BURST", "500");
        env.put("KEAP_GATEWAY_NOTIFY_EMAIL_HOST", "127.0.0.1");
        env.put("KEAP_GATEWAY_NOTIFY_EMAIL_PORT", Integer.toString(smtp.port()));
        env.put("KEAP_GATEWAY_NOTIFY_EMAIL_FROM", "gateway@example.com");
        List<CompletableFuture<GatewayProcess>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return GatewayProcess.start(env);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<GatewayProcess> replica : starting) {
            replicas.add(replica.get());
        }
        for (GatewayProcess replica : replicas) {
            client.adminJson("GET", replica.url() + "/admin/connections/default", null, 200);
        }
        connect();
    }

    @AfterAll
    static void stop() throws Exception {
        for (GatewayProcess replica : replicas) {
            replica.close();
        }
        if (smtp != null) {
            smtp.close();
        }
        if (webhook != null) {
            webhook.close();
        }
        if (keap != null) {
            keap.close();
        }
        try (RedisPeek redis = RedisPeek.local()) {
            redis.deleteAll(prefix);
        }
    }

    @Test
    @Order(1)
    void infoListsBothChannelsWithoutTheirSecretsAndTheTestButtonReachesEach() {
        String info = client.admin("GET", url(2) + "/admin/info", null).body();
        JsonNode channels = GatewayClient.parse(info).get("notification_channels");
        assertThat(channels.get(0).get("name").asText()).isEqualTo("webhook");
        assertThat(channels.get(0).get("configured").asBoolean()).isTrue();
        assertThat(channels.get(0).get("host").asText()).isEqualTo("127.0.0.1");
        assertThat(channels.get(0).get("signed").asBoolean()).isTrue();
        assertThat(channels.get(1).get("name").asText()).isEqualTo("email");
        assertThat(channels.get(1).get("to").get(0).asText()).isEqualTo(OWNER);
        assertThat(info).doesNotContain(SECRET, SECRET_PATH, "hook-pass");

        JsonNode result = client.adminJson("POST", url(1) + "/admin/notifications/test", null, 200);

        assertThat(result.get("channels").toString())
                .isEqualTo("[{\"channel\":\"webhook\",\"delivered\":true},{\"channel\":\"email\",\"delivered\":true}]");
        assertThat(webhook.accepted("test", "once")).hasSize(1);
        assertThat(webhook.authorizations()).allMatch(header -> header.equals("Basic "
                + Base64.getEncoder().encodeToString("hook-user:hook-pass".getBytes(StandardCharsets.UTF_8))));
        await().atMost(Duration.ofSeconds(10)).until(() -> smtp.messagesWith("Subject: [Keap Gateway] Test notification").size() == 1);
        assertThat(smtp.messages().get(0)).contains("To: " + OWNER, "From: gateway@example.com");
        assertThat(webhook.refusedSignatures()).isZero();
    }

    @Test
    @Order(2)
    void theDocumentedCheckRefusesAForgedMessage() throws Exception {
        String body = webhook.accepted("test", "once").get(0).toString().replace("test", "grant_needs_reauth");
        long now = Instant.now().getEpochSecond();
        HttpResponse<String> forged = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(webhook.baseUrl() + "/hooks/" + SECRET_PATH))
                .header("X-Keap-Gateway-Timestamp", Long.toString(now))
                .header("X-Keap-Gateway-Signature", WebhookBody.signature("not-the-gateway's-secret", now, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> stale = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(webhook.baseUrl() + "/hooks/" + SECRET_PATH))
                .header("X-Keap-Gateway-Timestamp", Long.toString(now - 600))
                .header("X-Keap-Gateway-Signature", WebhookBody.signature(SECRET, now - 600, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(stale.statusCode()).isEqualTo(401);
        assertThat(webhook.refusedSignatures()).isEqualTo(2);
        assertThat(webhook.accepted("grant_needs_reauth", "once")).isEmpty();
    }

    @Test
    @Order(3)
    void aKeyAboutToExpireRotatedAndRevokedIsToldOnceEach() {
        String expires = Instant.now().plus(Duration.ofDays(3)).toString();
        JsonNode key = client.adminJson("POST", url(0) + "/admin/keys", "{\"name\":\"contractor\",\"connection\":"
                + "\"default\",\"expires_at\":\"" + expires + "\"}", 201);
        String id = key.get("id").asText();

        awaitExactlyOne("key_expiring", "firing", "Subject: [Keap Gateway] Gateway key 'contractor' expires on");
        assertThat(webhook.accepted("key_expiring", "firing").get(0).get("subject").asText()).isEqualTo(id);

        client.adminJson("POST", url(1) + "/admin/keys/" + id + "/rotate", "{\"grace_seconds\":3600}", 200);
        awaitExactlyOne("key_rotated", "once", "Subject: [Keap Gateway] Gateway key 'contractor' was rotated");
        assertThat(webhook.accepted("key_rotated", "once").get(0).get("happened").asText()).contains("keeps working until");

        client.admin("DELETE", url(2) + "/admin/keys/" + id, null);
        awaitExactlyOne("key_revoked", "once", "Subject: [Keap Gateway] Gateway key 'contractor' was revoked");
        // A revoked key no longer expires: the warning clears, once.
        awaitExactlyOne("key_expiring", "resolved", "Subject: [Keap Gateway] Resolved: Gateway key " + id);
        assertThat(webhook.accepted("key_expiring", "resolved").get(0).get("id").asText())
                .isEqualTo(webhook.accepted("key_expiring", "firing").get(0).get("id").asText());
    }

    @Test
    @Order(4)
    void aFailingReceiverCostsTheProxyNothingAndIsRetriedWithEveryAttemptAudited() throws Exception {
        String key = client.createKey(url(0), "load", "default").get("key").asText();
        awaitProxied(key, 200);
        long before = medianLatencyMillis(key, 30);

        webhook.failNext(2); // down for two attempts, then back
        String id = client.createKey(url(0), "victim", "default").get("id").asText();
        client.adminJson("POST", url(0) + "/admin/keys/" + id + "/rotate", "{}", 200);
        long during = medianLatencyMillis(key, 30);

        await().atMost(Duration.ofSeconds(15)).until(() -> webhook.accepted().stream()
                .anyMatch(body -> body.get("subject").asText().equals(id)));
        assertThat(webhook.failedOnPurpose()).isEqualTo(2);
        List<String> attempts = auditedAttempts(id);
        assertThat(attempts).hasSize(3);
        assertThat(attempts.get(0)).startsWith("notify.failed ").contains("attempt=1/4", "answered HTTP 500",
                "(will retry)");
        assertThat(attempts.get(1)).startsWith("notify.failed ").contains("attempt=2/4");
        assertThat(attempts.get(2)).startsWith("notify.sent ").contains("attempt=3/4");
        System.out.printf("NotificationsIT: median proxied latency %d ms before, %d ms while the webhook failed%n",
                before, during);
        assertThat(during).isLessThanOrEqualTo(Math.max(5 * before, 50));
    }

    @Test
    @Order(5)
    void aCircuitOpenOnOneReplicaForLongEnoughIsToldOnceAndClearsWhenItCloses() throws Exception {
        String key = client.createKey(url(0), "circuit", "default").get("key").asText();
        awaitProxied(key, 200);
        keap.failWith(503);
        try {
            for (int i = 0; i < 5; i++) { // the failure threshold, all on replica 0: the others stay closed
                assertThat(client.proxiedGet(url(0) + "/crm/rest/v1/contacts", key).get().statusCode()).isEqualTo(503);
            }
            awaitExactlyOne("circuit_open", "firing", "Subject: [Keap Gateway] Keap has been failing for connection 'default'");
        } finally {
            keap.recover();
        }
        // The next request after the open duration is the probe; Keap's answer closes the circuit.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                client.proxiedGet(url(0) + "/crm/rest/v1/contacts", key).get().statusCode() == 200);
        awaitExactlyOne("circuit_open", "resolved", "Subject: [Keap Gateway] Resolved: Keap answers again for connection 'default'");
    }

    @Test
    @Order(6)
    void aGrantKeapRefusesIsToldOncePerChannelByThreeReplicasAndOnceMoreWhenConnectedAgain() throws Exception {
        stealTheRotation();
        client.admin("POST", url(0) + "/admin/connections/default/refresh", null); // Keap: invalid_grant
        for (GatewayProcess replica : replicas) {
            await().atMost(Duration.ofSeconds(10)).until(() -> "needs_reauth".equals(client.adminJson("GET",
                    replica.url() + "/admin/connections/default", null, 200).get("status").asText()));
        }
        awaitExactlyOne("grant_needs_reauth", "firing",
                "Subject: [Keap Gateway] Keap connection 'default' must be connected again");
        JsonNode fired = webhook.accepted("grant_needs_reauth", "firing").get(0);
        assertThat(fired.get("what_to_do").asText()).contains("press Connect");
        assertThat(fired.get("console_url").asText()).isEqualTo(CONSOLE);

        connect();
        awaitExactlyOne("grant_needs_reauth", "resolved",
                "Subject: [Keap Gateway] Resolved: Keap connection 'default' is connected again");
        assertThat(webhook.accepted("grant_needs_reauth", "resolved").get(0).get("id").asText())
                .isEqualTo(fired.get("id").asText());
        assertThat(webhook.refusedSignatures()).as("only the test's own forgeries").isEqualTo(2);
    }

    @Test
    @Order(7)
    void aMisconfiguredChannelStopsTheStartWithAMessageSayingWhy() throws Exception {
        Map<String, String> noSender = GatewayProcess.environment(keap.baseUrl(), prefix);
        noSender.put("KEAP_GATEWAY_NOTIFY_EMAIL_TO", OWNER);
        Map<String, String> shortSecret = GatewayProcess.environment(keap.baseUrl(), prefix);
        shortSecret.put("KEAP_GATEWAY_NOTIFY_WEBHOOK_URL", webhook.baseUrl() + "/hooks/x");
        shortSecret.put("KEAP_GATEWAY_NOTIFY_WEBHOOK_SECRET", "short");
        try (GatewayProcess first = GatewayProcess.launch(noSender);
                GatewayProcess second = GatewayProcess.launch(shortSecret)) {
            assertThat(first.awaitExit(Duration.ofSeconds(60))).isNotIn(0, -1);
            assertThat(second.awaitExit(Duration.ofSeconds(60))).isNotIn(0, -1);
            assertThat(first.logs()).contains("KEAP_GATEWAY_NOTIFY_EMAIL_TO is set but KEAP_GATEWAY_NOTIFY_EMAIL_FROM is not");
            assertThat(second.logs()).contains("KEAP_GATEWAY_NOTIFY_WEBHOOK_SECRET must be at least 16 characters");
        }
    }

    /** One webhook message and one e-mail arrive, and no second one within a few checks of every replica. */
    private static void awaitExactlyOne(String event, String status, String subject) {
        await().atMost(Duration.ofSeconds(20)).until(() -> webhook.accepted(event, status).size() >= 1
                && smtp.messagesWith(subject).size() >= 1);
        await().during(NO_MORE_WITHIN).atMost(NO_MORE_WITHIN.plusSeconds(2)).until(() ->
                webhook.accepted(event, status).size() == 1 && smtp.messagesWith(subject).size() == 1);
    }

    /** The audited delivery attempts to the webhook about {@code subject}, oldest first: action and detail. */
    private static List<String> auditedAttempts(String subject) {
        JsonNode audit = client.adminJson("GET", url(2) + "/admin/audit?limit=200", null, 200);
        List<String> attempts = new ArrayList<>(StreamSupport.stream(audit.spliterator(), false)
                .filter(entry -> entry.get("action").asText().startsWith("notify.")
                        && entry.get("target").asText().equals("webhook")
                        && entry.get("detail").asText().contains("subject=" + subject + " "))
                .map(entry -> entry.get("action").asText() + " " + entry.get("detail").asText()).toList());
        java.util.Collections.reverse(attempts);
        return attempts;
    }

    private static long medianLatencyMillis(String key, int requests) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long start = System.nanoTime();
            HttpResponse<String> answer = client.proxiedGet(url(i % 3) + "/crm/rest/v1/contacts", key).get();
            millis.add((System.nanoTime() - start) / 1_000_000);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        millis.sort(Long::compare);
        return millis.get(requests / 2);
    }

    private static void awaitProxied(String key, int status) {
        for (int i = 0; i < 3; i++) {
            String base = url(i);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    client.proxiedGet(base + "/crm/rest/v1/contacts", key).get().statusCode() == status);
        }
    }

    private static void connect() {
        client.adminJson("POST", url(0) + "/admin/connections/default/tokens",
                "{\"refresh_token\":\"" + keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
    }

    /** Someone else used the gateway's refresh token: Keap answers invalid_grant to the gateway's next refresh. */
    private static void stealTheRotation() throws Exception {
        String form = "grant_type=refresh_token&refresh_token="
                + URLEncoder.encode(keap.currentRefreshToken(), StandardCharsets.UTF_8);
        String basic = Base64.getEncoder().encodeToString(
                (FakeKeapResource.CLIENT_ID + ":" + FakeKeapResource.CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(keap.baseUrl() + "/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static String url(int replica) {
        return replicas.get(replica).url();
    }
}
