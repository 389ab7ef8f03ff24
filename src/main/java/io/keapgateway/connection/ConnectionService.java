package io.keapgateway.connection;

import io.keapgateway.audit.AuditLog;
import io.keapgateway.config.GatewayConfig;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.secret.Hmac;
import io.keapgateway.secret.SecretBox;
import io.keapgateway.store.Documents;
import io.keapgateway.store.Store;
import io.keapgateway.store.StoreNames;
import io.keapgateway.store.StoreSync;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/** Creates and changes connections, and seeds {@code default} from the environment at start-up. */
@ApplicationScoped
public class ConnectionService {

    /** The connection configured by {@code KEAP_GATEWAY_API_KEY} or {@code KEAP_GATEWAY_CLIENT_ID/_SECRET}. */
    public static final String DEFAULT = "default";

    private static final Logger LOG = Logger.getLogger(ConnectionService.class);
    /** Puts tried on top of records written back meanwhile (each replica writes back at most once per loss). */
    private static final int PUT_ATTEMPTS = 3;

    private final Store store;
    private final StoreSync sync;
    private final Documents documents;
    private final SecretBox box;
    private final Hmac pepper;
    private final AuditLog audit;
    private final Clock clock;

    ConnectionService(Store store, StoreSync sync, Documents documents, SecretBox box, Hmac pepper,
            AuditLog audit, Clock clock) {
        this.store = store;
        this.sync = sync;
        this.documents = documents;
        this.box = box;
        this.pepper = pepper;
        this.audit = audit;
        this.clock = clock;
    }

    /** What an operator may set: either an OAuth app or an api key. */
    public record Credentials(Mode mode, String clientId, String clientSecret, String apiKey) {
        @Override
        public String toString() {
            return "Credentials[" + mode + "]";
        }
    }

    /**
     * The environment is the source of truth for {@code default} at start-up: if it names a credential
     * that differs from the stored one, the stored one is replaced (and audited).
     */
    void seedDefault(@Observes @Priority(20) StartupEvent event, GatewayConfig config) {
        Optional<Credentials> fromEnvironment = config.apiKey().filter(k -> !k.isBlank())
                .map(key -> new Credentials(Mode.api_key, null, null, key.trim()))
                .or(() -> config.clientId().filter(id -> !id.isBlank()).map(id -> new Credentials(
                        Mode.oauth, id.trim(), config.clientSecret().map(String::trim).orElse(null), null)));
        fromEnvironment.ifPresent(credentials -> {
            try {
                String stored = stored(DEFAULT).map(ConnectionRecord::fingerprint).orElse(null);
                if (!fingerprint(credentials).equals(stored)) {
                    put(DEFAULT, credentials, "environment");
                } else {
                    // Stored already, perhaps by another replica after this one loaded the store: load it now,
                    // not at the next poll, as the ports open (and admin calls arrive) once start-up is over.
                    sync.poll();
                }
            } catch (GatewayException e) {
                // Another replica seeded it at the same moment (conflict), with the same environment: load its
                // copy now too.
                LOG.infof("Connection 'default' was seeded by another replica meanwhile: %s", e.getMessage());
                sync.poll();
            } catch (RuntimeException e) {
                // The store may be down at start-up; the stored connection (if any) is used once it answers.
                LOG.errorf("Could not seed connection 'default' from the environment: %s", e.getMessage());
            }
        });
    }

    /**
     * Creates or replaces connection {@code name}; the audit trail records who did it, never the secret.
     * A compare-and-set on the stored version: {@code conflict} when another write changed it meanwhile. A
     * record a replica wrote back meanwhile (into a store that lost its data) is older than this call, not a
     * change it lost a race to: the put is tried again on top of it.
     */
    public void put(String name, Credentials credentials, String actor) {
        Instant asked = clock.instant();
        String context = sealContext(name);
        String sealedSecret = seal(credentials.clientSecret(), context);
        String sealedApiKey = seal(credentials.apiKey(), context);
        String fingerprint = fingerprint(credentials);
        for (int attempt = 1; ; attempt++) {
            long expected = stored(name).map(ConnectionRecord::version).orElse(Store.ABSENT);
            long version = expected == Store.ABSENT ? 1 : expected + 1;
            ConnectionRecord record = new ConnectionRecord(name, credentials.mode(), credentials.clientId(),
                    sealedSecret, sealedApiKey, fingerprint, clock.instant(), version);
            OptionalLong revision = store.catalogPut(StoreNames.CONNECTIONS, name, expected, version,
                    documents.write(record));
            if (revision.isPresent()) {
                sync.changed(revision.getAsLong());
                audit.record(actor, "connection.put", name, "mode=" + credentials.mode());
                return;
            }
            boolean restoredMeanwhile = stored(name).map(now -> now.updatedAt().isBefore(asked)).orElse(false);
            if (!restoredMeanwhile || attempt == PUT_ATTEMPTS) {
                throw new GatewayException(ErrorCode.CONFLICT,
                        "Connection '" + name + "' was changed by another request meanwhile; try again.");
            }
        }
    }

    private Optional<ConnectionRecord> stored(String name) {
        return store.mapGet(StoreNames.CONNECTIONS, name).map(doc -> documents.read(doc, ConnectionRecord.class));
    }

    /** Sealed secrets are bound to their connection, so one cannot be copied onto another. */
    static String sealContext(String name) {
        return "connection:" + name;
    }

    private String seal(String secret, String context) {
        return secret == null ? null : box.seal(secret, context);
    }

    private String fingerprint(Credentials credentials) {
        return pepper.hex(credentials.mode() + "\n" + credentials.clientId() + "\n" + credentials.clientSecret()
                + "\n" + credentials.apiKey());
    }
}
