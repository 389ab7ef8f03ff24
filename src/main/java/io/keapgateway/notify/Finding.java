package io.keapgateway.notify;

/** A condition a detector sees right now, with the words that would announce it. */
record Finding(NotifyEvent event, String subject, Notice.Words words) {

    /** The condition's identity across replicas and checks, e.g. {@code grant_needs_reauth:default}. */
    String key() {
        return event.wireName() + ":" + subject;
    }
}
