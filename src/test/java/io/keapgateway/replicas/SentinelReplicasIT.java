package io.keapgateway.replicas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keapgateway.testsupport.GatewayClient;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The replica suite on a primary and its replica managed by Sentinel ({@code quarkus.redis.client-type=
 * sentinel}), plus a fail-over forced with {@code SENTINEL FAILOVER} while clients keep sending.
 */
class SentinelReplicasIT extends TopologySuite {

    @BeforeAll
    static void startUnderSentinel() throws Exception {
        startReplicas(RedisTopology.sentinel());
    }

    @Test
    void aFailOverMidRunCostsClientsNo5xxAndUndoesNoRevocation() throws Exception {
        String live = createKey(a, "{\"name\":\"live\"}");
        String revoked = createKey(a, "{\"name\":\"revoked\"}");
        CLIENT.adminJson("DELETE", a.url() + "/admin/keys/" + idOf(revoked), null, 204);
        await().atMost(Duration.ofSeconds(1)).until(() -> proxied(b, revoked).statusCode() == 401);

        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<List<String>> load = CompletableFuture.supplyAsync(() -> sendUntil(stop, live, revoked));
        Thread.sleep(1000); // clients sending before the fail-over
        topology.failOver();
        Thread.sleep(3000); // and after it
        stop.set(true);

        List<String> unexpected = load.get();
        assertThat(unexpected).as("answers other than 200 (live key) and 401 (revoked key)").isEmpty();
        for (GatewayProcess replica : new GatewayProcess[] {a, b}) {
            assertThat(GatewayClient.parse(CLIENT.admin("GET", replica.url() + "/admin/keys/" + idOf(revoked), null)
                    .body()).path("revoked_at").isTextual()).isTrue();
            assertThat(proxied(replica, revoked).statusCode()).isEqualTo(401);
        }
        // Admin writes go to the new primary, and B knows the new key at once (429: the load above may have
        // run into Keap's own throttle, which holds the whole connection for a moment).
        String after = createKey(a, "{\"name\":\"after-fail-over\"}");
        assertThat(proxied(b, after).statusCode()).isIn(200, 429);
    }

    /** Sends both keys to both replicas in turn until told to stop (at most 2 minutes); answers what surprised. */
    private static List<String> sendUntil(AtomicBoolean stop, String live, String revoked) {
        List<String> unexpected = new ArrayList<>();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        for (int i = 0; i < 20_000 && !stop.get() && Instant.now().isBefore(deadline); i++) {
            GatewayProcess replica = i % 2 == 0 ? a : b;
            int liveStatus = proxied(replica, live).statusCode();
            int revokedStatus = proxied(replica, revoked).statusCode();
            if (liveStatus != 200 && liveStatus != 429) {
                unexpected.add("live key: " + liveStatus + " at " + Instant.now());
            }
            if (revokedStatus != 401) {
                unexpected.add("revoked key: " + revokedStatus + " at " + Instant.now());
            }
        }
        return unexpected;
    }
}
