package io.jobline.app;

import io.dropwizard.util.Duration;
import io.jobline.api.auth.AuthSettings;
import io.jobline.history.HistorySettings;
import io.jobline.scheduler.SchedulerSettings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The checks of the roles' settings that bean validation on their own classes does not make (the
 * executor's are on {@code ExecutorSettings}): a value that binds but leaves a role doing nothing,
 * or two keys that only work together. Each error names the key, what it must be and why.
 */
final class SettingsChecks {
  /**
   * Nimbus verifies HS256 only with a key of at least 256 bits; a shorter one refused every JWT.
   */
  static final int HS256_SECRET_BYTES = 32;

  /**
   * The lease is taken or renewed once per cycle and trusted until 500 ms ({@code
   * LeaderLease.MARGIN}) short of its end; at 500 ms or less it was never valid, and nothing fired.
   */
  static final Duration LEASE_MARGIN = Duration.milliseconds(500);

  static final Duration SHORTEST_LEASE = Duration.seconds(2);

  /** Each scheduler or chain cycle asks the store at least once (its lease). */
  static final Duration SHORTEST_CYCLE = Duration.milliseconds(100);

  /**
   * History's offsets move only at its commits (5 s apart at most) and stand still through a
   * rebalance or a slow MongoDB write; shorter turned its health red while nothing was wrong.
   */
  static final Duration SHORTEST_STALL = Duration.seconds(10);

  private final List<String> errors = new ArrayList<>();

  private SettingsChecks() {}

  /** What is wrong with {@code config}, one sentence per key; empty when it can run. */
  static List<String> problems(JoblineConfiguration config) {
    SettingsChecks checks = new SettingsChecks();
    checks.auth(config.auth);
    checks.scheduler(config.scheduler);
    checks.history(config.history);
    return checks.errors;
  }

  /**
   * What {@code roles} need of {@code config} beyond {@link #problems}, checked before anything is
   * connected to: an api nobody may call told of an unreachable MongoDB first, not of its auth.
   */
  static List<String> forRoles(JoblineConfiguration config, Set<Role> roles) {
    if (roles.contains(Role.API) && !config.auth.configured()) {
      return List.of(
          "auth: the api needs auth.apiKeys, auth.jwt (hs256Secret or jwksUrl) "
              + "or auth.devToken (e.g. from JOBLINE_DEV_TOKEN) — nobody could call it otherwise");
    }
    return List.of();
  }

  private void auth(AuthSettings auth) {
    String secret = auth.jwt.hs256Secret;
    if (secret != null
        && !secret.isBlank()
        && secret.getBytes(StandardCharsets.UTF_8).length < HS256_SECRET_BYTES) {
      errors.add(
          "auth.jwt.hs256Secret must be at least "
              + HS256_SECRET_BYTES
              + " bytes (256 bits) — HS256 tokens signed with a shorter secret cannot be verified,"
              + " so every JWT would be refused");
    }
  }

  private void scheduler(SchedulerSettings scheduler) {
    named("scheduler.transactionalId", scheduler.transactionalId, false);
    named("scheduler.schedulerId", scheduler.schedulerId, true);
    atLeast(
        "scheduler.reloadInterval",
        scheduler.reloadInterval,
        SHORTEST_CYCLE,
        "each cycle asks the store at least once");
    atLeast(
        "scheduler.chainInterval",
        scheduler.chainInterval,
        SHORTEST_CYCLE,
        "each cycle asks the store at least once");
    if (!atLeast(
        "scheduler.leaseTtl",
        scheduler.leaseTtl,
        SHORTEST_LEASE,
        "it is trusted until " + LEASE_MARGIN + " short of its end")) {
      return;
    }
    Duration cycle =
        scheduler.reloadInterval.toMilliseconds() >= scheduler.chainInterval.toMilliseconds()
            ? scheduler.reloadInterval
            : scheduler.chainInterval;
    // renewed once a cycle, each leader trusts its lease until LEASE_MARGIN short of its end: the
    // rest must outlast the longest sleep between two cycles, with as much again for the cycle's
    // own work (found by review of the first form, which asked twice the cycle: 15 s with cycles
    // of 8 s was refused, and works)
    long trusted = scheduler.leaseTtl.toMilliseconds() - LEASE_MARGIN.toMilliseconds();
    if (trusted < cycle.toMilliseconds() + LEASE_MARGIN.toMilliseconds()) {
      errors.add(
          "scheduler.leaseTtl ("
              + scheduler.leaseTtl
              + ") must be at least "
              + Duration.milliseconds(2 * LEASE_MARGIN.toMilliseconds())
              + " longer than the longer of scheduler.reloadInterval and scheduler.chainInterval"
              + " ("
              + cycle
              + ") — the lease is renewed once per cycle, and one that lapses between two cycles"
              + " stops all firing");
    }
  }

  private void history(HistorySettings history) {
    named("history.applicationId", history.applicationId, false);
    atLeast(
        "history.stallAfter",
        history.stallAfter,
        SHORTEST_STALL,
        "offsets move only at commits, and stand still through a rebalance");
  }

  /**
   * An id given to Kafka or shown in events must not be empty; when {@code optional}, leaving it
   * out (null) picks one of its own.
   */
  private void named(String key, String value, boolean optional) {
    if (value == null ? !optional : value.isBlank()) {
      errors.add(
          key + " must not be empty" + (optional ? " — leave it out for one of its own" : ""));
    }
  }

  private boolean atLeast(String key, Duration value, Duration least, String why) {
    if (value.toMilliseconds() < least.toMilliseconds()) {
      errors.add(key + " (" + value + ") must be at least " + least + " — " + why);
      return false;
    }
    return true;
  }
}
