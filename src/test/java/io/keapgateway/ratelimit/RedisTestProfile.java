package io.keapgateway.ratelimit;

import io.keapgateway.testsupport.TestRun;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Gives the limiter tests a Redis key prefix of their own, so they never touch other tests' keys, and the
 * limiter's real connection defaults (the test profile raises them for every other test).
 */
public class RedisTestProfile implements QuarkusTestProfile {

    static final String PREFIX = "kgwtest-" + TestRun.ID + ":ratelimit:";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "keap-gateway.redis-prefix", PREFIX,
                // an empty value unsets the test profile's raised connection limits
                "keap-gateway.limits.connection.rate", "",
                "keap-gateway.limits.connection.burst", "");
    }
}
