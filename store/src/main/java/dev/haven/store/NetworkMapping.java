package dev.haven.store;

/** A source network of a pairing and the target network that replica VMs attach to instead. */
public record NetworkMapping(String sourceNetwork, String targetNetwork) {}
