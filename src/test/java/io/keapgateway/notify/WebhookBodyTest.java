package io.keapgateway.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.config.GatewayConfig.Notify.WebhookFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** What a webhook receiver gets, and that it can check the signature the way docs/notifications.md says. */
class WebhookBodyTest {

    private static final Notice NOTICE = new Notice("7f0c", NotifyEvent.GRANT_NEEDS_REAUTH, Notice.Status.FIRING,
            "default", Instant.parse("2026-12-07T10:15:30Z"), Texts.needsReauth("default"),
            "https://admin.example.com/console");

    @Test
    void theJsonDocumentCarriesTheEventTheWordsAndTheConsoleLink() throws Exception {
        JsonNode body = new ObjectMapper().readTree(WebhookBody.render(NOTICE, WebhookFormat.json));

        assertThat(body.get("id").asText()).isEqualTo("7f0c");
        assertThat(body.get("event").asText()).isEqualTo("grant_needs_reauth");
        assertThat(body.get("status").asText()).isEqualTo("firing");
        assertThat(body.get("subject").asText()).isEqualTo("default");
        assertThat(body.get("occurred_at").asText()).isEqualTo("2026-12-07T10:15:30Z");
        assertThat(body.get("title").asText()).isEqualTo("Keap connection 'default' must be connected again");
        assertThat(body.get("happened").asText()).contains("every request through this connection is refused");
        assertThat(body.get("what_to_do").asText()).contains("press Connect");
        assertThat(body.get("console_url").asText()).isEqualTo("https://admin.example.com/console");
    }

    @Test
    void theSlackFormatIsOneTextWithTheConsoleAsALink() throws Exception {
        Notice resolved = new Notice("7f0c", NotifyEvent.GRANT_NEEDS_REAUTH, Notice.Status.RESOLVED, "default",
                NOTICE.at(), Texts.resolved(NotifyEvent.GRANT_NEEDS_REAUTH, "default"), NOTICE.consoleUrl());
        JsonNode body = new ObjectMapper().readTree(WebhookBody.render(resolved, WebhookFormat.slack));

        assertThat(body.size()).isEqualTo(1);
        assertThat(body.get("text").asText())
                .startsWith("*Resolved: Keap connection 'default' is connected again*\n")
                .contains("<https://admin.example.com/console|Open the Keap Gateway console>")
                .contains("7f0c");
    }

    @Test
    void slackTextEscapesItsControlCharacters() throws Exception {
        Notice notice = new Notice("1", NotifyEvent.KEY_REVOKED, Notice.Status.ONCE, "k",
                NOTICE.at(), Texts.keyRevoked("k", "<b>&co", "admin@10.0.0.1"), NOTICE.consoleUrl());
        String text = new ObjectMapper().readTree(WebhookBody.slack(notice)).get("text").asText();

        assertThat(text).contains("'&lt;b&gt;&amp;co'").doesNotContain("<b>");
    }

    @Test
    void theSignatureIsTheHmacOfTimestampDotBodyAsTheDocsTellReceiversToCheckIt() throws Exception {
        String secret = "a-webhook-secret-of-32-characters";
        String body = WebhookBody.render(NOTICE, WebhookFormat.json);
        long timestamp = 1_796_000_000L;

        String header = WebhookBody.signature(secret, timestamp, body);

        // What a receiver does (docs/notifications.md "Verifying the signature"), with nothing of the gateway.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(
                mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        assertThat(header).isEqualTo(expected);
        assertThat(WebhookBody.signature(secret, timestamp + 1, body)).isNotEqualTo(header);
        assertThat(WebhookBody.signature(secret, timestamp, body + " ")).isNotEqualTo(header);
        assertThat(WebhookBody.signature("another-secret-of-some-length", timestamp, body)).isNotEqualTo(header);
    }
}
