package io.keapgateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.LeakScan;
import io.keapgateway.testsupport.RedisProbe;
import io.keapgateway.testsupport.TestRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A full run of the packaged gateway in the prod profile (JSON logs): keys issued, used in every accepted
 * way, rotated and revoked, an api-key connection and an OAuth one connected, refreshed and forgotten. Its
 * captured log must be JSON lines, carry one access line per proxied request and an audit line per admin
 * action, and contain no token, key or secret.
 */
class LogsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final GatewayClient client = new GatewayClient();
    private final Set<String> secrets = new TreeSet<>();

    @Test
    void aFullRunLogsJsonLinesWithAccessAndAuditLinesAndNoSecret() throws Exception {
        String prefix = TestRun.prefix(UUID.randomUUID().toString().substring(0, 8));
        List<String> requestIds = new ArrayList<>();
        String log;
        FakeKeap keap = FakeKeap.start();
        try (RedisProbe redis = new RedisProbe()) {
            keap.acceptApiKey(FakeKeapResource.API_KEY);
            keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
            Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
            env.put("KEAP_GATEWAY_CLIENT_ID", FakeKeapResource.CLIENT_ID);
            env.put("KEAP_GATEWAY_CLIENT_SECRET", FakeKeapResource.CLIENT_SECRET);
            try (GatewayProcess gateway = GatewayProcess.start(env)) {
                String url = gateway.url();
                client.adminJson("PUT", url + "/admin/connections/sak", "{\"api_key\":\"" + FakeKeapResource.API_KEY + "\"}", 200);
                client.adminJson("POST", url + "/admin/connections/default/tokens",
                        "{\"refresh_token\":\"" + keap.seedGrant(FakeKeapResource.CLIENT_ID) + "\"}", 200);
                String oauthKey = newKey(url, "default");
                String apiKeyKey = newKey(url, "sak");

                requestIds.add(proxied(url + "/crm/rest/v1/contacts/7", "Authorization", "Bearer " + oauthKey, 200));
                requestIds.add(proxied(url + "/crm/rest/v2/tags", "X-Api-Key", apiKeyKey, 200));
                requestIds.add(proxied(url + "/crm/rest/v1/contacts?access_token=" + apiKeyKey, null, null, 200));
                requestIds.add(proxied(url + "/crm/rest/v1/contacts", "X-Keap-API-Key", oauthKey.substring(0, 20) + "x", 401));
                client.adminJson("POST", url + "/admin/connections/default/refresh", null, 200);
                String id = apiKeyKey.split("_")[1];
                String rotated = client.adminJson("POST", url + "/admin/keys/" + id + "/rotate", "{}", 200).get("key").asText();
                secrets.add(rotated);
                secrets.add(rotated.substring(rotated.lastIndexOf('_') + 1));
                requestIds.add(proxied(url + "/crm/rest/v1/contacts", "Authorization", "Bearer " + rotated, 200));
                client.admin("DELETE", url + "/admin/keys/" + id, null);
                client.admin("DELETE", url + "/admin/connections/default/tokens", null);
                secrets.addAll(LeakScan.secretsSeenBy(keap));
                log = awaitAccessLines(gateway, requestIds.size());
            } finally {
                redis.deleteAll(prefix);
            }
        } finally {
            keap.close();
        }

        secrets.add(GatewayProcess.ADMIN_TOKEN);
        secrets.add(GatewayProcess.ENCRYPTION_KEY);
        secrets.add(FakeKeapResource.API_KEY);
        secrets.add(FakeKeapResource.CLIENT_SECRET);
        assertThat(secrets).hasSizeGreaterThan(8);
        LeakScan.assertNoneIn("the gateway's log", log, secrets);

        List<JsonNode> lines = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line)); // fails on any line that is not JSON
            }
        }
        List<String> access = messages(lines, ProxyTelemetry.ACCESS_CATEGORY);
        assertThat(access).hasSize(requestIds.size());
        for (String requestId : requestIds) {
            assertThat(access).filteredOn(line -> line.startsWith("request_id=" + requestId + " ")).singleElement()
                    .satisfies(line -> assertThat(line).matches("request_id=\\S+ key_id=\\S+ connection=\\S+ method=[A-Z]+"
                            + " route=\\S+ status=\\d{3} upstream_ms=-?\\d+ total_ms=\\d+"));
        }
        assertThat(access).anyMatch(line -> line.contains("connection=default method=GET route=rest/v1/contacts status=200"))
                .anyMatch(line -> line.contains("connection=sak method=GET route=rest/v2/tags status=200"))
                .anyMatch(line -> line.contains("key_id=none connection=none") && line.contains("status=401 upstream_ms=-1"));
        assertThat(String.join("\n", messages(lines, "io.keapgateway.audit")))
                .contains("key.create", "key.rotate", "key.revoke", "connection.put", "oauth.refreshed", "oauth.forgotten");
    }

    private String newKey(String url, String connection) {
        String key = client.createKey(url, "logs-" + connection, connection).get("key").asText();
        secrets.add(key);
        secrets.add(key.substring(key.lastIndexOf('_') + 1));
        return key;
    }

    /** Sends a proxied GET with its own request id; answers the id. */
    private String proxied(String url, String header, String value, int expected) throws Exception {
        String requestId = "logs-" + UUID.randomUUID();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("X-Request-Id", requestId);
        if (header != null) {
            request.header(header, value);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url).isEqualTo(expected);
        return requestId;
    }

    /** The log once it holds {@code count} access lines (each is written when its response has ended). */
    private static String awaitAccessLines(GatewayProcess gateway, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String log = gateway.logs();
        while (countOf(log, ProxyTelemetry.ACCESS_CATEGORY) < count && System.nanoTime() < deadline) {
            Thread.sleep(100); // polling another process's log file, which offers no signal
            log = gateway.logs();
        }
        return log;
    }

    private static int countOf(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static List<String> messages(List<JsonNode> lines, String category) {
        return lines.stream().filter(line -> category.equals(line.path("loggerName").asText()))
                .map(line -> line.path("message").asText()).toList();
    }
}
