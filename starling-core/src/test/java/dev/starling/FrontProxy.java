package dev.starling;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's nginx or haproxy in the foreground on 127.0.0.1, in front of an app. The smuggling tests have it
 * forward over one pooled HTTP/1.1 connection: the setting in which request smuggling works, since bytes a proxy
 * leaves behind on that connection become the start of the next client's request; with one connection, the answer
 * to a later request through the proxy proves the app has read everything sent before it.
 */
final class FrontProxy implements AutoCloseable {

    final String name;
    final int port;
    private final Process process;
    private final Path dir;

    private FrontProxy(String name, int port, Process process, Path dir) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.dir = dir;
    }

    /** Starts nginx with a keep-alive upstream of one cached connection to {@code appPort}. */
    static FrontProxy nginx(Path temp, int appPort) throws Exception {
        return nginx(temp, """
                upstream app { server 127.0.0.1:%2$d; keepalive 1; }
                server {
                    listen 127.0.0.1:%1$d;
                    location / {
                        proxy_pass http://app;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                    }
                }
                """, appPort);
    }

    /**
     * Starts nginx with {@code servers} as the rest of its {@code http} block, where {@code %1$d} is the port it
     * listens on and {@code %2$d} is {@code appPort}.
     */
    static FrontProxy nginx(Path temp, String servers, int appPort) throws Exception {
        Path binary = Path.of("/usr/sbin/nginx");
        assertThat(binary).as("this test needs Debian's nginx (apt-get install nginx; .ci/run installs it)")
                .isExecutable();
        Path dir = Files.createDirectories(temp.resolve("nginx"));
        int port = freePort();
        String conf = """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 64; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                %2$s}
                """.formatted(dir, servers.formatted(port, appPort).indent(4));
        Files.writeString(dir.resolve("nginx.conf"), conf);
        return start("nginx", port, dir, List.of(binary.toString(), "-p", dir.toString(), "-e",
                dir.resolve("error.log").toString(), "-c", dir.resolve("nginx.conf").toString()));
    }

    /** Starts haproxy with at most one connection to {@code appPort}, reused for every client. */
    static FrontProxy haproxy(Path temp, int appPort) throws Exception {
        Path binary = Path.of("/usr/sbin/haproxy");
        assertThat(binary).as("this test needs Debian's haproxy (apt-get install haproxy; .ci/run installs it)")
                .isExecutable();
        Path dir = Files.createDirectories(temp.resolve("haproxy"));
        int port = freePort();
        String conf = """
                global
                    maxconn 64
                defaults
                    mode http
                    timeout connect 5s
                    timeout client 10s
                    timeout server 10s
                    option http-keep-alive
                    http-reuse always
                frontend front
                    bind 127.0.0.1:%1$d
                    default_backend app
                backend app
                    server app 127.0.0.1:%2$d maxconn 1
                """.formatted(port, appPort);
        Files.writeString(dir.resolve("haproxy.cfg"), conf);
        return start("haproxy", port, dir, List.of(binary.toString(), "-db", "-f",
                dir.resolve("haproxy.cfg").toString()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return free.getLocalPort();
        }
    }

    private static FrontProxy start(String name, int port, Path dir, List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.log").toFile()).start();
        FrontProxy proxy = new FrontProxy(name, port, process, dir);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return proxy;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    proxy.close();
                    Path errors = dir.resolve("error.log");
                    throw new AssertionError(name + " did not start: " + Files.readString(dir.resolve("out.log"))
                            + (Files.exists(errors) ? Files.readString(errors) : ""));
                }
                Thread.onSpinWait();
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
