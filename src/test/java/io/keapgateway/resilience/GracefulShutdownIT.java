package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A rollout: SIGTERM with requests in flight to a slow Keap. */
class GracefulShutdownIT {

    private static final int IN_FLIGHT = 8;
    private static final String SLOW = "/crm/rest/v2/slow/6000";

    @Test
    void everyRequestInFlightGetsKeapsAnswerAndReadinessIsDownBeforeTheExit() throws Exception {
        try (OneReplica replica = new OneReplica(Map.of())) {
            String key = replica.key("drupal", "");
            List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
            for (int i = 0; i < IN_FLIGHT; i++) {
                sent.add(replica.get(SLOW, key));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> replica.keap.receivedUnder(SLOW).size() == IN_FLIGHT);
            String ready = replica.gateway.managementUrl() + "/q/health/ready";
            assertThat(replica.getNow(ready).statusCode()).isEqualTo(200);

            AtomicLong downAt = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread watcher = new Thread(() -> watchReadiness(replica, ready, downAt, stop), "readiness-watcher");
            watcher.start();
            long terminatedAt = System.nanoTime();
            replica.gateway.terminate();

            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (CompletableFuture<HttpResponse<String>> answer : sent) {
                assertThat(answer.get().statusCode()).isEqualTo(200);
                assertThat(answer.get().body()).as("Keap's answer").contains("\"path\":\"" + SLOW + "\"");
            }
            assertThat(replica.gateway.awaitExit(Duration.ofSeconds(40))).as("the process exits").isNotEqualTo(-1);
            long exitedAt = System.nanoTime();
            stop.set(true);
            watcher.join(10_000);
            assertThat(downAt.get()).as("readiness was seen DOWN").isNotZero();
            assertThat(downAt.get()).as("before the exit").isLessThan(exitedAt);
            assertThat(Duration.ofNanos(downAt.get() - terminatedAt)).as("within the 3 s shutdown delay (plus margin)")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    /** Polls readiness until the process is gone; records when it first answered 503 (DOWN). */
    private static void watchReadiness(OneReplica replica, String ready, AtomicLong downAt, AtomicBoolean stop) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!stop.get() && System.nanoTime() < deadline && replica.gateway.isAlive()) {
            try {
                if (replica.getNow(ready).statusCode() == 503) {
                    downAt.compareAndSet(0, System.nanoTime());
                }
                Thread.sleep(50); // polling another process: it has no event to wait on
            } catch (Exception goneOrInterrupted) {
                if (goneOrInterrupted instanceof InterruptedException) {
                    return;
                }
            }
        }
    }
}
