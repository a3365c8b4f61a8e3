package dev.haven.workflows.plans;

import java.util.List;

/**
 * One group of a plan: its VMs fail over in parallel after the {@code pre} actions and before the
 * {@code post} actions, which run in order.
 */
public record PlanGroup(
    String name, List<String> vms, List<PlanAction> pre, List<PlanAction> post) {}
