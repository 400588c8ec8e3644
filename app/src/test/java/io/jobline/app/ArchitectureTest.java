package io.jobline.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.core.importer.Locations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Module boundaries: roles don't depend on each other, shared on no role, only app wires. */
class ArchitectureTest {
  private static final String[] ROLES = {
    "io.jobline.api..", "io.jobline.scheduler..", "io.jobline.executor..", "io.jobline.history.."
  };
  private static final String[] SHARED = {
    "io.jobline.wire..",
    "io.jobline.job..",
    "io.jobline.run..",
    "io.jobline.topic..",
    "io.jobline.store..",
    "io.jobline.cron..",
    "io.jobline.schedule..",
    "io.jobline.health..",
    "io.jobline.chain.."
  };
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.jobline");
  }

  @Test
  void rolesDoNotDependOnEachOther() {
    for (String role : ROLES) {
      String[] others = Arrays.stream(ROLES).filter(r -> !r.equals(role)).toArray(String[]::new);
      noClasses()
          .that()
          .resideInAPackage(role)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(others)
          .check(classes);
    }
  }

  @Test
  void sharedDependsOnNoRoleAndNotOnTheWiring() {
    noClasses()
        .that()
        .resideInAnyPackage(SHARED)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.jobline.api..",
            "io.jobline.scheduler..",
            "io.jobline.executor..",
            "io.jobline.history..",
            "io.jobline.app..",
            "io.jobline.embedded..")
        .check(classes);
  }

  @Test
  void sharedHasNoKafkaStreams() {
    noClasses()
        .that()
        .resideInAnyPackage(SHARED)
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.apache.kafka.streams..")
        .check(classes);
  }

  @Test
  void onlyTheAppWiresRolesTogether() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.jobline.app..")
        .and()
        .resideOutsideOfPackages(ROLES)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(ROLES)
        .check(classes);
  }

  /**
   * Role and shared code reads the time from an injected {@link java.time.Clock}, so tests move it
   * rather than wait; elapsed time is measured with {@link System#nanoTime()}.
   */
  @Test
  void roleCodeReadsTheTimeFromAnInjectedClock() {
    String[] roleCode =
        Stream.of(ROLES, SHARED, new String[] {"io.jobline.builtins.."})
            .flatMap(Arrays::stream)
            .toArray(String[]::new);
    noClasses()
        .that()
        .resideInAnyPackage(roleCode)
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(LocalDateTime.class, "now")
        .orShould()
        .callMethod(LocalDate.class, "now")
        .orShould()
        .callMethod(ZonedDateTime.class, "now")
        .orShould()
        .callMethod(OffsetDateTime.class, "now")
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
    // this module's classpath has the other modules' main classes; their tests are read where Maven
    // compiled them
    List<Path> tests =
        Stream.of(
                "sdk",
                "shared",
                "executor",
                "history",
                "scheduler",
                "api",
                "builtins",
                "examples",
                "embedded")
            .map(m -> Path.of("..", m, "target", "test-classes"))
            .filter(Files::isDirectory)
            .toList();
    Set<Location> where = new HashSet<>(Locations.ofPackage("io.jobline"));
    tests.forEach(t -> where.add(Location.of(t)));
    JavaClasses all = new ClassFileImporter().importLocations(where);
    List<String> alone = new ArrayList<>();
    for (JavaClass c : all) {
      if (!fromModule(c, "shared") || c.isNestedClass() || c.isAnonymousClass()) {
        continue;
      }
      Set<String> users = new TreeSet<>(usersOf(c));
      for (JavaClass contract : c.getAllRawInterfaces()) {
        if (fromModule(contract, "shared")) {
          users.addAll(usersOf(contract));
        }
      }
      if (users.size() < 2 && !users.contains("shared")) {
        alone.add(c.getName() + " used by " + users);
      }
    }
    Assertions.assertThat(alone).as("classes of shared that one module alone uses").isEmpty();
  }

  /**
   * The modules whose classes (main or test) use {@code c}, other than {@code c} itself and its
   * nested classes.
   */
  private static Set<String> usersOf(JavaClass c) {
    Set<String> users = new TreeSet<>();
    for (Dependency d : c.getDirectDependenciesToSelf()) {
      JavaClass user = d.getOriginClass();
      while (user.getEnclosingClass().isPresent()) {
        user = user.getEnclosingClass().get();
      }
      String module = moduleOf(user);
      if (!user.equals(c)
          && !module.equals("shared tests")) { // its own tests do not make it shared
        users.add(module.replace(" tests", ""));
      }
    }
    return users;
  }

  private static boolean fromModule(JavaClass c, String module) {
    return moduleOf(c).equals(module);
  }

  /** The Maven module a class was compiled in, from where its class file lies. */
  private static String moduleOf(JavaClass c) {
    String uri = c.getSource().map(s -> s.getUri().toString()).orElse("");
    Matcher jar = Pattern.compile("jobline-([a-z]+)-[^/]*\\.jar").matcher(uri);
    if (jar.find()) {
      return jar.group(1);
    }
    Matcher dir = Pattern.compile("/([a-z]+)/target/(test-)?classes/").matcher(uri);
    return !dir.find() ? uri : dir.group(2) == null ? dir.group(1) : dir.group(1) + " tests";
  }
}
