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
}
