package dev.starling;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written frame by frame, for what a real client hides: fragments, pings, close frames,
 * silence and a client that never reads. Every read is bounded by a socket timeout.
 */
final class RawWebSocket implements AutoCloseable {

    /** One frame as it came from the server. */
    record Frame(boolean fin, int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame. */
        int closeCode() {
            return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }
    }

    static final int TEXT = 1, BINARY = 2, CONTINUATION = 0, CLOSE = 8, PING = 9, PONG = 10;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** The server's answer to the upgrade: its status line and headers. */
    final String head;

    private RawWebSocket(Socket socket, String head, InputStream in) throws IOException {
        this.socket = socket;
        this.head = head;
        this.in = in;
        this.out = socket.getOutputStream();
    }

    /** Opens {@code path} with {@code extraHeaders} (lines ending in CRLF), failing unless the server answers 101. */
    static RawWebSocket open(int port, String path, String extraHeaders) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + extraHeaders + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        InputStream in = new BufferedInputStream(socket.getInputStream());
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("The server closed the connection instead of answering the upgrade.");
            }
            head.append((char) b);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new AssertionError("The server did not switch protocols: " + head);
        }
        return new RawWebSocket(socket, head.toString(), in);
    }

    /** Sends one masked frame, as a client must. */
    void send(boolean fin, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        out.write(frame.toByteArray());
        out.flush();
    }

    void sendText(boolean fin, int opcode, String text) throws IOException {
        send(fin, opcode, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the server's next frame (unmasked, as a server's are). */
    Frame read() throws IOException {
        try {
            int b0 = readByte();
            int b1 = readByte();
            long length = b1 & 0x7f;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | readByte();
                }
            }
            byte[] payload = in.readNBytes((int) length);
            return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("No frame came within 10 s: the server hangs.", e);
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new AssertionError("The server closed the connection before a whole frame came.");
        }
        return b;
    }

    /** Returns true once the server has closed the TCP connection (reads end); fails if it sends more. */
    boolean closedByServer() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
