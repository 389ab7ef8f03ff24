package io.keapgateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.keapgateway.testsupport.Admin;
import io.keapgateway.testsupport.FakeKeap;
import io.keapgateway.testsupport.FakeKeapResource;
import io.keapgateway.testsupport.GatewayProcess;
import io.keapgateway.testsupport.RedisPeek;
import io.keapgateway.testsupport.TestRun;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The operator's path from nothing to a contractor's key, in a real headless Chromium (Debian's
 * {@code chromium} and {@code chromedriver}; nothing is downloaded) against the packaged gateway and the fake
 * Keap: sign in, set up the OAuth app, connect through Keap's redirect, create a key with two presets, watch
 * its allowed and denied calls, revoke it, sign out. Any browser console error or CSP violation fails it;
 * each panel is saved as a screenshot under {@code target/console-screenshots/}.
 */
class ConsoleBrowserIT {

    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    /** README's screenshots: taken here so that they show the console as it is. */
    private static final Path README_SCREENSHOTS = Path.of("docs");
    /** Slow machine margin for anything the page does after a click (it waits on the gateway). */
    private static final Duration PAGE = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<String> browserErrors = new ArrayList<>();
    private FakeKeap keap;
    private String prefix;
    private GatewayProcess gateway;
    private WebDriver browser;
    private WebDriverWait wait;
    private Path profile;

    @BeforeEach
    void start() throws Exception {
        keap = FakeKeap.start();
        keap.registerApp(FakeKeapResource.CLIENT_ID, FakeKeapResource.CLIENT_SECRET);
        prefix = TestRun.prefix("console-" + UUID.randomUUID().toString().substring(0, 8));
        profile = Files.createTempDirectory("console-chromium-");
        browser = chromium(profile);
        wait = new WebDriverWait(browser, PAGE);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
        keap.close();
        try (RedisPeek redis = RedisPeek.local()) {
            redis.deleteAll(prefix);
        }
        deleteTree(profile);
    }

    /**
     * Starts the gateway with {@code KEAP_GATEWAY_PUBLIC_URL} on {@code publicHost}; the console is always
     * opened at {@code localhost} ({@link GatewayProcess#url()}).
     */
    private void startGateway(String publicHost) throws Exception {
        int port = GatewayProcess.freePort();
        Map<String, String> env = GatewayProcess.environment(keap.baseUrl(), prefix);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("KEAP_GATEWAY_PUBLIC_URL", "http://" + publicHost + ":" + port);
        gateway = GatewayProcess.start(env);
    }

    /**
     * The whole life of a key, with the console opened at another address ({@code 127.0.0.1}, as through a
     * port-forward or an admin host) than the public URL ({@code http://localhost:<port>}; Keap, and so the fake,
     * takes a plain-http redirect URI only on a loopback name): every address shown for others is the public one; the key is edited in the form and the proxy enforces the new
     * scope; its activity is filtered and paged; the connection is tested; revoked keys hide until asked for;
     * the audit trail is filtered by key and connection. Saves README's screenshots into {@code docs/}.
     */
    @Test
    void runsAKeysWholeLifeFromAnotherAddressThanThePublicOne() throws Exception {
        startGateway("localhost");
        String publicUrl = gateway.url();
        String consoleUrl = publicUrl.replace("localhost", "127.0.0.1");
        signIn(consoleUrl);
        expand("setup");
        type(By.id("setup-client-id"), FakeKeapResource.CLIENT_ID);
        type(By.id("setup-client-secret"), FakeKeapResource.CLIENT_SECRET);
        click(By.cssSelector("#setup-form button[type=submit]"));
        assertThat(visible(By.id("redirect-default")).getDomProperty("value")).isEqualTo(publicUrl + "/oauth/callback");

        // Keap sends the browser back to the public address; the result page reloads as "Connected".
        click(By.cssSelector("[data-connection=default] button[data-action=connect]"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Connected"));
        assertThat(browser.getCurrentUrl()).startsWith(publicUrl + "/oauth/result/");
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Connected"));
        assertThat(text(By.tagName("body"))).contains(keap.tenant()).doesNotContain("did not start");

        // Back at the other address: this tab is still signed in there. The card tests the connection.
        browser.get(consoleUrl + "/console");
        visible(By.id("app"));
        wait.until(ExpectedConditions.attributeToBe(
                By.cssSelector("[data-connection=default] .badge"), "data-status", "connected"));
        assertThat(text(By.cssSelector("[data-connection=default] dl"))).contains("Calls to Keap", "Flowing normally");
        click(By.cssSelector("[data-connection=default] button[data-action=test]"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("[data-connection=default] .test-result"), "answered 200"));
        assertThat(text(By.cssSelector("[data-connection=default] .test-result")))
                .contains("it works", "/crm/rest/v1/oauth/connect/userinfo", keap.tenant());

        // A key that may read contacts: the form shows what the preset stands for.
        expand("create-key");
        type(By.id("key-name"), "contractor");
        new Select(visible(By.id("preset-contacts"))).selectByValue("contacts:read");
        type(By.id("key-concurrent"), "4");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("key-expansion"), "GET /crm/rest/v1/contacts"));
        screenshot(visible(By.id("create-key")), "console-key-form", true);
        click(By.id("key-submit"));
        String key = visible(By.id("new-key-value")).getDomProperty("value");
        String id = key.split("_")[1];
        String message = browser.findElement(By.id("new-key-snippet")).getDomProperty("value");
        assertThat(message).contains("Base URL:  " + publicUrl + "/crm/rest/v2/", publicUrl + "/crm/rest/v1/",
                "curl -H \"Authorization: Bearer " + key + "\" " + publicUrl + "/crm/rest/v1/contacts")
                .doesNotContain("127.0.0.1");
        screenshot(visible(By.id("new-key")), "console-contractor-message", true);
        click(By.id("new-key-done"));
        By row = By.cssSelector("tr[data-key='" + id + "']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "contacts:read"));
        assertThat(text(row)).contains("4 at once");

        // Allowed now; edited in the form to tags only, the same call is refused by the proxy.
        List<String> sent = new ArrayList<>(); // the statuses the proxy answered, oldest first
        assertThat(proxyGet(key, "/crm/rest/v1/contacts?limit=1", sent).statusCode()).isEqualTo(200);
        click(By.cssSelector("tr[data-key='" + id + "'] button[data-action=edit]"));
        assertThat(text(By.id("key-form-title"))).isEqualTo("Edit the key contractor");
        assertThat(new Select(visible(By.id("preset-contacts"))).getFirstSelectedOption().getDomProperty("value"))
                .isEqualTo("contacts:read");
        assertThat(visible(By.id("key-concurrent")).getDomProperty("value")).isEqualTo("4");
        new Select(visible(By.id("preset-contacts"))).selectByValue("");
        new Select(visible(By.id("preset-tags"))).selectByValue("tags:read");
        type(By.id("key-name"), "contractor (tags)");
        click(By.id("key-submit"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "tags:read"));
        assertThat(text(row)).contains("contractor (tags)").doesNotContain("contacts:read");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> refused = proxyGet(key, "/crm/rest/v1/contacts?limit=1", sent);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.body()).contains("scope_denied");
        });
        assertThat(proxyGet(key, "/crm/rest/v1/tags", sent).statusCode()).isEqualTo(200);
        List<String> newestFirst = new ArrayList<>(sent);
        java.util.Collections.reverse(newestFirst);

        // Its activity, filtered by status class, with today's chart.
        click(By.cssSelector("tr[data-key='" + id + "'] button[data-action=activity]"));
        await().atMost(PAGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            click(By.cssSelector("#activity-form button[type=submit]"));
            assertThat(texts("#activity-table td.status")).isEqualTo(newestFirst);
        });
        long refusals = sent.stream().filter("403"::equals).count();
        assertThat(text(By.id("activity-chart-total")))
                .isEqualTo("Today: " + sent.size() + " requests, " + refusals + " refused by the gateway.");
        new Select(visible(By.id("activity-status"))).selectByValue("denied");
        click(By.cssSelector("#activity-form button[type=submit]"));
        wait.until(driver -> texts("#activity-table td.status").equals(
                newestFirst.stream().filter("403"::equals).toList()));
        new Select(visible(By.id("activity-status"))).selectByValue("2xx");
        click(By.cssSelector("#activity-form button[type=submit]"));
        wait.until(driver -> texts("#activity-table td.status").equals(
                newestFirst.stream().filter("200"::equals).toList()));
        new Select(visible(By.id("activity-status"))).selectByValue("");
        click(By.cssSelector("#activity-form button[type=submit]"));
        wait.until(driver -> texts("#activity-table td.status").size() == sent.size());
        assertThat(browser.findElement(By.id("activity-more")).isDisplayed()).isFalse();
        screenshot(visible(By.id("activity")), "console-activity", true);

        // Past the first hundred: "Show older requests" fetches the next page.
        for (int i = 0; i < 100; i++) {
            proxyGet(key, "/crm/rest/v1/contacts");
        }
        await().atMost(PAGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            click(By.cssSelector("#activity-form button[type=submit]"));
            assertThat(texts("#activity-table td.status")).hasSize(100); // the first page of 100 + sent.size()
            assertThat(browser.findElement(By.id("activity-more")).isDisplayed()).isTrue();
        });
        click(By.id("activity-more"));
        wait.until(driver -> texts("#activity-table td.status").size() == 100 + sent.size());
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("activity-more")));

        // Revoked, the key leaves the table until "Show revoked keys" is ticked. A key made meanwhile (through the
        // API) that ends in three days is flagged when the table reloads.
        String endingSoon = Admin.idOf(Admin.at(gateway.url()).createKey(Map.of("name", "ends soon",
                "expires_at", java.time.Instant.now().plus(Duration.ofDays(3)).toString())));
        click(By.cssSelector("tr[data-key='" + id + "'] button[data-action=revoke]"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(row));
        assertThat(text(By.cssSelector("tr[data-key='" + endingSoon + "'] [data-flag]"))).isEqualTo("expires soon");
        click(By.id("show-revoked"));
        assertThat(visible(row).findElement(By.cssSelector("[data-flag=revoked]")).getText()).isEqualTo("revoked");
        click(By.id("show-revoked"));
        wait.until(ExpectedConditions.invisibilityOfElementLocated(row));

        // The audit trail, of this key, then of the connection.
        new Select(visible(By.id("audit-filter"))).selectByValue("key=" + id);
        click(By.id("audit-refresh"));
        wait.until(driver -> texts("#audit-table tbody td:nth-child(3)")
                .equals(List.of("key.revoke", "key.update", "key.create")));
        new Select(visible(By.id("audit-filter"))).selectByValue("connection=default");
        click(By.id("audit-refresh"));
        wait.until(driver -> texts("#audit-table tbody td:nth-child(3)").contains("connection.test"));
        assertThat(texts("#audit-table tbody td:nth-child(3)")).noneMatch(action -> action.startsWith("key."));

        collectBrowserLog();
        assertThat(browserErrors).as("browser console errors and CSP violations").isEmpty();
    }

    private void signIn(String base) {
        browser.get(base + "/console");
        type(By.id("admin-token"), GatewayProcess.ADMIN_TOKEN);
        click(By.cssSelector("#sign-in-form button[type=submit]"));
        visible(By.id("app"));
    }

    @Test
    void takesTheOwnerFromNothingToAContractorsKeyAndBack() throws Exception {
        startGateway("localhost");
        browser.get(gateway.url() + "/");
        assertThat(browser.getCurrentUrl()).isEqualTo(gateway.url() + "/console");
        screenshot(visible(By.id("sign-in")), "1-sign-in");
        type(By.id("admin-token"), GatewayProcess.ADMIN_TOKEN);
        click(By.cssSelector("#sign-in-form button[type=submit]"));
        visible(By.id("app"));

        // Set up the OAuth app, then connect through Keap's consent page and the gateway's callback.
        expand("setup");
        type(By.id("setup-client-id"), FakeKeapResource.CLIENT_ID);
        type(By.id("setup-client-secret"), FakeKeapResource.CLIENT_SECRET);
        click(By.cssSelector("#setup-form button[type=submit]"));
        WebElement redirectUri = visible(By.id("redirect-default"));
        assertThat(redirectUri.getDomProperty("value")).isEqualTo(gateway.url() + "/oauth/callback");
        click(By.cssSelector("[data-connection=default] button[data-action=connect]"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Connected"));
        // Post/redirect/get: the code is no longer in the address, and a reload shows the same result.
        assertThat(browser.getCurrentUrl()).startsWith(gateway.url() + "/oauth/result/").doesNotContain("code=");
        assertThat(browser.findElement(By.tagName("body")).getText()).contains(keap.tenant());
        int exchanges = keap.tokenCalls();
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "Connected"));
        assertThat(browser.findElement(By.tagName("body")).getText()).contains(keap.tenant())
                .doesNotContain("did not start");
        assertThat(keap.tokenCalls()).as("a reload exchanges nothing").isEqualTo(exchanges);
        collectBrowserLog();
        click(By.linkText("Back to the console"));
        wait.until(ExpectedConditions.attributeToBe(
                By.cssSelector("[data-connection=default] .badge"), "data-status", "connected"));
        assertThat(text(By.cssSelector("[data-connection=default]"))).contains(keap.tenant());
        screenshot(visible(By.id("connect")), "2-connect");

        // A key with two presets, shown once.
        expand("create-key");
        type(By.id("key-name"), "contractor");
        new Select(visible(By.id("preset-contacts"))).selectByValue("contacts:read");
        new Select(visible(By.id("preset-tags"))).selectByValue("tags:write");
        click(By.cssSelector("#key-form button[type=submit]"));
        String key = visible(By.id("new-key-value")).getDomProperty("value");
        assertThat(key).matches("kgw_[0-9A-Za-z]{12}_[0-9A-Za-z]{40,}");
        String id = key.split("_")[1];
        assertThat(browser.findElement(By.id("new-key-snippet")).getDomProperty("value"))
                .contains("Authorization: Bearer " + key).contains(gateway.url() + "/crm/rest/v2/");
        assertThat(text(By.id("new-key"))).contains("only once");
        By row = By.cssSelector("tr[data-key='" + id + "']");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "contacts:read, tags:write"));
        screenshot(visible(By.id("keys")), "3-keys-new-key");
        click(By.id("new-key-done"));
        assertThat(browser.findElement(By.id("new-key-value")).getDomProperty("value")).isEmpty();

        // The contractor uses it: one call allowed, one outside its scopes.
        assertThat(proxyGet(key, "/crm/rest/v1/contacts?limit=1").statusCode()).isEqualTo(200);
        HttpResponse<String> denied = http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/crm/rest/v2/contacts"))
                .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(403);

        // Both show in its activity once the replica has written them (about a second).
        click(By.cssSelector("tr[data-key='" + id + "'] button[data-action=activity]"));
        await().atMost(PAGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            click(By.cssSelector("#activity-form button[type=submit]"));
            assertThat(texts("#activity-table td.status")).containsExactly("403", "200");
        });
        assertThat(text(By.id("activity-table"))).contains("/crm/rest/v2/contacts", "/crm/rest/v1/contacts")
                .doesNotContain("limit=1");
        screenshot(visible(By.id("activity")), "4-activity");

        // The calls brought Keap's quota report: the connection shows it as bars (after a reload, still signed in).
        browser.navigate().refresh();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("[data-connection=default] meter"), 2));
        assertThat(text(By.cssSelector("[data-connection=default] .quota"))).contains("Today:", "This minute:");
        screenshot(visible(By.id("connect")), "5-connect-quota");

        // Revoke it (after confirming); the proxy refuses it from then on.
        click(By.cssSelector("tr[data-key='" + id + "'] button[data-action=revoke]"));
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(row)); // revoked keys hide until asked for
        click(By.id("show-revoked"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(row, "revoked"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(
                () -> assertThat(proxyGet(key, "/crm/rest/v1/contacts").body()).contains("key_revoked"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit-table"), "key.revoke"));
        screenshot(visible(By.id("audit")), "6-audit");

        click(By.id("sign-out"));
        visible(By.id("sign-in"));
        assertThat(((ChromeDriver) browser).executeScript("return window.sessionStorage.length")).isEqualTo(0L);
        assertThat(browser.findElement(By.id("app")).isDisplayed()).isFalse();

        collectBrowserLog();
        assertThat(browserErrors).as("browser console errors and CSP violations").isEmpty();
    }

    private static WebDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1280,2400", "--user-data-dir=" + profile.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        // The driver is given, so Selenium Manager never runs (and never downloads anything).
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    /** Console errors, failed loads and CSP violations ("Refused to …") are all SEVERE entries of the log. */
    private void collectBrowserLog() {
        for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
            if (entry.getLevel().intValue() >= Level.SEVERE.intValue() || entry.getMessage().contains("Refused to")) {
                browserErrors.add(entry.getLevel() + " " + entry.getMessage());
            }
        }
    }

    /** A proxied GET whose status is added to {@code statuses}. */
    private HttpResponse<String> proxyGet(String key, String path, List<String> statuses)
            throws IOException, InterruptedException {
        HttpResponse<String> response = proxyGet(key, path);
        statuses.add(Integer.toString(response.statusCode()));
        return response;
    }

    private HttpResponse<String> proxyGet(String key, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + path)).header("Authorization", "Bearer " + key)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private WebElement visible(By locator) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(locator));
    }

    private void click(By locator) {
        wait.until(ExpectedConditions.elementToBeClickable(locator)).click();
    }

    /** Opens a {@code <details>} section the way a user does, unless the page has opened it already. */
    private void expand(String detailsId) {
        WebElement details = visible(By.id(detailsId));
        if (!"true".equals(details.getDomProperty("open"))) {
            click(By.cssSelector("#" + detailsId + " > summary"));
        }
        wait.until(driver -> "true".equals(details.getDomProperty("open")));
    }

    private void type(By locator, String text) {
        WebElement field = visible(locator);
        field.clear();
        field.sendKeys(text);
    }

    private String text(By locator) {
        return visible(locator).getText();
    }

    /** The texts of every element {@code selector} matches, read at once (the page may redraw meanwhile). */
    @SuppressWarnings("unchecked")
    private List<String> texts(String selector) {
        return (List<String>) ((ChromeDriver) browser).executeScript(
                "return [...document.querySelectorAll(arguments[0])].map((node) => node.textContent)", selector);
    }

    private void screenshot(WebElement panel, String name) throws IOException {
        screenshot(panel, name, false);
    }

    /** Saves {@code panel} under target/, and for README also into docs/ (the window's size is fixed). */
    private void screenshot(WebElement panel, String name, boolean forReadme) throws IOException {
        // At the top of the window: a panel reaching past the window's bottom would be cut there.
        ((ChromeDriver) browser).executeScript("arguments[0].scrollIntoView(true)", panel);
        File shot = panel.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        if (forReadme) {
            Files.copy(shot.toPath(), README_SCREENSHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
