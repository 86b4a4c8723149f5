package dev.starling.internal.http;

import dev.starling.Tls;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Builds the server's TLS context from its identity, once: TLS 1.3 and 1.2 only, with the provider's default
 * (modern) cipher suites; OpenSSL through netty-tcnative when it is on the class path, else the JDK's.
 */
final class TlsContexts {

    private TlsContexts() {
    }

    /** Returns the name of the TLS implementation that serves: {@code OpenSSL} or {@code JDK}. */
    static String provider() {
        return OpenSsl.isAvailable() ? "OpenSSL" : "JDK";
    }

    static SslContext of(Tls tls) {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        try {
            return SslContextBuilder.forServer(tls.privateKey(), tls.certificateChain().toArray(new X509Certificate[0]))
                    .sslProvider(provider)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("The TLS identity " + tls + " cannot serve HTTPS (" + e.getMessage()
                    + ").", e);
        }
    }
}
