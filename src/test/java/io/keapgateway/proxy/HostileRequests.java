package io.keapgateway.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The table of malformed and hostile HTTP/1.1 requests, each with the answers it may get: a status, or
 * {@link #CLOSED} when the server closes the connection without an answer. Every request carries a valid
 * gateway key ({@code KEY} is replaced by it), so only the gateway's own checks stand between it and Keap.
 */
final class HostileRequests {

    /** The connection was closed without an HTTP answer. */
    static final int CLOSED = -1;

    /** One row: what is sent, and which answers are right. */
    record Case(String name, String request, Set<Integer> answers) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final String OK_TARGET = "/crm/rest/v1/contacts";
    private static final String HEADERS = "Host: localhost\r\nX-Api-Key: KEY\r\nConnection: close\r\n";

    private HostileRequests() {
    }

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        framing(cases);
        targets(cases);
        methods(cases);
        headers(cases);
        oversize(cases);
        return cases;
    }

    private static void framing(List<Case> cases) {
        post(cases, "two Content-Lengths", "Content-Length: 4\r\nContent-Length: 5\r\n", "abcde", 400);
        post(cases, "Content-Length and chunked", "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
                "4\r\nabcd\r\n0\r\n\r\n", 400);
        post(cases, "chunked and Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
                "4\r\nabcd\r\n0\r\n\r\n", 400);
        post(cases, "gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", "4\r\nabcd\r\n0\r\n\r\n", 400);
        post(cases, "two Transfer-Encodings", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n",
                "4\r\nabcd\r\n0\r\n\r\n", 400);
        post(cases, "xchunked", "Transfer-Encoding: xchunked\r\n", "4\r\nabcd\r\n0\r\n\r\n", 400);
        post(cases, "space before the colon", "Transfer-Encoding : chunked\r\n", "4\r\nabcd\r\n0\r\n\r\n", 400, CLOSED);
        post(cases, "negative Content-Length", "Content-Length: -1\r\n", "", 400, CLOSED);
        post(cases, "signed Content-Length", "Content-Length: +4\r\n", "abcd", 400, CLOSED);
        post(cases, "list Content-Length", "Content-Length: 4, 4\r\n", "abcd", 400, CLOSED);
        post(cases, "hex Content-Length", "Content-Length: 0x4\r\n", "abcd", 400, CLOSED);
        post(cases, "Content-Length over the limit", "Content-Length: " + (56L * 1024 * 1024) + "\r\n", "", 413);
        post(cases, "Content-Length over the limit with Expect", "Content-Length: " + (56L * 1024 * 1024)
                + "\r\nExpect: 100-continue\r\n", "", 413);
        post(cases, "Content-Length of 19 digits", "Content-Length: 1000000000000000000\r\n", "", 400, CLOSED);
    }

    private static void targets(List<Case> cases) {
        get(cases, "encoded NUL", OK_TARGET + "/%00", 400);
        get(cases, "encoded CR LF", OK_TARGET + "/%0d%0aX-Injected:%20yes", 400);
        get(cases, "encoded LF in the query", OK_TARGET + "?q=%0a", 400);
        get(cases, "malformed escape", OK_TARGET + "/%zz", 400);
        get(cases, "truncated escape", OK_TARGET + "/%4", 400);
        get(cases, "overlong UTF-8 dot", OK_TARGET + "/%c0%ae%c0%ae/users", 400);
        get(cases, "invalid UTF-8", OK_TARGET + "/%ff", 400);
        get(cases, "encoded dots", OK_TARGET + "/%2e%2e/users", 404);
        get(cases, "encoded slash", OK_TARGET + "%2f..%2fusers", 404);
        get(cases, "encoded backslash", OK_TARGET + "%5c..%5cusers", 404);
        get(cases, "backslash", OK_TARGET + "\\..\\users", 400);
        get(cases, "dot-dot segment", OK_TARGET + "/../users", 404);
        get(cases, "dot segment", OK_TARGET + "/./12", 404);
        get(cases, "dot-dot-semicolon segment", OK_TARGET + "/..;/users", 404);
        get(cases, "path parameter", OK_TARGET + ";jsessionid=abc", 404);
        get(cases, "encoded semicolon", OK_TARGET + "/..%3b/users", 404);
        get(cases, "empty segment", "/crm/rest/v1//contacts", 404);
        get(cases, "fragment", OK_TARGET + "#x", 400);
        get(cases, "absolute form, another host", "http://evil.example" + OK_TARGET, 400);
        get(cases, "absolute form, this host", "http://localhost" + OK_TARGET, 400);
        get(cases, "network-path reference", "//evil.example" + OK_TARGET, 404);
        get(cases, "asterisk form", "*", 400, 404); // Vert.x Web routes no request without a path
        get(cases, "the token endpoint", "/crm/token", 404);
        get(cases, "outside the allowlist", "/crm/rest/v3/contacts", 404);
    }

    private static void methods(List<Case> cases) {
        for (String method : List.of("TRACE", "TRACK", "FOO", "get", "PROPFIND")) {
            cases.add(new Case("method " + method, method + " " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS + "\r\n",
                    Set.of(405)));
        }
        cases.add(new Case("CONNECT", "CONNECT evil.example:443 HTTP/1.1\r\n" + HEADERS + "\r\n", Set.of(405, 404, 400)));
    }

    private static void headers(List<Case> cases) {
        raw(cases, "bare CR in a header", "GET " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS + "X-A: a\rB: b\r\n\r\n",
                400, CLOSED);
        raw(cases, "bare LF smuggling chunked", "GET " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS
                + "X-A: a\nTransfer-Encoding: chunked\r\n\r\n", 400, CLOSED);
        raw(cases, "NUL in a header", "GET " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS + "X-A: a\0b\r\n\r\n", 400, CLOSED);
        raw(cases, "header name with a space", "GET " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS + "X A: b\r\n\r\n",
                400, CLOSED);
        raw(cases, "tab in the target", "GET " + OK_TARGET + "\t/x HTTP/1.1\r\n" + HEADERS + "\r\n", 400, CLOSED);
        raw(cases, "no version", "GET " + OK_TARGET + "\r\n" + HEADERS + "\r\n", 400, CLOSED);
    }

    private static void oversize(List<Case> cases) {
        get(cases, "request line over 4 KiB", OK_TARGET + "?q=" + "a".repeat(5000), 414, CLOSED);
        raw(cases, "one header over 20 KiB", "GET " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS + "X-Big: "
                + "a".repeat(21 * 1024) + "\r\n\r\n", 431, 400, CLOSED);
        raw(cases, "2000 small headers", "GET " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS
                + "X-Many: 0123456789\r\n".repeat(2000) + "\r\n", 431, 400, CLOSED);
        raw(cases, "chunk size beyond a long", "POST " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS
                + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabcd\r\n0\r\n\r\n", 400, 413, CLOSED);
    }

    private static void post(List<Case> cases, String name, String framing, String body, int... answers) {
        raw(cases, name, "POST " + OK_TARGET + " HTTP/1.1\r\n" + HEADERS + "Content-Type: application/json\r\n"
                + framing + "\r\n" + body, answers);
    }

    private static void get(List<Case> cases, String name, String target, int... answers) {
        raw(cases, name, "GET " + target + " HTTP/1.1\r\n" + HEADERS + "\r\n", answers);
    }

    private static void raw(List<Case> cases, String name, String request, int... answers) {
        Set<Integer> allowed = new java.util.HashSet<>();
        for (int answer : answers) {
            allowed.add(answer);
        }
        cases.add(new Case(name, request, Set.copyOf(allowed)));
    }
}
