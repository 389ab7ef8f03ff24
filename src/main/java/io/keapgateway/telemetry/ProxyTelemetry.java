package io.keapgateway.telemetry;

import io.keapgateway.ratelimit.Decision;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Singleton;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Observes proxied requests: one access line each, in the logger category {@value #ACCESS_CATEGORY}, and
 * the proxy's metrics ({@link ProxyMetrics}). The access line names the request id, key id, connection,
 * method, route family, status, and the milliseconds spent waiting for Keap and in total; never a path,
 * a query, a header or a body, so never a secret.
 */
@Singleton // no client proxy: it serves every proxied request (docs/benchmarks.md "What the profile changed")
public class ProxyTelemetry {

    /** The logger category of access lines; set its level to {@code WARN} to silence them. */
    public static final String ACCESS_CATEGORY = "io.keapgateway.access";
    private static final String EXCHANGE = "keap-gateway.exchange";
    private static final Logger ACCESS = Logger.getLogger(ACCESS_CATEGORY);

    private final ProxyMetrics metrics;

    ProxyTelemetry(ProxyMetrics metrics) {
        this.metrics = metrics;
    }

    /** Starts observing a request on {@code /crm/}: it is counted and logged when its response ends. */
    public ProxyExchange begin(RoutingContext context, String requestId, String decodedPath) {
        ProxyExchange exchange = new ProxyExchange(requestId, context.request().method().name(),
                RouteFamily.of(decodedPath), System.nanoTime());
        context.put(EXCHANGE, exchange);
        context.addEndHandler(ended -> finish(exchange, context.response().getStatusCode()));
        return exchange;
    }

    /** The exchange {@link #begin} started for this request. */
    public static ProxyExchange of(RoutingContext context) {
        return context.get(EXCHANGE);
    }

    /** Counts the limiter's decision for the request. */
    public void decided(Decision decision) {
        metrics.limiterDecided(decision.allowed() ? null : decision.limitName());
    }

    /** Keap answered the request (its response headers arrived), or could not be reached. */
    public void upstreamEnded(ProxyExchange exchange) {
        metrics.upstreamAnswered(exchange.connection, exchange.upstreamEnded());
    }

    private void finish(ProxyExchange exchange, int status) {
        metrics.requestAnswered(exchange.keyId, exchange.connection, exchange.family, status);
        if (ACCESS.isInfoEnabled()) {
            long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - exchange.startNanos);
            long upstreamMillis = exchange.upstreamNanos < 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(exchange.upstreamNanos);
            ACCESS.infof("request_id=%s key_id=%s connection=%s method=%s route=%s status=%d upstream_ms=%d total_ms=%d",
                    exchange.requestId, exchange.keyId, exchange.connection, exchange.method,
                    RouteFamily.name(exchange.family), status, upstreamMillis, totalMillis);
        }
    }
}
