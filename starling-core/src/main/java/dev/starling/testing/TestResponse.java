package dev.starling.testing;

import java.net.http.HttpHeaders;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The response a {@link TestClient} received: status, headers and the whole body, read at once.
 *
 * <pre>{@code
 * TestResponse response = client.get("/items/1");
 * assertThat(response.status()).isEqualTo(200);
 * assertThat(response.header("content-type")).hasValue("application/json");
 * Item item = response.json(Item.class);
 * }</pre>
 */
public final class TestResponse {

    private final String method;
    private final String target;
    private final int status;
    private final HttpHeaders headers;
    private final byte[] body;
    private final JsonMapper json;

    TestResponse(String method, String target, int status, HttpHeaders headers, byte[] body, JsonMapper json) {
        this.method = method;
        this.target = target;
        this.status = status;
        this.headers = headers;
        this.body = body == null ? new byte[0] : body;
        this.json = json;
    }

    /** Returns the status code, such as {@code 200}. */
    public int status() {
        return status;
    }

    /** Returns the first value of header {@code name}, matched without regard to case. */
    public Optional<String> header(String name) {
        Objects.requireNonNull(name, "The header name must not be null.");
        return headers.firstValue(name);
    }

    /** Returns every value of header {@code name} in the order received, such as each {@code set-cookie}; empty when absent. */
    public List<String> headers(String name) {
        Objects.requireNonNull(name, "The header name must not be null.");
        return headers.allValues(name);
    }

    /** Returns every header, by name, each with its values in the order received. */
    public Map<String, List<String>> headers() {
        return headers.map();
    }

    /** Returns the body decoded with the charset of its {@code content-type}, UTF-8 when it names none. */
    public String text() {
        return new String(body, charset());
    }

    /** Returns a copy of the body's bytes; empty for a {@code HEAD} request or a response without a body. */
    public byte[] bytes() {
        return body.clone();
    }

    /**
     * Returns the body read as JSON into {@code type} (a record, a class, {@code Map.class}, ...) by the
     * client's Jackson mapper; fails with the body in the message when it is not JSON of that shape.
     */
    public <T> T json(Class<T> type) {
        Objects.requireNonNull(type, "The type to read the JSON body into must not be null.");
        try {
            return json.readValue(body, type);
        } catch (RuntimeException e) {
            throw notJson(type.getSimpleName(), e);
        }
    }

    /** Returns the body read as a Jackson JSON tree; fails with the body in the message when it is not JSON. */
    public JsonNode json() {
        if (body.length == 0) {
            throw new IllegalStateException("The response to " + method + " " + target + " (" + status + ") has "
                    + "no body, so it cannot be read as JSON.");
        }
        try {
            return json.readTree(body);
        } catch (RuntimeException e) {
            throw notJson("a JSON tree", e);
        }
    }

    private IllegalStateException notJson(String what, RuntimeException e) {
        String text = text();
        String shown = text.length() > 200 ? text.substring(0, 200) + "..." : text;
        return new IllegalStateException("The body of the response to " + method + " " + target + " (" + status
                + ", " + header("content-type").orElse("no content-type") + ") cannot be read as " + what + ": "
                + e.getMessage() + "; the body is: " + shown, e);
    }

    private Charset charset() {
        Optional<String> type = header("content-type");
        if (type.isPresent()) {
            for (String param : type.get().split(";")) {
                String p = param.trim();
                if (p.toLowerCase(Locale.ROOT).startsWith("charset=")) {
                    String name = p.substring("charset=".length()).replace("\"", "").trim();
                    try {
                        return Charset.forName(name);
                    } catch (IllegalArgumentException unknown) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    /** Returns the request, status, content type and body size, such as {@code TestResponse[GET /items/1 -> 200, application/json, 42 bytes]}. */
    @Override
    public String toString() {
        return "TestResponse[" + method + " " + target + " -> " + status + ", "
                + header("content-type").orElse("no content-type") + ", " + body.length + " bytes]";
    }
}
