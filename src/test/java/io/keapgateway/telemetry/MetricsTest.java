package io.keapgateway.telemetry;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.Management;
import io.keapgateway.testsupport.Scrape;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The signals ops alert on, read from {@code /q/metrics} as Prometheus would. */
@QuarkusTest
@QuarkusTestResource(FakeKeapResource.class)
class MetricsTest {

    private final Admin admin = Admin.local();
    @TestHTTPResource(value = "/", management = true)
    URL management;

    @Test
    void proxiedRequestsAreCountedByKeyConnectionRouteFamilyAndStatusClassNeverByRawPath() {
        admin.useApiKey("default", FakeKeapResource.API_KEY);
        String key = admin.createKey(Map.of("name", "metrics"));
        String id = Admin.idOf(key);
        Scrape before = scrape();
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts/" + (9000 + i) + "/emails")
                    .then().statusCode(200);
        }
        given().header("Authorization", "Bearer " + key).post("/crm/rest/v2/contacts:batchGet").then().statusCode(200);
        given().header("Authorization", "Bearer kgw_AAAAAAAAAAAA_" + "x".repeat(43)).get("/crm/rest/v1/tags")
                .then().statusCode(401);

        // Requests are counted when their response has ended, which the client may see a moment earlier.
        Scrape after = await().atMost(Duration.ofSeconds(10)).until(this::scrape,
                scrape -> scrape.sum("keap_gateway_proxy_requests_total", Map.of("key_id", "none", "status_class", "4xx"))
                        > before.sum("keap_gateway_proxy_requests_total", Map.of("key_id", "none", "status_class", "4xx")));
        Map<String, String> contactsOk = Map.of("key_id", id, "connection", "default", "route", "rest/v1/contacts",
                "status_class", "2xx");
        assertThat(after.sum("keap_gateway_proxy_requests_total", contactsOk)
                - before.sum("keap_gateway_proxy_requests_total", contactsOk)).isEqualTo(3);
        assertThat(after.sum("keap_gateway_proxy_requests_total", Map.of("key_id", id, "route", "rest/v2/contacts")))
                .isEqualTo(1);
        // A key that did not authenticate is not a tag value: a client cannot mint time series.
        assertThat(after.find("keap_gateway_proxy_requests_total", Map.of("key_id", "AAAAAAAAAAAA"))).isEmpty();
        assertThat(after.text()).doesNotContain("9000/emails", "contacts/9001", key.substring(4), FakeKeapResource.API_KEY);

        Map<String, String> upstream = Map.of("connection", "default");
        assertThat(after.sum("keap_gateway_upstream_latency_seconds_count", upstream)
                - before.sum("keap_gateway_upstream_latency_seconds_count", upstream)).isEqualTo(4);
        assertThat(after.find("keap_gateway_upstream_latency_seconds_bucket", upstream)).hasSizeGreaterThan(5);
    }

    @Test
    void limiterDecisionsAreCountedByReason() {
        admin.useApiKey("default", FakeKeapResource.API_KEY);
        String key = admin.createKey(Map.of("name", "slow", "rate", Map.of("per_second", 1, "burst", 1)));
        Scrape before = scrape();
        int denied = 0;
        for (int i = 0; i < 5; i++) {
            int status = given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").statusCode();
            denied += status == 429 ? 1 : 0;
        }
        assertThat(denied).isPositive();
        Scrape after = scrape();
        assertThat(after.sum("keap_gateway_limiter_decisions_total", Map.of("reason", "key"))
                - before.sum("keap_gateway_limiter_decisions_total", Map.of("reason", "key"))).isEqualTo(denied);
        assertThat(after.sum("keap_gateway_limiter_decisions_total", Map.of("reason", "allowed"))
                - before.sum("keap_gateway_limiter_decisions_total", Map.of("reason", "allowed"))).isEqualTo(5 - denied);
    }

    @Test
    void tokenRefreshesExpiryConnectionStatusAndKeapQuotaArePerConnection() {
        String name = "metrics-" + UUID.randomUUID().toString().substring(0, 8);
        String key = connectOAuthAndCall(name);
        Map<String, String> connection = Map.of("connection", name);

        Scrape after = scrape();
        assertThat(after.value("keap_gateway_token_refreshes_total", Map.of("connection", name, "outcome", "success")))
                .isEqualTo(1);
        assertThat(after.value("keap_gateway_connection_status", Map.of("connection", name, "status", "connected")))
                .isEqualTo(1);
        assertThat(after.value("keap_gateway_connection_status", Map.of("connection", name, "status", "needs_reauth")))
                .isZero();
        // Keap's access tokens live 24 h.
        assertThat(after.value("keap_gateway_token_expires_in_seconds", connection)).isBetween(20.0 * 3600, 24.0 * 3600);
        double available = after.value("keap_gateway_keap_quota_available", connection);
        double limit = after.value("keap_gateway_keap_quota_limit", connection);
        assertThat(limit).isPositive();
        assertThat(available).isBetween(0.0, limit);
        assertThat(after.value("keap_gateway_ratelimit_local_mode", Map.of())).isZero();
        assertThat(after.text()).doesNotContain(FakeKeapResource.CLIENT_SECRET, key.substring(4));
    }

    @Test
    void everyMetricTheAlertRulesAndTheDashboardUseIsExported() throws Exception {
        connectOAuthAndCall("alerts-" + UUID.randomUUID().toString().substring(0, 8));
        // A failed key check: the key-guessing counter exists from then on.
        given().header("Authorization", "Bearer kgw_AAAAAAAAAAAA_" + "x".repeat(43)).get("/crm/rest/v1/tags")
                .then().statusCode(401);
        Path component = Path.of("deploy", "components", "monitoring");
        Matcher metric = Pattern.compile("keap_gateway_[a-z_]+").matcher(
                Files.readString(component.resolve("prometheusrule.yaml"))
                + Files.readString(component.resolve("keap-gateway-dashboard.json")));
        Set<String> used = new TreeSet<>();
        while (metric.find()) {
            used.add(metric.group());
        }
        assertThat(used).hasSizeGreaterThan(10);
        Scrape scrape = scrape();
        for (String name : used) {
            assertThat(scrape.samples()).as(name).anyMatch(sample -> sample.name().equals(name));
        }
    }

    /**
     * Creates an OAuth connection (its status gauge reads disconnected), adopts a grant, refreshes it once,
     * and sends one proxied request through it (Keap reports its quota); answers the key used.
     */
    private String connectOAuthAndCall(String name) {
        FakeKeap keap = FakeKeapResource.fake();
        admin.request().body(Map.of("client_id", FakeKeapResource.CLIENT_ID, "client_secret", FakeKeapResource.CLIENT_SECRET))
                .put("/admin/connections/" + name).then().statusCode(200);
        assertThat(scrape().value("keap_gateway_connection_status",
                Map.of("connection", name, "status", "disconnected"))).isEqualTo(1);
        admin.request().body(Map.of("refresh_token", keap.seedGrant(FakeKeapResource.CLIENT_ID)))
                .post("/admin/connections/" + name + "/tokens").then().statusCode(200);
        admin.request().post("/admin/connections/" + name + "/refresh").then().statusCode(200);
        String key = admin.createKey(Map.of("name", "quota", "connection", name));
        given().header("Authorization", "Bearer " + key).get("/crm/rest/v1/contacts").then().statusCode(200);
        return key;
    }

    private Scrape scrape() {
        return Scrape.of(managementRoot() + "/q/metrics");
    }

    /** The management interface's root; the packaged app's run overrides this. */
    String managementRoot() {
        return Management.root(management);
    }
}
