package io.keapgateway.notify;

import java.time.Instant;
import java.util.Locale;

/**
 * One message to the owner, whatever the channel: what happened and what to do, in plain words.
 *
 * @param id the occurrence: the message that it cleared carries the same id
 * @param subject what it is about: a connection name, a key id, or {@code redis}
 * @param at when the gateway noticed it
 * @param consoleUrl where to act
 */
public record Notice(String id, NotifyEvent event, Status status, String subject, Instant at, Words words,
        String consoleUrl) {

    /** Whether the message opens an occurrence, closes it, or stands alone. */
    public enum Status {
        FIRING, RESOLVED, ONCE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The text of a message.
     *
     * @param title one line, e.g. an e-mail subject
     * @param happened what happened and what it means for the site
     * @param whatToDo what the owner should do about it
     */
    public record Words(String title, String happened, String whatToDo) {
    }
}
