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
import org.jboss.logging.Logger;

/**
 * The stored copy of every connection's grant: one versioned document per connection, tokens sealed, and
 * writes are compare-and-sets on the version a grant was made from (versions are counters), so that no
 * replica can put an older grant back and no late refresh can undo a newer grant. Also
 * the last refresh error per connection, kept apart so that recording one does not make a new version.
 * Blocking: call from worker threads.
 */
@ApplicationScoped
class GrantVault {

    /** The store map of the last refresh error of each connection. */
    static final String ERRORS = "token-errors";
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

    /** False when a stored token of the connection is sealed with another key than the current one. */
    boolean sealedWithCurrentKey(String connection) {
        return store.getVersioned(key(connection)).map(stored -> documents.read(stored.value(), StoredGrant.class))
                .map(sealed -> current(sealed.sealedAccessToken()) && current(sealed.sealedRefreshToken()))
                .orElse(true);
    }

    private boolean current(String sealed) {
        return sealed == null || box.sealedWithCurrentKey(sealed);
    }

    /** Writes {@code grant} back unless the store holds its version or a newer one; true if saved. */
    boolean save(String connection, Grant grant) {
        return store.putIfNewer(key(connection), new Versioned(grant.version(), sealed(connection, grant)));
    }

    /**
     * Saves {@code grant} only while the store holds an older version or nothing (the store lost its data);
     * true if saved, also when {@code document} itself is stored already (a retry after a lost answer).
     */
    boolean saveIfNothingNewer(String connection, Grant grant, String document) {
        Versioned mine = new Versioned(grant.version(), document);
        return store.putIfNewer(key(connection), mine)
                || store.getVersioned(key(connection)).filter(mine::equals).isPresent();
    }

    /**
     * Saves {@code grant} only while the store still holds version {@code basis} (the grant it was made from),
     * or nothing at all (the store lost its data); true if saved. {@code document} is {@link #sealed} once, so
     * that a retry after a lost answer finds its own write rather than a conflict.
     */
    boolean saveIfStill(String connection, long basis, Grant grant, String document) {
        return store.putIfVersion(key(connection), basis, new Versioned(grant.version(), document));
    }

    /**
     * Stores {@code grant} under a new version, replacing whatever is stored (a new connection, or a
     * tombstone): a refresh of the replaced grant that lands later fails its version check. {@code known} is
     * the newest version the caller knows of, so that the new one outranks it even if the store lost it.
     */
    Grant replace(String connection, long known, Grant grant) {
        long version = store.replaceVersioned(key(connection), known, sealed(connection, grant));
        return grant.withVersion(version);
    }

    /** The grant as stored: tokens sealed, as a document. */
    String sealed(String connection, Grant grant) {
        return documents.write(seal(connection, grant));
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
