package io.keapgateway.notify;

import io.keapgateway.config.GatewayConfig;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The notification channels the configuration sets (none by default), checked at start-up so that a typo is
 * found when the gateway starts, not when something breaks.
 */
@ApplicationScoped
public class Channels {

    private static final Logger LOG = Logger.getLogger(Channels.class);
    private static final int SHORTEST_SECRET = 16;

    /**
     * A channel as {@code GET /admin/info} shows it: whether it is set and where it sends, never a secret nor a
     * webhook URL's path (Slack's, for one, is its secret).
     *
     * @param host the webhook's host, or the SMTP server ({@code KEAP_GATEWAY_NOTIFY_EMAIL_HOST})
     * @param format the webhook's format, {@code json} or {@code slack}
     * @param signed whether webhook messages carry {@code X-Keap-Gateway-Signature}
     * @param to the e-mail recipients
     */
    @RegisterForReflection
    public record ChannelInfo(String name, boolean configured, String host, String format, Boolean signed,
            List<String> to) {
    }

    private final List<Channel> channels = new ArrayList<>();
    private final List<ChannelInfo> described = new ArrayList<>();

    Channels(GatewayConfig config, Vertx vertx, Clock clock) {
        GatewayConfig.Notify notify = config.notifications();
        GatewayConfig.Notify.Webhook webhook = notify.webhook();
        if (webhook.url().isPresent()) {
            check(webhook);
            WebhookChannel channel = new WebhookChannel(vertx, webhook, notify.delivery().timeout().toMillis(), clock);
            channels.add(channel);
            described.add(new ChannelInfo("webhook", true, channel.host(), webhook.format().name(),
                    webhook.secret().isPresent(), null));
        } else {
            described.add(new ChannelInfo("webhook", false, null, null, null, null));
        }
        List<String> to = notify.email().to().orElse(List.of()).stream().map(String::trim)
                .filter(address -> !address.isEmpty()).toList();
        if (!to.isEmpty()) {
            GatewayConfig.Notify.Email email = notify.email();
            if (email.from().filter(from -> !from.isBlank()).isEmpty()) {
                throw new IllegalStateException("KEAP_GATEWAY_NOTIFY_EMAIL_TO is set but KEAP_GATEWAY_NOTIFY_EMAIL_FROM"
                        + " is not: e-mail needs a sender address");
            }
            MailChannel channel = new MailChannel(io.vertx.mutiny.core.Vertx.newInstance(vertx), email, to);
            channels.add(channel);
            described.add(new ChannelInfo("email", true, email.host(), null, null, to));
        } else {
            described.add(new ChannelInfo("email", false, null, null, null, null));
        }
    }

    /** Builds (and so checks) the channels at start-up, and says which are on. */
    void atStartup(@Observes StartupEvent event) {
        if (channels.isEmpty()) {
            LOG.debug("Notifications are off: no channel configured");
        } else {
            LOG.infof("Notifications on: %s", channels.stream().map(Channel::name).toList());
        }
    }

    /** The channels that are set, in a fixed order (webhook, e-mail). */
    List<Channel> configured() {
        return channels;
    }

    /** Whether any channel is set: with none, nothing is watched and nothing is written to the store. */
    public boolean enabled() {
        return !channels.isEmpty();
    }

    /** Every channel, set or not, as the admin API shows it. */
    public List<ChannelInfo> describe() {
        return List.copyOf(described);
    }

    private static void check(GatewayConfig.Notify.Webhook webhook) {
        URI url = webhook.url().orElseThrow();
        if (!("https".equals(url.getScheme()) || "http".equals(url.getScheme())) || url.getHost() == null) {
            throw new IllegalStateException("KEAP_GATEWAY_NOTIFY_WEBHOOK_URL must be an http(s) URL with a host");
        }
        if (webhook.secret().isPresent() && webhook.secret().get().length() < SHORTEST_SECRET) {
            throw new IllegalStateException("KEAP_GATEWAY_NOTIFY_WEBHOOK_SECRET must be at least " + SHORTEST_SECRET
                    + " characters");
        }
        if (webhook.secret().isEmpty() && webhook.format() == GatewayConfig.Notify.WebhookFormat.json) {
            LOG.warn("KEAP_GATEWAY_NOTIFY_WEBHOOK_SECRET is not set: webhook messages are not signed, and the"
                    + " receiver cannot tell them from forged ones");
        }
    }
}
