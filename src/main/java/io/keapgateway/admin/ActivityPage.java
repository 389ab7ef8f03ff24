package io.keapgateway.admin;

import io.keapgateway.activity.KeyActivity.Request;
import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One page of a key's activity: the requests of the chosen status classes, newest first, after a cursor.
 * The cursor names the last request shown by its instant and by how many requests of that same instant were
 * shown, so that a page never repeats or skips a request when new ones arrive meanwhile.
 *
 * @param next the cursor of the next page, or null when this is the last
 */
record ActivityPage(List<Request> requests, String next) {

    static final int MAX_LIMIT = 500;
    private static final Pattern CURSOR = Pattern.compile("(\\d{1,12})\\.(\\d{9})~(\\d{1,6})");

    /** The classes {@code ?status=} takes, comma-separated: {@code 2xx}, {@code 3xx}, …, and {@code denied}. */
    enum StatusClass {
        s2xx, s3xx, s4xx, s5xx, denied;

        boolean matches(Request request) {
            return this == denied ? request.denied() : request.status() / 100 == ordinal() + 2;
        }
    }

    /** A validated query: unknown classes, a malformed cursor and a limit out of range are a 400. */
    record Query(Set<StatusClass> classes, Instant before, int skip, int limit) {

        static Query parse(String status, String before, String limit) {
            Set<StatusClass> classes = EnumSet.noneOf(StatusClass.class);
            if (status != null && !status.isBlank()) {
                for (String name : status.split(",")) {
                    classes.add(statusClass(name.trim().toLowerCase(Locale.ROOT)));
                }
            }
            Instant at = null;
            int skip = 0;
            if (before != null) {
                Matcher cursor = CURSOR.matcher(before);
                if (!cursor.matches()) {
                    throw new GatewayException(ErrorCode.VALIDATION_FAILED,
                            "'before' is the cursor from the Link header of the previous page.");
                }
                at = Instant.ofEpochSecond(Long.parseLong(cursor.group(1)), Long.parseLong(cursor.group(2)));
                skip = Integer.parseInt(cursor.group(3));
            }
            int size;
            try {
                size = Integer.parseInt(limit);
            } catch (NumberFormatException e) {
                size = 0;
            }
            if (size < 1 || size > MAX_LIMIT) {
                throw new GatewayException(ErrorCode.VALIDATION_FAILED, "'limit' must be from 1 to " + MAX_LIMIT + ".");
            }
            return new Query(classes, at, skip, size);
        }

        private static StatusClass statusClass(String name) {
            return switch (name) {
                case "2xx" -> StatusClass.s2xx;
                case "3xx" -> StatusClass.s3xx;
                case "4xx" -> StatusClass.s4xx;
                case "5xx" -> StatusClass.s5xx;
                case "denied" -> StatusClass.denied;
                default -> throw new GatewayException(ErrorCode.VALIDATION_FAILED,
                        "'status' takes 2xx, 3xx, 4xx, 5xx and denied, comma-separated.");
            };
        }

        boolean wanted(Request request) {
            return classes.isEmpty() || classes.stream().anyMatch(c -> c.matches(request));
        }
    }

    /** The page of {@code newestFirst} (a key's requests, ordered by time, newest first) that {@code query} asks. */
    static ActivityPage of(List<Request> newestFirst, Query query) {
        List<Request> page = new ArrayList<>(query.limit());
        Instant runAt = null;
        int run = 0; // the request's place among those of its instant, 1 for the first, whatever their status
        int lastRun = 0;
        for (Request request : newestFirst) {
            run = request.at().equals(runAt) ? run + 1 : 1;
            runAt = request.at();
            if (query.before() != null) {
                int order = request.at().compareTo(query.before());
                if (order > 0 || (order == 0 && run <= query.skip())) {
                    continue;
                }
            }
            if (!query.wanted(request)) {
                continue;
            }
            if (page.size() == query.limit()) {
                return new ActivityPage(page, cursor(page.get(page.size() - 1).at(), lastRun));
            }
            page.add(request);
            lastRun = run;
        }
        return new ActivityPage(page, null);
    }

    private static String cursor(Instant at, int shownAtThatInstant) {
        return at.getEpochSecond() + "." + String.format(Locale.ROOT, "%09d", at.getNano()) + "~" + shownAtThatInstant;
    }
}
