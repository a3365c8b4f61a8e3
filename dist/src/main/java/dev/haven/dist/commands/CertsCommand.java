package dev.haven.dist.commands;

import dev.haven.protocol.tls.CertificateAuthority;
import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code haven certs}: issues one process's identity from the deployment's CA (made on first use),
 * for deployments whose parts run as separate processes or containers.
 */
@Command(name = "certs", description = "Issue a process certificate from the deployment's CA.")
public final class CertsCommand implements Callable<Integer> {
  @Option(names = "--ca", required = true, description = "the CA folder (created when missing)")
  Path caDir;

  @Option(names = "--out", required = true, description = "folder for NAME.pem, NAME.key, ca.pem")
  Path out;

  @Option(names = "--name", required = true, description = "file name, e.g. agent, worker, api")
  String name;

  @Option(names = "--host", description = "host names or addresses the certificate is valid for")
  List<String> hosts = List.of();

  @Override
  public Integer call() throws Exception {
    TlsFiles files = CertificateAuthority.loadOrCreate(caDir).issue(out, name, hosts);
    System.out.printf("issued %s and %s, trusting %s%n", files.cert(), files.key(), files.caCert());
    return 0;
  }
}
