package io.keapgateway.token;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/**
 * Keeps this replica's memory and the store in step for one connection: a newer stored grant is adopted; a
 * grant the store lost (Redis restarted empty, flushed, failed over to a stale copy) is written back from
 * memory, never over a newer version. That is why losing Redis does not cost a re-authorization. Blocking.
 */
@ApplicationScoped
class GrantReconciler {

    private final TokenSlots slots;
    private final GrantVault vault;
    private final CustodyEvents events;

    GrantReconciler(TokenSlots slots, GrantVault vault, CustodyEvents events) {
        this.slots = slots;
        this.vault = vault;
        this.events = events;
    }

    /** The newest grant after comparing memory and store, or null when neither has one. */
    Grant reconcile(String connection) {
        TokenSlot slot = slots.of(connection);
        Optional<Grant> stored = vault.load(connection);
        Grant held = slot.stored(); // never an unsaved pair: only its own compare-and-set may write that
        if (held != null && held.newerThan(stored.orElse(null))) {
            if (vault.save(connection, held)) {
                events.writtenBack(connection, held);
                return slot.grant();
            }
            stored = vault.load(connection); // another replica wrote first: its version is at least as new
        }
        return slot.adopt(stored.orElse(null));
    }
}
