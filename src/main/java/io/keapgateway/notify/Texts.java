package io.keapgateway.notify;

import io.keapgateway.notify.Notice.Words;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Every message's words: what happened, what it means for the site, and what to do, for an owner who is not
 * an engineer. The console's address is added by the channel, next to the words.
 */
final class Texts {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final String NOTHING_TO_DO = "Nothing to do.";

    private Texts() {
    }

    static Words needsReauth(String connection) {
        return new Words("Keap connection '" + connection + "' must be connected again",
                "Keap no longer accepts the gateway's authorization for connection '" + connection + "' (it was"
                        + " revoked in Keap, expired, or was replaced by connecting the same Keap app elsewhere)."
                        + " Until it is connected again, every request through this connection is refused: your"
                        + " site cannot reach Keap.",
                "Open the console, find the connection '" + connection + "' and press Connect, then sign in to Keap"
                        + " and approve. Gateway keys need no change: they work again once it is connected.");
    }

    static Words refreshFailing(String connection, Duration failingFor, String lastError, Instant tokenExpiresAt) {
        String until = tokenExpiresAt == null ? "." : ", which expires at " + when(tokenExpiresAt) + ".";
        return new Words("Keap's token for connection '" + connection + "' cannot be renewed",
                "For " + minutes(failingFor) + " the gateway has not been able to renew Keap's access token for"
                        + " connection '" + connection + "' (last error: " + lastError + "). Requests still go"
                        + " through with the current token" + until,
                "Check whether Keap reports an outage (status.keap.com) and that the gateway can reach"
                        + " api.infusionsoft.com. If it keeps failing, open the console and connect the connection"
                        + " again before the token expires.");
    }

    static Words quotaLow(String connection, long available, long limit, Instant resetsAt, int percent) {
        return new Words("Keap's daily quota for connection '" + connection + "' is below " + percent + "%",
                "Keap reports " + available + " of " + limit + " requests left today for connection '" + connection
                        + "'" + resets(resetsAt) + ". When it is used up, Keap refuses every request until the reset.",
                "Open the console and look at which keys use the most today: lower their daily quota or rate, or"
                        + " mark the keys that must keep working as high priority.");
    }

    static Words quotaExhausted(String connection, long limit, Instant resetsAt) {
        return new Words("Keap's daily quota for connection '" + connection + "' is used up",
                "Keap reports none of its " + limit + " requests left today for connection '" + connection
                        + "'. Keap refuses every request until the quota resets" + resets(resetsAt)
                        + ": your site cannot sync with Keap until then.",
                "Wait for the reset, or ask Keap for a higher quota. Open the console to see which keys used it,"
                        + " and give them a daily quota of their own so that it does not happen again.");
    }

    static Words circuitOpen(String connection, Duration failingFor) {
        return new Words("Keap has been failing for connection '" + connection + "'",
                "For " + minutes(failingFor) + " Keap has not answered properly for connection '" + connection
                        + "' (no connection, timeouts, or server errors). Meanwhile the gateway answers your site"
                        + " at once with 503 and tries Keap again every few seconds.",
                "Check Keap's status page (status.keap.com) and that the gateway can reach api.infusionsoft.com."
                        + " Nothing to change in the gateway: it resumes by itself as soon as Keap answers.");
    }

    static Words redisUnreachable(String replica, Duration lostFor) {
        return new Words("The gateway has lost its Redis",
                "Replica " + replica + " has not reached Redis for " + minutes(lostFor) + ". Requests still go"
                        + " through, with limits counted by each replica alone; creating or changing keys and"
                        + " connections fails, and the audit trail is not kept.",
                "Restore Redis: check that it runs and that the gateway reaches it (QUARKUS_REDIS_HOSTS). Each"
                        + " replica that lost Redis sends this message itself, since Redis is what would have"
                        + " deduplicated it.");
    }

    static Words keyExpiring(String id, String name, Instant expiresAt) {
        return new Words("Gateway key '" + name + "' expires on " + when(expiresAt),
                "The gateway key '" + name + "' (" + id + ") stops working at " + when(expiresAt)
                        + "; requests with it will then be refused (401 key_expired).",
                "If whoever uses it still needs access, open the console and set a later expiry on the key."
                        + " Otherwise there is nothing to do.");
    }

    static Words keyRevoked(String id, String name, String actor) {
        return new Words("Gateway key '" + name + "' was revoked",
                "The gateway key '" + name + "' (" + id + ") was revoked by " + actor + ". Every request with it is"
                        + " refused from now on (401 key_revoked).",
                "Nothing, if this was intended. If not, look at the audit trail in the console to see who did it,"
                        + " issue a new key, and change the admin token if it may have leaked.");
    }

    static Words keyRotated(String id, String name, String actor, Instant oldSecretValidUntil) {
        String old = oldSecretValidUntil == null ? "stopped working at once."
                : "keeps working until " + when(oldSecretValidUntil) + ".";
        return new Words("Gateway key '" + name + "' was rotated",
                "The gateway key '" + name + "' (" + id + ") got a new secret, by " + actor + ". The old secret " + old,
                "Make sure whoever uses the key has the new one (it was shown once, to whoever rotated it). If you"
                        + " did not expect this, look at the audit trail in the console.");
    }

    static Words test(String actor) {
        return new Words("Test notification from Keap Gateway",
                actor + " asked the gateway to send a test notification. If you read this, this channel works.",
                NOTHING_TO_DO);
    }

    /** The message that an occurrence cleared; it may be sent by a replica that knows only the event and subject. */
    static Words resolved(NotifyEvent event, String subject) {
        String title = switch (event) {
            case GRANT_NEEDS_REAUTH -> "Keap connection '" + subject + "' is connected again";
            case REFRESH_FAILING -> "Keap's token for connection '" + subject + "' is renewed again";
            case QUOTA_LOW -> "Keap's daily quota for connection '" + subject + "' is no longer low";
            case QUOTA_EXHAUSTED -> "Keap's daily quota for connection '" + subject + "' is available again";
            case CIRCUIT_OPEN -> "Keap answers again for connection '" + subject + "'";
            case REDIS_UNREACHABLE -> "The gateway reaches Redis again";
            case KEY_EXPIRING -> "Gateway key " + subject + " is no longer about to expire";
            case KEY_REVOKED, KEY_ROTATED, TEST -> throw new IllegalArgumentException(event + " does not clear");
        };
        String happened = event == NotifyEvent.KEY_EXPIRING
                ? "The key " + subject + " was given a later expiry, was revoked, or has expired."
                : "What was reported earlier under the same id has cleared; the gateway works normally again.";
        return new Words(title, happened, NOTHING_TO_DO);
    }

    private static String resets(Instant resetsAt) {
        return resetsAt == null ? "" : " (it resets at " + when(resetsAt) + ")";
    }

    static String when(Instant instant) {
        return WHEN.format(instant.truncatedTo(ChronoUnit.MINUTES));
    }

    /** "15 minutes", "1 minute", or seconds when shorter (only in tests). */
    static String minutes(Duration duration) {
        long minutes = duration.toMinutes();
        if (minutes == 0) {
            return duration.toSeconds() + " seconds";
        }
        return minutes + (minutes == 1 ? " minute" : " minutes");
    }
}
