package io.keapgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.PrometheusProcess;
import io.keapgateway.testsupport.RedisServerProcess;
import io.keapgateway.testsupport.TestRun;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The monitoring component against the real thing: two packaged replicas (a Redis of their own, the fake Keap,
 * an OAuth connection) scraped by Debian's Prometheus every second, with the PrometheusRule's rules and the
 * scrape job as the ServiceMonitor describes it (job label, metrics path, the pod label the Operator adds).
 * Every dashboard query must evaluate without error or warning and find its series, every rule must evaluate
 * without error, and losing the grant must fire the needs-reauth alert. The rules' {@code for:} waits are set
 * to 0s here (MonitoringComponentTest checks the waits themselves with promtool on synthetic series).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringIT {

    private static final Duration SERIES_WAIT = Duration.ofSeconds(30);
    private static final GatewayClient CLIENT = new GatewayClient();

    private static Instant began;
    private static MonitoringKit kit;
    private static RedisServerProcess redis;
    private static FakeKeap keap;
    private static final List<GatewayProcess> REPLICAS = new ArrayList<>();
    private static PrometheusProcess prometheus;

    @BeforeAll
    static void start() throws Exception {
        began = Instant.now();
        kit = MonitoringKit.render();
        redis = RedisServerProcess.startOnFreePort();
        keap = FakeKeap.start();
        keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        Map<String, String> environment = GatewayProcess.environment(keap.baseUrl(), TestRun.prefix("monitoring"));
        environment.put("QUARKUS_REDIS_HOSTS", redis.uri());
        environment.put("KEAP_GATEWAY_CLIENT_ID", FakeKeapResource.CLIENT_ID);
        environment.put("KEAP_GATEWAY_CLIENT_SECRET", FakeKeapResource.CLIENT_SECRET);
        environment.put("KEAP_GATEWAY_KEYS_GUESSING_MAX_FAILURES", "3"); // a block within a few requests
        List<CompletableFuture<GatewayProcess>> starting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return GatewayProcess.start(environment);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<GatewayProcess> replica : starting) {
            REPLICAS.add(replica.get()); // kept as each comes, so that stop() ends whatever started
        }
        Path directory = Path.of("target", "monitoring-it", TestRun.ID);
        MonitoringKit.write(directory, "rules.yaml", kit.rulesFileFiringAtOnce());
        prometheus = PrometheusProcess.start(directory, prometheusConfiguration());
        System.out.printf("MonitoringIT: 2 replicas and Prometheus ready after %d ms%n", since(began));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        for (GatewayProcess replica : REPLICAS) {
            replica.close();
        }
        if (keap != null) {
            keap.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (began != null) {
            System.out.printf("MonitoringIT: %d ms in all%n", since(began));
        }
    }

    /** One scrape job as the ServiceMonitor makes it: its job label and path, a pod label per replica. */
    private static String prometheusConfiguration() {
        JsonNode monitor = kit.serviceMonitor().path("spec");
        String job = kit.manifests().named("Service", "keap-gateway").path("metadata").path("labels")
                .path(monitor.path("jobLabel").asText()).asText();
        StringBuilder config = new StringBuilder("""
                global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
                rule_files: [rules.yaml]
                scrape_configs:
                """);
        config.append("  - job_name: ").append(job).append('\n')
                .append("    metrics_path: ").append(monitor.path("endpoints").get(0).path("path").asText()).append('\n')
                .append("    static_configs:\n");
        for (int i = 0; i < REPLICAS.size(); i++) {
            config.append("      - targets: ['").append(URI.create(REPLICAS.get(i).managementUrl()).getAuthority())
                    .append("']\n        labels: {pod: keap-gateway-").append(i).append(", namespace: keap-gateway}\n");
        }
        return config.toString();
    }

    @Test
    @Order(1)
    void everyDashboardQueryAndEveryRuleEvaluatesOnTheReplicasSeries() throws Exception {
        produceEverySeries();
        Instant queried = Instant.now();
        List<MonitoringKit.Panel> panels = kit.panels();
        int queries = 0;
        for (MonitoringKit.Panel panel : panels) {
            for (String query : panel.queries()) {
                JsonNode answer = await(panel.title() + ": " + query, () -> prometheus.query(query),
                        result -> !evaluated(result).path("data").path("result").isEmpty());
                assertThat(answer.path("data").path("resultType").asText()).as(query).isIn("vector", "scalar");
                queries++;
            }
        }
        // The dashboard's connection variable (label_values(keap_gateway_connection_status, connection)).
        JsonNode connections = prometheus.get("/api/v1/label/connection/values?match[]="
                + URLEncoder.encode("keap_gateway_connection_status", StandardCharsets.UTF_8));
        assertThat(connections.path("data").toString()).contains("\"default\"");

        JsonNode rules = await("every rule evaluated", () -> prometheus.get("/api/v1/rules"),
                answer -> allRules(answer).stream().allMatch(rule -> !rule.path("lastEvaluation").asText()
                        .startsWith("0001-")));
        assertThat(allRules(rules)).hasSize(kit.alerts().size()).allSatisfy(rule -> {
            assertThat(rule.path("health").asText()).as(rule.path("name").asText() + ": " + rule.path("lastError"))
                    .isEqualTo("ok");
        });
        // Addresses were blocked for key guessing (replica 1): that alert fires too.
        awaitFiring("KeapGatewayKeyGuessing", Map.of());
        System.out.printf("MonitoringIT: %d panels, %d queries and %d rules evaluated in %d ms%n", panels.size(),
                queries, allRules(rules).size(), since(queried));
    }

    @Test
    @Order(2)
    void losingTheGrantFiresTheNeedsReauthAlert() throws Exception {
        assertThat(firing("KeapConnectionNeedsReauthorization", Map.of("connection", "default"))).isFalse();
        Instant lost = Instant.now();
        stealTheRotation(); // someone else used the gateway's refresh token: Keap now refuses it (invalid_grant)
        HttpResponse<String> refresh = CLIENT.admin("POST", REPLICAS.get(0).url() + "/admin/connections/default/refresh", null);
        assertThat(refresh.statusCode()).as(refresh.body()).isEqualTo(503);
        JsonNode alert = awaitFiring("KeapConnectionNeedsReauthorization", Map.of("connection", "default"));
        assertThat(alert.path("labels").path("severity").asText()).isEqualTo("critical");
        assertThat(alert.path("annotations").path("summary").asText()).contains("default");
        assertThat(alert.path("annotations").path("runbook_url").asText())
                .endsWith("docs/operations.md#keapconnectionneedsreauthorization");
        System.out.printf("MonitoringIT: needs-reauth alert firing %d ms after the grant was lost%n", since(lost));
    }

    /**
     * Traffic that makes every series of the dashboard exist: an adopted grant refreshed once (status, token
     * expiry, refreshes), proxied requests on both replicas (requests, Keap's quota, latency, circuit,
     * in-flight), denials by a key's rate limit, and an address blocked for key guessing.
     */
    private static void produceEverySeries() throws Exception {
        String first = REPLICAS.get(0).url();
        CLIENT.adminJson("POST", first + "/admin/connections/default/tokens",
                "{\"refresh_token\":\"" + keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
        CLIENT.adminJson("POST", first + "/admin/connections/default/refresh", null, 200); // a refresh counted
        String key = awaitKnownEverywhere(CLIENT.createKey(first, "monitoring", "default"));
        for (GatewayProcess replica : REPLICAS) {
            for (int i = 0; i < 3; i++) {
                assertThat(CLIENT.proxiedGet(replica.url() + "/crm/rest/v1/contacts", key).get().statusCode())
                        .isEqualTo(200);
            }
        }
        String slow = awaitKnownEverywhere(CLIENT.adminJson("POST", first + "/admin/keys",
                "{\"name\":\"slow\",\"connection\":\"default\",\"rate\":{\"per_second\":1,\"burst\":1}}", 201));
        List<CompletableFuture<HttpResponse<String>>> atOnce = new ArrayList<>();
        for (int i = 0; i < 4; i++) { // at once: a rate of 1 per second with a burst of 1 lets one through
            atOnce.add(CLIENT.proxiedGet(first + "/crm/rest/v1/contacts", slow));
        }
        assertThat(atOnce.stream().map(answer -> answer.join().statusCode()).toList()).contains(429);
        // Prometheus has seen replica 1's block counter at 0 (it exists from start-up), so the block below is an
        // increase: a counter whose first sample is already 1 never fires an increase() alert.
        await("the block counter scraped at 0", () -> prometheus.get("/api/v1/query?query=" + URLEncoder.encode(
                "keap_gateway_key_guessing_blocks_total{pod=\"keap-gateway-1\"} == 0", StandardCharsets.UTF_8)),
                answer -> answer.path("data").path("result").size() == 1);
        String guess = "kgw_AAAAAAAAAAAA_" + "x".repeat(43);
        List<Integer> guesses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            guesses.add(CLIENT.proxiedGet(REPLICAS.get(1).url() + "/crm/rest/v1/contacts", guess).get().statusCode());
        }
        assertThat(guesses).startsWith(401).endsWith(429);
    }

    /** Waits until every replica knows the key and sees the grant connected; answers the key. */
    private static String awaitKnownEverywhere(JsonNode created) {
        String id = created.path("id").asText();
        for (GatewayProcess replica : REPLICAS) {
            await("replica " + replica.url() + " knows key " + id, () -> CLIENT.admin("POST",
                    replica.url() + "/admin/keys/" + id + "/check", "{\"method\":\"GET\",\"path\":\"/crm/rest/v1/contacts\"}")
                    .statusCode() == 200 && CLIENT.adminJson("GET", replica.url() + "/admin/connections/default", null, 200)
                    .path("status").asText().equals("connected"), Boolean::booleanValue);
        }
        return created.path("key").asText();
    }

    private static void stealTheRotation() throws Exception {
        keap.rotateBehindTheGatewaysBack(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
    }

    /** An answer of Prometheus' query API that succeeded, with neither error nor warnings. */
    private static JsonNode evaluated(JsonNode answer) {
        assertThat(answer.path("status").asText()).as(answer.toString()).isEqualTo("success");
        assertThat(answer.has("error")).as(answer.toString()).isFalse();
        assertThat(answer.path("warnings")).as(answer.toString()).isEmpty();
        return answer;
    }

    private static List<JsonNode> allRules(JsonNode rulesAnswer) {
        List<JsonNode> rules = new ArrayList<>();
        evaluated(rulesAnswer).path("data").path("groups").forEach(group -> group.path("rules").forEach(rules::add));
        return rules;
    }

    private static JsonNode awaitFiring(String alertName, Map<String, String> labels) {
        await(alertName + " firing " + labels, () -> firing(alertName, labels), Boolean::booleanValue);
        return firingAlert(alertName, labels);
    }

    private static boolean firing(String alertName, Map<String, String> labels) {
        return firingAlert(alertName, labels) != null;
    }

    private static JsonNode firingAlert(String alertName, Map<String, String> labels) {
        for (JsonNode alert : evaluated(prometheus.get("/api/v1/alerts")).path("data").path("alerts")) {
            boolean matches = alert.path("labels").path("alertname").asText().equals(alertName)
                    && alert.path("state").asText().equals("firing");
            for (Map.Entry<String, String> label : labels.entrySet()) {
                matches &= alert.path("labels").path(label.getKey()).asText().equals(label.getValue());
            }
            if (matches) {
                return alert;
            }
        }
        return null;
    }

    /** Polls {@code probe} until its answer satisfies {@code done}; a wait for something observable, not a sleep. */
    private static <T> T await(String what, Supplier<T> probe, Predicate<T> done) {
        Instant deadline = Instant.now().plus(SERIES_WAIT);
        while (true) {
            T answer = probe.get();
            if (done.test(answer)) {
                return answer;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + SERIES_WAIT + " waiting for " + what + "; last: " + answer);
            }
            try {
                Thread.sleep(250); // Prometheus scrapes and evaluates every second
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    private static long since(Instant start) {
        return Duration.between(start, Instant.now()).toMillis();
    }
}
