package io.keapgateway.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keapgateway.notify.Notice.Words;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every message says what happened and what to do, in plain words, naming what it is about. */
class TextsTest {

    private static final Instant AT = Instant.parse("2026-12-09T17:45:59Z");

    @Test
    void eachEventSaysWhatHappenedAndWhatToDo() {
        Words[] all = {
            Texts.needsReauth("default"),
            Texts.refreshFailing("default", Duration.ofMinutes(15), "connection refused", AT),
            Texts.quotaLow("default", 9_000, 150_000, AT, 10),
            Texts.quotaExhausted("default", 150_000, AT),
            Texts.circuitOpen("default", Duration.ofMinutes(5)),
            Texts.redisUnreachable("keap-gateway-7d9f", Duration.ofMinutes(5)),
            Texts.keyExpiring("kg_1", "drupal", AT),
            Texts.keyRevoked("kg_1", "drupal", "admin@10.0.0.1"),
            Texts.keyRotated("kg_1", "drupal", "admin@10.0.0.1", AT),
            Texts.test("admin@10.0.0.1"),
        };
        for (Words words : all) {
            assertThat(words.title()).isNotBlank().doesNotContain("\n");
            assertThat(words.happened()).endsWith(".");
            assertThat(words.whatToDo()).endsWith(".");
            // No internal words: a site owner reads these.
            assertThat(words.title() + words.happened() + words.whatToDo())
                    .doesNotContainIgnoringCase("grant_").doesNotContain("null").doesNotContain("lease");
        }
    }

    @Test
    void messagesNameTheirSubjectAndTheFactsThatMatter() {
        assertThat(Texts.refreshFailing("shop", Duration.ofMinutes(15), "HTTP 500 from Keap", AT).happened())
                .contains("For 15 minutes", "'shop'", "HTTP 500 from Keap", "expires at 2026-12-09 17:45 UTC");
        assertThat(Texts.quotaLow("shop", 9_000, 150_000, AT, 10))
                .satisfies(words -> assertThat(words.title()).contains("below 10%"))
                .satisfies(words -> assertThat(words.happened()).contains("9000 of 150000", "2026-12-09 17:45 UTC"));
        assertThat(Texts.keyExpiring("kg_1", "drupal", AT).title())
                .isEqualTo("Gateway key 'drupal' expires on 2026-12-09 17:45 UTC");
        assertThat(Texts.keyRotated("kg_1", "drupal", "admin@10.0.0.1", null).happened())
                .contains("stopped working at once");
        assertThat(Texts.keyRotated("kg_1", "drupal", "admin@10.0.0.1", AT).happened())
                .contains("keeps working until 2026-12-09 17:45 UTC");
        assertThat(Texts.circuitOpen("shop", Duration.ofSeconds(2)).happened()).startsWith("For 2 seconds");
        assertThat(Texts.circuitOpen("shop", Duration.ofMinutes(1)).happened()).startsWith("For 1 minute ");
    }

    @Test
    void everyConditionHasAClearedMessageAndSingleEventsHaveNone() {
        for (NotifyEvent event : NotifyEvent.values()) {
            if (event.reach() == NotifyEvent.Reach.ONCE) {
                assertThatThrownBy(() -> Texts.resolved(event, "x")).isInstanceOf(IllegalArgumentException.class);
            } else {
                Words words = Texts.resolved(event, "default");
                assertThat(words.title()).isNotBlank();
                assertThat(words.whatToDo()).isEqualTo("Nothing to do.");
            }
        }
        assertThat(Texts.resolved(NotifyEvent.GRANT_NEEDS_REAUTH, "default").title())
                .isEqualTo("Keap connection 'default' is connected again");
    }

    @Test
    void mailsCarryTheWordsTheConsoleAndTheOccurrence() {
        Notice notice = new Notice("occ-1", NotifyEvent.CIRCUIT_OPEN, Notice.Status.RESOLVED, "default", AT,
                Texts.resolved(NotifyEvent.CIRCUIT_OPEN, "default"), "https://admin.example.com/console");

        assertThat(MailChannel.subject(notice)).isEqualTo("[Keap Gateway] Resolved: Keap answers again for connection 'default'");
        assertThat(MailChannel.text(notice)).contains("What to do: Nothing to do.",
                "Console: https://admin.example.com/console", "circuit_open (resolved), id occ-1");
    }
}
