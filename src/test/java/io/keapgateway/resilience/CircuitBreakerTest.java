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

        CircuitBreaker.Pass candidate = breaker.tryPass();
        assertThat(candidate.allowed()).isTrue();
        assertThat(candidate.candidate()).isTrue();
        assertThat(breaker.claimProbe().probe()).as("sent whole: the probe").isTrue();
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
        breaker.claimProbe();
        breaker.failed(true);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryPass().retryAfter()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void anAbandonedProbeLetsTheNextRequestProbe() {
        failTimes(3);
        now = now.plusSeconds(10);
        breaker.tryPass();
        breaker.claimProbe();
        breaker.abandoned(true);

        assertThat(breaker.tryPass().candidate()).isTrue();
        assertThat(breaker.claimProbe().probe()).isTrue();
    }

    @Test
    void halfOpenEveryRequestIsACandidateUntilOneIsSentWholeThenTheOthersAreRefused() {
        failTimes(3);
        now = now.plusSeconds(10);
        CircuitBreaker.Pass trickling = breaker.tryPass(); // its client never finishes its upload
        CircuitBreaker.Pass quick = breaker.tryPass();
        assertThat(trickling.candidate()).isTrue();
        assertThat(quick.candidate()).as("a slow upload holds nothing").isTrue();

        assertThat(breaker.claimProbe().probe()).as("the first sent whole probes").isTrue();
        CircuitBreaker.Pass late = breaker.claimProbe();
        assertThat(late.allowed()).as("a second one sent whole while the probe is out").isFalse();
        assertThat(late.retryAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(breaker.tryPass().allowed()).as("nor are new ones admitted").isFalse();

        breaker.succeeded(true);
        assertThat(breaker.claimProbe()).as("closed meanwhile: straight through").isEqualTo(CircuitBreaker.Pass.THROUGH);
    }

    @Test
    void aCandidateThatNeverClaimedTheProbeChangesNothingWhateverHappensToIt() {
        failTimes(3);
        now = now.plusSeconds(10);
        breaker.tryPass();
        breaker.abandoned(false); // its client went away mid-upload
        breaker.failed(false); // not Keap's side: never reported, but even so it is not the probe

        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.claimProbe().probe()).isTrue();
    }

    @Test
    void aProbeClaimedAfterTheCircuitOpenedAgainIsRefusedWithTheTimeLeft() {
        failTimes(3);
        now = now.plusSeconds(10);
        breaker.tryPass(); // a candidate still uploading
        breaker.tryPass();
        breaker.claimProbe();
        breaker.failed(true);
        now = now.plusSeconds(3);

        CircuitBreaker.Pass late = breaker.claimProbe();
        assertThat(late.allowed()).isFalse();
        assertThat(late.retryAfter()).isEqualTo(Duration.ofSeconds(7));
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
