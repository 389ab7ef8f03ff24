package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.TimeoutException;

/**
 * POSTs each message to the configured URL, signed when a secret is set. Any 2xx answer is a delivery; any
 * other answer, a connection failure or no answer within the delivery timeout is a failed attempt. The
 * client is the gateway's own Vert.x one, separate from the proxy's pool: a slow receiver holds none of
 * Keap's connections.
 */
final class WebhookChannel implements Channel {

    private final HttpClient client;
    private final URI target;
    private final String basicAuth;
    private final GatewayConfig.Notify.Webhook settings;
    private final long timeoutMillis;
    private final Clock clock;

    WebhookChannel(Vertx vertx, GatewayConfig.Notify.Webhook settings, long timeoutMillis, Clock clock) {
        URI url = settings.url().orElseThrow();
        this.settings = settings;
        this.timeoutMillis = timeoutMillis;
        this.clock = clock;
        this.target = withoutUserInfo(url);
        // Credentials in the URL (https://user:pass@host/...) become Basic authentication, as curl does.
        this.basicAuth = url.getRawUserInfo() == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(url.getUserInfo().getBytes(StandardCharsets.UTF_8));
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) timeoutMillis).setKeepAlive(false));
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public Uni<Void> send(Notice notice) {
        String body = WebhookBody.render(notice, settings.format());
        long timestamp = clock.instant().getEpochSecond();
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(target.toString())
                .setTimeout(timeoutMillis)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .putHeader("User-Agent", "keap-gateway")
                .putHeader("X-Keap-Gateway-Event", notice.event().wireName())
                .putHeader(WebhookBody.TIMESTAMP, Long.toString(timestamp));
        settings.secret().ifPresent(secret ->
                request.putHeader(WebhookBody.SIGNATURE, WebhookBody.signature(secret, timestamp, body)));
        if (basicAuth != null) {
            request.putHeader("Authorization", basicAuth);
        }
        var answered = client.request(request)
                .compose(call -> call.send(Buffer.buffer(body)))
                .compose(response -> response.body().map(ignored -> response.statusCode()));
        return Uni.createFrom().completionStage(answered.toCompletionStage()).onItem().transformToUni(status ->
                status / 100 == 2 ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(new Refused(status)));
    }

    @Override
    public String describe(Throwable failure) {
        if (failure instanceof Refused refused) {
            return "answered HTTP " + refused.status;
        }
        if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
            return "no answer within " + timeoutMillis + " ms";
        }
        // The class only: a message may quote the URL, whose path is the secret of e.g. a Slack webhook.
        return failure.getClass().getSimpleName() + " from " + target.getHost();
    }

    /** Where messages go, for {@code GET /admin/info}: the host only (a webhook's path is often its secret). */
    String host() {
        return target.getHost();
    }

    private static URI withoutUserInfo(URI url) {
        try {
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), url.getRawPath() == null
                    || url.getRawPath().isEmpty() ? "/" : url.getPath(), url.getQuery(), null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("KEAP_GATEWAY_NOTIFY_WEBHOOK_URL is not a valid URL");
        }
    }

    /** The receiver answered, with a status other than 2xx. */
    static final class Refused extends RuntimeException {
        final int status;

        Refused(int status) {
            super("HTTP " + status, null, false, false);
            this.status = status;
        }
    }
}
