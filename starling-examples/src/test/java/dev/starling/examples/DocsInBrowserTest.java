package dev.starling.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.Depends;
import dev.starling.Get;
import dev.starling.Starling;
import dev.starling.examples.auth.AuthApp;
import dev.starling.examples.demo.DemoApp;
import dev.starling.security.Credentials;
import dev.starling.security.SecurityScheme;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Loads the demo's {@code /docs} in headless Chromium (Debian's {@code chromium}, which {@code .ci/run}
 * installs) and checks that Swagger UI rendered the demo's operations from {@code /openapi.json}; then drives
 * Swagger UI through Selenium and Debian's {@code chromedriver} to authorize with an API key and call a protected
 * route.
 */
class DocsInBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void swaggerUiRendersTheDemosOperationsInARealBrowser(@TempDir Path profile) throws Exception {
        assertThat(Files.isExecutable(CHROMIUM))
                .as("this test needs Debian's chromium at %s (apt-get install chromium; .ci/run installs it)", CHROMIUM)
                .isTrue();
        try (Starling app = DemoApp.create(0, TestCluster.NAME).start()) {
            String dom = dumpDom("http://127.0.0.1:" + app.port() + "/docs", profile);
            assertThat(dom).contains("id=\"swagger-ui\"");
            for (String path : List.of("/items/{id}", "/items/{id}/slow", "/count", "/hello")) {
                assertThat(dom).contains("data-path=\"" + path + "\"");
            }
            assertThat(dom).contains("NewItem").contains("HTTPValidationError");
        }
    }

    /** A route that needs the API key {@code s3cret} in header {@code x-api-key}. */
    static final class SecretApi {
        private final SecurityScheme<Credentials> key;

        SecretApi(SecurityScheme<Credentials> key) {
            this.key = key;
        }

        @Get("/secret")
        public String secret(@Depends Credentials credentials) {
            if (!credentials.value().equals("s3cret")) {
                throw key.unauthorized("Invalid API key");
            }
            return "the secret";
        }
    }

    @Test
    void swaggerUiAuthorizesWithAnApiKeyAndThenCallsTheProtectedRoute(@TempDir Path profile) {
        assertThat(Files.isExecutable(CHROMEDRIVER))
                .as("this test needs Debian's chromedriver at %s (apt-get install chromium-driver; .ci/run installs "
                        + "it)", CHROMEDRIVER)
                .isTrue();
        SecurityScheme<Credentials> key = SecurityScheme.apiKeyHeader("x-api-key");
        Starling app = Starling.create(c -> c.port(0).openapiInfo("Secrets", "1.0.0"));
        app.providers(key).include(new SecretApi(key));
        try (Starling started = app.start()) {
            WebDriver browser = browser(profile);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get("http://127.0.0.1:" + started.port() + "/docs");
                click(wait, By.cssSelector(".opblock-summary"));
                click(wait, By.cssSelector(".try-out__btn"));
                click(wait, By.cssSelector("button.execute"));
                assertThat(answered(wait, "401")).contains("Not authenticated");

                click(wait, By.cssSelector(".auth-wrapper button.authorize"));
                wait.until(d -> d.findElement(By.cssSelector(".modal-ux input"))).sendKeys("s3cret");
                click(wait, By.cssSelector(".modal-ux button[aria-label='Apply credentials']"));
                click(wait, By.cssSelector(".modal-ux button.btn-done"));
                wait.until(d -> d.findElements(By.cssSelector(".modal-ux")).isEmpty());

                click(wait, By.cssSelector("button.execute"));
                assertThat(answered(wait, "200")).contains("the secret");
            } catch (RuntimeException e) {
                // What the page showed when a step timed out, for whoever reads the failure.
                try {
                    Files.write(Path.of("target", "swagger-ui-authorize.png"),
                            ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
                } catch (IOException | RuntimeException screenshot) {
                    e.addSuppressed(screenshot);
                }
                throw e;
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    void swaggerUiLogsInThroughThePasswordFlowOfTheAuthExampleAndReadsAScopedRoute(@TempDir Path profile) {
        byte[] secret = "a browser test secret of at least 32 bytes".getBytes(StandardCharsets.UTF_8);
        try (Starling app = AuthApp.create(0, secret, Duration.ofMinutes(5)).start()) {
            WebDriver browser = browser(profile);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                browser.get("http://127.0.0.1:" + app.port() + "/docs");
                click(wait, By.cssSelector(".opblock-summary-path[data-path='/users/me/items']"));
                click(wait, By.cssSelector(".try-out__btn"));
                click(wait, By.cssSelector("button.execute"));
                assertThat(answered(wait, "401")).contains("Not authenticated");

                // Swagger UI posts the password form to the token URL and keeps the access token it answers.
                click(wait, By.cssSelector(".auth-wrapper button.authorize"));
                wait.until(d -> d.findElement(By.id("oauth_username"))).sendKeys("johndoe");
                browser.findElement(By.id("oauth_password")).sendKeys("secret");
                for (WebElement scope : browser.findElements(By.cssSelector(".modal-ux .scopes input[type=checkbox]"))) {
                    // The check boxes are styled over; a script click ticks the input itself.
                    ((JavascriptExecutor) browser).executeScript("arguments[0].click()", scope);
                }
                click(wait, By.cssSelector(".modal-ux button[aria-label='Apply given OAuth2 credentials']"));
                // Logged in: the dialog now offers to log out.
                wait.until(d -> d.findElement(By.cssSelector(".modal-ux button[aria-label='Remove authorization']")));
                click(wait, By.cssSelector(".modal-ux button.btn-done"));
                wait.until(d -> d.findElements(By.cssSelector(".modal-ux")).isEmpty());

                click(wait, By.cssSelector("button.execute"));
                assertThat(answered(wait, "200")).contains("johndoe");
            } finally {
                browser.quit();
            }
        }
    }

    /** Starts Debian's chromium headless under Debian's chromedriver, with the flags the machine needs. */
    private static WebDriver browser(Path profile) {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new",
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--window-size=1280,2000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static void click(WebDriverWait wait, By what) {
        wait.until(d -> {
            WebElement element = d.findElement(what);
            return element.isDisplayed() && element.isEnabled() ? element : null;
        }).click();
    }

    /** Waits until the live response of the executed request shows {@code status}; returns its details' text. */
    private static String answered(WebDriverWait wait, String status) {
        return wait.until(d -> {
            List<WebElement> codes = d.findElements(By.cssSelector(".live-responses-table tbody .response-col_status"));
            // The cell reads "401" and, for a status the document does not list, "Undocumented" below it.
            return !codes.isEmpty() && codes.get(0).getText().strip().split("\\s+")[0].equals(status)
                    ? d.findElement(By.cssSelector(".live-responses-table tbody .response-col_description")).getText()
                    : null;
        });
    }

    /** Runs Chromium headless, as the machine's documentation says, and returns the rendered DOM. */
    private static String dumpDom(String url, Path profile) throws IOException, InterruptedException {
        Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", url)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = chromium.getInputStream().readAllBytes();
        if (!chromium.waitFor(60, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new AssertionError("Chromium did not finish within 60 s.");
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
