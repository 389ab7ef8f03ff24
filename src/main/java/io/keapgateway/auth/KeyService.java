package io.keapgateway.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keapgateway.audit.AuditLog;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.secret.Hmac;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreNames;
import io.keapgateway.store.StoreSync;
import io.keapgateway.store.StoreUnreadable;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Issues, changes, rotates and revokes gateway keys. Every change is audited and reaches all replicas. Each
 * is a compare-and-set on the key's version: a change that lost a race with another one is refused with
 * {@code conflict} (a revocation instead tries again on the newer record, so it always happens).
 */
@ApplicationScoped
public class KeyService {

    /** A key together with its secret, which exists only in this answer. */
    public record Issued(KeyRecord record, String key) {
        @Override
        public String toString() {
            return "Issued[" + record.id() + "]";
        }
    }

    private static final Logger LOG = Logger.getLogger(KeyService.class);

    private final Store store;
    private final StoreSync sync;
    private final Documents documents;
    private final ObjectMapper json;
    private final Hmac pepper;
    private final AuditLog audit;
    private final Clock clock;
    // Per bean, created at run time: a static generator would be frozen, seed and all, into a native image.
    private final SecureRandom random = new SecureRandom();
    /** How often a revocation re-reads a key that another write changed under it. */
    private static final int REVOKE_ATTEMPTS = 5;

    KeyService(Store store, StoreSync sync, Documents documents, ObjectMapper json, Hmac pepper, AuditLog audit,
            Clock clock) {
        this.store = store;
        this.sync = sync;
        this.documents = documents;
        this.json = json;
        this.pepper = pepper;
        this.audit = audit;
        this.clock = clock;
    }

    public Issued create(JsonNode body, String actor) {
        KeyFields fields = KeyFields.read(body);
        String id = KeyFormat.newId(random);
        String secret = KeyFormat.newSecret(random);
        KeyRecord record = save(Store.ABSENT, apply(fields, new KeyRecord(id, null, null, null, null, null, null,
                null, null, clock.instant(), null, pepper.hex(secret), null, null, null, 0)));
        audit.record(actor, "key.create", id, "name=" + record.name() + " connection=" + record.connection());
        return new Issued(record, KeyFormat.compose(id, secret));
    }

    public KeyRecord get(String id) {
        return store.mapGet(StoreNames.KEYS, id).map(doc -> documents.read(doc, KeyRecord.class))
                .orElseThrow(() -> new GatewayException(ErrorCode.NOT_FOUND, "There is no key '" + id + "'."));
    }

    /** Every readable key, newest first; an unreadable one is left out and named in the log (as on reload). */
    public List<KeyRecord> list() {
        List<KeyRecord> keys = new ArrayList<>();
        store.mapEntries(StoreNames.KEYS).forEach((id, document) -> {
            try {
                keys.add(documents.read(document, KeyRecord.class));
            } catch (StoreUnreadable e) {
                LOG.errorf("Key %s is unreadable and is not listed: %s", id, e.getMessage());
            }
        });
        keys.sort(Comparator.comparing(KeyRecord::createdAt).reversed());
        return keys;
    }

    public KeyRecord patch(String id, JsonNode patch, String actor) {
        KeyRecord current = get(id);
        KeyRecord changed = save(current.version(), apply(KeyFields.merge(KeyFields.of(current), patch, json), current));
        audit.record(actor, "key.update", id, "fields=" + fieldNames(patch));
        return changed;
    }

    /** Revokes the key now; revoking twice keeps the first time. */
    public void revoke(String id, String actor) {
        for (int attempt = 1; attempt <= REVOKE_ATTEMPTS; attempt++) {
            KeyRecord current = get(id);
            if (current.revokedAt() != null) {
                return;
            }
            try {
                save(current.version(), current.revoked(clock.instant()));
                audit.record(actor, "key.revoke", id, null);
                return;
            } catch (GatewayException e) {
                if (e.code() != ErrorCode.CONFLICT || attempt == REVOKE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** A new secret; the old one stays valid for {@code grace} (zero: not at all). */
    public Issued rotate(String id, Duration grace, String actor) {
        KeyRecord current = get(id);
        if (current.revokedAt() != null) {
            throw new GatewayException(ErrorCode.VALIDATION_FAILED, "A revoked key cannot be rotated.");
        }
        String secret = KeyFormat.newSecret(random);
        Instant graceUntil = grace.isZero() ? null : clock.instant().plus(grace);
        KeyRecord rotated = save(current.version(), current.withSecret(pepper.hex(secret), graceUntil));
        audit.record(actor, "key.rotate", id, "grace_seconds=" + grace.toSeconds());
        return new Issued(rotated, KeyFormat.compose(id, secret));
    }

    private static KeyRecord apply(KeyFields fields, KeyRecord base) {
        return new KeyRecord(base.id(), fields.name(), fields.connection(), fields.scopes(), fields.rate(),
                fields.dailyQuota(), fields.priority(), fields.expiresAt(), fields.allowedIps(), base.createdAt(),
                base.revokedAt(), base.secretHash(), base.previousSecretHash(), base.previousSecretValidUntil(),
                fields.maxConcurrent(), base.version());
    }

    /** Stores {@code record} as the next version, if the stored key is still at {@code expectedVersion}. */
    private KeyRecord save(long expectedVersion, KeyRecord record) {
        KeyRecord next = record.withVersion(expectedVersion == Store.ABSENT ? 1 : expectedVersion + 1);
        long revision = store.catalogPut(StoreNames.KEYS, next.id(), expectedVersion, next.version(),
                documents.write(next)).orElseThrow(() -> new GatewayException(ErrorCode.CONFLICT,
                        "Key '" + next.id() + "' was changed by another request meanwhile; read it again and retry."));
        sync.changed(revision);
        return next;
    }

    private static String fieldNames(JsonNode patch) {
        StringBuilder names = new StringBuilder();
        patch.fieldNames().forEachRemaining(name -> names.append(names.length() == 0 ? "" : ",").append(name));
        return names.toString();
    }
}
