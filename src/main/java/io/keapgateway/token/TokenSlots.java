package io.keapgateway.token;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** This replica's {@link TokenSlot} of every connection it has seen, by connection name. */
@ApplicationScoped
class TokenSlots {

    private final ConcurrentHashMap<String, TokenSlot> slots = new ConcurrentHashMap<>();
    private final Clock clock;

    TokenSlots(Clock clock) {
        this.clock = clock;
    }

    TokenSlot of(String connection) {
        TokenSlot slot = slots.get(connection); // the hot path: no allocation when the slot exists
        return slot != null ? slot : slots.computeIfAbsent(connection, name -> new TokenSlot(clock));
    }

    /** Connections with a renewal in flight or a pair not saved yet. */
    Set<String> busy() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        slots.forEach((name, slot) -> {
            if (slot.busy()) {
                names.add(name);
            }
        });
        return names;
    }

    /** Connections this replica holds a grant for (including tombstones), e.g. to write them back. */
    Set<String> held() {
        Set<String> names = ConcurrentHashMap.newKeySet();
        slots.forEach((name, slot) -> {
            if (slot.grant() != null) {
                names.add(name);
            }
        });
        return names;
    }
}
