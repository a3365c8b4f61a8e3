package dev.haven.agent;

import dev.haven.protocol.tls.TlsFiles;
import java.nio.file.Path;

/**
 * How one host agent runs: its host and site names, its data folder, where its gRPC and NBD servers
 * listen (port 0 picks a free one) and its TLS identity.
 */
public record AgentConfig(
    String hostName,
    String site,
    Path dataDir,
    String grpcHost,
    int grpcPort,
    String nbdHost,
    int nbdPort,
    TlsFiles tls) {}
