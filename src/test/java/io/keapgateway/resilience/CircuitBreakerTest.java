package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.resilience.CircuitBreaker.State;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The breaker's states, driven by a clock the test moves (no application needed). */
class CircuitBreakerTest {

    private Instant now = Instant.parse("2026-12-01T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final CircuitBreaker breaker = new CircuitBreaker("default", 3, Duration.ofSeconds(10), clock);

    @Test
    void opensAfterTheThresholdOfFailuresInARowAndRefusesWithTheTimeLeft() {
        failTimes(3);

        CircuitBreaker.Pass pass = breaker.tryPass();
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(pass.allowed()).isFalse();
        assertThat(pass.retryAfter()).isEqualTo(Duration.ofSeconds(10));
        now = now.plusSeconds(4);
        assertThat(breaker.tryPass().retryAfter()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void aSuccessInBetweenStartsTheCountAgain() {
        failTimes(2);
        breaker.tryPass();
        breaker.succeeded(false);
        failTimes(2);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryPass().allowed()).isTrue();
    }

    @Test
    void letsOneProbeThroughOnceOpenTimeIsOverAndClosesWhenItSucceeds() {
        failTimes(3);
        now = now.plusSeconds(10);
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);

        CircuitBreaker.Pass probe = breaker.tryPass();
        assertThat(probe.allowed()).isTrue();
        assertThat(probe.probe()).isTrue();
        assertThat(breaker.tryPass().allowed()).as("one probe at a time").isFalse();

        breaker.succeeded(true);
        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryPass().allowed()).isTrue();
    }

    @Test
    void aFailedProbeOpensTheCircuitForAnotherOpenDuration() {
        failTimes(3);
        now = now.plusSeconds(10);
        breaker.tryPass();
        breaker.failed(true);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryPass().retryAfter()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void anAbandonedProbeLetsTheNextRequestProbe() {
        failTimes(3);
        now = now.plusSeconds(10);
        breaker.tryPass();
        breaker.abandoned(true);

        assertThat(breaker.tryPass().probe()).isTrue();
    }

    @Test
    void lateAnswersOfRequestsSentBeforeItOpenedChangeNothing() {
        failTimes(3);
        breaker.succeeded(false);
        breaker.failed(false);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryPass().retryAfter()).isEqualTo(Duration.ofSeconds(10));
    }

    private void failTimes(int count) {
        for (int i = 0; i < count; i++) {
            assertThat(breaker.tryPass().allowed()).isTrue();
            breaker.failed(false);
        }
    }
}
