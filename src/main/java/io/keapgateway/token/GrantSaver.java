package io.keapgateway.token;

import io.keapgateway.config.GatewayConfig;
import io.keapgateway.keap.TokenResponse;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Makes a pair Keap issued durable. Keap has rotated by then, so the pair is never thrown away for a store
 * failure: it is served from memory and saved again with backoff until the store answers (whether Redis came
 * back empty or with its data). It is discarded only when its compare-and-set finds that the grant it was
 * refreshed from was replaced (forgotten, re-connected) meanwhile, and then audited.
 */
@ApplicationScoped
class GrantSaver {

    private static final Logger LOG = Logger.getLogger(GrantSaver.class);
    private static final Duration FIRST_RETRY = Duration.ofMillis(100);

    private final TokenSlots slots;
    private final GrantVault vault;
    private final CustodyEvents events;
    private final Clock clock;
    private final Duration longestRetry;

    GrantSaver(TokenSlots slots, GrantVault vault, CustodyEvents events, Clock clock, GatewayConfig config) {
        this.slots = slots;
        this.vault = vault;
        this.events = events;
        this.clock = clock;
        this.longestRetry = config.oauth().saveRetryBackoff();
    }

    /**
     * Saves the pair refreshed from {@code used} as its next version; {@code settled} runs once it is saved or
     * discarded. Answers the grant to serve with: the pair (saved or held in memory until it is), or the grant
     * that replaced {@code used}.
     */
    Uni<Grant> keepRotated(String name, Grant used, TokenResponse response, String actor, Runnable settled) {
        Grant rotated = used.rotated(used.version() + 1, response, clock.instant());
        String document = vault.sealed(name, rotated); // once: a retry then finds its own write, not a conflict
        return Blocking.call(() -> settle(name, used, rotated, document, actor))
                .invoke(settled)
                .onFailure().recoverWithItem(failure -> {
                    LOG.errorf("Could not save the refreshed grant of connection %s (%s); serving version %d from "
                            + "memory and saving it as soon as the store answers", name, failure.getMessage(),
                            rotated.version());
                    slots.of(name).holdUnsaved(rotated);
                    Blocking.call(() -> settle(name, used, rotated, document, actor))
                            .onFailure().retry().withBackOff(FIRST_RETRY, longestRetry).indefinitely()
                            .subscribe().with(saved -> settled.run(), never -> settled.run());
                    return rotated;
                });
    }

    private Grant settle(String name, Grant used, Grant rotated, String document, String actor) {
        TokenSlot slot = slots.of(name);
        if (vault.saveIfStill(name, used.version(), rotated, document)) {
            slot.saved(rotated, rotated);
            vault.clearError(name);
            events.refreshed(name, rotated, actor);
            return rotated;
        }
        Grant stored = vault.load(name).orElse(null);
        slot.discard(rotated, stored);
        events.discarded(name, rotated, stored);
        return slot.grant();
    }

    /**
     * Stores a new grant (a code exchange, an adopted refresh token) over whatever is stored. If the store does
     * not answer, the grant is served from memory and saved in the background, and the caller gets
     * {@code store_unavailable} saying so. That background save is a compare-and-set like a refresh's: it lands
     * only while nothing newer than what this replica knew is stored, so a forget or re-connect made meanwhile
     * (by an operator who was told the save failed) is never undone.
     */
    Grant install(String name, TokenResponse response, String actor, String via) {
        TokenSlot slot = slots.of(name);
        Grant issued = Grant.issued(0, response, clock.instant());
        long known = slot.grant() == null ? 0 : slot.grant().version();
        try {
            return installed(name, vault.replace(name, known, issued), actor, via);
        } catch (RuntimeException storeFailure) {
            Grant unsaved = issued.withVersion(known + 1);
            slot.holdUnsaved(unsaved);
            LOG.errorf("Could not save the new grant of connection %s (%s); serving it from memory and saving it as "
                    + "soon as the store answers", name, storeFailure.getMessage());
            String document = vault.sealed(name, unsaved);
            Blocking.call(() -> vault.saveIfNothingNewer(name, unsaved, document))
                    .onFailure().retry().withBackOff(FIRST_RETRY, longestRetry).indefinitely()
                    .subscribe().with(saved -> settleInstalled(name, unsaved, saved, actor, via), never -> { });
            throw TokenProblems.savingRetried(name);
        }
    }

    private void settleInstalled(String name, Grant unsaved, boolean saved, String actor, String via) {
        TokenSlot slot = slots.of(name);
        if (saved) {
            slot.saved(unsaved, unsaved);
            installed(name, unsaved, actor, via);
            return;
        }
        Grant stored = vault.load(name).orElse(null);
        LOG.warnf("The grant Keap issued to connection %s was not saved after all: the grant was forgotten or "
                + "replaced meanwhile (version %s stored)", name, stored == null ? "none" : stored.version());
        slot.discard(unsaved, stored);
        events.discarded(name, unsaved, stored);
    }

    private Grant installed(String name, Grant saved, String actor, String via) {
        slots.of(name).adopt(saved);
        vault.clearError(name);
        events.connected(name, saved, actor, via);
        return saved;
    }

    /** Writes a tombstone over whatever is stored; fails with {@code store_unavailable}, changing nothing. */
    Grant forget(String name, String actor) {
        TokenSlot slot = slots.of(name);
        long known = slot.grant() == null ? 0 : slot.grant().version();
        Grant tombstone;
        try {
            tombstone = vault.replace(name, known, Grant.forgotten(0, clock.instant()));
        } catch (RuntimeException storeFailure) {
            throw TokenProblems.notDurable(name, "forgetting the tokens");
        }
        slot.adopt(tombstone);
        vault.clearError(name);
        events.forgotten(name, actor);
        return tombstone;
    }
}
