package io.keapgateway.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the management interface ({@code /q/health/*}, {@code /q/metrics}) of the application under test
 * listens. A {@code @QuarkusTest} is told by {@code @TestHTTPResource(management = true)}; the packaged app
 * of a {@code @QuarkusIntegrationTest} gets a random management port the launcher does not hand over, so it
 * is read from the app's log (target/quarkus.log).
 */
public final class Management {

    private static final Pattern LISTENING = Pattern.compile("Management interface listening on https?://[^\\s]+?:(\\d+)");

    private Management() {
    }

    /** {@code http://localhost:<port>} of the packaged app that the integration test launched last. */
    public static String ofPackagedApp() {
        try {
            Matcher port = LISTENING.matcher(Files.readString(Path.of("target", "quarkus.log")));
            String last = null;
            while (port.find()) {
                last = port.group(1);
            }
            if (last == null) {
                throw new IllegalStateException("the packaged app did not log its management port");
            }
            return "http://localhost:" + last;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://host:port} of an injected management URL. */
    public static String root(URL injected) {
        return injected.getProtocol() + "://" + injected.getHost() + ":" + injected.getPort();
    }
}
