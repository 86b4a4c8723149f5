package dev.starling;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Makes self-signed certificates with BouncyCastle, for {@link Tls#selfSigned()}. */
final class SelfSigned {

    /** A key and the certificate that names it. */
    record Identity(PrivateKey key, X509Certificate certificate) {
    }

    private SelfSigned() {
    }

    static Identity make() {
        try {
            Class.forName("org.bouncycastle.cert.X509v3CertificateBuilder", false, SelfSigned.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("Tls.selfSigned() needs BouncyCastle to make the certificate; add"
                    + " org.bouncycastle:bcpkix-jdk18on to the application's dependencies.", e);
        }
        return Maker.make();
    }

    /** Holds every reference to BouncyCastle, so that this class loads only when it is there. */
    private static final class Maker {
        static Identity make() {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
                KeyPair pair = generator.generateKeyPair();
                Instant now = Instant.now();
                X500Name name = new X500Name("CN=localhost");
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
                        new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
                        Date.from(now.plus(Duration.ofDays(30))), name, pair.getPublic());
                builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                    new GeneralName(GeneralName.dNSName, "localhost"),
                    new GeneralName(GeneralName.iPAddress, InetAddress.getByName("127.0.0.1").getHostAddress())}));
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                        builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
                return new Identity(pair.getPrivate(), certificate);
            } catch (GeneralSecurityException | OperatorCreationException | UnknownHostException
                     | CertIOException e) {
                throw new IllegalStateException("A self-signed certificate could not be made (" + e + ").", e);
            }
        }
    }
}
