package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.starling.testing.TestClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings from outside the code: environment variables, system properties and properties files, read by
 * {@link Config.Builder#fromEnvironment()} (opt-in) and {@link Config.Builder#fromProperties(Path)}, with their
 * precedence, their value forms and the sentences that refuse bad ones.
 */
class SettingsTest {

    @TempDir
    Path temp;

    /** A class path with nothing on it, so that no starling.properties of the build is found. */
    private static final ClassLoader EMPTY = new URLClassLoader(new URL[0], null);

    private static Config fromEnvironment(Map<String, String> env) {
        return Config.builder().fromEnvironment(env, new Properties(), EMPTY).build();
    }

    private static Properties system(String... pairs) {
        Properties p = new Properties();
        for (int i = 0; i < pairs.length; i += 2) {
            p.setProperty(pairs[i], pairs[i + 1]);
        }
        return p;
    }

    private Path file(String name, String content) throws IOException {
        Path f = temp.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        return f;
    }

    @Test
    void environmentVariablesSetTheServer() {
        Map<String, String> env = Map.of("STARLING_MAX_BODY_SIZE", "16", "STARLING_HOST", "127.0.0.1",
                "STARLING_PORT", "0");
        Starling app = Starling.create(c -> c.port(8123).fromEnvironment(env, new Properties(), EMPTY));
        app.post("/echo", Request::bodyText);
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.request("POST", "/echo").body("x".repeat(16), "text/plain").send().status())
                    .isEqualTo(200);
            assertThat(client.request("POST", "/echo").body("x".repeat(17), "text/plain").send().status())
                    .isEqualTo(413);
            assertThat(app.port()).as("STARLING_PORT=0 over the code's 8123").isNotEqualTo(8123);
        }
    }

    @Test
    void aPropertiesFileGivenInCodeSetsTheServer() throws IOException {
        Path settings = file("app.properties", """
                # Starling's keys beside the app's own
                starling.max-body-size = 8
                starling.openapi-title = Notes
                app.database.url = jdbc:h2:mem:x
                """);
        Starling app = Starling.create(c -> c.port(0).fromProperties(settings));
        app.post("/echo", Request::bodyText);
        try (TestClient client = TestClient.create(app)) {
            assertThat(client.request("POST", "/echo").body("123456789", "text/plain").send().status())
                    .isEqualTo(413);
            assertThat(client.get("/openapi.json").json().get("info").get("title").asString()).isEqualTo("Notes");
        }
    }

    @Test
    void systemPropertiesWinOverVariablesOverTheNamedFileOverTheClassPathFileOverTheCode() throws IOException {
        Path named = file("named/starling.properties", "starling.max-body-size=3\nstarling.max-header-size=3000\n"
                + "starling.max-part-memory=3\n");
        Path packaged = file("classpath/starling.properties", "starling.max-body-size=4\nstarling.max-header-size=4000"
                + "\nstarling.max-part-memory=4\nstarling.max-connections=4\n");
        Map<String, String> env = Map.of("STARLING_CONFIG", named.toString(), "STARLING_MAX_BODY_SIZE", "2",
                "STARLING_MAX_HEADER_SIZE", "2000");
        Properties system = system("starling.max-body-size", "1");
        try (URLClassLoader classPath = new URLClassLoader(new URL[] {packaged.getParent().toUri().toURL()}, null)) {
            Config config = Config.builder().maxBodySize(5).maxPipelinedRequests(5)
                    .fromEnvironment(env, system, classPath).build();
            assertThat(config.maxBodySize()).as("system property").isEqualTo(1);
            assertThat(config.maxHeaderSize()).as("environment variable").isEqualTo(2000);
            assertThat(config.maxPartMemory()).as("STARLING_CONFIG's file").isEqualTo(3);
            assertThat(config.maxConnections()).as("class path file").isEqualTo(4);
            assertThat(config.maxPipelinedRequests()).as("the code, where nothing else sets it").isEqualTo(5);
            assertThat(config.maxRequestLineLength()).as("the default").isEqualTo(8 * 1024);
            assertThat(config.origins()).containsEntry("maxBodySize", "1 from the system property starling.max-body-size")
                    .containsEntry("maxHeaderSize", "2000 from STARLING_MAX_HEADER_SIZE")
                    .containsEntry("maxPartMemory", "3 from starling.max-part-memory in " + named)
                    .doesNotContainKey("maxPipelinedRequests");

            Properties named2 = system("starling.config", packaged.toString());
            assertThat(Config.builder().fromEnvironment(env, named2, classPath).build().maxPartMemory())
                    .as("-Dstarling.config names the file instead of STARLING_CONFIG").isEqualTo(4);
        }
    }

    @Test
    void codeAfterFromEnvironmentWinsOverIt() {
        Config config = Config.builder().fromEnvironment(Map.of("STARLING_PORT", "9000"), new Properties(), EMPTY)
                .port(9100).build();
        assertThat(config.port()).isEqualTo(9100);
        assertThat(config.origins()).as("the code set it last").doesNotContainKey("port");
    }

    @Test
    void starlingCreateReadsNoEnvironmentUnlessAsked() throws Exception {
        // A real child JVM with real variables: the app that asks reads them; Starling.create() alone does not.
        ProcessBuilder child = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SettingsChild.class.getName());
        child.environment().put("STARLING_MAX_BODY_SIZE", "4");
        child.environment().put("STARLING_PORT", "0");
        child.environment().put("STARLING_OPENAPI", "off");
        child.redirectErrorStream(true);
        Process process = child.start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            List<String> seen = new ArrayList<>();
            String port = null;
            String plain = null;
            while (port == null) {   // the child prints PLAIN, then PORT
                String line = out.readLine();
                if (line == null) {
                    break;
                }
                seen.add(line);
                if (line.startsWith("PORT ")) {
                    port = line.substring(5);
                } else if (line.startsWith("PLAIN ")) {
                    plain = line.substring(6);
                }
            }
            assertThat(port).as(String.join("\n", seen)).isNotNull();
            assertThat(plain).as("Starling.create() without fromEnvironment()").isEqualTo("1048576 true");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI base = URI.create("http://127.0.0.1:" + port);
            assertThat(http.send(HttpRequest.newBuilder(base.resolve("/echo")).POST(BodyPublishers.ofString("12345"))
                    .build(), BodyHandlers.ofString()).statusCode()).isEqualTo(413);
            assertThat(http.send(HttpRequest.newBuilder(base.resolve("/echo")).POST(BodyPublishers.ofString("1234"))
                    .build(), BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            assertThat(http.send(HttpRequest.newBuilder(base.resolve("/openapi.json")).build(),
                    BodyHandlers.ofString()).statusCode()).as("STARLING_OPENAPI=off").isEqualTo(404);
        } finally {
            process.getOutputStream().close();   // the child stops when its input ends
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** The child JVM of {@link #starlingCreateReadsNoEnvironmentUnlessAsked}. */
    static final class SettingsChild {
        public static void main(String[] args) throws IOException {
            Config plain = Config.create();
            System.out.println("PLAIN " + plain.maxBodySize() + " " + plain.openapi());
            try (Starling app = Starling.create(c -> c.port(8000).fromEnvironment())) {
                app.post("/echo", Request::bodyText);
                app.start();
                System.out.println("PORT " + app.port());
                System.out.flush();
                while (System.in.read() >= 0) {
                    // until the parent closes the pipe
                }
            }
        }
    }

    @Test
    void valuesAreReadInTheirUsualForms() {
        Map<String, String> env = new HashMap<>();
        env.put("STARLING_MAX_BODY_SIZE", "64KiB");
        env.put("STARLING_MAX_HEADER_SIZE", "1 MiB");
        env.put("STARLING_MAX_PART_MEMORY", "1048576");
        env.put("STARLING_WEB_SOCKET_SEND_BUFFER", "1gib");
        env.put("STARLING_IDLE_TIMEOUT", "500ms");
        env.put("STARLING_REQUEST_HEADER_TIMEOUT", "30s");
        env.put("STARLING_REQUEST_BODY_TIMEOUT", "PT2M");
        env.put("STARLING_SHUTDOWN_GRACE", "0");
        env.put("STARLING_REQUEST_TIMEOUT", "1h");
        env.put("STARLING_WATCHDOG", "off");
        env.put("STARLING_WEB_SOCKET_COMPRESSION", "FALSE");
        env.put("STARLING_GZIP", "500");
        env.put("STARLING_WEB_SOCKET_ORIGINS", "https://a.example, https://b.example,");
        env.put("STARLING_OPENAPI_VERSION", "2.0.1");
        env.put("STARLING_EVENT_LOOPS", "3");
        env.put("STARLING_THREADPOOL", "virtual:500");
        env.put("STARLING_VIRTUAL_THREADS", "virtual:20");
        Config c = fromEnvironment(env);
        assertThat(c.maxBodySize()).isEqualTo(64 * 1024);
        assertThat(c.maxHeaderSize()).isEqualTo(1024 * 1024);
        assertThat(c.maxPartMemory()).isEqualTo(1048576);
        assertThat(c.webSocketSendBuffer()).isEqualTo(1 << 30);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(c.requestHeaderTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.requestBodyTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.shutdownGrace()).isZero();
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofHours(1));
        assertThat(c.watchdog()).isFalse();
        assertThat(c.webSocketCompression()).isFalse();
        assertThat(c.gzip()).hasValue(500);
        assertThat(c.webSocketOrigins()).containsExactly("https://a.example", "https://b.example");
        assertThat(c.openapiTitle()).isEqualTo("Starling");
        assertThat(c.openapiVersion()).isEqualTo("2.0.1");
        assertThat(c.eventLoops()).isEqualTo(3);
        assertThat(c.threadpool().isVirtual()).isTrue();
        assertThat(c.threadpool().tokens()).isEqualTo(500);
        assertThat(c.virtualThreads().tokens()).isEqualTo(20);
        assertThat(fromEnvironment(Map.of("STARLING_THREADPOOL", "platform:64")).threadpool())
                .satisfies(pool -> assertThat(pool.isVirtual()).isFalse())
                .satisfies(pool -> assertThat(pool.tokens()).isEqualTo(64));
    }

    @Test
    void aBadValueFailsWithASentenceNamingWhereItWasRead() throws IOException {
        assertThatThrownBy(() -> fromEnvironment(Map.of("STARLING_PORT", "abc")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("STARLING_PORT is 'abc', which is not a port number from 0 to 65535.");
        assertThatThrownBy(() -> Config.builder().fromEnvironment(Map.of(), system("starling.idle-timeout", "30"),
                EMPTY)).hasMessage("The system property starling.idle-timeout is '30', which is not a duration such"
                + " as 500ms, 30s, 2m, 1h or PT30S.");
        Path settings = file("bad.properties", "starling.max-body-size=1MB\n");
        assertThatThrownBy(() -> Config.builder().fromProperties(settings))
                .hasMessage("starling.max-body-size in " + settings + " is '1MB', which is not a size in bytes below 2"
                        + " GiB such as 1048576, 64KiB or 1MiB (units are 1024-based: KiB, MiB, GiB).");
        assertThatThrownBy(() -> fromEnvironment(Map.of("STARLING_MAX_BODY_SIZE", "2GiB")))
                .hasMessageStartingWith("STARLING_MAX_BODY_SIZE is '2GiB', which is not a size in bytes below 2 GiB");
        assertThatThrownBy(() -> fromEnvironment(Map.of("STARLING_VIRTUAL_THREADS", "platform:4")))
                .as("a value its builder method refuses")
                .hasMessage("STARLING_VIRTUAL_THREADS is 'platform:4': virtualThreads needs a Threadpool.virtual(...),"
                        + " not Threadpool.platform(4, maxWaiting=40).");
        assertThatThrownBy(() -> fromEnvironment(Map.of("STARLING_WATCHDOG", "maybe", "STARLING_EVENT_LOOPS", "0")))
                .as("every bad value at once")
                .hasMessage("STARLING_EVENT_LOOPS is '0', which is not a whole number from 1 to 2147483647."
                        + " STARLING_WATCHDOG is 'maybe', which is not true or false (or on/off, yes/no, 1/0).");
        assertThatThrownBy(() -> Starling.create(c -> c.fromEnvironment(Map.of("STARLING_PORT", "70000"),
                new Properties(), EMPTY)))
                .as("the app is not made").hasMessage("STARLING_PORT is '70000', which is not a port number from 0 to"
                        + " 65535.");
    }

    @Test
    void aMissingSettingsFileFailsWithASentence() {
        Path missing = temp.resolve("missing.properties");
        assertThatThrownBy(() -> fromEnvironment(Map.of("STARLING_CONFIG", missing.toString())))
                .hasMessage("The settings file " + missing + " named by STARLING_CONFIG does not exist.");
        assertThatThrownBy(() -> Config.builder().fromProperties(missing))
                .hasMessage("The settings file " + missing + " does not exist.");
    }

    @Test
    void anUnknownNameIsWarnedAboutOnceWithTheNearestSetting() throws IOException {
        Path settings = file("typo.properties", "starling.maxBodySize=10\nstarling.frobnicate=1\n");
        ListAppender<ILoggingEvent> logs = Logs.capture();
        try {
            for (int i = 0; i < 2; i++) {
                Config.builder().fromEnvironment(Map.of("STARLING_PROT", "9000", "STARLING_CONFIG", settings.toString(),
                        "STARLING_JAVA_OPTS", "-Xmx1g"), system("starling.offload.callSite", "false"), EMPTY);
            }
        } finally {
            Logs.release(logs);
        }
        List<String> warnings = logs.list.stream().filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(warnings).containsExactlyInAnyOrder(
                "STARLING_PROT names no Starling setting, so it is ignored; did you mean STARLING_PORT? "
                        + "(docs/settings.md lists them all).",
                "starling.maxBodySize in " + settings + " names no Starling setting, so it is ignored; did you mean "
                        + "starling.max-body-size? (docs/settings.md lists them all).",
                "starling.frobnicate in " + settings + " names no Starling setting, so it is ignored; no setting has "
                        + "a similar name (docs/settings.md lists them all).");
    }

    @Test
    void theAppSaysWhichSettingsCameFromOutsideTheCode() {
        ListAppender<ILoggingEvent> logs = Logs.capture();
        try {
            Starling.create(c -> c.fromEnvironment(Map.of("STARLING_PORT", "0", "STARLING_GZIP", "1KiB"),
                    new Properties(), EMPTY)).close();
            Starling.create(c -> c.port(0)).close();
        } finally {
            Logs.release(logs);
        }
        assertThat(logs.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("Settings from outside the code"))).containsExactly(
                "Settings from outside the code: port = 0 from STARLING_PORT, gzip = 1KiB from STARLING_GZIP.");
    }

    @Test
    void theSettingsPageListsEverySetting() throws IOException {
        String page = Files.readString(Path.of("../docs/settings.md"));
        List<String> rows = page.lines().filter(l -> l.startsWith("|")).toList();
        for (Setting<?> setting : Setting.all()) {
            if (setting.textual()) {
                assertThat(rows).as(setting.name()).anyMatch(row -> row.contains("`" + setting.variable() + "`")
                        && row.contains("`" + setting.property() + "`") && row.contains(setting.name()));
            } else {
                assertThat(rows).as(setting.name()).anyMatch(row -> row.contains("`" + setting.name()));
            }
        }
        for (String row : rows) {
            for (String word : row.split("[`| ,]+")) {
                if (word.startsWith("STARLING_") && !word.equals("STARLING_CONFIG")) {
                    assertThat(Setting.all()).as("docs/settings.md names " + word)
                            .anyMatch(s -> s.textual() && s.variable().equals(word));
                }
            }
        }
    }
}
