package io.keapgateway.notify;

import io.smallrye.mutiny.Uni;

/** A way to reach the owner. Sending never blocks the caller's thread. */
interface Channel {

    /** {@code webhook} or {@code email}: what the audit trail and {@code GET /admin/info} call it. */
    String name();

    /** One attempt to deliver {@code notice}; fails when the receiver did not take it. */
    Uni<Void> send(Notice notice);

    /** What the channel's failure may say in the audit trail: never a secret, nor a webhook URL's path. */
    String describe(Throwable failure);
}
