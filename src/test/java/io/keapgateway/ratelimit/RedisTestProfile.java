package io.keapgateway.ratelimit;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Points the application at the real Redis on 127.0.0.1:6379 (no Dev Services) and gives it a key prefix
 * of its own, so these tests neither need a container nor touch other tests' keys. JSON is snake_case,
 * as in the application.
 */
public class RedisTestProfile implements QuarkusTestProfile {

    static final String PREFIX = "kgwtest:ratelimit:";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "quarkus.redis.hosts", "redis://127.0.0.1:6379",
                "quarkus.redis.devservices.enabled", "false",
                "keap-gateway.redis-prefix", PREFIX,
                "quarkus.jackson.property-naming-strategy", "SNAKE_CASE");
    }
}
