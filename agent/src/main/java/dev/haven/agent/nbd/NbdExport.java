package dev.haven.agent.nbd;

import dev.haven.agent.disk.BlockDevice;

/**
 * The export a client chose during the handshake, with the size it was told: requests are checked
 * against that size, not against whatever the device might report later.
 */
record NbdExport(String name, BlockDevice device, long size) {}
