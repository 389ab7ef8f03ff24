package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreLost;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Keeps a refresh token at Keap at most once after the store lost the lease and exchange records (Redis
 * restarted empty, was flushed, or failed over to a stale copy) while a token call may be out. Those records
 * then say nothing, and the grant written back from memory looks refreshable; only the replica making the
 * call knows about it, and it re-creates its records at its next keep-alive. So once a replica sees a loss,
 * it begins no token exchange for one exchange budget ({@code token-call-limit} plus {@code lease-ttl}), the
 * longest an exchange begun before the loss may still run and save its pair; an exchange already out goes
 * on and keeps its records alive as before.
 *
 * <p>A loss is seen inline, not only at the next revision poll: the store holds an <b>epoch</b> value
 * written once; a replica remembers the one it saw, and an epoch gone or replaced means the data went. The
 * replica that writes a new epoch after a loss marks it restored, so that a replica starting within the
 * budget after the loss keeps quiet too. Blocking: call from worker threads.
 */
@ApplicationScoped
class StoreLossGuard {

    static final String KEY = "custody-epoch";
    private static final Logger LOG = Logger.getLogger(StoreLossGuard.class);
    /** The epoch carries no TTL of its own meaning; it is extended at every look, so it never lapses in use. */
    private static final Duration EPOCH_TTL = Duration.ofDays(30);

    private final SecureRandom random = new SecureRandom();
    private final Store store;
    private final Clock clock;
    private final Duration quiet;
    private String epoch; // the value this replica saw last; null before its first look
    private Instant quietUntil = Instant.MIN;

    StoreLossGuard(Store store, Clock clock, GatewayConfig config) {
        this.store = store;
        this.clock = clock;
        this.quiet = config.oauth().storeLossQuiet()
                .orElse(config.oauth().tokenCallLimit().plus(config.oauth().leaseTtl()));
    }

    void remember(@Observes StartupEvent event) {
        try {
            look();
        } catch (RuntimeException e) {
            LOG.debugf("The custody epoch could not be read at start-up (%s); read at the first refresh", e.getMessage());
        }
    }

    /**
     * The revision poll saw a loss (possibly a stale copy that kept the epoch): quiet from now, and remember
     * the epoch as it is now, so that the next look does not take this same loss for another one.
     */
    void lost(@Observes StoreLost event) {
        quietFor("the store lost its data");
        try {
            look();
        } catch (RuntimeException e) {
            LOG.debugf("The custody epoch could not be read after the loss (%s); read at the next refresh",
                    e.getMessage());
        }
    }

    /** Whether a token exchange may begin now; a store failure propagates (nothing is begun then). */
    synchronized boolean mayBeginExchange() {
        look();
        return !clock.instant().isBefore(quietUntil);
    }

    private synchronized void look() {
        Optional<String> stored = store.get(KEY);
        String seen = stored.orElse(null);
        if (seen == null) {
            String fresh = HexFormat.of().formatHex(randomBytes()) + "/" + clock.millis() + "/" + (epoch != null);
            seen = store.putIfAbsent(KEY, fresh, EPOCH_TTL) ? fresh : store.get(KEY).orElse(fresh);
        } else {
            store.expireIfEquals(KEY, seen, EPOCH_TTL);
        }
        if (epoch != null && !epoch.equals(seen)) {
            // A loss long past (this replica made no exchange since) needs no quiet: what was out then is over.
            if (recent(seen)) {
                quietFor("the store lost its data (custody epoch replaced)");
            }
        } else if (epoch == null && restoredRecently(seen)) {
            quietUntil = Instant.ofEpochMilli(createdAt(seen)).plus(quiet);
            LOG.warnf("The store lost its data shortly before this replica started: no token exchange begins "
                    + "before %s", quietUntil);
        }
        epoch = seen;
    }

    private synchronized void quietFor(String why) {
        Instant until = clock.instant().plus(quiet);
        if (until.isAfter(quietUntil)) {
            quietUntil = until;
            LOG.warnf("%s: no token exchange begins before %s, in case one was out when it happened", why, until);
        }
    }

    private boolean restoredRecently(String value) {
        return value.endsWith("/true") && recent(value);
    }

    /** Whether the epoch {@code value} was written within the quiet time (the loss is no older than that). */
    private boolean recent(String value) {
        return clock.instant().isBefore(Instant.ofEpochMilli(createdAt(value)).plus(quiet));
    }

    private static long createdAt(String value) {
        String[] parts = value.split("/");
        try {
            return parts.length == 3 ? Long.parseLong(parts[1]) : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private byte[] randomBytes() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return bytes;
    }
}
