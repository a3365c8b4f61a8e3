package dev.haven.protocol.tls;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The deployment's certificate authority, made on first start and kept as {@code ca.pem} and {@code
 * ca.key} (mode 0600) in its folder. It issues the certificate of every agent, worker and API
 * process; a key is never checked in or shipped. Keys are ECDSA P-256.
 */
public final class CertificateAuthority {
  public static final String CA_CERT_FILE = "ca.pem";
  static final String CA_KEY_FILE = "ca.key";
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration LEAF_LIFETIME = Duration.ofDays(825);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;
  private final X509Certificate cert;
  private final PrivateKey key;

  private CertificateAuthority(Path dir, X509Certificate cert, PrivateKey key) {
    this.dir = dir;
    this.cert = cert;
    this.key = key;
  }

  /** Loads the CA in {@code dir}, or makes a new one there when none exists yet. */
  public static synchronized CertificateAuthority loadOrCreate(Path dir) throws IOException {
    Path certFile = dir.resolve(CA_CERT_FILE);
    Path keyFile = dir.resolve(CA_KEY_FILE);
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      return new CertificateAuthority(dir, readCert(certFile), readKey(keyFile));
    }
    Files.createDirectories(dir);
    KeyPair pair = newKeyPair();
    X500Name name = new X500Name("CN=Haven CA " + Long.toHexString(RANDOM.nextLong()));
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(CA_LIFETIME)),
            name,
            pair.getPublic());
    X509Certificate caCert;
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      caCert = sign(builder, pair.getPrivate());
    } catch (IOException e) {
      throw e;
    }
    writeKey(keyFile, pair.getPrivate());
    writeCert(certFile, caCert);
    return new CertificateAuthority(dir, caCert, pair.getPrivate());
  }

  /**
   * Issues (or keeps, when it exists and this CA signed it) the identity {@code name} in {@code
   * targetDir}: {@code name.pem}, {@code name.key} and a copy of {@code ca.pem}. The certificate is
   * valid for TLS server and client use, for localhost, 127.0.0.1 and the given host names.
   */
  public TlsFiles issue(Path targetDir, String name, List<String> hostNames) throws IOException {
    TlsFiles files = TlsFiles.in(targetDir, name);
    Files.createDirectories(targetDir);
    if (Files.exists(files.cert()) && Files.exists(files.key()) && signedByMe(files.cert())) {
      copyCaCert(files);
      return files;
    }
    KeyPair pair = newKeyPair();
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            cert,
            serial(),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(LEAF_LIFETIME)),
            new X500Name("CN=" + name),
            pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(
        Extension.keyUsage,
        true,
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
    builder.addExtension(
        Extension.extendedKeyUsage,
        false,
        new ExtendedKeyUsage(
            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    builder.addExtension(Extension.subjectAlternativeName, false, subjectNames(hostNames));
    X509Certificate leaf = sign(builder, key);
    writeKey(files.key(), pair.getPrivate());
    writeCert(files.cert(), leaf);
    copyCaCert(files);
    return files;
  }

  /** The CA's own certificate file. */
  public Path certFile() {
    return dir.resolve(CA_CERT_FILE);
  }

  private boolean signedByMe(Path certFile) {
    try {
      readCert(certFile).verify(cert.getPublicKey());
      return true;
    } catch (IOException | GeneralSecurityException e) {
      return false;
    }
  }

  private void copyCaCert(TlsFiles files) throws IOException {
    if (!files.caCert().equals(certFile())) {
      Files.copy(certFile(), files.caCert(), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static GeneralNames subjectNames(List<String> hostNames) {
    List<GeneralName> names = new ArrayList<>();
    names.add(new GeneralName(GeneralName.dNSName, "localhost"));
    names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
    for (String host : hostNames) {
      boolean ip = host.matches("[0-9.]+") || host.contains(":");
      if (!host.equals("localhost") && !host.equals("127.0.0.1")) {
        names.add(new GeneralName(ip ? GeneralName.iPAddress : GeneralName.dNSName, host));
      }
    }
    return new GeneralNames(names.toArray(new GeneralName[0]));
  }

  private static KeyPair newKeyPair() throws IOException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256, RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot generate an EC key pair", e);
    }
  }

  private static BigInteger serial() {
    return new BigInteger(64, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signerKey)
      throws IOException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(signerKey);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IOException("cannot sign a certificate", e);
    }
  }

  private static void writeCert(Path file, X509Certificate certificate) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(certificate);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeKey(Path file, PrivateKey privateKey) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(
        tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII);
        JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(new JcaPKCS8Generator(privateKey, null));
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static X509Certificate readCert(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(in)) {
      Object obj = parser.readObject();
      if (!(obj instanceof X509CertificateHolder holder)) {
        throw new IOException(file + " does not hold a PEM certificate");
      }
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read certificate " + file, e);
    }
  }

  private static PrivateKey readKey(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        PEMParser parser = new PEMParser(in)) {
      Object obj = parser.readObject();
      if (!(obj instanceof PrivateKeyInfo info)) {
        throw new IOException(file + " does not hold a PKCS#8 private key");
      }
      return new JcaPEMKeyConverter().getPrivateKey(info);
    }
  }

  /** Resolves this machine's host name for certificates, or localhost when it has none. */
  public static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }
}
