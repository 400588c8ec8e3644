package io.jobline.chain;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.jobline.wire.WireLimits;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A named set of job steps forming a directed acyclic graph: a step runs once the steps it depends
 * on have succeeded, so independent branches run in parallel.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Chain(String name, String description, List<ChainStep> steps) {

  public Chain {
    description = description == null ? "" : description;
    steps = steps == null ? List.of() : List.copyOf(steps);
  }

  /** A chain of these steps (the seed's {@code chain(name, description, steps...)}). */
  public static Chain chain(String name, String description, ChainStep... steps) {
    return new Chain(name, description, List.of(steps));
  }

  /**
   * Each job after the previous one, stopping at the first failure. A job listed again is a step
   * named after it with {@code -2}, {@code -3}, … (the first number no step has taken).
   */
  public static Chain linear(String name, String description, List<String> jobs) {
    List<ChainStep> steps = new ArrayList<>(jobs.size());
    // names taken, and the number each job's next name tries first: a name tried is looked up
    // once, not searched for among the steps (found by review: a schedule listing one job 20,000
    // times took of the order of n³ string comparisons to name its steps, on the scheduler's loop)
    Set<String> taken = new HashSet<>();
    Map<String, Integer> nextNumber = new HashMap<>();
    String previous = null;
    for (String job : jobs) {
      String stepName = job;
      int n = nextNumber.getOrDefault(job, 2);
      while (taken.contains(stepName)) {
        stepName = job + "-" + n++;
      }
      nextNumber.put(job, n);
      taken.add(stepName);
      ChainStep step = ChainStep.step(job).named(stepName);
      steps.add(previous == null ? step : step.dependsOn(previous));
      previous = stepName;
    }
    return new Chain(name, description, steps);
  }

  public Optional<ChainStep> step(String stepName) {
    return steps.stream().filter(s -> s.name().equals(stepName)).findFirst();
  }

  /**
   * The most steps a chain may have. Each pass of the chain orchestrator reads and writes a chain
   * run whole, and one of 30,000 steps (which a 1 MiB body holds) took it 2–3 s a pass, holding up
   * every other chain run's progress (found by review).
   */
  public static final int MAX_STEPS = 1000;

  /**
   * Checks the chain as {@link #validate(Predicate, Predicate)} does, with no job fanning out.
   *
   * @param jobExists whether a job of that name is registered
   * @throws ChainException naming the step and field at fault (a cycle is named step by step)
   */
  public Chain validate(Predicate<String> jobExists) {
    return validate(jobExists, job -> false);
  }

  /**
   * Checks the chain: a name, from one to {@link #MAX_STEPS} steps, unique step names, known jobs
   * that do not fan out per tenant, params that are JSON objects, dependencies naming steps, sane
   * retry settings, and no cycle.
   *
   * <p>A job that fans out per tenant cannot be a step: its run ends once it has planned the
   * tenants' runs, not once they ran, so the steps after it would start before its work was done,
   * and the chain would end completed whatever the tenants' runs did (found by review).
   *
   * @param jobExists whether a job of that name is registered
   * @param fansOut whether that job fans out to one run per tenant ({@code perTenant})
   * @throws ChainException naming the step and field at fault (a cycle is named step by step)
   */
  public Chain validate(Predicate<String> jobExists, Predicate<String> fansOut) {
    if (name == null || name.isBlank()) {
      throw new ChainException(name, null, "name", "a chain needs a name");
    }
    if (steps.isEmpty()) {
      throw new ChainException(name, null, "steps", "chain '" + name + "' has no steps");
    }
    if (steps.size() > MAX_STEPS) {
      throw new ChainException(
          name,
          null,
          "steps",
          "chain '"
              + name
              + "' has "
              + steps.size()
              + " steps; a chain takes at most "
              + MAX_STEPS
              + " (split it into smaller chains)");
    }
    Map<String, ChainStep> byName = new LinkedHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      ChainStep s = steps.get(i);
      String at = "steps[" + i + "]";
      if (s.job() == null || s.job().isBlank()) {
        throw new ChainException(
            name, s.name(), at + ".job", "step " + i + " of chain '" + name + "' names no job");
      }
      if (byName.putIfAbsent(s.name(), s) != null) {
        throw new ChainException(
            name,
            s.name(),
            at + ".name",
            "step '"
                + s.name()
                + "' appears twice in chain '"
                + name
                + "'; give one a different name");
      }
      String unfit =
          !jobExists.test(s.job())
              ? "is not registered; GET /jobs lists the catalogue"
              : fansOut.test(s.job())
                  ? "runs once per tenant: its run ends once the tenants' runs are planned, not"
                      + " once they ran, so a chain cannot wait for it; schedule that job on its own"
                  : null;
      if (unfit != null) {
        throw new ChainException(
            name,
            s.name(),
            at + ".job",
            "step '" + s.name() + "' runs job '" + s.job() + "', which " + unfit);
      }
      if (!s.params().isObject()) {
        throw new ChainException(
            name,
            s.name(),
            at + ".params",
            "step '" + s.name() + "' has params that are not a JSON object: " + s.params());
      }
      boolean badRetries = s.retries() < 0 || s.retries() >= WireLimits.MAX_ATTEMPTS;
      if (badRetries
          || s.retryDelaySeconds() < 0
          || s.retryDelaySeconds() > WireLimits.MAX_BACKOFF_SECONDS) {
        throw new ChainException(
            name,
            s.name(),
            at + (badRetries ? ".retries" : ".retry_delay_seconds"),
            "step '"
                + s.name()
                + "' needs retries from 0 to "
                + (WireLimits.MAX_ATTEMPTS - 1)
                + " and retry_delay_seconds from 0 to "
                + WireLimits.MAX_BACKOFF_SECONDS);
      }
    }
    for (int i = 0; i < steps.size(); i++) {
      ChainStep s = steps.get(i);
      for (String dep : s.dependsOn()) {
        if (!byName.containsKey(dep) || dep.equals(s.name())) {
          throw new ChainException(
              name,
              s.name(),
              "steps[" + i + "].depends_on",
              "step '"
                  + s.name()
                  + "' depends on '"
                  + dep
                  + "', which is "
                  + (dep.equals(s.name()) ? "itself" : "not a step of chain '" + name + "'"));
        }
      }
    }
    findCycle(byName)
        .ifPresent(
            cycle -> {
              throw new ChainException(
                  name,
                  cycle.get(0),
                  "steps[" + steps.indexOf(byName.get(cycle.get(0))) + "].depends_on",
                  "steps of chain '"
                      + name
                      + "' form a cycle (each depends on the next): "
                      + String.join(" -> ", cycle));
            });
    return this;
  }

  /** A dependency cycle as step names, first repeated last, if there is one. */
  private static Optional<List<String>> findCycle(Map<String, ChainStep> byName) {
    Set<String> done = new HashSet<>();
    for (String start : byName.keySet()) {
      if (done.contains(start)) {
        continue;
      }
      // iterative depth-first search; the path is the current chain of "depends on"
      Deque<String> path = new ArrayDeque<>();
      Map<String, Integer> nextDep = new HashMap<>();
      path.push(start);
      Set<String> onPath = new HashSet<>(Set.of(start));
      while (!path.isEmpty()) {
        String at = path.peek();
        List<String> deps = byName.get(at).dependsOn();
        int i = nextDep.getOrDefault(at, 0);
        if (i >= deps.size()) {
          path.pop();
          onPath.remove(at);
          done.add(at);
          continue;
        }
        nextDep.put(at, i + 1);
        String dep = deps.get(i);
        if (onPath.contains(dep)) {
          List<String> stack = new ArrayList<>(path);
          List<String> cycle = new ArrayList<>(stack.subList(0, stack.indexOf(dep) + 1));
          Collections.reverse(cycle);
          cycle.add(dep);
          return Optional.of(cycle);
        }
        if (!done.contains(dep)) {
          path.push(dep);
          onPath.add(dep);
        }
      }
    }
    return Optional.empty();
  }
}
