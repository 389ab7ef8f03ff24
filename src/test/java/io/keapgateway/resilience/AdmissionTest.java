package io.keapgateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keapgateway.error.GatewayException;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What a request's outcome does to its connection's breaker and bulkhead (no application needed). */
class AdmissionTest {

    private final CircuitBreaker breaker = new CircuitBreaker("default", 2, Duration.ofSeconds(10), Clock.systemUTC());
    private final InFlight bulkhead = new InFlight();
    private final InFlight key = new InFlight();

    @Test
    void keapsThrottlingAndClientErrorsDoNotOpenTheCircuitButItsServerErrorsDo() {
        for (int status : new int[] {429, 401, 404, 429}) {
            admitted().keapAnswered(status);
        }
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);

        admitted().keapAnswered(503);
        admitted().keapFailed();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void keapsAnswer500Or501ToOneRequestIsNoFailureOfKeapBut502To504Are() {
        for (int i = 0; i < 4; i++) {
            admitted().keapAnswered(i % 2 == 0 ? 500 : 501);
        }
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);

        admitted().keapAnswered(502);
        admitted().keapAnswered(504);
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void halfOpenTheRequestSentWholeFirstIsTheProbeAndAnUploadAbandonedBeforeThatHoldsNothing() {
        Clock[] clock = {Clock.fixed(java.time.Instant.parse("2026-12-01T10:00:00Z"), java.time.ZoneOffset.UTC)};
        CircuitBreaker timed = new CircuitBreaker("default", 1, Duration.ofSeconds(10), new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return clock[0].instant();
            }
        });
        timed.tryPass();
        timed.failed(false);
        clock[0] = Clock.offset(clock[0], Duration.ofSeconds(10));

        Admission trickling = admittedTo(timed);
        Admission abandoned = admittedTo(timed);
        abandoned.release(); // its client closed before its body was whole
        Admission sent = admittedTo(timed);
        sent.sendingWhole();
        assertThatThrownBy(trickling::sendingWhole).as("the probe is out").isInstanceOfSatisfying(GatewayException.class,
                refused -> assertThat(refused.status()).isEqualTo(503));

        sent.keapAnswered(200);
        assertThat(timed.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        trickling.release();
        assertThat(timed.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    private Admission admittedTo(CircuitBreaker circuit) {
        CircuitBreaker.Pass pass = circuit.tryPass();
        assertThat(pass.allowed()).isTrue();
        return new Admission(circuit, pass.candidate(), null, new InFlight(), 10, "default");
    }

    @Test
    void theBulkheadRefusesPastItsSizeAndReleaseGivesEveryPlaceBackOnce() {
        key.tryEnter(10);
        Admission first = new Admission(breaker, false, key, bulkhead, 1, "default");
        first.board();
        Admission second = new Admission(breaker, false, new InFlight(), bulkhead, 1, "default");

        assertThatThrownBy(second::board).isInstanceOfSatisfying(GatewayException.class, refused -> {
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.headers()).containsEntry("Retry-After", "1");
        });
        first.release();
        first.release();
        assertThat(bulkhead.count()).isZero();
        assertThat(key.count()).isZero();
    }

    @Test
    void anExchangeOverBeforeItBoardsTakesNoPlaceThatWouldNeverBeGivenBack() {
        Admission gone = new Admission(breaker, false, new InFlight(), bulkhead, 1, "default");
        gone.release(); // its client closed while it waited for its limits or its credential

        assertThatThrownBy(gone::board).isInstanceOf(GatewayException.class);
        assertThatThrownBy(gone::sendingWhole).isInstanceOf(GatewayException.class);
        assertThat(bulkhead.count()).isZero();
    }

    private Admission admitted() {
        assertThat(breaker.tryPass().allowed()).isTrue();
        return new Admission(breaker, false, null, bulkhead, 10, "default");
    }
}
