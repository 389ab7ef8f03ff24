package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void startsAtOneSecondAndDoublesUpToTheCap() {
        Backoff calm = new Backoff(() -> 0);
        assertEquals(Duration.ofSeconds(1), calm.delay(1));
        assertEquals(Duration.ofSeconds(2), calm.delay(2));
        assertEquals(Duration.ofSeconds(32), calm.delay(6));
        assertEquals(Duration.ofSeconds(60), calm.delay(7));
        assertEquals(Duration.ofSeconds(60), calm.delay(1000));
    }

    @Test
    void jitterAddsUpToAQuarter() {
        Backoff unlucky = new Backoff(() -> 0.999_999);
        assertEquals(1249, unlucky.delay(1).toMillis());
        assertEquals(74_999, unlucky.delay(50).toMillis());
    }
}
