package dev.starling.internal.http;

import dev.starling.Tls;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;

/**
 * Builds the server's TLS context from its identity, once: TLS 1.3 and 1.2 only, with the cipher suites HTTP/2
 * allows, h2 and http/1.1 offered by ALPN; OpenSSL through netty-tcnative when it is on the class path, else
 * the JDK's.
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
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("The TLS identity " + tls + " cannot serve HTTPS (" + e.getMessage()
                    + ").", e);
        }
    }
}
