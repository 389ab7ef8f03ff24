package io.keapgateway.token;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.secret.KeyPepperTest;
import io.keapgateway.testsupport.GatewayProcess;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The encryption key rotated the way docs/secrets.md says, in three rolls of packaged replicas: the pepper set
 * to what was derived from the old key and the new key made known; the new key made current, one replica at a
 * time, and the store sealed again; the old key removed. Every gateway key, the OAuth grant and an api-key connection keep
 * working at every step, on every replica.
 */
class EncryptionKeyRotationIT {

    private static final String OLD_KEY = GatewayProcess.ENCRYPTION_KEY;
    private static final String NEW_KEY = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    private static final String KEAP_API_KEY = "keap-service-account-key-rotation";

    private Replicas replicas;

    @AfterEach
    void stop() throws Exception {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void theKeyRotatesWithEveryGrantConnectionAndGatewayKeyStillUsable() throws Exception {
        replicas = new Replicas(1, Map.of());
        replicas.adoptGrant();
        replicas.keap.acceptApiKey(KEAP_API_KEY);
        replicas.client.adminJson("PUT", replicas.url(0) + "/admin/connections/second",
                "{\"api_key\":\"" + KEAP_API_KEY + "\"}", 200);
        String oauthKey = replicas.issueKeyKnownEverywhere(0);
        String apiKeyKey = replicas.client.createKey(replicas.url(0), "second-key", "second").get("key").asText();
        assertServed(0, oauthKey, apiKeyKey);
        String oldId = encryption(0).get("key_id").asText();

        // Roll 1: the pepper as derived from the old key, and the new key known (opened, never used to seal).
        String pepper = KeyPepperTest.derive(OLD_KEY);
        replicas.restart(2, Map.of("KEAP_GATEWAY_ENCRYPTION_KEY", OLD_KEY,
                "KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS", NEW_KEY, "KEAP_GATEWAY_KEY_PEPPER", pepper));
        for (int replica = 0; replica < 2; replica++) {
            assertServed(replica, oauthKey, apiKeyKey);
        }
        assertThat(encryption(1).get("key_id").asText()).isEqualTo(oldId);

        // Roll 2, one replica at a time: the new key current, the old one previous. Mid-roll, the replica not yet
        // rolled opens what the rolled one sealed again.
        Map<String, String> swapped = Map.of("KEAP_GATEWAY_ENCRYPTION_KEY", NEW_KEY,
                "KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS", OLD_KEY, "KEAP_GATEWAY_KEY_PEPPER", pepper,
                "KEAP_GATEWAY_RESEAL_INTERVAL", "1s");
        replicas.roll(1, swapped);
        JsonNode during = encryption(1);
        String newId = during.get("key_id").asText();
        assertThat(during.get("previous_key_id").asText()).isEqualTo(oldId);
        assertThat(newId).isNotEqualTo(oldId);
        Replicas.awaitTrue("the connections sealed again with the new key", Duration.ofSeconds(20),
                () -> encryption(1).get("connections_to_reseal").asLong() == 0);
        assertThat(replicas.redis.contents(replicas.prefix).values()).anyMatch(v -> v.contains("v2." + newId + "."));
        for (int replica = 0; replica < 2; replica++) {
            assertServed(replica, oauthKey, apiKeyKey);
        }
        replicas.roll(0, swapped);
        assertThat(encryption(0).get("grants_to_reseal").asLong()).as("a grant waits for its refresh").isEqualTo(1);
        replicas.client.adminJson("POST", replicas.url(1) + "/admin/connections/default/refresh", null, 200);
        Replicas.awaitTrue("everything sealed with the new key", Duration.ofSeconds(20), () -> {
            JsonNode now = encryption(0);
            return now.get("connections_to_reseal").asLong() == 0 && now.get("grants_to_reseal").asLong() == 0;
        });
        String stored = String.join("\n", replicas.redis.contents(replicas.prefix).values());
        assertThat(stored).contains("v2." + newId + ".").doesNotContain("v2." + oldId + ".").doesNotContain("\"v1.");

        // Roll 3: the old key removed.
        replicas.restart(1, Map.of("KEAP_GATEWAY_ENCRYPTION_KEY", NEW_KEY, "KEAP_GATEWAY_KEY_PEPPER", pepper));
        assertServed(0, oauthKey, apiKeyKey);
        assertThat(encryption(0).hasNonNull("previous_key_id")).isFalse();
        assertThat(replicas.keap.mostUsesOfOneRefreshToken()).isEqualTo(1);
    }

    @Test
    void aRotationWithoutItsOwnPepperIsRefusedAtStart() throws Exception {
        replicas = new Replicas(0, Map.of());
        Map<String, String> environment = GatewayProcess.environment(replicas.keap.baseUrl(), replicas.prefix);
        environment.put("KEAP_GATEWAY_ENCRYPTION_KEY", NEW_KEY);
        environment.put("KEAP_GATEWAY_ENCRYPTION_KEY_PREVIOUS", OLD_KEY);
        try (GatewayProcess refused = GatewayProcess.launch(environment)) {
            assertThat(refused.awaitExit(Duration.ofSeconds(60))).isNotZero();
            assertThat(refused.logs()).contains("KEAP_GATEWAY_KEY_PEPPER").doesNotContain(NEW_KEY)
                    .doesNotContain(OLD_KEY);
        }
    }

    private void assertServed(int replica, String... keys) throws Exception {
        for (String key : keys) {
            HttpResponse<String> answer = replicas.client.proxiedGet(replicas.url(replica) + "/crm/rest/v1/contacts",
                    key).get(30, SECONDS);
            assertThat(answer.statusCode()).as("replica %d: %s", replica, answer.body()).isEqualTo(200);
        }
    }

    private JsonNode encryption(int replica) {
        return replicas.client.adminJson("GET", replicas.url(replica) + "/admin/info", null, 200).get("encryption");
    }
}
