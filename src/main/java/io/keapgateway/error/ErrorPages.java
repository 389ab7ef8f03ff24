package io.keapgateway.error;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * A short page per error code at {@code /errors/{code}}, where every problem's {@code type} points: what the
 * error means and what to do. Fixed text only; nothing from the request is echoed.
 */
@Path(ErrorPages.PATH)
public class ErrorPages {

    /** Where the pages are served. */
    public static final String PATH = "/errors";

    private static final Map<String, String> ADVICE = Map.ofEntries(
            Map.entry("missing_key", "No gateway key was sent. Send it as <code>Authorization: Bearer kgw_…</code>."),
            Map.entry("invalid_key", "The key is not a gateway key, is unknown, or its secret is wrong (an old secret"
                    + " stops working when its rotation grace ends). Ask the operator for a valid key."),
            Map.entry("key_expired", "The key's <code>expires_at</code> has passed. Ask the operator for a new key."),
            Map.entry("key_revoked", "The operator revoked the key. Ask the operator for a new key."),
            Map.entry("unauthorized", "The admin API needs the admin token as <code>Authorization: Bearer …</code>."),
            Map.entry("scope_denied", "The key's scopes do not allow this method and path. Ask the operator to"
                    + " widen them, or use a key meant for this call."),
            Map.entry("cross_origin", "An admin call came from a page of another site (its <code>Origin</code> is not"
                    + " the gateway's own), so it was refused. Use the console served by the gateway, or call the"
                    + " admin API from a script, which sends no <code>Origin</code>."),
            Map.entry("ip_denied", "The key may not be used from this client address (its <code>allowed_ips</code>)."),
            Map.entry("not_found", "The gateway forwards only <code>/crm/rest/v1/**</code>, <code>/crm/rest/v2/**</code>,"
                    + " <code>/crm/xmlrpc</code> and <code>/crm/xmlrpc/v1</code>; or the admin object does not exist."),
            Map.entry("payload_too_large", "The request body is larger than the gateway accepts."),
            Map.entry("bad_request", "The path, query, a header or the body's framing is malformed; nothing was"
                    + " forwarded."),
            Map.entry("validation_failed", "The admin request has invalid fields; the problem's detail lists them."),
            Map.entry("rate_limited", "A rate limit is reached (the key's, the Keap account's, or Keap's own). Retry"
                    + " after the number of seconds in <code>Retry-After</code>."),
            Map.entry("quota_exhausted", "A daily quota is used up (the key's, the Keap account's, or Keap's). It"
                    + " resets at 00:00 UTC."),
            Map.entry("not_connected", "The key's Keap connection has no usable credential. The operator must"
                    + " connect it again."),
            Map.entry("store_unavailable", "The admin change could not be made durable; nothing was applied. Retry"
                    + " once the gateway's store answers."),
            Map.entry("store_unreadable", "A record in the gateway's store could not be read (written by another"
                    + " version of the gateway, or damaged); nothing was changed. The gateway's log names the record."),
            Map.entry("conflict", "The admin change lost a race with another change to the same object. Read it"
                    + " again, then retry."),
            Map.entry("notifications_off", "No notification channel is configured, so there is nothing to test. Set"
                    + " KEAP_GATEWAY_NOTIFY_WEBHOOK_URL or KEAP_GATEWAY_NOTIFY_EMAIL_TO (docs/notifications.md)."),
            Map.entry("upstream_unavailable", "Keap could not be reached. Retry later."),
            Map.entry("upstream_timeout", "Keap did not answer in time. Retry later; a non-idempotent call may have"
                    + " been carried out."));

    @GET
    @Path("{code}")
    public Response page(@PathParam("code") String code) {
        ErrorCode known = find(code);
        if (known == null) {
            throw new GatewayException(ErrorCode.NOT_FOUND, "No such error code.");
        }
        String html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + known.code()
                + "</title></head><body><h1>" + known.status() + " " + known.code() + ": " + known.title()
                + "</h1><p>" + ADVICE.getOrDefault(known.code(), known.title() + ".") + "</p>"
                + "<p>Every error of the gateway is <code>application/problem+json</code> with this code in"
                + " <code>code</code>, and a <code>request_id</code> to quote to the operator.</p></body></html>";
        return Response.ok(html, "text/html; charset=utf-8")
                .header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    private static ErrorCode find(String code) {
        for (ErrorCode candidate : ErrorCode.values()) {
            if (candidate.code().equals(code)) {
                return candidate;
            }
        }
        return null;
    }
}
