package io.keapgateway.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecisionTest {

    @Test
    void formatsPolicyAndRemainingAsStructuredFields() {
        Decision decision = new Verdict(true, "key", null, 0, 20, 1, 17, 400).toDecision();
        assertEquals("\"key\";q=20;w=1", decision.policyHeader());
        assertEquals("\"key\";r=17;t=1", decision.rateLimitHeader());
        assertEquals(Duration.ZERO, decision.retryAfter());
    }

    @Test
    void resetIsInWholeSecondsRoundedUp() {
        assertEquals("\"key_daily\";r=0;t=3601", RateLimitHeaders.rateLimit("key_daily", 0, 3_600_001));
        assertEquals("\"connection\";r=4;t=0", RateLimitHeaders.rateLimit("connection", 4, 0));
    }

    @Test
    void deniedDecisionAnswers429WithRetryAfterRoundedUp() {
        GatewayException error = denied("key", ErrorCode.RATE_LIMITED, 1500).toException();
        assertEquals(ErrorCode.RATE_LIMITED, error.code());
        assertEquals("2", error.headers().get("Retry-After"));
        assertEquals("\"key\";q=20;w=2", error.headers().get("RateLimit-Policy"));
        assertEquals("\"key\";r=0;t=2", error.headers().get("RateLimit"));
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        assertEquals("1", denied("connection", ErrorCode.RATE_LIMITED, 3).toException().headers().get("Retry-After"));
    }

    @Test
    void detailNamesTheLimitButNotTheKey() {
        GatewayException daily = denied("key_daily", ErrorCode.QUOTA_EXHAUSTED, 1000).toException();
        assertTrue(daily.detail().contains("daily quota"), daily.detail());
        assertFalse(daily.detail().contains("key123"), daily.detail());
        assertTrue(denied("connection", ErrorCode.RATE_LIMITED, 10).toException().detail().contains("Keap account"));
        assertTrue(denied("keap", ErrorCode.QUOTA_EXHAUSTED, 10).toException().detail().contains("high-priority"));
    }

    @Test
    void anAllowedDecisionHasNoError() {
        Decision allowed = new Verdict(true, "key", null, 0, 20, 1, 17, 400).toDecision();
        assertThrows(IllegalStateException.class, allowed::toException);
        assertThrows(IllegalArgumentException.class,
                () -> new Decision(true, ErrorCode.RATE_LIMITED, Duration.ZERO, null));
        assertThrows(IllegalArgumentException.class,
                () -> new Decision(false, ErrorCode.RATE_LIMITED, Duration.ZERO, null));
        assertEquals(Map.of(), Decision.UNLIMITED.headers());
    }

    private static Decision denied(String limit, ErrorCode code, long retryMillis) {
        return new Verdict(false, limit, code, retryMillis, 20, 2, 0, retryMillis).toDecision();
    }
}
