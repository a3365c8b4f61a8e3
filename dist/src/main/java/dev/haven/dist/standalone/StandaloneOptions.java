package dev.haven.dist.standalone;

import java.nio.file.Path;

/** How {@code haven standalone} was asked to run. */
public record StandaloneOptions(
    Path dataDir, String temporalMode, String bindHost, StandalonePorts ports) {}
