package io.keapgateway.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.keapgateway.testsupport.GatewayClient;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a client reads in the gateway's answers about limits, checked against CONTRACT.md "Limits": the
 * {@code RateLimit-Policy} and {@code RateLimit} fields of draft-ietf-httpapi-ratelimit-headers-10 (a string
 * item naming the policy, with the integer parameters {@code q} and {@code w}, resp. {@code r} and
 * {@code t}), and the 429 problem documents with {@code Retry-After}.
 */
final class LimitAnswers {

    private static final Pattern POLICY = Pattern.compile("\"([a-z_]+)\";q=(\\d+);w=(\\d+)");
    private static final Pattern RATE_LIMIT = Pattern.compile("\"([a-z_]+)\";r=(\\d+);t=(\\d+)");
    private static final Pattern DELTA_SECONDS = Pattern.compile("\\d+");

    /**
     * The limit a response announces.
     *
     * @param name the policy name, e.g. {@code key} or {@code connection}
     * @param quota {@code q}: requests per window
     * @param window {@code w}: the window in seconds
     * @param remaining {@code r}: requests left
     * @param reset {@code t}: seconds until the quota is restored
     */
    record Announced(String name, long quota, long window, long remaining, long reset) {

        /** The {@code RateLimit-Policy} value, as the gateway writes it. */
        String policy() {
            return '"' + name + "\";q=" + quota + ";w=" + window;
        }
    }

    private LimitAnswers() {
    }

    /** Reads and checks both fields: one value each, well-formed, naming the same policy. */
    static Announced announced(HttpResponse<?> response) {
        List<String> policies = response.headers().allValues("RateLimit-Policy");
        List<String> limits = response.headers().allValues("RateLimit");
        assertThat(policies).as("RateLimit-Policy of a %d answer", response.statusCode()).hasSize(1);
        assertThat(limits).as("RateLimit of a %d answer", response.statusCode()).hasSize(1);
        Matcher policy = POLICY.matcher(policies.get(0));
        Matcher limit = RATE_LIMIT.matcher(limits.get(0));
        assertThat(policy.matches()).as("RateLimit-Policy is a draft-10 item: %s", policies.get(0)).isTrue();
        assertThat(limit.matches()).as("RateLimit is a draft-10 item: %s", limits.get(0)).isTrue();
        assertThat(limit.group(1)).as("RateLimit names the announced policy").isEqualTo(policy.group(1));
        Announced announced = new Announced(policy.group(1), Long.parseLong(policy.group(2)),
                Long.parseLong(policy.group(3)), Long.parseLong(limit.group(2)), Long.parseLong(limit.group(3)));
        assertThat(announced.window()).as("w").isPositive();
        assertThat(announced.remaining()).as("r never exceeds q").isLessThanOrEqualTo(announced.quota());
        return announced;
    }

    /**
     * Checks a 429 made by the gateway itself: {@code Retry-After} in whole seconds, the limit fields, and an
     * {@code application/problem+json} body with {@code code}; answers the announced limit.
     */
    static Announced assertDenied(HttpResponse<String> response, String code) {
        assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(429);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(retryAfterSeconds(response)).as("Retry-After").isPositive();
        JsonNode problem = GatewayClient.parse(response.body());
        assertThat(problem.path("code").asText()).as("code of %s", response.body()).isEqualTo(code);
        assertThat(problem.path("status").asInt()).isEqualTo(429);
        assertThat(problem.path("type").asText()).isNotBlank();
        assertThat(problem.path("title").asText()).isNotBlank();
        assertThat(problem.path("request_id").asText()).isNotBlank();
        return announced(response);
    }

    /** The whole seconds of {@code Retry-After} (delta-seconds form). */
    static long retryAfterSeconds(HttpResponse<?> response) {
        String value = response.headers().firstValue("Retry-After").orElse(null);
        assertThat(value).as("Retry-After").isNotNull().matches(DELTA_SECONDS);
        return Long.parseLong(value);
    }
}
