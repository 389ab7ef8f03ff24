package io.keapgateway.limits;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sends proxied GETs through one or more replicas as fast as a few clients can, for a fixed time, and tallies
 * what each replica answered. Each replica gets its own client loops; every loop sends its next request as
 * soon as the last one is answered.
 */
final class Hammer {

    /** Client loops per replica: enough to keep a bucket drained, few enough for two cores. */
    static final int LOOPS_PER_REPLICA = 2;

    /**
     * What one replica answered.
     *
     * @param statuses count per HTTP status
     * @param policies every {@code RateLimit-Policy} seen on a 200
     */
    record Tally(Map<Integer, Integer> statuses, Set<String> policies) {

        /** Answers 200: forwarded to Keap and relayed. */
        int forwarded() {
            return statuses.getOrDefault(200, 0);
        }

        int total() {
            return statuses.values().stream().mapToInt(Integer::intValue).sum();
        }

        /** Answers other than 200 and 429 (a 5xx, for instance). */
        Map<Integer, Integer> unexpected() {
            Map<Integer, Integer> other = new TreeMap<>(statuses);
            other.remove(200);
            other.remove(429);
            return other;
        }
    }

    /**
     * The tallies, one per replica in the order given, and how long the hammering took from the first
     * request sent to the last answer received.
     */
    record Result(List<Tally> replicas, Duration elapsed) {

        int forwarded() {
            return replicas.stream().mapToInt(Tally::forwarded).sum();
        }

        /** Every request sent, whatever the answer. */
        int total() {
            return replicas.stream().mapToInt(Tally::total).sum();
        }
    }

    private Hammer() {
    }

    /** Hammers every replica in {@code baseUrls} with {@code key} for {@code duration}. */
    static Result run(Duration duration, String key, String... baseUrls) throws Exception {
        int loops = baseUrls.length * LOOPS_PER_REPLICA;
        ExecutorService threads = Executors.newFixedThreadPool(loops);
        try {
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            List<Future<Tally>> running = new ArrayList<>(loops);
            for (int i = 0; i < loops; i++) {
                String baseUrl = baseUrls[i % baseUrls.length];
                running.add(threads.submit(() -> loop(baseUrl, key, end)));
            }
            List<Tally> tallies = new ArrayList<>();
            for (String ignored : baseUrls) {
                tallies.add(new Tally(new TreeMap<>(), new TreeSet<>()));
            }
            for (int i = 0; i < loops; i++) {
                Tally loop = running.get(i).get();
                Tally replica = tallies.get(i % baseUrls.length);
                loop.statuses().forEach((status, count) -> replica.statuses().merge(status, count, Integer::sum));
                replica.policies().addAll(loop.policies());
            }
            return new Result(tallies, Duration.ofNanos(System.nanoTime() - start));
        } finally {
            threads.shutdownNow();
        }
    }

    private static Tally loop(String baseUrl, String key, long endNanos) {
        Tally tally = new Tally(new TreeMap<>(), new TreeSet<>());
        while (System.nanoTime() < endNanos) {
            HttpResponse<String> answer = ProxyCalls.get(baseUrl, key);
            tally.statuses().merge(answer.statusCode(), 1, Integer::sum);
            if (answer.statusCode() == 200) {
                answer.headers().firstValue("RateLimit-Policy").ifPresent(tally.policies()::add);
            }
        }
        return tally;
    }
}
