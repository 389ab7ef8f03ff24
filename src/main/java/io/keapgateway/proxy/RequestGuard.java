package io.keapgateway.proxy;

import io.keapgateway.error.ErrorCode;
import io.keapgateway.error.GatewayException;
import io.keapgateway.error.ProblemResponses;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * First handler of every request on the main port: gives it a request id, and refuses what no route should
 * see: methods outside {@link #METHODS} (TRACE would echo the Keap credential back; CONNECT and unknown
 * methods have no meaning here), malformed request-targets and ambiguous body framing (the material of
 * request smuggling).
 */
final class RequestGuard implements Handler<RoutingContext> {

    /** Routing-context key of the request id. */
    static final String REQUEST_ID = "keap-gateway.request-id";
    /** Routing-context key of the checked {@link RequestTarget}. */
    static final String TARGET = "keap-gateway.target";

    /** The methods any route of the gateway (and Keap's REST and XML-RPC APIs) uses. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private static final String ALLOW = String.join(", ", new TreeSet<>(METHODS));

    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:\\-]{1,128}");

    /** Largest body accepted outside the proxy (admin API JSON). */
    private static final long ADMIN_MAX_BODY = 1024 * 1024;

    /** Admin methods that carry no body. */
    private static final Set<String> BODILESS = Set.of("GET", "HEAD", "DELETE", "OPTIONS");

    private final long proxyMaxBody;
    private final Duration refusedBodyTimeout;
    /**
     * Reads admin bodies, of an announced length or not (chunked, or HTTP/2 without Content-Length), failing the
     * request with 413 past {@link #ADMIN_MAX_BODY}; the REST layer then takes the body read here.
     */
    private final BodyHandler adminBodies = BodyHandler.create(false).setBodyLimit(ADMIN_MAX_BODY);

    RequestGuard(long proxyMaxBody, Duration refusedBodyTimeout) {
        this.proxyMaxBody = proxyMaxBody;
        this.refusedBodyTimeout = refusedBodyTimeout;
    }

    @Override
    public void handle(RoutingContext context) {
        HttpServerRequest request = context.request();
        String requestId = requestId(request.getHeader("X-Request-Id"));
        context.put(REQUEST_ID, requestId);
        request.response().putHeader("X-Request-Id", requestId);
        if (request.uri().startsWith("/crm/")) {
            Forwarder.asData(request.response()); // once, for the relay and any refusal alike
        }
        boolean proxied;
        try {
            checkFraming(request.headers());
        } catch (GatewayException error) {
            ProblemResponses.refuseUnframed(request, error, requestId);
            return;
        }
        try {
            checkMethod(request.method().name());
            RequestTarget target = RequestTarget.parse(request.uri());
            proxied = target.rawPath().startsWith("/crm/");
            checkLength(request.headers(), proxied ? proxyMaxBody : ADMIN_MAX_BODY);
            context.put(TARGET, target);
        } catch (GatewayException error) {
            ProblemResponses.refuse(context, error, requestId, refusedBodyTimeout);
            return;
        }
        // Every admin body is read whole here, under the server idle timeout, before any admin work starts: from
        // then on the gateway owes the answer (OwedAnswers). Not over HTTP/2: the REST layer pauses every request
        // it is handed, and Vert.x refuses to pause an HTTP/2 request already read to its end, so each admin
        // call with a body answered a bare 500 (quarkusio/quarkus#34393; Java's HttpClient upgrades to h2c).
        // There the REST layer reads the body, after the admin token is checked (a pre-matching filter), held
        // to ADMIN_MAX_BODY by its announced length above.
        // A body announced as empty (Content-Length: 0) is left to the REST layer: read here first, the call was
        // never answered (KeysAdminTest).
        if (!proxied && request.version() != HttpVersion.HTTP_2 && (ClientBody.declared(request)
                || !BODILESS.contains(request.method().name()) && request.getHeader("Content-Length") == null)) {
            adminBodies.handle(context);
            return;
        }
        context.next();
    }

    /** The client's request id if it is a sane token, else a new one. */
    static String requestId(String fromClient) {
        if (fromClient != null && CLIENT_REQUEST_ID.matcher(fromClient).matches()) {
            return fromClient;
        }
        return randomUuid();
    }

    /**
     * A random (version 4) UUID from {@link ThreadLocalRandom}: a request id only needs to be unique, not
     * unguessable, and {@link UUID#randomUUID()} draws on one shared SecureRandom for every request.
     */
    static String randomUuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
        long low = (random.nextLong() & ~(0x3L << 62)) | (0x2L << 62); // IETF variant
        return new UUID(high, low).toString();
    }

    private static void checkMethod(String method) {
        if (!METHODS.contains(method)) {
            throw new GatewayException(ErrorCode.METHOD_NOT_ALLOWED,
                    "The gateway does not accept this method.", Map.of("Allow", ALLOW));
        }
    }

    /** One unambiguous framing: at most one numeric Content-Length, or chunked alone. */
    static void checkFraming(MultiMap headers) {
        List<String> lengths = headers.getAll("Content-Length");
        List<String> encodings = headers.getAll("Transfer-Encoding");
        if (!encodings.isEmpty()) {
            if (!lengths.isEmpty()) {
                throw bad("Content-Length and Transfer-Encoding must not both be sent.");
            }
            if (encodings.size() != 1 || !encodings.get(0).trim().toLowerCase(Locale.ROOT).equals("chunked")) {
                throw bad("Only 'Transfer-Encoding: chunked' is accepted.");
            }
            return;
        }
        if (lengths.isEmpty()) {
            return;
        }
        if (lengths.size() != 1 || !lengths.get(0).trim().matches("[0-9]{1,18}")) {
            throw bad("Exactly one numeric Content-Length is accepted.");
        }
    }

    /** A declared length within the size limit (the framing was checked first). */
    static void checkLength(MultiMap headers, long maxBody) {
        String length = headers.get("Content-Length");
        if (length != null && Long.parseLong(length.trim()) > maxBody) {
            throw new GatewayException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "The request body is larger than the gateway accepts (" + maxBody + " bytes).");
        }
    }

    private static GatewayException bad(String detail) {
        return new GatewayException(ErrorCode.BAD_REQUEST, detail);
    }
}
