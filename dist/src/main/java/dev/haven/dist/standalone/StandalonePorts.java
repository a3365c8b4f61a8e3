package dev.haven.dist.standalone;

/**
 * The ports a standalone stack listens on. Agents take consecutive ports from their bases, in site
 * order (primary, secondary).
 */
public record StandalonePorts(
    int api, int temporal, int temporalUi, int agentGrpcBase, int nbdBase) {

  public static final StandalonePorts DEFAULTS = new StandalonePorts(8080, 7233, 8233, 7401, 10809);

  public int agentGrpc(int siteIndex) {
    return agentGrpcBase + siteIndex;
  }

  public int nbd(int siteIndex) {
    return nbdBase + siteIndex;
  }
}
