package io.keapgateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keapgateway.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** {@link Batches} against a stand-in for {@code limiter.lua} that counts what it is asked for. */
class BatchesTest {

    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final long LIFETIME = 1000;
    /** Key: 100/s, burst 100; connection: 1000/s, burst 1000. */
    private static final EffectiveLimits ROOMY = new EffectiveLimits(100, 100, 0, 1000, 1000, 0, false);

    /** A bucket of {@code left} requests; answers as the script does, and notes every batch asked for. */
    private static class FakeRedis {
        long left;
        final List<Integer> asked = new ArrayList<>();

        FakeRedis(long left) {
            this.left = left;
        }

        IntFunction<Uni<Reservation>> reserve() {
            return batch -> {
                asked.add(batch);
                if (left == 0) {
                    return Uni.createFrom().item(new Reservation(
                            new Verdict(false, "key", ErrorCode.RATE_LIMITED, 500, 100, 1, 0, 500), 0, 0, false, 1));
                }
                int granted = (int) Math.min(batch, left);
                left -= granted;
                return Uni.createFrom().item(new Reservation(
                        new Verdict(true, "key", null, 0, 100, 1, left, 10), granted, 10, true, 1));
            };
        }
    }

    private final Batches batches = new Batches(16, LIFETIME);

    private Verdict decide(FakeRedis redis, String keyId, long now) {
        return decide(redis, keyId, ROOMY, 1, now);
    }

    private Verdict decide(FakeRedis redis, String keyId, EffectiveLimits limits, int replicas, long now) {
        return batches.decide("default", keyId, limits, replicas, now, redis.reserve(), null).await().atMost(WAIT);
    }

    @Test
    void aSteadyStreamAsksRedisForDoublingBatchesUpToTheMaximum() {
        FakeRedis redis = new FakeRedis(1000);
        for (int i = 0; i < 100; i++) {
            assertThat(decide(redis, "k1", 0).allowed()).isTrue();
        }
        assertThat(redis.asked).startsWith(1, 2, 4, 8, 16).allMatch(batch -> batch <= 16);
        assertThat(redis.asked.size()).as("script calls for 100 requests").isLessThanOrEqualTo(10);
    }

    @Test
    void sporadicRequestsKeepBatchesOfOne() {
        FakeRedis redis = new FakeRedis(1000);
        for (int i = 0; i < 5; i++) {
            decide(redis, "k1", i * LIFETIME);
        }
        assertThat(redis.asked).containsExactly(1, 1, 1, 1, 1);
    }

    @Test
    void aBatchIsAtMostAQuarterOfTheBurstWithTwoReplicasAndOneWithASmallBurst() {
        FakeRedis redis = new FakeRedis(1000);
        EffectiveLimits smallKey = new EffectiveLimits(10, 8, 0, 1000, 1000, 0, false);
        for (int i = 0; i < 20; i++) {
            decide(redis, "k1", smallKey, 2, 0);
        }
        assertThat(redis.asked).allMatch(batch -> batch <= 2); // 8 / (2 × 2 replicas)

        FakeRedis other = new FakeRedis(1000);
        EffectiveLimits tiny = new EffectiveLimits(5, 5, 0, 5, 5, 0, false);
        for (int i = 0; i < 5; i++) {
            decide(other, "k2", tiny, 1, 0);
        }
        assertThat(other.asked).containsExactly(1, 1, 1, 1, 1);
    }

    @Test
    void whatAConnectionsKeysHoldTogetherStaysUnderHalfItsBurst() {
        FakeRedis redis = new FakeRedis(10_000);
        EffectiveLimits limits = new EffectiveLimits(1000, 1000, 0, 1000, 16, 0, false); // connection burst 16
        for (int key = 0; key < 10; key++) {
            for (int i = 0; i < 13; i++) { // batches 1, 2, 4, then 6 with 5 left unspent
                decide(redis, "k" + key, limits, 1, 0);
                long held = 0;
                for (int other = 0; other < 10; other++) {
                    held += batches.pending("default", "k" + other).requestsToday();
                }
                assertThat(held).as("held by the connection's keys").isLessThanOrEqualTo(8); // 16 / 2
            }
        }
        assertThat(redis.asked).as("batches were taken at all").anyMatch(batch -> batch > 1);
    }

    @Test
    void theBatchsRequestsCountDownTheRemainingAsIfEachHadAsked() {
        FakeRedis redis = new FakeRedis(1000);
        List<Long> remaining = new ArrayList<>();
        for (int i = 0; i < 7; i++) { // batches 1, 2, 4
            remaining.add(decide(redis, "k1", 0).remaining());
        }
        assertThat(remaining).containsExactly(999L, 998L, 997L, 996L, 995L, 994L, 993L);
    }

    @Test
    void aDenialIsRepeatedLocallyUntilTheBucketRefills() {
        FakeRedis redis = new FakeRedis(0);
        Verdict first = decide(redis, "k1", 0);
        assertThat(first.allowed()).isFalse();
        Verdict repeated = decide(redis, "k1", 300);
        assertThat(repeated.allowed()).isFalse();
        assertThat(repeated.retryMillis()).isEqualTo(200);
        assertThat(repeated.limit()).isEqualTo("key");
        assertThat(redis.asked).as("denied here at no Redis cost").hasSize(1);

        decide(redis, "k1", 500);
        assertThat(redis.asked).as("asked again once the bucket could have refilled").hasSize(2);
        assertThat(batches.pending("default", "k1").deniedToday()).as("one denial counted by the script")
                .isEqualTo(1);
    }

    @Test
    void aConnectionsDenialHoldsForEveryKeyOfItAndAKeysForThatKeyAlone() {
        FakeRedis denying = new FakeRedis(0) {
            @Override
            IntFunction<Uni<Reservation>> reserve() {
                return batch -> {
                    asked.add(batch);
                    return Uni.createFrom().item(new Reservation(
                            new Verdict(false, "connection", ErrorCode.RATE_LIMITED, 400, 5, 1, 0, 400), 0, 0, false, 1));
                };
            }
        };
        assertThat(decide(denying, "k1", 0).allowed()).isFalse();
        assertThat(decide(denying, "k2", 100).allowed()).isFalse();
        assertThat(denying.asked).hasSize(1);

        FakeRedis keyDenial = new FakeRedis(0);
        FakeRedis roomy = new FakeRedis(10);
        decide(keyDenial, "k3", 1000);
        assertThat(decide(roomy, "k4", 1000).allowed()).isTrue();
        assertThat(roomy.asked).hasSize(1);
    }

    @Test
    void whatABatchDidNotSpendInTimeIsHandedBackOnItsDayAndTheNextBatchIsSmaller() {
        FakeRedis redis = new FakeRedis(1000);
        for (int i = 0; i < 4; i++) { // batches 1, 2, then 4 of which 1 spent
            decide(redis, "k1", 0);
        }
        assertThat(batches.pending("default", "k1").requestsToday()).isEqualTo(3);

        List<long[]> settled = new ArrayList<>();
        batches.settle(LIFETIME, (connection, keyId, limits, unused, denied, day) -> {
            settled.add(new long[] {unused, denied, day});
            return Uni.createFrom().voidItem();
        }).await().atMost(WAIT);
        assertThat(settled).hasSize(1);
        assertThat(settled.get(0)).containsExactly(3, 0, 1);
        assertThat(batches.pending("default", "k1").requestsToday()).isZero();

        decide(redis, "k1", LIFETIME + 1);
        assertThat(redis.asked).endsWith(2); // halved from 4
    }

    @Test
    void whatCannotBeSettledIsKeptForTheNextTry() {
        FakeRedis redis = new FakeRedis(0);
        decide(redis, "k1", 0);
        decide(redis, "k1", 100); // denied here: to count in Redis
        batches.settle(200, (connection, keyId, limits, unused, denied, day) ->
                Uni.createFrom().failure(new IllegalStateException("Redis down"))).await().atMost(WAIT);
        assertThat(batches.pending("default", "k1").deniedToday()).isEqualTo(1);

        List<Long> counted = new ArrayList<>();
        batches.settle(300, (connection, keyId, limits, unused, denied, day) -> {
            counted.add(denied);
            return Uni.createFrom().voidItem();
        }).await().atMost(WAIT);
        assertThat(counted).containsExactly(1L);
    }

    @Test
    void requestsArrivingDuringAReservationWaitForItInsteadOfAskingThemselves() {
        AtomicReference<UniEmitter<? super Reservation>> pending = new AtomicReference<>();
        List<Integer> asked = new ArrayList<>();
        IntFunction<Uni<Reservation>> slow = batch -> {
            asked.add(batch);
            return Uni.createFrom().<Reservation>emitter(pending::set);
        };
        // Make the key's next batch 2 first (a fully spent batch of one, then a quick second request).
        FakeRedis warm = new FakeRedis(1000);
        decide(warm, "k1", 0);

        List<Verdict> answers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            batches.decide("default", "k1", ROOMY, 1, 1, slow, null).subscribe().with(answers::add);
        }
        assertThat(asked).containsExactly(2);
        pending.get().complete(new Reservation(new Verdict(true, "key", null, 0, 100, 1, 50, 10), 2, 10, true, 1));
        assertThat(asked).as("the third request asks again once the batch of two is spent").hasSize(2);
        pending.get().complete(new Reservation(new Verdict(true, "key", null, 0, 100, 1, 49, 10), 1, 10, true, 1));
        assertThat(answers).hasSize(3).allMatch(Verdict::allowed);
    }

    @Test
    void aFailedReservationFailsEveryRequestWaitingForIt() {
        AtomicReference<UniEmitter<? super Reservation>> pending = new AtomicReference<>();
        IntFunction<Uni<Reservation>> slow = batch -> Uni.createFrom().<Reservation>emitter(pending::set);
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            batches.decide("default", "k1", ROOMY, 1, 0, slow, null).subscribe().with(v -> { }, failures::add);
        }
        pending.get().fail(new IllegalStateException("Redis timed out"));
        assertThat(failures).hasSize(2);
        assertThatThrownBy(() -> { throw failures.get(1); }).hasMessageContaining("timed out");
    }
}
