package io.keapgateway.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory store's capped lists, as the activity log uses them on a single replica. */
class MemoryStoreListsTest {

    @Test
    void pushesBatchesNewestFirstAndKeepsOnlyTheCap() {
        MemoryStore store = new MemoryStore(Clock.systemUTC());
        Map<String, List<String>> batch = new LinkedHashMap<>();
        batch.put("a", List.of("a1", "a2", "a3"));
        batch.put("b", List.of("b1"));
        store.pushCappedAll(batch, 3);
        store.pushCappedAll(Map.of("a", List.of("a4")), 3);

        assertThat(store.first("a", 10)).containsExactly("a4", "a3", "a2");
        assertThat(store.first("b", 10)).containsExactly("b1");
    }
}
