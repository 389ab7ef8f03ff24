package io.keapgateway.admin;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.notify.Notifier;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/**
 * {@code POST /admin/notifications/test}: sends a test message to every configured channel, one attempt each,
 * and answers how each went (the console's "Send a test notification").
 */
@Path("/admin/notifications/test")
@Produces(MediaType.APPLICATION_JSON)
public class NotificationsResource {

    private final Notifier notifier;

    NotificationsResource(Notifier notifier) {
        this.notifier = notifier;
    }

    @POST
    public TestResult test(HttpServerRequest request) {
        if (!notifier.enabled()) {
            throw new GatewayException(ErrorCode.NOTIFICATIONS_OFF, "No notification channel is configured: set"
                    + " KEAP_GATEWAY_NOTIFY_WEBHOOK_URL or KEAP_GATEWAY_NOTIFY_EMAIL_TO (docs/notifications.md).");
        }
        return new TestResult(notifier.test(Actor.of(request)));
    }

    /** One outcome per configured channel. */
    @RegisterForReflection
    record TestResult(List<Notifier.Outcome> channels) {
    }
}
