package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.starling.testing.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request smuggling through real reverse proxies (Debian's nginx and haproxy, each forwarding over one pooled
 * HTTP/1.1 connection) and straight to Starling: CL.TE, TE.CL, TE.TE with obfuscated {@code Transfer-Encoding}
 * values, duplicated and list-valued {@code Content-Length}, chunk framing tricks. Each attempt hides
 * {@code GET /smuggled} in a body; the app records every request target it sees, and must never see that one.
 * After each attempt a request on a new connection goes through the same pooled connection, so its answer
 * proves Starling has read all the bytes the proxy sent before it. (scripts/attack-smuggling runs more attempts,
 * bare-LF ones too, which both proxies read as pipelined requests of the client's own.)
 */
class SmugglingTest {

    private static final String HIDDEN = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

    @TempDir
    Path temp;

    /** The attempts: a name, and the headers and body of a POST /probe/n whose body hides {@link #HIDDEN}. */
    private static Map<String, String[]> attempts() {
        Map<String, String[]> a = new LinkedHashMap<>();
        String chunkedEnd = "0\r\n\r\n" + HIDDEN;
        String lengthOfEnd = "Content-Length: " + chunkedEnd.length() + "\r\n";
        a.put("CL.TE", new String[] {lengthOfEnd + "Transfer-Encoding: chunked\r\n", chunkedEnd});
        a.put("TE.CL", new String[] {"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
            Integer.toHexString(HIDDEN.length()) + "\r\n" + HIDDEN + "\r\n0\r\n\r\n"});
        String[][] te = {
            {"TE.TE xchunked", "Transfer-Encoding: xchunked\r\n"},
            {"TE.TE space before the colon", "Transfer-Encoding : chunked\r\n"},
            {"TE.TE tab before the value", "Transfer-Encoding:\tchunked\r\n"},
            {"TE.TE upper case", "Transfer-Encoding: CHUNKED\r\n"},
            {"TE.TE quoted", "Transfer-Encoding: \"chunked\"\r\n"},
            {"TE.TE chunked, identity", "Transfer-Encoding: chunked, identity\r\n"},
            {"TE.TE two headers", "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n"},
            {"TE.TE obs-fold", "X-Pad: a\r\n Transfer-Encoding: chunked\r\n"},
            {"TE.TE folded value", "Transfer-Encoding:\r\n chunked\r\n"},
            {"TE.TE vertical tab", "Transfer-Encoding: chunked\u000b\r\n"},
        };
        for (String[] t : te) {
            a.put(t[0], new String[] {lengthOfEnd + t[1], chunkedEnd});
        }
        a.put("two content-lengths", new String[] {"Content-Length: 0\r\nContent-Length: " + HIDDEN.length()
                + "\r\n", HIDDEN});
        a.put("a content-length list", new String[] {"Content-Length: 0, " + HIDDEN.length() + "\r\n", HIDDEN});
        a.put("a signed content-length", new String[] {"Content-Length: +" + HIDDEN.length() + "\r\n", HIDDEN});
        a.put("a chunk size past a long", new String[] {"Transfer-Encoding: chunked\r\n",
            "10000000000000000" + "5\r\nxxxxx\r\n" + chunkedEnd});
        a.put("a request in a trailer", new String[] {"Transfer-Encoding: chunked\r\n",
            "0\r\nX-Trailer: " + HIDDEN.replace("\r\n", " ") + "\r\n\r\n"});
        return a;
    }

    /** An app that records the target of every request it sees, before routing. */
    private static Starling recording(Queue<String> seen) {
        Starling app = Starling.create(c -> c.port(0));
        app.middlewareAsync(new AsyncMiddleware() {
            @Override
            public CompletionStage<Optional<Object>> before(Request request) {
                seen.add(request.method() + " " + request.uri());
                return CompletableFuture.completedFuture(Optional.empty());
            }
        });
        app.get("/probe/{id}", request -> "ok");
        app.post("/probe/{id}", request -> "ok");
        return app;
    }

    /** Writes {@code bytes} on a new connection and reads until the other side closes (10 s at most). */
    private static String exchange(int port, String bytes) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                out.write(buffer, 0, n);
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("No end of the answer within 10 s on port " + port + ".", e);
        } catch (IOException e) {
            return "";   // reset by a front that refused the request: what it answered is not what is tested
        }
    }

    /**
     * Runs every attempt through the front on {@code port}, then a request on a new connection, and returns the
     * targets the app saw per attempt, only where it saw more than the requests meant for it.
     */
    private static List<String> smuggled(int port, Queue<String> seen) {
        List<String> wrong = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, String[]> attempt : attempts().entrySet()) {
            n++;
            seen.clear();
            exchange(port, "POST /probe/" + n + " HTTP/1.1\r\nHost: x\r\n" + attempt.getValue()[0] + "\r\n"
                    + attempt.getValue()[1] + "GET /probe/" + n + "-follow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String next = exchange(port, "GET /probe/" + n + "-next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(next).as(attempt.getKey() + ": the next client is answered").startsWith("HTTP/1.1 200");
            List<String> meant = List.of("POST /probe/" + n, "GET /probe/" + n + "-follow", "GET /probe/" + n + "-next");
            List<String> saw = List.copyOf(seen);
            if (!meant.containsAll(saw) || saw.size() > meant.size()) {
                wrong.add(attempt.getKey() + ": " + saw);
            }
        }
        return wrong;
    }

    @Test
    void straightToStarlingNoHiddenRequestIsEverRead() {
        Queue<String> seen = new ConcurrentLinkedQueue<>();
        try (TestClient client = TestClient.create(recording(seen))) {
            assertThat(smuggled(client.app().port(), seen)).isEmpty();
        }
    }

    @Test
    void throughNginxStarlingSeesOnlyTheRequestsNginxSent() throws Exception {
        Queue<String> seen = new ConcurrentLinkedQueue<>();
        try (TestClient client = TestClient.create(recording(seen));
             FrontProxy nginx = FrontProxy.nginx(temp, client.app().port())) {
            assertThat(smuggled(nginx.port, seen)).isEmpty();
            assertThat(client.get("/probe/direct").status()).isEqualTo(200);
        }
    }

    @Test
    void throughHaproxyStarlingSeesOnlyTheRequestsHaproxySent() throws Exception {
        Queue<String> seen = new ConcurrentLinkedQueue<>();
        try (TestClient client = TestClient.create(recording(seen));
             FrontProxy haproxy = FrontProxy.haproxy(temp, client.app().port())) {
            assertThat(smuggled(haproxy.port, seen)).isEmpty();
            assertThat(client.get("/probe/direct").status()).isEqualTo(200);
        }
    }
}
