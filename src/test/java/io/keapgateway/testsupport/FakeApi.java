package io.keapgateway.testsupport;

import com.sun.net.httpserver.HttpExchange;
import io.keapgateway.testsupport.FakeCredentials.Auth;
import io.keapgateway.testsupport.FakeCredentials.Principal;
import io.keapgateway.testsupport.FakeRecorder.Incoming;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code /crm/**} API surface: Apigee's checks in the order a test can observe them (spike arrest,
 * then credential, then quota), then the fake endpoints. Every answer carries the {@code x-keap-*}
 * quota headers.
 */
final class FakeApi {

    /** Bytes of downloads written so far: they wait while the other side does not read. */
    final AtomicLong downloadBytesSent = new AtomicLong();

    private static final Pattern REST = Pattern.compile("^/crm/rest/v[12]/.+");
    private static final Pattern XMLRPC = Pattern.compile("^/crm/xmlrpc(/v1)?/?$");
    private static final Pattern DOWNLOAD = Pattern.compile("^/crm/rest/v1/download/(\\d{1,15})$");
    private static final Pattern SLOW = Pattern.compile("^/crm/rest/v2/slow/(\\d{1,9})$");
    /** {@code GET /rest/v2/webforms/{webform_id}:data}: the webform's raw HTML (swagger.yml, operation getHtml). */
    private static final Pattern WEBFORM_HTML = Pattern.compile("^/crm/rest/v2/webforms/[^/:]+:data$");
    private static final Pattern USERINFO = Pattern.compile("^/crm/rest/v[12]/oauth/connect/userinfo$");

    /** The HTML every webform answers with: a form, and a script that would run on whatever origin serves it. */
    static final String WEBFORM_PAGE = "<!DOCTYPE html><html><body><form action=\"https://example.com/f\">"
            + "<input name=\"email\"></form><script>fetch('/admin/keys').then(r => r.text())</script></body></html>";

    private final FakeCredentials credentials;
    private final FakeQuotas quotas;
    private final java.util.concurrent.atomic.AtomicInteger unauthorizedAhead = new java.util.concurrent.atomic.AtomicInteger();
    private final FakeOutage outage;

    FakeApi(FakeCredentials credentials, FakeQuotas quotas, FakeOutage outage) {
        this.credentials = credentials;
        this.quotas = quotas;
        this.outage = outage;
    }

    /** The next {@code count} authenticated API calls answer 401 {@code invalid_access_token}. */
    void rejectNextWith401(int count) {
        unauthorizedAhead.set(count);
    }

    void handle(HttpExchange ex, Incoming in) throws IOException {
        String path = in.received().path();
        String method = ex.getRequestMethod();
        String tenant = credentials.tenant();
        if (!REST.matcher(path).matches() && !XMLRPC.matcher(path).matches()) {
            quotas.writeHeaders(ex.getResponseHeaders(), null, tenant);
            // What Apigee answers for a path no API proxy is mounted on.
            FakeHttp.json(ex, 404, FakeJson.fault("Unable to identify proxy for host: default and url: " + path,
                    "messaging.adaptors.http.flow.ApplicationNotFound"));
            return;
        }
        if (outage.apply(ex)) {
            return;
        }
        Auth auth = credentials.authenticate(ex.getRequestHeaders());
        Principal principal = auth.principal();
        if (quotas.takeSpikeRejection()) {
            // Deliberately no Retry-After: Keap does not send one (KEAP-API-FACTS §7).
            quotas.writeHeaders(ex.getResponseHeaders(), principal, tenant);
            FakeHttp.json(ex, 429, FakeJson.fault(FakeQuotas.SPIKE_ARREST_MESSAGE, FakeQuotas.SPIKE_ARREST));
            return;
        }
        if (principal == null) {
            quotas.writeHeaders(ex.getResponseHeaders(), null, tenant);
            FakeHttp.json(ex, 401, FakeJson.fault("Invalid access token", auth.errorcode()));
            return;
        }
        if (unauthorizedAhead.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            // As Keap answers a token it no longer accepts (an app deactivated, access revoked in Keap).
            quotas.writeHeaders(ex.getResponseHeaders(), null, tenant);
            FakeHttp.json(ex, 401, FakeJson.fault("Invalid access token", FakeCredentials.INVALID_CREDENTIAL));
            return;
        }
        String violation = quotas.admit(principal, tenant);
        quotas.writeHeaders(ex.getResponseHeaders(), principal, tenant);
        if (violation != null) {
            FakeHttp.json(ex, 429, FakeJson.fault(violation, FakeQuotas.QUOTA_VIOLATION));
            return;
        }

        Matcher download = DOWNLOAD.matcher(path);
        Matcher slow = SLOW.matcher(path);
        if ("GET".equals(method) && download.matches()) {
            download(ex, Long.parseLong(download.group(1)));
        } else if ("GET".equals(method) && WEBFORM_HTML.matcher(path).matches()) {
            // A webform's HTML is whatever its author wrote in Keap, script included.
            FakeHttp.send(ex, 200, "text/html; charset=UTF-8", WEBFORM_PAGE.getBytes(StandardCharsets.UTF_8));
        } else if ("GET".equals(method) && USERINFO.matcher(path).matches()) {
            userinfo(ex, tenant);
        } else if ("POST".equals(method) && XMLRPC.matcher(path).matches()) {
            xmlrpc(ex, in.head());
        } else if (XMLRPC.matcher(path).matches()) {
            FakeHttp.text(ex, 405, "XML-RPC requires POST");
        } else {
            if (slow.matches()) {
                FakeTokenEndpoint.pause(Duration.ofMillis(Long.parseLong(slow.group(1))));
            }
            echo(ex, in.received());
        }
    }

    private static void echo(HttpExchange ex, Received received) throws IOException {
        FakeHttp.json(ex, 200, FakeJson.object(
                "method", received.method(),
                "path", received.path(),
                "query", received.query(),
                "body_sha256", received.bodySha256(),
                "body_bytes", received.bodyBytes()));
    }

    /** Streams chunk by chunk with a Content-Length, so neither side needs the whole download in memory. */
    private void download(HttpExchange ex, long bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(200, bytes == 0 ? -1 : bytes);
        if (bytes == 0) {
            return;
        }
        try (OutputStream out = ex.getResponseBody()) {
            FakeDownloadBytes.generate(bytes, (buffer, length) -> {
                out.write(buffer, 0, length);
                downloadBytesSent.addAndGet(length);
            });
        }
    }

    private static void userinfo(HttpExchange ex, String tenant) throws IOException {
        // Shape of GetUserInfoResponse in Keap's v2 spec; tenant_id is the app name, e.g. "xy123".
        String appName = tenant.contains(".") ? tenant.substring(0, tenant.indexOf('.')) : tenant;
        FakeHttp.json(ex, 200, FakeJson.object(
                "sub", "12345",
                "id", "123456",
                "keap_id", "fake.admin@example.com",
                "email", "fake.admin@example.com",
                "given_name", "Fake",
                "family_name", "Admin",
                "preferred_name", "Fake Admin",
                "is_admin", true,
                "tenant_id", appName));
    }

    private static void xmlrpc(HttpExchange ex, byte[] head) throws IOException {
        FakeHttp.send(ex, 200, FakeHttp.XML, FakeXmlRpc.answer(head).getBytes(StandardCharsets.UTF_8));
    }
}
