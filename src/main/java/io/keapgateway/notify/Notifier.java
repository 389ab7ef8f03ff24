package io.keapgateway.notify;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.config.GatewayConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Hands each message to every configured channel and retries a channel that did not take it, with
 * exponential backoff and jitter, up to {@code keap-gateway.notify.delivery.attempts}. Every delivery and
 * every failed attempt is in the audit trail ({@code notify.sent}, {@code notify.failed}). Sending returns at
 * once and runs on no request's path: a dead receiver costs the proxy nothing.
 */
@ApplicationScoped
public class Notifier {

    /** Who the audit trail names for what the gateway does by itself. */
    static final String ACTOR = "gateway";
    private static final Logger LOG = Logger.getLogger(Notifier.class);

    /**
     * How one channel's test went.
     *
     * @param error why it failed (never a secret), or null when delivered
     */
    @RegisterForReflection
    public record Outcome(String channel, boolean delivered, String error) {
    }

    private final Channels channels;
    private final AuditLog audit;
    private final GatewayConfig.Notify.Delivery delivery;
    private final String consoleUrl;
    private final Clock clock;

    Notifier(Channels channels, AuditLog audit, GatewayConfig config, Clock clock) {
        this.channels = channels;
        this.audit = audit;
        this.delivery = config.notifications().delivery();
        this.consoleUrl = config.notifications().consoleUrl().map(URI::toString)
                .orElse(config.publicUrl().toString().replaceAll("/+$", "") + "/console");
        this.clock = clock;
    }

    public boolean enabled() {
        return channels.enabled();
    }

    /** A message about {@code subject}; {@code id} null starts a new occurrence. */
    Notice notice(String id, NotifyEvent event, Notice.Status status, String subject, Notice.Words words) {
        return new Notice(id == null ? UUID.randomUUID().toString() : id, event, status, subject, clock.instant(), words,
                consoleUrl);
    }

    /** Sends to every configured channel, each with its retries; returns at once. */
    void send(Notice notice) {
        LOG.infof("Notifying %s (%s) about %s: %s", notice.event().wireName(), notice.status().wireName(),
                notice.subject(), notice.words().title());
        for (Channel channel : channels.configured()) {
            deliver(channel, notice).subscribe().with(ignored -> { }, failure -> { });
        }
    }

    /** One attempt per channel, waited for: the console's "send a test notification". Blocking. */
    public List<Outcome> test(String actor) {
        Notice notice = notice(null, NotifyEvent.TEST, Notice.Status.ONCE, "test", Texts.test(actor));
        List<Uni<Outcome>> attempts = new ArrayList<>();
        for (Channel channel : channels.configured()) {
            attempts.add(attempt(channel, notice, 1, 1)
                    .onItem().transform(ignored -> new Outcome(channel.name(), true, null))
                    .onFailure().recoverWithItem(failure -> new Outcome(channel.name(), false, channel.describe(failure))));
        }
        List<Outcome> outcomes = new ArrayList<>();
        Duration wait = delivery.timeout().plusSeconds(5); // the attempt's own timeout, plus its audit entry
        for (Uni<Outcome> attempt : attempts) {
            outcomes.add(attempt.await().atMost(wait));
        }
        return outcomes;
    }

    /** The message to one channel, retried with backoff; fails only once every attempt failed. */
    Uni<Void> deliver(Channel channel, Notice notice) {
        int attempts = delivery.attempts();
        AtomicInteger attempt = new AtomicInteger();
        Uni<Void> once = Uni.createFrom().deferred(() -> attempt(channel, notice, attempt.incrementAndGet(), attempts));
        Uni<Void> retried = attempts <= 1 ? once : once.onFailure().retry()
                .withBackOff(delivery.initialBackoff(), delivery.maxBackoff()).withJitter(0.2).atMost(attempts - 1L);
        return retried.onFailure().invoke(failure -> LOG.warnf("Notification %s to %s not delivered after %d attempts"
                + " (%s)", notice.id(), channel.name(), attempts, channel.describe(failure)));
    }

    private Uni<Void> attempt(Channel channel, Notice notice, int attempt, int attempts) {
        String about = "event=" + notice.event().wireName() + " status=" + notice.status().wireName() + " subject="
                + notice.subject() + " id=" + notice.id() + " attempt=" + attempt + "/" + attempts;
        return channel.send(notice)
                .ifNoItem().after(delivery.timeout()).fail()
                .onItem().call(() -> audited("notify.sent", channel, about))
                .onFailure().call(failure -> audited("notify.failed", channel, about + " error=" + channel.describe(failure)
                        + (attempt < attempts ? " (will retry)" : " (gave up)")));
    }

    /** The audit entry, written off the event loop (the store blocks); never fails the delivery. */
    private Uni<Void> audited(String action, Channel channel, String detail) {
        return Uni.createFrom().<Void>item(() -> {
            try {
                audit.record(ACTOR, action, channel.name(), detail);
            } catch (RuntimeException e) {
                LOG.warnf("Audit entry %s not written: %s", action, e.toString());
            }
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
