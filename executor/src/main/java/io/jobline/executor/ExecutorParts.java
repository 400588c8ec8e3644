package io.jobline.executor;

import io.jobline.store.TimerStore;

/** The stores and clients an executor works with, wired by the application. */
public record ExecutorParts(
    ClaimStore claims, TimerStore timers, TenantDirectory tenants, PartitionLeases leases) {}
