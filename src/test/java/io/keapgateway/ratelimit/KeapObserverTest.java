package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.keapgateway.error.ErrorCode;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What one replica learns from Keap's responses, without Redis. */
class KeapObserverTest {

    private static final String CONNECTION = "default";

    private final MutableClock clock = new MutableClock(Instant.parse("2031-03-14T12:00:00Z"));
    private final KeapObserver observer = new KeapObserver(null, new LimitKeys("kgw:"), clock, new Backoff(() -> 0));

    @Test
    void backsOffExponentiallyWhileKeapKeepsAnswering429AndStartsOverAfterASuccess() {
        assertEquals(1000, blockAfter(429));
        assertEquals(2000, blockAfter(429));
        assertEquals(4000, blockAfter(429));
        observe(200);
        assertEquals(1000, blockAfter(429));
    }

    @Test
    void a429WithAnExhaustedMinuteWindowBlocksForThatMinute() {
        observer.observe(CONNECTION, MultiMap.caseInsensitiveMultiMap()
                .add("x-keap-product-throttle-limit", "1500")
                .add("x-keap-product-throttle-time-unit", "minute")
                .add("x-keap-product-throttle-interval", "1")
                .add("x-keap-product-throttle-available", "0"), 429);
        Verdict blocked = observer.blockedVerdict(CONNECTION, clock.millis());
        assertEquals(60_000, blocked.retryMillis());
        assertEquals(ErrorCode.RATE_LIMITED, blocked.denial());
        assertEquals("\"keap\";q=1500;w=60", blocked.toDecision().policyHeader());
    }

    @Test
    void theBlockEndsWhenItsTimeIsUp() {
        observe(429);
        clock.advance(Duration.ofMillis(999));
        assertEquals(1, observer.blockedVerdict(CONNECTION, clock.millis()).retryMillis());
        clock.advance(Duration.ofMillis(1));
        assertNull(observer.blockedVerdict(CONNECTION, clock.millis()));
    }

    @Test
    void otherConnectionsAreNotBlocked() {
        observe(429);
        assertNull(observer.blockedVerdict("other", clock.millis()));
    }

    private long blockAfter(int status) {
        observe(status);
        long wait = observer.blockedVerdict(CONNECTION, clock.millis()).retryMillis();
        clock.advance(Duration.ofMillis(wait)); // the block is over before the next response
        return wait;
    }

    private void observe(int status) {
        observer.observe(CONNECTION, MultiMap.caseInsensitiveMultiMap(), status).await().indefinitely();
    }
}
