package io.keapgateway.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.activity.KeyActivity.Request;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Paging a key's activity: a cursor neither repeats nor skips a request, requests of one instant included. */
class ActivityPageTest {

    private static final Instant T = Instant.parse("2026-12-07T21:00:00.123456Z");

    @Test
    void pagesThroughRequestsOfTheSameInstantWithoutRepeatingOrSkipping() {
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            // Newest first: three of the same instant, then four others, one of them refused.
            Instant at = i < 3 ? T : T.minusSeconds(i);
            requests.add(new Request(at, "GET", "/r/" + i, i == 5 ? 403 : 200, i == 5 ? null : 10L));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ActivityPage page = ActivityPage.of(requests, ActivityPage.Query.parse(null, cursor, "2"));
            page.requests().forEach(r -> seen.add(r.path()));
            cursor = page.next();
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactly("/r/0", "/r/1", "/r/2", "/r/3", "/r/4", "/r/5", "/r/6");
        assertThat(pages).isEqualTo(4);
    }

    @Test
    void filtersBeforePaging() {
        List<Request> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(new Request(T.minusSeconds(i), "POST", "/r/" + i, i % 2 == 0 ? 403 : 502, null));
        }
        ActivityPage denied = ActivityPage.of(requests, ActivityPage.Query.parse("denied", null, "2"));
        assertThat(denied.requests()).extracting(Request::path).containsExactly("/r/0", "/r/2");
        ActivityPage rest = ActivityPage.of(requests, ActivityPage.Query.parse("denied", denied.next(), "2"));
        assertThat(rest.requests()).extracting(Request::path).containsExactly("/r/4");
        assertThat(rest.next()).isNull();
        assertThat(ActivityPage.of(requests, ActivityPage.Query.parse("5xx", null, "10")).requests()).hasSize(3);
        assertThat(ActivityPage.of(requests, ActivityPage.Query.parse("2xx", null, "10")).requests()).isEmpty();
    }
}
