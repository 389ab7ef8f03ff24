package io.keapgateway.token;

import io.keapgateway.secret.SecretBox;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.Store.Versioned;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.function.LongFunction;
import org.jboss.logging.Logger;

/**
 * The stored copy of every connection's grant: one versioned document per connection, tokens sealed, and
 * writes accepted only when newer than what is stored, so that no replica can put an older grant back. Also
 * the last refresh error per connection, kept apart so that recording one does not make a new version.
 * Blocking: call from worker threads.
 */
@ApplicationScoped
class GrantVault {

    /** The store map of the last refresh error of each connection. */
    static final String ERRORS = "token-errors";
    private static final int REPLACE_ATTEMPTS = 5;
    private static final Logger LOG = Logger.getLogger(GrantVault.class);

    /** The last failed refresh of a connection. */
    @RegisterForReflection
    record RefreshError(Instant at, String error) {
    }

    private final Store store;
    private final Documents documents;
    private final SecretBox box;
    private final Clock clock;

    GrantVault(Store store, Documents documents, SecretBox box, Clock clock) {
        this.store = store;
        this.documents = documents;
        this.box = box;
        this.clock = clock;
    }

    /** The store key of a connection's grant. */
    static String key(String connection) {
        return "token:" + connection;
    }

    Optional<Grant> load(String connection) {
        return store.getVersioned(key(connection)).map(stored -> open(connection, stored));
    }

    /** The stored version alone, without opening the tokens (0 when nothing is stored). */
    long storedVersion(String connection) {
        return store.getVersioned(key(connection)).map(Versioned::version).orElse(0L);
    }

    /** Saves {@code grant} unless the store holds its version or a newer one; true if saved. */
    boolean save(String connection, Grant grant) {
        return store.putIfNewer(key(connection), new Versioned(grant.version(), documents.write(seal(connection, grant))));
    }

    /**
     * Writes the grant {@code make} builds for the next version, whatever is stored: a new connection, or a
     * tombstone. A concurrent write (a refresh finishing) makes it try again on top of that one.
     */
    Grant replace(String connection, LongFunction<Grant> make) {
        for (int attempt = 0; attempt < REPLACE_ATTEMPTS; attempt++) {
            Grant grant = make.apply(nextVersion(storedVersion(connection)));
            if (save(connection, grant)) {
                return grant;
            }
        }
        throw new IllegalStateException("the stored grant of connection " + connection + " keeps changing");
    }

    /**
     * One more than {@code current}, and at least the wall clock in milliseconds: a grant written after the
     * store lost its copy then still outranks any older copy a replica might write back (replica clocks are
     * assumed to agree within far less than the time between two grants).
     */
    long nextVersion(long current) {
        return Math.max(current + 1, clock.millis());
    }

    /** Best effort: only the status view shows it, so a store failure here is logged, not raised. */
    void recordError(String connection, String error) {
        try {
            store.mapPut(ERRORS, connection, documents.write(new RefreshError(clock.instant(), error)));
        } catch (RuntimeException e) {
            LOG.debugf("Could not record the refresh error of connection %s: %s", connection, e.getMessage());
        }
    }

    /** Best effort, like {@link #recordError}. */
    void clearError(String connection) {
        try {
            store.mapRemove(ERRORS, connection);
        } catch (RuntimeException e) {
            LOG.debugf("Could not clear the refresh error of connection %s: %s", connection, e.getMessage());
        }
    }

    Optional<RefreshError> lastError(String connection) {
        return store.mapGet(ERRORS, connection).map(doc -> documents.read(doc, RefreshError.class));
    }

    private StoredGrant seal(String connection, Grant grant) {
        return new StoredGrant(grant.state(),
                grant.accessToken() == null ? null : box.seal(grant.accessToken(), context(connection, "access")),
                grant.refreshToken() == null ? null : box.seal(grant.refreshToken(), context(connection, "refresh")),
                grant.accessTokenExpiresAt(), grant.refreshedAt(), grant.tenant(), grant.reason());
    }

    private Grant open(String connection, Versioned stored) {
        StoredGrant sealed = documents.read(stored.value(), StoredGrant.class);
        return new Grant(stored.version(), sealed.state(),
                sealed.sealedAccessToken() == null ? null : box.open(sealed.sealedAccessToken(), context(connection, "access")),
                sealed.sealedRefreshToken() == null ? null : box.open(sealed.sealedRefreshToken(), context(connection, "refresh")),
                sealed.accessTokenExpiresAt(), sealed.refreshedAt(), sealed.tenant(), sealed.reason());
    }

    /** Binds a sealed token to its connection and kind. */
    private static String context(String connection, String kind) {
        return "oauth-" + kind + "-token:" + connection;
    }
}
