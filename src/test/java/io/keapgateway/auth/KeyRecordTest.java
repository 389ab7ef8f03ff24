package io.keapgateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.keapgateway.error.ErrorCode;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a key copy held by a replica merges with the store's after a loss, and what counts as revoked. */
class KeyRecordTest {

    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant REVOKED = Instant.parse("2026-01-02T00:00:00Z");

    @Test
    void theNewerCopyWinsAndAnEqualOneIsNotWrittenAgain() {
        KeyRecord v3 = key(3, null);
        KeyRecord v5 = key(5, null);

        assertThat(v5.writeBackOver(v3)).contains(v5);
        assertThat(v3.writeBackOver(v5)).isEmpty();
        assertThat(v5.writeBackOver(v5)).isEmpty();
        assertThat(v5.writeBackOver(null)).contains(v5);
    }

    @Test
    void aRevocationIsNeverUndoneWhicheverCopyIsNewer() {
        KeyRecord revokedOlder = key(4, REVOKED);
        KeyRecord patchedNewer = key(6, null);

        KeyRecord merged = revokedOlder.writeBackOver(patchedNewer).orElseThrow();
        assertThat(merged.revokedAt()).isEqualTo(REVOKED);
        assertThat(merged.version()).isEqualTo(7);

        KeyRecord mergedTheOtherWay = patchedNewer.writeBackOver(revokedOlder).orElseThrow();
        assertThat(mergedTheOtherWay.revokedAt()).isEqualTo(REVOKED);
        assertThat(mergedTheOtherWay.version()).isEqualTo(7);
    }

    @Test
    void aKeyRevokedByAWriterWhoseClockRunsAheadIsRevokedAtOnce() {
        Instant readersNow = REVOKED.minusSeconds(30); // the reader's clock is 30 s behind the writer's
        ActiveKey key = ActiveKey.of(key(2, REVOKED));

        assertThat(KeyPolicy.denial(key, "GET", "/crm/rest/v1/contacts", null, null, readersNow))
                .hasValueSatisfying(denial -> assertThat(denial.code()).isEqualTo(ErrorCode.KEY_REVOKED));
    }

    private static KeyRecord key(long version, Instant revokedAt) {
        return new KeyRecord("AAAAAAAAAAAA", "k" + version, "default", List.of("full"), null, null, null, null,
                null, CREATED, revokedAt, "hash", null, null, null, version);
    }
}
