package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.MultiMap;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The {@link RateLimiter} bean as the proxy uses it, on the real Redis. */
@QuarkusTest
@TestProfile(RedisTestProfile.class)
class RateLimiterTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Inject
    RateLimiter limiter;

    @Inject
    GatewayConfig config;

    @Inject
    ReactiveRedisDataSource redis;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper json;

    private final String connection = "conn-" + UUID.randomUUID();

    @AfterEach
    void removeKeys() {
        RedisKeys.deleteAll(redis, RedisTestProfile.PREFIX + "c:" + connection); // this test's hash tag
    }

    @Test
    void allowsWithConfiguredKeyDefaultsAndReportsTheTightestLimit() {
        Decision decision = acquire(limiter, request(false));
        assertTrue(decision.allowed());
        assertEquals(Duration.ZERO, decision.retryAfter());
        assertEquals("\"key\";q=20;w=2", decision.policyHeader()); // 10 per second, burst 20
        assertEquals("\"key\";r=19;t=1", decision.rateLimitHeader());
    }

    @Test
    void apiKeyConnectionsArePacedAtFivePerSecondByDefault() {
        Decision decision = acquire(limiter, request(true));
        assertEquals("\"connection\";q=5;w=1", decision.policyHeader());
        assertEquals("\"connection\";r=4;t=1", decision.rateLimitHeader());
    }

    @Test
    void keap429StopsEveryReplicaFromSending() {
        limiter.observeAndShare(connection, MultiMap.caseInsensitiveMultiMap(), 429).await().atMost(WAIT);

        Decision here = acquire(limiter, request(false));
        Decision elsewhere = acquire(otherReplica(), request(false));
        for (Decision decision : new Decision[] {here, elsewhere}) {
            assertFalse(decision.allowed());
            assertEquals(ErrorCode.RATE_LIMITED, decision.denial());
            assertTrue(decision.retryAfter().toMillis() > 0 && decision.retryAfter().toMillis() <= 1250,
                    "first backoff is 1 s plus jitter: " + decision.retryAfter());
        }
        GatewayException error = elsewhere.toException();
        assertEquals(429, error.code().status());
        assertTrue(error.headers().get("RateLimit-Policy").startsWith("\"keap\";"));
        assertTrue(error.detail().contains("Keap is throttling"), error.detail());
    }

    @Test
    void keapReportReachesOtherReplicasThroughRedis() {
        RateLimiter replicaA = otherReplica();
        RateLimiter replicaB = otherReplica();
        replicaA.observe(connection, MultiMap.caseInsensitiveMultiMap()
                .add("X-Keap-Product-Quota-Limit", "150000")
                .add("X-Keap-Product-Quota-Available", "149000")
                .add("x-keap-tenant-id", "ab123"), 200);
        assertEquals(149_000L, replicaA.lastReportedQuota(connection).orElseThrow().dailyAvailable());
        assertTrue(replicaB.lastReportedQuota(connection).isEmpty(), "not written before the flush");

        replicaA.flushKeapReports().await().atMost(WAIT);
        KeapQuota seen = replicaB.lastReportedQuota(connection).orElseThrow();
        assertEquals(150_000L, seen.dailyLimit());
        assertEquals("ab123", seen.tenantId());
    }

    @Test
    void exportsTheLocalModeGaugeAtZeroWhileRedisAnswers() {
        Gauge gauge = registry.find(LocalMode.GAUGE).gauge();
        assertNotNull(gauge);
        limiter.heartbeat().await().atMost(WAIT);
        assertEquals(0.0, gauge.value());
    }

    @Test
    void keapQuotaIsJsonInSnakeCase() throws Exception {
        RateLimiter replica = otherReplica();
        replica.observe(connection, MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-quota-available", "10")
                .add("x-keap-tenant-throttle-time-unit", "minute|day")
                .add("x-keap-tenant-throttle-available", "5|7"), 200);
        JsonNode node = json.readTree(json.writeValueAsString(replica.lastReportedQuota(connection).orElseThrow()));
        assertEquals(10, node.get("daily_available").asLong());
        assertEquals("day", node.get("tenant_throttle").get(1).get("time_unit").asText());
        assertTrue(node.get("observed_at").isTextual(), node.toString());
        JsonNode usage = json.readTree(json.writeValueAsString(new Usage(3, 1)));
        assertEquals(3, usage.get("requests_today").asLong());
        assertEquals(1, usage.get("denied_today").asLong());
    }

    private LimitRequest request(boolean apiKeyConnection) {
        return new LimitRequest("key123456789", connection, apiKeyConnection, null, null, null, false);
    }

    private RateLimiter otherReplica() {
        return new RateLimiter(redis, LimiterSettings.from(config), Clock.systemUTC(), new SimpleMeterRegistry());
    }

    private static Decision acquire(RateLimiter limiter, LimitRequest request) {
        return limiter.acquire(request).await().atMost(WAIT);
    }
}
