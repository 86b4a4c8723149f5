package dev.starling;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One TCP connection to a test server, written and read byte by byte, for what an HTTP client hides:
 * keep-alive, pipelining, HTTP/1.0, HEAD framing, chunked encoding, malformed requests and closes.
 * Every read is bounded by a socket timeout, so a server that hangs fails the test instead of hanging it.
 */
final class RawConnection implements AutoCloseable {

    /** One response as it came on the wire; header names are lower case. */
    record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] bodyBytes,
                    boolean chunked) {

        Optional<String> header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
        }

        String body() {
            return new String(bodyBytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return statusLine + " " + headers + " " + body();
        }
    }

    private static final int TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawConnection open(int port) {
        try {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            return new RawConnection(socket);
        } catch (IOException e) {
            throw new AssertionError("Could not connect to 127.0.0.1:" + port + ": " + e, e);
        }
    }

    /** Writes {@code request} (ISO-8859-1) in one write. */
    RawConnection send(String request) {
        try {
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return this;
        } catch (IOException e) {
            throw new AssertionError("Could not write the request: " + e, e);
        }
    }

    /** Writes {@code bytes} as they are, in one write. */
    RawConnection send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new AssertionError("Could not write " + bytes.length + " bytes: " + e, e);
        }
    }

    /** Reads one response, framed by content-length, chunked encoding or the end of the connection. */
    Response read() {
        return read(false);
    }

    /** Reads the response to a HEAD request: status line and headers only, whatever they announce. */
    Response readHead() {
        return read(true);
    }

    private Response read(boolean head) {
        try {
            String statusLine = line();
            if (statusLine == null) {
                throw new AssertionError("The server closed the connection instead of answering.");
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (String header = line(); header != null && !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                headers.computeIfAbsent(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        k -> new ArrayList<>()).add(header.substring(colon + 1).trim());
            }
            boolean chunked = headers.getOrDefault("transfer-encoding", List.of()).stream()
                    .anyMatch(v -> v.equalsIgnoreCase("chunked"));
            byte[] body;
            if (head || status == 204 || status == 304 || status / 100 == 1) {
                body = new byte[0];
            } else if (chunked) {
                body = chunkedBody();
            } else if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length").get(0)));
            } else {
                body = in.readAllBytes();
            }
            return new Response(statusLine, status, headers, body, chunked);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("No complete response within " + TIMEOUT_MILLIS + " ms: the server hangs.", e);
        } catch (IOException e) {
            throw new AssertionError("Reading the response failed: " + e, e);
        }
    }

    private byte[] chunkedBody() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (;;) {
            String size = line();
            if (size == null) {
                throw new AssertionError("The connection ended inside a chunked body.");
            }
            int n = Integer.parseInt(size.split(";", 2)[0].trim(), 16);
            if (n == 0) {
                for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                    // trailers are not used by these tests
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(n));
            String end = line();
            if (end == null || !end.isEmpty()) {
                throw new AssertionError("A chunk of " + n + " bytes was not followed by CRLF.");
            }
        }
    }

    /** Reads a CRLF-terminated line; null at the end of the stream. */
    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (;;) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
    }

    /**
     * Waits, up to the socket timeout, for the server to close the connection; fails when the server sends
     * more bytes instead or keeps the connection open.
     */
    void assertClosedByServer() {
        try {
            int b = in.read();
            if (b >= 0) {
                byte[] rest = in.readNBytes(in.available());
                throw new AssertionError("Expected the server to close the connection, but it sent more: "
                        + (char) b + new String(rest, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("The server kept the connection open for " + TIMEOUT_MILLIS + " ms.", e);
        } catch (SocketException e) {
            // a reset closes the connection as well
        } catch (IOException e) {
            throw new AssertionError("Waiting for the close failed: " + e, e);
        }
    }

    /** Fails when the server sends anything within {@code millis}; for answers that must not come yet. */
    void assertNothingArrivesWithin(int millis) {
        try {
            socket.setSoTimeout(millis);
            int b = in.read();
            throw new AssertionError(b < 0 ? "The server closed the connection."
                    : "The server answered: " + (char) b + new String(in.readNBytes(in.available()),
                    StandardCharsets.ISO_8859_1));
        } catch (SocketTimeoutException expected) {
            // nothing came, as it should
        } catch (IOException e) {
            throw new AssertionError("Reading failed: " + e, e);
        } finally {
            try {
                socket.setSoTimeout(TIMEOUT_MILLIS);
            } catch (IOException ignored) {
                // the next read fails with its own message
            }
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket cannot fail in a way that matters
        }
    }

    /** Reads until the server closes the connection, for at most the socket's timeout. */
    static String readUntilClosed(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("The server kept the connection open: it waits forever.", e);
        } catch (SocketException e) {
            // a reset ends the connection as well
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
