package io.jobline.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Module boundaries: roles don't depend on each other, shared on no role, only app wires. */
class ArchitectureTest {
  private static final String[] ROLES = {
    "io.jobline.api..", "io.jobline.scheduler..", "io.jobline.executor..", "io.jobline.history.."
  };
  private static final String[] SHARED = {
    "io.jobline.wire..", "io.jobline.job..", "io.jobline.run..", "io.jobline.topic..",
    "io.jobline.store..", "io.jobline.cron..", "io.jobline.schedule..", "io.jobline.health..", "io.jobline.chain.."
  };
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.jobline");
  }

  @Test
  void rolesDoNotDependOnEachOther() {
    for (String role : ROLES) {
      String[] others = java.util.Arrays.stream(ROLES).filter(r -> !r.equals(role)).toArray(String[]::new);
      noClasses().that().resideInAPackage(role)
          .should().dependOnClassesThat().resideInAnyPackage(others)
          .check(classes);
    }
  }

  @Test
  void sharedDependsOnNoRoleAndNotOnTheWiring() {
    noClasses().that().resideInAnyPackage(SHARED)
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.jobline.api..", "io.jobline.scheduler..", "io.jobline.executor..",
            "io.jobline.history..", "io.jobline.app..", "io.jobline.embedded..")
        .check(classes);
  }

  @Test
  void sharedHasNoKafkaStreams() {
    noClasses().that().resideInAnyPackage(SHARED)
        .should().dependOnClassesThat().resideInAPackage("org.apache.kafka.streams..")
        .check(classes);
  }

  @Test
  void onlyTheAppWiresRolesTogether() {
    noClasses().that().resideOutsideOfPackages("io.jobline.app..")
        .and().resideOutsideOfPackages(ROLES)
        .should().dependOnClassesThat().resideInAnyPackage(ROLES)
        .check(classes);
  }

  /**
   * Role and shared code reads the time from an injected {@link java.time.Clock}, so tests move it
   * rather than wait; elapsed time is measured with {@link System#nanoTime()}.
   */
  @Test
  void roleCodeReadsTheTimeFromAnInjectedClock() {
    String[] roleCode = java.util.stream.Stream.of(ROLES, SHARED, new String[] {"io.jobline.builtins.."})
        .flatMap(java.util.Arrays::stream).toArray(String[]::new);
    noClasses().that().resideInAnyPackage(roleCode)
        .should().callMethod(System.class, "currentTimeMillis")
        .orShould().callMethod(java.time.Instant.class, "now")
        .orShould().callMethod(java.time.LocalDateTime.class, "now")
        .orShould().callMethod(java.time.LocalDate.class, "now")
        .orShould().callMethod(java.time.ZonedDateTime.class, "now")
        .orShould().callMethod(java.time.OffsetDateTime.class, "now")
        .because("time is injected (a Clock) in role code, so tests can move it")
        .check(classes);
  }

  /**
   * {@code shared} holds what two or more modules need (their code or their tests): a class of it
   * that one module alone uses, and nothing else in {@code shared}, belongs in that module. A store
   * implementation counts the users of the interfaces it implements.
   */
  @Test
  void sharedHoldsOnlyWhatTwoOrMoreModulesUse() {
    // this module's classpath has the other modules' main classes; their tests are read where Maven compiled them
    java.util.List<java.nio.file.Path> tests = java.util.stream.Stream.of(
            "sdk", "shared", "executor", "history", "scheduler", "api", "builtins", "examples", "embedded")
        .map(m -> java.nio.file.Path.of("..", m, "target", "test-classes"))
        .filter(java.nio.file.Files::isDirectory).toList();
    java.util.Set<com.tngtech.archunit.core.importer.Location> where =
        new java.util.HashSet<>(com.tngtech.archunit.core.importer.Locations.ofPackage("io.jobline"));
    tests.forEach(t -> where.add(com.tngtech.archunit.core.importer.Location.of(t)));
    JavaClasses all = new ClassFileImporter().importLocations(where);
    java.util.List<String> alone = new java.util.ArrayList<>();
    for (com.tngtech.archunit.core.domain.JavaClass c : all) {
      if (!fromModule(c, "shared") || c.isNestedClass() || c.isAnonymousClass()) {
        continue;
      }
      java.util.Set<String> users = new java.util.TreeSet<>(usersOf(c));
      for (com.tngtech.archunit.core.domain.JavaClass contract : c.getAllRawInterfaces()) {
        if (fromModule(contract, "shared")) {
          users.addAll(usersOf(contract));
        }
      }
      if (users.size() < 2 && !users.contains("shared")) {
        alone.add(c.getName() + " used by " + users);
      }
    }
    org.assertj.core.api.Assertions.assertThat(alone).as("classes of shared that one module alone uses").isEmpty();
  }

  /** The modules whose classes (main or test) use {@code c}, other than {@code c} itself and its nested classes. */
  private static java.util.Set<String> usersOf(com.tngtech.archunit.core.domain.JavaClass c) {
    java.util.Set<String> users = new java.util.TreeSet<>();
    for (com.tngtech.archunit.core.domain.Dependency d : c.getDirectDependenciesToSelf()) {
      com.tngtech.archunit.core.domain.JavaClass user = d.getOriginClass();
      while (user.getEnclosingClass().isPresent()) {
        user = user.getEnclosingClass().get();
      }
      String module = moduleOf(user);
      if (!user.equals(c) && !module.equals("shared tests")) { // its own tests do not make it shared
        users.add(module.replace(" tests", ""));
      }
    }
    return users;
  }

  private static boolean fromModule(com.tngtech.archunit.core.domain.JavaClass c, String module) {
    return moduleOf(c).equals(module);
  }

  /** The Maven module a class was compiled in, from where its class file lies. */
  private static String moduleOf(com.tngtech.archunit.core.domain.JavaClass c) {
    String uri = c.getSource().map(s -> s.getUri().toString()).orElse("");
    java.util.regex.Matcher jar = java.util.regex.Pattern.compile("jobline-([a-z]+)-[^/]*\\.jar").matcher(uri);
    if (jar.find()) {
      return jar.group(1);
    }
    java.util.regex.Matcher dir = java.util.regex.Pattern.compile("/([a-z]+)/target/(test-)?classes/").matcher(uri);
    return !dir.find() ? uri : dir.group(2) == null ? dir.group(1) : dir.group(1) + " tests";
  }
}
