package io.keapgateway.resilience;

import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import io.keapgateway.testsupport.TestRun;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One packaged replica of the gateway with a fake Keap of its own and an api-key connection {@code default},
 * started with extra settings, under a Redis prefix of its own (deleted on close). Connection limits are
 * raised out of the way: these tests are about Keap failing and clients misbehaving, not about pacing.
 */
final class OneReplica implements AutoCloseable {

    final FakeKeap keap = FakeKeap.start();
    final GatewayClient client = new GatewayClient();
    final GatewayProcess gateway;
    private final String prefix = TestRun.prefix("res-" + UUID.randomUUID().toString().substring(0, 8));
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    OneReplica(Map<String, String> settings) throws Exception {
        keap.acceptApiKey(FakeKeapResource.API_KEY);
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("KEAP_GATEWAY_API_KEY", FakeKeapResource.API_KEY);
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_RATE", "1000");
        env.put("KEAP_GATEWAY_LIMITS_CONNECTION_BURST", "1000");
        env.putAll(settings);
        try {
            gateway = GatewayProcess.start(env);
        } catch (Exception | AssertionError e) {
            keap.close();
            throw e;
        }
    }

    /** A new key with the given extra JSON members (e.g. {@code "max_concurrent":2}); answers the whole key. */
    String key(String name, String extraMembers) {
        String body = "{\"name\":\"" + name + "\"" + (extraMembers.isEmpty() ? "" : "," + extraMembers) + "}";
        return client.adminJson("POST", gateway.url() + "/admin/keys", body, 201).get("key").asText();
    }

    /** A proxied GET of {@code path}, sent without waiting, on a connection of its own. */
    CompletableFuture<HttpResponse<String>> get(String path, String key) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.url() + path))
                .timeout(Duration.ofSeconds(90))
                .header("Authorization", "Bearer " + key)
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A GET that must answer within a minute. */
    HttpResponse<String> getNow(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The admin view of the connection {@code default}. */
    String connectionStatus() {
        return client.adminJson("GET", gateway.url() + "/admin/connections/default", null, 200).toString();
    }

    /** The value of a Prometheus sample line starting with {@code series}, e.g. {@code name{connection="default"}}. */
    double metric(String series) throws Exception {
        String text = getNow(gateway.managementUrl() + "/q/metrics").body();
        return text.lines().filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError(series + " not exported"));
    }

    @Override
    public void close() throws Exception {
        try {
            gateway.close();
        } finally {
            keap.close();
            try (RedisPeek redis = RedisPeek.local()) {
                redis.deleteAll(prefix);
            }
        }
    }
}
