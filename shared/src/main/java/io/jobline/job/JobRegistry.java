package io.jobline.job;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.classgraph.ClassGraph;
import io.github.classgraph.ClassInfo;
import io.github.classgraph.MethodInfo;
import io.github.classgraph.ScanResult;
import io.jobline.wire.Json;
import io.jobline.wire.WireLimits;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The jobs this process can run, found by scanning packages for {@link Job} methods. */
public final class JobRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(JobRegistry.class);

  private final Map<String, JobDefinition> jobs;

  private JobRegistry(Map<String, JobDefinition> jobs) {
    this.jobs = jobs;
  }

  /**
   * Finds every {@code @Job} method in the given packages (and their sub-packages).
   *
   * @throws JobException if two jobs share a name or a job is declared wrongly
   */
  public static JobRegistry scan(List<String> packages) {
    return scan(packages, JobResources.NONE);
  }

  /**
   * Finds every {@code @Job} method in the given packages, constructing job classes with {@code
   * resources} when they take them.
   *
   * @throws JobException if two jobs share a name or a job is declared wrongly
   */
  public static JobRegistry scan(List<String> packages, JobResources resources) {
    Map<String, JobDefinition> found = new TreeMap<>();
    try (ScanResult scan =
        new ClassGraph()
            .enableClassInfo()
            .enableMethodInfo()
            .enableAnnotationInfo()
            .acceptPackages(packages.toArray(String[]::new))
            .scan()) {
      for (ClassInfo info : scan.getClassesWithMethodAnnotation(Job.class)) {
        Class<?> type = info.loadClass();
        Object target = instantiate(type, resources);
        for (MethodInfo m : info.getDeclaredMethodInfo()) {
          if (m.hasAnnotation(Job.class)) {
            JobDefinition def = define(target, m.loadClassAndGetMethod());
            JobDefinition previous = found.putIfAbsent(def.name(), def);
            if (previous != null) {
              throw new DuplicateJobException(
                  def.name(),
                  "job name '"
                      + def.name()
                      + "' is declared twice: "
                      + previous.method()
                      + " and "
                      + def.method());
            }
          }
        }
      }
    }
    return new JobRegistry(found);
  }

  /** A registry over the given definitions (for tests and embedding). */
  public static JobRegistry of(Collection<JobDefinition> definitions) {
    Map<String, JobDefinition> map = new TreeMap<>();
    definitions.forEach(d -> map.put(d.name(), d));
    return new JobRegistry(map);
  }

  public Optional<JobDefinition> find(String name) {
    return Optional.ofNullable(name == null ? null : jobs.get(name));
  }

  public Collection<JobDefinition> all() {
    return jobs.values();
  }

  public List<JobDescriptor> descriptors() {
    return jobs.values().stream().map(JobDefinition::descriptor).toList();
  }

  static JobDefinition define(Object target, Method method) {
    Job job = method.getAnnotation(Job.class);
    if (method.getParameterCount() != 1 || method.getParameterTypes()[0] != JobContext.class) {
      throw new JobException("@Job method " + method + " must take exactly one JobContext");
    }
    if (job.name().isBlank()) {
      throw new JobException("@Job method " + method + " has a blank name");
    }
    method.setAccessible(true);
    JsonNode schema = loadSchema(job.paramsSchema(), method);
    if (schema != null) {
      try {
        ParamsValidator.check(schema);
      } catch (IllegalArgumentException e) {
        // (found by review: such a schema was read at boot and failed each request, or fetched
        // a $ref over the network as each was checked)
        throw new JobException(
            "params schema of " + method + " cannot be used: " + e.getMessage(), e);
      }
    }
    if (job.timeoutSeconds() < 1 || job.retries() < 0 || job.maxConcurrency() < 0) {
      throw new JobException(
          "@Job "
              + job.name()
              + " needs timeoutSeconds >= 1, retries >= 0 and maxConcurrency >= 0");
    }
    if (job.retries() >= WireLimits.MAX_ATTEMPTS) {
      // (refused, an executor upgraded past the bound would not start: it retries up to it)
      LOG.warn(
          "@Job {} declares {} retries; its runs get at most {} attempts",
          job.name(),
          job.retries(),
          WireLimits.MAX_ATTEMPTS);
    }
    JobDescriptor descriptor =
        new JobDescriptor(
            job.name(),
            job.description(),
            job.timeoutSeconds(),
            job.retries(),
            job.scope(),
            job.perTenant(),
            job.maxConcurrency(),
            schema);
    return new JobDefinition(descriptor, target, method);
  }

  private static Object instantiate(Class<?> type, JobResources resources) {
    try {
      try {
        var withResources = type.getDeclaredConstructor(JobResources.class);
        withResources.setAccessible(true);
        return withResources.newInstance(resources);
      } catch (NoSuchMethodException e) {
        var ctor = type.getDeclaredConstructor();
        ctor.setAccessible(true);
        return ctor.newInstance();
      }
    } catch (ReflectiveOperationException e) {
      throw new JobException(
          "job class "
              + type.getName()
              + " needs a no-argument constructor or one taking JobResources",
          e);
    }
  }

  private static JsonNode loadSchema(String schema, Method method) {
    String trimmed = schema.trim();
    if (trimmed.isEmpty()) {
      return null;
    }
    try {
      if (trimmed.startsWith("{")) {
        return Json.mapper().readTree(trimmed);
      }
      String path = trimmed.startsWith("/") ? trimmed.substring(1) : trimmed;
      try (InputStream in = method.getDeclaringClass().getClassLoader().getResourceAsStream(path)) {
        if (in == null) {
          throw new JobException(
              "params schema resource '" + trimmed + "' of " + method + " not found");
        }
        return Json.mapper().readTree(in);
      }
    } catch (IOException e) {
      throw new JobException(
          "params schema of " + method + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
