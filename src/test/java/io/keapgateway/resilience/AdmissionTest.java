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

    private Admission admitted() {
        assertThat(breaker.tryPass().allowed()).isTrue();
        return new Admission(breaker, false, null, bulkhead, 10, "default");
    }
}
