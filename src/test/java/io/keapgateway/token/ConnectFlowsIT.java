package io.keapgateway.token;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link ConnectFlowsTest} against the packaged application. */
@QuarkusIntegrationTest
class ConnectFlowsIT extends ConnectFlowsTest {

    private static final Pattern MANAGEMENT = Pattern.compile("Management interface listening on https?://[^\\s]+?:(\\d+)");

    /**
     * The integration-test launcher hands the packaged app its HTTP test port but not the management one, so
     * {@code @TestHTTPResource(management = true)} cannot know it; the app's log (target/quarkus.log) does.
     */
    @Override
    URL healthUrl(String check) throws Exception {
        Matcher port = MANAGEMENT.matcher(Files.readString(Path.of("target", "quarkus.log")));
        String last = null;
        while (port.find()) {
            last = port.group(1);
        }
        if (last == null) {
            throw new IllegalStateException("the packaged app did not log its management port");
        }
        return URI.create("http://localhost:" + last + "/q/health/" + check).toURL();
    }
}
