package io.keapgateway.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keapgateway.config.GatewayConfig.Notify.WebhookFormat;
import io.keapgateway.secret.Hmac;
import java.nio.charset.StandardCharsets;

/**
 * What a webhook POSTs, and its signature. The JSON document's members are written one by one (no
 * reflection, so native images need no registration); docs/notifications.md "Payload" describes them.
 */
final class WebhookBody {

    /** The signature's header: {@code sha256=} and the hex HMAC-SHA256 of {@code <timestamp>.<body>}. */
    static final String SIGNATURE = "X-Keap-Gateway-Signature";
    /** Unix seconds when the message was signed: receivers refuse old ones, so a captured message cannot be replayed. */
    static final String TIMESTAMP = "X-Keap-Gateway-Timestamp";

    private static final ObjectMapper JSON = new ObjectMapper();

    private WebhookBody() {
    }

    static String render(Notice notice, WebhookFormat format) {
        return format == WebhookFormat.slack ? slack(notice) : json(notice);
    }

    static String json(Notice notice) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", notice.id());
        body.put("event", notice.event().wireName());
        body.put("status", notice.status().wireName());
        body.put("subject", notice.subject());
        body.put("occurred_at", notice.at().toString());
        body.put("title", notice.words().title());
        body.put("happened", notice.words().happened());
        body.put("what_to_do", notice.words().whatToDo());
        body.put("console_url", notice.consoleUrl());
        return body.toString();
    }

    /** Slack's incoming-webhook message: {@code text} in its mrkdwn, with the console as a link. */
    static String slack(Notice notice) {
        String prefix = notice.status() == Notice.Status.RESOLVED ? "Resolved: " : "";
        String text = "*" + escape(prefix + notice.words().title()) + "*\n" + escape(notice.words().happened())
                + "\n*What to do:* " + escape(notice.words().whatToDo())
                + "\n<" + notice.consoleUrl() + "|Open the Keap Gateway console>"
                + "  _(" + notice.event().wireName() + ", " + notice.id() + ")_";
        ObjectNode body = JSON.createObjectNode();
        body.put("text", text);
        return body.toString();
    }

    /** {@code sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under secret>}. */
    static String signature(String secret, long timestamp, String body) {
        return "sha256=" + new Hmac(secret.getBytes(StandardCharsets.UTF_8)).hex(timestamp + "." + body);
    }

    /** Slack's three control characters in text. */
    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
