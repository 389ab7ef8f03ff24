package io.keapgateway.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver as the owner would write one (JDK HttpServer): it checks each message's signature
 * the way docs/notifications.md describes, refuses unsigned or forged ones with 401, and keeps the good ones.
 * It can be told to answer 500 to the next few messages, as a receiver that is down.
 */
final class WebhookReceiver implements AutoCloseable {

    private final HttpServer server;
    private final String secret;
    private final List<JsonNode> accepted = new ArrayList<>();
    private final AtomicInteger refusedSignatures = new AtomicInteger();
    private final AtomicInteger failedOnPurpose = new AtomicInteger();
    private final AtomicInteger failNext = new AtomicInteger();
    private final List<String> authorizations = new ArrayList<>();

    WebhookReceiver(String secret) throws IOException {
        this.secret = secret;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The URL to configure, with a path and credentials the gateway must never show. */
    String url(String userInfo, String secretPath) {
        return "http://" + userInfo + "@127.0.0.1:" + server.getAddress().getPort() + "/hooks/" + secretPath;
    }

    void failNext(int count) {
        failNext.set(count);
    }

    synchronized List<JsonNode> accepted() {
        return List.copyOf(accepted);
    }

    synchronized List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** Messages of {@code event} with {@code status} accepted so far. */
    synchronized List<JsonNode> accepted(String event, String status) {
        return accepted.stream().filter(body -> body.get("event").asText().equals(event)
                && body.get("status").asText().equals(status)).toList();
    }

    int refusedSignatures() {
        return refusedSignatures.get();
    }

    int failedOnPurpose() {
        return failedOnPurpose.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        String body = new String(raw, StandardCharsets.UTF_8);
        String timestamp = exchange.getRequestHeaders().getFirst("X-Keap-Gateway-Timestamp");
        String signature = exchange.getRequestHeaders().getFirst("X-Keap-Gateway-Signature");
        int status;
        if (timestamp == null || signature == null || !signature.equals(expected(timestamp, body))
                || Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(timestamp)) > 300) {
            refusedSignatures.incrementAndGet();
            status = 401;
        } else if (failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failedOnPurpose.incrementAndGet();
            status = 500;
        } else {
            synchronized (this) {
                accepted.add(new ObjectMapper().readTree(body));
                authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            }
            status = 204;
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private String expected(String timestamp, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal((timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
