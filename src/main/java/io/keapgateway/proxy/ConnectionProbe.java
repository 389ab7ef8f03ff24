package io.keapgateway.proxy;

import io.keapgateway.connection.Connection;
import io.keapgateway.connection.Credential;
import io.keapgateway.connection.Credentials;
import io.keapgateway.connection.Mode;
import io.keapgateway.ratelimit.LimitRequest;
import io.keapgateway.ratelimit.RateLimiter;
import io.keapgateway.resilience.Admission;
import io.keapgateway.resilience.UpstreamGuards;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * "Test the connection": one cheap Keap call ({@value #PATH}, which names the account) sent the way a
 * proxied request goes: through the circuit breaker and the bulkhead, charged to the connection's limits,
 * with the connection's credential (refreshed first when due), and Keap's quota headers observed. Keap's
 * answer, whatever its status, is the result; what stops the call before Keap is a {@code GatewayException}.
 */
@ApplicationScoped
public class ConnectionProbe {

    static final String PATH = "/crm/rest/v1/oauth/connect/userinfo";
    /** The key id the probe is limited as: no real key's id has a '-' in it. */
    static final String PROBE_KEY = "connection-test";
    /** How much of a refusal's body is shown: Keap's message, not a page of HTML. */
    private static final int EXCERPT = 300;

    /**
     * What Keap answered.
     *
     * @param keapStatus Keap's HTTP status
     * @param latencyMs from sending to Keap until Keap's response head arrived
     * @param tenant the account Keap named ({@code x-keap-tenant-id}), when it did
     * @param keapSaid the start of Keap's body when it refused (2xx: null, the body is the user's profile)
     */
    @RegisterForReflection
    public record Result(String connection, String method, String path, int keapStatus, boolean ok, long latencyMs,
            String tenant, String keapSaid) {
    }

    private final Upstream upstream;
    private final Credentials credentials;
    private final RateLimiter limiter;
    private final UpstreamGuards guards;

    ConnectionProbe(Upstream upstream, Credentials credentials, RateLimiter limiter, UpstreamGuards guards) {
        this.upstream = upstream;
        this.credentials = credentials;
        this.limiter = limiter;
        this.guards = guards;
    }

    /** Sends the probe; fails with the gateway's own refusal (circuit open, limits, not connected). */
    public Uni<Result> probe(Connection connection) {
        if (connection.mode() == Mode.api_key && connection.apiKey() == null) {
            return Uni.createFrom().failure(Credentials.notConnected(connection.name()));
        }
        Admission admission = guards.admit(PROBE_KEY, null, connection.name());
        LimitRequest limits = new LimitRequest(PROBE_KEY, connection.name(), connection.mode() == Mode.api_key,
                null, null, null, false);
        return limiter.acquire(limits)
                .onItem().transformToUni(decision -> {
                    if (!decision.allowed()) {
                        return Uni.createFrom().failure(decision.toException());
                    }
                    return credentials.current(connection);
                })
                .onItem().transformToUni(credential -> Uni.createFrom()
                        .completionStage(() -> send(connection, credential, admission).toCompletionStage()))
                .eventually(admission::release);
    }

    private Future<Result> send(Connection connection, Credential credential, Admission admission) {
        try {
            admission.board();
            admission.sendingWhole();
        } catch (RuntimeException refused) {
            return Future.failedFuture(refused);
        }
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .set("Host", upstream.hostHeader())
                .set("Accept", "application/json")
                .set(credential.header(), credential.value())
                .set("X-Request-Id", UUID.randomUUID().toString());
        long started = System.nanoTime();
        return upstream.client().request(upstream.request(PATH).setMethod(HttpMethod.GET).setHeaders(headers))
                .compose(request -> request.idleTimeout(upstream.responseTimeoutMillis()).send())
                .compose(response -> {
                    long latencyMs = (System.nanoTime() - started) / 1_000_000;
                    admission.keapAnswered(response.statusCode());
                    limiter.observe(connection.name(), response.headers(), response.statusCode());
                    return response.body().map(body -> result(connection, response, body, latencyMs));
                })
                .recover(failure -> {
                    admission.keapFailed(); // nothing when Keap had answered already
                    return Future.failedFuture(Forwarder.translate(failure));
                });
    }

    private static Result result(Connection connection, HttpClientResponse response, Buffer body, long latencyMs) {
        int status = response.statusCode();
        boolean ok = status >= 200 && status < 300;
        String said = null;
        if (!ok) {
            String text = body.toString().replaceAll("\\s+", " ").trim();
            said = text.length() > EXCERPT ? text.substring(0, EXCERPT) + "…" : text;
        }
        return new Result(connection.name(), "GET", PATH, status, ok, latencyMs,
                response.headers().get("x-keap-tenant-id"), said);
    }
}
